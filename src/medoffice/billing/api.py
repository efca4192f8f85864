"""The billing ledger's JSON API: a patient's balance and ledger, a payment, a fee look-up.
(No `from __future__ import annotations` here: ninja reads the annotations.)"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from medoffice.audit.services import audit_record
from medoffice.billing import selectors, services
from medoffice.core.access import AccessRule, api_rule
from medoffice.core.permissions import Capability, Need

router = Router(tags=["billing"])

BILLING_VIEW = AccessRule("capability", Capability.BILLING)
BILLING_EDIT = AccessRule("capability", Capability.BILLING, Need.EDIT)


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class PayerBalanceOut(Schema):
    payer_id: int
    name: str
    balance: Decimal


class BalanceOut(Schema):
    patient_id: int
    balance: Decimal
    payers: list[PayerBalanceOut]


class PostingOut(Schema):
    account: str
    amount: Decimal
    claim_id: int | None
    claim_line_id: int | None
    payer_id: int | None


class JournalOut(Schema):
    journal_id: int
    kind: str
    effective_date: date
    memo: str
    reverses: int | None
    postings: list[PostingOut]
    running_balance: Decimal


class LedgerOut(BalanceOut):
    journals: list[JournalOut]


class PaymentIn(Schema):
    patient_id: int
    amount: str
    method: str
    reference: str = ""
    location_id: int | None = None
    idempotency_key: str = ""


class PaymentOut(Schema):
    journal_id: int
    patient_id: int
    balance: Decimal


class FeeQuery(Schema):
    code: str = ""
    modifier: str = ""
    payer_id: int | None = None
    on: date | None = None


class FeeOut(Schema):
    code: str
    modifier: str
    payer_id: int | None
    on: date
    billed: Decimal
    expected: Decimal


def _errors(exc: ValidationError, detail: str) -> Status:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return Status(400, {"detail": detail, "errors": errors})


def _patient_for(request: HttpRequest, patient_id: int) -> Any:
    from medoffice.patients.models import Patient

    patient = get_object_or_404(Patient, pk=patient_id)
    services.require_ledger_access(request.user, patient.pk)
    return patient


def _balance(patient_id: int) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "balance": selectors.patient_balance(patient_id),
        "payers": selectors.patient_payer_balances(patient_id),
    }


@router.get(
    "/patients/{patient_id}/balance",
    response={200: BalanceOut, 404: ErrorOut},
    summary="What the patient owes (negative: a credit) and what each payer owes on their claims",
)
@api_rule(BILLING_VIEW)
def patient_balance(request: HttpRequest, patient_id: int) -> Any:
    patient = _patient_for(request, patient_id)
    audit_record(action="view", actor=request.user, object_type="patient_balance",
                 object_id=patient.pk, patient_id=patient.pk)  # fmt: skip
    return _balance(patient.pk)


@router.get(
    "/patients/{patient_id}/ledger",
    response={200: LedgerOut, 404: ErrorOut},
    summary="The patient's journals, oldest first, with postings and the running balance",
)
@api_rule(BILLING_VIEW)
def patient_ledger(request: HttpRequest, patient_id: int) -> Any:
    patient = _patient_for(request, patient_id)
    audit_record(action="view", actor=request.user, object_type="patient_ledger",
                 object_id=patient.pk, patient_id=patient.pk)  # fmt: skip
    journals = [
        {
            "journal_id": line.journal.pk,
            "kind": line.journal.kind,
            "effective_date": line.journal.effective_date,
            "memo": line.journal.memo,
            "reverses": line.journal.reverses_id,
            "postings": [
                {
                    "account": p.account,
                    "amount": p.amount,
                    "claim_id": p.claim_id,
                    "claim_line_id": p.claim_line_id,
                    "payer_id": p.payer_id,
                }
                for p in line.postings
            ],
            "running_balance": line.running_balance,
        }
        for line in selectors.patient_ledger(patient.pk)
    ]
    return {**_balance(patient.pk), "journals": journals}


@router.post(
    "/payments",
    response={201: PaymentOut, 400: ErrorOut, 404: ErrorOut},
    summary="Post a patient's payment (cash, check, or card through the gateway); idempotent by key",
)
@api_rule(BILLING_EDIT)
def payment_create(request: HttpRequest, payload: PaymentIn | None = None) -> Any:
    if payload is None:
        return Status(400, {"detail": "Send the payment as a JSON object.", "errors": {}})
    patient = _patient_for(request, payload.patient_id)
    try:
        journal = services.payment_post(
            patient_id=patient.pk, amount=payload.amount, method=payload.method,
            reference=payload.reference, actor=request.user, location_id=payload.location_id,
            idempotency_key=payload.idempotency_key,
        )  # fmt: skip
    except ValidationError as exc:
        return _errors(exc, "No payment was posted.")
    return Status(
        201,
        {"journal_id": journal.pk, "patient_id": patient.pk,
         "balance": selectors.patient_balance(patient.pk)},
    )  # fmt: skip


@router.get(
    "/fees",
    response={200: FeeOut, 400: ErrorOut, 404: ErrorOut},
    summary="Billed and expected amounts for a code (and modifier) under a payer's schedule",
)
@api_rule(BILLING_VIEW)
def fee_lookup(request: HttpRequest, query: Query[FeeQuery]) -> Any:
    if not query.code.strip():
        return Status(400, {"detail": "Give a procedure code (?code=99213).", "errors": {}})
    on = query.on or date.today()
    found = selectors.fee_for(query.payer_id, query.code, query.modifier, on)
    if found is None:
        return Status(404, {"detail": "No fee schedule line covers that code on that day."})
    return {"code": query.code.strip().upper(), "modifier": query.modifier.strip().upper(),
            "payer_id": query.payer_id, "on": on, "billed": found[0], "expected": found[1]}  # fmt: skip
