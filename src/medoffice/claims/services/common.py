"""What the claims services share: who may act, the audit entry, the encounter's facts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.chart.models import Encounter, EncounterType, NoteStatus
from medoffice.core.access import deny, effective_roles, own_only, patient_access
from medoffice.core.permissions import Capability, Need, roles_allow, roles_own_only

B = Capability.BILLING


def check_charges_edit(actor: Any, encounter: Encounter) -> None:
    """Billers change any charges; a clinician (own records only) those of their encounters."""
    patient_access(actor, B, Need.EDIT, encounter.patient_id)
    if own_only(actor, B, Need.EDIT) and encounter.provider_id != actor.pk:
        raise deny(
            actor,
            "You can change charges only on your own encounters.",
            capability=B,
            object_type="encounter",
            object_id=str(encounter.pk),
            patient_id=encounter.patient_id,
        )


def check_claims_edit(actor: Any, patient_id: int, object_id: Any = "") -> None:
    """Building and moving claims is the billing office's work: clinicians see their own."""
    patient_access(actor, B, Need.EDIT, patient_id)
    if own_only(actor, B, Need.EDIT):
        raise deny(
            actor,
            "Claims are built and moved by the billing staff.",
            capability=B,
            object_type="claim",
            object_id=str(object_id),
            patient_id=patient_id,
        )


def check_claims_edit_many(actor: Any, claims: Iterable[tuple[int, Any]]) -> None:
    """check_claims_edit for many (patient id, claim id) pairs: a role that may edit every
    patient's claims is checked once (an ERA names thousands of patients); otherwise each pair
    is checked, and the first refusal is audited and raised."""
    roles = effective_roles(actor)
    if roles_allow(roles, B, Need.EDIT) and not roles_own_only(roles, B, Need.EDIT):
        return
    for patient_id, object_id in claims:
        check_claims_edit(actor, patient_id, object_id)


def audit(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    patient_id: int,
    details: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    audit_record(
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        details=details or {},
        reason=reason,
    )


def is_signed(encounter: Encounter) -> bool:
    return encounter.notes.filter(status=NoteStatus.SIGNED).exists()


def service_date(encounter: Encounter) -> date:
    """The encounter's day on the clock of the place it happened."""
    zone = encounter.location.time_zone if encounter.location_id else None
    if zone:
        import zoneinfo

        return encounter.start.astimezone(zoneinfo.ZoneInfo(zone)).date()
    return timezone.localdate(encounter.start)


def is_telehealth(encounter: Encounter) -> bool:
    return encounter.type == EncounterType.TELEHEALTH


def refuse(message: str, field: str | None = None) -> ValidationError:
    return ValidationError({field: message} if field else message)
