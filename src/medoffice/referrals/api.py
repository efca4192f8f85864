"""Referrals and prior authorizations as JSON (read-only): the worklist and one patient's
referrals and authorizations with their units and alerts. Checked against the matrix and
audited like the pages. (No `from __future__ import annotations` here: ninja reads the
annotations.)"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from medoffice.audit.services import audit_patients_shown
from medoffice.core.access import AccessRule, api_rule, patient_access
from medoffice.core.permissions import Capability, Need
from medoffice.patients.models import Patient
from medoffice.referrals import selectors

router = Router(tags=["referrals"])

REFERRALS_VIEW = AccessRule("capability", Capability.REFERRALS)
PATIENT_REFERRALS_VIEW = AccessRule("capability", Capability.REFERRALS, patient_kwarg="patient_id")


class ReferralOut(Schema):
    id: int
    patient_id: int
    direction: str
    status: str
    urgency: str
    reason: str
    diagnosis_code: str
    specialty: str
    outside_provider_name: str
    outside_practice: str
    our_provider_id: int | None
    received_on: date
    due_by: date | None
    overdue: bool
    appointment_id: int | None
    status_changed_at: datetime | None


class AuthorizationOut(Schema):
    id: int
    payer: str
    auth_number: str
    service_codes: list[str]
    appointment_types: list[str]
    approved_units: int
    held: int
    used: int
    left: int
    start_date: date
    end_date: date


class AlertOut(Schema):
    authorization_id: int
    kind: str
    message: str


class PatientReferralsOut(Schema):
    referrals: list[ReferralOut]
    authorizations: list[AuthorizationOut]
    alerts: list[AlertOut]


def _referral(r: Any, today: date) -> dict[str, Any]:
    fields = ReferralOut.model_fields
    out = {name: getattr(r, name) for name in fields if name != "overdue"}
    out["overdue"] = bool(r.due_by and r.due_by < today and r.status == "received")
    return out


def _authorization(v: Any) -> dict[str, Any]:
    a = v.auth
    return {
        "id": a.pk, "payer": str(a.payer), "auth_number": a.auth_number, "service_codes": a.service_codes,
        "appointment_types": v.type_names, "approved_units": a.approved_units, "held": v.held,
        "used": v.used, "left": v.left, "start_date": a.start_date, "end_date": a.end_date,
    }  # fmt: skip


@router.get("/worklist", response=list[ReferralOut])
@api_rule(REFERRALS_VIEW)
def worklist(request: HttpRequest, direction: str = "", limit: int = 50) -> Any:
    """Referrals not yet scheduled, overdue first (as on the worklist page)."""
    from django.utils import timezone

    rows = list(
        selectors.worklist(actor=request.user, direction=direction)[: max(1, min(limit, 200))]
    )
    audit_patients_shown(
        patient_ids=[r.patient_id for r in rows], object_type="referral", view="api_referral_worklist",
        actor=request.user, patient_refs={r.patient_id: r.patient.mrn for r in rows},
    )  # fmt: skip
    today = timezone.localdate()
    return [_referral(r, today) for r in rows]


@router.get("/patients/{patient_id}", response=PatientReferralsOut)
@api_rule(PATIENT_REFERRALS_VIEW)
def patient_referrals(request: HttpRequest, patient_id: int) -> Any:
    from django.utils import timezone

    patient_access(request.user, Capability.REFERRALS, Need.VIEW, patient_id)
    get_object_or_404(Patient, pk=patient_id)
    data = selectors.patient_referrals(actor=request.user, patient_id=patient_id, view="api")
    today = timezone.localdate()
    return {
        "referrals": [_referral(r, today) for r in data.referrals],
        "authorizations": [_authorization(v) for v in data.authorizations],
        "alerts": [
            {"authorization_id": a.auth.pk, "kind": a.kind, "message": a.message}
            for a in data.alerts
        ],
    }
