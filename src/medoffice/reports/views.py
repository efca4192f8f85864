"""The KPI report pages: the index, one KPI (filters, chart, table), exports, the target form.

Every page needs one of the report capabilities (REPORTS_RULE); each KPI then checks its own
capability and narrows the filters (permissions.scoped_filters). The figures are aggregates,
never patients, so the pages log no patient reads; exports are audited as exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_record
from medoffice.core.access import requires_role
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import RoleCode
from medoffice.patients.views_common import is_htmx
from medoffice.reports import exports, selectors, services
from medoffice.reports import kpi as registry
from medoffice.reports.forms import KpiFilterForm, KpiTargetForm
from medoffice.reports.kpi import Kpi, KpiResult, ReportFilters
from medoffice.reports.permissions import (
    REPORT_ROLES,
    own_provider_id,
    own_provider_only,
    require_kpi,
    require_own_provider,
    scoped_filters,
)
from medoffice.reports.svg import format_value, line_chart


@dataclass
class Cell:
    text: str
    numeric: bool


def _kpi_or_404(key: str) -> Kpi:
    kpi = registry.get(key)
    if kpi is None:
        raise Http404("No such report.")
    return kpi


def _filter_form(request: AuthedRequest, kpi: Kpi) -> KpiFilterForm:
    """The bound filter form; a clinician asking for another provider is refused (403)."""
    own = own_provider_id(request.user) if own_provider_only(request.user, kpi) else None
    raw = request.GET.get("provider", "")
    if own is not None and raw.isdigit():
        require_own_provider(request.user, kpi, int(raw))
    data = {k: v for k, v in request.GET.items() if k != "provider" or own is None}
    return KpiFilterForm(kpi, data, choices=selectors.filter_choices(), own_provider=own)


def _report(request: AuthedRequest, kpi: Kpi) -> tuple[KpiFilterForm, ReportFilters | None]:
    """The form, and the scoped filters when the form is valid (else None)."""
    require_kpi(request.user, kpi)  # before parsing: a refusal does not depend on the input
    form = _filter_form(request, kpi)
    if not form.is_valid():
        return form, None
    return form, scoped_filters(request.user, kpi, form.filters())


def _table(result: KpiResult) -> list[tuple[str | None, list[Cell]]]:
    return [
        (row.get("_url"),
         [Cell(format_value(row.get(c.key), c.unit) if c.unit else _text(row.get(c.key)),
               c.unit is not None) for c in result.columns])
        for row in result.rows
    ]  # fmt: skip


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _context(request: AuthedRequest, kpi: Kpi) -> dict[str, Any]:
    form, filters = _report(request, kpi)
    target = selectors.effective_target(kpi)
    context: dict[str, Any] = {"kpi": kpi, "form": form, "target": target, "filters": filters,
                               "own_only": own_provider_only(request.user, kpi)}  # fmt: skip
    if filters is None:
        return context
    result = selectors.kpi_result(kpi, filters)
    context.update(
        result=result,
        headline=format_value(result.headline, kpi.unit),
        target_text=format_value(target.value, kpi.unit, places=2) if target else "",
        chart=mark_safe(line_chart(result.series, kpi.unit, target, title=kpi.title)),
        # A phone shrinks a 720-wide chart's text to a few pixels: it gets its own, drawn for
        # its width (the stylesheet shows one of the two; the hidden one is not read out).
        chart_narrow=mark_safe(
            line_chart(
                result.series,
                kpi.unit,
                target,
                title=kpi.title,
                width=360,
                height=260,
                css_class="line-chart narrow",
            )
        ),
        table=_table(result),
        scope=selectors.describe_filters(kpi, filters),
        query=form.query(),
    )
    return context


@requires_role(*REPORT_ROLES)
def index(request: AuthedRequest) -> HttpResponse:
    visible = selectors.kpis_visible_to(request.user)
    targets = selectors.effective_targets(visible)
    sections = [
        (label, [(k, targets.get(k.key)) for k in kpis])
        for label, kpis in selectors.kpis_by_section(visible)
    ]
    return render(request, "reports/index.html", {"sections": sections})


@requires_role(*REPORT_ROLES)
def kpi_page(request: AuthedRequest, key: str) -> HttpResponse:
    kpi = _kpi_or_404(key)
    context = _context(request, kpi)
    # Going back in history, htmx asks for the whole page again (with HX-Request set).
    if is_htmx(request) and not request.headers.get("HX-History-Restore-Request"):
        response = render(request, "reports/partials/kpi_body.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    context["may_set_target"] = (
        kpi.target is not None and RoleCode.MANAGER in request.user.effective_role_codes()
    )
    if context["may_set_target"]:
        context["target_form"] = KpiTargetForm(
            initial={"value": context["target"].value if context["target"] else None}
        )
    response = render(request, "reports/kpi.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@requires_role(*REPORT_ROLES)
def kpi_export(request: AuthedRequest, key: str, fmt: str) -> HttpResponse:
    kpi = _kpi_or_404(key)
    if fmt not in exports.CONTENT_TYPES:
        raise Http404("No such format.")
    form, filters = _report(request, kpi)
    if filters is None:
        return HttpResponse(
            "The filters are not valid: " + "; ".join(
                f"{field}: {' '.join(errs)}" for field, errs in form.errors.items()
            ), status=400, content_type="text/plain; charset=utf-8",
        )  # fmt: skip
    result = selectors.kpi_result(kpi, filters)
    target = selectors.effective_target(kpi)
    if fmt == "csv":
        content = exports.export_csv(kpi, filters, result)
    elif fmt == "xlsx":
        content = exports.export_xlsx(kpi, filters, result, target)
    else:
        content = exports.export_pdf(kpi, filters, result, target)
    audit_record(
        action=AuditAction.EXPORT, actor=request.user, object_type="kpi_report",
        object_id=kpi.key, details={"format": fmt, **_audit_scope(filters)},
    )  # fmt: skip
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    filename = exports.export_filename(kpi, filters, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _audit_scope(filters: ReportFilters) -> dict[str, Any]:
    return {"start": filters.start.isoformat(), "end": filters.end.isoformat(),
            "grain": str(filters.grain), "location_id": filters.location_id,
            "department_id": filters.department_id, "provider_id": filters.provider_id,
            "payer_id": filters.payer_id}  # fmt: skip


@requires_role(RoleCode.MANAGER)
@require_POST
def kpi_target(request: AuthedRequest, key: str) -> HttpResponse:
    kpi = _kpi_or_404(key)
    back = redirect("reports:kpi", key=kpi.key)
    if "clear" in request.POST:
        if services.kpi_target_clear(kpi_key=kpi.key, actor=request.user):
            messages.success(request, "The industry target applies again.")
        return back
    form = KpiTargetForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the target as a number, e.g. 8 or 92.5.")
        return back
    try:
        services.kpi_target_set(
            kpi_key=kpi.key, value=form.cleaned_data["value"], actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    messages.success(request, "The practice's target is saved.")
    return back
