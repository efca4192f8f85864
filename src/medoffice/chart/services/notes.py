"""Clinical notes (SOAP): drafted by a clinician or a nurse, signed by a clinician, then locked.

Who signs: a clinician who is the note's author or the encounter's provider (a nurse's intake
draft is signed by the provider who saw the patient). Nurses never sign.
Who edits a draft: its author or the encounter's provider.
Who amends a signed note: any clinician (the original author may have left); the amendment
keeps its author, reason and whether the patient asked for it (HIPAA right to amend).

The lock is enforced twice: the service refuses, and every write to a note's content is a
conditional UPDATE ... WHERE status = 'draft', so a note signed a moment ago is never changed
by an edit that was already under way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.chart.models import ClinicalNote, Encounter, NoteAmendment, NoteStatus
from medoffice.chart.services.common import audit, check_chart_edit, is_clinician
from medoffice.core.access import deny
from medoffice.core.permissions import Capability

SOAP_FIELDS = ("subjective", "objective", "assessment", "plan")
LOCKED = "This note is signed and locked: add an amendment instead."


def _soap(data: Mapping[str, Any]) -> dict[str, str]:
    unknown = set(data) - set(SOAP_FIELDS)
    if unknown:
        raise ValidationError(f"Not note fields: {', '.join(sorted(unknown))}")
    return {k: str(data.get(k) or "").strip() for k in SOAP_FIELDS}


def _refuse(actor: Any, note: ClinicalNote, message: str) -> PermissionDenied:
    return deny(
        actor,
        message,
        capability=Capability.CHART,
        object_type="note",
        object_id=str(note.pk),
        patient_id=note.encounter.patient_id,
    )


def may_edit_draft(actor: Any, note: ClinicalNote) -> bool:
    return actor.pk in {note.author_id, note.encounter.provider_id}


def may_sign(actor: Any, note: ClinicalNote) -> bool:
    return is_clinician(actor) and actor.pk in {note.author_id, note.encounter.provider_id}


def note_create(*, actor: Any, encounter: Encounter, data: Mapping[str, Any]) -> ClinicalNote:
    check_chart_edit(actor, encounter.patient_id)
    note = ClinicalNote(encounter=encounter, author=actor, **_soap(data))
    with transaction.atomic():
        note.save()
        audit(
            actor=actor,
            action="create",
            object_type="note",
            object_id=note.pk,
            patient_id=encounter.patient_id,
            details={"encounter": encounter.pk},
        )
    return note


def note_update(*, actor: Any, note: ClinicalNote, data: Mapping[str, Any]) -> ClinicalNote:
    check_chart_edit(actor, note.encounter.patient_id)
    if not may_edit_draft(actor, note):
        raise _refuse(actor, note, "Only the note's author or the encounter's provider edits it.")
    values = _soap(data)
    with transaction.atomic():
        updated = ClinicalNote.objects.filter(pk=note.pk, status=NoteStatus.DRAFT).update(
            **values, updated_at=timezone.now()
        )
        if not updated:
            raise ValidationError(LOCKED)
        audit(
            actor=actor,
            action="update",
            object_type="note",
            object_id=note.pk,
            patient_id=note.encounter.patient_id,
            details={"fields": sorted(k for k, v in values.items() if getattr(note, k) != v)},
        )
    note.refresh_from_db()
    return note


def note_sign(*, actor: Any, note: ClinicalNote) -> ClinicalNote:
    check_chart_edit(actor, note.encounter.patient_id)
    if not is_clinician(actor):
        raise _refuse(actor, note, "Only a clinician signs notes.")
    if not may_sign(actor, note):
        raise _refuse(actor, note, "Only the note's author or the encounter's provider signs it.")
    current = ClinicalNote.objects.get(pk=note.pk)
    if not any(getattr(current, f).strip() for f in SOAP_FIELDS):
        raise ValidationError("An empty note cannot be signed.")
    now = timezone.now()
    with transaction.atomic():
        updated = ClinicalNote.objects.filter(pk=note.pk, status=NoteStatus.DRAFT).update(
            status=NoteStatus.SIGNED, signed_at=now, signed_by=actor, updated_at=now
        )
        if not updated:
            raise ValidationError("This note is already signed.")
        audit(
            actor=actor,
            action="update",
            object_type="note",
            object_id=note.pk,
            patient_id=note.encounter.patient_id,
            details={"signed": True},
        )
    note.refresh_from_db()
    return note


def note_amend(
    *,
    actor: Any,
    note: ClinicalNote,
    text: str,
    reason: str,
    requested_by_patient: bool = False,
) -> NoteAmendment:
    check_chart_edit(actor, note.encounter.patient_id)
    if not is_clinician(actor):
        raise _refuse(actor, note, "Only a clinician amends a signed note.")
    text, reason = (text or "").strip(), (reason or "").strip()
    errors = {}
    if not text:
        errors["text"] = "Write the amendment."
    if len(reason) < 5:
        errors["reason"] = "Say why the note is amended."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        status = ClinicalNote.objects.filter(pk=note.pk).values_list("status", flat=True).first()
        if status != NoteStatus.SIGNED:
            raise ValidationError("A draft is edited, not amended.")
        amendment = NoteAmendment.objects.create(
            note=note,
            author=actor,
            text=text,
            reason=reason[:300],
            requested_by_patient=requested_by_patient,
        )
        audit(
            actor=actor,
            action="update",
            object_type="note",
            object_id=note.pk,
            patient_id=note.encounter.patient_id,
            details={"amendment": amendment.pk, "requested_by_patient": requested_by_patient},
            reason=reason[:300],
        )
    return amendment
