"""Remittances (835 ERAs) as JSON: the files with their status and totals, one file with its
payments and claims, uploading a file (the `era_import` service), the unmatched queue and the
denials worklist. The billing office only (as the pages); reads of patients' claims are
audited like the pages. (No `from __future__ import annotations` here: ninja reads the
annotations.)"""

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_patients_shown, audit_record
from medoffice.core.access import AccessRule, api_rule
from medoffice.core.permissions import Need
from medoffice.remittance import selectors, services
from medoffice.remittance.access import office_roles
from medoffice.remittance.forms import MAX_UPLOAD
from medoffice.remittance.models import (
    FileStatus,
    Remittance,
    RemittanceFile,
    SuggestedAction,
    WorkStatus,
)
from medoffice.remittance.suggest import denial_reason

router = Router(tags=["remittance"])

OFFICE_VIEW = AccessRule("role", roles=frozenset(str(r) for r in office_roles(Need.VIEW)))
OFFICE_EDIT = AccessRule("role", roles=frozenset(str(r) for r in office_roles(Need.EDIT)))
MAX_PAGE = 200


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class RejectedOut(ErrorOut):
    file_id: int
    status: str


class FileOut(Schema):
    id: int
    name: str
    sha256: str
    status: str
    error: str
    uploaded_at: datetime
    uploaded_by: str
    claims_posted: int
    lines_posted: int
    claims_unmatched: int
    amount_paid: Decimal
    amount_unapplied: Decimal


class FilePage(Schema):
    count: int
    offset: int
    limit: int
    items: list[FileOut]


class AdjustmentOut(Schema):
    group: str
    reason: str
    amount: Decimal


class LineOut(Schema):
    id: int
    procedure_code: str
    modifiers: list[str]
    service_date: date | None
    line_control_number: str
    billed: Decimal
    paid: Decimal
    allowed: Decimal | None
    remark_codes: list[str]
    denial: str
    expected: Decimal | None
    underpaid: bool
    claim_line_id: int | None
    adjustments: list[AdjustmentOut]


class ClaimOut(Schema):
    id: int
    sequence: int
    patient_control_number: str
    status_code: str
    payer_claim_number: str
    billed: Decimal
    paid: Decimal
    patient_responsibility: Decimal | None
    patient_name: str
    member_id: str
    remark_codes: list[str]
    status: str
    matched: bool
    claim_id: int | None
    patient_id: int | None
    unmatched_reason: str
    notes: list[str]
    adjustments: list[AdjustmentOut]
    lines: list[LineOut]


class RemittanceOut(Schema):
    id: int
    payer_id: int | None
    payer_name: str
    payer_key: str
    trace_number: str
    amount: Decimal
    payment_date: date | None
    method: str
    claims: list[ClaimOut]


class FileDetailOut(FileOut):
    remittances: list[RemittanceOut]


class UploadIn(Schema):
    name: str = "era.835"
    content: str = ""
    content_base64: str = ""


class ImportOut(Schema):
    file_id: int
    name: str
    status: str
    summary: str
    remittances: int
    already_imported: int
    claims_posted: int
    lines_posted: int
    claims_unmatched: int
    paid: Decimal
    unapplied: Decimal
    notes: list[str]


class UnmatchedOut(ClaimOut):
    file_id: int
    remittance_id: int
    payer_name: str
    trace_number: str
    payment_date: date | None


class UnmatchedPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[UnmatchedOut]


class CodeOut(Schema):
    code: str
    description: str


class DenialOut(Schema):
    id: int
    status: str
    action: str
    owner_id: int | None
    owner: str
    due_date: date
    note: str
    denial: str
    reason: str
    reason_description: str
    remarks: list[CodeOut]
    adjustments: list[AdjustmentOut]
    procedure_code: str
    modifiers: list[str]
    service_date: date | None
    billed: Decimal
    paid: Decimal
    payer_id: int | None
    payer: str
    remittance_file_id: int
    remittance_claim_id: int
    claim_id: int | None
    patient_control_number: str
    payer_claim_number: str
    patient_id: int | None
    patient_name: str
    appeal_letter_ids: list[int]


class DenialPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[DenialOut]


def _paging_error(offset: int, limit: int) -> str:
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        return f"offset from 0, limit from 1 to {MAX_PAGE}."
    return ""


def _bad(message: str) -> Status:
    return Status(400, {"detail": message, "errors": {}})


def _file(f: RemittanceFile) -> dict[str, Any]:
    out = {name: getattr(f, name) for name in FileOut.model_fields if name != "uploaded_by"}
    out["uploaded_by"] = f.uploaded_by.get_username() if f.uploaded_by else ""
    return out


def _adjustments(rows: Any) -> list[dict[str, Any]]:
    return [{"group": a.group, "reason": a.reason, "amount": a.amount} for a in rows]


def _claim(rc: Any) -> dict[str, Any]:
    simple = set(ClaimOut.model_fields) - {"matched", "notes", "adjustments", "lines"}
    return {
        **{name: getattr(rc, name) for name in simple},
        "matched": rc.claim_id is not None,
        "notes": [str(n) for n in rc.notes],
        "adjustments": _adjustments(a for a in rc.adjustments.all() if a.line_id is None),
        "lines": [
            {
                **{n: getattr(ln, n) for n in LineOut.model_fields if n != "adjustments"},
                "adjustments": _adjustments(ln.adjustments.all()),
            }
            for ln in rc.lines.all()
        ],
    }


@router.get(
    "/files",
    response={200: FilePage, 400: ErrorOut},
    summary="ERA files, newest first, with their status and totals",
)
@api_rule(OFFICE_VIEW)
def file_list(request: HttpRequest, status: str = "", offset: int = 0, limit: int = 50) -> Any:
    """`status`: posted, unmatched (posted, some claims unmatched), duplicate or rejected."""
    if status and status not in FileStatus.values:
        return _bad(f"{status!r} is not a file status ({', '.join(FileStatus.values)}).")
    if message := _paging_error(offset, limit):
        return _bad(message)
    rows = selectors.files()
    if status:
        rows = rows.filter(status=status)
    items = list(rows[offset : offset + limit])
    return {"count": rows.count(), "offset": offset, "limit": limit,
            "items": [_file(f) for f in items]}  # fmt: skip


@router.post(
    "/files",
    response={200: ImportOut, 201: ImportOut, 400: ErrorOut, 422: RejectedOut},
    summary="Upload an 835 file and post it (201; 200 when it was imported already)",
)
@api_rule(OFFICE_EDIT)
def file_upload(request: HttpRequest, payload: UploadIn | None = None) -> Any:
    """Send `{"name": "...", "content": "<835 text>"}` or `"content_base64"` instead of
    `content`. The file is posted in one transaction or not at all. A payment imported before
    is skipped: a file of nothing new answers 200 with status `duplicate` and posts nothing. A
    file the reader cannot read is kept as rejected and answers 422 with the reader's message
    (segment and line)."""
    if payload is None or bool(payload.content) == bool(payload.content_base64):
        return _bad('Send the file as {"name": "...", "content": "<835 text>"} or with '
                    '"content_base64" (one of the two).')  # fmt: skip
    if payload.content_base64:
        try:
            content = base64.b64decode(payload.content_base64, validate=True)
        except (binascii.Error, ValueError):
            return _bad("content_base64 is not valid base64.")
    else:
        content = payload.content.encode("utf-8")
    if len(content) > MAX_UPLOAD:
        return _bad("An ERA file is at most 20 MB.")
    result = services.era_import(name=payload.name, content=content, actor=request.user)
    file = result.file
    if file.status == FileStatus.REJECTED:
        return Status(
            422, {"detail": file.error, "errors": {}, "file_id": file.pk, "status": file.status}
        )
    body = {
        "file_id": file.pk, "name": file.name, "status": file.status, "summary": str(result),
        "remittances": result.remittances, "already_imported": result.already_imported,
        "claims_posted": result.claims_posted, "lines_posted": result.lines_posted,
        "claims_unmatched": result.claims_unmatched, "paid": result.paid,
        "unapplied": result.unapplied, "notes": [str(n) for n in result.notes],
    }  # fmt: skip
    return Status(200 if file.status == FileStatus.DUPLICATE else 201, body)


@router.get(
    "/files/{file_id}",
    response={200: FileDetailOut, 404: ErrorOut},
    summary="One ERA file: its payments, and each claim matched or not with its lines",
)
@api_rule(OFFICE_VIEW)
def file_detail(request: HttpRequest, file_id: int) -> Any:
    file = get_object_or_404(RemittanceFile.objects.select_related("uploaded_by"), pk=file_id)
    claims = selectors.file_claims(file)
    audit_record(action=AuditAction.VIEW, actor=request.user, object_type="remittance_file",
                 object_id=file.pk, details={"api": True})  # fmt: skip
    audit_patients_shown(
        patient_ids=[c.patient_id for c in claims if c.patient_id],
        object_type="remittance_claim", view="api_remittance_file", actor=request.user,
    )  # fmt: skip
    by_remittance: dict[int, list[dict[str, Any]]] = {}
    for rc in claims:
        by_remittance.setdefault(rc.remittance_id, []).append(_claim(rc))
    remittances = [
        {
            **{n: getattr(r, n) for n in RemittanceOut.model_fields if n != "claims"},
            "claims": by_remittance.get(r.pk, []),
        }
        for r in Remittance.objects.filter(file=file).order_by("pk")
    ]
    return {**_file(file), "remittances": remittances}


@router.get(
    "/unmatched",
    response={200: UnmatchedPage, 400: ErrorOut},
    summary="Claims of posted ERAs that match none of ours: their money waits in unapplied",
)
@api_rule(OFFICE_VIEW)
def unmatched_list(request: HttpRequest, offset: int = 0, limit: int = 50) -> Any:
    if message := _paging_error(offset, limit):
        return _bad(message)
    rows = selectors.unmatched_queue()
    items = list(rows[offset : offset + limit])
    if items:  # names and member ids as the payer sent them: no patient of ours to name
        audit_record(
            action=AuditAction.VIEW_LIST, actor=request.user, object_type="remittance_claim",
            details={"view": "api_remittance_unmatched", "ids": [rc.pk for rc in items]},
        )  # fmt: skip
    return {
        "count": rows.count(), "offset": offset, "limit": limit,
        "items": [
            {**_claim(rc), "file_id": rc.remittance.file_id, "remittance_id": rc.remittance_id,
             "payer_name": rc.remittance.payer_name, "trace_number": rc.remittance.trace_number,
             "payment_date": rc.remittance.payment_date}
            for rc in items
        ],
    }  # fmt: skip


def _denial(work: Any, texts: dict[str, str]) -> dict[str, Any]:
    line, rc = work.line, work.line.remittance_claim
    adjustments = list(line.adjustments.all())
    reason = denial_reason(adjustments)
    payer = rc.remittance.payer or (rc.claim.payer if rc.claim else None)
    remarks = list(dict.fromkeys([*line.remark_codes, *rc.remark_codes]))
    return {
        "id": work.pk, "status": work.status, "action": work.action, "owner_id": work.owner_id,
        "owner": work.owner.get_username() if work.owner else "", "due_date": work.due_date,
        "note": work.note, "denial": line.denial, "reason": reason,
        "reason_description": texts.get(f"CARC {reason}", ""),
        "remarks": [{"code": c, "description": texts.get(f"RARC {c}", "")} for c in remarks],
        "adjustments": _adjustments(adjustments), "procedure_code": line.procedure_code,
        "modifiers": line.modifiers, "service_date": line.service_date, "billed": line.billed,
        "paid": line.paid, "payer_id": payer.pk if payer else None,
        "payer": payer.name if payer else rc.remittance.payer_name,
        "remittance_file_id": rc.remittance.file_id, "remittance_claim_id": rc.pk,
        "claim_id": rc.claim_id, "patient_control_number": rc.patient_control_number,
        "payer_claim_number": rc.payer_claim_number, "patient_id": rc.patient_id,
        "patient_name": rc.patient_name,
        "appeal_letter_ids": [letter.pk for letter in work.appeal_letters.all()],
    }  # fmt: skip


@router.get(
    "/denials",
    response={200: DenialPage, 400: ErrorOut},
    summary="The denials worklist, due first; filter by payer, reason (CARC), status, action",
)
@api_rule(OFFICE_VIEW)
def denial_list(
    request: HttpRequest, status: str = "", payer_id: int | None = None, reason: str = "",
    action: str = "", offset: int = 0, limit: int = 50,
) -> Any:  # fmt: skip
    """`status`: open or done (both when empty); `reason`: the CARC the line was denied for,
    e.g. `197` or `CO-197` (its largest adjustment that is not the patient's share); `action`:
    the suggested action (correct, appeal, write_off, bill_patient)."""
    if status and status not in WorkStatus.values:
        return _bad(f"{status!r} is not a worklist status ({', '.join(WorkStatus.values)}).")
    if action and action not in SuggestedAction.values:
        return _bad(f"{action!r} is not an action ({', '.join(SuggestedAction.values)}).")
    if len(reason) > 8:
        return _bad("reason is a CARC such as 197 or CO-197.")
    if message := _paging_error(offset, limit):
        return _bad(message)
    rows = selectors.denial_works(status=status, payer_id=payer_id, reason=reason, action=action)
    items = list(rows[offset : offset + limit])
    texts = selectors.descriptions(
        {a.reason for w in items for a in w.line.adjustments.all()},
        {c for w in items for c in [*w.line.remark_codes, *w.line.remittance_claim.remark_codes]},
    )
    audit_patients_shown(
        patient_ids=[w.line.remittance_claim.patient_id for w in items
                     if w.line.remittance_claim.patient_id],
        object_type="denial_work", view="api_remittance_denials", actor=request.user,
    )  # fmt: skip
    return {"count": rows.count(), "offset": offset, "limit": limit,
            "items": [_denial(w, texts) for w in items]}  # fmt: skip
