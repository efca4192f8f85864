"""Forms of the patient registry: they parse and check input; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from medoffice.organization.models import Location
from medoffice.patients import selectors
from medoffice.patients.models import (
    Consent,
    Coverage,
    DocumentCategory,
    EmergencyContact,
    Guarantor,
    Patient,
    PatientIdentifier,
    PatientStatus,
    Payer,
    Pharmacy,
)
from medoffice.patients.models.patient import RACE_CHOICES
from medoffice.patients.uploads import CARD_IMAGE_TYPES, DOCUMENT_TYPES
from medoffice.patients.vocabulary import LANGUAGE_CHOICES


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


DOCUMENT_ACCEPT = ",".join(DOCUMENT_TYPES)
CARD_ACCEPT = ",".join(CARD_IMAGE_TYPES)


class ClinicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.get_username()
        return f"{name}, {obj.title}" if obj.title else name


class PatientForm(forms.ModelForm):
    """Registration and edit of demographics. On edit, the SSN box starts empty: leaving it
    empty keeps the number on file, so the form never shows a full SSN."""

    FIELDSETS = (
        ("name", "Name", ("family_name", "given_name", "middle_name", "suffix", "preferred_name")),
        (
            "identity",
            "Birth and identity",
            ("birth_date", "sex_at_birth", "gender_identity", "pronouns", "race", "ethnicity"),
        ),
        ("language", "Language", ("preferred_language", "interpreter_needed")),
        (
            "contact",
            "Contact and preferences",
            (
                "phone_mobile",
                "phone_home",
                "phone_work",
                "email",
                "preferred_contact",
                "consent_to_text",
                "consent_to_email",
            ),
        ),
        (
            "address",
            "Address",
            ("address_line1", "address_line2", "city", "state", "postal_code", "country"),
        ),
        ("ssn", "Social Security number", ("ssn", "ssn_remove")),
        ("care", "Care team", ("primary_care_provider", "preferred_pharmacy", "home_location")),
        ("status", "Status", ("status", "deceased_date")),
    )

    race = forms.MultipleChoiceField(
        choices=RACE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional; tick all that apply.",
    )
    preferred_language = forms.ChoiceField(choices=LANGUAGE_CHOICES, initial="en")
    ssn = forms.CharField(
        label="SSN",
        required=False,
        max_length=11,
        help_text="Optional. Nine digits, e.g. 123-45-6789.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    ssn_remove = forms.BooleanField(label="Remove the SSN on file", required=False)
    primary_care_provider = ClinicianChoiceField(
        queryset=selectors.active_clinicians(), required=False, label="Primary care provider"
    )

    class Meta:
        model = Patient
        fields = [
            "family_name", "given_name", "middle_name", "suffix", "preferred_name", "birth_date",
            "sex_at_birth", "gender_identity", "pronouns", "preferred_language",
            "interpreter_needed", "race", "ethnicity", "phone_mobile", "phone_home", "phone_work",
            "email", "preferred_contact", "consent_to_text", "consent_to_email", "address_line1",
            "address_line2", "city", "state", "postal_code", "country", "primary_care_provider",
            "preferred_pharmacy", "home_location", "status", "deceased_date",
        ]  # fmt: skip
        widgets = {
            "birth_date": date_input(),
            "deceased_date": date_input(),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone_mobile": forms.TextInput(attrs={"type": "tel"}),
            "phone_home": forms.TextInput(attrs={"type": "tel"}),
            "phone_work": forms.TextInput(attrs={"type": "tel"}),
            "state": forms.TextInput(attrs={"maxlength": 2, "autocapitalize": "characters"}),
        }
        labels = {
            "birth_date": "Date of birth",
            "sex_at_birth": "Sex assigned at birth",
            "interpreter_needed": "Needs an interpreter",
            "phone_mobile": "Mobile phone",
            "phone_home": "Home phone",
            "phone_work": "Work phone",
            "email": "E-mail",
            "preferred_contact": "Preferred contact method",
            "consent_to_text": "Agrees to text messages",
            "consent_to_email": "Agrees to e-mail",
            "address_line1": "Street address",
            "address_line2": "Apartment, suite, etc.",
            "postal_code": "ZIP code",
            "home_location": "Home clinic",
            "deceased_date": "Date of death",
        }
        help_texts = {"deceased_date": "Required when the status is deceased."}

    def __init__(self, *args: Any, editing: Patient | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            c for c in PatientStatus.choices if c[0] != PatientStatus.MERGED
        ]
        self.fields["preferred_pharmacy"].queryset = Pharmacy.objects.all()  # type: ignore[attr-defined]
        self.fields["home_location"].queryset = Location.objects.filter(is_active=True)  # type: ignore[attr-defined]
        language = self.initial.get("preferred_language") or ""
        if language and language not in dict(LANGUAGE_CHOICES):
            self.fields["preferred_language"].choices = [  # type: ignore[attr-defined]
                *LANGUAGE_CHOICES,
                (language, language),
            ]
        if editing is None:
            del self.fields["ssn_remove"]
        elif editing.ssn_last4:
            self.fields["ssn"].help_text = (
                f"On file: {editing.ssn_masked}. Leave empty to keep it; type a new number "
                "to replace it."
            )
        else:
            del self.fields["ssn_remove"]

    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (key, legend, [self[name] for name in names if name in self.fields])
            for key, legend, names in self.FIELDSETS
        ]

    def clean_ssn(self) -> str:
        value = self.cleaned_data.get("ssn") or ""
        digits = "".join(ch for ch in value if ch.isdigit())
        if value.strip() and (len(digits) != 9 or set(value) - set("0123456789- ")):
            raise forms.ValidationError("A Social Security number has nine digits.")
        return digits

    def clean_state(self) -> str:
        return (self.cleaned_data.get("state") or "").strip().upper()

    def registration_data(self) -> dict[str, Any]:
        """What the registration services take: the model fields, SSN handled as described."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        ssn = self.cleaned_data.get("ssn") or ""
        if self.editing is None or ssn:
            data["ssn"] = ssn
        elif self.cleaned_data.get("ssn_remove"):
            data["ssn"] = ""
        return data


class DuplicateConfirmForm(forms.Form):
    """The acknowledgement on the duplicate warning; bound to the candidates it was shown."""

    confirm_not_duplicate = forms.BooleanField(
        label="None of these: register a new patient", required=False
    )
    duplicates_seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def confirmed_ids(self) -> set[int]:
        if not (self.is_valid() and self.cleaned_data["confirm_not_duplicate"]):
            return set()
        seen = self.cleaned_data.get("duplicates_seen") or ""
        return {int(x) for x in seen.split(",") if x.strip().isdigit()}


class CoverageForm(forms.ModelForm):
    card_front = forms.FileField(
        label="Card image, front",
        required=False,
        help_text="PNG, JPEG or PDF.",
        widget=forms.FileInput(attrs={"accept": CARD_ACCEPT}),
    )
    card_back = forms.FileField(
        label="Card image, back",
        required=False,
        help_text="PNG, JPEG or PDF.",
        widget=forms.FileInput(attrs={"accept": CARD_ACCEPT}),
    )

    FIELDSETS = (
        (
            "plan",
            "Plan",
            (
                "payer",
                "plan_name",
                "member_id",
                "group_number",
                "priority",
                "copay",
                "medicare_secondary_type",
            ),
        ),
        ("dates", "Dates", ("effective_date", "end_date")),
        (
            "subscriber",
            "Subscriber",
            (
                "relationship",
                "subscriber_family_name",
                "subscriber_given_name",
                "subscriber_birth_date",
                "subscriber_sex",
                "subscriber_address_line1",
                "subscriber_city",
                "subscriber_state",
                "subscriber_postal_code",
            ),
        ),
        ("cards", "Card images", ("card_front", "card_back")),
    )

    class Meta:
        model = Coverage
        fields = [
            "payer", "plan_name", "member_id", "group_number", "priority", "relationship",
            "subscriber_family_name", "subscriber_given_name", "subscriber_birth_date",
            "subscriber_sex", "subscriber_address_line1", "subscriber_city", "subscriber_state",
            "subscriber_postal_code", "effective_date", "end_date", "copay",
            "medicare_secondary_type",
        ]  # fmt: skip
        widgets = {
            "effective_date": date_input(),
            "end_date": date_input(),
            "subscriber_birth_date": date_input(),
        }
        labels = {
            "member_id": "Member id",
            "copay": "Copay ($)",
            "subscriber_family_name": "Subscriber's last name",
            "subscriber_given_name": "Subscriber's first name",
            "subscriber_birth_date": "Subscriber's date of birth",
            "subscriber_sex": "Subscriber's sex",
            "subscriber_address_line1": "Subscriber's street address",
            "subscriber_city": "Subscriber's city",
            "subscriber_state": "Subscriber's state",
            "subscriber_postal_code": "Subscriber's ZIP code",
        }
        help_texts = {
            "relationship": "When it is not Self, give the subscriber's name and date of birth.",
            "end_date": "Leave empty while the coverage lasts.",
        }

    def __init__(self, *args: Any, current_payer_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        payers = Payer.objects.filter(is_active=True)
        if current_payer_id:
            payers = Payer.objects.filter(is_active=True) | Payer.objects.filter(
                pk=current_payer_id
            )
        self.fields["payer"].queryset = payers.order_by("name")  # type: ignore[attr-defined]

    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [(k, legend, [self[n] for n in names]) for k, legend, names in self.FIELDSETS]

    def clean_subscriber_state(self) -> str:
        return (self.cleaned_data.get("subscriber_state") or "").strip().upper()

    def coverage_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def cards(self) -> dict[str, Any]:
        return {
            side: self.cleaned_data.get(f"card_{side}")
            for side in ("front", "back")
            if self.cleaned_data.get(f"card_{side}")
        }


class CoverageEndForm(forms.Form):
    end_date = forms.DateField(label="Last day of coverage", widget=date_input())


class PayerForm(forms.ModelForm):
    class Meta:
        model = Payer
        fields = [
            "name", "payer_id", "filing_indicator", "timely_filing_days", "phone",
            "address_line1", "city", "state", "postal_code", "is_active",
        ]  # fmt: skip
        labels = {"is_active": "Active (offered for new coverage)"}
        help_texts = {"timely_filing_days": "Days after the visit a claim may be filed."}

    def clean_state(self) -> str:
        return (self.cleaned_data.get("state") or "").strip().upper()


class DocumentForm(forms.Form):
    file = forms.FileField(
        help_text="PDF, PNG, JPEG or TIFF. The content is checked, not the name.",
        widget=forms.FileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )
    category = forms.ChoiceField(choices=DocumentCategory.choices)
    title = forms.CharField(max_length=200)
    document_date = forms.DateField(
        label="Date on the document", widget=date_input(), initial=timezone.localdate
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ConsentForm(forms.ModelForm):
    document = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]
        required=False,
        label="Scanned copy on file",
        help_text="One of the patient's documents, or upload the scan below.",
    )
    upload = forms.FileField(
        label="Or upload the scan",
        required=False,
        help_text="PDF, PNG, JPEG or TIFF.",
        widget=forms.FileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )

    class Meta:
        model = Consent
        fields = ["kind", "signed_on", "expires_on", "release_to", "release_scope"]
        widgets = {"signed_on": date_input(), "expires_on": date_input()}
        labels = {
            "signed_on": "Signed on",
            "expires_on": "Expires on",
            "release_to": "Release to (release of information)",
            "release_scope": "What may be released",
        }
        help_texts = {"expires_on": "Required for a release of information."}

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = selectors.documents_for_consent(patient=patient)  # type: ignore[attr-defined]
        self.fields["signed_on"].initial = timezone.localdate

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("document") and cleaned.get("upload"):
            self.add_error("upload", "Choose a document on file or upload a scan, not both.")
        return cleaned

    def consent_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ConsentRevokeForm(forms.Form):
    revoked_on = forms.DateField(
        label="Revoked on", widget=date_input(), initial=timezone.localdate
    )


class AlertForm(forms.Form):
    text = forms.CharField(
        label="Alert",
        max_length=200,
        help_text="What the front desk must see, e.g. “needs wheelchair access”.",
    )


class EmergencyContactForm(forms.ModelForm):
    class Meta:
        model = EmergencyContact
        fields = ["name", "relationship", "phone", "is_primary"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel"})}
        labels = {"is_primary": "Primary contact (called first)"}


class GuarantorForm(forms.ModelForm):
    class Meta:
        model = Guarantor
        fields = [
            "relationship", "family_name", "given_name", "birth_date", "phone", "email",
            "address_line1", "address_line2", "city", "state", "postal_code",
        ]  # fmt: skip
        widgets = {"birth_date": date_input(), "phone": forms.TextInput(attrs={"type": "tel"})}

    def clean_state(self) -> str:
        return (self.cleaned_data.get("state") or "").strip().upper()


class IdentifierForm(forms.ModelForm):
    class Meta:
        model = PatientIdentifier
        fields = ["system", "value", "label"]
        help_texts = {"label": "Optional, e.g. “Quest patient id”."}
