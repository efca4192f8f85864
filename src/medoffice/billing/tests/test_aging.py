"""A/R aging: the SQL buckets against the same ledger computed row by row here, and the
revenue-cycle formulas."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from medoffice.billing import aging
from medoffice.billing.aging import AgingFilter
from medoffice.billing.ledger import Account, JournalKind, Posting, post_journal
from medoffice.billing.models import Journal
from medoffice.billing.models import Posting as PostingRow
from medoffice.patients.models import Payer
from medoffice.scheduling.tests.conftest import make_patient

D = Decimal
AS_OF = date(2026, 6, 30)


def bucket_of(age: int) -> int:
    for i, (_, first, last) in enumerate(aging.BUCKETS):
        if age >= first and (last is None or age <= last):
            return i
    raise AssertionError(age)


def post(day: date, kind: str, *postings: Posting, actor) -> None:
    post_journal(kind=kind, postings=list(postings), effective_date=day, actor=actor)


def payer_line(amount: str, *, payer, patient, claim, line, location=None) -> dict:
    return {"amount": D(amount), "patient_id": patient.pk, "payer_id": payer.pk,
            "claim_id": claim, "claim_line_id": line, "location_id": location}  # fmt: skip


def python_payer_aging(as_of: date) -> dict[int, list[Decimal]]:
    lines: dict[tuple, list] = defaultdict(list)
    for p in PostingRow.objects.filter(account=Account.AR_PAYER, effective_date__lte=as_of):
        lines[(p.payer_id, p.claim_id, p.claim_line_id)].append(p)
    out: dict[int, list[Decimal]] = defaultdict(lambda: [D("0.00")] * 5)
    for (payer_id, _, _), rows in lines.items():
        total = sum(p.amount for p in rows)
        if total == 0:
            continue
        debits = [p.effective_date for p in rows if p.amount > 0]
        oldest = min(debits or [p.effective_date for p in rows])
        out[payer_id][bucket_of((as_of - oldest).days)] += total
    return dict(out)


def python_patient_aging(as_of: date) -> dict[int, tuple[list[Decimal], Decimal]]:
    rows: dict[int, list] = defaultdict(list)
    for p in PostingRow.objects.filter(account=Account.AR_PATIENT, effective_date__lte=as_of):
        rows[p.patient_id].append(p)
    out = {}
    for patient_id, postings in rows.items():
        net = sum(p.amount for p in postings)
        if net == 0:
            continue
        credit = -sum(p.amount for p in postings if p.amount < 0)
        buckets = [D("0.00")] * 5
        for p in sorted(
            (p for p in postings if p.amount > 0), key=lambda p: (p.effective_date, p.pk)
        ):
            used = min(credit, p.amount)
            credit -= used
            if p.amount - used:
                buckets[bucket_of((as_of - p.effective_date).days)] += p.amount - used
        out[patient_id] = (buckets, net - sum(buckets))
    return out


@pytest.fixture
def ledger(db, staff):
    """Two payers, three patients, claim lines of every age, partial payments, a reversal-free
    overpayment and a patient with a credit balance."""
    biller = staff("biller")
    acme, zen = Payer.objects.create(name="Acme Health"), Payer.objects.create(name="Zen Mutual")
    ann, bob, cy = (make_patient(family=f, given="T") for f in ("Ann", "Bob", "Cy"))
    days = [AS_OF - timedelta(days=n) for n in (0, 30, 31, 60, 61, 90, 91, 120, 121, 400)]
    line = 0
    for i, day in enumerate(days):
        for payer, patient in ((acme, ann), (zen, bob)):
            line += 1
            dims = payer_line("0", payer=payer, patient=patient, claim=line, line=line)
            amount = D("100.00") + i
            post(day, JournalKind.CHARGE,
                 Posting(Account.AR_PAYER, amount, **{k: v for k, v in dims.items() if k != "amount"}),
                 Posting(Account.REVENUE, -amount, patient_id=patient.pk, claim_id=line),
                 actor=biller)  # fmt: skip
            if i % 3 == 0:  # paid in part later, and in full for one payer's line
                paid = amount if payer is zen and i == 3 else D("40.10")
                post(min(day + timedelta(days=20), AS_OF), JournalKind.PAYMENT,
                     Posting(Account.CASH, paid, payer_id=payer.pk),
                     Posting(Account.AR_PAYER, -paid, payer_id=payer.pk, patient_id=patient.pk,
                             claim_id=line, claim_line_id=line),
                     actor=biller)  # fmt: skip
    # Patient balances: several charges, payments first-in-first-out, one credit balance.
    for patient, amounts in (
        (ann, ("30.00", "45.50", "20.00")),
        (bob, ("80.00",)),
        (cy, ("10.00",)),
    ):
        for n, amount in enumerate(amounts):
            post(AS_OF - timedelta(days=100 - 40 * n), JournalKind.CHARGE,
                 Posting(Account.AR_PATIENT, D(amount), patient_id=patient.pk),
                 Posting(Account.REVENUE, -D(amount), patient_id=patient.pk), actor=biller)  # fmt: skip
    for patient, paid in ((ann, "50.00"), (cy, "25.00")):
        post(AS_OF - timedelta(days=5), JournalKind.PAYMENT,
             Posting(Account.CASH, D(paid), patient_id=patient.pk),
             Posting(Account.AR_PATIENT, -D(paid), patient_id=patient.pk), actor=biller)  # fmt: skip
    # After the as-of date: must not count.
    post(AS_OF + timedelta(days=1), JournalKind.CHARGE,
         Posting(Account.AR_PATIENT, D("999.00"), patient_id=bob.pk),
         Posting(Account.REVENUE, D("-999.00"), patient_id=bob.pk), actor=biller)  # fmt: skip
    return {"acme": acme, "zen": zen, "ann": ann, "bob": bob, "cy": cy, "biller": biller}


def test_payer_buckets_match_a_row_by_row_computation(ledger):
    flt = AgingFilter(as_of=AS_OF)
    expected = python_payer_aging(AS_OF)
    rows = aging.payer_aging(flt)
    assert {r.key: r.buckets for r in rows} == expected
    assert [r.total for r in rows] == sorted((r.total for r in rows), reverse=True)
    assert {r.name for r in rows} == {"Acme Health", "Zen Mutual"}
    total = aging.payer_aging_total(flt)
    assert total.buckets == [sum(b[i] for b in expected.values()) for i in range(5)]
    # Every bucket holds something (0, 30, 31, ... 121, 400 days old).
    assert all(b > 0 for b in total.buckets)


def test_boundaries_of_the_buckets(ledger):
    rows = {r.key: r for r in aging.payer_aging(AgingFilter(as_of=AS_OF))}
    acme = rows[ledger["acme"].pk]
    # Lines 0 and 30 days old (100 + 101, the first paid 40.10 in part) are in 0-30.
    assert acme.buckets[0] == D("100.00") - D("40.10") + D("101.00")


def test_patient_buckets_first_in_first_out_and_credit_balances(ledger):
    flt = AgingFilter(as_of=AS_OF)
    expected = python_patient_aging(AS_OF)
    rows = aging.patient_aging(flt, limit=None)
    assert {r.key: (r.buckets, r.credit) for r in rows} == expected
    ann = next(r for r in rows if r.key == ledger["ann"].pk)
    # 30.00 at 100 days and 20.00 of the 45.50 at 60 days are paid by the 50.00.
    assert ann.buckets == [D("20.00"), D("25.50"), D("0.00"), D("0.00"), D("0.00")]
    cy = next(r for r in rows if r.key == ledger["cy"].pk)
    assert cy.credit == D("-15.00") and cy.total == D("-15.00")
    assert ann.name == "Ann, T" and ann.ref == ledger["ann"].mrn
    total = aging.patient_aging_total(flt)
    assert total.total == sum(r.total for r in rows)
    assert total.credit == D("-15.00")


def test_filters_by_payer_location_and_top_patients(ledger):
    zen = ledger["zen"]
    rows = aging.payer_aging(AgingFilter(as_of=AS_OF, payer_id=zen.pk))
    assert [r.key for r in rows] == [zen.pk]
    assert aging.payer_aging(AgingFilter(as_of=AS_OF, location_id=424242)) == []
    top = aging.patient_aging(AgingFilter(as_of=AS_OF), limit=1)
    assert [r.key for r in top] == [ledger["bob"].pk]  # 80.00, the largest balance


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_ledgers_agree_with_python(db, staff, seed):
    rng = random.Random(seed)
    biller = staff("biller")
    payers = [Payer.objects.create(name=f"P{i}") for i in range(3)]
    patients = [make_patient(family=f"R{seed}x{i}", given="Q") for i in range(4)]
    for line in range(1, 40):
        payer, patient = rng.choice(payers), rng.choice(patients)
        day = AS_OF - timedelta(days=rng.randint(0, 200))
        amount = D(rng.randint(1000, 30000)) / 100
        ids = {
            "payer_id": payer.pk,
            "patient_id": patient.pk,
            "claim_id": line,
            "claim_line_id": line,
        }
        post(day, JournalKind.CHARGE, Posting(Account.AR_PAYER, amount, **ids),
             Posting(Account.REVENUE, -amount, patient_id=patient.pk), actor=biller)  # fmt: skip
        part = (amount * D(rng.choice(["0.3", "0.5", "1", "1.2"]))).quantize(D("0.01"))
        post(day + timedelta(days=rng.randint(0, 40)), JournalKind.PAYMENT,
             Posting(Account.CASH, part), Posting(Account.AR_PAYER, -part, **ids), actor=biller)  # fmt: skip
        if rng.random() < 0.5:
            post(day, JournalKind.PATIENT_TRANSFER, Posting(Account.AR_PATIENT, D("12.34"), patient_id=patient.pk),
                 Posting(Account.REVENUE, D("-12.34"), patient_id=patient.pk), actor=biller)  # fmt: skip
        if rng.random() < 0.3:
            post(day + timedelta(days=10), JournalKind.PAYMENT, Posting(Account.CASH, D("20.00")),
                 Posting(Account.AR_PATIENT, D("-20.00"), patient_id=patient.pk), actor=biller)  # fmt: skip
    for as_of in (AS_OF, AS_OF - timedelta(days=45)):
        flt = AgingFilter(as_of=as_of)
        assert {r.key: r.buckets for r in aging.payer_aging(flt)} == python_payer_aging(as_of)
        got = {r.key: (r.buckets, r.credit) for r in aging.patient_aging(flt, limit=None)}
        assert got == python_patient_aging(as_of)


def test_days_in_ar_net_collection_rate_and_share_over_90(db, staff):
    biller = staff("biller")
    payer, patient = Payer.objects.create(name="Acme"), make_patient(family="Kpi", given="K")
    ids = {"payer_id": payer.pk, "patient_id": patient.pk, "claim_id": 1, "claim_line_id": 1}
    # 9,000.00 charged 10 days ago, 1,000.00 charged 100 days ago (outside the 90 days).
    post(AS_OF - timedelta(days=10), JournalKind.CHARGE, Posting(Account.AR_PAYER, D("9000.00"), **ids),
         Posting(Account.REVENUE, D("-9000.00")), actor=biller)  # fmt: skip
    old = {**ids, "claim_id": 2, "claim_line_id": 2}
    post(AS_OF - timedelta(days=100), JournalKind.CHARGE, Posting(Account.AR_PAYER, D("1000.00"), **old),
         Posting(Account.REVENUE, D("-1000.00")), actor=biller)  # fmt: skip
    # This month: 2,000.00 contractual, 3,500.00 paid, and a 100.00 payment reversed.
    post(AS_OF - timedelta(days=5), JournalKind.ADJUSTMENT, Posting(Account.CONTRACTUAL_ADJUSTMENT, D("2000.00")),
         Posting(Account.AR_PAYER, D("-2000.00"), **ids), actor=biller)  # fmt: skip
    post(AS_OF - timedelta(days=4), JournalKind.PAYMENT, Posting(Account.CASH, D("3500.00")),
         Posting(Account.AR_PAYER, D("-3500.00"), **ids), actor=biller)  # fmt: skip
    from medoffice.billing.ledger import reverse_journal

    wrong = post_journal(kind=JournalKind.PAYMENT, effective_date=AS_OF - timedelta(days=3),
                         postings=[Posting(Account.CASH, D("100.00")),
                                   Posting(Account.AR_PAYER, D("-100.00"), **ids)], actor=biller)  # fmt: skip
    reverse_journal(journal=wrong, reason="wrong claim", actor=biller, effective_date=AS_OF)
    figures = aging.ar_figures(AgingFilter(as_of=AS_OF))
    total_ar = D("10000.00") - D("2000.00") - D("3500.00")
    assert figures.total_ar == total_ar
    assert figures.charges_90_days == D("9000.00")
    assert figures.days_in_ar == (total_ar / (D("9000.00") / 90)).quantize(D("0.1"))  # 45.0
    assert figures.days_in_ar == D("45.0")
    # June: charges 9,000 (the 1,000 was in March), payments 3,500 net of the reversal.
    assert figures.period_payments == D("3500.00")
    assert figures.net_collection_rate == (D("3500") * 100 / D("7000")).quantize(D("0.1"))
    assert figures.over_90 == D("1000.00")
    assert figures.share_over_90 == (D("1000") * 100 / total_ar).quantize(D("0.1"))


def test_payments_are_counted_from_remittance_journals_and_older_payment_journals(db, staff):
    from medoffice.billing.ledger import reverse_journal

    biller = staff("biller")
    payer, patient = Payer.objects.create(name="Acme"), make_patient(family="Pay", given="P")
    ids = {"payer_id": payer.pk, "patient_id": patient.pk, "claim_id": 1, "claim_line_id": 1}
    day = AS_OF - timedelta(days=2)
    # An ERA's claim in one journal: 300 paid, 200 contractual, 50 to the patient. Its payer's
    # receivable credit (550) is not what was paid; the cash debit is.
    era = post_journal(kind=JournalKind.REMITTANCE, effective_date=day, actor=biller, postings=[
        Posting(Account.CASH, D("300.00"), **ids),
        Posting(Account.CONTRACTUAL_ADJUSTMENT, D("200.00"), **ids),
        Posting(Account.AR_PATIENT, D("50.00"), **ids), Posting(Account.AR_PAYER, D("-550.00"), **ids),
    ])  # fmt: skip
    # An unmatched claim's money posted later from unapplied; an older ERA's payment journal.
    post(day, JournalKind.REMITTANCE, Posting(Account.UNAPPLIED, D("40.00"), **ids),
         Posting(Account.AR_PAYER, D("-40.00"), **ids), actor=biller)  # fmt: skip
    post(day, JournalKind.PAYMENT, Posting(Account.CASH, D("25.00")),
         Posting(Account.AR_PAYER, D("-25.00"), **ids), actor=biller)  # fmt: skip
    assert aging.payments_between(day, AS_OF) == D("365.00")
    reverse_journal(journal=era, reason="paid in error", actor=biller, effective_date=AS_OF)
    assert aging.payments_between(day, AS_OF) == D("65.00")
    assert aging.payments_between(day, day) == D("365.00")  # the reversal is dated later


def test_no_charges_gives_no_ratio(db):
    figures = aging.ar_figures(AgingFilter(as_of=AS_OF))
    assert figures.days_in_ar is None and figures.net_collection_rate is None
    assert figures.share_over_90 is None and figures.total_ar == 0


def test_the_aging_queries_read_an_index_not_the_table(ledger):
    if connection.vendor != "sqlite":
        pytest.skip("the plan is checked on SQLite")
    flt = AgingFilter(as_of=AS_OF)
    payer_sql, payer_params = aging._payer_lines_sql(flt)
    patient_sql, patient_params = aging._patient_balances_sql(flt)
    # A ledger of some size (written directly: the planner's choice is what is tested here).
    journal = Journal.objects.create(kind=JournalKind.CHARGE, effective_date=AS_OF)
    PostingRow.objects.bulk_create(
        PostingRow(journal=journal, account=account, amount=D("1.00") * sign,
                   patient_id=n % 500, payer_id=n % 7, claim_id=n, claim_line_id=n,
                   effective_date=AS_OF - timedelta(days=n % 700))
        for n in range(3000)
        for account, sign in ((Account.AR_PAYER, 1), (Account.AR_PATIENT, 1), (Account.REVENUE, -2))
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        patient_sql += " SELECT * FROM open_since"
        for sql, params in ((payer_sql, payer_params), (patient_sql, patient_params)):
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row[3]) for row in cursor.fetchall())
            assert "SCAN billing_posting" not in plan, plan
            assert "COVERING INDEX posting_aging_" in plan, plan


def test_an_account_named_in_the_statement_is_a_ledger_account_and_selects_as_a_filter(ledger):
    from medoffice.billing.models import account_sql

    assert account_sql(Account.AR_PAYER) == "account = 'ar_payer'"
    with pytest.raises(ValueError, match="not a ledger account"):
        account_sql("ar_payer' OR '1'='1")
    rows = PostingRow.objects.filter(account__is=Account.AR_PATIENT)
    assert "'ar_patient'" in str(rows.query)
    assert set(rows.values_list("pk", flat=True)) == set(
        PostingRow.objects.filter(account=Account.AR_PATIENT).values_list("pk", flat=True)
    )
    with pytest.raises(ValueError):
        list(PostingRow.objects.filter(account__is="nowhere"))
