"""Every write of the billing ledger besides raw journals: patient payments (and the front
desk's), write-offs and refunds with their approvals, and month-end close.

Each service authorizes before its transaction (so a refusal's audit entry stays) and posts
through `ledger.post_journal`, which audits the journal in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.billing import selectors
from medoffice.billing.ledger import Account, JournalKind, LedgerError, Posting, post_journal
from medoffice.billing.ledger import reverse_journal as ledger_reverse
from medoffice.billing.models import (
    AccountingPeriod,
    AdjustmentKind,
    AdjustmentRequest,
    Journal,
    RequestStatus,
)
from medoffice.core.access import deny, own_only, patient_access, require_capability
from medoffice.core.permissions import Capability, Need

CENT = Decimal("0.01")
MAX_PAYMENT = Decimal("999999.99")
PAYMENT_METHODS = ("cash", "check", "card")


def refuse_own_only(actor: Any, need: Need = Need.VIEW, *, patient_id: int | None = None) -> None:
    """Clinicians hold billing for their own records only ("O" in the matrix). The practice's
    ledger, payments and fee schedules are nobody's own record, so the domain layer refuses
    them here (the role check at the page lets them through to this narrower one)."""
    if own_only(actor, Capability.BILLING, need):
        raise deny(
            actor,
            "Your role does not give access to the practice's ledger.",
            capability=Capability.BILLING,
            object_type="patient" if patient_id else "",
            object_id=str(patient_id or ""),
            patient_id=patient_id,
        )


def require_ledger_access(actor: Any, patient_id: int, need: Need = Need.VIEW) -> None:
    """May the actor see (or post to) this patient's ledger."""
    patient_access(actor, Capability.BILLING, need, patient_id)
    refuse_own_only(actor, need, patient_id=patient_id)


def parse_amount(raw: Any, *, field: str = "amount", maximum: Decimal = MAX_PAYMENT) -> Decimal:
    """A positive amount in dollars and cents, or ValidationError naming the field."""
    try:
        amount = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError({field: "Give the amount in dollars and cents, e.g. 25.00."})
    if amount <= 0:
        raise ValidationError({field: "The amount must be more than zero."})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: "Use at most two decimal places (cents)."})
    if amount > maximum:
        raise ValidationError({field: f"The amount is more than {maximum}."})
    return amount.quantize(CENT)


def _patient_exists(patient_id: int) -> None:
    from medoffice.patients.models import Patient

    if not Patient.objects.filter(pk=patient_id).exists():
        raise ValidationError({"patient_id": "No such patient."})


# --- Patient payments ---------------------------------------------------------------------------


def _payment_postings(
    *, method: str, amount: Decimal, patient_id: int, location_id: int | None
) -> list[Posting]:
    money = Account.CARD_CLEARING if method == "card" else Account.CASH
    return [
        Posting(money, amount, patient_id=patient_id, location_id=location_id),
        Posting(Account.AR_PATIENT, -amount, patient_id=patient_id, location_id=location_id),
    ]


def payment_post(
    *,
    patient_id: int,
    amount: Any,
    method: str,
    reference: str = "",
    actor: Any,
    location_id: int | None = None,
    idempotency_key: str = "",
) -> Journal:
    """A patient's payment taken by the billing office (mail, phone, portal-less card):
    cash or card clearing debited, the patient's receivable credited. Cards go through the
    practice's gateway first (outside the transaction; voided if the posting fails). The same
    idempotency key posts (and charges) once."""
    from medoffice.frontdesk import payments as gateways

    require_ledger_access(actor, patient_id, Need.EDIT)
    amount = parse_amount(amount)
    if method not in PAYMENT_METHODS:
        raise ValidationError({"method": "Choose cash, check or card."})
    reference = (reference or "").strip()
    if method == "check" and not (reference.isalnum() and len(reference) <= 20):
        raise ValidationError({"reference": "Give the check number (up to 20 letters or digits)."})
    if method == "card" and not (len(reference) == 4 and reference.isdigit()):
        raise ValidationError({"reference": "Give the card's last four digits."})
    key = (idempotency_key or "").strip()
    if len(key) > 64:
        raise ValidationError({"idempotency_key": "An idempotency key has at most 64 characters."})
    _patient_exists(patient_id)
    ledger_key = f"payment:{key}" if key else None
    existing = Journal.objects.filter(idempotency_key=ledger_key).first() if key else None
    if existing is not None:
        if not existing.postings.filter(patient_id=patient_id).exists():
            raise ValidationError("This payment key was already used for another patient.")
        return existing
    authorization, gateway = "", None
    if method == "card":
        gateway = gateways.gateway()
        try:
            result = gateway.charge(
                amount=amount, card_last4=reference, idempotency_key=key or "",
                description=f"Payment on account, patient {patient_id}",
            )  # fmt: skip
        except gateways.GatewayError as exc:
            raise ValidationError({"method": f"The card could not be charged: {exc}"}) from exc
        if not result.approved or not result.authorization_id:
            raise ValidationError({"method": f"The card was declined: {result.message}"})
        authorization = result.authorization_id
    memo = {
        "cash": "Cash payment",
        "check": f"Check no. {reference}",
        "card": f"Card ending {reference}, authorization {authorization}",
    }[method]
    try:
        with transaction.atomic():
            return post_journal(
                kind=JournalKind.PAYMENT, effective_date=timezone.localdate(), actor=actor,
                postings=_payment_postings(method=method, amount=amount, patient_id=patient_id,
                                           location_id=location_id),
                memo=memo, source="payment", source_id=authorization or reference,
                idempotency_key=ledger_key,
            )  # fmt: skip
    except Exception:
        if gateway is not None:
            gateway.void(authorization_id=authorization)
        raise


def desk_payment_to_ledger(*, payment: Any, actor: Any) -> Journal:
    """Post a desk payment (frontdesk.DeskPayment) inside the front desk's own transaction;
    the front desk authorized it. One journal per receipt, whatever calls it twice."""
    return post_journal(
        kind=JournalKind.PAYMENT,
        effective_date=timezone.localdate(),
        actor=actor,
        postings=_payment_postings(
            method=payment.method,
            amount=payment.amount,
            patient_id=payment.patient_id,
            location_id=payment.location_id,
        ),
        memo=f"Desk payment, receipt {payment.receipt_number} ({payment.get_kind_display()})",
        source="desk_payment",
        source_id=str(payment.pk),
        idempotency_key=f"desk_payment:{payment.pk}",
    )


def desk_payment_void_to_ledger(*, payment: Any, actor: Any, reason: str) -> Journal | None:
    """Reverse a voided desk payment's journal (inside the front desk's transaction)."""
    journal = Journal.objects.filter(idempotency_key=f"desk_payment:{payment.pk}").first()
    if journal is None:
        return None  # taken before the ledger existed: nothing was posted to reverse
    return ledger_reverse(journal=journal, reason=f"Receipt voided: {reason}", actor=actor)


# --- Write-offs and refunds ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    patient_id: int | None
    claim_id: int | None
    payer_id: int | None


def _claim_target(claim_id: int) -> _Target:
    """The claim's patient and payer, from its own receivable postings."""
    row = (
        selectors.Posting.objects.filter(claim_id=claim_id, account=Account.AR_PAYER)
        .order_by("-pk")
        .values("patient_id", "payer_id")
        .first()
    )
    if row is None:
        raise ValidationError({"claim_id": "Nothing is owed on that claim."})
    return _Target(row["patient_id"], claim_id, row["payer_id"])


def _adjustment_postings(kind: str, target: _Target, amount: Decimal) -> list[Posting]:
    dims = {
        "patient_id": target.patient_id,
        "claim_id": target.claim_id,
        "payer_id": target.payer_id,
    }
    if kind == AdjustmentKind.REFUND:
        return [
            Posting(Account.AR_PATIENT, amount, patient_id=target.patient_id),
            Posting(Account.REFUNDS_PAYABLE, -amount, patient_id=target.patient_id),
        ]
    receivable = Account.AR_PAYER if target.claim_id is not None else Account.AR_PATIENT
    if receivable == Account.AR_PATIENT:
        dims["payer_id"] = None
    return [Posting(Account.WRITE_OFF, amount, **dims), Posting(receivable, -amount, **dims)]


def _check_room(kind: str, target: _Target, amount: Decimal) -> None:
    """A write-off takes no more than is owed; a refund gives back no more than the credit."""
    if kind == AdjustmentKind.REFUND:
        credit = -selectors.patient_balance(target.patient_id)
        if amount > credit:
            raise ValidationError(
                {
                    "amount": f"The patient's credit is {max(credit, Decimal('0.00'))}: refund at most that."
                }
            )
    elif target.claim_id is not None:
        owed = selectors.claim_balance(target.claim_id)
        if amount > owed:
            raise ValidationError(
                {"amount": f"The claim's balance is {owed}: write off at most that."}
            )
    else:
        owed = selectors.patient_balance(target.patient_id)
        if amount > owed:
            raise ValidationError(
                {
                    "amount": f"The patient owes {max(owed, Decimal('0.00'))}: write off at most that."
                }
            )


def _post_adjustment(request: AdjustmentRequest, target: _Target, actor: Any) -> Journal:
    _check_room(request.kind, target, request.amount)
    return post_journal(
        kind=JournalKind.REFUND if request.kind == AdjustmentKind.REFUND else JournalKind.WRITE_OFF,
        postings=_adjustment_postings(request.kind, target, request.amount),
        effective_date=timezone.localdate(),
        actor=actor,
        memo=request.reason,
        source="adjustment_request",
        source_id=str(request.pk),
        idempotency_key=f"adjustment_request:{request.pk}",
    )


def _target_of(request: AdjustmentRequest) -> _Target:
    if request.claim_id is not None:
        return _claim_target(request.claim_id)
    return _Target(request.patient_id, None, None)


def _adjustment_request(
    *, kind: str, patient_id: int | None, claim_id: int | None, amount: Any, reason: str, actor: Any
) -> AdjustmentRequest:
    require_capability(actor, Capability.REFUNDS_WRITEOFFS, Need.REQUEST)
    if (patient_id is None) == (claim_id is None):
        raise ValidationError("Name either a patient or a claim.")
    amount = parse_amount(amount, maximum=Decimal("9999999999.99"))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": "Say why (at least a few words)."})
    if patient_id is not None:
        _patient_exists(patient_id)
        target = _Target(patient_id, None, None)
    else:
        target = _claim_target(claim_id)  # type: ignore[arg-type]
    _check_room(kind, target, amount)
    within_limit = amount <= settings.WRITEOFF_APPROVAL_LIMIT
    with transaction.atomic():
        request = AdjustmentRequest.objects.create(
            kind=kind, patient_id=target.patient_id, claim_id=claim_id, amount=amount,
            reason=reason[:300], requested_by=actor,
        )  # fmt: skip
        audit_record(
            action="create", actor=actor, object_type="adjustment_request", object_id=request.pk,
            patient_id=target.patient_id,
            details={"kind": kind, "amount": str(amount), "claim_id": claim_id,
                     "needs_approval": not within_limit},
        )  # fmt: skip
        if within_limit:
            journal = _post_adjustment(request, target, actor)
            AdjustmentRequest.objects.filter(pk=request.pk).update(
                status=RequestStatus.APPROVED, decided_by=actor, decided_at=timezone.now(),
                decision_note="Within the approval limit: posted at once.", journal=journal,
            )  # fmt: skip
    request.refresh_from_db()
    return request


def writeoff_request(
    *,
    patient_id: int | None = None,
    claim_id: int | None = None,
    amount: Any,
    reason: str,
    actor: Any,
) -> AdjustmentRequest:
    """Write off a patient's balance or a claim's. Up to MEDOFFICE_WRITEOFF_APPROVAL_LIMIT it
    posts at once (the request is recorded as approved); above it waits for a manager."""
    return _adjustment_request(
        kind=AdjustmentKind.WRITE_OFF, patient_id=patient_id, claim_id=claim_id,
        amount=amount, reason=reason, actor=actor,
    )  # fmt: skip


def refund_request(*, patient_id: int, amount: Any, reason: str, actor: Any) -> AdjustmentRequest:
    """Refund a patient's credit balance (to refunds payable, for the check or card refund);
    the same approval limit as write-offs."""
    return _adjustment_request(
        kind=AdjustmentKind.REFUND, patient_id=patient_id, claim_id=None,
        amount=amount, reason=reason, actor=actor,
    )  # fmt: skip


def _decide(request_id: int, actor: Any, note: str, status: str) -> AdjustmentRequest:
    require_capability(actor, Capability.REFUNDS_WRITEOFFS, Need.APPROVE)
    request = AdjustmentRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise ValidationError("No such request.")
    if request.requested_by_id == actor.pk:
        raise ValidationError("Someone other than the requester approves or rejects it.")
    note = (note or "").strip()
    if status == RequestStatus.REJECTED and len(note) < 5:
        raise ValidationError({"note": "Say why it is rejected."})
    with transaction.atomic():
        # Conditional: of two approvals at once, one changes the row; the other changes nothing.
        changed = AdjustmentRequest.objects.filter(
            pk=request.pk, status=RequestStatus.PENDING
        ).update(
            status=status, decided_by=actor, decided_at=timezone.now(), decision_note=note[:300]
        )
        if not changed:
            raise ValidationError("This request has already been decided.")
        journal = None
        if status == RequestStatus.APPROVED:
            journal = _post_adjustment(request, _target_of(request), actor)
            AdjustmentRequest.objects.filter(pk=request.pk).update(journal=journal)
        audit_record(
            action="update", actor=actor, object_type="adjustment_request", object_id=request.pk,
            patient_id=request.patient_id, reason=note[:300],
            details={"decision": status, "amount": str(request.amount),
                     "journal": journal.pk if journal else None},
        )  # fmt: skip
    request.refresh_from_db()
    return request


def adjustment_approve(*, request_id: int, actor: Any, note: str = "") -> AdjustmentRequest:
    """A manager approves a pending write-off or refund: its journal posts now, once."""
    return _decide(request_id, actor, note, RequestStatus.APPROVED)


def adjustment_reject(*, request_id: int, actor: Any, note: str) -> AdjustmentRequest:
    return _decide(request_id, actor, note, RequestStatus.REJECTED)


# --- Month-end close ----------------------------------------------------------------------------


def period_close(*, year: int, month: int, actor: Any) -> AccountingPeriod:
    """Close a month that is over: nothing posts into it afterwards. There is no reopening;
    a correction posts in the open month (a reversing journal dated today)."""
    require_capability(actor, Capability.PERIOD_CLOSE, Need.EDIT)
    if not (1 <= int(month) <= 12) or not (2000 <= int(year) <= 2100):
        raise ValidationError("Choose a month between January 2000 and December 2100.")
    today = timezone.localdate()
    if (int(year), int(month)) >= (today.year, today.month):
        raise ValidationError(f"{date(int(year), int(month), 1):%B %Y} is not over yet.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                period, _ = AccountingPeriod.objects.get_or_create(year=year, month=month)
        except IntegrityError:
            period = AccountingPeriod.objects.get(year=year, month=month)
        changed = AccountingPeriod.objects.filter(pk=period.pk, closed_at__isnull=True).update(
            closed_at=timezone.now(), closed_by=actor
        )
        if not changed:
            raise ValidationError(f"{period} is already closed.")
        audit_record(
            action="update", actor=actor, object_type="accounting_period", object_id=period.pk,
            details={"closed": str(period)},
        )  # fmt: skip
    period.refresh_from_db()
    return period


__all__ = [
    "LedgerError",
    "adjustment_approve",
    "adjustment_reject",
    "desk_payment_to_ledger",
    "desk_payment_void_to_ledger",
    "payment_post",
    "period_close",
    "refund_request",
    "refuse_own_only",
    "require_ledger_access",
    "writeoff_request",
]
