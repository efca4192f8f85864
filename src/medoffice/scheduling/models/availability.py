"""When providers can be booked: recurring templates, time off, holidays, and the blocks
materialized from them (what booking and find-first-available read)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from medoffice.scheduling.models.resources import AppointmentType, Provider


class BlockKind(models.TextChoices):
    OPEN = "open", "Open for any allowed visit"
    RESERVED = "reserved", "Reserved for some visit types"


class AvailabilityTemplate(models.Model):
    """A recurring weekly block: "Mon/Wed 9:00-12:00 at Riverside", as an RFC 5545 rule.

    Times are wall-clock times at the location, so 9:00 stays 9:00 across daylight-saving
    changes; exceptions (EXDATE) are dates the block does not happen.
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="templates")
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
    kind = models.CharField(max_length=10, choices=BlockKind.choices, default=BlockKind.OPEN)
    reserved_label = models.CharField(
        max_length=100, blank=True, help_text='e.g. "New patients only"'
    )
    reserved_types = models.ManyToManyField(
        AppointmentType,
        blank=True,
        related_name="+",
        help_text="Only these types in a reserved block",
    )
    start_time = models.TimeField()
    end_time = models.TimeField()
    rrule = models.CharField(
        max_length=300, help_text="RFC 5545 rule, e.g. FREQ=WEEKLY;BYDAY=MO,WE"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    exdates = models.JSONField(
        default=list, blank=True, help_text="Dates (YYYY-MM-DD) the block is skipped"
    )
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider", "starts_on", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="template_times_ordered"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="template_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.rrule} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    def clean(self) -> None:
        from medoffice.scheduling.recurrence import RecurrenceError, parse_rule

        try:
            parse_rule(self.rrule, self.starts_on)
        except RecurrenceError as exc:
            raise ValidationError({"rrule": str(exc)}) from None
        for value in self.exdates or []:
            if not isinstance(value, str) or len(value) != 10:
                raise ValidationError({"exdates": "Exceptions are dates like 2026-12-24."})


class TimeOff(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="time_off_ordered")
        ]
        indexes = [models.Index(fields=["provider", "start"], name="time_off_provider_idx")]

    def __str__(self) -> str:
        return f"{self.provider} off {self.start:%Y-%m-%d}"


class Holiday(models.Model):
    """A day the practice (or one location) is closed; filled from the `holidays` package, editable."""

    date = models.DateField()
    name = models.CharField(max_length=100)
    location = models.ForeignKey(
        "organization.Location", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"], condition=Q(location__isnull=True), name="holiday_practice_unique"
            ),
            models.UniqueConstraint(fields=["date", "location"], name="holiday_location_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class AvailabilityBlock(models.Model):
    """One concrete bookable stretch (a template's occurrence minus time off and holidays)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="blocks")
    location = models.ForeignKey(
        "organization.Location", on_delete=models.CASCADE, related_name="+"
    )
    template = models.ForeignKey(
        AvailabilityTemplate, on_delete=models.CASCADE, related_name="blocks"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=BlockKind.choices, default=BlockKind.OPEN)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["provider", "start"], name="block_provider_idx"),
            models.Index(fields=["location", "start"], name="block_location_idx"),
            models.Index(fields=["start"], name="block_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.start:%Y-%m-%d %H:%M}"
