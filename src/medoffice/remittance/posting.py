"""Posting one claim of a remittance: matching its lines, the ledger journals, the claim's
adjudication (for COB) and status. Called inside era_import's (or a resolution's) transaction;
authorization is the caller's.

Accounts, in one `remittance` journal per claim: the payment debits `cash` (checks and EFTs
alike: the ledger has no separate EFT clearing account) and credits `ar_payer`; CO credits
`ar_payer` against `contractual_adjustment`; PR moves the amount from `ar_payer` to `ar_patient`;
OA, PI (and 4010's CR) go to `other_adjustment`. Money for a claim that matches nothing waits in
`unapplied`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from medoffice.billing.ledger import (
    Account,
    Journal,
    JournalKind,
    JournalSpec,
    LedgerError,
    Posting,
    reverse_journal,
)
from medoffice.claims.models import Claim, ClaimLine, ClaimStatus
from medoffice.interop.x12.remit835 import Adjustment, ClaimPayment, ServicePayment
from medoffice.remittance.models import (
    DenialKind,
    ItemStatus,
    RemittanceClaim,
    RemittanceLine,
)

ZERO = Decimal("0.00")
# Reductions a contract or the law makes (not denials): contractual, charge over the fee
# schedule, multiple procedures, processed in excess of charges, sequestration...
CONTRACTUAL_REASONS = frozenset({"42", "45", "59", "94", "237", "253"})
ADJUSTMENT_ACCOUNT = {
    "CO": Account.CONTRACTUAL_ADJUSTMENT,
    "PR": Account.AR_PATIENT,
    "OA": Account.OTHER_ADJUSTMENT,
    "PI": Account.OTHER_ADJUSTMENT,
    "CR": Account.OTHER_ADJUSTMENT,
}


class Unmatched(Exception):
    """The claim or one of its lines matches nothing of ours: nothing is posted for it."""


@dataclass
class ClaimOutcome:
    lines_posted: int = 0
    notes: list[str] = field(default_factory=list)
    journal_ids: list[int] = field(default_factory=list)


def denial_kind(paid: Decimal, adjustments: list[Adjustment]) -> str:
    """Full: nothing paid, nothing left to the patient, adjusted away. Partial: paid (or left to
    the patient) but also reduced for a reason other than the contract."""
    others = [a for a in adjustments if a.group != "PR" and a.amount > 0]
    if not others:
        return DenialKind.NONE
    patient = sum((a.amount for a in adjustments if a.group == "PR"), ZERO)
    if paid == 0 and patient == 0:
        return DenialKind.FULL
    if any(a.reason not in CONTRACTUAL_REASONS for a in others):
        return DenialKind.PARTIAL
    return DenialKind.NONE


def find_claim(payment: ClaimPayment) -> Claim:
    claim = (
        Claim.objects.filter(patient_control_number=payment.patient_control_number)
        .select_related("payer")
        .first()
    )
    if claim is None:
        raise Unmatched(f"No claim has patient control number {payment.patient_control_number}.")
    return claim


def match_lines(
    claim: Claim, payment: ClaimPayment, lines: list[ClaimLine] | None = None
) -> list[tuple[ServicePayment, ClaimLine]]:
    """Each service line to one of the claim's lines (`lines`, in line number order, when the
    caller has them): by line control number (REF*6R/6B), else by procedure code and date of
    service (and modifiers when that is not enough)."""
    if lines is None:
        lines = list(claim.lines.order_by("line_number"))
    by_control = {line.line_control_number: line for line in lines}
    used: set[int] = set()
    matched = []
    for service in payment.services:
        line = by_control.get(service.line_control_number) if service.line_control_number else None
        if line is None:
            code = service.submitted_procedure_code or service.procedure_code
            day = service.service_date or payment.statement_start or claim.service_date_from
            candidates = [
                ln for ln in lines
                if ln.pk not in used and ln.procedure_code == code and ln.date_of_service == day
            ]  # fmt: skip
            exact = [ln for ln in candidates if tuple(ln.modifiers or ()) == service.modifiers]
            line = (exact or candidates or [None])[0]
        if line is None or line.pk in used:
            raise Unmatched(
                f"Service {service.procedure_code} on {service.service_date or '?'} matches no "
                f"line of claim {claim.patient_control_number}."
            )
        used.add(line.pk)
        matched.append((service, line))
    return matched


def _spec(kind: str, postings: list[Posting], *, rc_id: int, key: str, memo: str,
          day: date) -> JournalSpec | None:  # fmt: skip
    if not postings:
        return None
    return JournalSpec(
        kind=kind, postings=postings, effective_date=day, memo=memo, source="era",
        source_id=f"remclaim-{rc_id}", idempotency_key=f"era-{rc_id}-{key}",
    )  # fmt: skip


def claim_journals(
    *, rc: RemittanceClaim, payment: ClaimPayment, claim: Claim, trace: str,
    matches: list[tuple[ServicePayment, ClaimLine]], money_from: str = Account.CASH,
    day: date | None = None,
) -> list[JournalSpec]:  # fmt: skip
    """A matched claim's journal (kind `remittance`): per line (and for the claim as a whole
    where the payer paid or adjusted beyond its lines), the payment debits `money_from`, CO and
    other adjustments their accounts, PR the patient's receivable, and the payer's receivable is
    credited their sum. Dated `day` (today by default: a batch passes it once rather than asking
    per claim). A list: empty when the claim moved no money.

    One journal, not one per kind of event, and one posting per account and line (a line's
    deductible and coinsurance both move to the patient): the balances are the same with a
    third fewer rows (an ERA of 20,000 lines wrote 112,000 postings in 50,000 journals). A
    payment is told apart by its account: the money account's debit (see
    billing.models.payment_postings). All of a claim's postings carry its patient, payer and
    place, so the journal is summed by (account, line) in the order first seen."""
    sums: dict[tuple[str, int | None], Decimal] = {}

    def add(account: str, line_id: int | None, amount: Decimal) -> None:
        sums[account, line_id] = sums.get((account, line_id), ZERO) + amount
        sums[Account.AR_PAYER, line_id] = sums.get((Account.AR_PAYER, line_id), ZERO) - amount

    for service, line in matches:
        add(money_from, line.pk, service.paid)
        for adj in service.adjustments:
            add(ADJUSTMENT_ACCOUNT[adj.group], line.pk, adj.amount)
    claim_paid_on_lines = sum((s.paid for s, _ in matches), ZERO)
    if not matches or payment.paid != claim_paid_on_lines:
        # No service lines, or a claim-level amount beyond them: against the claim as a whole.
        add(money_from, None, payment.paid - claim_paid_on_lines)
    for adj in payment.adjustments:
        add(ADJUSTMENT_ACCOUNT[adj.group], None, adj.amount)
    day, memo = day or timezone.localdate(), f"ERA {trace} claim {claim.patient_control_number}"
    patient, payer, place = claim.patient_id, claim.payer_id, claim.location_id
    spec = _spec(
        JournalKind.REMITTANCE,
        [Posting(account, amount, patient, payer, claim.pk, line_id, place)
         for (account, line_id), amount in sums.items() if amount],
        rc_id=rc.pk, key="claim", memo=memo, day=day,
    )  # fmt: skip
    return [spec] if spec is not None else []


def unapplied_journal(*, rc: RemittanceClaim, payer_id: int | None, trace: str
                      ) -> JournalSpec | None:  # fmt: skip
    """Money for a claim left unmatched waits in `unapplied`, so the file still balances."""
    if not rc.paid:
        return None
    return _spec(
        "payment",
        [Posting(account=Account.CASH, amount=rc.paid, payer_id=payer_id),
         Posting(account=Account.UNAPPLIED, amount=-rc.paid, payer_id=payer_id)],
        rc_id=rc.pk, key="unapplied", day=timezone.localdate(),
        memo=f"ERA {trace}: unmatched claim {rc.patient_control_number}",
    )  # fmt: skip


def patient_share(service: ServicePayment) -> Decimal:
    return sum((a.amount for a in service.adjustments if a.group == "PR"), ZERO)


def expected_amount(
    fee: Decimal | None, line: ClaimLine, service: ServicePayment, denial: str
) -> tuple[Decimal | None, bool]:
    """The fee schedule's expected amount for the line (`fee`: per unit), and whether the payer
    allowed less (paid plus what it left to the patient). A denial is worked as a denial."""
    if fee is None:
        return None, False
    expected = (fee * line.units).quantize(ZERO)
    allowed = service.paid + patient_share(service)
    return expected, denial != DenialKind.FULL and service.paid > 0 and allowed < expected


def status_reasons(payment: ClaimPayment) -> list[str]:
    return sorted({f"{a.group}-{a.reason}" for s in payment.services for a in s.adjustments}
                  | {f"{a.group}-{a.reason}" for a in payment.adjustments})  # fmt: skip


def target_status(payment: ClaimPayment, rows: list[RemittanceLine]) -> str:
    kinds = [row.denial for row in rows]
    if payment.is_denied or (kinds and all(k == DenialKind.FULL for k in kinds)):
        return ClaimStatus.DENIED
    if not rows and payment.paid == 0 and any(a.group != "PR" for a in payment.adjustments):
        return ClaimStatus.DENIED
    if any(kinds):
        return ClaimStatus.PARTIALLY_PAID
    return ClaimStatus.PAID


def reverse_claim(*, rc: RemittanceClaim, claim: Claim, actor: Any) -> ClaimOutcome:
    """CLP02 22: reverse the journals an earlier ERA posted for this claim."""
    earlier = (
        RemittanceClaim.objects.filter(
            claim=claim, status__in=(ItemStatus.POSTED, ItemStatus.RESOLVED)
        )
        .exclude(pk=rc.pk)
        .exclude(status_code="22")
        .order_by("-pk")
    )
    for prior in earlier:
        ids = [
            pk for pk in prior.journal_ids
            if not Journal.objects.filter(reverses_id=pk).exists()
        ]  # fmt: skip
        if not ids:
            continue
        outcome = ClaimOutcome()
        for journal in Journal.objects.filter(pk__in=ids).order_by("pk"):
            try:
                reversal = reverse_journal(
                    journal=journal, actor=actor,
                    reason=f"Payer reversal in ERA {rc.remittance.trace_number}",
                )  # fmt: skip
            except LedgerError as exc:
                raise Unmatched(f"Reversal could not be posted: {'; '.join(exc.messages)}") from exc
            outcome.journal_ids.append(reversal.pk)
        outcome.notes.append(
            f"Reversed the posting of ERA {prior.remittance.trace_number}; the claim keeps its "
            f"status ({claim.get_status_display().lower()}): the status table has no way back."
        )
        return outcome
    raise Unmatched("A reversal (CLP02 22) of a payment never posted here.")
