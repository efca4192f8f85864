"""Reads of the ledger: balances (one SQL SUM each), a patient's ledger, reconciliation, fees."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Round

from medoffice.billing.models import (
    Account,
    AccountingPeriod,
    AdjustmentRequest,
    FeeSchedule,
    FeeScheduleItem,
    Journal,
    Posting,
    RequestStatus,
)

ZERO = Decimal("0.00")
DIMENSIONS = ("patient_id", "payer_id", "claim_id", "claim_line_id")


def balance(*, account: str | None = None, **dimension: int) -> Decimal:
    """The sum of postings (debit +) for one account and one dimension, e.g.
    balance(account="ar_payer", claim_id=7). Without an account: across all accounts."""
    unknown = set(dimension) - set(DIMENSIONS)
    if unknown or len(dimension) != 1:
        raise TypeError(f"balance() takes one of {', '.join(DIMENSIONS)}")
    rows = Posting.objects.filter(**dimension)
    if account is not None:
        rows = rows.filter(account__is=account)  # the aging indexes serve payers' balances
    # SQLite's SUM drops trailing zeros (250, not 250.00): show cents either way.
    return (rows.aggregate(total=Sum("amount"))["total"] or ZERO).quantize(ZERO)


def patient_balance(patient_id: int) -> Decimal:
    """What the patient owes (negative: a credit the practice owes them)."""
    return balance(account=Account.AR_PATIENT, patient_id=patient_id)


def claim_balance(claim_id: int) -> Decimal:
    """What is still expected from the payer for a claim."""
    return balance(account=Account.AR_PAYER, claim_id=claim_id)


def payer_balance(payer_id: int) -> Decimal:
    """What a payer owes across all its claims."""
    return balance(account=Account.AR_PAYER, payer_id=payer_id)


def patient_payer_balances(patient_id: int) -> list[dict[str, Any]]:
    """For one patient: what each payer still owes on their claims, with the payer's name."""
    from medoffice.patients.models import Payer

    rows = list(
        Posting.objects.filter(patient_id=patient_id, account=Account.AR_PAYER)
        .values("payer_id")
        .annotate(total=Sum("amount"))
        .order_by("payer_id")
    )
    # SQLite adds decimals as floats (a settled payer's -2.8e-14): zero is judged in cents.
    rows = [r for r in rows if r["total"].quantize(ZERO)]
    names = dict(
        Payer.objects.filter(pk__in=[r["payer_id"] for r in rows]).values_list("pk", "name")
    )
    return [
        {
            "payer_id": r["payer_id"],
            "name": names.get(r["payer_id"], "?"),
            "balance": r["total"].quantize(ZERO),
        }
        for r in rows
    ]


@dataclass
class LedgerLine:
    journal: Journal
    postings: list[Posting]
    patient_change: Decimal
    running_balance: Decimal


def patient_ledger(patient_id: int) -> list[LedgerLine]:
    """Every journal that touches the patient, oldest first, with its postings for this patient
    and the patient's running balance (ar_patient) after it."""
    postings = list(
        Posting.objects.filter(patient_id=patient_id)
        .select_related("journal", "journal__actor")
        .order_by("journal__effective_date", "journal_id", "pk")
    )
    lines: dict[int, LedgerLine] = {}
    running = ZERO
    for posting in postings:
        line = lines.get(posting.journal_id)
        if line is None:
            line = lines[posting.journal_id] = LedgerLine(posting.journal, [], ZERO, running)
        line.postings.append(posting)
        if posting.account == Account.AR_PATIENT:
            line.patient_change += posting.amount
            running += posting.amount
        line.running_balance = running
    return list(lines.values())


# --- Reconciliation ------------------------------------------------------------------------------


@dataclass
class ReconcileResult:
    journals: int = 0
    postings: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _grouped(dimension: str) -> dict[tuple[int, str], Decimal]:
    rows = (
        Posting.objects.filter(**{f"{dimension}__isnull": False})
        .values_list(dimension, "account")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    # SQLite adds decimals as floats (-2.3e-13 for a zero balance): back to cents.
    cent = Decimal("0.01")
    totals = ((key, account, total.quantize(cent)) for key, account, total in rows)
    return {(key, account): total for key, account, total in totals if total != 0}


def ledger_reconcile() -> ReconcileResult:
    """Check the books two ways: every journal sums to zero with at least two postings dated
    like it (and every posting's journal exists), and per-patient, per-payer, per-claim and per-claim-line balances summed by the
    database (GROUP BY) agree with the same sums taken row by row here."""
    result = ReconcileResult(journals=Journal.objects.count(), postings=Posting.objects.count())
    unbalanced = (
        # Rounded to cents in the database: SQLite adds decimals as floats (1.8e-15 for a
        # balanced journal of eight postings).
        Journal.objects.annotate(total=Round(Sum("postings__amount"), 2), lines=Count("postings"))
        .filter(Q(lines__lt=2) | ~Q(total=0) | Q(total__isnull=True))
        .values_list("pk", "total", "lines")
        .order_by("pk")
    )
    for pk, total, lines in unbalanced:
        result.problems.append(f"Journal {pk} does not balance: {lines} postings sum to {total}.")
    orphans = Posting.objects.filter(~Exists(Journal.objects.filter(pk=OuterRef("journal_id"))))
    for pk, journal_id in orphans.values_list("pk", "journal_id")[:50]:
        result.problems.append(f"Posting {pk} belongs to journal {journal_id}, which is missing.")
    misdated = Posting.objects.exclude(effective_date=F("journal__effective_date"))
    for pk, journal_id in misdated.values_list("pk", "journal_id")[:50]:
        result.problems.append(f"Posting {pk} is dated unlike its journal {journal_id}.")
    by_row: dict[str, dict[tuple[int, str], Decimal]] = {
        d: defaultdict(Decimal) for d in DIMENSIONS
    }
    fields = ("account", "amount", *DIMENSIONS)
    for row in Posting.objects.values_list(*fields).order_by().iterator(chunk_size=5000):
        account, amount = row[0], row[1]
        for dimension, key in zip(DIMENSIONS, row[2:], strict=True):
            if key is not None:
                by_row[dimension][(key, account)] += amount
    for dimension in DIMENSIONS:
        summed = _grouped(dimension)
        rowwise = {k: v for k, v in by_row[dimension].items() if v != 0}
        for key in sorted(set(summed) | set(rowwise)):
            if summed.get(key, ZERO) != rowwise.get(key, ZERO):
                result.problems.append(
                    f"{dimension} {key[0]} {key[1]}: the database sums {summed.get(key, ZERO)}, "
                    f"the rows add up to {rowwise.get(key, ZERO)}."
                )
    return result


# --- Periods, requests, fees ---------------------------------------------------------------------


def closed_periods() -> list[AccountingPeriod]:
    return list(
        AccountingPeriod.objects.filter(closed_at__isnull=False).select_related("closed_by")
    )


def period_postings(year: int, month: int) -> Any:
    """The postings of one month, by journal, for the accounting export."""
    return (
        Posting.objects.filter(effective_date__year=year, effective_date__month=month)
        .select_related("journal")
        .order_by("journal__effective_date", "journal_id", "pk")
    )


def pending_requests() -> Any:
    return AdjustmentRequest.objects.filter(status=RequestStatus.PENDING).select_related(
        "requested_by"
    )


def recent_requests(limit: int = 50) -> Any:
    return (
        AdjustmentRequest.objects.exclude(status=RequestStatus.PENDING)
        .select_related("requested_by", "decided_by")
        .order_by("-decided_at")[:limit]
    )


def schedule_for(payer_id: int | None, on_date: date) -> FeeSchedule | None:
    """The payer's schedule in force on a day (payer None: the self-pay schedule)."""
    return (
        FeeSchedule.objects.filter(payer_id=payer_id, effective_from__lte=on_date)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on_date))
        .order_by("-effective_from")
        .first()
    )


def fee_for(
    payer_id: int | None, code: str, modifier: str, on_date: date
) -> tuple[Decimal, Decimal] | None:
    """(billed, expected) for a procedure code and modifier under the payer's schedule on a
    day; None when no schedule or no line covers it. A code billed with a modifier that has no
    line of its own is priced at the code's plain line."""
    schedule = schedule_for(payer_id, on_date)
    if schedule is None:
        return None
    items = {
        item.modifier: item
        for item in FeeScheduleItem.objects.filter(
            schedule=schedule,
            code__code=code.strip().upper(),
            modifier__in={modifier.strip().upper(), ""},
        )
    }
    item = items.get(modifier.strip().upper()) or items.get("")
    if item is None:
        return None
    return item.billed_amount, item.expected_amount


def fee_schedules() -> Any:
    return FeeSchedule.objects.select_related("payer").annotate(item_count=Count("items"))


def fee_items(schedule: FeeSchedule) -> Any:
    return schedule.items.select_related("code")
