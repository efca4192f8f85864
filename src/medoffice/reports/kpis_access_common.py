"""What the access KPIs share: periods in the practice's zone, the filtered appointment rows,
rates as Decimals, grouped medians in SQL on both databases, and the drill-down links."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Case, DateField, Expression, QuerySet, Value, When
from django.urls import reverse

from medoffice.reports.kpi import Filter, Grain, Point, ReportFilters, Series
from medoffice.scheduling.models import Appointment, AppointmentStatus

S = AppointmentStatus
# A visit that happened: the patient was seen and checked out (closed or not yet).
SEEN_STATUSES = (S.CHECKED_OUT, S.COMPLETED)
# The filters every appointment-based KPI honours (payer is left out: a patient's coverage on
# the visit date is not a cheap join).
PLACE_FILTERS = frozenset({Filter.LOCATION, Filter.DEPARTMENT, Filter.PROVIDER})
ONE_DECIMAL = Decimal("0.1")


def practice_zone() -> ZoneInfo:
    from medoffice.organization.models import Practice

    name = Practice.objects.order_by("pk").values_list("time_zone", flat=True).first()
    return ZoneInfo(name or settings.TIME_ZONE)


def range_bounds(filters: ReportFilters, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[local midnight of start, local midnight after end) as aware datetimes."""
    lo = datetime.combine(filters.start, time.min, tzinfo=zone)
    hi = datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=zone)
    return lo, hi


def period_start(day: date, grain: Grain) -> date:
    if grain == Grain.DAY:
        return day
    if grain == Grain.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next_period(first: date, grain: Grain) -> date:
    if grain == Grain.DAY:
        return first + timedelta(days=1)
    if grain == Grain.WEEK:
        return first + timedelta(days=7)
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def periods(filters: ReportFilters) -> list[date]:
    """First day of each period of the grain overlapping [start, end], in order."""
    out = []
    first = period_start(filters.start, filters.grain)
    while first <= filters.end:
        out.append(first)
        first = _next_period(first, filters.grain)
    return out


def period_of(field: str, filters: ReportFilters, zone: ZoneInfo) -> Case:
    """The local calendar period (its first day) a datetime column falls in, in SQL.

    A CASE over the periods' UTC bounds rather than Trunc(tzinfo=...): on SQLite, Trunc with a
    time zone is a Python function called once per row, too slow over a year of visits. The
    CASE is nested as a binary search (four comparisons a row for twelve months, not six and a
    half on average): the comparisons were most of a count's time."""
    firsts = periods(filters)
    bounds = [datetime.combine(p, time.min, tzinfo=zone) for p in firsts[1:]]
    bounds.append(datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=zone))
    return _period_search(field, list(zip(firsts, bounds, strict=True)))


def _period_search(field: str, items: list[tuple[date, datetime]]) -> Case:
    """The first period whose upper bound the column is below (NULL past the last), given it
    is at or past the bound before items[0]."""
    if len(items) <= 3:
        whens = [When(**{f"{field}__lt": b}, then=Value(p)) for p, b in items]
        return Case(*whens, default=Value(None), output_field=DateField())
    left, right = items[: len(items) // 2], items[len(items) // 2 :]
    return Case(
        When(**{f"{field}__lt": left[-1][1]}, then=_period_search(field, left)),
        default=_period_search(field, right),
        output_field=DateField(),
    )


def as_date(value: Any) -> date:
    """A period value as SQL returned it (a date, a datetime, or SQLite's text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def narrow(qs: QuerySet, filters: ReportFilters, *, department: str = "department_id") -> QuerySet:
    if filters.location_id is not None:
        qs = qs.filter(location_id=filters.location_id)
    if filters.department_id is not None:
        qs = qs.filter(**{department: filters.department_id})
    if filters.provider_id is not None:
        qs = qs.filter(provider_id=filters.provider_id)
    return qs


def appointments(filters: ReportFilters, zone: ZoneInfo) -> QuerySet[Appointment]:
    """Appointments dated in the range (by start, in the practice's zone), narrowed."""
    lo, hi = range_bounds(filters, zone)
    return narrow(Appointment.objects.filter(start__gte=lo, start__lt=hi), filters)


def rate(part: int | None, whole: int | None) -> Decimal | None:
    """part ÷ whole as a percentage with one decimal; None when there is nothing to measure."""
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def one_decimal(value: float | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def series(label: str, firsts: list[date], values: Mapping[date, Decimal | None]) -> Series:
    return Series(label=label, points=[Point(period=p, value=values.get(p)) for p in firsts])


# --- Medians ----------------------------------------------------------------------------------


def grouped_medians(
    qs: QuerySet, group: Expression | None, values: Mapping[str, Expression], *, rows: str = "rows"
) -> dict[Any, dict[str, float | int | None]]:
    """{group value: {name: median}} of each value expression (rows where it is NULL are left
    out of that median) and {rows: how many rows}, plus key None for all rows together; one
    SQL statement on both databases.

    SQLite has no percentile function, and PostgreSQL's percentile_cont sorts every group once
    per value and again for the total: instead the database counts the rows of each distinct
    value per group (one grouped pass per value over the base rows, computed once:
    MATERIALIZED), and the middle one or two values are found from those counts; Python goes
    through distinct values, never rows, and adds the groups up for the total."""
    names = list(values)
    inner = qs.annotate(
        g=group if group is not None else Value(0), **{f"v_{n}": values[n] for n in names}
    )
    sql, params = inner.values("g", *[f"v_{n}" for n in names]).order_by().query.sql_with_params()
    counts = " UNION ALL ".join(
        [
            f"SELECT g, {i}, v_{n}, COUNT(*) FROM base WHERE v_{n} IS NOT NULL GROUP BY g, v_{n}"  # noqa: S608
            for i, n in enumerate(names)
        ]
        + ["SELECT g, -1, NULL, COUNT(*) FROM base GROUP BY g"]
    )
    statement = f"WITH base AS MATERIALIZED ({sql}) {counts}"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    per_group: dict[tuple[Any, int], dict[Any, int]] = defaultdict(dict)
    overall_counts: list[dict[Any, int]] = [defaultdict(int) for _ in names]
    group_rows: dict[Any, int] = {}
    for g, i, value, n in found:
        if i < 0:
            group_rows[g] = n
            continue
        per_group[(g, i)][value] = n
        overall_counts[i][value] += n
    out: dict[Any, dict[str, float | int | None]] = {}
    if group is not None:  # a group where no value was measured is left out
        for (g, i), counted in per_group.items():
            figures = out.setdefault(g, {name: None for name in names} | {rows: group_rows[g]})
            figures[names[i]] = _median_of_counts(counted)
    out[None] = {n: _median_of_counts(overall_counts[i]) for i, n in enumerate(names)}
    out[None][rows] = sum(group_rows.values())
    return out


def _median_of_counts(counts: Mapping[Any, int]) -> float | None:
    """The median of a multiset given as {value: how many} (the mean of the middle two when
    the count is even); None when empty. Python sorts the distinct values only."""
    total = sum(counts.values())
    if not total:
        return None
    wanted = ((total + 1) // 2, (total + 2) // 2)  # 1-based positions of the middle
    picked: list[float] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(picked) < 2 and seen >= wanted[len(picked)]:
            picked.append(float(value))
    return (picked[0] + picked[1]) / 2


# --- Drill-down links -------------------------------------------------------------------------


def link(name: str, params: list[tuple[str, Any]]) -> str:
    query = urlencode([(k, v) for k, v in params if v not in (None, "")])
    return reverse(name) + (f"?{query}" if query else "")


def calendar_url(
    filters: ReportFilters, *, statuses: tuple[str, ...] = (), provider_id: int | None = None
) -> str:
    """The calendar (a day, or the week the range starts in) with the same place filters."""
    name = "scheduling:calendar_day" if filters.start == filters.end else "scheduling:calendar_week"
    params: list[tuple[str, Any]] = [
        ("date", filters.start.isoformat()),
        ("location", filters.location_id),
        ("department", filters.department_id),
        ("provider", provider_id or filters.provider_id),
    ]
    params += [("status", s) for s in statuses]
    return link(name, params)


def wait_times_url(filters: ReportFilters) -> str | None:
    """The front desk's wait-times page; it measures one location at a time, up to a year."""
    if filters.location_id is None or (filters.end - filters.start).days >= 366:
        return None
    return link(
        "frontdesk:wait_times",
        [
            ("location", filters.location_id),
            ("date_from", filters.start.isoformat()),
            ("date_to", filters.end.isoformat()),
            ("provider", filters.provider_id),
        ],
    )


def waitlist_url(filters: ReportFilters) -> str:
    return link(
        "waitlist:list",
        [
            ("status", "booked"),
            ("provider", filters.provider_id),
            ("location", filters.location_id),
        ],
    )
