"""Reads of the reports app: the KPIs a user may see, targets, results, the filters' choices."""

from __future__ import annotations

from typing import Any

from medoffice.reports import kpi as registry
from medoffice.reports.kpi import Filter, Grain, Kpi, KpiResult, ReportFilters, Target
from medoffice.reports.models import KpiTarget
from medoffice.reports.permissions import can_view_kpi
from medoffice.reports.svg import format_value

_SYMBOL = {"lower": "≤", "higher": "≥"}
SECTION_LABELS = {
    registry.Section.ACCESS: "Access and flow",
    registry.Section.REVENUE: "Revenue",
    registry.Section.PRODUCTIVITY: "Productivity",
}


def effective_target(kpi: Kpi) -> Target | None:
    """The KPI's target, with the practice's own value when the manager set one."""
    return effective_targets([kpi])[kpi.key]


def effective_targets(kpis: list[Kpi]) -> dict[str, Target | None]:
    """effective_target for many KPIs in one query (the index page). Only a KPI with an
    industry target can be overridden: the direction (lower/higher is better) is the KPI's."""
    if not any(k.target for k in kpis):
        return {k.key: None for k in kpis}
    overrides = dict(
        KpiTarget.objects.filter(kpi_key__in=[k.key for k in kpis]).values_list("kpi_key", "value")
    )
    result: dict[str, Target | None] = {}
    for k in kpis:
        if k.target is None or k.key not in overrides:
            result[k.key] = k.target
            continue
        value = overrides[k.key]
        symbol = _SYMBOL.get(k.target.better, "")
        label = f"{symbol} {format_value(value, k.unit, places=2)} (practice)".strip()
        result[k.key] = Target(value=value, better=k.target.better, label=label)
    return result


def kpi_result(kpi: Kpi, filters: ReportFilters) -> KpiResult:
    """The KPI computed for these (already scoped) filters: the one place to add caching."""
    return kpi.compute(filters)


def kpis_visible_to(user: Any) -> list[Kpi]:
    return [k for k in registry.all_kpis() if can_view_kpi(user, k)]


def kpis_by_section(kpis: list[Kpi]) -> list[tuple[str, list[Kpi]]]:
    sections: dict[registry.Section, list[Kpi]] = {}
    for k in kpis:
        sections.setdefault(k.section, []).append(k)
    return [(SECTION_LABELS[s], sections[s]) for s in registry.Section if s in sections]


def filter_choices() -> dict[str, list[tuple[int, str]]]:
    """The form's choices: active locations, departments, providers and payers, by name."""
    from medoffice.organization.models import Department, Location
    from medoffice.patients.models import Payer
    from medoffice.scheduling.models import Provider

    providers = Provider.objects.filter(is_active=True).order_by(
        "user__last_name", "user__first_name"
    )
    return {
        "location": list(Location.objects.filter(is_active=True).order_by("name").values_list("pk", "name")),
        "department": list(Department.objects.filter(is_active=True).order_by("name").values_list("pk", "name")),
        "provider": [
            (pk, f"{first} {last}".strip() or username)
            for pk, first, last, username in providers.values_list(
                "pk", "user__first_name", "user__last_name", "user__username"
            )
        ],
        "payer": list(Payer.objects.filter(is_active=True).order_by("name").values_list("pk", "name")),
    }  # fmt: skip


def describe_filters(kpi: Kpi, filters: ReportFilters) -> list[tuple[str, str]]:
    """The report's scope in words (page headers, exports): period, grain, each filter."""
    from medoffice.organization.models import Department, Location
    from medoffice.patients.models import Payer
    from medoffice.scheduling.models import Provider

    grain = {Grain.DAY: "day", Grain.WEEK: "week", Grain.MONTH: "month"}[filters.grain]
    lines = [("Period", f"{filters.start.isoformat()} to {filters.end.isoformat()}"),
             ("By", grain)]  # fmt: skip
    lookups: list[tuple[Filter, str, Any, int | None]] = [
        (Filter.LOCATION, "Location", Location, filters.location_id),
        (Filter.DEPARTMENT, "Department", Department, filters.department_id),
        (Filter.PROVIDER, "Provider", Provider, filters.provider_id),
        (Filter.PAYER, "Payer", Payer, filters.payer_id),
    ]
    for flt, label, model, pk in lookups:
        if flt not in kpi.filters:
            continue
        if pk is None:
            lines.append((label, f"All {label.lower()}s"))
            continue
        obj = model.objects.filter(pk=pk).first()
        lines.append((label, str(obj) if obj is not None else f"#{pk}"))
    return lines
