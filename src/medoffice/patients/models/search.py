"""Support tables for typo-tolerant search, duplicate review and merges."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from medoffice.patients.models.patient import Patient


class NameVariant(models.Model):
    """A folded name and each of its one-letter deletions (symmetric-delete spelling index).

    Two names within one typo of each other share a variant, so "smtih" finds "smith" through
    an indexed equality look-up instead of scanning every name.
    """

    variant = models.CharField(max_length=100)
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variant", "name"], name="name_variant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.variant} -> {self.name}"


class DuplicateDismissal(models.Model):
    """Two records someone reviewed and found to be different people (lower id first)."""

    patient_a = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    patient_b = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient_a", "patient_b"], name="duplicate_dismissal_unique"
            ),
            models.CheckConstraint(
                condition=Q(patient_a__lt=models.F("patient_b")), name="duplicate_dismissal_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_a_id} is not {self.patient_b_id}"


class MergeStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for review"
    DONE = "done", "Merged"
    CANCELLED = "cancelled", "Cancelled"


class PatientMerge(models.Model):
    """A merge of a duplicate record (source) into the surviving one (target), reviewed first."""

    source = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=MergeStatus.choices, default=MergeStatus.PROPOSED
    )
    reason = models.CharField(max_length=300)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    moved = models.JSONField(
        default=dict, blank=True, help_text="What moved: counts per kind of record"
    )

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="merge_not_into_itself"
            ),
            models.UniqueConstraint(
                fields=["source"], condition=Q(status="proposed"), name="merge_one_open_per_source"
            ),
        ]

    def __str__(self) -> str:
        return f"Merge {self.source_id} into {self.target_id} ({self.status})"
