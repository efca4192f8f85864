"""Writes of referrals: create, edit, move along their statuses, link the visit that was booked.

Every write checks the matrix for the patient (REFERRALS, edit) before its transaction, and
records its audit entry inside it. Status moves are conditional UPDATEs on the status the
person saw, so two people moving the same referral at once cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.coding import icd10
from medoffice.core.access import patient_access
from medoffice.core.permissions import Capability, Need
from medoffice.patients.models import Document, Patient
from medoffice.referrals.models import (
    PriorAuthorization,
    Referral,
    ReferralStatus,
)
from medoffice.scheduling.models import ACTIVE_STATUSES, Appointment, Provider, validate_npi

RS = ReferralStatus
# Where a referral may go from each status. "Back to received" is for a visit that fell
# through (cancelled, no-show) and must be booked again; any open referral may be closed
# (the patient declined, went elsewhere).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    RS.RECEIVED: (RS.SCHEDULED, RS.CLOSED),
    RS.SCHEDULED: (RS.SEEN, RS.RECEIVED, RS.CLOSED),
    RS.SEEN: (RS.REPORT_SENT, RS.CLOSED),
    RS.REPORT_SENT: (RS.CLOSED,),
    RS.CLOSED: (),
}
# The fields a person edits (status and the appointment move only through their services).
REFERRAL_FIELDS = (
    "direction", "outside_provider_name", "outside_provider_npi", "outside_practice",
    "outside_phone", "outside_fax", "our_provider", "specialty", "reason", "diagnosis_code",
    "urgency", "received_on", "due_by", "authorization", "notes",
)  # fmt: skip


def _may_edit(actor: Any, patient_id: int) -> None:
    patient_access(actor, Capability.REFERRALS, Need.EDIT, patient_id)


def _checked(referral: Referral, documents: Iterable[Document] | None) -> list[Document]:
    """Validate a referral before it is written; errors name their field."""
    errors: dict[str, str] = {}
    code = (referral.diagnosis_code or "").strip()
    if code:
        found = icd10.lookup(code)
        if found is None:
            errors["diagnosis_code"] = f"{code} is not an ICD-10-CM code."
        elif not found.billable:
            errors["diagnosis_code"] = (
                f"{found.code} is a category: give the complete code (e.g. {found.code}.9)."
            )
        else:
            referral.diagnosis_code = found.code
    npi = (referral.outside_provider_npi or "").strip()
    if npi:
        try:
            validate_npi(npi)
        except ValidationError as exc:
            errors["outside_provider_npi"] = " ".join(exc.messages)
    if (
        referral.our_provider_id
        and not Provider.objects.filter(pk=referral.our_provider_id, is_active=True).exists()
    ):
        errors["our_provider"] = "Choose one of our active providers."
    if (
        referral.authorization_id
        and not PriorAuthorization.objects.filter(
            pk=referral.authorization_id, patient_id=referral.patient_id
        ).exists()
    ):
        errors["authorization"] = "That authorization is another patient's."
    picked = list(documents or [])
    if any(d.patient_id != referral.patient_id for d in picked):
        errors["documents"] = "Pick documents from this patient's record."
    if errors:
        raise ValidationError(errors)
    referral.full_clean(exclude=["patient", "created_by", "appointment", "documents"])
    return picked


def referral_create(
    *,
    actor: Any,
    patient: Patient,
    data: Mapping[str, Any],
    documents: Iterable[Document] | None = None,
) -> Referral:
    _may_edit(actor, patient.pk)
    unknown = set(data) - set(REFERRAL_FIELDS)
    if unknown:
        raise ValueError(f"not referral fields: {sorted(unknown)}")
    referral = Referral(
        patient=patient, created_by=actor, status=RS.RECEIVED, status_changed_at=timezone.now()
    )
    for key, value in data.items():
        setattr(referral, key, value)
    picked = _checked(referral, documents)
    with transaction.atomic():
        referral.save()
        referral.documents.set(picked)
        audit_record(
            action="create", actor=actor, object_type="referral", object_id=referral.pk,
            patient_id=patient.pk, patient_ref=patient.mrn,
            details={"direction": referral.direction, "documents": len(picked)},
        )  # fmt: skip
    return referral


def referral_update(
    *,
    actor: Any,
    referral: Referral,
    data: Mapping[str, Any],
    documents: Iterable[Document] | None = None,
) -> Referral:
    _may_edit(actor, referral.patient_id)
    unknown = set(data) - set(REFERRAL_FIELDS)
    if unknown:
        raise ValueError(f"not referral fields: {sorted(unknown)}")
    before = {key: getattr(referral, key) for key in data}
    for key, value in data.items():
        setattr(referral, key, value)
    picked = _checked(referral, documents)
    changed = sorted(k for k in data if getattr(referral, k) != before[k])
    columns = [f"{k}_id" if k in ("our_provider", "authorization") else k for k in data]
    values = {column: getattr(referral, column) for column in columns}
    with transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(updated_at=timezone.now(), **values)
        if documents is not None:
            referral.documents.set(picked)
        audit_record(
            action="update", actor=actor, object_type="referral", object_id=referral.pk,
            patient_id=referral.patient_id, details={"changed": changed},
        )  # fmt: skip
    referral.refresh_from_db()
    return referral


def referral_status_set(
    *, actor: Any, referral: Referral, status: str, seen_status: str | None = None, note: str = ""
) -> Referral:
    """Move a referral to `status`. `seen_status` is the status the person was looking at
    (defaults to the referral's): if someone moved it meanwhile, nothing changes."""
    _may_edit(actor, referral.patient_id)
    current = seen_status or referral.status
    if status not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(RS(s).label.lower() for s in TRANSITIONS.get(current, ())) or "none"
        raise ValidationError(
            {
                "status": f"A {RS(current).label.lower()} referral cannot become "
                f"{RS(status).label.lower() if status in RS.values else status!r} (allowed: {allowed})."
            }
        )
    updates: dict[str, Any] = {"status": status, "status_changed_at": timezone.now()}
    if status == RS.RECEIVED:
        updates["appointment"] = None  # the visit fell through: book again
    with transaction.atomic():
        if not Referral.objects.filter(pk=referral.pk, status=current).update(**updates):
            referral.refresh_from_db()
            raise ValidationError(
                {
                    "status": f"Someone changed this referral meanwhile: it is now "
                    f"{referral.get_status_display().lower()}. Nothing was changed."
                }
            )
        audit_record(
            action="update", actor=actor, object_type="referral", object_id=referral.pk,
            patient_id=referral.patient_id, reason=note[:500],
            details={"status": status, "from": current},
        )  # fmt: skip
    referral.refresh_from_db()
    return referral


def referral_link_appointment(
    *, actor: Any, referral: Referral, appointment: Appointment
) -> Referral:
    """The visit booked for this referral: link it and mark the referral scheduled (from
    received, or re-linking a scheduled one to its new visit)."""
    _may_edit(actor, referral.patient_id)
    if appointment.patient_id != referral.patient_id:
        raise ValidationError({"appointment": "That appointment is another patient's."})
    if appointment.status not in ACTIVE_STATUSES:
        raise ValidationError(
            {"appointment": f"That appointment is {appointment.get_status_display().lower()}."}
        )
    linkable = (RS.RECEIVED, RS.SCHEDULED)
    with transaction.atomic():
        if not Referral.objects.filter(pk=referral.pk, status__in=linkable).update(
            appointment=appointment, status=RS.SCHEDULED, status_changed_at=timezone.now()
        ):
            referral.refresh_from_db()
            raise ValidationError(
                f"A {referral.get_status_display().lower()} referral takes no new appointment."
            )
        audit_record(
            action="update", actor=actor, object_type="referral", object_id=referral.pk,
            patient_id=referral.patient_id,
            details={"status": RS.SCHEDULED, "appointment": appointment.pk},
        )  # fmt: skip
    referral.refresh_from_db()
    return referral


def referral_follow_appointment(*, appointment: Appointment) -> int:
    """Keep referrals in step with their visit (called from the scheduling hooks, after the
    booking's own transaction; the person who moved the visit is the audit's actor).

    A rescheduled visit hands its referrals to the new appointment; a cancelled visit or a
    no-show puts them back on the worklist; a completed visit marks them seen.
    """
    moved = 0
    with transaction.atomic():
        if appointment.rescheduled_from_id:
            for referral in Referral.objects.filter(appointment_id=appointment.rescheduled_from_id):
                moved += Referral.objects.filter(pk=referral.pk).update(appointment=appointment)
                _audit_follow(referral, appointment, "rescheduled")
        linked = list(Referral.objects.filter(appointment=appointment, status=RS.SCHEDULED))
        target = None
        if appointment.status in ("cancelled", "no_show"):
            target = RS.RECEIVED
        elif appointment.status == "completed":
            target = RS.SEEN
        for referral in linked if target else []:
            updates: dict[str, Any] = {"status": target, "status_changed_at": timezone.now()}
            if target == RS.RECEIVED:
                updates["appointment"] = None
            if Referral.objects.filter(pk=referral.pk, status=RS.SCHEDULED).update(**updates):
                moved += 1
                _audit_follow(referral, appointment, appointment.status, status=target)
    return moved


def _audit_follow(referral: Referral, appointment: Appointment, why: str, status: str = "") -> None:
    audit_record(
        action="update", object_type="referral", object_id=referral.pk,
        patient_id=referral.patient_id,
        details={"appointment": appointment.pk, "visit": why, **({"status": status} if status else {})},
    )  # fmt: skip
