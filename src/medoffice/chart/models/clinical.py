"""The rest of the chart: problems, allergies, medications, immunizations, vitals, labs."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from medoffice.core.models import TimeStampedModel


class Problem(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="problems"
    )
    code_system = models.CharField(
        max_length=20,
        choices=[("ICD-10-CM", "ICD-10-CM"), ("SNOMED", "SNOMED CT"), ("text", "Free text")],
    )
    code = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=300)
    onset_date = models.DateField(null=True, blank=True)
    resolved_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10,
        choices=[("active", "Active"), ("resolved", "Resolved"), ("inactive", "Inactive")],
        default="active",
    )

    class Meta:
        ordering = ["status", "-onset_date"]

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        if self.resolved_date and self.onset_date and self.resolved_date < self.onset_date:
            raise ValidationError({"resolved_date": "Resolved before its onset."})
        if self.status == "resolved" and not self.resolved_date:
            raise ValidationError({"resolved_date": "Give the date it resolved."})


class AllergySeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class Allergy(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="allergies"
    )
    substance = models.CharField(max_length=200)
    code = models.CharField(max_length=20, blank=True, help_text="RxNorm or SNOMED code when known")
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=10, choices=AllergySeverity.choices, blank=True)
    status = models.CharField(
        max_length=10,
        choices=[("active", "Active"), ("inactive", "Inactive"), ("resolved", "Resolved")],
        default="active",
    )
    recorded_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["substance"]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.substance


class Medication(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="medications"
    )
    name = models.CharField(max_length=200)
    rxnorm = models.CharField("RxNorm code", max_length=20, blank=True)
    dose = models.CharField(max_length=100, blank=True, help_text="e.g. 500 mg")
    route = models.CharField(max_length=50, blank=True, help_text="e.g. by mouth")
    frequency = models.CharField(max_length=100, blank=True, help_text="e.g. twice daily")
    start_date = models.DateField(null=True, blank=True)
    stop_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10,
        choices=[("active", "Active"), ("stopped", "Stopped"), ("completed", "Completed")],
        default="active",
    )
    prescriber = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["status", "name"]

    def __str__(self) -> str:
        return f"{self.name} {self.dose}".strip()

    def clean(self) -> None:
        if self.stop_date and self.start_date and self.stop_date < self.start_date:
            raise ValidationError({"stop_date": "Stopped before it started."})


class Immunization(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="immunizations"
    )
    vaccine = models.CharField(max_length=200)
    cvx = models.CharField("CVX code", max_length=10, blank=True)
    administered_on = models.DateField()
    lot_number = models.CharField(max_length=50, blank=True)
    site = models.CharField(max_length=50, blank=True)
    status = models.CharField(
        max_length=16,
        choices=[
            ("completed", "Completed"),
            ("not-done", "Not done"),
            ("entered-in-error", "Entered in error"),
        ],
        default="completed",
    )

    class Meta:
        ordering = ["-administered_on"]

    def __str__(self) -> str:
        return f"{self.vaccine} {self.administered_on}"


class VitalKind(models.TextChoices):
    HEIGHT = "height", "Height"
    WEIGHT = "weight", "Weight"
    BMI = "bmi", "Body mass index"
    TEMPERATURE = "temp", "Temperature"
    HEART_RATE = "hr", "Heart rate"
    RESPIRATORY_RATE = "rr", "Respiratory rate"
    SYSTOLIC = "sbp", "Systolic blood pressure"
    DIASTOLIC = "dbp", "Diastolic blood pressure"
    OXYGEN_SATURATION = "spo2", "Oxygen saturation"
    PAIN = "pain", "Pain score"


# Unit and the range a real measurement can fall in: outside it is a typing error.
VITAL_UNITS: dict[str, tuple[str, Decimal, Decimal, str]] = {
    # kind: (unit, lowest possible, highest possible, LOINC)
    VitalKind.HEIGHT: ("cm", Decimal("20"), Decimal("260"), "8302-2"),
    VitalKind.WEIGHT: ("kg", Decimal("0.3"), Decimal("400"), "29463-7"),
    VitalKind.BMI: ("kg/m2", Decimal("8"), Decimal("100"), "39156-5"),
    VitalKind.TEMPERATURE: ("Cel", Decimal("30"), Decimal("45"), "8310-5"),
    VitalKind.HEART_RATE: ("/min", Decimal("20"), Decimal("250"), "8867-4"),
    VitalKind.RESPIRATORY_RATE: ("/min", Decimal("4"), Decimal("80"), "9279-1"),
    VitalKind.SYSTOLIC: ("mm[Hg]", Decimal("50"), Decimal("300"), "8480-6"),
    VitalKind.DIASTOLIC: ("mm[Hg]", Decimal("20"), Decimal("200"), "8462-4"),
    VitalKind.OXYGEN_SATURATION: ("%", Decimal("50"), Decimal("100"), "59408-5"),
    VitalKind.PAIN: ("{score}", Decimal("0"), Decimal("10"), "72514-3"),
}


class VitalSign(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="vitals")
    encounter = models.ForeignKey(
        "chart.Encounter", on_delete=models.CASCADE, null=True, blank=True, related_name="vitals"
    )
    kind = models.CharField(max_length=6, choices=VitalKind.choices)
    value = models.DecimalField(max_digits=7, decimal_places=2)
    unit = models.CharField(max_length=10)
    taken_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-taken_at", "kind"]
        indexes = [models.Index(fields=["patient", "kind", "taken_at"], name="vital_patient_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} {self.unit}"

    def clean(self) -> None:
        spec = VITAL_UNITS.get(self.kind)
        if spec is None:
            raise ValidationError({"kind": "Unknown vital sign."})
        unit, low, high, _ = spec
        if self.unit != unit:
            raise ValidationError({"unit": f"{self.get_kind_display()} is recorded in {unit}."})
        if self.value is not None and not (low <= self.value <= high):
            raise ValidationError(
                {"value": f"{self.get_kind_display()} must be between {low} and {high} {unit}."}
            )


class AbnormalFlag(models.TextChoices):
    NORMAL = "N", "Normal"
    LOW = "L", "Low"
    HIGH = "H", "High"
    CRITICAL_LOW = "LL", "Critically low"
    CRITICAL_HIGH = "HH", "Critically high"
    ABNORMAL = "A", "Abnormal"


class LabResult(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="lab_results"
    )
    encounter = models.ForeignKey(
        "chart.Encounter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lab_results",
    )
    test_name = models.CharField(max_length=200)
    loinc = models.CharField("LOINC code", max_length=10, blank=True)
    value = models.CharField(max_length=100, help_text="Number or text result")
    value_numeric = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True, editable=False
    )
    unit = models.CharField(max_length=30, blank=True)
    reference_low = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    reference_high = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    reference_text = models.CharField(max_length=100, blank=True)
    flag = models.CharField(max_length=2, choices=AbnormalFlag.choices, blank=True)
    collected_at = models.DateTimeField()
    resulted_at = models.DateTimeField(null=True, blank=True)
    performing_lab = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-collected_at"]
        indexes = [models.Index(fields=["patient", "collected_at"], name="lab_patient_idx")]

    def __str__(self) -> str:
        return f"{self.test_name}: {self.value} {self.unit}".strip()

    def clean(self) -> None:
        if (
            self.reference_low is not None
            and self.reference_high is not None
            and self.reference_low > self.reference_high
        ):
            raise ValidationError({"reference_high": "The upper limit is below the lower limit."})
        if self.resulted_at and self.collected_at and self.resulted_at < self.collected_at:
            raise ValidationError({"resulted_at": "Resulted before it was collected."})
