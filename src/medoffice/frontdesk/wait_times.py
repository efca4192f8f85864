"""Wait-time figures from the visit flow's timestamps (for the manager and the reports).

Counts and means are SQL aggregates on both databases. Medians: PostgreSQL computes them in
SQL (`percentile_cont(0.5) WITHIN GROUP (ORDER BY ...)`); SQLite has no percentile function,
so there the median is taken in Python over the durations alone, read with one values_list of
the already-filtered rows (one number per visit, never the visits themselves).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
)

from medoffice.frontdesk.selectors import local_day_bounds
from medoffice.organization.models import Location
from medoffice.scheduling.models import Appointment

# (key, label, from stamp, to stamp)
METRICS = (
    ("arrival_to_roomed", "Arrival to roomed", "arrived_at", "roomed_at"),
    ("roomed_to_provider", "Roomed to provider", "roomed_at", "provider_at"),
    ("arrival_to_checkout", "Arrival to checkout", "arrived_at", "checked_out_at"),
)
MAX_DAYS = 366


class _Median(Aggregate):
    """PostgreSQL's continuous median of seconds."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _duration(start: str, end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _seconds(start: str, end: str) -> Func:
    return Func(
        _duration(start, end), template="EXTRACT(EPOCH FROM %(expressions)s)",
        output_field=FloatField(),
    )  # fmt: skip


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    visits: int
    median_minutes: float | None
    mean_minutes: float | None


@dataclass(frozen=True)
class VisitTimes:
    location: Location
    date_from: date
    date_to: date
    provider_id: int | None
    metrics: list[Metric]
    long_lobby_waits: int  # arrival to roomed beyond the board's lobby threshold
    lobby_threshold: int


def _visits(
    location: Location, date_from: date, date_to: date, provider_id: int | None
) -> QuerySet[Appointment]:
    start, _ = local_day_bounds(location, date_from)
    _, end = local_day_bounds(location, date_to)
    qs = Appointment.objects.filter(location=location, start__gte=start, start__lt=end)
    if provider_id is not None:
        qs = qs.filter(provider_id=provider_id)
    return qs


def _minutes(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 60, 1)
    return round(float(value) / 60, 1)


def _metric(qs: QuerySet[Appointment], key: str, label: str, start: str, end: str) -> Metric:
    # A step taken out of order (a stamp before the previous one) is a data error, not a wait.
    done = qs.filter(**{f"{start}__isnull": False, f"{end}__gte": F(start)})
    figures = done.aggregate(visits=Count("pk"), mean=Avg(_duration(start, end)))
    if connection.vendor == "postgresql":
        median = done.aggregate(median=_Median(_seconds(start, end)))["median"]
    else:
        durations = list(done.annotate(wait=_duration(start, end)).values_list("wait", flat=True))
        median = statistics.median(d.total_seconds() for d in durations) if durations else None
    return Metric(
        key=key,
        label=label,
        visits=figures["visits"],
        median_minutes=_minutes(median),
        mean_minutes=_minutes(figures["mean"]),
    )


def visit_times(
    location: Location, date_from: date, date_to: date, *, provider_id: int | None = None
) -> VisitTimes:
    """Median and mean arrival→roomed, roomed→provider and arrival→checkout for the visits
    at a location between two days (inclusive, in the location's zone). No patient data."""
    from django.conf import settings

    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValueError(f"at most {MAX_DAYS} days at a time")
    qs = _visits(location, date_from, date_to, provider_id)
    metrics = [_metric(qs, *spec) for spec in METRICS]
    threshold = settings.FLOW_LOBBY_WAIT_MINUTES
    long_waits = qs.filter(
        Q(arrived_at__isnull=False, roomed_at__isnull=False)
        & Q(roomed_at__gt=F("arrived_at") + timedelta(minutes=threshold))
    ).count()
    return VisitTimes(
        location=location,
        date_from=date_from,
        date_to=date_to,
        provider_id=provider_id,
        metrics=metrics,
        long_lobby_waits=long_waits,
        lobby_threshold=threshold,
    )
