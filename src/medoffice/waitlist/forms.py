from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from medoffice.waitlist.models import WEEKDAYS, EntryStatus, TimeOfDay
from medoffice.waitlist.selectors import EntryFilter


def _types() -> Any:
    from medoffice.scheduling.models import AppointmentType

    return AppointmentType.objects.filter(is_active=True).order_by("name")


def _providers() -> Any:
    from medoffice.scheduling.models import Provider

    return Provider.objects.filter(is_active=True).select_related("user")


def _locations() -> Any:
    from medoffice.organization.models import Location

    return Location.objects.filter(is_active=True).order_by("name")


class EntryForm(forms.Form):
    mrn = forms.CharField(label="Patient's chart number (MRN)", max_length=20)
    appointment_type = forms.ModelChoiceField(queryset=None, label="Visit type")
    provider = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any provider")
    location = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any location")
    earliest_date = forms.DateField(
        label="Earliest date", widget=forms.DateInput(attrs={"type": "date"})
    )
    latest_date = forms.DateField(
        label="Latest date", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: no limit",
    )  # fmt: skip
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label="Days that suit (none ticked: any day)",
    )  # fmt: skip
    times_of_day = forms.MultipleChoiceField(
        choices=TimeOfDay.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label="Times that suit (none ticked: any time)",
    )  # fmt: skip
    note = forms.CharField(
        max_length=300, required=False, label="Note (not clinical)",
        help_text="e.g. 'can come at short notice'",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = _types()  # type: ignore[attr-defined]
        self.fields["provider"].queryset = _providers()  # type: ignore[attr-defined]
        self.fields["location"].queryset = _locations()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("earliest_date", timezone.localdate())

    def clean_mrn(self) -> Any:
        from medoffice.patients.models import Patient

        mrn = "".join(self.cleaned_data["mrn"].split())
        patient = Patient.objects.filter(mrn=mrn).first()
        if patient is None:
            raise forms.ValidationError("No patient has this chart number.")
        return patient


class EntryFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("open", "Waiting or offered"), *EntryStatus.choices, ("", "Any")],
        required=False,
        initial="open",
    )
    appointment_type = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Any type", label="Visit type"
    )
    provider = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any provider")
    location = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any location")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = _types()  # type: ignore[attr-defined]
        self.fields["provider"].queryset = _providers()  # type: ignore[attr-defined]
        self.fields["location"].queryset = _locations()  # type: ignore[attr-defined]

    def to_filter(self) -> EntryFilter:
        if not self.is_bound or not self.is_valid():
            return EntryFilter()
        data = self.cleaned_data
        return EntryFilter(
            status=data["status"] if "status" in self.data else "open",
            appointment_type_id=data["appointment_type"].pk if data["appointment_type"] else None,
            provider_id=data["provider"].pk if data["provider"] else None,
            location_id=data["location"].pk if data["location"] else None,
        )
