"""Patients waiting for an earlier appointment, and the offers made to them when time frees up."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from medoffice.core.models import TimeStampedModel


class EntryStatus(models.TextChoices):
    ACTIVE = "active", "Waiting"
    OFFERED = "offered", "Offer out"
    BOOKED = "booked", "Booked"
    REMOVED = "removed", "Removed"


class TimeOfDay(models.TextChoices):
    MORNING = "morning", "Morning (before 12:00)"
    AFTERNOON = "afternoon", "Afternoon (12:00-17:00)"
    EVENING = "evening", "Evening (from 17:00)"


WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class WaitlistEntry(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType", on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        "scheduling.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: any provider",
    )
    location = models.ForeignKey(
        "organization.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: any location",
    )
    earliest_date = models.DateField()
    latest_date = models.DateField(null=True, blank=True)
    weekdays = models.JSONField(default=list, blank=True, help_text="0 = Monday; empty: any day")
    times_of_day = models.JSONField(default=list, blank=True, help_text="Empty: any time")
    note = models.CharField(
        max_length=300, blank=True, help_text="Non-clinical, e.g. 'can come at short notice'"
    )
    status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    removed_reason = models.CharField(max_length=200, blank=True)
    booked_appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["status", "appointment_type", "created_at"], name="waitlist_match_idx"
            ),
        ]
        constraints = [
            # One open request per patient and visit type (no double offers to one person).
            models.UniqueConstraint(
                fields=["patient", "appointment_type"],
                condition=Q(status__in=["active", "offered"]),
                name="waitlist_one_open_per_type",
            ),
            models.CheckConstraint(
                condition=Q(latest_date__isnull=True)
                | Q(latest_date__gte=models.F("earliest_date")),
                name="waitlist_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist {self.pk} ({self.get_status_display()})"

    @property
    def weekday_labels(self) -> list[str]:
        names = dict(WEEKDAYS)
        return [names[d] for d in self.weekdays or [] if d in names]

    @property
    def times_label(self) -> str:
        names = {"morning": "mornings", "afternoon": "afternoons", "evening": "evenings"}
        return ", ".join(names.get(t, t) for t in self.times_of_day or []) or "any time"


class OfferStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn (taken by another)"


class WaitlistOffer(models.Model):
    """One freed time offered to one waiting patient, through a time-limited link."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    slot_start = models.DateTimeField()
    slot_end = models.DateTimeField()
    provider = models.ForeignKey("scheduling.Provider", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(
        "organization.Location", on_delete=models.CASCADE, related_name="+"
    )
    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType", on_delete=models.CASCADE, related_name="+"
    )
    freed_appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The cancelled visit whose time this is",
    )
    token_id = models.CharField(max_length=32, unique=True, help_text="The link's nonce")
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.SENT)
    responded_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at"]
        indexes = [
            models.Index(fields=["provider", "slot_start", "status"], name="offer_slot_idx"),
            models.Index(fields=["status", "expires_at"], name="offer_expiry_idx"),
        ]
        constraints = [
            # A patient is offered a given time once.
            models.UniqueConstraint(
                fields=["entry", "provider", "slot_start"], name="offer_once_per_slot"
            ),
            # At most one open offer per entry.
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="sent"), name="offer_one_open_per_entry"
            ),
            # One taker per time.
            models.UniqueConstraint(
                fields=["provider", "slot_start"],
                condition=Q(status="accepted"),
                name="offer_one_taker_per_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk} ({self.get_status_display()})"
