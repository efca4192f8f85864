"""What a payer decided on a claim's lines (filled by ERA posting; read by secondary claims)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.audit.services import audit_record_many
from medoffice.claims.models import AdjustmentGroup, ClaimLine, ClaimLineAdjudication
from medoffice.claims.services.common import audit, check_claims_edit, check_claims_edit_many
from medoffice.coding.models import AdjustmentReason, RemarkCode
from medoffice.core import registry
from medoffice.core.fastinsert import insert_objects, instance_maker

CENT = Decimal("0.01")
_GROUPS = frozenset(AdjustmentGroup.values)  # the enum's .values is rebuilt on every call


def _money(raw: Any, what: str, *, negative_ok: bool = True) -> Decimal:
    try:
        amount = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what}: {raw!r} is not an amount.") from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValidationError(f"{what}: an amount in dollars and cents.")
    if amount < 0 and not negative_ok:
        raise ValidationError(f"{what} cannot be negative.")
    return amount.quantize(CENT)


class _CodeTables:
    """The CARC and RARC codes a batch names, looked up once (an empty table checks nothing)."""

    def __init__(self, reasons: set[str], remarks: set[str]) -> None:
        self.check_reasons = AdjustmentReason.objects.exists()
        self.check_remarks = RemarkCode.objects.exists()
        self.reasons = self._known(AdjustmentReason, reasons) if self.check_reasons else set()
        self.remarks = self._known(RemarkCode, remarks) if self.check_remarks else set()

    @staticmethod
    def _known(model: Any, codes: set[str]) -> set[str]:
        wanted, found = sorted(codes), set()
        for start in range(0, len(wanted), 500):  # SQLite's limit on query parameters
            chunk = wanted[start : start + 500]
            found.update(model.objects.filter(code__in=chunk).values_list("code", flat=True))
        return found

    @classmethod
    def for_items(cls, items: Sequence[AdjudicationInput]) -> _CodeTables:
        reasons = {_code(a.get("reason", "")) for item in items for a in item.adjustments}
        remarks = {_code(r) for item in items for r in item.remark_codes}
        return cls(reasons, remarks)


def _code(raw: Any) -> str:
    return str(raw).strip().upper()


def _adjustments(items: Sequence[dict[str, Any]], codes: _CodeTables) -> list[dict[str, str]]:
    cleaned = []
    for n, item in enumerate(items, start=1):
        group = _code(item.get("group", ""))
        reason = _code(item.get("reason", ""))
        if group not in _GROUPS:
            raise ValidationError(f"Adjustment {n}: {group!r} is not a group code (CO, PR, OA...).")
        if not (1 <= len(reason) <= 3 and reason.isalnum()):
            raise ValidationError(f"Adjustment {n}: {reason!r} is not a reason code (CARC).")
        if codes.check_reasons and reason not in codes.reasons:
            raise ValidationError(f"Adjustment {n}: CARC {reason} is not in the code table.")
        amount = _money(item.get("amount"), f"Adjustment {n}")
        cleaned.append({"group": group, "reason": reason, "amount": str(amount)})
    return cleaned


@dataclass(frozen=True)
class AdjudicationInput:
    """One payer's decision on one line, for `claim_line_adjudications_record`."""

    claim_line: ClaimLine
    payer_id: int
    paid_amount: Any
    adjustments: Sequence[dict[str, Any]]
    adjudicated_on: date
    allowed_amount: Any = None
    remark_codes: Sequence[str] = ()
    source_reference: str = ""


def _clean(item: AdjudicationInput, codes: _CodeTables) -> dict[str, Any]:
    """The record's fields, or ValidationError: the line's amount must equal paid plus the
    adjustments (the ERA's balancing rule), codes must be in the code tables."""
    paid = _money(item.paid_amount, "Paid amount")
    cleaned = _adjustments(item.adjustments, codes)
    allowed = (
        None if item.allowed_amount in (None, "") else _money(item.allowed_amount, "Allowed amount")
    )
    remarks = [_code(r) for r in item.remark_codes if str(r).strip()]
    if remarks and codes.check_remarks:
        unknown = set(remarks) - codes.remarks
        if unknown:
            raise ValidationError(f"{', '.join(sorted(unknown))} is not a remark code (RARC).")
    total = paid + sum((Decimal(a["amount"]) for a in cleaned), Decimal("0.00"))
    if total != item.claim_line.amount:
        raise ValidationError(
            f"Paid {paid} and adjustments add up to {total}, not the line's "
            f"{item.claim_line.amount}."
        )
    return {
        "claim_line": item.claim_line, "payer_id": item.payer_id, "paid_amount": paid,
        "allowed_amount": allowed, "adjustments": cleaned, "remark_codes": remarks,
        "adjudicated_on": item.adjudicated_on,
        "source_reference": (item.source_reference or "").strip()[:64],
    }  # fmt: skip


def claim_line_adjudication_record(
    *,
    claim_line: ClaimLine,
    payer_id: int,
    paid_amount: Any,
    adjustments: Sequence[dict[str, Any]],
    adjudicated_on: date,
    actor: Any,
    allowed_amount: Any = None,
    remark_codes: Sequence[str] = (),
    source_reference: str = "",
) -> ClaimLineAdjudication:
    """Record one payer's decision on one line. The line's amount must equal paid plus the
    adjustments (the ERA's balancing rule). With a source reference, recording the same
    remittance again returns the first record."""
    claim = claim_line.claim
    check_claims_edit(actor, claim.patient_id, claim.pk)
    item = AdjudicationInput(
        claim_line=claim_line, payer_id=payer_id, paid_amount=paid_amount,
        adjustments=adjustments, adjudicated_on=adjudicated_on, allowed_amount=allowed_amount,
        remark_codes=remark_codes, source_reference=source_reference,
    )  # fmt: skip
    fields = _clean(item, _CodeTables.for_items([item]))
    reference = fields["source_reference"]
    if reference:
        existing = ClaimLineAdjudication.objects.filter(
            claim_line=claim_line, payer_id=payer_id, source_reference=reference
        ).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            record = ClaimLineAdjudication.objects.create(
                **fields, recorded_at=timezone.now(), recorded_by=actor
            )
            audit(
                actor=actor, action="create", object_type="claim_adjudication",
                object_id=record.pk, patient_id=claim.patient_id,
                details={"claim": claim.pk, "line": claim_line.line_number,
                         "paid": str(fields["paid_amount"])},
            )  # fmt: skip
    except IntegrityError:
        return ClaimLineAdjudication.objects.get(
            claim_line=claim_line, payer_id=payer_id, source_reference=reference
        )
    return record


def claim_line_adjudications_record(
    *, items: Sequence[AdjudicationInput], actor: Any, audit: bool = True,
    references_are_new: bool = False,
) -> list[ClaimLineAdjudication | ValidationError]:  # fmt: skip
    """Record many decisions at once (an ERA's lines), each validated as
    `claim_line_adjudication_record` validates it, with the code tables looked up once and one
    bulk insert. Returns, in the order of `items`, each line's record (the earlier one when the
    same line, payer and source reference was recorded before) or the ValidationError that
    refused it. One audit entry per patient lists the claims and records (with `audit=False`
    the caller writes them in the same transaction). `references_are_new`: the source references
    name something made in this transaction (an ERA just imported), so no earlier record can
    carry them and none is looked up; the unique constraint still holds.

    Raises AccessDenied when the actor may not record a patient's claims (nothing is written).
    """
    items = list(items)
    check_claims_edit_many(
        actor, ((item.claim_line.claim.patient_id, item.claim_line.claim_id) for item in items)
    )
    codes = _CodeTables.for_items(items)
    out: list[ClaimLineAdjudication | ValidationError | None] = [None] * len(items)
    fields: dict[int, dict[str, Any]] = {}
    for n, item in enumerate(items):
        try:
            fields[n] = _clean(item, codes)
        except ValidationError as exc:
            out[n] = exc
    earlier = (
        {}
        if references_are_new
        else _earlier_records([f for f in fields.values() if f["source_reference"]])
    )
    now, new, first_of = timezone.now(), [], {}
    make = instance_maker(ClaimLineAdjudication)
    line_field = ClaimLineAdjudication._meta.get_field("claim_line")
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    for n, f in fields.items():
        key = (f["claim_line"].pk, f["payer_id"], f["source_reference"])
        if f["source_reference"] and key in earlier:
            out[n] = earlier[key]
        elif f["source_reference"] and key in first_of:  # the same line twice in one batch
            continue
        else:
            first_of[key] = n
            # Built from column values (Model(**kwargs) per line was a tenth of an ERA's
            # Python time), the line object kept for those who read record.claim_line.
            values = {name: value for name, value in f.items() if name != "claim_line"}
            record = make(**values, claim_line_id=f["claim_line"].pk, recorded_at=now,
                          recorded_by_id=user_id)  # fmt: skip
            line_field.set_cached_value(record, f["claim_line"])
            new.append((n, record))
    if references_are_new:
        # Nothing can collide: no savepoint to fall back from, so on PostgreSQL the server
        # need not have finished the insert before the caller goes on (core.copyoverlap).
        _insert_records([record for _, record in new], actor, audit)
        return _in_order(out, new, fields, first_of)
    try:
        with transaction.atomic():
            _insert_records([record for _, record in new], actor, audit)
    except IntegrityError:  # recorded meanwhile by another writer: one by one, the first counts
        return [
            out[n] if isinstance(out[n], ValidationError) else _record_one(item, actor)
            for n, item in enumerate(items)
        ]  # type: ignore[misc]
    return _in_order(out, new, fields, first_of)


def _insert_records(records: list[ClaimLineAdjudication], actor: Any, audit: bool) -> None:
    insert_objects(records)
    if audit:
        _audit_batch(records, actor)


def _in_order(
    out: list[Any], new: list[tuple[int, ClaimLineAdjudication]],
    fields: dict[int, dict[str, Any]], first_of: dict[tuple[Any, ...], int],
) -> list[ClaimLineAdjudication | ValidationError]:  # fmt: skip
    """Each item's record: its own, the earlier one, or the first of the batch for its line."""
    for n, record in new:
        out[n] = record
    for n, f in fields.items():
        if out[n] is None:
            out[n] = out[first_of[(f["claim_line"].pk, f["payer_id"], f["source_reference"])]]
    return out


def _record_one(item: AdjudicationInput, actor: Any) -> ClaimLineAdjudication:
    return claim_line_adjudication_record(
        claim_line=item.claim_line, payer_id=item.payer_id, paid_amount=item.paid_amount,
        adjustments=item.adjustments, adjudicated_on=item.adjudicated_on, actor=actor,
        allowed_amount=item.allowed_amount, remark_codes=item.remark_codes,
        source_reference=item.source_reference,
    )  # fmt: skip


def _earlier_records(fields: list[dict[str, Any]]) -> dict[tuple[int, int, str], Any]:
    """Records already made for these lines, by (line, payer, source reference)."""
    wanted = {(f["claim_line"].pk, f["payer_id"], f["source_reference"]) for f in fields}
    line_ids = sorted({line_id for line_id, _, _ in wanted})
    found: dict[tuple[int, int, str], Any] = {}
    for start in range(0, len(line_ids), 500):  # SQLite's limit on query parameters
        for record in ClaimLineAdjudication.objects.filter(
            claim_line_id__in=line_ids[start : start + 500]
        ).exclude(source_reference=""):
            key = (record.claim_line_id, record.payer_id, record.source_reference)
            if key in wanted:
                found[key] = record
    return found


def _audit_batch(records: list[ClaimLineAdjudication], actor: Any) -> None:
    """One entry per patient, listing the claims and records made for them."""
    by_patient: dict[int, list[ClaimLineAdjudication]] = {}
    for record in records:
        by_patient.setdefault(record.claim_line.claim.patient_id, []).append(record)
    refs = registry.patient_refs(set(by_patient))
    audit_record_many(
        {
            "action": "create", "actor": actor, "object_type": "claim_adjudication",
            "object_id": rs[0].pk, "patient_id": patient_id,
            "patient_ref": refs.get(patient_id, ""), "resolve_ref": False,
            "details": {"claims": sorted({r.claim_line.claim_id for r in rs}),
                        "records": [r.pk for r in rs],
                        "paid": str(sum((r.paid_amount for r in rs), Decimal("0.00")))},
        }
        for patient_id, rs in by_patient.items()
    )  # fmt: skip
