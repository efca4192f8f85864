"""The KPI reports' JSON API: the KPIs the caller may see, and one KPI's figures.
(No `from __future__ import annotations` here: ninja reads the annotations.)

Figures are strings ("7.5", "1234.50"): JSON numbers would turn Decimals into floats.
"""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from medoffice.core.access import api_rule
from medoffice.reports import kpi as registry
from medoffice.reports import selectors
from medoffice.reports.forms import KpiFilterForm
from medoffice.reports.kpi import Kpi, Target
from medoffice.reports.permissions import (
    REPORTS_RULE,
    own_provider_id,
    own_provider_only,
    require_kpi,
    require_own_provider,
    scoped_filters,
)

router = Router(tags=["reports"])

QUERY_KEYS = ("start", "end", "grain", "location", "department", "provider", "payer")


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class TargetOut(Schema):
    value: str
    better: str
    label: str


class KpiOut(Schema):
    key: str
    title: str
    section: str
    unit: str
    definition: str
    filters: list[str]
    target: TargetOut | None


class PointOut(Schema):
    period: date
    value: str | None


class SeriesOut(Schema):
    label: str
    points: list[PointOut]


class ColumnOut(Schema):
    key: str
    label: str
    unit: str | None


class ResultOut(Schema):
    kpi: KpiOut
    start: date
    end: date
    grain: str
    location_id: int | None
    department_id: int | None
    provider_id: int | None
    payer_id: int | None
    headline: str | None
    series: list[SeriesOut]
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    drilldown_url: str | None
    notes: list[str]


def _text(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # Decimal and anything else


def _target(target: Target | None) -> dict[str, str] | None:
    if target is None:
        return None
    return {"value": str(target.value), "better": target.better, "label": target.label}


def _kpi(kpi: Kpi, target: Target | None) -> dict[str, Any]:
    return {"key": kpi.key, "title": kpi.title, "section": str(kpi.section),
            "unit": str(kpi.unit), "definition": kpi.definition,
            "filters": sorted(str(f) for f in kpi.filters), "target": _target(target)}  # fmt: skip


@router.get("/", response=list[KpiOut], summary="The KPIs the caller may see, in menu order")
@api_rule(REPORTS_RULE)
def kpi_list(request: HttpRequest) -> Any:
    visible = selectors.kpis_visible_to(request.user)
    targets = selectors.effective_targets(visible)
    return [_kpi(k, targets[k.key]) for k in visible]


@router.get(
    "/{key}",
    response={200: ResultOut, 400: ErrorOut, 404: ErrorOut},
    summary="One KPI for a date range (start, end, grain) and the filters it honours",
)
@api_rule(REPORTS_RULE)
def kpi_detail(request: HttpRequest, key: str) -> Any:
    kpi = registry.get(key)
    if kpi is None:
        return Status(404, {"detail": "No such report."})
    require_kpi(request.user, kpi)
    own = own_provider_id(request.user) if own_provider_only(request.user, kpi) else None
    data = {k: request.GET[k] for k in QUERY_KEYS if k in request.GET}
    if own is not None and "provider" in data:
        if not data["provider"].isdigit():
            return Status(
                400, {"detail": "Invalid filters", "errors": {"provider": ["Not a number."]}}
            )
        require_own_provider(request.user, kpi, int(data.pop("provider")))
    form = KpiFilterForm(kpi, data, choices=selectors.filter_choices(), own_provider=own)
    if not form.is_valid():
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        return Status(400, {"detail": "Invalid filters", "errors": errors})
    filters = scoped_filters(request.user, kpi, form.filters())
    result = selectors.kpi_result(kpi, filters)
    return {
        "kpi": _kpi(kpi, selectors.effective_target(kpi)),
        "start": filters.start, "end": filters.end, "grain": str(filters.grain),
        "location_id": filters.location_id, "department_id": filters.department_id,
        "provider_id": filters.provider_id, "payer_id": filters.payer_id,
        "headline": _text(result.headline),
        "series": [{"label": s.label, "points": [{"period": p.period, "value": _text(p.value)}
                                                 for p in s.points]} for s in result.series],
        "columns": [{"key": c.key, "label": c.label, "unit": str(c.unit) if c.unit else None}
                    for c in result.columns],
        "rows": [{k: _text(v) for k, v in row.items()} for row in result.rows],
        "drilldown_url": result.drilldown_url,
        "notes": list(result.notes),
    }  # fmt: skip
