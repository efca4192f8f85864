"""Encounters, their coding (diagnoses, procedures) and their signed notes."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from medoffice.core.models import TimeStampedModel


class EncounterType(models.TextChoices):
    OFFICE = "office", "Office visit"
    NEW_PATIENT = "new", "New patient visit"
    WELLNESS = "wellness", "Preventive / wellness visit"
    TELEHEALTH = "telehealth", "Telehealth visit"
    PROCEDURE = "procedure", "Procedure visit"
    NURSE = "nurse", "Nurse visit"
    URGENT = "urgent", "Urgent visit"
    OTHER = "other", "Other"


class EncounterStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in-progress", "In progress"
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"


class Encounter(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="encounters"
    )
    location = models.ForeignKey(
        "organization.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "organization.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="encounters",
    )
    type = models.CharField(
        max_length=12, choices=EncounterType.choices, default=EncounterType.OFFICE
    )
    reason = models.CharField(max_length=300, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=EncounterStatus.choices, default=EncounterStatus.PLANNED
    )

    class Meta:
        ordering = ["-start"]
        indexes = [
            models.Index(fields=["patient", "start"], name="encounter_patient_idx"),
            models.Index(fields=["provider", "start"], name="encounter_provider_idx"),
            models.Index(fields=["start"], name="encounter_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="encounter_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.start:%Y-%m-%d}"


class EncounterDiagnosis(models.Model):
    """An ICD-10-CM code on an encounter; rank 1 is the primary diagnosis (claim pointer A)."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="diagnoses")
    code = models.CharField(max_length=8, help_text="ICD-10-CM, with the dot, e.g. E11.9")
    description = models.CharField(max_length=300)
    rank = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    billable = models.BooleanField(help_text="A complete (leaf) code that a claim may carry")

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "rank"], name="diagnosis_rank_unique"),
            models.UniqueConstraint(fields=["encounter", "code"], name="diagnosis_code_unique"),
        ]
        indexes = [models.Index(fields=["code"], name="diagnosis_code_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class EncounterProcedure(models.Model):
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="procedures")
    code = models.ForeignKey("coding.ProcedureCode", on_delete=models.PROTECT, related_name="+")
    modifiers = models.JSONField(
        default=list, blank=True, help_text="Up to four two-character modifiers"
    )
    units = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    diagnosis_pointers = models.JSONField(
        default=list, help_text="Ranks of the diagnoses this procedure treats (1-4)"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.code.code} x{self.units}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        mods = self.modifiers or []
        if len(mods) > 4 or any(
            not (isinstance(m, str) and len(m) == 2 and m.isalnum()) for m in mods
        ):
            errors["modifiers"] = "Up to four modifiers of two letters or digits, e.g. 25, LT."
        pointers = self.diagnosis_pointers or []
        if (
            not pointers
            or len(pointers) > 4
            or any(not (isinstance(p, int) and 1 <= p <= 12) for p in pointers)
        ):
            errors["diagnosis_pointers"] = "Point to one to four of the encounter's diagnoses."
        if errors:
            raise ValidationError(errors)


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class ClinicalNote(TimeStampedModel):
    """A SOAP note; once signed it is locked and can only be amended."""

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    status = models.CharField(max_length=6, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="note_status_idx"),
            models.Index(fields=["encounter"], name="note_encounter_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(signed_at__isnull=False, signed_by__isnull=False),
                name="note_signed_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"Note {self.pk} ({self.get_status_display()})"


class NoteAmendment(models.Model):
    """An addition to a signed note (HIPAA right to amend: the original stays as it was)."""

    note = models.ForeignKey(ClinicalNote, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    reason = models.CharField(max_length=300)
    requested_by_patient = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Amendment to note {self.note_id}"
