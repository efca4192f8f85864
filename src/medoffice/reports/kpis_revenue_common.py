"""What the revenue and productivity KPIs share: the periods of a range, the SQL period
expression, the filters as query conditions, Decimal rounding, and medians of day counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import DateField, Q, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.urls import reverse

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
    """The SQL expression of a date's (or a datetime's local date's) period."""
    kind = {Grain.DAY: TruncDay, Grain.WEEK: TruncWeek, Grain.MONTH: TruncMonth}[grain]
    return kind(field, output_field=DateField(), **extra)


def as_date(value: Any) -> date:
    # TruncX over a datetime may hand back a datetime on some backends.
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
    if isinstance(value, int):  # SQLite hands date differences back as microseconds
        return value // 86_400_000_000
    return int(value)


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
