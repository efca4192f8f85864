"""Compliance pages: the audit log, access reports, emergency-access review, chain checks."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from medoffice.accounts.selectors import staff_ids_sharing_locations
from medoffice.audit import selectors, services
from medoffice.audit.forms import AuditFilterForm, EmergencyAccessForm, FlagForm, ReviewForm
from medoffice.audit.models import AuditAction, AuditEvent, EmergencyAccess
from medoffice.audit.tasks import verify_audit_chain
from medoffice.core import jobs
from medoffice.core.access import authenticated, own_only, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need


def _scoped_events(request: AuthedRequest, form: AuditFilterForm) -> Any:
    # Office managers see their own staff's entries; compliance sees everything.
    staff = (
        staff_ids_sharing_locations(request.user)
        if own_only(request.user, Capability.AUDIT_LOG)
        else None
    )
    return selectors.audit_events(form.to_filter(), staff_ids=staff)


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@requires(Capability.AUDIT_LOG)
def event_list(request: AuthedRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = _scoped_events(request, form)
    # Pages by position in the log (no count of a million rows); read before the entry below.
    page = selectors.audit_event_page(
        events, before=_int_param(request, "before"), after=_int_param(request, "after")
    )
    flt = form.to_filter()
    context: dict[str, Any] = {"form": form, "page": page, "query": request.GET.copy()}
    context["query"].pop("before", None)
    context["query"].pop("after", None)
    if flt.patient:
        context["by_user"] = selectors.access_summary_by_user(events)
    if flt.username:
        context["by_patient"] = selectors.access_summary_by_patient(events)
    services.audit_record(
        action=AuditAction.VIEW_LIST,
        object_type="audit_log",
        details={
            "filter": {
                k: str(v)
                for k, v in (form.cleaned_data if form.is_bound and form.is_valid() else {}).items()
                if v
            }
        },
    )
    return render(request, "audit/event_list.html", context)


@requires(Capability.AUDIT_LOG)
def event_export(request: AuthedRequest) -> StreamingHttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = _scoped_events(request, form)
    services.audit_record(
        action=AuditAction.EXPORT,
        object_type="audit_log",
        details={"format": "csv", "filter": {k: str(v) for k, v in request.GET.items()}},
    )

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(selectors.CSV_COLUMNS)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(selectors.csv_row(event))

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


@requires(Capability.AUDIT_LOG, Need.EDIT)
def emergency_list(request: AuthedRequest) -> HttpResponse:
    pending_only = request.GET.get("show") != "all"
    grants = selectors.emergency_accesses(unreviewed_only=pending_only)[:200]
    return render(
        request,
        "audit/emergency_list.html",
        {"grants": grants, "pending_only": pending_only, "review_form": ReviewForm()},
    )


@requires(Capability.AUDIT_LOG, Need.EDIT)
@require_POST
def emergency_review(request: AuthedRequest, grant_id: int) -> HttpResponse:
    grant = get_object_or_404(EmergencyAccess, pk=grant_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.emergency_access_review(
                actor=request.user,
                grant=grant,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, "Review recorded.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Choose an outcome.")
    return redirect("audit:emergency_list")


@authenticated
def emergency_new(request: AuthedRequest) -> HttpResponse:
    """Break the glass. Only roles whose matrix cell says BG can complete it (the service checks)."""
    patient = request.GET.get("patient") or request.POST.get("patient") or ""
    nxt = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(nxt, {request.get_host()}):
        nxt = ""
    if not patient.isdigit():
        messages.error(request, "Open emergency access from the patient's record.")
        return redirect("core:home")
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.emergency_access_grant(
                actor=request.user, patient_id=int(patient), reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.warning(
                request, "Emergency access granted. It is logged and will be reviewed."
            )
            return redirect(nxt or "core:home")
    return render(
        request,
        "audit/emergency_new.html",
        {"form": form, "patient": patient, "next": nxt},
        status=400 if form.errors else 200,
    )


@requires(Capability.AUDIT_LOG, Need.EDIT)
@require_POST
def chain_verify(request: AuthedRequest) -> HttpResponse:
    run = jobs.enqueue(verify_audit_chain, actor=request.user, idempotency_key="audit-verify")
    return redirect("core:job_detail", job_id=run.pk)


@requires(Capability.AUDIT_LOG, Need.EDIT)
@require_POST
def event_flag(request: AuthedRequest, seq: int) -> HttpResponse:
    event = get_object_or_404(AuditEvent, seq=seq)
    form = FlagForm(request.POST)
    if form.is_valid():
        services.audit_flag_add(actor=request.user, event=event, note=form.cleaned_data["note"])
        messages.success(request, f"Entry #{seq} flagged.")
    else:
        messages.error(request, "Say why you flag this entry.")
    back = request.POST.get("back") or ""
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)
    return redirect("audit:event_list")
