"""Billing on the demo dataset: the A/R aging report's selectors (by payer and by patient), and
the ledger reconciliation over every posting."""

from __future__ import annotations

import time

from django.db.models import Count, Max
from django.utils import timezone

from harness import Run, Timing, benchmark
from medoffice.billing import aging
from medoffice.billing.models import Account, Journal, Posting
from medoffice.billing.selectors import ledger_reconcile

AGING_TARGET_MS = {"sqlite": 2000, "postgres": 1000}


@benchmark("ar_aging", target="p95 < 2000 ms SQLite, < 1000 ms PostgreSQL")
def ar_aging(run: Run):
    """A/R aging by payer and by patient (totals, payers, top 25 patients), as of today."""
    counts = dict(
        Posting.objects.filter(account__in=[Account.AR_PAYER, Account.AR_PATIENT])
        .values_list("account")
        .annotate(n=Count("pk"))
        .order_by()
    )
    latest = Posting.objects.aggregate(day=Max("effective_date"))["day"]
    as_of = max(latest or timezone.localdate(), timezone.localdate())
    flt = aging.AgingFilter(as_of=as_of)

    def once() -> None:
        # What the A/R page asks for: payers with their total, the top patients with theirs.
        aging.payer_total(aging.payer_aging(flt))
        aging.patient_aging_report(flt, limit=25)

    timing = run.measure(once, n=30, warmup=3, budget_s=60, min_n=5)
    payer_rows = counts.get(Account.AR_PAYER, 0)
    patient_rows = counts.get(Account.AR_PATIENT, 0)
    total = Posting.objects.count()
    note = (
        f"{total:,} ledger postings, of which {payer_rows:,} ar_payer and {patient_rows:,} "
        f"ar_patient; as of {as_of}"
    )
    if not payer_rows and not patient_rows:
        note += " (the dataset has no ledger yet: this times empty aggregates)"
    limit = AGING_TARGET_MS[run.database]
    return run.result(
        timing, throughput_unit="reports/s", note=note, passed=timing.p95_ms < limit,
        target=f"p95 < {limit} ms", postings=total, ar_payer_postings=payer_rows,
        ar_patient_postings=patient_rows,
    )  # fmt: skip


@benchmark("ledger_reconcile", target="every balance agrees with the ledger")
def ledger_reconcile_all(run: Run):
    """`medoffice billing reconcile` on the whole dataset: every journal sums to zero, and the
    balances per patient, payer, claim and claim line summed by the database agree with the
    postings added up row by row."""
    started = time.perf_counter()
    result = ledger_reconcile()
    elapsed = time.perf_counter() - started
    note = (
        f"{result.journals:,} journals, {result.postings:,} postings in {elapsed:.1f} s: "
        + ("balanced, every balance agrees" if result.ok else f"{len(result.problems)} problems: "
           + "; ".join(result.problems[:3]))
    )  # fmt: skip
    return run.result(
        Timing([elapsed]), throughput_unit="postings/s", items_per_call=result.postings,
        note=note, passed=result.ok and result.postings > 0, journals=result.journals,
        postings=result.postings, problems=len(result.problems),
        journals_in_table=Journal.objects.count(),
    )  # fmt: skip
