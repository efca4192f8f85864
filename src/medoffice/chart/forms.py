"""Forms of the chart pages: they parse and show errors; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from medoffice.chart.models import (
    Allergy,
    Encounter,
    Immunization,
    LabResult,
    Medication,
    Problem,
)
from medoffice.chart.models.clinical import AbnormalFlag
from medoffice.chart.selectors import clinicians
from medoffice.organization.models import Department, Location

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EncounterForm(forms.ModelForm):
    class Meta:
        model = Encounter
        fields = ["start", "end", "type", "status", "provider", "location", "department", "reason"]
        widgets = {"start": datetime_input(), "end": datetime_input()}
        labels = {"start": "Starts (practice time)", "end": "Ends"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = clinicians()
        self.fields["provider"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["location"].queryset = Location.objects.filter(is_active=True)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)


class NoteForm(forms.Form):
    subjective = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                 help_text="What the patient reports: complaint, history.")  # fmt: skip
    objective = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                help_text="What was found: exam, vitals, results.")  # fmt: skip
    assessment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                 help_text="Diagnoses and clinical impression.")  # fmt: skip
    plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           help_text="Treatment, orders, follow-up.")  # fmt: skip


class AmendmentForm(forms.Form):
    text = forms.CharField(label="Amendment", widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(max_length=300, help_text="Why the signed note is amended.")
    requested_by_patient = forms.BooleanField(
        required=False, label="The patient asked for this amendment"
    )


class DiagnosisForm(forms.Form):
    code = forms.CharField(
        label="ICD-10-CM code",
        max_length=10,
        widget=forms.TextInput(attrs={"list": "icd10-options"}),
    )
    rank = forms.IntegerField(
        required=False, min_value=1, max_value=12, help_text="Empty: after the others. 1 = primary."
    )


class ProcedureForm(forms.Form):
    code = forms.CharField(
        label="CPT/HCPCS code",
        max_length=5,
        widget=forms.TextInput(attrs={"list": "procedure-options"}),
    )
    units = forms.IntegerField(min_value=1, max_value=999, initial=1)
    modifiers = forms.CharField(required=False, max_length=20, help_text="Up to four, e.g. 25 59")
    pointers = forms.CharField(
        label="Diagnosis pointers", max_length=20, help_text="Ranks of 1-4 diagnoses, e.g. 1 2"
    )

    def clean_pointers(self) -> list[int]:
        raw = self.cleaned_data["pointers"].replace(",", " ").split()
        try:
            return [int(p) for p in raw]
        except ValueError:
            raise forms.ValidationError("Give diagnosis ranks as numbers, e.g. 1 2.") from None


class ProblemForm(forms.ModelForm):
    class Meta:
        model = Problem
        fields = ["code_system", "code", "description", "onset_date", "resolved_date", "status"]
        widgets = {"onset_date": date_input(), "resolved_date": date_input()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["description"].required = False
        self.fields["description"].help_text = "Filled from the ICD-10-CM table when left empty."


class AllergyForm(forms.ModelForm):
    class Meta:
        model = Allergy
        fields = ["substance", "reaction", "severity", "status", "recorded_date", "code"]
        widgets = {"recorded_date": date_input()}


class MedicationForm(forms.ModelForm):
    class Meta:
        model = Medication
        fields = ["name", "dose", "route", "frequency", "start_date", "stop_date", "status",
                  "prescriber", "rxnorm"]  # fmt: skip
        widgets = {"start_date": date_input(), "stop_date": date_input()}


class ImmunizationForm(forms.ModelForm):
    class Meta:
        model = Immunization
        fields = ["vaccine", "cvx", "administered_on", "lot_number", "site", "status"]
        widgets = {"administered_on": date_input()}


class LabResultForm(forms.ModelForm):
    class Meta:
        model = LabResult
        fields = ["test_name", "loinc", "value", "unit", "reference_low", "reference_high",
                  "reference_text", "flag", "collected_at", "resulted_at", "performing_lab",
                  "encounter"]  # fmt: skip
        widgets = {"collected_at": datetime_input(), "resulted_at": datetime_input()}
        help_texts = {
            "flag": "Computed from the reference range for numbers; set it for text results.",
        }

    def __init__(self, *args: Any, patient_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["encounter"].queryset = Encounter.objects.filter(patient_id=patient_id)
        self.fields["flag"].choices = [("", "—"), *AbnormalFlag.choices]


UNIT_CHOICES = {
    "height": [("cm", "cm"), ("in", "in")],
    "weight": [("kg", "kg"), ("lb", "lb")],
    "temp": [("Cel", "°C"), ("[degF]", "°F")],
}


class VitalsForm(forms.Form):
    """One set of vital signs taken together; BMI is computed by the service."""

    taken_at = forms.DateTimeField(label="Taken at (practice time)", widget=datetime_input())
    encounter = forms.ModelChoiceField(queryset=Encounter.objects.none(), required=False)
    height = forms.DecimalField(required=False, max_digits=6, decimal_places=2)
    height_unit = forms.ChoiceField(choices=UNIT_CHOICES["height"], label="Height unit")
    weight = forms.DecimalField(required=False, max_digits=6, decimal_places=2)
    weight_unit = forms.ChoiceField(choices=UNIT_CHOICES["weight"], label="Weight unit")
    temp = forms.DecimalField(label="Temperature", required=False, max_digits=5, decimal_places=1)
    temp_unit = forms.ChoiceField(choices=UNIT_CHOICES["temp"], label="Temperature unit")
    hr = forms.DecimalField(
        label="Heart rate (/min)", required=False, max_digits=5, decimal_places=0
    )
    rr = forms.DecimalField(
        label="Respiratory rate (/min)", required=False, max_digits=5, decimal_places=0
    )
    sbp = forms.DecimalField(
        label="Systolic BP (mm Hg)", required=False, max_digits=5, decimal_places=0
    )
    dbp = forms.DecimalField(
        label="Diastolic BP (mm Hg)", required=False, max_digits=5, decimal_places=0
    )
    spo2 = forms.DecimalField(label="SpO₂ (%)", required=False, max_digits=5, decimal_places=0)
    pain = forms.DecimalField(label="Pain (0-10)", required=False, max_digits=4, decimal_places=0)

    def __init__(self, *args: Any, patient_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["encounter"].queryset = Encounter.objects.filter(
            patient_id=patient_id
        ).order_by("-start")

    def measurements(self) -> dict[str, tuple[Any, str]]:
        data = self.cleaned_data
        units = {
            "height": data["height_unit"],
            "weight": data["weight_unit"],
            "temp": data["temp_unit"],
        }
        out = {}
        for kind in ("height", "weight", "temp", "hr", "rr", "sbp", "dbp", "spo2", "pain"):
            if data.get(kind) is not None:
                out[kind] = (data[kind], units.get(kind, ""))
        return out
