"""post_journals: many journals at once, validated as post_journal validates one, all or
nothing, idempotency keys honoured, one audit entry per patient."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.billing import selectors
from medoffice.billing.ledger import (
    Account,
    JournalSpec,
    LedgerError,
    Posting,
    post_journal,
    post_journals,
)
from medoffice.billing.models import AccountingPeriod, Journal
from medoffice.billing.models import Posting as PostingRow
from medoffice.scheduling.tests.conftest import make_patient

D = Decimal
TODAY = date.today()


def _payment(patient_id, amount="40.00", key=None, day=TODAY, kind="payment"):
    return JournalSpec(
        kind=kind, effective_date=day, memo=f"pay {amount}", source="test", source_id="1",
        idempotency_key=key,
        postings=[Posting(Account.CASH, D(amount)),
                  Posting(Account.AR_PATIENT, -D(amount), patient_id=patient_id, claim_id=9)],
    )  # fmt: skip


def test_many_journals_post_in_order_with_one_audit_entry_per_patient(staff, patient):
    other = make_patient(family="Bulk", given="Bo")
    specs = [
        _payment(patient.pk, "10.00"),
        _payment(other.pk, "5.50"),
        _payment(patient.pk, "2.00"),
    ]
    ids = post_journals(specs, staff("biller"))
    journals = [Journal.objects.get(pk=pk) for pk in ids]
    assert [j.memo for j in journals] == ["pay 10.00", "pay 5.50", "pay 2.00"]
    assert all(j.actor == staff("biller") and j.source == "test" for j in journals)
    assert all(j.effective_date == TODAY and j.kind == "payment" for j in journals)
    assert [p.amount for p in PostingRow.objects.filter(journal=journals[1]).order_by("pk")] == [
        D("5.50"), D("-5.50"),
    ]  # fmt: skip
    assert selectors.patient_balance(patient.pk) == D("-12.00")
    assert selectors.patient_balance(other.pk) == D("-5.50")
    events = AuditEvent.objects.filter(object_type="journal")
    assert {e.patient_id: e.details["journals"] for e in events} == {
        patient.pk: [journals[0].pk, journals[2].pk], other.pk: [journals[1].pk],
    }  # fmt: skip
    assert events.get(patient_id=patient.pk).details["debits"] == "12.00"
    assert post_journals([], staff("biller")) == []


@pytest.mark.parametrize(
    ("postings", "message"),
    [
        ([Posting("cash", D("10.00")), Posting("ar_patient", D("-9.99"))], "balance"),
        ([Posting("cash", D("10.005")), Posting("ar_patient", D("-10.005"))], "two decimal"),
        ([Posting("cash", D("10.00"))], "at least two"),
    ],
)
def test_one_bad_journal_refuses_the_batch_naming_it(staff, patient, postings, message):
    bad = JournalSpec(kind="payment", postings=postings, effective_date=TODAY, memo="the bad one")
    with pytest.raises(LedgerError, match=f"Journal 2 \\(the bad one\\): .*{message}"):
        post_journals([_payment(patient.pk), bad], staff("biller"))
    assert not Journal.objects.exists() and not PostingRow.objects.exists()
    assert not AuditEvent.objects.filter(object_type="journal").exists()


def test_a_closed_month_refuses_the_batch(staff, patient):
    AccountingPeriod.objects.create(
        year=2024, month=3, closed_at=timezone.now(), closed_by=staff("manager")
    )
    with pytest.raises(LedgerError, match="March 2024 is closed"):
        post_journals(
            [_payment(patient.pk), _payment(patient.pk, day=date(2024, 3, 31))], staff("biller")
        )
    assert not Journal.objects.exists()


def test_idempotency_keys_post_once(staff, patient):
    first = post_journal(kind="payment", postings=list(_payment(patient.pk).postings),
                         effective_date=TODAY, actor=staff("biller"), idempotency_key="k-1")  # fmt: skip
    journals = post_journals(
        [_payment(patient.pk, key="k-1"), _payment(patient.pk, "3.00", key="k-2")], staff("biller")
    )
    assert journals[0] == first.pk and journals[1] != first.pk
    assert Journal.objects.count() == 2
    again = post_journals([_payment(patient.pk, "3.00", key="k-2")], staff("biller"))
    assert again[0] == journals[1] and Journal.objects.count() == 2
    with pytest.raises(LedgerError, match="another kind"):
        post_journals([_payment(patient.pk, key="k-1", kind="refund")], staff("biller"))
    with pytest.raises(LedgerError, match="same idempotency key"):
        post_journals([_payment(patient.pk, key="k-9"), _payment(patient.pk, key="k-9")],
                      staff("biller"))  # fmt: skip
