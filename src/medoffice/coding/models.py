"""Procedure code tables (CPT, HCPCS Level II). ICD-10-CM comes from simple-icd-10-cm.

CPT descriptors are licensed by the AMA: MedOffice ships only short descriptions written in
our own words for a demo set; a practice imports its licensed file (see `medoffice codes import`).
"""

from __future__ import annotations

from django.db import models


class CodeSystem(models.TextChoices):
    CPT = "CPT", "CPT"
    HCPCS = "HCPCS", "HCPCS Level II"


class ProcedureCode(models.Model):
    system = models.CharField(max_length=5, choices=CodeSystem.choices)
    code = models.CharField(max_length=5)
    description = models.CharField(max_length=300, help_text="Short description")
    long_description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    effective_date = models.DateField(null=True, blank=True)
    termination_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=50, default="demo", help_text="Which import it came from")

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["code"], name="procedure_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class Modifier(models.Model):
    """A CPT/HCPCS modifier (two characters) with a short description in our own words."""

    code = models.CharField(max_length=2, unique=True)
    description = models.CharField(max_length=200)
    source = models.CharField(max_length=50, default="starter")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class PlaceOfService(models.Model):
    """A CMS place-of-service code (two digits) for claim lines."""

    code = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=50, default="starter")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "places of service"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AdjustmentReason(models.Model):
    """A claim adjustment reason code (CARC): why a payer paid differently than billed."""

    code = models.CharField(max_length=3, unique=True)
    description = models.CharField(max_length=500)
    start_date = models.DateField(null=True, blank=True)
    stop_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=50, default="starter")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"CARC {self.code} {self.description}"


class RemarkCode(models.Model):
    """A remittance advice remark code (RARC): detail added to an adjustment."""

    code = models.CharField(max_length=5, unique=True)
    description = models.CharField(max_length=500)
    start_date = models.DateField(null=True, blank=True)
    stop_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=50, default="starter")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"RARC {self.code} {self.description}"


class MueAdjudication(models.IntegerChoices):
    LINE = 1, "Per claim line"
    DAY_POLICY = 2, "Per day (policy)"
    DAY_CLINICAL = 3, "Per day (clinical)"


class MedicallyUnlikelyEdit(models.Model):
    """The most units of a code one practitioner bills for one patient on one day (CMS MUE)."""

    code = models.CharField(max_length=5, unique=True)
    max_units = models.PositiveIntegerField()
    adjudication = models.PositiveSmallIntegerField(choices=MueAdjudication.choices)
    rationale = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=50, default="starter")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}: at most {self.max_units}"


class PairModifier(models.TextChoices):
    NOT_ALLOWED = "0", "No modifier lets both be paid"
    ALLOWED = "1", "A modifier can let both be paid"
    NOT_APPLICABLE = "9", "Edit not applied"


class CodePairEdit(models.Model):
    """An NCCI procedure-to-procedure edit: column 2 is not paid with column 1 on the same day
    (unless the modifier indicator is 1 and a modifier shows the services were distinct)."""

    column1 = models.CharField(max_length=5)
    column2 = models.CharField(max_length=5)
    effective_date = models.DateField()
    deletion_date = models.DateField(null=True, blank=True)
    modifier_indicator = models.CharField(max_length=1, choices=PairModifier.choices)
    rationale = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=50, default="starter")

    class Meta:
        ordering = ["column1", "column2", "effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["column1", "column2", "effective_date"], name="code_pair_edit_unique"
            )
        ]
        indexes = [models.Index(fields=["column2"], name="code_pair_edit_column2")]

    def __str__(self) -> str:
        return f"{self.column1} / {self.column2} ({self.modifier_indicator})"


class ProcedureDiagnosisRule(models.Model):
    """A diagnosis (ICD-10-CM code prefix, dotless) that supports a procedure. A procedure with
    rules needs at least one of its pointed diagnoses to start with one of them; a procedure
    without rules is not checked."""

    procedure_code = models.CharField(max_length=5)
    diagnosis_prefix = models.CharField(max_length=7)
    note = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=50, default="starter")

    class Meta:
        ordering = ["procedure_code", "diagnosis_prefix"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure_code", "diagnosis_prefix"], name="procedure_diagnosis_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure_code} <- {self.diagnosis_prefix}"
