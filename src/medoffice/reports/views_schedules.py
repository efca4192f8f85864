"""The office manager's report schedules: list, create, edit, delete, send now, past runs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from medoffice.core.access import requires_role
from medoffice.core.http import AuthedRequest
from medoffice.core.jobs import enqueue
from medoffice.core.permissions import RoleCode
from medoffice.reports import kpi as kpi_registry
from medoffice.reports import selectors_schedules as selectors
from medoffice.reports import services_schedules as services
from medoffice.reports.forms_schedules import ScheduleForm
from medoffice.reports.models_schedules import RelativePeriod, ReportSchedule

manager_only = requires_role(RoleCode.MANAGER)


def _describe(schedule: ReportSchedule) -> dict[str, Any]:
    kpi = kpi_registry.get(schedule.kpi_key)
    return {
        "schedule": schedule,
        "title": kpi.title if kpi else f"{schedule.kpi_key} (no longer available)",
        "period": RelativePeriod(schedule.period).label,
        "filters": selectors.filter_labels(schedule.filters or {}),
    }


@manager_only
def schedule_list(request: AuthedRequest) -> HttpResponse:
    rows = [_describe(s) for s in selectors.schedule_list()]
    return render(request, "reports/schedules/list.html", {"rows": rows})


@manager_only
def schedule_detail(request: AuthedRequest, schedule_id: int) -> HttpResponse:
    schedule = get_object_or_404(selectors.schedule_list(), pk=schedule_id)
    context = _describe(schedule) | {
        "runs": selectors.schedule_runs(schedule),
        "send_job": selectors.schedule_send_job(schedule),
    }
    return render(request, "reports/schedules/detail.html", context)


def _attach(form: ScheduleForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@manager_only
def schedule_new(request: AuthedRequest) -> HttpResponse:
    initial = {"kpi_key": request.GET.get("kpi", "")[:60]}
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            schedule = services.schedule_create(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, "The report is scheduled.")
            return redirect("report_schedules:detail", schedule_id=schedule.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "schedule": None}
    return render(request, "reports/schedules/form.html", context, status=status)


@manager_only
def schedule_edit(request: AuthedRequest, schedule_id: int) -> HttpResponse:
    schedule = get_object_or_404(ReportSchedule, pk=schedule_id)
    form = ScheduleForm.for_schedule(schedule, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.schedule_update(actor=request.user, schedule=schedule, **form.service_kwargs())
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, "The schedule is saved.")
            return redirect("report_schedules:detail", schedule_id=schedule.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "schedule": schedule}
    return render(request, "reports/schedules/form.html", context, status=status)


@manager_only
@require_POST
def schedule_delete(request: AuthedRequest, schedule_id: int) -> HttpResponse:
    schedule = get_object_or_404(ReportSchedule, pk=schedule_id)
    services.schedule_delete(actor=request.user, schedule=schedule)
    messages.success(request, "The schedule is deleted.")
    return redirect("report_schedules:list")


@manager_only
@require_POST
def schedule_send_now(request: AuthedRequest, schedule_id: int) -> HttpResponse:
    from medoffice.reports.tasks import send_report_schedule_now

    schedule = get_object_or_404(ReportSchedule, pk=schedule_id)
    enqueue(
        send_report_schedule_now, schedule.pk, actor=request.user,
        idempotency_key=selectors.send_now_key(schedule),
    )  # fmt: skip
    messages.success(request, "The report is being sent; the run appears below when done.")
    return redirect("report_schedules:detail", schedule_id=schedule.pk)
