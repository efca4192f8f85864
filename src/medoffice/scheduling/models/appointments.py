"""Appointments, their series, and the occupancy rows that make double booking impossible."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from medoffice.core.models import TimeStampedModel
from medoffice.scheduling.models.resources import (
    MAX_APPOINTMENT_MINUTES,
    AppointmentType,
    Equipment,
    Provider,
    Room,
)


def overlapping(lo: datetime, hi: datetime) -> Q:
    """Appointments that overlap [lo, hi).

    The lower bound on start is implied by end > lo (no appointment is longer than
    MAX_APPOINTMENT_MINUTES) but spelled out so the (…, start) indexes read one window
    instead of the whole history before hi."""
    return Q(start__lt=hi, end__gt=lo, start__gt=lo - timedelta(minutes=MAX_APPOINTMENT_MINUTES))


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CONFIRMED = "confirmed", "Confirmed"
    ARRIVED = "arrived", "Arrived"
    ROOMED = "roomed", "Roomed"
    WITH_PROVIDER = "with_provider", "With provider"
    CHECKED_OUT = "checked_out", "Checked out"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"
    RESCHEDULED = "rescheduled", "Rescheduled"


# Statuses in which an appointment holds its time (and its occupancy rows).
ACTIVE_STATUSES = (
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.ROOMED,
    AppointmentStatus.WITH_PROVIDER,
    AppointmentStatus.CHECKED_OUT,
    AppointmentStatus.COMPLETED,
)
ENDED_STATUSES = (
    AppointmentStatus.CANCELLED,
    AppointmentStatus.NO_SHOW,
    AppointmentStatus.RESCHEDULED,
)


class CancelledBy(models.TextChoices):
    PATIENT = "patient", "Patient"
    PRACTICE = "practice", "Practice"


class AppointmentSeries(TimeStampedModel):
    """A recurring booking ("weekly for 8 weeks"): each occurrence is its own appointment; the
    series keeps the rule and the exceptions so none is ever lost."""

    rrule = models.CharField(max_length=300)
    first_start = models.DateTimeField()
    count = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    exceptions = models.JSONField(
        default=list, blank=True, help_text="Occurrences skipped or moved, with why"
    )

    def __str__(self) -> str:
        return f"Series {self.pk} ({self.rrule}, {self.count})"


class Appointment(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(
        "organization.Location", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "organization.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    equipment = models.ManyToManyField(Equipment, blank=True, related_name="appointments")
    type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(
        max_length=14, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    reason = models.CharField(max_length=300, blank=True)
    front_desk_note = models.CharField(
        max_length=300, blank=True, help_text="Non-clinical, e.g. 'bring new card'"
    )
    overbooked = models.BooleanField(default=False)
    series = models.ForeignKey(
        AppointmentSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rescheduled_to"
    )
    encounter = models.OneToOneField(
        "chart.Encounter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointment",
    )
    # The visit's flow, one timestamp per step (they feed the wait-time reports).
    confirmed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    roomed_at = models.DateTimeField(null=True, blank=True)
    provider_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped by every change; stale edits are refused"
    )

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["location", "start"], name="appt_location_idx"),
            models.Index(fields=["provider", "start"], name="appt_provider_idx"),
            models.Index(fields=["patient", "start"], name="appt_patient_idx"),
            models.Index(fields=["start", "status"], name="appt_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="appt_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.start:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Occupancy(models.Model):
    """One resource busy for one 5-minute slot because of one appointment.

    The unique (resource, slot, layer) constraint is what makes double booking impossible on
    both databases, under any concurrency: the second insert of the same slot fails. A
    deliberate overbooking takes the next layer; a patient only ever has layer 0.
    """

    resource = models.CharField(
        max_length=30, help_text='e.g. "provider:12", "room:3", "patient:77"'
    )
    slot = models.DateTimeField()
    layer = models.PositiveSmallIntegerField(default=0)
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="occupancy")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "slot", "layer"], name="occupancy_unique")
        ]
        indexes = [models.Index(fields=["appointment"], name="occupancy_appt_idx")]

    def __str__(self) -> str:
        return f"{self.resource} {self.slot:%Y-%m-%d %H:%M} #{self.layer}"
