"""Billing pages: a patient's ledger, payments on account, write-offs and refunds (with the
manager's approvals), fee schedules, month-end close and the accounting export."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from medoffice.audit.services import audit_record
from medoffice.billing import export, fees, selectors, services
from medoffice.billing.forms import (
    AdjustmentForm,
    DecisionForm,
    FeeItemForm,
    FeeScheduleForm,
    PaymentForm,
    PeriodForm,
)
from medoffice.billing.models import FeeSchedule
from medoffice.core.access import can, own_only, requires, requires_patient
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need


def _errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _patient(patient_id: int) -> Any:
    from medoffice.patients.models import Patient

    return get_object_or_404(Patient, pk=patient_id)


@requires_patient(Capability.BILLING)
def patient_ledger(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(patient_id)
    services.require_ledger_access(request.user, patient.pk)
    audit_record(action="view", actor=request.user, object_type="patient_ledger",
                 object_id=patient.pk, patient_id=patient.pk)  # fmt: skip
    context = {
        "patient": patient,
        "lines": selectors.patient_ledger(patient.pk),
        "balance": selectors.patient_balance(patient.pk),
        "payers": selectors.patient_payer_balances(patient.pk),
        "can_post": can(request.user, Capability.BILLING, Need.EDIT)
        and not own_only(request.user, Capability.BILLING, Need.EDIT),
        "can_adjust": can(request.user, Capability.REFUNDS_WRITEOFFS, Need.REQUEST),
        **_account_context(request, patient.pk),
    }
    return render(request, "billing/patient_ledger.html", context)


def _account_context(request: AuthedRequest, patient_id: int) -> dict[str, Any]:
    """Statements, payment plans and collections status shown on the ledger page."""
    from medoffice.billing import plans, statements
    from medoffice.billing.views_ar import AR_ROLES

    return {
        "can_print": bool(set(AR_ROLES) & request.user.effective_role_codes()),
        "statements": list(statements.patient_statements(patient_id)[:24]),
        "plan": plans.active_plan(patient_id),
        "account": plans.account_of(patient_id),
    }


@requires_patient(Capability.BILLING, Need.EDIT)
def payment_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(patient_id)
    services.require_ledger_access(request.user, patient.pk, Need.EDIT)
    form = PaymentForm(request.POST or None, initial={"idempotency_key": secrets.token_hex(16)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.payment_post(
                patient_id=patient.pk, amount=data["amount"], method=data["method"],
                reference=data["reference"], actor=request.user,
                idempotency_key=data["idempotency_key"],
            )  # fmt: skip
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "Payment posted.")
            return redirect("billing:patient_ledger", patient_id=patient.pk)
    return render(request, "billing/payment_new.html", {"patient": patient, "form": form})


@requires(Capability.REFUNDS_WRITEOFFS)
def adjustment_list(request: AuthedRequest) -> HttpResponse:
    context = {
        "pending": list(selectors.pending_requests()),
        "recent": list(selectors.recent_requests()),
        "can_approve": can(request.user, Capability.REFUNDS_WRITEOFFS, Need.APPROVE),
        "can_request": can(request.user, Capability.REFUNDS_WRITEOFFS, Need.REQUEST),
        "decision_form": DecisionForm(),
    }
    return render(request, "billing/adjustment_list.html", context)


@requires(Capability.REFUNDS_WRITEOFFS, Need.REQUEST)
def adjustment_new(request: AuthedRequest) -> HttpResponse:
    form = AdjustmentForm(request.POST or None, initial={"patient_id": request.GET.get("patient")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "refund":
                if data["patient_id"] is None or data["claim_id"] is not None:
                    raise ValidationError({"patient_id": "A refund names a patient (no claim)."})
                made = services.refund_request(patient_id=data["patient_id"], amount=data["amount"],
                                               reason=data["reason"], actor=request.user)  # fmt: skip
            else:
                made = services.writeoff_request(
                    patient_id=data["patient_id"], claim_id=data["claim_id"],
                    amount=data["amount"], reason=data["reason"], actor=request.user,
                )  # fmt: skip
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(
                request,
                "Posted." if made.status == "approved" else "Sent to a manager for approval.",
            )
            return redirect("billing:adjustment_list")
    return render(request, "billing/adjustment_new.html", {"form": form})


@requires(Capability.REFUNDS_WRITEOFFS, Need.APPROVE)
@require_POST
def adjustment_decide(request: AuthedRequest, request_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("billing:adjustment_list")
    decide = (
        services.adjustment_approve
        if form.cleaned_data["decision"] == "approve"
        else services.adjustment_reject
    )
    try:
        decide(request_id=request_id, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        if "No such request." in exc.messages:
            raise Http404("No such request") from None
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Decision recorded.")
    return redirect("billing:adjustment_list")


@requires(Capability.BILLING)
def fee_list(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "billing/fee_list.html",
        {"schedules": selectors.fee_schedules(), "form": FeeScheduleForm(), **_fee_rights(request)},
    )


def _fee_rights(request: AuthedRequest) -> dict[str, bool]:
    return {
        "can_edit": can(request.user, Capability.BILLING, Need.EDIT)
        and not own_only(request.user, Capability.BILLING, Need.EDIT)
    }


@requires(Capability.BILLING, Need.EDIT)
def fee_new(request: AuthedRequest) -> HttpResponse:
    form = FeeScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            schedule = fees.fee_schedule_create(
                payer_id=data["payer"], name=data["name"], effective_from=data["effective_from"],
                effective_to=data["effective_to"], actor=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("billing:fee_detail", schedule_id=schedule.pk)
    return render(request, "billing/fee_new.html", {"form": form})


@requires(Capability.BILLING)
def fee_detail(request: AuthedRequest, schedule_id: int, form: Any = None) -> HttpResponse:
    schedule = get_object_or_404(FeeSchedule.objects.select_related("payer"), pk=schedule_id)
    context = {
        "schedule": schedule,
        "items": selectors.fee_items(schedule),
        "form": form or FeeItemForm(),
        **_fee_rights(request),
    }
    return render(request, "billing/fee_detail.html", context)


@requires(Capability.BILLING, Need.EDIT)
@require_POST
def fee_item_set(request: AuthedRequest, schedule_id: int) -> HttpResponse:
    schedule = get_object_or_404(FeeSchedule, pk=schedule_id)
    form = FeeItemForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            line = fees.fee_line(data["code"], data["modifier"], data["billed"], data["expected"])
            fees.fee_item_set(schedule=schedule, line=line, actor=request.user)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"{line.code} saved.")
            return redirect("billing:fee_detail", schedule_id=schedule.pk)
    return fee_detail.__wrapped__(request, schedule_id=schedule.pk, form=form)  # type: ignore[attr-defined]


@requires(Capability.PERIOD_CLOSE)
def period_list(request: AuthedRequest, form: Any = None) -> HttpResponse:
    context = {
        "periods": selectors.closed_periods(),
        "form": form or PeriodForm(),
        "can_close": can(request.user, Capability.PERIOD_CLOSE, Need.EDIT),
        "formats": export.FORMATS,
    }
    return render(request, "billing/period_list.html", context)


@requires(Capability.PERIOD_CLOSE, Need.EDIT)
@require_POST
def period_close(request: AuthedRequest) -> HttpResponse:
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            period = services.period_close(
                year=form.cleaned_data["year"], month=form.cleaned_data["month"], actor=request.user
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"{period} is closed.")
            return redirect("billing:period_list")
    return period_list.__wrapped__(request, form=form)  # type: ignore[attr-defined]


@requires(Capability.PERIOD_CLOSE)
def period_export(request: AuthedRequest, year: int, month: int, fmt: str) -> HttpResponse:
    try:
        text = export.period_export(year=year, month=month, fmt=fmt)
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from None
    audit_record(action="export", actor=request.user, object_type="accounting_period",
                 object_id=f"{year}-{month:02d}", details={"format": fmt})  # fmt: skip
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="journals-{year}-{month:02d}-{fmt}.csv"'
    )
    return response
