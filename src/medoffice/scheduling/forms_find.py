"""The find-first-available filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from medoffice.organization.models import Department, Location
from medoffice.scheduling.forms_booking import ProviderChoiceField, TypeChoiceField
from medoffice.scheduling.forms_setup import DAY_NAMES, date_input, time_input
from medoffice.scheduling.models import AppointmentType, Provider
from medoffice.scheduling.services.find import MAX_DAYS

LIMITS = [(10, "10"), (20, "20"), (50, "50")]


class FindForm(forms.Form):
    type = TypeChoiceField(
        queryset=AppointmentType.objects.filter(is_active=True).order_by("name"),
        label="Visit type",
        empty_label="Choose the visit type",
    )
    provider = ProviderChoiceField(
        queryset=Provider.objects.none(), required=False, empty_label="Any provider"
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), required=False, empty_label="Any location"
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.filter(is_active=True),
        required=False,
        empty_label="Any department",
    )
    date_from = forms.DateField(widget=date_input(), label="From")
    date_to = forms.DateField(widget=date_input(), label="To")
    weekdays = forms.TypedMultipleChoiceField(
        choices=[(i, name[:3]) for i, name in enumerate(DAY_NAMES)], coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple, label="Days", help_text="None ticked: any day.",
    )  # fmt: skip
    time_from = forms.TimeField(
        required=False,
        widget=time_input(),
        label="Not before",
        help_text="At the location's clock.",
    )
    time_to = forms.TimeField(required=False, widget=time_input(), label="Over by")
    limit = forms.TypedChoiceField(choices=LIMITS, coerce=int, initial=10, label="Show")
    patient = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    referral = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, providers: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.fields["location"].queryset = locations
        today = timezone.localdate()
        self.fields["date_from"].initial = today
        self.fields["date_to"].initial = today + timedelta(days=30)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", "The end comes after the start.")
            elif (end - start).days > MAX_DAYS:
                self.add_error("date_to", "Search at most a year at a time.")
        early, late = data.get("time_from"), data.get("time_to")
        if early and late and late <= early:
            self.add_error("time_to", "Give a later time than 'Not before'.")
        return data
