"""Pages of patient accounts: statement runs and PDFs, payment plans, collections."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from medoffice.audit.services import audit_patients_shown
from medoffice.billing import plans, statements
from medoffice.billing.forms_accounts import (
    CollectionsForm,
    PaymentPlanForm,
    PlanCloseForm,
    StatementRunForm,
)
from medoffice.billing.models import Statement
from medoffice.billing.services import require_ledger_access
from medoffice.billing.views import _errors, _patient
from medoffice.billing.views_ar import AR_ROLES
from medoffice.core.access import requires_patient, requires_role
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need, RoleCode

RECENT_STATEMENTS = 50


@requires_role(*AR_ROLES)
def statement_list(request: AuthedRequest, form: Any = None) -> HttpResponse:
    recent = list(
        Statement.objects.select_related("patient").order_by("-created_at", "-pk")[
            :RECENT_STATEMENTS
        ]
    )
    audit_patients_shown(
        patient_ids=[s.patient_id for s in recent], view="billing_statements", actor=request.user,
        patient_refs={s.patient_id: s.patient.mrn for s in recent},
    )  # fmt: skip
    context = {
        "runs": statements.recent_runs(),
        "recent": recent,
        "form": form or StatementRunForm(),
        "can_run": RoleCode.BILLER in request.user.effective_role_codes(),
        "skip_reasons": statements.SKIP_REASONS,
    }
    return render(request, "billing/statement_list.html", context)


@requires_role(RoleCode.BILLER)
@require_POST
def statement_run(request: AuthedRequest) -> HttpResponse:
    form = StatementRunForm(request.POST)
    if form.is_valid():
        try:
            run = statements.statements_run(
                actor=request.user, minimum_balance=form.cleaned_data["minimum_balance"]
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "The statements are being made.")
            if run.job_id:
                return redirect("core:job_detail", job_id=run.job_id)
            return redirect("billing:statement_list")
    return statement_list.__wrapped__(request, form=form)  # type: ignore[attr-defined]


@requires_role(*AR_ROLES)
def statement_pdf(request: AuthedRequest, statement_id: int) -> HttpResponse:
    statement = get_object_or_404(Statement.objects.select_related("patient"), pk=statement_id)
    require_ledger_access(request.user, statement.patient_id)
    pdf = statements.statement_print(statement=statement, actor=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="statement-{statement.patient.mrn}-{statement.statement_date}.pdf"'
    )
    return response


@requires_role(RoleCode.BILLER)
@require_POST
def statement_sent(request: AuthedRequest, statement_id: int) -> HttpResponse:
    try:
        statements.statement_mark_sent(statement_id=statement_id, actor=request.user)
    except ValidationError as exc:
        if "No such statement." in exc.messages:
            raise Http404("No such statement") from None
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Marked as sent.")
    return redirect("billing:statement_list")


@requires_patient(Capability.BILLING, Need.EDIT)
def plan_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(patient_id)
    require_ledger_access(request.user, patient.pk, Need.EDIT)
    form = PaymentPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plans.plan_create(
                patient_id=patient.pk, total=data["total"],
                installment_amount=data["installment_amount"],
                first_due_date=data["first_due_date"], note=data["note"], actor=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "Payment plan agreed.")
            return redirect("billing:patient_ledger", patient_id=patient.pk)
    context = {"patient": patient, "form": form, "plan": plans.active_plan(patient.pk)}
    return render(request, "billing/plan_new.html", context, status=400 if form.errors else 200)


@requires_patient(Capability.BILLING, Need.EDIT)
@require_POST
def plan_close(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(patient_id)
    require_ledger_access(request.user, patient.pk, Need.EDIT)
    form = PlanCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose defaulted or cancelled.")
    else:
        try:
            plans.plan_close(patient_id=patient.pk, status=form.cleaned_data["status"],
                             note=form.cleaned_data["note"], actor=request.user)  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "The payment plan is closed.")
    return redirect("billing:patient_ledger", patient_id=patient.pk)


@requires_patient(Capability.BILLING, Need.EDIT)
def collections_edit(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(patient_id)
    require_ledger_access(request.user, patient.pk, Need.EDIT)
    account = plans.account_of(patient.pk)
    initial = {"in_collections": bool(account and account.collections_status == "collections"),
               "agency": account.agency if account else "",
               "sent_on": account.sent_on if account else None}  # fmt: skip
    # Unticking the box posts nothing else: an empty POST is still a submission.
    form = CollectionsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["in_collections"]:
                plans.collections_set(patient_id=patient.pk, agency=data["agency"],
                                      sent_on=data["sent_on"], actor=request.user)  # fmt: skip
            else:
                plans.collections_clear(patient_id=patient.pk, actor=request.user)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "Collections status saved.")
            return redirect("billing:patient_ledger", patient_id=patient.pk)
    context = {"patient": patient, "form": form, "account": account}
    return render(
        request, "billing/collections_edit.html", context, status=400 if form.errors else 200
    )
