"""Posting a remittance's claims in bulk: an ERA carries thousands of claims, so the claims,
their lines and the fee schedules are read in a few queries, and the journals, adjudications,
status moves and worklist rows are written with bulk inserts (see posting.py for the rules).

A remittance is posted in segments so that each claim is read after any earlier posting in the
same remittance changed it: a segment ends before a claim seen earlier in it, and a reversal
(CLP02 22, which reads the earlier ERA's journals) is a segment of its own."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.audit.services import audit_record_many
from medoffice.billing.ledger import Account, post_journals
from medoffice.billing.models import FeeSchedule, FeeScheduleItem
from medoffice.claims.models import Claim, ClaimLine, ClaimStatus
from medoffice.claims.services import (
    AdjudicationInput,
    StatusMove,
    claim_line_adjudications_record,
    claims_transition_many,
)
from medoffice.core.copyoverlap import overlapping_copies
from medoffice.core.fastinsert import (
    insert_objects,
    insert_rows,
    instance_maker,
    loaded_maker,
    reserve_ids,
    update_rows,
)
from medoffice.interop.x12.remit835 import ClaimPayment, ServicePayment
from medoffice.patients.models import Patient
from medoffice.remittance import posting
from medoffice.remittance.models import (
    DenialWork,
    ItemStatus,
    RemittanceAdjustment,
    RemittanceClaim,
    RemittanceLine,
    WorkStatus,
)
from medoffice.remittance.suggest import action_for_reason, denial_reason

CHUNK = 500  # SQLite's limit on query parameters
# What posting reads of our claims and lines (a claim has 33 columns: reading them all, dates
# parsed and JSON decoded, for 17,000 claims was seconds of a 20,000-line import).
CLAIM_FIELDS = ("id", "patient", "payer", "location", "status", "patient_control_number",
                "service_date_from")  # fmt: skip
LINE_FIELDS = ("id", "claim", "line_number", "line_control_number", "procedure_code",
               "modifiers", "units", "amount", "date_of_service")  # fmt: skip


class Fees:
    """Fee schedule look-ups for one file: each payer's schedules and each schedule's items are
    read once; answers are those of billing.selectors.fee_for (expected amount per unit)."""

    def __init__(self) -> None:
        self._schedules: dict[int | None, list[FeeSchedule]] = {}
        self._items: dict[int, dict[tuple[str, str], Decimal]] = {}
        self._answers: dict[tuple[Any, ...], Decimal | None] = {}

    def expected(self, payer_id: int | None, code: str, modifier: str, day: date) -> Decimal | None:
        key = (payer_id, code, modifier, day)
        if key not in self._answers:
            self._answers[key] = self._look_up(payer_id, code, modifier, day)
        return self._answers[key]

    def _look_up(self, payer_id: int | None, code: str, modifier: str, day: date) -> Any:
        if payer_id not in self._schedules:
            self._schedules[payer_id] = list(
                FeeSchedule.objects.filter(payer_id=payer_id).order_by("-effective_from", "pk")
            )
        schedule = next(
            (s for s in self._schedules[payer_id]
             if s.effective_from <= day and (s.effective_to is None or s.effective_to >= day)),
            None,
        )  # fmt: skip
        if schedule is None:
            return None
        if schedule.pk not in self._items:
            self._items[schedule.pk] = {
                (c, mod): expected
                for c, mod, expected in FeeScheduleItem.objects.filter(
                    schedule_id=schedule.pk
                ).values_list("code__code", "modifier", "expected_amount")
            }
        items, code, modifier = (
            self._items[schedule.pk],
            code.strip().upper(),
            modifier.strip().upper(),
        )
        found = items.get((code, modifier))
        return found if found is not None else items.get((code, ""))


@dataclass
class Item:
    """One claim of the remittance on its way to the ledger."""

    rc: RemittanceClaim
    payment: ClaimPayment
    rows: list[RemittanceLine] = field(default_factory=list)
    claim: Claim | None = None
    matches: list[tuple[ServicePayment, ClaimLine]] = field(default_factory=list)
    unmatched: str = ""
    outcome: posting.ClaimOutcome = field(default_factory=posting.ClaimOutcome)


def claims_by_pcn(pcns: set[str]) -> tuple[dict[str, Claim], dict[int, list[ClaimLine]]]:
    """Our claims by patient control number, and their lines in line number order, loaded as
    .only(CLAIM_FIELDS) and .only(LINE_FIELDS) would load them (see loaded_maker)."""
    claim_columns = [Claim._meta.get_field(name).attname for name in CLAIM_FIELDS]
    line_columns = [ClaimLine._meta.get_field(name).attname for name in LINE_FIELDS]
    new_claim, new_line = loaded_maker(Claim, claim_columns), loaded_maker(ClaimLine, line_columns)
    new_patient = loaded_maker(Patient, ("id", "mrn"))
    patient_of, claim_of = Claim._meta.get_field("patient"), ClaimLine._meta.get_field("claim")
    wanted, claims, patients = sorted(pcns), {}, {}
    for start in range(0, len(wanted), CHUNK):
        # The patient's chart number comes along for the audit entries (no lookup after).
        for *row, mrn in Claim.objects.filter(
            patient_control_number__in=wanted[start : start + CHUNK]
        ).values_list(*claim_columns, "patient__mrn"):
            claim = new_claim(*row)
            if claim.patient_id not in patients:
                patients[claim.patient_id] = new_patient(claim.patient_id, mrn)
            patient_of.set_cached_value(claim, patients[claim.patient_id])
            claims[claim.patient_control_number] = claim
    by_id = {claim.pk: claim for claim in claims.values()}
    lines: dict[int, list[ClaimLine]] = {pk: [] for pk in by_id}
    ids = sorted(by_id)
    for start in range(0, len(ids), CHUNK):
        for row in (
            ClaimLine.objects.filter(claim_id__in=ids[start : start + CHUNK])
            .order_by("claim_id", "line_number")
            .values_list(*line_columns)
        ):
            line = new_line(*row)
            claim_of.set_cached_value(line, by_id[line.claim_id])
            lines[line.claim_id].append(line)
    return claims, lines


def segments(payments: list[ClaimPayment]) -> Iterator[list[tuple[int, ClaimPayment]]]:
    current: list[tuple[int, ClaimPayment]] = []
    seen: set[str] = set()
    for sequence, payment in enumerate(payments, start=1):
        pcn = payment.patient_control_number
        if current and (pcn in seen or payment.is_reversal):
            yield current
            current, seen = [], set()
        current.append((sequence, payment))
        seen.add(pcn)
        if payment.is_reversal:
            yield current
            current, seen = [], set()
    if current:
        yield current


def build_rows(items: list[Item]) -> None:
    """Each claim's lines as the payer sent them (matched or not), not saved yet."""
    new_line = instance_maker(RemittanceLine)
    for item in items:
        item.rows = [
            new_line(
                procedure_code=service.procedure_code,
                modifiers=list(service.modifiers), service_date=service.service_date,
                line_control_number=service.line_control_number[:50], billed=service.billed,
                paid=service.paid, allowed=service.allowed, remark_codes=service.remark_codes,
                denial=posting.denial_kind(service.paid, service.adjustments),
            )
            for service in item.payment.services
        ]  # fmt: skip


def record(items: list[Item]) -> None:
    """Save the remittance claims' lines and adjustments. The claims carry reserved ids and are
    inserted last (save_claims), with what posting them decided: one write instead of an
    insert and an update of every row."""
    for item in items:
        for row in item.rows:
            row.remittance_claim = item.rc  # now with its id
    insert_objects([row for item in items for row in item.rows])
    insert_rows(
        RemittanceAdjustment, ["remittance_claim_id", "line_id", "group", "reason", "amount"],
        [(item.rc.pk, None, a.group, a.reason, a.amount)
         for item in items for a in item.payment.adjustments]
        + [(item.rc.pk, row.pk, a.group, a.reason, a.amount)
           for item in items
           for row, service in zip(item.rows, item.payment.services, strict=True)
           for a in service.adjustments],
    )  # fmt: skip


def match(item: Item, claim: Claim | None, lines: list[ClaimLine]) -> None:
    if claim is None:
        pcn = item.payment.patient_control_number
        item.unmatched = f"No claim has patient control number {pcn}."
        return
    item.claim = claim
    if item.payment.is_reversal:
        return
    try:
        item.matches = posting.match_lines(claim, item.payment, lines)
    except posting.Unmatched as exc:
        item.unmatched = str(exc)


def price(items: list[Item], fees: Fees) -> None:
    """Set each matched row's claim line, expected amount and underpayment flag."""
    for item in items:
        claim = item.claim
        for (service, line), row in zip(item.matches, item.rows, strict=True):
            fee = fees.expected(
                claim.payer_id, line.procedure_code, (line.modifiers or [""])[0],
                line.date_of_service,
            )  # fmt: skip
            row.claim_line = line
            row.expected, row.underpaid = posting.expected_amount(fee, line, service, row.denial)
            if row.underpaid:
                item.outcome.notes.append(
                    f"Line {line.line_number} underpaid: allowed "
                    f"{service.paid + posting.patient_share(service)}, expected {row.expected}."
                )


def _adjudicate(
    items: list[Item], actor: Any, day: date, reference: str, new_reference: bool
) -> None:
    pairs = [(item, line) for item in items for _, line in item.matches]
    inputs = [
        AdjudicationInput(
            claim_line=line, payer_id=item.claim.payer_id, paid_amount=service.paid,
            adjustments=[{"group": a.group, "reason": a.reason, "amount": a.amount}
                         for a in service.adjustments],
            adjudicated_on=day, allowed_amount=service.allowed,
            remark_codes=service.remark_codes, source_reference=reference,
        )
        for item in items for service, line in item.matches
    ]  # fmt: skip
    for (item, line), outcome in zip(
        pairs,
        claim_line_adjudications_record(
            items=inputs, actor=actor, audit=False, references_are_new=new_reference
        ),
        strict=True,
    ):
        if isinstance(outcome, ValidationError):
            item.outcome.notes.append(
                f"Line {line.line_number}: adjudication not recorded "
                f"({'; '.join(outcome.messages)})"
            )


def _move_statuses(items: list[Item], actor: Any) -> None:
    """Each claim to paid, partially paid or denied (a submitted claim by way of accepted: an
    ERA is the payer's acceptance); a move the status table does not allow is skipped and
    noted."""
    moves = []
    for item in items:
        claim, target = item.claim, posting.target_status(item.payment, item.rows)
        via = (ClaimStatus.ACCEPTED,) if claim.status == ClaimStatus.SUBMITTED else ()
        reasons = posting.status_reasons(item.payment)
        moves.append(
            StatusMove(
                claim=claim, to=target, via=via,
                reason=("ERA: " + ", ".join(reasons)) if reasons else "ERA",
                detail={"carc": reasons, "rarc": item.payment.remark_codes},
                payer_claim_number=item.payment.payer_claim_number,
            )
        )  # fmt: skip
    result = claims_transition_many(moves, actor=actor, audit=False)
    for item, move in zip(items, moves, strict=True):
        refused = result.refused.get(item.claim.pk)
        if refused is None:
            item.claim.status = move.to
        else:
            item.outcome.notes.append(
                f"Claim {item.claim.patient_control_number} not moved to "
                f"{ClaimStatus(move.to).label.lower()}: {refused}"
            )


def write_matched(items: list[Item], *, actor: Any, day: date, reference: str, trace: str,
                  money_from: str = Account.CASH, rows_are_new: bool = False) -> None:  # fmt: skip
    """Journals, adjudications, status moves and denials worklist rows of matched claims whose
    rows are saved; then each remittance claim is marked posted (or resolved). `rows_are_new`:
    the remittance claims are new in this transaction (inserted later by post_segment), so no
    journal can carry their keys yet and they are not updated here."""
    # In this order so that on PostgreSQL the server inserts each batch of rows while Python
    # prepares the next (core.copyoverlap): the journals' postings, the largest, while the
    # audit entries are put together.
    seen_status = {item.claim.pk: item.claim.status for item in items}
    _adjudicate(items, actor, day, reference, rows_are_new)
    _move_statuses(items, actor)
    due = timezone.localdate() + timedelta(days=14)
    insert_rows(
        DenialWork, ["line_id", "action", "owner_id", "due_date", "status", "note"],
        [(row.pk, action_for_reason(denial_reason(service.adjustments)), None, due,
          WorkStatus.OPEN, "")
         for item in items
         for row, service in zip(item.rows, item.payment.services, strict=True)
         if row.denial],
    )  # fmt: skip
    specs, owners, today = [], [], timezone.localdate()
    for item in items:
        for spec in posting.claim_journals(
            rc=item.rc, payment=item.payment, claim=item.claim, matches=item.matches,
            money_from=money_from, trace=trace, day=today,
        ):  # fmt: skip
            specs.append(spec)
            owners.append(item)
    for item, journal_id in zip(
        owners, post_journals(specs, actor, audit=False, keys_are_new=rows_are_new), strict=True
    ):
        item.outcome.journal_ids.append(journal_id)
    _audit(items, seen_status, actor, reference)
    status = ItemStatus.POSTED if money_from == Account.CASH else ItemStatus.RESOLVED
    for item in items:
        item.outcome.lines_posted = len(item.matches)
        item.rc.claim, item.rc.patient_id, item.rc.status = (
            item.claim,
            item.claim.patient_id,
            status,
        )
        item.rc.notes, item.rc.journal_ids = item.outcome.notes, item.outcome.journal_ids
    if not rows_are_new:
        update_rows(RemittanceClaim, ["claim", "patient", "status", "notes", "journal_ids"],
                    [item.rc for item in items])  # fmt: skip


def _audit(items: list[Item], seen_status: dict[int, str], actor: Any, reference: str) -> None:
    """One entry per patient for everything the remittance did to that patient's claims (status
    moves, journals, line adjudications): an ERA touches thousands of patients, and three
    entries per claim were most of an import's time."""
    by_patient: dict[int, list[Item]] = {}
    for item in items:
        by_patient.setdefault(item.claim.patient_id, []).append(item)
    refs = {patient_id: group[0].claim.patient.mrn for patient_id, group in by_patient.items()}
    audit_record_many(
        {
            "action": "update", "actor": actor, "object_type": "claim",
            "object_id": group[0].claim.pk, "patient_id": patient_id,
            "patient_ref": refs.get(patient_id, ""), "resolve_ref": False,
            "reason": "ERA posting",
            "details": {
                "source": reference,
                "claims": [
                    {"claim": item.claim.pk, "from": seen_status[item.claim.pk],
                     "to": item.claim.status, "lines": len(item.matches),
                     "paid": f"{item.payment.paid:.2f}", "journals": item.outcome.journal_ids}
                    for item in group
                ],
            },
        }
        for patient_id, group in by_patient.items()
    )  # fmt: skip


def reverse(item: Item, actor: Any) -> None:
    """A reversal, in a savepoint: when it cannot be posted the claim goes unmatched."""
    try:
        with transaction.atomic():
            item.outcome = posting.reverse_claim(rc=item.rc, claim=item.claim, actor=actor)
    except posting.Unmatched as exc:
        item.unmatched = str(exc)
        return
    item.rc.claim, item.rc.patient_id = item.claim, item.claim.patient_id
    item.rc.status = ItemStatus.POSTED
    item.rc.notes, item.rc.journal_ids = item.outcome.notes, item.outcome.journal_ids


def post_segment(segment: list[tuple[int, ClaimPayment]], *, remittance: Any, payer_id: Any,
                 actor: Any, day: date, fees: Fees) -> list[Item]:  # fmt: skip
    """Record and post one segment of a remittance's claims; returns them, each matched and
    posted or left unmatched with its money in `unapplied`. On PostgreSQL the server inserts
    each bulk write while Python prepares the next (overlapping_copies)."""
    with overlapping_copies():
        return _post_segment(segment, remittance=remittance, payer_id=payer_id, actor=actor,
                             day=day, fees=fees)  # fmt: skip


def _post_segment(segment: list[tuple[int, ClaimPayment]], *, remittance: Any, payer_id: Any,
                  actor: Any, day: date, fees: Fees) -> list[Item]:  # fmt: skip
    claims, lines = claims_by_pcn({payment.patient_control_number for _, payment in segment})
    new_claim = instance_maker(RemittanceClaim)
    items = []
    for sequence, payment in segment:
        rc = new_claim(
            remittance_id=remittance.pk, sequence=sequence,
            patient_control_number=payment.patient_control_number[:38],
            status_code=payment.status_code[:2], payer_claim_number=payment.payer_claim_number[:50],
            billed=payment.billed, paid=payment.paid,
            patient_responsibility=payment.patient_responsibility,
            patient_name=payment.patient_name[:200], member_id=payment.patient_member_id[:80],
            remark_codes=payment.remark_codes, status=ItemStatus.UNMATCHED,
        )  # fmt: skip
        item = Item(rc=rc, payment=payment)
        claim = claims.get(payment.patient_control_number)
        match(item, claim, lines.get(claim.pk, []) if claim else [])
        items.append(item)
    for item, pk in zip(items, reserve_ids(RemittanceClaim, len(items)), strict=True):
        item.rc.pk = pk
    matched = [i for i in items if not i.unmatched and not i.payment.is_reversal]
    build_rows(items)
    price(matched, fees)
    record(items)
    for item in items:
        if item.payment.is_reversal and not item.unmatched:
            reverse(item, actor)
    write_matched(matched, actor=actor, day=day, reference=f"era-{remittance.pk}",
                  trace=remittance.trace_number, rows_are_new=True)  # fmt: skip
    unmatched = [item for item in items if item.unmatched]
    specs = [
        posting.unapplied_journal(rc=item.rc, payer_id=payer_id, trace=remittance.trace_number)
        for item in unmatched
    ]
    journals = iter(post_journals([spec for spec in specs if spec is not None], actor))
    for item, spec in zip(unmatched, specs, strict=True):
        item.rc.unmatched_reason = item.unmatched[:300]
        item.rc.journal_ids = [next(journals)] if spec is not None else []
    insert_objects([item.rc for item in items], with_ids=True)
    return items
