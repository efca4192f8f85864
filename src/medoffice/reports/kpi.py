"""What a KPI is, what computing one returns, and the registry the report pages read.

A KPI module defines a compute function `(filters: ReportFilters) -> KpiResult` and registers it
with `register(Kpi(...))` at import time; `reports.apps` imports the KPI modules. Compute
functions are SQL aggregates (no Python loops over rows): Python only shapes grouped rows.
They read only; who may see what is decided by the caller (`reports.permissions`), which also
narrows the filters (a clinician with "own" access gets `provider_id` forced to their own).

Periods are calendar dates in the practice's time zone; `end` is inclusive. The series has one
point per period of `grain` that overlaps [start, end] (day, ISO week starting Monday, month),
in date order, each labelled with the period's first day; a period with nothing to measure has
`value=None` (a gap in the chart, an empty cell in the table), never 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from medoffice.core.permissions import Capability


class Section(StrEnum):
    ACCESS = "access"  # access and patient flow
    REVENUE = "revenue"
    PRODUCTIVITY = "productivity"


class Unit(StrEnum):
    PERCENT = "percent"  # values are percentages, 0-100, e.g. Decimal("7.5")
    DAYS = "days"
    MINUTES = "minutes"
    MONEY = "money"  # dollars, Decimal with cents
    COUNT = "count"


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Filter(StrEnum):
    """The filters a KPI honours; the page shows only these."""

    LOCATION = "location"
    DEPARTMENT = "department"
    PROVIDER = "provider"
    PAYER = "payer"


@dataclass(frozen=True)
class ReportFilters:
    start: date
    end: date  # inclusive
    grain: Grain = Grain.MONTH
    location_id: int | None = None
    department_id: int | None = None
    provider_id: int | None = None  # scheduling.Provider pk
    payer_id: int | None = None  # patients.Payer pk


@dataclass(frozen=True)
class Target:
    """An industry rule of thumb (kpis.md); a practice may override `value` (KpiTarget)."""

    value: Decimal
    better: str  # "lower" or "higher": which side of the line is good
    label: str  # as people say it: "< 5%", "≥ 95%", "≤ 14 days"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: Unit | None = None  # None: text


@dataclass
class Point:
    period: date  # first day of the period
    value: Decimal | None


@dataclass
class Series:
    label: str  # "No-show rate", or one line per provider/reason when the KPI splits
    points: list[Point]


@dataclass
class KpiResult:
    """What the page, the exports and the scheduled e-mails show for one KPI and filters."""

    headline: Decimal | None  # the KPI over the whole range (None: nothing to measure)
    series: list[Series]  # the chart; the first series is the KPI itself
    columns: list[Column]  # the table behind the chart
    rows: list[dict[str, Any]]  # keyed by Column.key; optional "_url" key: drill-down link
    # The list of records behind the figure, filtered identically (kpis.md: "links to the rows
    # behind it"); None when there is no such list page.
    drilldown_url: str | None = None
    notes: list[str] = field(default_factory=list)  # e.g. "measured 90 days after service"


@dataclass(frozen=True)
class Kpi:
    key: str  # URL slug: "no_show_rate"
    title: str
    section: Section
    capability: Capability  # Capability.REPORTS_ACCESS or Capability.REPORTS_REVENUE
    unit: Unit
    definition: str  # one sentence, from kpis.md, shown under the title
    compute: Callable[[ReportFilters], KpiResult]
    filters: frozenset[Filter] = frozenset()
    target: Target | None = None
    order: int = 100  # place within its section


_kpis: dict[str, Kpi] = {}


def register(kpi: Kpi) -> Kpi:
    if kpi.key in _kpis and _kpis[kpi.key] is not kpi:
        raise ValueError(f"KPI {kpi.key!r} is registered twice")
    _kpis[kpi.key] = kpi
    return kpi


def get(key: str) -> Kpi | None:
    return _kpis.get(key)


def all_kpis() -> list[Kpi]:
    return sorted(_kpis.values(), key=lambda k: (list(Section).index(k.section), k.order, k.key))
