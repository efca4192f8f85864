"""Forms of referrals and authorizations: they parse input; the services check and write.

Edit forms get a copy of the record (the services compare before and after)."""

from __future__ import annotations

from typing import Any

from django import forms

from medoffice.patients.models import Coverage, Document, Patient, Payer
from medoffice.referrals.models import PriorAuthorization, Referral, ReferralStatus
from medoffice.referrals.services import REFERRAL_FIELDS, TRANSITIONS
from medoffice.referrals.services_auth import AUTH_FIELDS, parse_service_codes
from medoffice.scheduling.models import Appointment, AppointmentType, Provider


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FieldsetsMixin:
    FIELDSETS: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (key, legend, [self[name] for name in names if name in self.fields])  # type: ignore[index,attr-defined]
            for key, legend, names in self.FIELDSETS
        ]


class ProviderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class DocumentChoice(forms.ModelMultipleChoiceField):
    # Titles of clinical documents (outside records, lab and imaging reports) are clinical
    # content: people without chart access pick them by category and date only.
    show_clinical_titles = False

    def label_from_instance(self, obj: Any) -> str:
        title = (
            obj.title if self.show_clinical_titles or not obj.is_clinical else "Clinical document"
        )
        return f"{title} ({obj.get_category_display()}, {obj.document_date:%Y-%m-%d})"


class AuthorizationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"{obj.payer} #{obj.auth_number} ({obj.start_date:%Y-%m-%d} to {obj.end_date:%Y-%m-%d})"
        )


class ReferralForm(FieldsetsMixin, forms.ModelForm):
    FIELDSETS = (
        ("referral", "Referral", ("direction", "urgency", "received_on", "due_by", "reason", "diagnosis_code", "specialty")),
        ("outside", "Outside provider", ("outside_provider_name", "outside_provider_npi", "outside_practice", "outside_phone", "outside_fax")),
        ("ours", "Our side", ("our_provider", "authorization", "documents", "notes")),
    )  # fmt: skip

    our_provider = ProviderChoice(
        queryset=Provider.objects.filter(is_active=True).select_related("user"),
        required=False,
        label="Our provider",
        help_text="Incoming: who will see the patient. Outgoing: who referred.",
    )
    documents = DocumentChoice(
        queryset=Document.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="From the patient's documents (upload scans on the patient's page first).",
    )
    authorization = AuthorizationChoice(
        queryset=PriorAuthorization.objects.none(), required=False, label="Prior authorization"
    )

    class Meta:
        model = Referral
        fields = [*REFERRAL_FIELDS, "documents"]
        widgets = {
            "received_on": date_input(),
            "due_by": date_input(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "outside_provider_name": "Outside provider's name",
            "outside_provider_npi": "Outside provider's NPI",
            "diagnosis_code": "Diagnosis (ICD-10-CM)",
            "due_by": "Due by",
        }
        help_texts = {
            "diagnosis_code": "A complete code, e.g. I48.91.",
            "outside_provider_npi": "Optional; 10 digits, checked.",
        }

    def __init__(
        self, *args: Any, patient: Patient, show_clinical_titles: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = Document.objects.filter(patient=patient)
        self.fields["documents"].show_clinical_titles = show_clinical_titles
        self.fields["authorization"].queryset = PriorAuthorization.objects.filter(
            patient=patient
        ).select_related("payer")
        self.fields["diagnosis_code"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false"}
        )

    def referral_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in REFERRAL_FIELDS}

    def picked_documents(self) -> list[Document]:
        return list(self.cleaned_data.get("documents") or [])


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ReferralStatus.choices, label="Move to")
    seen_status = forms.ChoiceField(choices=ReferralStatus.choices, widget=forms.HiddenInput)
    note = forms.CharField(max_length=500, required=False, label="Note (optional)")

    def __init__(self, *args: Any, referral: Referral | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if referral is not None:
            allowed = TRANSITIONS.get(referral.status, ())
            self.fields["status"].choices = [(s, ReferralStatus(s).label) for s in allowed]
            self.fields["seen_status"].initial = referral.status


class LinkAppointmentForm(forms.Form):
    appointment = forms.ModelChoiceField(
        queryset=Appointment.objects.none(), label="Appointment", empty_label=None
    )

    def __init__(self, *args: Any, appointments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if appointments is not None:
            field = self.fields["appointment"]
            field.queryset = appointments
            field.label_from_instance = lambda a: (  # type: ignore[attr-defined]
                f"{a.start.astimezone(_zone(a)):%Y-%m-%d %H:%M} · {a.type} · {a.provider} · {a.location}"
            )


def _zone(appointment: Appointment) -> Any:
    import zoneinfo

    return zoneinfo.ZoneInfo(appointment.location.time_zone)


class ServiceCodesField(forms.CharField):
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return parse_service_codes(super().to_python(value) or "")

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value


class AuthorizationForm(FieldsetsMixin, forms.ModelForm):
    FIELDSETS = (
        ("payer", "Payer", ("payer", "coverage", "auth_number")),
        ("covers", "What it covers", ("service_codes", "appointment_types", "approved_units", "low_units_threshold")),
        ("dates", "Dates", ("start_date", "end_date", "notes")),
    )  # fmt: skip

    service_codes = ServiceCodesField(
        required=False,
        label="Service codes (CPT/HCPCS)",
        help_text="Separated by commas or spaces, e.g. 20610, J3301.",
    )
    appointment_types = forms.ModelMultipleChoiceField(
        queryset=AppointmentType.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Visit types it covers",
        help_text="Booking these draws a unit; so does booking a type sharing a service code.",
    )
    payer = forms.ModelChoiceField(queryset=Payer.objects.filter(is_active=True))
    coverage = forms.ModelChoiceField(queryset=Coverage.objects.none(), required=False)

    class Meta:
        model = PriorAuthorization
        fields = [*AUTH_FIELDS, "appointment_types"]
        widgets = {
            "start_date": date_input(),
            "end_date": date_input(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "auth_number": "Authorization number",
            "approved_units": "Approved units or visits",
            "low_units_threshold": "Alert when this few units are left",
        }

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coverage"].queryset = Coverage.objects.filter(patient=patient).select_related(
            "payer"
        )

    def authorization_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in AUTH_FIELDS}

    def type_ids(self) -> list[int]:
        return [t.pk for t in self.cleaned_data.get("appointment_types") or []]
