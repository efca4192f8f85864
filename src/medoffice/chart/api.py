"""JSON API of the chart (/api/chart/): encounters with their coding, vital signs, diagnoses.

Notes are included in an encounter only for roles that read the chart (clinicians, nurses);
billers, managers and compliance get the coding without note content.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest
from ninja import Body, Router, Schema
from ninja.errors import HttpError

from medoffice.audit.services import audit_record
from medoffice.chart import selectors, services
from medoffice.chart.models import Encounter
from medoffice.core.access import AccessRule, api_rule, can, patient_access
from medoffice.core.permissions import Capability, Need
from medoffice.patients.models import Patient

router = Router(tags=["chart"])

CODING_VIEW = AccessRule("capability", Capability.CODING, Need.VIEW, patient_kwarg="patient_id")
CODING_EDIT = AccessRule("capability", Capability.CODING, Need.EDIT, patient_kwarg="patient_id")
CHART_EDIT = AccessRule("capability", Capability.CHART, Need.EDIT, patient_kwarg="patient_id")
# The body is optional to ninja so that the role check runs before it is read; a missing body
# is then a 400 from the operation itself.
OPTIONAL_BODY = Body(None)


class EncounterOut(Schema):
    id: int
    start: datetime
    end: datetime | None
    type: str
    status: str
    reason: str
    provider: str | None
    location: str | None


class DiagnosisOut(Schema):
    rank: int
    code: str
    description: str
    billable: bool


class ProcedureOut(Schema):
    code: str
    description: str
    units: int
    modifiers: list[str]
    diagnosis_pointers: list[int]


class AmendmentOut(Schema):
    created_at: datetime
    author: str
    text: str
    reason: str
    requested_by_patient: bool


class NoteOut(Schema):
    id: int
    status: str
    author: str
    created_at: datetime
    signed_at: datetime | None
    subjective: str
    objective: str
    assessment: str
    plan: str
    amendments: list[AmendmentOut]


class EncounterDetailOut(EncounterOut):
    diagnoses: list[DiagnosisOut]
    procedures: list[ProcedureOut]
    notes: list[NoteOut] | None = None


class Measurement(Schema):
    value: Decimal
    unit: str = ""


class VitalsIn(Schema):
    taken_at: datetime
    encounter_id: int | None = None
    measurements: dict[str, Measurement]


class VitalOut(Schema):
    kind: str
    value: Decimal
    unit: str
    taken_at: datetime


class DiagnosisIn(Schema):
    code: str
    rank: int | None = None


def _patient(request: HttpRequest, patient_id: int, capability: Capability, need: Need) -> None:
    # The role check already passed (api_rule); this one audits a refusal for this patient.
    if not Patient.objects.filter(pk=patient_id).exists():
        raise HttpError(404, "No such patient.")
    patient_access(request.user, capability, need, patient_id)


def _encounter(patient_id: int, encounter_id: int) -> Encounter:
    try:
        return selectors.encounter_for_patient(patient_id, encounter_id)
    except ObjectDoesNotExist:
        raise HttpError(404, "No such encounter for this patient.") from None


def _person(user: Any) -> str | None:
    return (user.get_full_name() or user.get_username()) if user else None


def _encounter_out(e: Encounter) -> dict[str, Any]:
    return {
        "id": e.pk, "start": e.start, "end": e.end, "type": e.type, "status": e.status,
        "reason": e.reason, "provider": _person(e.provider),
        "location": e.location.name if e.location else None,
    }  # fmt: skip


def _invalid(exc: ValidationError) -> HttpError:
    return HttpError(422, " ".join(exc.messages))


@router.get(
    "/patients/{patient_id}/encounters",
    response=list[EncounterOut],
    summary="A patient's encounters, newest first",
)
@api_rule(CODING_VIEW)
def encounters(request: HttpRequest, patient_id: int, limit: int = 50) -> object:
    _patient(request, patient_id, Capability.CODING, Need.VIEW)
    rows = (
        Encounter.objects.filter(patient_id=patient_id)
        .select_related("provider", "location")
        .order_by("-start")[: max(1, min(limit, 500))]
    )
    out = [_encounter_out(e) for e in rows]
    audit_record(
        action="view_list", object_type="encounter", patient_id=patient_id, details={"api": True}
    )
    return out


@router.get(
    "/patients/{patient_id}/encounters/{encounter_id}",
    response=EncounterDetailOut,
    summary="One encounter with diagnoses and procedures (and notes for chart roles)",
)
@api_rule(CODING_VIEW)
def encounter_detail(request: HttpRequest, patient_id: int, encounter_id: int) -> object:
    _patient(request, patient_id, Capability.CODING, Need.VIEW)
    encounter = _encounter(patient_id, encounter_id)
    diagnoses, procedures = selectors.encounter_coding(encounter)
    out: dict[str, Any] = _encounter_out(encounter)
    out["diagnoses"] = [
        {"rank": d.rank, "code": d.code, "description": d.description, "billable": d.billable}
        for d in diagnoses
    ]
    out["procedures"] = [
        {"code": p.code.code, "description": p.code.description, "units": p.units,
         "modifiers": p.modifiers, "diagnosis_pointers": p.diagnosis_pointers}
        for p in procedures
    ]  # fmt: skip
    with_notes = can(request.user, Capability.CHART)
    if with_notes:
        out["notes"] = [
            {
                "id": n.pk, "status": n.status, "author": _person(n.author),
                "created_at": n.created_at, "signed_at": n.signed_at, "subjective": n.subjective,
                "objective": n.objective, "assessment": n.assessment, "plan": n.plan,
                "amendments": [
                    {"created_at": a.created_at, "author": _person(a.author), "text": a.text,
                     "reason": a.reason, "requested_by_patient": a.requested_by_patient}
                    for a in n.amendments.all()
                ],
            }
            for n in selectors.encounter_notes(encounter)
        ]  # fmt: skip
    audit_record(
        action="view",
        object_type="encounter",
        object_id=encounter.pk,
        patient_id=patient_id,
        details={"api": True, "notes": with_notes},
    )
    return out


@router.post(
    "/patients/{patient_id}/vitals",
    response={201: list[VitalOut]},
    summary="Record a set of vital signs (kinds: height, weight, temp, hr, rr, sbp, dbp, spo2, pain)",
)
@api_rule(CHART_EDIT)
def vitals_post(
    request: HttpRequest, patient_id: int, payload: VitalsIn | None = OPTIONAL_BODY
) -> object:
    _patient(request, patient_id, Capability.CHART, Need.EDIT)
    if payload is None:
        raise HttpError(400, "Send the vital signs as JSON.")
    encounter = _encounter(patient_id, payload.encounter_id) if payload.encounter_id else None
    try:
        signs = services.vitals_record(
            actor=request.user,
            patient_id=patient_id,
            taken_at=payload.taken_at,
            values={k: (m.value, m.unit) for k, m in payload.measurements.items()},
            encounter=encounter,
        )
    except ValidationError as exc:
        raise _invalid(exc) from None
    return 201, [
        {"kind": s.kind, "value": s.value, "unit": s.unit, "taken_at": s.taken_at} for s in signs
    ]


@router.post(
    "/patients/{patient_id}/encounters/{encounter_id}/diagnoses",
    response={201: DiagnosisOut},
    summary="Add an ICD-10-CM diagnosis to an encounter (billable codes only)",
)
@api_rule(CODING_EDIT)
def diagnosis_post(
    request: HttpRequest,
    patient_id: int,
    encounter_id: int,
    payload: DiagnosisIn | None = OPTIONAL_BODY,
) -> object:
    _patient(request, patient_id, Capability.CODING, Need.EDIT)
    if payload is None:
        raise HttpError(400, "Send the diagnosis as JSON.")
    encounter = _encounter(patient_id, encounter_id)
    try:
        dx = services.diagnosis_add(
            actor=request.user, encounter=encounter, code=payload.code, rank=payload.rank
        )
    except ValidationError as exc:
        raise _invalid(exc) from None
    return 201, {
        "rank": dx.rank, "code": dx.code, "description": dx.description, "billable": dx.billable
    }  # fmt: skip
