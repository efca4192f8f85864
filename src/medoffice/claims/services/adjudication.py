"""What a payer decided on a claim's lines (filled by ERA posting; read by secondary claims)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.claims.models import AdjustmentGroup, ClaimLine, ClaimLineAdjudication
from medoffice.claims.services.common import audit, check_claims_edit
from medoffice.coding.models import AdjustmentReason, RemarkCode

CENT = Decimal("0.01")


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


def _adjustments(items: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    cleaned = []
    known = AdjustmentReason.objects.exists()
    for n, item in enumerate(items, start=1):
        group = str(item.get("group", "")).strip().upper()
        reason = str(item.get("reason", "")).strip().upper()
        if group not in AdjustmentGroup.values:
            raise ValidationError(f"Adjustment {n}: {group!r} is not a group code (CO, PR, OA...).")
        if not (1 <= len(reason) <= 3 and reason.isalnum()):
            raise ValidationError(f"Adjustment {n}: {reason!r} is not a reason code (CARC).")
        if known and not AdjustmentReason.objects.filter(code=reason).exists():
            raise ValidationError(f"Adjustment {n}: CARC {reason} is not in the code table.")
        amount = _money(item.get("amount"), f"Adjustment {n}")
        cleaned.append({"group": group, "reason": reason, "amount": str(amount)})
    return cleaned


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
    paid = _money(paid_amount, "Paid amount")
    cleaned = _adjustments(adjustments)
    allowed = None if allowed_amount in (None, "") else _money(allowed_amount, "Allowed amount")
    remarks = [str(r).strip().upper() for r in remark_codes if str(r).strip()]
    if remarks and RemarkCode.objects.exists():
        unknown = set(remarks) - set(
            RemarkCode.objects.filter(code__in=remarks).values_list("code", flat=True)
        )
        if unknown:
            raise ValidationError(f"{', '.join(sorted(unknown))} is not a remark code (RARC).")
    total = paid + sum((Decimal(a["amount"]) for a in cleaned), Decimal("0.00"))
    if total != claim_line.amount:
        raise ValidationError(
            f"Paid {paid} and adjustments add up to {total}, not the line's {claim_line.amount}."
        )
    reference = (source_reference or "").strip()[:64]
    if reference:
        existing = ClaimLineAdjudication.objects.filter(
            claim_line=claim_line, payer_id=payer_id, source_reference=reference
        ).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            record = ClaimLineAdjudication.objects.create(
                claim_line=claim_line, payer_id=payer_id, paid_amount=paid,
                allowed_amount=allowed, adjustments=cleaned, remark_codes=remarks,
                adjudicated_on=adjudicated_on, source_reference=reference,
                recorded_at=timezone.now(), recorded_by=actor,
            )  # fmt: skip
            audit(
                actor=actor, action="create", object_type="claim_adjudication",
                object_id=record.pk, patient_id=claim.patient_id,
                details={"claim": claim.pk, "line": claim_line.line_number, "paid": str(paid)},
            )  # fmt: skip
    except IntegrityError:
        return ClaimLineAdjudication.objects.get(
            claim_line=claim_line, payer_id=payer_id, source_reference=reference
        )
    return record
