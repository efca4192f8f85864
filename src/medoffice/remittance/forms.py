from __future__ import annotations

from django import forms

from medoffice.accounts.models import User
from medoffice.core.permissions import Need
from medoffice.remittance.access import office_roles
from medoffice.remittance.models import WorkStatus

MAX_UPLOAD = 20 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(label="835 file (ERA)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("An ERA file is at most 20 MB.")
        return upload


class ResolveForm(forms.Form):
    patient_control_number = forms.CharField(
        label="Our claim (patient control number)", max_length=20
    )


class NotOursForm(forms.Form):
    reason = forms.CharField(max_length=300, min_length=3)


class DenialWorkForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(choices=WorkStatus.choices)
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles = [str(r) for r in office_roles(Need.EDIT)]
        self.fields["owner"].queryset = (
            User.objects.filter(is_active=True, roles__code__in=roles)
            .distinct()
            .order_by("last_name", "first_name")
        )


class AppealForm(forms.Form):
    template = forms.ChoiceField(label="Letter", choices=[])
    paragraph = forms.CharField(
        label="Your paragraph", required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="In your own words: what the payer should know about this claim.",
    )  # fmt: skip
    enclosures = forms.CharField(
        label="Enclosures (one a line)", required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    mark_appealed = forms.BooleanField(label="Mark the claim appealed", required=False)

    def __init__(self, *args, **kwargs):
        from medoffice.remittance.appeals import CHOICES

        super().__init__(*args, **kwargs)
        self.fields["template"].choices = CHOICES

    def enclosure_list(self) -> list[str]:
        text = self.cleaned_data.get("enclosures") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]
