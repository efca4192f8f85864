"""Reads of initiatives, and what the initiative page shows: the chart and "did it work?"."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from medoffice.quality.models import Initiative, PdsaCycle
from medoffice.reports import kpi as kpi_registry
from medoffice.reports.kpi import Grain, Kpi, KpiResult, ReportFilters, Series, Target

CENT = Decimal("0.01")


def period_of(day: date, grain: str) -> date:
    """The first day of the chart period (day, ISO week from Monday, month) holding `day`."""
    if grain == Grain.DAY:
        return day
    if grain == Grain.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def visible_kpi_keys(user: Any) -> list[str]:
    from medoffice.reports.permissions import can_view_kpi

    return [k.key for k in kpi_registry.all_kpis() if can_view_kpi(user, k)]


def initiatives_visible_to(user: Any) -> QuerySet[Initiative]:
    """Initiatives whose goal metric this user's role may see."""
    return (
        Initiative.objects.filter(kpi_key__in=visible_kpi_keys(user))
        .select_related("owner")
        .annotate(cycle_count=Count("cycles"))
        .order_by("status", "-start_date", "pk")
    )


def initiative_cycles(initiative: Initiative) -> list[PdsaCycle]:
    return list(initiative.cycles.order_by("number"))


@dataclass(frozen=True)
class Marker:
    period: date  # the chart period the cycle started in
    label: str  # "PDSA 1"
    start_date: date


@dataclass
class Outcome:
    """ "Did it work?": the baseline, the latest period's value, the change and the goal."""

    baseline: Decimal | None
    latest: Decimal | None
    latest_period: date | None
    change: Decimal | None  # latest - baseline
    target: Decimal
    better: str | None  # "lower" / "higher": which way is an improvement (from the KPI)
    improved: bool | None = None  # moved the better way
    target_met: bool | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class InitiativeChart:
    kpi: Kpi
    filters: ReportFilters
    result: KpiResult
    series: list[Series]
    target: Target
    markers: list[Marker]
    outcome: Outcome
    own_figures: bool  # narrowed to the viewer's own provider (clinicians)


def markers_for(cycles: list[PdsaCycle], grain: str, start: date, end: date) -> list[Marker]:
    """A marker per cycle that started within the chart, at the period it started in."""
    return [
        Marker(
            period=period_of(c.start_date, grain), label=f"PDSA {c.number}", start_date=c.start_date
        )
        for c in cycles
        if start <= c.start_date <= end
    ]


def outcome_of(
    series: Series | None, baseline: Decimal | None, target: Decimal, better: str | None
) -> Outcome:
    latest_point = next(
        (p for p in reversed(series.points) if p.value is not None), None
    ) if series else None  # fmt: skip
    latest = Decimal(str(latest_point.value)).quantize(CENT) if latest_point else None
    outcome = Outcome(
        baseline=baseline, latest=latest, latest_period=latest_point.period if latest_point else None,
        change=(latest - baseline) if latest is not None and baseline is not None else None,
        target=target, better=better,
    )  # fmt: skip
    if outcome.change is not None and better in {"lower", "higher"}:
        outcome.improved = outcome.change < 0 if better == "lower" else outcome.change > 0
    if latest is not None and better in {"lower", "higher"}:
        outcome.target_met = latest <= target if better == "lower" else latest >= target
    return outcome


def initiative_chart(
    initiative: Initiative, user: Any, *, today: date | None = None
) -> InitiativeChart:
    """The goal KPI from the start of the baseline period to today, as this user may see it.

    A clinician (own figures only) gets their own provider's series, and a baseline computed
    the same way, so the comparison stays like with like.
    """
    from medoffice.reports.permissions import scoped_filters
    from medoffice.reports.selectors import kpi_result

    kpi = kpi_registry.get(initiative.kpi_key)
    if kpi is None:
        raise LookupError(f"The goal metric {initiative.kpi_key!r} is no longer available.")
    today = today or timezone.localdate()
    practice = ReportFilters(
        start=initiative.baseline_start, end=max(today, initiative.baseline_end),
        grain=Grain(initiative.grain),
    )  # fmt: skip
    filters = scoped_filters(user, kpi, practice)
    own = filters != practice
    result = kpi_result(kpi, filters)
    baseline = initiative.baseline_value
    if own:
        base_filters = replace(filters, end=initiative.baseline_end)
        headline = kpi_result(kpi, base_filters).headline
        baseline = None if headline is None else Decimal(str(headline)).quantize(CENT)
    better = kpi.target.better if kpi.target else None
    from medoffice.reports.svg import format_value

    # The chart prints "Target <label>".
    label = format_value(initiative.target_value, kpi.unit, places=2)
    target = Target(value=initiative.target_value, better=better or "lower", label=label)
    series = result.series[:1]
    outcome = outcome_of(series[0] if series else None, baseline, initiative.target_value, better)
    markers = markers_for(
        initiative_cycles(initiative), initiative.grain, filters.start, filters.end
    )
    return InitiativeChart(
        kpi=kpi, filters=filters, result=result, series=series, target=target, markers=markers,
        outcome=outcome, own_figures=own,
    )  # fmt: skip


def outcome_figures(outcome: Outcome, unit: Any, grain: str = Grain.MONTH) -> dict[str, str]:
    """The "did it work?" figures as the page prints them (a change in percent is in points)."""
    from medoffice.reports.kpi import Unit
    from medoffice.reports.svg import format_value

    change = "—"
    if outcome.change is not None:
        sign = "+" if outcome.change > 0 else "\u2212" if outcome.change < 0 else "±"
        if unit == Unit.PERCENT:
            size = format_value(abs(outcome.change), Unit.COUNT, places=2)
            change = f"{sign}{size} points"
        else:
            change = f"{sign}{format_value(abs(outcome.change), unit, places=2)}"
    period = outcome.latest_period
    return {
        "baseline": format_value(outcome.baseline, unit, places=2) or "—",
        "latest": format_value(outcome.latest, unit, places=2) or "—",
        "latest_period": _period_label(period, grain) if period else "",
        "change": change,
        "target": format_value(outcome.target, unit, places=2),
    }


def _period_label(period: date, grain: str) -> str:
    if grain == Grain.MONTH:
        return f"{period:%B %Y}"
    if grain == Grain.WEEK:
        return f"week of {period:%Y-%m-%d}"
    return f"{period:%Y-%m-%d}"
