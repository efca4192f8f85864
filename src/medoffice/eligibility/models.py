"""Eligibility checks: one 270 inquiry sent for a coverage and service date, and what the
payer's 271 answered (kept as text and as a readable result)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CheckStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    ANSWERED = "answered", "Answered"
    ERROR = "error", "Error"


OPEN_STATUSES = (CheckStatus.QUEUED, CheckStatus.SENT)


class EligibilityCheck(models.Model):
    """One inquiry. `result` holds the 271 as read: active, plan, coverage dates, payer's
    rejections, and cost sharing per service type, network and coverage level
    (see `medoffice.eligibility.results`)."""

    coverage = models.ForeignKey(
        "patients.Coverage", on_delete=models.CASCADE, related_name="eligibility_checks"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text="The visit a batch check was sent for",
    )  # fmt: skip
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    service_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=CheckStatus.choices, default=CheckStatus.QUEUED
    )
    trace_number = models.CharField("TRN02", max_length=30, unique=True)
    interchange_control = models.PositiveIntegerField("ISA13", unique=True)
    file_name = models.CharField(max_length=120)
    request_text = models.TextField(help_text="The 270 exactly as sent")
    sent_to = models.CharField(max_length=300, blank=True, help_text="Where the transport put it")
    response_text = models.TextField(blank=True, help_text="The 271 transaction set answering")
    response_file = models.ForeignKey(
        "EligibilityResponseFile", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="checks",
    )  # fmt: skip
    result = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(null=True, help_text="What the 271 said; empty if it did not")
    answered_at = models.DateTimeField(null=True, blank=True)
    error_text = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["coverage", "status", "-answered_at"], name="elig_coverage_idx"),
            models.Index(fields=["status", "requested_at"], name="elig_status_idx"),
        ]

    def __str__(self) -> str:
        return f"270 {self.trace_number} ({self.get_status_display()})"


class EligibilityResponseFile(models.Model):
    """A 271 file read in; the sha256 makes importing the same file twice a no-op."""

    name = models.CharField(max_length=255)
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
        return f"271 {self.name}"
