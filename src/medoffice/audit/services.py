"""Writing to the audit trail, emergency access and compliance review.

Call these inside the service transaction whose action they record: the entry commits
or rolls back with it. Authorization refusals are recorded before any transaction opens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.base import ModelState
from django.utils import timezone

from medoffice.audit import chain
from medoffice.audit.models import (
    AuditAction,
    AuditEvent,
    AuditFlag,
    AuditOutcome,
    EmergencyAccess,
)
from medoffice.core import context, registry

_UNSET: Any = object()


def _build(
    *,
    action: str,
    actor: Any = _UNSET,
    outcome: str = AuditOutcome.SUCCESS,
    object_type: str = "",
    object_id: str | int = "",
    patient_id: int | None = None,
    patient_ref: str = "",
    reason: str = "",
    emergency: bool | None = None,
    details: Mapping[str, Any] | None = None,
    occurred_at: Any = None,
    resolve_ref: bool = True,
) -> AuditEvent:
    ctx = context.current()
    if actor is _UNSET:
        actor = ctx.actor() if ctx else None
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if emergency is None:
        request = ctx.request if ctx else None
        emergency = getattr(request, "access_basis", None) == "emergency"
    if patient_id is not None and not patient_ref and resolve_ref:
        patient_ref = registry.patient_ref(patient_id)
    return AuditEvent(
        occurred_at=occurred_at or timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        actor_username=(actor.get_username() if actor is not None else "")[:150],
        action=str(action)[:32],
        outcome=str(outcome),
        object_type=object_type[:50],
        object_id=str(object_id)[:64],
        patient_id=patient_id,
        patient_ref=patient_ref[:32],
        ip=chain.normalize_ip(ctx.ip if ctx else None),
        request_id=(ctx.request_id if ctx else "")[:64],
        source=(ctx.source if ctx else "system")[:10],
        reason=reason,
        emergency=bool(emergency),
        details=chain.normalize_details(details),
    )


def audit_record(*, action: str, **fields: Any) -> AuditEvent:
    """Append one entry. Actor, IP and request id come from the request context by default."""
    return chain.append([_build(action=action, **fields)])[0]


def audit_record_many(entries: Iterable[Mapping[str, Any]]) -> list[AuditEvent]:
    """Append several entries at once (one head update), e.g. the patients a list showed.

    The request context (actor, address, request id, source) is read once for the batch and
    the events are built without Model.__init__: a 20,000-line ERA writes tens of thousands of
    entries, and building them one by one was most of their cost."""
    entries = list(entries)
    if len(entries) < 20:
        return chain.append([_build(**entry) for entry in entries])
    first = _build(action="batch", resolve_ref=False)  # the shared, context-derived fields
    shared = {f.attname: getattr(first, f.attname) for f in AuditEvent._meta.concrete_fields}
    actors: dict[Any, tuple[Any, str]] = {}
    events = []
    for entry in entries:
        unknown = set(entry) - _BATCH_KEYS
        if unknown:
            raise TypeError(f"audit_record_many: unexpected {', '.join(sorted(unknown))}")
        values = dict(shared)
        actor = entry.get("actor", _UNSET)
        if actor is not _UNSET:
            if actor not in actors:
                known = actor if getattr(actor, "is_authenticated", False) else None
                actors[actor] = (
                    known.pk if known is not None else None,
                    (known.get_username() if known is not None else "")[:150],
                )
            values["actor_id"], values["actor_username"] = actors[actor]
        patient_id = entry.get("patient_id")
        patient_ref = entry.get("patient_ref", "")
        if patient_id is not None and not patient_ref and entry.get("resolve_ref", True):
            patient_ref = registry.patient_ref(patient_id)
        values.update(
            action=str(entry["action"])[:32], outcome=str(entry.get("outcome", AuditOutcome.SUCCESS)),
            object_type=entry.get("object_type", "")[:50], object_id=str(entry.get("object_id", ""))[:64],
            patient_id=patient_id, patient_ref=patient_ref[:32], reason=entry.get("reason", ""),
            details=chain.normalize_details(entry.get("details")),
            occurred_at=entry.get("occurred_at") or values["occurred_at"],
        )  # fmt: skip
        if entry.get("emergency") is not None:
            values["emergency"] = bool(entry["emergency"])
        event = AuditEvent.__new__(AuditEvent)
        event.__dict__.update(values)
        event._state = ModelState()
        events.append(event)
    return chain.append(events)


_BATCH_KEYS = frozenset(
    {"action", "actor", "outcome", "object_type", "object_id", "patient_id", "patient_ref",
     "reason", "emergency", "details", "occurred_at", "resolve_ref"}
)  # fmt: skip


def audit_patients_shown(
    *,
    patient_ids: Iterable[int],
    object_type: str = "patient",
    view: str,
    actor: Any = _UNSET,
    patient_refs: Mapping[int, str] | None = None,
) -> list[AuditEvent]:
    """List pages record which patients they displayed, one entry per patient.

    A page that has the MRNs at hand passes them (patient id -> MRN) and saves a look-up
    per patient shown.
    """
    ids = list(dict.fromkeys(patient_ids))
    refs = dict(patient_refs or {})
    missing = [pid for pid in ids if pid not in refs]
    if missing:
        refs.update(registry.patient_refs(missing))
    if not ids:
        return []
    # Build the shared fields once and copy them per patient: a busy calendar day shows
    # hundreds of patients, and the per-entry context look-ups were a visible part of it.
    first = _build(
        action=AuditAction.VIEW_LIST,
        actor=actor,
        object_type=object_type,
        details={"view": view},
        resolve_ref=False,
    )
    shared = {
        f.attname: getattr(first, f.attname)
        for f in AuditEvent._meta.concrete_fields
        if f.attname not in {"id", "object_id", "patient_id", "patient_ref"}
    }
    events = [
        AuditEvent(
            **shared,
            object_id=str(pid),
            patient_id=pid,
            patient_ref=refs.get(pid, "")[:32],
        )
        for pid in ids
    ]
    return chain.append(events)


def emergency_access_grant(*, actor: Any, patient_id: int, reason: str) -> EmergencyAccess:
    """Break the glass: a time-limited grant for one patient, flagged for compliance review."""
    from medoffice.core.access import effective_roles
    from medoffice.core.permissions import MATRIX

    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Say why you need this record (at least 10 characters)."})
    roles = effective_roles(actor)
    if not any(
        grant.break_glass
        for cells in MATRIX.values()
        for role, grant in cells.items()
        if role in roles
    ):
        raise ValidationError("Your role cannot use emergency access.")
    now = timezone.now()
    with transaction.atomic():
        event = audit_record(
            action=AuditAction.EMERGENCY_ACCESS,
            actor=actor,
            object_type="patient",
            object_id=patient_id,
            patient_id=patient_id,
            reason=reason,
            emergency=True,
        )
        grant = EmergencyAccess.objects.create(
            user=actor,
            patient_id=patient_id,
            patient_ref=event.patient_ref,
            reason=reason,
            granted_at=now,
            expires_at=now + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
            audit_event=event,
        )
        transaction.on_commit(lambda: _notify_compliance_of_emergency(grant.pk))
    return grant


def _notify_compliance_of_emergency(grant_id: int) -> None:
    from medoffice.audit.tasks import notify_emergency_access
    from medoffice.core.jobs import enqueue_system

    enqueue_system(
        notify_emergency_access, grant_id, label="Tell compliance about an emergency access"
    )


def emergency_access_review(
    *, actor: Any, grant: EmergencyAccess, outcome: str, note: str
) -> EmergencyAccess:
    from medoffice.core.access import require_capability
    from medoffice.core.permissions import Capability, Need

    require_capability(actor, Capability.AUDIT_LOG, Need.EDIT)
    if outcome not in {"appropriate", "inappropriate"}:
        raise ValidationError({"outcome": "Choose appropriate or inappropriate."})
    if outcome == "inappropriate" and not note.strip():
        raise ValidationError({"note": "Say what follow-up is needed."})
    with transaction.atomic():
        updated = EmergencyAccess.objects.filter(pk=grant.pk, reviewed_at__isnull=True).update(
            reviewed_by=actor,
            reviewed_at=timezone.now(),
            review_outcome=outcome,
            review_note=note.strip(),
        )
        if not updated:
            raise ValidationError("This emergency access was already reviewed.")
        audit_record(
            action=AuditAction.AUDIT_REVIEW,
            actor=actor,
            object_type="emergency_access",
            object_id=grant.pk,
            patient_id=grant.patient_id,
            patient_ref=grant.patient_ref,
            details={"outcome": outcome},
        )
    grant.refresh_from_db()
    return grant


def audit_flag_add(*, actor: Any, event: AuditEvent, note: str) -> AuditFlag:
    from medoffice.core.access import require_capability
    from medoffice.core.permissions import Capability, Need

    require_capability(actor, Capability.AUDIT_LOG, Need.EDIT)
    if not note.strip():
        raise ValidationError({"note": "Say why you flag this entry."})
    with transaction.atomic():
        flag = AuditFlag.objects.create(
            event=event, flagged_by=actor, flagged_at=timezone.now(), note=note.strip()
        )
        audit_record(
            action=AuditAction.AUDIT_REVIEW,
            actor=actor,
            object_type="audit_event",
            object_id=event.seq,
            patient_id=event.patient_id,
            patient_ref=event.patient_ref,
            details={"flag": flag.pk},
        )
    return flag


def audit_flag_resolve(*, actor: Any, flag: AuditFlag) -> None:
    from medoffice.core.access import require_capability
    from medoffice.core.permissions import Capability, Need

    require_capability(actor, Capability.AUDIT_LOG, Need.EDIT)
    with transaction.atomic():
        AuditFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
        audit_record(
            action=AuditAction.AUDIT_REVIEW,
            actor=actor,
            object_type="audit_flag",
            object_id=flag.pk,
            details={"resolved": True},
        )
