from __future__ import annotations

from django import forms

from medoffice.audit.models import AuditAction, AuditOutcome
from medoffice.audit.selectors import AuditFilter


class AuditFilterForm(forms.Form):
    patient = forms.CharField(required=False, label="Patient (MRN or id)")
    username = forms.CharField(required=False, label="User")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *AuditAction.choices])
    outcome = forms.ChoiceField(
        required=False, choices=[("", "Any outcome"), *AuditOutcome.choices]
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    emergency_only = forms.BooleanField(required=False, label="Emergency access only")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data

    def to_filter(self) -> AuditFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return AuditFilter(**{k: v for k, v in data.items() if v not in (None, "")})


class EmergencyAccessForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        help_text="Why you need this record now, e.g. 'Covering for Dr. Lee: patient on the phone with chest pain'.",
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("appropriate", "Appropriate"), ("inappropriate", "Inappropriate: follow up")]
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FlagForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
