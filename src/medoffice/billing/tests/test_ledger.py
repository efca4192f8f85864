"""The ledger: balanced journals only, cents only, reversals once, closed months refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.billing import selectors
from medoffice.billing.ledger import (
    Account,
    JournalKind,
    LedgerError,
    Posting,
    post_journal,
    reverse_journal,
)
from medoffice.billing.models import AccountingPeriod, Journal
from medoffice.billing.models import Posting as PostingRow

from .conftest import charge

D = Decimal
TODAY = date.today()


def _payment(patient_id, amount="40.00", **kw):
    return [
        Posting(Account.CASH, D(amount)),
        Posting(Account.AR_PATIENT, -D(amount), patient_id=patient_id),
    ]


def test_a_balanced_journal_posts_with_dimensions_and_an_audit_entry(staff, patient, payer):
    journal = charge(patient_id=patient.pk, payer_id=payer.pk, amount="150.00", to_patient="30.00",
                     actor=staff("biller"), claim_id=7)  # fmt: skip
    rows = list(journal.postings.order_by("pk"))
    assert [(r.account, r.amount) for r in rows] == [
        ("revenue", D("-150.00")), ("ar_payer", D("120.00")), ("ar_patient", D("30.00")),
    ]  # fmt: skip
    assert all(r.effective_date == TODAY and r.claim_id == 7 for r in rows)
    assert selectors.claim_balance(7) == D("120.00")
    assert selectors.payer_balance(payer.pk) == D("120.00")
    assert selectors.patient_balance(patient.pk) == D("30.00")
    assert selectors.balance(account=Account.REVENUE, claim_id=7) == D("-150.00")
    event = AuditEvent.objects.get(object_type="journal", object_id=str(journal.pk))
    assert event.patient_id == patient.pk and event.details["debits"] == "150.00"
    assert journal.actor == staff("biller")


@pytest.mark.parametrize(
    ("postings", "message"),
    [
        ([Posting("cash", D("10.00")), Posting("ar_patient", D("-9.99"), patient_id=1)], "balance"),
        ([Posting("cash", D("10.005")), Posting("ar_patient", D("-10.005"))], "two decimal"),
        ([Posting("cash", D("0.00")), Posting("ar_patient", D("0.00"))], "zero"),
        ([Posting("cash", D("10.00"))], "at least two"),
        ([], "at least two"),
        ([Posting("petty_cash", D("1.00")), Posting("cash", D("-1.00"))], "not a ledger account"),
        ([Posting("cash", "abc"), Posting("cash", D("-1.00"))], "not an amount"),
        ([Posting("cash", D("1e11")), Posting("cash", D("-1e11"))], "more than the ledger"),
    ],
)
def test_bad_journals_are_refused_and_nothing_is_written(staff, postings, message):
    with pytest.raises(LedgerError, match=message):
        post_journal(kind="payment", postings=postings, effective_date=TODAY, actor=staff("biller"))
    assert not Journal.objects.exists() and not PostingRow.objects.exists()
    assert not AuditEvent.objects.filter(object_type="journal").exists()


def test_ledger_error_is_a_validation_error_and_unknown_kinds_are_refused(staff, patient):
    assert issubclass(LedgerError, ValidationError)
    with pytest.raises(LedgerError, match="kind"):
        post_journal(kind="gift", postings=_payment(patient.pk), effective_date=TODAY,
                     actor=staff("biller"))  # fmt: skip


def test_an_idempotency_key_posts_once(staff, patient):
    first = post_journal(kind="payment", postings=_payment(patient.pk), effective_date=TODAY,
                         actor=staff("biller"), idempotency_key="pay-1")  # fmt: skip
    again = post_journal(kind="payment", postings=_payment(patient.pk), effective_date=TODAY,
                         actor=staff("biller"), idempotency_key="pay-1")  # fmt: skip
    assert again.pk == first.pk and Journal.objects.count() == 1
    assert selectors.patient_balance(patient.pk) == D("-40.00")
    with pytest.raises(LedgerError, match="another kind"):
        post_journal(kind="refund", postings=_payment(patient.pk), effective_date=TODAY,
                     actor=staff("biller"), idempotency_key="pay-1")  # fmt: skip


def test_a_reversal_mirrors_the_journal_once(staff, patient, payer):
    original = charge(patient_id=patient.pk, payer_id=payer.pk, amount="80.00", to_patient="20.00",
                      actor=staff("biller"), claim_id=3)  # fmt: skip
    reversal = reverse_journal(
        journal=original, reason="charged the wrong visit", actor=staff("biller")
    )
    assert reversal.kind == JournalKind.REVERSAL and reversal.reverses == original
    mirrored = {(p.account, p.claim_id, p.payer_id, p.amount) for p in reversal.postings.all()}
    assert mirrored == {
        (p.account, p.claim_id, p.payer_id, -p.amount) for p in original.postings.all()
    }
    assert selectors.claim_balance(3) == 0 and selectors.patient_balance(patient.pk) == 0
    with pytest.raises(LedgerError, match="already been reversed"):
        reverse_journal(journal=original, reason="again", actor=staff("biller"))
    with pytest.raises(LedgerError, match="cannot be reversed"):
        reverse_journal(journal=reversal, reason="undo the undo", actor=staff("biller"))
    with pytest.raises(LedgerError, match="why"):
        reverse_journal(journal=charge(patient_id=patient.pk, payer_id=None, amount="5.00",
                                       to_patient="5.00", actor=staff("biller")),
                        reason="", actor=staff("biller"))  # fmt: skip
    assert Journal.objects.filter(kind="reversal").count() == 1


def test_a_closed_month_refuses_postings_and_its_reversal_posts_in_an_open_month(staff, patient):
    march = date(2024, 3, 15)
    journal = charge(patient_id=patient.pk, payer_id=None, amount="60.00", to_patient="60.00",
                     actor=staff("biller"), day=march)  # fmt: skip
    AccountingPeriod.objects.create(
        year=2024, month=3, closed_at=timezone.now(), closed_by=staff("manager")
    )
    with pytest.raises(LedgerError, match="March 2024 is closed"):
        post_journal(kind="payment", postings=_payment(patient.pk), effective_date=date(2024, 3, 31),
                     actor=staff("biller"))  # fmt: skip
    with pytest.raises(LedgerError, match="closed"):
        reverse_journal(
            journal=journal, reason="wrong", actor=staff("biller"), effective_date=march
        )
    reversal = reverse_journal(journal=journal, reason="wrong patient", actor=staff("biller"))
    assert reversal.effective_date == date.today()
    assert Journal.objects.count() == 2


def test_reconcile_passes_on_good_books_and_finds_a_hand_made_unbalanced_row(staff, patient, payer):
    charge(
        patient_id=patient.pk, payer_id=payer.pk, amount="90.00", actor=staff("biller"), claim_id=9
    )
    assert selectors.ledger_reconcile().ok
    journal = Journal.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_posting (journal_id, account, amount, patient_id, claim_id,"
            " effective_date) VALUES (%s, 'ar_payer', '5.00', %s, 9, %s)",
            [journal.pk, patient.pk, TODAY.isoformat()],
        )
    result = selectors.ledger_reconcile()
    assert not result.ok
    assert any(f"Journal {journal.pk} does not balance" in p for p in result.problems)


def test_reconcile_finds_a_posting_whose_journal_is_missing(staff, patient, payer):
    charge(patient_id=patient.pk, payer_id=payer.pk, amount="90.00", actor=staff("biller"))
    missing = Journal.objects.get().pk + 1000
    with connection.cursor() as cursor:  # no database constraint on PostgreSQL (see the model)
        cursor.execute(
            "INSERT INTO billing_posting (journal_id, account, amount, patient_id,"
            " effective_date) VALUES (%s, 'cash', '5.00', %s, %s)",
            [missing, patient.pk, TODAY.isoformat()],
        )
    problems = selectors.ledger_reconcile().problems
    assert any(f"belongs to journal {missing}, which is missing" in p for p in problems)
    if connection.vendor == "sqlite":  # SQLite keeps the constraint, checked after the test
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM billing_posting WHERE journal_id = %s", [missing])


def test_reconcile_accepts_a_journal_whose_cents_do_not_add_up_exactly_as_floats(staff, patient):
    # 0.10 + 0.20 - 0.30 is 5.6e-17 in floating point, which is how SQLite adds decimals.
    post_journal(
        kind="remittance",
        postings=[Posting(account="cash", amount=Decimal("0.10"), patient_id=patient.pk),
                  Posting(account="cash", amount=Decimal("0.20"), patient_id=patient.pk),
                  Posting(account="ar_payer", amount=Decimal("-0.30"), patient_id=patient.pk)],
        effective_date=TODAY, actor=staff("biller"),
    )  # fmt: skip
    assert selectors.ledger_reconcile().ok


def test_balance_takes_exactly_one_known_dimension(db):
    with pytest.raises(TypeError):
        selectors.balance(account="cash")
    with pytest.raises(TypeError):
        selectors.balance(account="cash", provider_id=1)


@pytest.mark.parametrize("raw", ["abc", "-1", "10.005", "NaN"])
def test_the_approval_limit_setting_must_be_an_amount(raw):
    from medoffice.config.env import ConfigError, env_decimal

    with pytest.raises(ConfigError, match="MEDOFFICE_WRITEOFF_APPROVAL_LIMIT"):
        env_decimal(
            "MEDOFFICE_WRITEOFF_APPROVAL_LIMIT",
            "100.00",
            {"MEDOFFICE_WRITEOFF_APPROVAL_LIMIT": raw},
        )
    assert env_decimal("X", "100.00", {}) == Decimal("100.00")
    assert env_decimal("X", "100.00", {"X": "250.5"}) == Decimal("250.50")
