"""What the revenue and productivity KPIs share: the periods of a range, the SQL period
expression, the filters as query conditions, Decimal rounding, and medians of day counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, DateField, F, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate, TruncDay, TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import timezone

from medoffice.reports.kpi import Grain, Point, ReportFilters, Series

CENTS = Decimal("0.01")
TENTH = Decimal("0.1")
ZERO = Decimal("0.00")


def money(value: Any) -> Decimal:
    # SQLite sums decimals as floats: round to cents through str so 0.1 + 0.2 shows 0.30.
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENTS)


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole in percent to one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH)


def period_start(day: date, grain: Grain) -> date:
    if grain == Grain.DAY:
        return day
    if grain == Grain.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period(day: date, grain: Grain) -> date:
    if grain == Grain.DAY:
        return day + timedelta(days=1)
    if grain == Grain.WEEK:
        return day + timedelta(days=7)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def periods(flt: ReportFilters) -> list[date]:
    """The first day of each period of the grain that overlaps [start, end], in order."""
    out, day = [], period_start(flt.start, flt.grain)
    while day <= flt.end:
        out.append(day)
        day = next_period(day, flt.grain)
    return out


def period_ends(flt: ReportFilters) -> list[date]:
    """Each period's last day, the range's end for the last (A/R is a balance at a day)."""
    return [min(next_period(p, flt.grain) - timedelta(days=1), flt.end) for p in periods(flt)]


def trunc(field: str, grain: Grain, **extra: Any) -> Any:
    """The SQL expression of a date's (or, with tzinfo, a datetime's local date's) period.

    SQLite: Django's Trunc functions are Python functions called once per row there; date()
    with modifiers is SQLite's own. A datetime's local period on SQLite: trunc_local."""
    if connection.vendor == "sqlite" and not extra:
        return _sqlite_period(F(field), grain)
    kind = {Grain.DAY: TruncDay, Grain.WEEK: TruncWeek, Grain.MONTH: TruncMonth}[grain]
    return kind(field, output_field=DateField(), **extra)


def _sqlite_period(expression: Any, grain: Grain) -> Func:
    # 'weekday 0' moves to the coming Sunday (or stays on one); six days back is its Monday.
    modifiers = {
        Grain.DAY: [],
        Grain.WEEK: ["weekday 0", "-6 days"],
        Grain.MONTH: ["start of month"],
    }
    return Func(
        expression, *[Value(m) for m in modifiers[grain]], function="date",
        output_field=DateField(),
    )  # fmt: skip


def trunc_local(field: str, flt: ReportFilters) -> Any:
    """The period of a datetime column's calendar date in the practice's zone."""
    if connection.vendor == "sqlite":
        return _sqlite_period(local_date(field, flt), flt.grain)
    return trunc(field, flt.grain, tzinfo=timezone.get_current_timezone())


def local_date(field: str, flt: ReportFilters, *, margin_days: int = 400) -> Any:
    """A datetime column's calendar date in the practice's zone, in SQL.

    PostgreSQL: TruncDate with the zone. SQLite: TruncDate with a zone calls Python per row, so
    the stored UTC time is shifted by the zone's offset instead, the offset picked by a CASE
    over the zone's offset changes (daylight saving) from `margin_days` before the range to
    `margin_days` after it (rows outside keep the nearest offset)."""
    zone = timezone.get_current_timezone()
    if connection.vendor != "sqlite":
        return TruncDate(field, tzinfo=zone)
    changes = _offset_changes(zone, flt.start - timedelta(days=margin_days),
                              flt.end + timedelta(days=margin_days))  # fmt: skip
    # Each change's instant ends the offset before it; after the last, its own offset holds.
    whens = [
        When(**{f"{field}__lt": at}, then=Value(f"{previous} seconds"))
        for (at, _), (_, previous) in zip(changes[1:], changes, strict=False)
    ]
    last = Value(f"{changes[-1][1]} seconds")
    shift = Case(*whens, default=last) if whens else last
    return Func(F(field), shift, function="date", output_field=DateField())


def _offset_changes(zone: Any, first: date, last: date) -> list[tuple[datetime, int]]:
    """[(UTC instant, offset in seconds from then on)], the first at the window's start."""
    start = datetime.combine(first, time.min, tzinfo=UTC)
    end = datetime.combine(last, time.min, tzinfo=UTC)

    def offset(at: datetime) -> int:
        return int(at.astimezone(zone).utcoffset().total_seconds())

    changes = [(start, offset(start))]
    day = start
    while day < end:
        following = day + timedelta(days=1)
        if offset(following) != changes[-1][1]:
            # The change falls within this day: find its minute (offsets change on the minute).
            lo, hi = day, following
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    break
                if offset(mid) == changes[-1][1]:
                    lo = mid
                else:
                    hi = mid
            changes.append((hi, offset(hi)))
        day = following
    return changes


def as_date(value: Any) -> date:
    # TruncX over a datetime may hand back a datetime on some backends; raw SQL on SQLite, text.
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def series_of(label: str, flt: ReportFilters, values: dict[date, Decimal | None]) -> Series:
    """One point per period of the range; a period without a value is a gap (None)."""
    return Series(label, [Point(p, values.get(p)) for p in periods(flt)])


def posting_scope(flt: ReportFilters, *, payer: bool = True) -> Q:
    """Ledger postings under the filters: location and payer are columns of the posting; a
    provider or a department is the claim's rendering provider or the posting's location."""
    from medoffice.claims.models import Claim
    from medoffice.organization.models import Location

    q = Q()
    if flt.location_id is not None:
        q &= Q(location_id=flt.location_id)
    if flt.department_id is not None:
        q &= Q(location_id__in=Location.objects.filter(departments=flt.department_id).values("pk"))
    if payer and flt.payer_id is not None:
        q &= Q(payer_id=flt.payer_id)
    if flt.provider_id is not None:
        q &= Q(
            claim_id__in=Claim.objects.filter(rendering_provider_id=flt.provider_id).values("pk")
        )
    return q


def claim_scope(flt: ReportFilters, prefix: str = "") -> Q:
    """Claims (or rows reaching a claim through `prefix`, e.g. "claim__") under the filters."""
    from medoffice.organization.models import Location

    q = Q()
    if flt.location_id is not None:
        q &= Q(**{f"{prefix}location_id": flt.location_id})
    if flt.department_id is not None:
        q &= Q(
            **{
                f"{prefix}location_id__in": Location.objects.filter(
                    departments=flt.department_id
                ).values("pk")
            }
        )
    if flt.payer_id is not None:
        q &= Q(**{f"{prefix}payer_id": flt.payer_id})
    if flt.provider_id is not None:
        q &= Q(**{f"{prefix}rendering_provider_id": flt.provider_id})
    return q


def median_from_counts(counts: Iterable[tuple[int, int]]) -> Decimal | None:
    """The median of a distribution given as (value, how many) pairs: the database counts the
    rows per whole number of days, so only a few dozen distinct values reach Python."""
    pairs = sorted((v, n) for v, n in counts if n)
    total = sum(n for _, n in pairs)
    if not total:
        return None
    # The middle one (odd) or the two middle ones (even), 1-based positions.
    low, high = (total + 1) // 2, total // 2 + 1
    seen, low_value, high_value = 0, None, None
    for value, n in pairs:
        seen += n
        if low_value is None and seen >= low:
            low_value = value
        if seen >= high:
            high_value = value
            break
    return (Decimal(low_value + high_value) / 2).quantize(TENTH)


def medians_by_period(
    rows: QuerySet, lag_key: str = "lag"
) -> tuple[dict[date, Decimal | None], Decimal | None]:
    """Per-period and overall medians of `rows` (values "period", lag_key, "n")."""
    per: dict[date, list[tuple[int, int]]] = defaultdict(list)
    overall: dict[int, int] = defaultdict(int)
    for row in rows:
        days = _days(row[lag_key])
        per[as_date(row["period"])].append((days, row["n"]))
        overall[days] += row["n"]
    return (
        {period: median_from_counts(pairs) for period, pairs in per.items()},
        median_from_counts(overall.items()),
    )


def _days(value: Any) -> int:
    if isinstance(value, timedelta):
        return value.days
    return int(value)  # days_between on SQLite: whole days


class _SqliteDaysBetween(Func):
    arg_joiner = ") - julianday("
    template = "CAST(julianday(%(expressions)s) AS INTEGER)"
    output_field = IntegerField()


def days_between(later: Any, earlier: str) -> Any:
    """Whole days from the date column `earlier` to the date expression `later`. SQLite:
    julianday() (Django's date subtraction calls a Python function per row there)."""
    if connection.vendor == "sqlite":
        return _SqliteDaysBetween(later, F(earlier))
    return later - F(earlier)


def url(name: str, **params: Any) -> str:
    """A list page's URL with its query string (empty values left out)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def claims_worklist_url(flt: ReportFilters, status: str = "") -> str:
    return url(
        "claims:worklist",
        status=status,
        payer=flt.payer_id,
        provider=flt.provider_id,
        date_from=flt.start.isoformat(),
        date_to=flt.end.isoformat(),
    )


def ar_report_url(flt: ReportFilters) -> str:
    return url(
        "billing:ar_report", as_of=flt.end.isoformat(), location=flt.location_id, payer=flt.payer_id
    )


def fetch_rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run one raw report query. PostgreSQL: with more sort memory for its statement (as
    billing.aging's queries). SQLite: outside a transaction, since Django opens SQLite's with
    BEGIN IMMEDIATE, a write lock a read-only report must not wait for or take."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{int(settings.REPORT_WORK_MEM_MB)}MB'")
        cursor.execute(sql, params)
        return cursor.fetchall()
