"""Reads of report schedules, and the calendar arithmetic behind them (when due, which period).

Send times are wall-clock times in the practice's time zone (settings.TIME_ZONE): "Monday
07:00" stays 07:00 across daylight-saving changes. A time that does not exist on the
spring-forward day (02:30) is sent at the same instant an hour later on the clock; a time that
happens twice on the fall-back day is sent the first time only.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from medoffice.reports.kpi import Grain, ReportFilters
from medoffice.reports.models_schedules import (
    Frequency,
    RelativePeriod,
    ReportSchedule,
    ReportScheduleRun,
)

FILTER_KEYS = ("location_id", "department_id", "provider_id", "payer_id")


def practice_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _runs_on(day: date, frequency: str, weekday: int | None, day_of_month: int | None) -> bool:
    if frequency == Frequency.DAILY:
        return True
    if frequency == Frequency.WEEKLY:
        return day.weekday() == weekday
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == min(day_of_month or 1, last)


def next_run_after(
    after: datetime,
    *,
    frequency: str,
    send_time: time,
    weekday: int | None = None,
    day_of_month: int | None = None,
) -> datetime:
    """The first send instant strictly after `after` (aware, returned in UTC)."""
    zone = practice_zone()
    day = after.astimezone(zone).date()
    for _ in range(400):  # a monthly schedule always matches within 31 days; 400 is a guard
        if _runs_on(day, frequency, weekday, day_of_month):
            # fold=0: an ambiguous time is its first occurrence; a missing one uses the
            # offset before the change, i.e. it lands an hour later on the clock.
            instant = datetime.combine(day, send_time, tzinfo=zone).astimezone(UTC)
            if instant > after:
                return instant
        day += timedelta(days=1)
    raise ValueError("no send date found for this schedule")


def schedule_next_run(schedule: ReportSchedule, after: datetime) -> datetime:
    return next_run_after(
        after,
        frequency=schedule.frequency,
        send_time=schedule.send_time,
        weekday=schedule.weekday,
        day_of_month=schedule.day_of_month,
    )


def period_dates(period: str, today: date) -> tuple[date, date]:
    """The calendar dates a relative period covers on `today` (end inclusive)."""
    if period == RelativePeriod.YESTERDAY:
        day = today - timedelta(days=1)
        return day, day
    if period == RelativePeriod.LAST_FULL_WEEK:
        this_monday = today - timedelta(days=today.weekday())
        return this_monday - timedelta(days=7), this_monday - timedelta(days=1)
    if period == RelativePeriod.MONTH_TO_DATE:
        return today.replace(day=1), today
    first_this_month = today.replace(day=1)
    last_month_end = first_this_month - timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end


def schedule_filters(schedule: ReportSchedule, today: date) -> ReportFilters:
    """The filters a run on `today` reports with (before narrowing to a recipient's access)."""
    start, end = period_dates(schedule.period, today)
    stored = schedule.filters or {}
    return ReportFilters(
        start=start,
        end=end,
        grain=Grain(schedule.grain),
        **{key: stored.get(key) for key in FILTER_KEYS},
    )


def schedules_due(now: datetime | None = None) -> QuerySet[ReportSchedule]:
    return ReportSchedule.objects.filter(
        is_active=True, next_run_at__isnull=False, next_run_at__lte=now or timezone.now()
    )


def schedule_list() -> QuerySet[ReportSchedule]:
    return (
        ReportSchedule.objects.select_related("owner")
        .prefetch_related("recipients")
        .order_by("-is_active", "kpi_key", "pk")
    )


def schedule_runs(schedule: ReportSchedule, limit: int = 20) -> list[ReportScheduleRun]:
    return list(schedule.runs.all()[:limit])


def send_now_key(schedule: ReportSchedule) -> str:
    return f"reports:send-now:{schedule.pk}"


def schedule_send_job(schedule: ReportSchedule) -> Any:
    """The latest "send now" job of this schedule (its status, for the schedule page)."""
    from medoffice.core.models import JobRun

    return (
        JobRun.objects.filter(idempotency_key=send_now_key(schedule))
        .order_by("-created_at")
        .first()
    )


def filter_labels(filters: dict[str, Any]) -> list[str]:
    """'Location: Main street' for each stored filter, for the schedule pages."""
    from medoffice.organization.models import Department, Location
    from medoffice.patients.models import Payer
    from medoffice.scheduling.models import Provider

    models = {
        "location_id": ("Location", Location),
        "department_id": ("Department", Department),
        "provider_id": ("Provider", Provider),
        "payer_id": ("Payer", Payer),
    }
    labels = []
    for key in FILTER_KEYS:
        if filters.get(key):
            label, model = models[key]
            obj = model.objects.filter(pk=filters[key]).first()
            labels.append(f"{label}: {obj if obj else 'deleted'}")
    return labels
