"""Patient messages: the outbox, opt-outs, and the signed links messages carry.

A Message is written when it is planned (a reminder five days ahead) and sent by a job when
it is due. Its text holds no more than the patient's first name, the date, time and place,
and a link: never the visit's reason or anything clinical.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from medoffice.core.models import TimeStampedModel


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Text message"


class Purpose(models.TextChoices):
    CONFIRMATION = "confirmation", "Booking confirmation"
    REMINDER = "reminder", "Reminder"
    WAITLIST_OFFER = "waitlist_offer", "Waitlist offer"
    CANCELLATION = "cancellation", "Cancellation notice"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


PENDING_STATUSES = (MessageStatus.QUEUED, MessageStatus.SENDING)


class Message(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="messages"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    channel = models.CharField(max_length=5, choices=Channel.choices)
    to_address = models.CharField(max_length=254, help_text="Phone number or e-mail address")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    scheduled_for = models.DateTimeField(help_text="Not sent before this time")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    # Makes planning idempotent: the same reminder is never queued twice.
    dedupe_key = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-scheduled_for"]
        indexes = [
            models.Index(fields=["status", "scheduled_for"], name="message_due_idx"),
            models.Index(fields=["appointment", "status"], name="message_appt_idx"),
            models.Index(fields=["patient", "created_at"], name="message_patient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} by {self.channel} ({self.get_status_display()})"


class OptOut(models.Model):
    """The patient asked for no more messages on this channel (STOP, or the link)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="message_opt_outs"
    )
    channel = models.CharField(max_length=5, choices=Channel.choices)
    source = models.CharField(max_length=20, help_text="link, keyword or staff")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "channel"], name="optout_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} opted out of {self.channel}"


class LinkPurpose(models.TextChoices):
    APPOINTMENT = "appointment", "Confirm or cancel an appointment"
    OFFER = "offer", "Answer a waitlist offer"
    OPT_OUT = "optout", "Stop messages"


class PatientLink(models.Model):
    """What a signed link in a message opens. The URL carries only a random nonce (signed
    and time-stamped), never an id: this row says what it is for and until when."""

    nonce = models.CharField(max_length=32, unique=True)
    purpose = models.CharField(max_length=12, choices=LinkPurpose.choices)
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=5, choices=Channel.choices, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["appointment", "purpose"],
                condition=Q(appointment__isnull=False),
                name="patientlink_appt_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link"
