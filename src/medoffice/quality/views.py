"""Quality-improvement initiative pages: the list, one initiative with its chart, the forms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from medoffice.core.access import deny, requires_role
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import RoleCode
from medoffice.quality import selectors, services
from medoffice.quality.chart import initiative_chart_svg
from medoffice.quality.forms import CycleForm, InitiativeEditForm, InitiativeForm
from medoffice.quality.models import Initiative, PdsaCycle
from medoffice.reports import kpi as kpi_registry
from medoffice.reports.permissions import REPORT_ROLES

manager_only = requires_role(RoleCode.MANAGER)
# Roles that see some report; each initiative then needs its goal metric's access.
report_roles = requires_role(*REPORT_ROLES)


def _attach(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _may_manage(request: AuthedRequest) -> bool:
    return RoleCode.MANAGER in request.user.effective_role_codes()


@report_roles
def initiative_list(request: AuthedRequest) -> HttpResponse:
    rows = [
        (i, kpi_registry.get(i.kpi_key)) for i in selectors.initiatives_visible_to(request.user)
    ]
    context = {"rows": rows, "may_manage": _may_manage(request)}
    return render(request, "quality/list.html", context)


@report_roles
def initiative_detail(request: AuthedRequest, initiative_id: int) -> HttpResponse:
    from medoffice.reports.permissions import can_view_kpi

    initiative = get_object_or_404(Initiative.objects.select_related("owner"), pk=initiative_id)
    kpi = kpi_registry.get(initiative.kpi_key)
    if kpi is None or not can_view_kpi(request.user, kpi):
        raise deny(
            request.user, "Your role does not give access to this initiative's metric.",
            object_type="qi_initiative", object_id=str(initiative.pk),
        )  # fmt: skip
    chart = selectors.initiative_chart(initiative, request.user)
    context = {
        "initiative": initiative, "kpi": kpi, "chart": chart,
        "chart_svg": initiative_chart_svg(chart),
        "figures": selectors.outcome_figures(chart.outcome, kpi.unit, initiative.grain),
        "cycles": selectors.initiative_cycles(initiative),
        "may_manage": _may_manage(request),
    }  # fmt: skip
    return render(request, "quality/detail.html", context)


@manager_only
def initiative_new(request: AuthedRequest) -> HttpResponse:
    form = InitiativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, "The initiative is started.")
            return redirect("quality:detail", initiative_id=initiative.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "initiative": None}
    return render(request, "quality/initiative_form.html", context, status=status)


@manager_only
def initiative_edit(request: AuthedRequest, initiative_id: int) -> HttpResponse:
    initiative = get_object_or_404(Initiative, pk=initiative_id)
    initial = {
        "title": initiative.title, "problem": initiative.problem, "status": initiative.status,
        "baseline_value": initiative.baseline_value, "target_value": initiative.target_value,
        "owner": initiative.owner_id, "start_date": initiative.start_date,
    }  # fmt: skip
    form = InitiativeEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.initiative_update(
                actor=request.user, initiative=initiative, **form.cleaned_data
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, "The initiative is saved.")
            return redirect("quality:detail", initiative_id=initiative.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "initiative": initiative}
    return render(request, "quality/initiative_form.html", context, status=status)


def _cycle_form(
    request: AuthedRequest, initiative: Initiative, cycle: PdsaCycle | None
) -> HttpResponse:
    initial: dict[str, Any] = {}
    if cycle is not None:
        initial = {f: getattr(cycle, f) for f in CycleForm.base_fields}
    form = CycleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if cycle is None:
                services.pdsa_cycle_add(
                    actor=request.user, initiative=initiative, **form.cleaned_data
                )
            else:
                services.pdsa_cycle_update(actor=request.user, cycle=cycle, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, "The cycle is saved.")
            return redirect("quality:detail", initiative_id=initiative.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "initiative": initiative, "cycle": cycle}
    return render(request, "quality/cycle_form.html", context, status=status)


@manager_only
def cycle_new(request: AuthedRequest, initiative_id: int) -> HttpResponse:
    return _cycle_form(request, get_object_or_404(Initiative, pk=initiative_id), None)


@manager_only
def cycle_edit(request: AuthedRequest, initiative_id: int, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(
        PdsaCycle.objects.select_related("initiative"), pk=cycle_id, initiative_id=initiative_id
    )
    return _cycle_form(request, cycle.initiative, cycle)
