"""Reading the clearinghouse's answers to our batches.

- 999: per transaction set (AK202 = our ST02, under AK102 = our GS06) accepted or rejected.
  Accepted: the batch becomes `acknowledged`. Rejected: the batch becomes `rejected` and each of
  its claims still `submitted` becomes `rejected`, the reason naming the 999's findings.
- 277CA: per claim (TRN02 = our CLM01). Accepted: `submitted` -> `accepted`, with the payer's
  claim number (REF*1K). Rejected: -> `rejected`, the STC free text (or codes) as the reason.
- The file is read completely before anything changes: a file that cannot be read raises a
  ValidationError naming the segment and changes nothing. The same file twice (sha256) is a
  no-op. Everything of one file happens in one transaction, with its audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.claims.models import Claim, ClaimStatus
from medoffice.claims.services import claim_transition
from medoffice.interop.x12.ack import ClaimAck, FunctionalAck, read_277ca, read_999
from medoffice.interop.x12.segments import X12Error, tokenize
from medoffice.submission.models import (
    AckKind,
    AcknowledgementFile,
    BatchStatus,
    SubmissionBatch,
)
from medoffice.submission.services import check_submission_edit, sha256_of


@dataclass
class AckImportResult:
    name: str
    kind: str = ""
    duplicate: bool = False
    batches: dict[str, str] = field(default_factory=dict)  # file name -> new status
    claims: dict[str, str] = field(default_factory=dict)  # PCN -> new status
    unmatched: list[str] = field(default_factory=list)  # control numbers/PCNs we do not know

    def summary(self) -> dict[str, Any]:
        return {"batches": self.batches, "claims": self.claims, "unmatched": self.unmatched}


def _text(content: str | bytes) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def _kind(text: str) -> str:
    for segment in tokenize(text):
        if segment.id == "ST":
            if segment.get(1) == "999":
                return AckKind.IMPLEMENTATION
            if segment.get(1) == "277":
                return AckKind.CLAIM
            raise X12Error(f"ST01 {segment.get(1)!r} is neither a 999 nor a 277CA", segment)
    raise X12Error("the file holds no transaction set (ST)")


def _parse(text: str) -> tuple[str, Any]:
    try:
        kind = _kind(text)
        return kind, read_999(text) if kind == AckKind.IMPLEMENTATION else read_277ca(text)
    except X12Error as error:
        raise ValidationError(f"Cannot read the file: {error}") from None


def _move(claim: Claim, to: str, actor: Any, reason: str, detail: dict[str, Any], **extra: Any):
    claim_transition(claim=claim, to=to, actor=actor, reason=reason[:300], detail=detail, **extra)


def _apply_999(acks: list[FunctionalAck], actor: Any, result: AckImportResult) -> None:
    now = timezone.now()
    for ack in acks:
        for tx in ack.transactions:
            batch = None
            if ack.group_control_number.isdigit() and tx.control_number.isdigit():
                batch = SubmissionBatch.objects.filter(
                    group_control=int(ack.group_control_number),
                    transaction_control=int(tx.control_number),
                ).first()
            if batch is None:
                result.unmatched.append(f"GS06 {ack.group_control_number} ST02 {tx.control_number}")
                continue
            if tx.accepted:
                updated = SubmissionBatch.objects.filter(
                    pk=batch.pk, status__in=[BatchStatus.WRITTEN, BatchStatus.SENT]
                ).update(status=BatchStatus.ACKNOWLEDGED, acknowledged_at=now)
                if updated:
                    result.batches[batch.file_name] = BatchStatus.ACKNOWLEDGED
                continue
            findings = [
                f"{e.segment_id} at {e.position} (loop {e.loop}) error {e.code}"
                + (f": {'; '.join(e.element_errors)}" if e.element_errors else "")
                for e in tx.errors
            ]
            reason = f"999 rejected the file (IK5 {tx.status}" + (
                f", codes {', '.join(tx.status_reasons)})" if tx.status_reasons else ")"
            )
            if findings:
                reason += ": " + "; ".join(findings)
            updated = (
                SubmissionBatch.objects.filter(pk=batch.pk)
                .exclude(status=BatchStatus.REJECTED)
                .update(
                    status=BatchStatus.REJECTED, acknowledged_at=now, status_reason=reason[:500]
                )
            )
            if not updated:
                continue
            result.batches[batch.file_name] = BatchStatus.REJECTED
            for claim in Claim.objects.filter(
                submission_items__batch=batch, status=ClaimStatus.SUBMITTED
            ):
                _move(claim, ClaimStatus.REJECTED, actor, reason, {"999": batch.file_name})
                result.claims[claim.patient_control_number] = ClaimStatus.REJECTED


def _status_reason(claim_ack: ClaimAck) -> str:
    if claim_ack.reasons:
        return "277CA: " + "; ".join(claim_ack.reasons)
    codes = ", ".join(
        f"{s.category}:{s.code}" + (f":{s.entity}" if s.entity else "")
        for s in claim_ack.statuses
        if s.rejected
    )
    return f"277CA rejected the claim ({codes})"


def _apply_277ca(acks: list[Any], actor: Any, result: AckImportResult) -> None:
    for ack in acks:
        for claim_ack in ack.claims:
            claim = Claim.objects.filter(
                patient_control_number=claim_ack.patient_control_number
            ).first()
            if claim is None:
                result.unmatched.append(claim_ack.patient_control_number)
                continue
            detail = {
                "277ca": ack.control_number,
                "statuses": [f"{s.category}:{s.code}" for s in claim_ack.statuses],
                "trace": claim_ack.clearinghouse_trace,
            }
            if claim_ack.accepted and claim.status == ClaimStatus.SUBMITTED:
                _move(
                    claim, ClaimStatus.ACCEPTED, actor, "Accepted (277CA)", detail,
                    payer_claim_number=claim_ack.payer_claim_number,
                )  # fmt: skip
                result.claims[claim.patient_control_number] = ClaimStatus.ACCEPTED
            elif not claim_ack.accepted and claim.status in (
                ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED,
            ):  # fmt: skip
                _move(claim, ClaimStatus.REJECTED, actor, _status_reason(claim_ack), detail)
                result.claims[claim.patient_control_number] = ClaimStatus.REJECTED


def acks_import(*, name: str, content: str | bytes, actor: Any) -> AckImportResult:
    """Import one 999 or 277CA file; see the module's docstring."""
    check_submission_edit(actor)
    result = AckImportResult(name=name)
    digest = sha256_of(content if isinstance(content, bytes) else content.encode("utf-8"))
    known = AcknowledgementFile.objects.filter(sha256=digest).first()
    if known is not None:
        result.kind, result.duplicate = known.kind, True
        return result
    text = _text(content)
    result.kind, parsed = _parse(text)
    try:
        with transaction.atomic():
            record = AcknowledgementFile.objects.create(
                name=name[:255], kind=result.kind, sha256=digest, content=text,
                imported_at=timezone.now(), imported_by=actor,
            )  # fmt: skip
            if result.kind == AckKind.IMPLEMENTATION:
                _apply_999(parsed, actor, result)
            else:
                _apply_277ca(parsed, actor, result)
            AcknowledgementFile.objects.filter(pk=record.pk).update(summary=result.summary())
            audit_record(
                action="create", actor=actor, object_type="acknowledgement_file",
                object_id=record.pk, details={"name": name[:200], "kind": result.kind,
                                              **result.summary()},
            )  # fmt: skip
    except IntegrityError:
        # The same file imported at the same moment by someone else: theirs counts.
        if not AcknowledgementFile.objects.filter(sha256=digest).exists():
            raise
        return AckImportResult(name=name, kind=result.kind, duplicate=True)
    return result
