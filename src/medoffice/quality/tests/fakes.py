"""A no-show-rate KPI computed from visits the test writes, for the initiative tests.

Each visit is (day, provider_id, no_show); the rate is no-shows over visits, in percent, per
month and over the whole range, narrowed to a provider when the filters name one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from medoffice.core.permissions import Capability
from medoffice.reports import kpi
from medoffice.reports.kpi import (
    Column,
    Filter,
    Kpi,
    KpiResult,
    Point,
    ReportFilters,
    Section,
    Series,
    Target,
    Unit,
)

ACCESS_KEY = "test_qi_no_shows"
REVENUE_KEY = "test_qi_collections"
VISITS: list[tuple[date, int | None, bool]] = []


def _months(start: date, end: date) -> list[date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def _rate(visits: list[tuple[date, int | None, bool]]) -> Decimal | None:
    if not visits:
        return None
    return (Decimal(100) * sum(1 for v in visits if v[2]) / len(visits)).quantize(Decimal("0.01"))


def no_show_rate(filters: ReportFilters) -> KpiResult:
    """Months only: the grain is ignored (the initiative tests chart by month or week)."""
    chosen = [
        v for v in VISITS
        if filters.start <= v[0] <= filters.end and filters.provider_id in (None, v[1])
    ]  # fmt: skip
    points = [
        Point(m, _rate([v for v in chosen if v[0].replace(day=1) == m]))
        for m in _months(filters.start, filters.end)
    ]
    return KpiResult(
        headline=_rate(chosen),
        series=[Series("No-show rate", points)],
        columns=[Column("rate", "No-show rate", Unit.PERCENT)],
        rows=[{"rate": p.value} for p in points],
    )


ACCESS = Kpi(
    key=ACCESS_KEY, title="Test no-show rate", section=Section.ACCESS,
    capability=Capability.REPORTS_ACCESS, unit=Unit.PERCENT, definition="No-shows over visits.",
    compute=no_show_rate, filters=frozenset({Filter.PROVIDER}),
    target=Target(Decimal("5"), "lower", "< 5%"),
)  # fmt: skip
REVENUE = Kpi(
    key=REVENUE_KEY, title="Test collections", section=Section.REVENUE,
    capability=Capability.REPORTS_REVENUE, unit=Unit.PERCENT, definition="Same figures.",
    compute=no_show_rate, filters=frozenset({Filter.PROVIDER}),
)  # fmt: skip


@pytest.fixture
def fake_kpis() -> Iterator[tuple[Kpi, Kpi]]:
    kpi.register(ACCESS)
    kpi.register(REVENUE)
    VISITS.clear()
    yield ACCESS, REVENUE
    kpi._kpis.pop(ACCESS_KEY, None)
    kpi._kpis.pop(REVENUE_KEY, None)
    VISITS.clear()


def visits(month: date, count: int, no_shows: int, provider_id: int | None = None) -> None:
    """`count` visits on the month's 10th, the first `no_shows` of them missed."""
    day = month.replace(day=10)
    VISITS.extend((day, provider_id, n < no_shows) for n in range(count))
