"""Waitlist entries: the front desk adds and removes them; who may see and change the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.core.access import AccessDenied
from medoffice.messaging.tests.conftest import emailing_patient, make_patient
from medoffice.testing.personas import persona, signed_in_client
from medoffice.waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer
from medoffice.waitlist.services import waitlist_entry_add, waitlist_entry_remove


def _form(clinic, patient, **extra):
    return {
        "mrn": patient.mrn, "appointment_type": clinic["office"].pk, "provider": "", "location": clinic["location"].pk,
        "earliest_date": timezone.localdate().isoformat(), "latest_date": "", "weekdays": ["0", "2"],
        "times_of_day": ["morning"], "note": "Can come at short notice", **extra,
    }  # fmt: skip


def test_front_desk_adds_an_entry_on_the_page(clinic):
    patient = emailing_patient()
    client = signed_in_client(persona("frontdesk"))
    assert client.get("/waitlist/new/").status_code == 200
    response = client.post("/waitlist/new/", _form(clinic, patient))
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.patient, entry.provider, entry.location) == (patient, None, clinic["location"])
    assert (entry.weekdays, entry.times_of_day) == ([0, 2], ["morning"])
    assert entry.created_by.username == "frontdesk"
    assert AuditEvent.objects.filter(
        object_type="waitlist_entry", action="create", patient_id=patient.pk
    ).exists()
    page = client.get("/waitlist/").content.decode()
    assert "Okafor, Chidi" in page and "Mon Wed" in page and "mornings" in page
    assert AuditEvent.objects.filter(
        action="view_list", details__view="waitlist", patient_id=patient.pk
    ).exists()


def test_bad_input_shows_field_errors_and_saves_nothing(clinic):
    client = signed_in_client(persona("frontdesk"))
    patient = emailing_patient()
    response = client.post("/waitlist/new/", _form(clinic, patient, mrn="0000000"))
    assert (
        response.status_code == 400
        and "No patient has this chart number" in response.content.decode()
    )
    today = timezone.localdate()
    response = client.post(
        "/waitlist/new/",
        _form(clinic, patient, latest_date=(today - timedelta(days=2)).isoformat()),
    )
    assert response.status_code == 400 and "latest date" in response.content.decode()
    client.post("/waitlist/new/", _form(clinic, patient))
    response = client.post("/waitlist/new/", _form(clinic, patient))
    assert response.status_code == 400 and "already waiting" in response.content.decode()
    assert WaitlistEntry.objects.count() == 1


def test_provider_must_see_the_type_and_work_there(clinic):
    other = clinic["providers"][1]
    clinic["office"].allowed_providers.add(clinic["providers"][0])
    with pytest.raises(ValidationError) as exc:
        waitlist_entry_add(
            actor=persona("frontdesk"), patient=make_patient(), appointment_type=clinic["office"],
            provider=other, earliest_date=timezone.localdate(),
        )  # fmt: skip
    assert "provider" in exc.value.message_dict


def test_removing_withdraws_an_open_offer(clinic):
    desk = persona("frontdesk")
    entry = waitlist_entry_add(
        actor=desk,
        patient=emailing_patient(),
        appointment_type=clinic["office"],
        earliest_date=timezone.localdate(),
    )
    WaitlistEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.OFFERED)
    now = timezone.now()
    offer = WaitlistOffer.objects.create(
        entry=entry, slot_start=now + timedelta(days=1), slot_end=now + timedelta(days=1, minutes=20),
        provider=clinic["providers"][0], location=clinic["location"], appointment_type=clinic["office"],
        token_id="abc", sent_at=now, expires_at=now + timedelta(hours=2),
    )  # fmt: skip
    client = signed_in_client(desk)
    client.post(f"/waitlist/{entry.pk}/remove/", {"reason": "Found another practice"})
    entry.refresh_from_db()
    offer.refresh_from_db()
    assert (entry.status, entry.removed_reason) == (EntryStatus.REMOVED, "Found another practice")
    assert offer.status == OfferStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        waitlist_entry_remove(actor=desk, entry=entry, reason="again")


@pytest.mark.parametrize(
    ("role", "may_view", "may_edit"),
    [
        ("frontdesk", True, True),
        ("manager", True, True),
        ("biller", True, False),
        ("nurse", True, False),
        ("compliance", True, False),
        ("hr", False, False),
        ("purchasing", False, False),
        ("admin", False, False),
    ],
)
def test_who_sees_and_changes_the_waitlist(clinic, role, may_view, may_edit):
    patient = emailing_patient()
    entry = waitlist_entry_add(
        actor=persona("frontdesk"),
        patient=patient,
        appointment_type=clinic["office"],
        earliest_date=timezone.localdate(),
    )
    client = signed_in_client(persona(role))
    assert (client.get("/waitlist/").status_code == 200) is may_view
    response = client.post("/waitlist/new/", _form(clinic, make_patient("Other")))
    assert (response.status_code != 403) is may_edit
    client.post(f"/waitlist/{entry.pk}/remove/")
    entry.refresh_from_db()
    assert (entry.status == EntryStatus.REMOVED) is may_edit
    if not may_edit:
        assert WaitlistEntry.objects.count() == 1
        with pytest.raises(AccessDenied):
            waitlist_entry_add(
                actor=persona(role), patient=patient, appointment_type=clinic["office"],
                earliest_date=timezone.localdate(),
            )  # fmt: skip


def test_a_clinician_manages_only_their_own_waitlist(clinic):
    own, other = clinic["providers"]
    patient = emailing_patient()
    with pytest.raises(AccessDenied):
        waitlist_entry_add(actor=own.user, patient=patient, appointment_type=clinic["office"],
                           provider=other, earliest_date=timezone.localdate())  # fmt: skip
    mine = waitlist_entry_add(actor=own.user, patient=patient, appointment_type=clinic["office"],
                              provider=own, earliest_date=timezone.localdate())  # fmt: skip
    theirs = waitlist_entry_add(actor=persona("frontdesk"), patient=make_patient("Else"), appointment_type=clinic["office"],
                                provider=other, earliest_date=timezone.localdate())  # fmt: skip
    page = signed_in_client(own.user).get("/waitlist/").content.decode()
    assert f"/waitlist/{mine.pk}/remove/" in page and f"/waitlist/{theirs.pk}/remove/" not in page
