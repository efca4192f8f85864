"""Payments (the billing office's and the desk's), write-offs and refunds with approval, and
month-end close: who may, what posts, and that a refusal changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.billing import selectors, services
from medoffice.billing.models import AccountingPeriod, AdjustmentRequest, Journal, Posting
from medoffice.core.access import AccessDenied
from medoffice.frontdesk import services as desk

from .conftest import charge

D = Decimal


def _counts():
    return (Journal.objects.count(), Posting.objects.count(), AdjustmentRequest.objects.count(),
            AccountingPeriod.objects.filter(closed_at__isnull=False).count())  # fmt: skip


# --- Payments ------------------------------------------------------------------------------------


def test_a_check_payment_credits_the_patient_and_posts_once_per_key(staff, patient):
    biller = staff("biller")
    journal = services.payment_post(patient_id=patient.pk, amount="45.10", method="check",
                                    reference="1042", actor=biller, idempotency_key="k1")  # fmt: skip
    again = services.payment_post(patient_id=patient.pk, amount="45.10", method="check",
                                  reference="1042", actor=biller, idempotency_key="k1")  # fmt: skip
    assert again.pk == journal.pk and Journal.objects.count() == 1
    assert {(p.account, p.amount) for p in journal.postings.all()} == {
        ("cash", D("45.10")), ("ar_patient", D("-45.10"))}  # fmt: skip
    assert selectors.patient_balance(patient.pk) == D("-45.10")
    assert journal.memo == "Check no. 1042"


def test_a_card_payment_goes_through_the_gateway_to_card_clearing(staff, patient):
    journal = services.payment_post(patient_id=patient.pk, amount="20", method="card",
                                    reference="4242", actor=staff("biller"))  # fmt: skip
    assert journal.postings.get(amount__gt=0).account == "card_clearing"
    assert journal.source_id.startswith("TEST-") and "ending 4242" in journal.memo


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"amount": "12.345"}, "two decimal"),
        ({"amount": "-5"}, "more than zero"),
        ({"amount": "ten"}, "dollars and cents"),
        ({"method": "bitcoin"}, "cash, check or card"),
        ({"method": "check", "reference": ""}, "check number"),
        ({"method": "card", "reference": "4242424242424242"}, "last four"),
        ({"patient_id": 999999}, "No such patient"),
    ],
)
def test_bad_payments_are_refused_and_nothing_posts(staff, patient, fields, error):
    kwargs = {"patient_id": patient.pk, "amount": "10.00", "method": "cash", "reference": ""}
    kwargs.update(fields)
    with pytest.raises(ValidationError, match=error):
        services.payment_post(actor=staff("biller"), **kwargs)
    assert not Journal.objects.exists()


@pytest.mark.parametrize(
    "role", ["frontdesk", "clinician", "nurse", "hr", "purchasing", "manager", "admin"]
)
def test_only_the_biller_posts_payments_here(staff, patient, role):
    before = _counts()
    with pytest.raises(AccessDenied):
        services.payment_post(patient_id=patient.pk, amount="10.00", method="cash",
                              actor=staff(role))  # fmt: skip
    assert _counts() == before
    assert AuditEvent.objects.filter(action="permission_denied").exists()


def test_a_desk_payment_posts_to_the_ledger_and_its_void_reverses_it(staff, patient):
    front = staff("frontdesk")
    row = desk.desk_payment_record(actor=front, patient_id=patient.pk,
                                   payment=desk.PaymentInput(amount="25.00", method="cash", kind="copay"))  # fmt: skip
    journal = Journal.objects.get(source="desk_payment", source_id=str(row.pk))
    assert journal.actor == front and selectors.patient_balance(patient.pk) == D("-25.00")
    desk.desk_payment_void(actor=front, payment=row, reason="wrong patient at the desk")
    assert Journal.objects.get(kind="reversal").reverses == journal
    assert selectors.patient_balance(patient.pk) == 0
    assert selectors.ledger_reconcile().ok


def test_a_desk_card_payment_posts_to_card_clearing(staff, patient):
    desk.desk_payment_record(actor=staff("frontdesk"), patient_id=patient.pk,
                             payment=desk.PaymentInput(amount="30.00", method="card", kind="copay",
                                                       card_last4="1111"))  # fmt: skip
    assert selectors.balance(account="card_clearing", patient_id=patient.pk) == D("30.00")


# --- Write-offs and refunds ----------------------------------------------------------------------


@pytest.fixture
def owing(staff, patient, payer):
    """The patient owes 250.00 on claim 11; the payer owes 400.00 on it."""
    charge(patient_id=patient.pk, payer_id=payer.pk, amount="650.00", to_patient="250.00",
           actor=staff("biller"), claim_id=11)  # fmt: skip
    return patient


def test_a_write_off_within_the_limit_posts_at_once(staff, owing):
    request = services.writeoff_request(patient_id=owing.pk, amount="60.00",
                                        reason="small balance policy", actor=staff("biller"))  # fmt: skip
    assert request.status == "approved" and request.journal is not None
    assert request.decided_by == staff("biller")
    assert selectors.patient_balance(owing.pk) == D("190.00")
    assert selectors.balance(account="write_off", patient_id=owing.pk) == D("60.00")


@override_settings(WRITEOFF_APPROVAL_LIMIT=D("50.00"))
def test_a_write_off_above_the_limit_waits_and_posts_once_on_approval(staff, owing, payer):
    request = services.writeoff_request(claim_id=11, amount="400.00", reason="timely filing missed",
                                        actor=staff("biller"))  # fmt: skip
    assert request.status == "pending" and request.journal is None
    assert selectors.claim_balance(11) == D("400.00")
    manager = staff("manager")
    stale = AdjustmentRequest.objects.get(pk=request.pk)  # a second tab, loaded before approval
    approved = services.adjustment_approve(request_id=request.pk, actor=manager)
    assert approved.status == "approved" and approved.decided_by == manager
    with pytest.raises(ValidationError, match="already been decided"):
        services.adjustment_approve(request_id=stale.pk, actor=manager)
    assert Journal.objects.filter(kind="write_off").count() == 1
    assert selectors.claim_balance(11) == 0 and selectors.payer_balance(payer.pk) == 0
    assert selectors.patient_balance(owing.pk) == D("250.00")


@override_settings(WRITEOFF_APPROVAL_LIMIT=D("50.00"))
def test_a_rejection_posts_nothing_and_needs_a_reason(staff, owing):
    request = services.writeoff_request(patient_id=owing.pk, amount="200.00", reason="hardship case",
                                        actor=staff("biller"))  # fmt: skip
    with pytest.raises(ValidationError, match="why"):
        services.adjustment_reject(request_id=request.pk, actor=staff("manager"), note="")
    rejected = services.adjustment_reject(request_id=request.pk, actor=staff("manager"),
                                          note="send to collections instead")  # fmt: skip
    assert rejected.status == "rejected" and not Journal.objects.filter(kind="write_off").exists()
    with pytest.raises(ValidationError, match="already been decided"):
        services.adjustment_approve(request_id=request.pk, actor=staff("manager"))


@override_settings(WRITEOFF_APPROVAL_LIMIT=D("50.00"))
def test_approval_is_the_managers_and_not_the_requesters(staff, owing):
    request = services.writeoff_request(patient_id=owing.pk, amount="200.00", reason="hardship case",
                                        actor=staff("manager"))  # fmt: skip
    with pytest.raises(ValidationError, match="other than the requester"):
        services.adjustment_approve(request_id=request.pk, actor=staff("manager"))
    for role in ("biller", "frontdesk", "clinician", "compliance"):
        with pytest.raises(AccessDenied):
            services.adjustment_approve(request_id=request.pk, actor=staff(role))
    assert AdjustmentRequest.objects.get(pk=request.pk).status == "pending"
    assert not Journal.objects.filter(kind="write_off").exists()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"amount": "300.00"}, r"owes 250\.00"),
        ({"amount": "1.001"}, "two decimal"),
        ({"reason": ""}, "Say why"),
        ({"patient_id": None}, "either a patient or a claim"),
        ({"claim_id": 11}, "either a patient or a claim"),
    ],
)
def test_bad_write_offs_are_refused_and_nothing_changes(staff, owing, fields, error):
    kwargs = {"patient_id": owing.pk, "amount": "10.00", "reason": "small balance"}
    kwargs.update(fields)
    before = _counts()
    with pytest.raises(ValidationError, match=error):
        services.writeoff_request(actor=staff("biller"), **kwargs)
    assert _counts() == before


def test_a_claim_with_nothing_owed_cannot_be_written_off(staff, patient):
    with pytest.raises(ValidationError, match="Nothing is owed"):
        services.writeoff_request(
            claim_id=404, amount="5.00", reason="stale claim", actor=staff("biller")
        )


@pytest.mark.parametrize(
    "role", ["frontdesk", "clinician", "nurse", "hr", "purchasing", "compliance"]
)
def test_write_offs_are_requested_by_billers_and_managers_only(staff, owing, role):
    before = _counts()
    with pytest.raises(AccessDenied):
        services.writeoff_request(patient_id=owing.pk, amount="5.00", reason="small balance",
                                  actor=staff(role))  # fmt: skip
    assert _counts() == before


def test_a_refund_returns_a_credit_balance_and_no_more(staff, patient):
    services.payment_post(
        patient_id=patient.pk, amount="80.00", method="cash", actor=staff("biller")
    )
    with pytest.raises(ValidationError, match=r"credit is 80\.00"):
        services.refund_request(patient_id=patient.pk, amount="90.00", reason="overpaid copay",
                                actor=staff("biller"))  # fmt: skip
    request = services.refund_request(patient_id=patient.pk, amount="80.00", reason="overpaid copay",
                                      actor=staff("biller"))  # fmt: skip
    assert request.status == "approved"
    assert selectors.patient_balance(patient.pk) == 0
    assert selectors.balance(account="refunds_payable", patient_id=patient.pk) == D("-80.00")


# --- Month-end close -----------------------------------------------------------------------------


def _last_month() -> tuple[int, int]:
    today = timezone.localdate()
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def test_the_manager_closes_a_past_month_once_and_it_stays_closed(staff, patient):
    year, month = _last_month()
    period = services.period_close(year=year, month=month, actor=staff("manager"))
    assert period.is_closed and period.closed_by == staff("manager")
    with pytest.raises(ValidationError, match="already closed"):
        services.period_close(year=year, month=month, actor=staff("manager"))
    with pytest.raises(ValidationError, match="closed"):
        charge(patient_id=patient.pk, payer_id=None, amount="5.00", to_patient="5.00",
               actor=staff("biller"), day=date(year, month, 1))  # fmt: skip
    assert not hasattr(services, "period_reopen")


def test_the_current_month_cannot_be_closed(staff):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="not over yet"):
        services.period_close(year=today.year, month=today.month, actor=staff("manager"))
    with pytest.raises(ValidationError, match="Choose a month"):
        services.period_close(year=2024, month=13, actor=staff("manager"))
    assert not AccountingPeriod.objects.exists()


@pytest.mark.parametrize("role", ["biller", "frontdesk", "clinician", "compliance", "admin"])
def test_only_the_manager_closes_a_month(staff, role):
    year, month = _last_month()
    with pytest.raises(AccessDenied):
        services.period_close(year=year, month=month, actor=staff(role))
    assert not AccountingPeriod.objects.exists()
