"""The submission log: every 837P batch file written (with its content, control numbers and
what became of it) and every acknowledgement file read."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BatchStatus(models.TextChoices):
    WRITTEN = "written", "Written"
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged (999 accepted)"
    REJECTED = "rejected", "Rejected (999)"


class SubmissionBatch(models.Model):
    """One 837P file: the ready claims of one payer, as written and as the receiver answered."""

    payer = models.ForeignKey(
        "patients.Payer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    receiver_id = models.CharField("receiver id (1000B NM109)", max_length=80)
    receiver_name = models.CharField(max_length=200)
    file_name = models.CharField(max_length=120, unique=True)
    interchange_control = models.PositiveIntegerField("ISA13", unique=True)
    group_control = models.PositiveIntegerField("GS06", unique=True)
    transaction_control = models.PositiveIntegerField("ST02", unique=True)
    claim_count = models.PositiveIntegerField()
    total_billed = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(
        max_length=12, choices=BatchStatus.choices, default=BatchStatus.WRITTEN
    )
    status_reason = models.CharField(max_length=500, blank=True)
    content = models.TextField(help_text="The X12 text exactly as written")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name


class SubmissionBatchClaim(models.Model):
    batch = models.ForeignKey(SubmissionBatch, on_delete=models.CASCADE, related_name="items")
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, related_name="submission_items"
    )
    patient_control_number = models.CharField(max_length=20)
    total_billed = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["batch_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "claim"], name="batch_claim_once"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.patient_control_number}"


class AckKind(models.TextChoices):
    IMPLEMENTATION = "999", "999 implementation acknowledgment"
    CLAIM = "277CA", "277CA claim acknowledgment"


class AcknowledgementFile(models.Model):
    """A 999 or 277CA read in; the sha256 makes importing the same file twice a no-op."""

    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=5, choices=AckKind.choices)
    sha256 = models.CharField(max_length=64, unique=True)
    content = models.TextField()
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"
