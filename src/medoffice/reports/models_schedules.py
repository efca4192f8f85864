"""Report schedules: one KPI e-mailed as a PDF to chosen staff, daily, weekly or monthly.

The period is stored relative ("last full month"), so each run reports on the period that has
just ended. `next_run_at` is the one column the job claims a run by (compare-and-set), so two
workers never send the same run twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = [
    "WEEKDAYS",
    "Frequency",
    "RelativePeriod",
    "ReportSchedule",
    "ReportScheduleRun",
    "RunStatus",
]


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class RelativePeriod(models.TextChoices):
    LAST_FULL_MONTH = "last_full_month", "Last full month"
    LAST_FULL_WEEK = "last_full_week", "Last full week (Monday to Sunday)"
    YESTERDAY = "yesterday", "Yesterday"
    MONTH_TO_DATE = "month_to_date", "Month to date"


class RunStatus(models.TextChoices):
    OK = "ok", "Sent"
    FAILED = "failed", "Failed"


WEEKDAYS = [
    (0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"),
    (5, "Saturday"), (6, "Sunday"),
]  # fmt: skip


class ReportSchedule(models.Model):
    kpi_key = models.CharField(max_length=60)
    period = models.CharField(max_length=20, choices=RelativePeriod.choices)
    grain = models.CharField(max_length=10, default="month")  # reports.kpi.Grain
    # Only the filters the KPI honours: location_id, department_id, provider_id, payer_id.
    filters = models.JSONField(default=dict, blank=True)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(null=True, blank=True, choices=WEEKDAYS)
    # A month without this day (the 31st in April) sends on its last day.
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)
    send_time = models.TimeField(help_text="In the practice's time zone")
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=10, choices=RunStatus.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["is_active", "next_run_at"], name="reportsched_due_idx")]
        constraints = [
            models.CheckConstraint(
                name="reportsched_weekly_has_weekday",
                condition=~models.Q(frequency="weekly") | models.Q(weekday__isnull=False),
            ),
            models.CheckConstraint(
                name="reportsched_monthly_has_day",
                condition=~models.Q(frequency="monthly")
                | models.Q(day_of_month__gte=1, day_of_month__lte=31),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} ({self.get_frequency_display()})"

    def when_label(self) -> str:
        at = self.send_time.strftime("%H:%M")
        if self.frequency == Frequency.WEEKLY and self.weekday is not None:
            return f"Every {WEEKDAYS[self.weekday][1]} at {at}"
        if self.frequency == Frequency.MONTHLY:
            return f"Monthly on day {self.day_of_month} at {at}"
        return f"Every day at {at}"


class ReportScheduleRun(models.Model):
    """One sending of a schedule: kept whether it worked or not, shown on the schedule page."""

    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="runs")
    due_at = models.DateTimeField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices)
    recipients = models.JSONField(default=list)  # the e-mail addresses it went to
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.schedule_id} at {self.started_at:%Y-%m-%d %H:%M}: {self.status}"
