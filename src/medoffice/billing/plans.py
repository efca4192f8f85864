"""Payment plans (a balance paid in monthly installments) and the collections status of a
patient's account. Services authorize first, then write and audit in one transaction."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.billing import selectors
from medoffice.billing.models import (
    Account,
    CollectionsStatus,
    PatientAccount,
    PaymentPlan,
    PlanStatus,
    Posting,
    payment_postings,
)
from medoffice.billing.services import parse_amount, require_ledger_access
from medoffice.core.permissions import Need

MAX_INSTALLMENTS = 36
FIRST_DUE_WITHIN_DAYS = 60
# An installment this many days late puts the plan in default.
GRACE_DAYS = 30
ZERO = Decimal("0.00")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _patient(patient_id: int) -> Any:
    from medoffice.patients.models import Patient

    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        raise ValidationError({"patient_id": "No such patient."})
    return patient


def in_collections(patient_id: int) -> bool:
    return PatientAccount.objects.filter(
        patient_id=patient_id, collections_status=CollectionsStatus.IN_COLLECTIONS
    ).exists()


def active_plan(patient_id: int) -> PaymentPlan | None:
    return PaymentPlan.objects.filter(patient_id=patient_id, status=PlanStatus.ACTIVE).first()


def plan_create(
    *,
    patient_id: int,
    total: Any,
    installment_amount: Any,
    first_due_date: date,
    actor: Any,
    note: str = "",
) -> PaymentPlan:
    """Agree a monthly plan for (part of) what the patient owes: at most 36 installments, the
    first due within 60 days; not for a patient in collections, deceased, or already on one."""
    require_ledger_access(actor, patient_id, Need.EDIT)
    patient = _patient(patient_id)
    total = parse_amount(total, field="total")
    installment = parse_amount(installment_amount, field="installment_amount")
    errors: dict[str, str] = {}
    if installment > total:
        errors["installment_amount"] = "The installment is more than the plan's total."
    elif (total / installment).to_integral_value(ROUND_CEILING) > MAX_INSTALLMENTS:
        errors["installment_amount"] = f"A plan has at most {MAX_INSTALLMENTS} installments."
    balance = selectors.patient_balance(patient_id)
    if total > balance:
        errors["total"] = f"The patient owes ${balance}: a plan cannot be for more."
    today = timezone.localdate()
    if not today <= first_due_date <= today + timedelta(days=FIRST_DUE_WITHIN_DAYS):
        errors["first_due_date"] = (
            f"The first installment is due within {FIRST_DUE_WITHIN_DAYS} days."
        )
    if patient.deceased_date or patient.status == "deceased":
        errors["patient_id"] = "The patient is deceased: settle the estate's account instead."
    elif in_collections(patient_id):
        errors["patient_id"] = "The account is in collections: bring it back first."
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            plan = PaymentPlan.objects.create(
                patient_id=patient_id, total=total, installment_amount=installment,
                start_date=today, first_due_date=first_due_date, next_due_date=first_due_date,
                created_by=actor,
                note=(note or "").strip()[:300],
            )  # fmt: skip
            audit_record(
                action="create", actor=actor, object_type="payment_plan", object_id=plan.pk,
                patient_id=patient_id,
                details={"total": str(total), "installment": str(installment),
                         "first_due": first_due_date.isoformat()},
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError({"patient_id": "The patient already has an active plan."}) from None
    return plan


def plan_close(*, patient_id: int, status: str, actor: Any, note: str = "") -> PaymentPlan:
    """End the patient's active plan as defaulted or cancelled (a stale form moves nothing)."""
    require_ledger_access(actor, patient_id, Need.EDIT)
    if status not in {PlanStatus.DEFAULTED, PlanStatus.CANCELLED}:
        raise ValidationError({"status": "Choose defaulted or cancelled."})
    with transaction.atomic():
        plan = active_plan(patient_id)
        moved = plan is not None and PaymentPlan.objects.filter(
            pk=plan.pk, status=PlanStatus.ACTIVE
        ).update(status=status, closed_at=timezone.now(), note=(note or plan.note)[:300])
        if not moved:
            raise ValidationError("The patient has no active plan.")
        audit_record(action="update", actor=actor, object_type="payment_plan", object_id=plan.pk,
                     patient_id=patient_id, details={"status": status, "note": note})  # fmt: skip
    plan.refresh_from_db()
    return plan


def paid_toward(plan: PaymentPlan, as_of: date) -> Decimal:
    """What the patient paid (net of reversed payments) since the plan started."""
    total = Posting.objects.filter(
        payment_postings((Account.AR_PATIENT,)), patient_id=plan.patient_id,
        effective_date__gte=plan.start_date, effective_date__lte=as_of,
    ).aggregate(total=Sum("amount"))["total"]  # fmt: skip
    return -(total or ZERO).quantize(ZERO)  # SQLite adds decimals as floats


def plan_review(*, plan: PaymentPlan, as_of: date, actor: Any = None) -> PaymentPlan:
    """Bring a plan up to date (the statement run does, before it looks at balances): paid
    installments move the next due date a month each; a settled balance or a fully paid total
    completes the plan; an installment more than 30 days late defaults it."""
    if plan.status != PlanStatus.ACTIVE:
        return plan
    paid = paid_toward(plan, as_of)
    installments_paid = int(paid // plan.installment_amount) if paid > 0 else 0
    next_due = add_months(plan.first_due_date, installments_paid)
    if paid >= plan.total or selectors.patient_balance(plan.patient_id) <= 0:
        status = PlanStatus.COMPLETED
    elif next_due < as_of - timedelta(days=GRACE_DAYS):
        status = PlanStatus.DEFAULTED
    else:
        status = PlanStatus.ACTIVE
    if status == plan.status and next_due == plan.next_due_date:
        return plan
    closed_at = timezone.now() if status != PlanStatus.ACTIVE else None
    with transaction.atomic():
        moved = PaymentPlan.objects.filter(pk=plan.pk, status=PlanStatus.ACTIVE).update(
            status=status, next_due_date=next_due, closed_at=closed_at
        )
        if moved:
            audit_record(
                action="update", actor=actor, object_type="payment_plan", object_id=plan.pk,
                patient_id=plan.patient_id,
                details={"status": status, "next_due": next_due.isoformat(), "paid": str(paid)},
            )  # fmt: skip
    plan.refresh_from_db()
    return plan


def plans_review(*, as_of: date, actor: Any = None) -> int:
    """Review every active plan; returns how many changed status."""
    changed = 0
    for plan in PaymentPlan.objects.filter(status=PlanStatus.ACTIVE).order_by("pk"):
        if plan_review(plan=plan, as_of=as_of, actor=actor).status != PlanStatus.ACTIVE:
            changed += 1
    return changed


# --- Collections -------------------------------------------------------------------------------


def collections_set(
    *, patient_id: int, agency: str, sent_on: date | None, actor: Any
) -> PatientAccount:
    """Record that the account went to a collection agency (on a day, not in the future).
    A patient on an active payment plan is not sent: close the plan first."""
    require_ledger_access(actor, patient_id, Need.EDIT)
    _patient(patient_id)
    agency = (agency or "").strip()
    errors = {}
    if not agency:
        errors["agency"] = "Name the collection agency."
    if sent_on is None or sent_on > timezone.localdate():
        errors["sent_on"] = "Give the day the account was sent (today or earlier)."
    if active_plan(patient_id) is not None:
        errors["in_collections"] = "The patient is on an active payment plan: close it first."
    if errors:
        raise ValidationError(errors)
    return _account_write(
        patient_id, CollectionsStatus.IN_COLLECTIONS, agency[:120], sent_on, actor
    )


def collections_clear(*, patient_id: int, actor: Any) -> PatientAccount:
    """The account is back with the practice (paid, recalled from the agency)."""
    require_ledger_access(actor, patient_id, Need.EDIT)
    _patient(patient_id)
    return _account_write(patient_id, CollectionsStatus.NONE, "", None, actor)


def _account_write(patient_id: int, status: str, agency: str, sent_on: date | None,
                   actor: Any) -> PatientAccount:  # fmt: skip
    with transaction.atomic():
        account, _ = PatientAccount.objects.update_or_create(
            patient_id=patient_id,
            defaults={"collections_status": status, "agency": agency, "sent_on": sent_on,
                      "updated_by": actor, "updated_at": timezone.now()},
        )  # fmt: skip
        audit_record(
            action="update", actor=actor, object_type="patient_account", object_id=account.pk,
            patient_id=patient_id,
            details={"collections_status": status, "agency": agency,
                     "sent_on": sent_on.isoformat() if sent_on else None},
        )  # fmt: skip
    return account


def account_of(patient_id: int) -> PatientAccount | None:
    return PatientAccount.objects.filter(patient_id=patient_id).first()
