"""Notes: drafting, signing rules, the lock (service and database), amendments."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.chart import services
from medoffice.chart.models import ClinicalNote, NoteAmendment, NoteStatus
from medoffice.chart.tests.conftest import make_encounter
from medoffice.testing.factories import LocationFactory
from medoffice.testing.personas import persona

SOAP = {"subjective": "Thirsty", "objective": "BP 130/80", "assessment": "T2DM", "plan": "A1c"}


@pytest.fixture
def draft(encounter, clinician):
    return services.note_create(actor=clinician, encounter=encounter, data=SOAP)


def test_clinician_writes_and_signs_own_note(draft, clinician):
    note = services.note_sign(actor=clinician, note=draft)
    assert note.status == NoteStatus.SIGNED
    assert note.signed_by == clinician and note.signed_at is not None
    assert AuditEvent.objects.filter(object_type="note", action="update", object_id=str(note.pk))


def test_nurse_drafts_but_cannot_sign(encounter, nurse):
    note = services.note_create(actor=nurse, encounter=encounter, data={"subjective": "Intake"})
    with pytest.raises(PermissionDenied):
        services.note_sign(actor=nurse, note=note)
    note.refresh_from_db()
    assert note.status == NoteStatus.DRAFT
    assert AuditEvent.objects.filter(action="permission_denied", object_type="note").exists()


def test_encounter_provider_signs_a_nurses_draft(encounter, nurse, clinician):
    note = services.note_create(actor=nurse, encounter=encounter, data={"subjective": "Intake"})
    assert services.note_sign(actor=clinician, note=note).status == NoteStatus.SIGNED


def test_other_clinician_cannot_sign(draft, patient):
    other = persona("clinician", username="dr-other", location=LocationFactory())
    with pytest.raises(PermissionDenied):
        services.note_sign(actor=other, note=draft)
    draft.refresh_from_db()
    assert draft.status == NoteStatus.DRAFT


def test_biller_cannot_write_notes(encounter, biller):
    with pytest.raises(PermissionDenied):
        services.note_create(actor=biller, encounter=encounter, data=SOAP)
    assert not ClinicalNote.objects.exists()


def test_empty_note_cannot_be_signed(encounter, clinician):
    note = services.note_create(actor=clinician, encounter=encounter, data={})
    with pytest.raises(ValidationError):
        services.note_sign(actor=clinician, note=note)


def test_signed_note_is_locked_even_for_a_direct_service_call(draft, clinician):
    services.note_sign(actor=clinician, note=draft)
    stale = ClinicalNote.objects.get(pk=draft.pk)
    stale.status = NoteStatus.DRAFT  # an object loaded before the signature
    with pytest.raises(ValidationError, match="locked"):
        services.note_update(actor=clinician, note=stale, data={"plan": "changed"})
    assert ClinicalNote.objects.get(pk=draft.pk).plan == "A1c"
    with pytest.raises(ValidationError, match="already signed"):
        services.note_sign(actor=clinician, note=stale)


def test_draft_edit_by_author(draft, clinician):
    note = services.note_update(actor=clinician, note=draft, data={**SOAP, "plan": "A1c, lipids"})
    assert note.plan == "A1c, lipids"


def test_amendments_are_kept_in_order(draft, clinician):
    services.note_sign(actor=clinician, note=draft)
    first = services.note_amend(
        actor=clinician, note=draft, text="BP was 135/85", reason="Typo in the BP"
    )
    second = services.note_amend(
        actor=clinician,
        note=draft,
        text="Patient reports no thirst",
        reason="Patient's request",
        requested_by_patient=True,
    )
    assert list(draft.amendments.order_by("created_at", "pk")) == [first, second]
    assert second.requested_by_patient and second.author == clinician
    draft.refresh_from_db()
    assert draft.objective == "BP 130/80"  # the signed text never changes


def test_amendment_needs_signed_note_reason_and_clinician(draft, clinician, nurse):
    with pytest.raises(ValidationError):
        services.note_amend(actor=clinician, note=draft, text="x", reason="a reason")
    services.note_sign(actor=clinician, note=draft)
    with pytest.raises(ValidationError):
        services.note_amend(actor=clinician, note=draft, text="x", reason="")
    with pytest.raises(PermissionDenied):
        services.note_amend(actor=nurse, note=draft, text="x", reason="a reason")
    assert not NoteAmendment.objects.exists()


def test_note_pages(encounter, clinician, as_role):
    _, client = as_role("clinician")
    base = f"/chart/patients/{encounter.patient_id}"
    response = client.post(f"{base}/encounters/{encounter.pk}/notes/new/", SOAP)
    note = ClinicalNote.objects.get()
    assert response.status_code == 302
    assert client.get(f"{base}/notes/{note.pk}/").status_code == 200
    assert client.post(f"{base}/notes/{note.pk}/sign/").status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED
    # Editing a signed note sends you back; the content is unchanged.
    response = client.post(f"{base}/notes/{note.pk}/edit/", {**SOAP, "plan": "other"})
    assert response.status_code == 302
    assert ClinicalNote.objects.get().plan == "A1c"
    response = client.post(
        f"{base}/notes/{note.pk}/amend/", {"text": "Added", "reason": "Forgot a finding"}
    )
    assert response.status_code == 302
    page = client.get(f"{base}/notes/{note.pk}/").content.decode()
    assert "Forgot a finding" in page and "locked" in page


def test_stale_draft_flagged(encounter, clinician, as_role):
    from medoffice.chart.tests.conftest import hours_ago

    note = services.note_create(actor=clinician, encounter=encounter, data=SOAP)
    ClinicalNote.objects.filter(pk=note.pk).update(created_at=hours_ago(72))
    _, client = as_role("clinician")
    page = client.get(f"/chart/patients/{encounter.patient_id}/notes/{note.pk}/").content.decode()
    assert "unsigned for more than 48 hours" in page


def test_nurse_note_page_has_no_sign_button(encounter, nurse, as_role):
    note = services.note_create(
        actor=nurse, encounter=make_encounter(encounter.patient, None), data=SOAP
    )
    _, client = as_role("nurse")
    page = client.get(f"/chart/patients/{encounter.patient_id}/notes/{note.pk}/").content.decode()
    assert "Sign note" not in page
    response = client.post(f"/chart/patients/{encounter.patient_id}/notes/{note.pk}/sign/")
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.status == NoteStatus.DRAFT
