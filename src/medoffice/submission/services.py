"""Writing 837P batches from ready claims, and sending them.

- One file per payer (1000B is the payer's EDI id), holding that payer's claims in status
  `ready`. Each claim moves to `submitted` through `claim_transition` in the batch's
  transaction; that move is a conditional update, so a claim another batch took meanwhile is
  left out of this one (and a run that ends up with no claim for a payer writes no file).
- Mapping errors, and with validation (MEDOFFICE_X12_VALIDATE or `validate=True`) pyx12's
  findings, stop the run before anything is written and name the claim.
- Control numbers (ISA13, GS06, ST02) come from the persisted counters and are unique.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.audit.services import audit_record, audit_record_many
from medoffice.claims.models import Claim, ClaimStatus
from medoffice.claims.services import claim_transition
from medoffice.core.access import deny, own_only, require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.interop.x12.claim837p import ClaimError
from medoffice.interop.x12.envelope import ControlNumbers, reserve_control_numbers
from medoffice.interop.x12.segments import tokenize
from medoffice.patients.models import Payer
from medoffice.submission import mapping
from medoffice.submission.models import BatchStatus, SubmissionBatch, SubmissionBatchClaim

B = Capability.BILLING
PROBE_CONTROL = ControlNumbers(1, 1, 1)  # for validation before the real numbers are taken


def check_submission_edit(actor: Any, object_id: str = "") -> None:
    """Batches are the billing office's work (clinicians only see their own claims)."""
    require_capability(actor, B, Need.EDIT)
    if own_only(actor, B, Need.EDIT):
        raise deny(
            actor, "Claim batches are created by the billing staff.", capability=B,
            object_type="submission_batch", object_id=object_id,
        )  # fmt: skip


def sha256_of(content: str | bytes) -> str:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


def _claim_at_line(text: str, line: int, claims: Sequence[Claim]) -> str:
    """The patient control number of the claim whose loops hold segment `line` (1 = ISA)."""
    current = ""
    pcns = iter([c.patient_control_number for c in claims])
    for number, segment in enumerate(tokenize(text), start=1):
        if segment.id == "HL" and segment.get(3) == "22":
            current = next(pcns, current)
        if number >= line:
            break
    return current


def _pyx12_errors(text: str, claims: Sequence[Claim]) -> list[str]:
    from medoffice.interop.x12.validation import validate_with_pyx12

    named = []
    for error in validate_with_pyx12(text):
        found = re.search(r"\(line (\d+)\)", error)
        pcn = _claim_at_line(text, int(found.group(1)), claims) if found else ""
        named.append(f"claim {pcn}: {error}" if pcn else error)
    return named


def _ready_by_payer(payer: Payer | None) -> dict[Payer, list[Claim]]:
    ready = Claim.objects.filter(status=ClaimStatus.READY)
    if payer is not None:
        ready = ready.filter(payer=payer)
    claims = mapping.claims_for_mapping(list(ready.values_list("pk", flat=True)))
    by_payer: dict[Payer, list[Claim]] = {}
    for claim in claims:
        by_payer.setdefault(claim.payer, []).append(claim)
    return dict(sorted(by_payer.items(), key=lambda item: item[0].name))


def _check_writable(payer: Payer, claims: Sequence[Claim], validate: bool) -> None:
    if not payer.payer_id:
        raise ValidationError(f"Payer {payer.name} has no EDI payer id: add it first.")
    try:
        text = mapping.batch_837p(payer, claims, PROBE_CONTROL)
    except ClaimError as error:
        raise ValidationError(str(error)) from None
    if validate:
        errors = _pyx12_errors(text, claims)
        if errors:
            raise ValidationError([f"{payer.name}: {e}" for e in errors[:20]])


def _write_batch(payer: Payer, claims: Sequence[Claim], actor: Any) -> SubmissionBatch | None:
    now = timezone.now()
    with transaction.atomic():
        control = reserve_control_numbers()
        file_name = f"837P_{payer.payer_id}_{now:%Y%m%d}_{control.interchange:09d}.x12"
        taken = []
        for claim in claims:
            try:
                claim_transition(
                    claim=claim, to=ClaimStatus.SUBMITTED, actor=actor,
                    reason=f"Sent in batch {file_name}",
                    detail={"batch_file": file_name, "isa13": control.interchange},
                )  # fmt: skip
            except ValidationError:
                continue  # another batch took it (or it left `ready`) meanwhile
            taken.append(claim)
        if not taken:
            return None
        content = mapping.batch_837p(payer, taken, control, created=now)
        total = sum((c.total_billed for c in taken), Decimal("0.00"))
        batch = SubmissionBatch.objects.create(
            payer=payer, receiver_id=payer.payer_id, receiver_name=payer.name,
            file_name=file_name, interchange_control=control.interchange,
            group_control=control.group, transaction_control=control.transaction,
            claim_count=len(taken), total_billed=total, content=content,
            sha256=sha256_of(content), created_at=now, created_by=actor,
        )  # fmt: skip
        SubmissionBatchClaim.objects.bulk_create(
            SubmissionBatchClaim(
                batch=batch,
                claim=c,
                patient_control_number=c.patient_control_number,
                total_billed=c.total_billed,
            )
            for c in taken
        )
        audit_record(
            action="create", actor=actor, object_type="submission_batch", object_id=batch.pk,
            details={"file": file_name, "payer": payer.payer_id, "claims": len(taken),
                     "total": str(total), "isa13": control.interchange},
        )  # fmt: skip
    return batch


def batches_create_for_ready_claims(
    *, actor: Any, payer: Payer | None = None, validate: bool | None = None
) -> list[SubmissionBatch]:
    """A batch file per payer from the claims ready to submit; [] when none is ready."""
    check_submission_edit(actor)
    validate = settings.X12_VALIDATE if validate is None else validate
    by_payer = _ready_by_payer(payer)
    for each, claims in by_payer.items():
        _check_writable(each, claims, validate)
    batches = []
    for each, claims in by_payer.items():
        batch = _write_batch(each, claims, actor)
        if batch is not None:
            batches.append(batch)
    return batches


def batch_mark_sent(*, batch: SubmissionBatch, actor: Any, transport: Any = None) -> None:
    """Hand the file to the clearinghouse transport and record it; a batch is sent once."""
    from medoffice.submission.transport import get_transport

    check_submission_edit(actor, str(batch.pk))
    if batch.status != BatchStatus.WRITTEN:
        raise ValidationError(f"Batch {batch.file_name} was sent already.")
    (transport or get_transport()).send(batch)
    now = timezone.now()
    with transaction.atomic():
        sent = SubmissionBatch.objects.filter(pk=batch.pk, status=BatchStatus.WRITTEN).update(
            status=BatchStatus.SENT, sent_at=now
        )
        if not sent:
            raise ValidationError(f"Batch {batch.file_name} was sent already.")
        audit_record(
            action="update", actor=actor, object_type="submission_batch", object_id=batch.pk,
            details={"sent": batch.file_name, "transport": settings.CLEARINGHOUSE_TRANSPORT},
        )  # fmt: skip
    batch.status, batch.sent_at = BatchStatus.SENT, now


def batch_download_record(*, batch: SubmissionBatch, actor: Any) -> None:
    """Audit a download of the file as an export of each patient whose claim is in it."""
    rows = batch.items.values_list("claim__patient_id", "claim__patient__mrn").distinct()
    audit_record_many(
        {
            "action": "export",
            "actor": actor,
            "object_type": "submission_batch",
            "object_id": str(batch.pk),
            "patient_id": patient_id,
            "patient_ref": mrn,
            "details": {"file": batch.file_name},
        }
        for patient_id, mrn in rows
    )
