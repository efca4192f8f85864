"""Claims as JSON: the worklist (filters, paging), one claim with its lines and history, and
moving a claim along. Checked against the matrix and audited like the pages. (No
`from __future__ import annotations` here: ninja reads the annotations.)"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_patients_shown, audit_record
from medoffice.claims import selectors, services
from medoffice.claims.models import ClaimStatus
from medoffice.core.access import AccessRule, api_rule
from medoffice.core.permissions import Capability, Need

router = Router(tags=["claims"])

CLAIMS_VIEW = AccessRule("capability", Capability.BILLING)
CLAIMS_EDIT = AccessRule("capability", Capability.BILLING, Need.EDIT)
MAX_PAGE = 200


class ClaimOut(Schema):
    id: int
    patient_id: int
    patient_mrn: str
    encounter_id: int
    payer_id: int
    payer: str
    coverage_id: int
    responsibility: str
    patient_control_number: str
    total_billed: Decimal
    frequency_code: str
    original_claim_id: int | None
    status: str
    status_changed_at: datetime
    submitted_at: datetime | None
    payer_claim_number: str
    prior_authorization_number: str
    referral_number: str
    rendering_provider_id: int
    service_date_from: date
    service_date_to: date


class ClaimPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[ClaimOut]


class AdjudicationOut(Schema):
    payer_id: int
    paid_amount: Decimal
    allowed_amount: Decimal | None
    adjustments: list[dict[str, str]]
    remark_codes: list[str]
    adjudicated_on: date


class LineOut(Schema):
    line_number: int
    line_control_number: str
    procedure_code: str
    modifiers: list[str]
    units: int
    amount: Decimal
    diagnosis_pointers: list[int]
    date_of_service: date
    place_of_service: str
    adjudications: list[AdjudicationOut]


class ChangeOut(Schema):
    from_status: str
    to_status: str
    at: datetime
    actor: str
    reason: str
    detail: dict[str, Any]


class ClaimDetailOut(ClaimOut):
    diagnosis_codes: list[str]
    lines: list[LineOut]
    history: list[ChangeOut]
    allowed_next: list[str]


class TransitionIn(Schema):
    to: str
    from_status: str = ""
    reason: str = ""
    payer_claim_number: str = ""
    detail: dict[str, Any] = {}


class ScrubIn(Schema):
    claim_ids: list[int] = []
    all_drafts: bool = False


class FindingOut(Schema):
    rule_id: str
    severity: str
    message: str
    carc: str
    line_number: int | None


class ScrubbedClaimOut(Schema):
    claim_id: int
    patient_control_number: str
    status: str
    errors: int
    warnings: int
    skipped: str
    findings: list[FindingOut]


class ScrubOut(Schema):
    scrubbed: int
    ready: int
    with_errors: int
    claims: list[ScrubbedClaimOut]


def _claim(c: Any) -> dict[str, Any]:
    out = {name: getattr(c, name) for name in ClaimOut.model_fields if hasattr(c, name)}
    out.update(
        patient_mrn=c.patient.mrn, payer=c.payer.name,
        responsibility=c.get_responsibility_display().lower(),
    )  # fmt: skip
    return out


def _adjudication(a: Any) -> dict[str, Any]:
    return {name: getattr(a, name) for name in AdjudicationOut.model_fields}


@router.get("/", response=ClaimPage)
@api_rule(CLAIMS_VIEW)
def claim_list(
    request: HttpRequest, status: str = "", payer_id: int | None = None,
    provider_id: int | None = None, date_from: date | None = None, date_to: date | None = None,
    offset: int = 0, limit: int = 50,
) -> Any:  # fmt: skip
    """Claims, most recently moved first; `status`, `payer_id`, `provider_id` (rendering) and the
    date of service range filter them. Each patient returned is an audit entry."""
    if status and status not in ClaimStatus.values:
        raise HttpError(400, f"{status!r} is not a claim status.")
    if date_from and date_to and date_to < date_from:
        raise HttpError(400, "date_to is before date_from.")
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise HttpError(400, f"offset from 0, limit from 1 to {MAX_PAGE}.")
    rows = selectors.claim_worklist(
        request.user,
        selectors.ClaimFilters(
            status=status, payer_id=payer_id, provider_id=provider_id,
            date_from=date_from, date_to=date_to,
        ),
    )  # fmt: skip
    items = list(rows[offset : offset + limit])
    audit_patients_shown(
        patient_ids=[c.patient_id for c in items], object_type="claim", view="api_claim_list",
        actor=request.user, patient_refs={c.patient_id: c.patient.mrn for c in items},
    )  # fmt: skip
    return {
        "count": rows.count(),
        "offset": offset,
        "limit": limit,
        "items": [_claim(c) for c in items],
    }


@router.post("/scrub", response=ScrubOut)
@api_rule(CLAIMS_EDIT)
def claims_scrub(request: HttpRequest, payload: ScrubIn | None = None) -> Any:
    """(Declared before `/{claim_id}`, which would take "scrub" for an id.)

    Scrub the claims named in `claim_ids`, or with `all_drafts` every draft claim (at most
    200 a call, oldest first). Each claim's findings replace its last ones; a claim without
    errors moves to ready, one with errors is scrubbed; claims in another status are reported
    with `skipped` and not touched. Ids the caller may not see are a 404."""
    if payload is None or not (payload.claim_ids or payload.all_drafts):
        raise HttpError(400, 'Send {"claim_ids": [..]} or {"all_drafts": true}.')
    from medoffice.claims.models import ClaimFinding
    from medoffice.claims.services.scrubbing import MAX_PER_RUN

    rows = selectors.visible_claims(request.user)
    if payload.all_drafts:
        claims = list(rows.filter(status=ClaimStatus.DRAFT).order_by("pk")[:MAX_PER_RUN])
    else:
        wanted = list(dict.fromkeys(payload.claim_ids))
        if len(wanted) > MAX_PER_RUN:
            raise HttpError(400, f"At most {MAX_PER_RUN} claims a call.")
        found = {c.pk: c for c in rows.filter(pk__in=wanted)}
        missing = [i for i in wanted if i not in found]
        if missing:
            raise HttpError(404, f"No such claim: {', '.join(map(str, missing))}.")
        claims = [found[i] for i in wanted]
    try:
        result = services.claims_scrub(claims=claims, actor=request.user)
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from None
    findings: dict[int, list[dict[str, Any]]] = {}
    for f in ClaimFinding.objects.filter(claim_id__in=[c.pk for c in claims]).order_by("pk"):
        findings.setdefault(f.claim_id, []).append(
            {name: getattr(f, name) for name in FindingOut.model_fields}
        )
    return {
        "scrubbed": len(result.scrubbed),
        "ready": result.ready,
        "with_errors": result.held,
        "claims": [
            {**o.__dict__, "findings": findings.get(o.claim_id, [])} for o in result.outcomes
        ],
    }


def _detail(request: HttpRequest, claim: Any) -> dict[str, Any]:
    from medoffice.core.access import own_only

    may_move = not own_only(request.user, Capability.BILLING, Need.EDIT)
    lines = selectors.claim_lines(claim)
    return {
        **_claim(claim),
        "diagnosis_codes": claim.diagnosis_codes,
        "lines": [
            {
                **{n: getattr(ln, n) for n in LineOut.model_fields if n != "adjudications"},
                "adjudications": [_adjudication(a) for a in ln.adjudications.all()],
            }
            for ln in lines
        ],
        "history": [
            {
                "from_status": h.from_status,
                "to_status": h.to_status,
                "at": h.at,
                "actor": h.actor.get_username() if h.actor else "",
                "reason": h.reason,
                "detail": h.detail,
            }
            for h in selectors.claim_history(claim)
        ],
        "allowed_next": list(claim.allowed_next()) if may_move else [],
    }


@router.get("/{claim_id}", response=ClaimDetailOut)
@api_rule(CLAIMS_VIEW)
def claim_detail(request: HttpRequest, claim_id: int) -> Any:
    claim = selectors.claim_get(request.user, claim_id)
    audit_record(
        action=AuditAction.VIEW, actor=request.user, object_type="claim", object_id=claim.pk,
        patient_id=claim.patient_id, details={"api": True},
    )  # fmt: skip
    return _detail(request, claim)


@router.post("/{claim_id}/transition", response=ClaimDetailOut)
@api_rule(CLAIMS_EDIT)
def claim_transition(
    request: HttpRequest, claim_id: int, payload: TransitionIn | None = None
) -> Any:
    """Move the claim to `to` (one of the statuses its current one allows); `from_status`, when
    given, is the status the caller saw. 400 for a move the table does not allow or a claim
    changed meanwhile; nothing changes then."""
    if payload is None:
        raise HttpError(400, 'Send {"to": "<status>"} (and a reason where one is needed).')
    claim = selectors.claim_get(request.user, claim_id)
    if payload.from_status:
        if payload.from_status not in ClaimStatus.values:
            raise HttpError(400, f"{payload.from_status!r} is not a claim status.")
        claim.status = payload.from_status
    try:
        claim = services.claim_transition(
            claim=claim, to=payload.to, actor=request.user, reason=payload.reason,
            payer_claim_number=payload.payer_claim_number, detail=payload.detail,
        )  # fmt: skip
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from None
    return _detail(request, selectors.claim_get(request.user, claim.pk))
