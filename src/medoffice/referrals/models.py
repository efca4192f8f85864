"""Referrals in and out, and prior authorizations with the visits that use them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from medoffice.core.models import TimeStampedModel


class ReferralDirection(models.TextChoices):
    INCOMING = "in", "Incoming (to us)"
    OUTGOING = "out", "Outgoing (from us)"


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    SCHEDULED = "scheduled", "Scheduled"
    SEEN = "seen", "Seen"
    REPORT_SENT = "report_sent", "Report sent"
    CLOSED = "closed", "Closed"


class Referral(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="referrals"
    )
    direction = models.CharField(max_length=3, choices=ReferralDirection.choices)
    status = models.CharField(
        max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED
    )
    status_changed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the status last moved (set by the services)"
    )
    # The other party (outside practice) and our side.
    outside_provider_name = models.CharField(max_length=200)
    outside_provider_npi = models.CharField(max_length=10, blank=True)
    outside_practice = models.CharField(max_length=200, blank=True)
    outside_phone = models.CharField(max_length=30, blank=True)
    outside_fax = models.CharField(max_length=30, blank=True)
    our_provider = models.ForeignKey(
        "scheduling.Provider",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    specialty = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=300)
    diagnosis_code = models.CharField(max_length=8, blank=True, help_text="ICD-10-CM")
    urgency = models.CharField(
        max_length=10, choices=[("routine", "Routine"), ("urgent", "Urgent")], default="routine"
    )
    received_on = models.DateField()
    due_by = models.DateField(null=True, blank=True, help_text="Schedule (or be seen) by this date")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    documents = models.ManyToManyField("patients.Document", blank=True, related_name="+")
    authorization = models.ForeignKey(
        "referrals.PriorAuthorization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_by", "received_on"]
        indexes = [
            models.Index(fields=["status", "due_by"], name="referral_worklist_idx"),
            models.Index(fields=["patient", "received_on"], name="referral_patient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} referral: {self.reason}"

    def clean(self) -> None:
        if self.due_by and self.received_on and self.due_by < self.received_on:
            raise ValidationError({"due_by": "Due before it was received."})


class PriorAuthorization(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="authorizations"
    )
    payer = models.ForeignKey("patients.Payer", on_delete=models.PROTECT, related_name="+")
    coverage = models.ForeignKey(
        "patients.Coverage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    auth_number = models.CharField(max_length=50)
    service_codes = models.JSONField(
        default=list, blank=True, help_text="Procedure codes the authorization covers"
    )
    appointment_types = models.ManyToManyField(
        "scheduling.AppointmentType", blank=True, related_name="+"
    )
    approved_units = models.PositiveIntegerField(help_text="Visits or units approved")
    start_date = models.DateField()
    end_date = models.DateField()
    low_units_threshold = models.PositiveIntegerField(
        default=2, help_text="Alert when this few units are left"
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-start_date"]
        indexes = [models.Index(fields=["patient", "end_date"], name="auth_patient_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="auth_dates_ordered"
            ),
            models.UniqueConstraint(fields=["payer", "auth_number"], name="auth_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Auth {self.auth_number} ({self.approved_units} units)"


class AuthorizationUse(models.Model):
    """One visit drawing on an authorization: held when booked, used when completed, released
    when cancelled. Units left = approved - (held + used)."""

    authorization = models.ForeignKey(
        PriorAuthorization, on_delete=models.CASCADE, related_name="uses"
    )
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.CASCADE, related_name="authorization_use"
    )
    units = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(
        max_length=8,
        choices=[("held", "Held by a booking"), ("used", "Used by a completed visit")],
        default="held",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["authorization", "state"], name="auth_use_idx")]

    def __str__(self) -> str:
        return f"{self.units} unit(s) {self.state}"
