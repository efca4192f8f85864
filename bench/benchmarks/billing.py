"""Billing on the demo dataset: the A/R aging report's selectors (by payer and by patient)."""

from __future__ import annotations

from django.db.models import Count, Max
from django.utils import timezone

from harness import Run, benchmark
from medoffice.billing import aging
from medoffice.billing.models import Account, Posting


@benchmark("ar_aging", target="p95 < 2000 ms")
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
    note = f"{payer_rows:,} ar_payer and {patient_rows:,} ar_patient postings as of {as_of}"
    if not payer_rows and not patient_rows:
        note += " (the dataset has no ledger yet: this times empty aggregates)"
    return run.result(
        timing, throughput_unit="reports/s", note=note,
        ar_payer_postings=payer_rows, ar_patient_postings=patient_rows,
    )  # fmt: skip
