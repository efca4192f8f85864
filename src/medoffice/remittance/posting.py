"""Posting one claim of a remittance: matching its lines, the ledger journals, the claim's
adjudication (for COB) and status. Called inside era_import's (or a resolution's) transaction;
authorization is the caller's.

Accounts: the payment debits `cash` (checks and EFTs alike: the ledger has no separate EFT
clearing account) and credits `ar_payer`; CO credits `ar_payer` against `contractual_adjustment`;
PR moves the amount from `ar_payer` to `ar_patient`; OA, PI (and 4010's CR) go to
`other_adjustment`. Money for a claim that matches nothing waits in `unapplied`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.billing.ledger import (
    Account,
    Journal,
    LedgerError,
    Posting,
    post_journal,
    reverse_journal,
)
from medoffice.billing.selectors import fee_for
from medoffice.claims.models import Claim, ClaimLine, ClaimStatus
from medoffice.claims.services import claim_line_adjudication_record, claim_transition
from medoffice.interop.x12.remit835 import Adjustment, ClaimPayment, ServicePayment
from medoffice.remittance.models import (
    DenialKind,
    ItemStatus,
    RemittanceAdjustment,
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


def match_lines(claim: Claim, payment: ClaimPayment) -> list[tuple[ServicePayment, ClaimLine]]:
    """Each service line to one of the claim's lines: by line control number (REF*6R/6B),
    else by procedure code and date of service (and modifiers when that is not enough)."""
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


def record(rc: RemittanceClaim, payment: ClaimPayment) -> list[RemittanceLine]:
    """The claim's lines and adjustments as the payer sent them (matched or not)."""
    RemittanceAdjustment.objects.bulk_create(
        RemittanceAdjustment(remittance_claim=rc, group=a.group, reason=a.reason, amount=a.amount)
        for a in payment.adjustments
    )
    rows = []
    for service in payment.services:
        row = RemittanceLine.objects.create(
            remittance_claim=rc, procedure_code=service.procedure_code,
            modifiers=list(service.modifiers), service_date=service.service_date,
            line_control_number=service.line_control_number[:50], billed=service.billed,
            paid=service.paid, allowed=service.allowed, remark_codes=service.remark_codes,
            denial=denial_kind(service.paid, service.adjustments),
        )  # fmt: skip
        RemittanceAdjustment.objects.bulk_create(
            RemittanceAdjustment(
                remittance_claim=rc, line=row, group=a.group, reason=a.reason, amount=a.amount
            )
            for a in service.adjustments
        )
        rows.append(row)
    return rows


def _journal(kind: str, postings: list[Posting], *, key: str, memo: str, source_id: str,
             actor: Any) -> Journal | None:  # fmt: skip
    postings = [p for p in postings if p.amount != 0]
    if not postings:
        return None
    return post_journal(
        kind=kind, postings=postings, effective_date=timezone.localdate(), actor=actor,
        memo=memo, source="era", source_id=source_id, idempotency_key=key,
    )  # fmt: skip


def _pairs(adjustments: list[Adjustment], dims: dict[str, Any], out: dict[str, list[Posting]]):
    for adj in adjustments:
        kind = "patient_transfer" if adj.group == "PR" else "adjustment"
        out[kind].append(Posting(account=ADJUSTMENT_ACCOUNT[adj.group], amount=adj.amount, **dims))
        out[kind].append(Posting(account=Account.AR_PAYER, amount=-adj.amount, **dims))


def post_claim(
    *, rc: RemittanceClaim, payment: ClaimPayment, claim: Claim, rows: list[RemittanceLine],
    matches: list[tuple[ServicePayment, ClaimLine]], actor: Any, money_from: str = Account.CASH,
    adjudicated_on: date,
) -> ClaimOutcome:  # fmt: skip
    """Post a matched claim: payment, CO, PR and other adjustments per line; record the
    adjudication; move the claim's status; flag underpaid lines."""
    outcome = ClaimOutcome()
    base = {"patient_id": claim.patient_id, "payer_id": claim.payer_id, "claim_id": claim.pk,
            "location_id": claim.location_id}  # fmt: skip
    journals: dict[str, list[Posting]] = {"payment": [], "adjustment": [], "patient_transfer": []}
    for (service, line), row in zip(matches, rows, strict=True):
        dims = {**base, "claim_line_id": line.pk}
        journals["payment"].append(Posting(account=money_from, amount=service.paid, **dims))
        journals["payment"].append(Posting(account=Account.AR_PAYER, amount=-service.paid, **dims))
        _pairs(service.adjustments, dims, journals)
        row.claim_line = line
        row.expected, row.underpaid = _expected(claim, line, service, row.denial)
        row.save(update_fields=["claim_line", "expected", "underpaid"])
        if row.underpaid:
            outcome.notes.append(
                f"Line {line.line_number} underpaid: allowed {service.paid + _patient(service)}"
                f", expected {row.expected}."
            )
    claim_paid_on_lines = sum((s.paid for s, _ in matches), ZERO)
    if not matches or payment.paid != claim_paid_on_lines:
        # No service lines, or a claim-level amount beyond them: against the claim as a whole.
        rest = payment.paid - claim_paid_on_lines
        journals["payment"].append(Posting(account=money_from, amount=rest, **base))
        journals["payment"].append(Posting(account=Account.AR_PAYER, amount=-rest, **base))
    _pairs(payment.adjustments, base, journals)
    source_id = f"remclaim-{rc.pk}"
    for kind, postings in journals.items():
        journal = _journal(
            kind, postings, key=f"era-{rc.pk}-{kind}", source_id=source_id, actor=actor,
            memo=f"ERA {rc.remittance.trace_number} claim {claim.patient_control_number}",
        )  # fmt: skip
        if journal is not None:
            outcome.journal_ids.append(journal.pk)
    outcome.lines_posted = len(matches)
    _adjudicate(claim, matches, actor, adjudicated_on, f"era-{rc.remittance_id}", outcome)
    _move_status(claim, payment, rows, actor, outcome)
    return outcome


def _patient(service: ServicePayment) -> Decimal:
    return sum((a.amount for a in service.adjustments if a.group == "PR"), ZERO)


def _expected(
    claim: Claim, line: ClaimLine, service: ServicePayment, denial: str
) -> tuple[Decimal | None, bool]:
    """The fee schedule's expected amount for the line, and whether the payer allowed less
    (paid plus what it left to the patient). A denial is worked as a denial, not here."""
    fee = fee_for(claim.payer_id, line.procedure_code, (line.modifiers or [""])[0],
                  line.date_of_service)  # fmt: skip
    if fee is None:
        return None, False
    expected = (fee[1] * line.units).quantize(ZERO)
    allowed = service.paid + _patient(service)
    return expected, denial != DenialKind.FULL and service.paid > 0 and allowed < expected


def _adjudicate(claim, matches, actor, day: date, reference: str, outcome: ClaimOutcome) -> None:
    for service, line in matches:
        try:
            with transaction.atomic():
                claim_line_adjudication_record(
                    claim_line=line, payer_id=claim.payer_id, paid_amount=service.paid,
                    adjustments=[{"group": a.group, "reason": a.reason, "amount": a.amount}
                                 for a in service.adjustments],
                    adjudicated_on=day, actor=actor, allowed_amount=service.allowed,
                    remark_codes=service.remark_codes, source_reference=reference,
                )  # fmt: skip
        except ValidationError as exc:
            outcome.notes.append(
                f"Line {line.line_number}: adjudication not recorded ({'; '.join(exc.messages)})"
            )


def target_status(payment: ClaimPayment, rows: list[RemittanceLine]) -> str:
    kinds = [row.denial for row in rows]
    if payment.is_denied or (kinds and all(k == DenialKind.FULL for k in kinds)):
        return ClaimStatus.DENIED
    if not rows and payment.paid == 0 and any(a.group != "PR" for a in payment.adjustments):
        return ClaimStatus.DENIED
    if any(kinds):
        return ClaimStatus.PARTIALLY_PAID
    return ClaimStatus.PAID


def _move_status(claim, payment, rows, actor, outcome: ClaimOutcome) -> None:
    target = target_status(payment, rows)
    reasons = sorted({f"{a.group}-{a.reason}" for row in rows for a in row.adjustments.all()}
                     | {f"{a.group}-{a.reason}" for a in payment.adjustments})  # fmt: skip
    steps = [target]
    if claim.status == ClaimStatus.SUBMITTED:
        steps = [ClaimStatus.ACCEPTED, target]  # an ERA is the payer's acceptance
    for step in steps:
        if step not in claim.allowed_next():
            outcome.notes.append(
                f"Claim {claim.patient_control_number} is {claim.get_status_display().lower()}: "
                f"not moved to {ClaimStatus(step).label.lower()} (the status table does not "
                "allow it)."
            )
            return
        try:
            with transaction.atomic():
                claim = claim_transition(
                    claim=claim, to=step, actor=actor,
                    reason=("ERA: " + ", ".join(reasons)) if reasons else "ERA",
                    detail={"carc": reasons, "rarc": payment.remark_codes},
                    payer_claim_number=payment.payer_claim_number,
                )  # fmt: skip
        except ValidationError as exc:
            outcome.notes.append(f"Status not moved: {'; '.join(exc.messages)}")
            return


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


def post_unapplied(*, rc: RemittanceClaim, payer_id: int | None, actor: Any) -> list[int]:
    """Money for a claim left unmatched waits in `unapplied`, so the file still balances."""
    journal = _journal(
        "payment",
        [Posting(account=Account.CASH, amount=rc.paid, payer_id=payer_id),
         Posting(account=Account.UNAPPLIED, amount=-rc.paid, payer_id=payer_id)],
        key=f"era-{rc.pk}-unapplied", source_id=f"remclaim-{rc.pk}", actor=actor,
        memo=f"ERA {rc.remittance.trace_number}: unmatched claim {rc.patient_control_number}",
    )  # fmt: skip
    return [journal.pk] if journal else []
