"""Fake KPIs for the report pages' tests, computed from a list of records the test writes
(RECORDS), so the filters (location, provider, payer) really narrow the result.

`fake_kpis` registers them (import `fake_kpis_fixture` and `cast_fixture` into a test module) for a test and unregisters them after (`unregister` pops from the
registry: a test-only helper, the app never unregisters).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

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

ACCESS_KEY = "test_visit_count"
REVENUE_KEY = "test_revenue_share"
PRACTICE_KEY = "test_practice_only"


def unregister(key: str) -> None:
    kpi._kpis.pop(key, None)


def month_starts(start: date, end: date) -> list[date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


@dataclass(frozen=True)
class Visit:
    """One record the fake KPIs count: tests fill RECORDS with these."""

    day: date
    location_id: int | None = None
    provider_id: int | None = None
    payer_id: int | None = None
    amount: Decimal = Decimal("0")


RECORDS: list[Visit] = []


def _matching(filters: ReportFilters) -> list[Visit]:
    return [
        v for v in RECORDS
        if filters.start <= v.day <= filters.end
        and filters.location_id in (None, v.location_id)
        and filters.provider_id in (None, v.provider_id)
        and filters.payer_id in (None, v.payer_id)
    ]  # fmt: skip


def visit_count(filters: ReportFilters) -> KpiResult:
    """Visits per month (the grain is ignored: months are enough for the pages)."""
    counts: dict[date, int] = {}
    for v in _matching(filters):
        counts[v.day.replace(day=1)] = counts.get(v.day.replace(day=1), 0) + 1
    months = month_starts(filters.start, filters.end)
    points = [Point(m, Decimal(counts[m]) if m in counts else None) for m in months]
    total = sum(counts.values())
    return KpiResult(
        headline=Decimal(total) if total else None,
        series=[Series("Visits", points)],
        columns=[Column("period", "Month"), Column("visits", "Visits", Unit.COUNT)],
        rows=[
            {"period": p.period, "visits": p.value, "_url": f"/schedule/?month={p.period}"}
            for p in points
        ],
        drilldown_url="/schedule/",
        notes=["Counted by the visit's date in the practice's time zone."],
    )


def revenue_share(filters: ReportFilters) -> KpiResult:
    """Each month's dollars as a percentage of the range's dollars; a month without records is
    a gap. A second series (dollars) has a label that needs escaping."""
    visits = _matching(filters)
    total = sum((v.amount for v in visits), Decimal("0"))
    by_month: dict[date, Decimal] = {}
    for v in visits:
        by_month[v.day.replace(day=1)] = by_month.get(v.day.replace(day=1), Decimal("0")) + v.amount
    months = month_starts(filters.start, filters.end)
    share = [Point(m, (by_month[m] * 100 / total).quantize(Decimal("0.1")) if m in by_month else None)
             for m in months]  # fmt: skip
    dollars = [Point(m, by_month.get(m)) for m in months]
    return KpiResult(
        headline=total or None,
        series=[Series("Share", share), Series("Dollars & <cents>", dollars)],
        columns=[
            Column("period", "Month"),
            Column("share", "Share", Unit.PERCENT),
            Column("dollars", "Dollars", Unit.MONEY),
        ],
        rows=[
            {"period": s.period, "share": s.value, "dollars": d.value}
            for s, d in zip(share, dollars, strict=True)
        ],
    )


ACCESS_KPI = Kpi(
    key=ACCESS_KEY, title="Test visit count", section=Section.ACCESS,
    capability=Capability.REPORTS_ACCESS, unit=Unit.COUNT,
    definition="Appointments dated in the period.", compute=visit_count,
    filters=frozenset({Filter.LOCATION, Filter.PROVIDER}),
    target=Target(Decimal("10"), "higher", "≥ 10"), order=1,
)  # fmt: skip
REVENUE_KPI = Kpi(
    key=REVENUE_KEY, title="Test revenue share", section=Section.REVENUE,
    capability=Capability.REPORTS_REVENUE, unit=Unit.MONEY,
    definition="A fixed share.", compute=revenue_share,
    filters=frozenset({Filter.PAYER, Filter.PROVIDER}),
    target=Target(Decimal("500"), "higher", "≥ $500"), order=1,
)  # fmt: skip
# No provider filter: a clinician (own figures only) may not see it.
PRACTICE_KPI = Kpi(
    key=PRACTICE_KEY, title="Test practice only", section=Section.ACCESS,
    capability=Capability.REPORTS_ACCESS, unit=Unit.COUNT,
    definition="Appointments of the whole practice.", compute=visit_count,
    filters=frozenset({Filter.LOCATION}), order=2,
)  # fmt: skip
FAKE_KPIS = [ACCESS_KPI, REVENUE_KPI, PRACTICE_KPI]


@pytest.fixture(name="fake_kpis")
def fake_kpis_fixture() -> Iterator[list[Kpi]]:
    for k in FAKE_KPIS:
        kpi.register(k)
    RECORDS.clear()
    yield FAKE_KPIS
    RECORDS.clear()
    for k in FAKE_KPIS:
        unregister(k.key)


# Valid NPIs (Luhn over 80840 + the first nine digits).
NPIS = ["1234567893", "1245319599"]


@dataclass
class Cast:
    """The personas, two locations, the clinician's own provider and another one."""

    users: dict[str, Any]
    own_provider: Any
    other_provider: Any
    north: Any
    south: Any

    def client(self, role: str) -> Any:
        from medoffice.testing.personas import signed_in_client

        return signed_in_client(self.users[role])


@pytest.fixture(name="cast")
def cast_fixture(db) -> Cast:
    from medoffice.scheduling.models import Provider
    from medoffice.testing.factories import LocationFactory, UserFactory
    from medoffice.testing.personas import ALL_STAFF_ROLES, persona

    users = {role: persona(role) for role in ALL_STAFF_ROLES}
    other_user = UserFactory(username="otherdoc", first_name="Oscar", last_name="Other",
                             roles=["clinician"])  # fmt: skip
    return Cast(
        users=users,
        own_provider=Provider.objects.create(user=users["clinician"], npi=NPIS[0]),
        other_provider=Provider.objects.create(user=other_user, npi=NPIS[1]),
        north=LocationFactory(name="North clinic", code="north"),
        south=LocationFactory(name="South clinic", code="south"),
    )
