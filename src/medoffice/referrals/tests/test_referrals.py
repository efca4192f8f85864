"""Referral services: checks on what is entered, who may write, status moves, visits linked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.core.access import AccessDenied
from medoffice.referrals.models import Referral
from medoffice.referrals.services import (
    referral_create,
    referral_link_appointment,
    referral_status_set,
    referral_update,
)
from medoffice.scheduling.services.booking import (
    BookingRequest,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from medoffice.scheduling.services.flow import appointment_step
from medoffice.testing.personas import persona

from .conftest import make_patient, next_weekday_at


def data(**overrides):
    base = {
        "direction": "in", "outside_provider_name": "Dr. Ada Lovelace", "outside_practice": "Hudson Cardiology",
        "reason": "Palpitations", "diagnosis_code": "r002", "urgency": "routine",
        "received_on": timezone.localdate(), "due_by": timezone.localdate() + timedelta(days=14),
    }  # fmt: skip
    base.update(overrides)
    return base


def book(clinic, patient, start, actor=None):
    request = BookingRequest(patient_id=patient.pk, type=clinic["office"], provider=clinic["providers"][0],
                             location_id=clinic["location"].pk, start=start)  # fmt: skip
    return appointment_book(actor=actor or persona("frontdesk"), request=request).appointment


def test_create_checks_the_diagnosis_npi_and_documents(clinic):
    desk = persona("frontdesk")
    patient = make_patient()
    referral = referral_create(actor=desk, patient=patient, data=data())
    assert referral.diagnosis_code == "R00.2" and referral.status == "received"
    assert referral.status_changed_at is not None
    assert AuditEvent.objects.filter(
        object_type="referral", action="create", patient_id=patient.pk
    ).exists()
    for bad, field in (
        ({"diagnosis_code": "Q99.99"}, "diagnosis_code"),
        ({"diagnosis_code": "E11"}, "diagnosis_code"),  # a category, not a complete code
        ({"outside_provider_npi": "1234567890"}, "outside_provider_npi"),  # check digit
        ({"due_by": timezone.localdate() - timedelta(days=3)}, "due_by"),
    ):
        with pytest.raises(ValidationError) as exc:
            referral_create(actor=desk, patient=patient, data=data(**bad))
        assert field in exc.value.message_dict
    assert Referral.objects.count() == 1, "nothing half-saved"


@pytest.mark.parametrize("role", ["frontdesk", "biller", "clinician"])
def test_roles_that_edit_referrals(clinic, role):
    referral = referral_create(actor=persona(role), patient=make_patient(), data=data())
    referral_update(actor=persona(role), referral=referral, data={"reason": "Chest pain"})
    assert Referral.objects.get().reason == "Chest pain"


@pytest.mark.parametrize("role", ["manager", "nurse", "compliance", "admin", "hr", "purchasing"])
def test_roles_that_only_read_or_see_nothing_change_nothing(clinic, role):
    patient = make_patient()
    referral = referral_create(actor=persona("frontdesk"), patient=patient, data=data())
    with pytest.raises(AccessDenied):
        referral_create(actor=persona(role), patient=patient, data=data())
    with pytest.raises(AccessDenied):
        referral_status_set(actor=persona(role), referral=referral, status="closed")
    assert Referral.objects.get().status == "received" and Referral.objects.count() == 1


def test_statuses_move_one_way_and_stale_moves_change_nothing(clinic):
    desk = persona("frontdesk")
    referral = referral_create(actor=desk, patient=make_patient(), data=data())
    with pytest.raises(ValidationError):
        referral_status_set(actor=desk, referral=referral, status="seen")  # not yet scheduled
    for status in ("scheduled", "seen", "report_sent", "closed"):
        referral = referral_status_set(actor=desk, referral=referral, status=status)
    assert referral.status == "closed"
    with pytest.raises(ValidationError):
        referral_status_set(actor=desk, referral=referral, status="received")
    other = referral_create(actor=desk, patient=make_patient("Other"), data=data())
    referral_status_set(actor=desk, referral=other, status="closed")
    # Someone still looking at it as "received" tries to schedule it: refused, nothing changes.
    with pytest.raises(ValidationError, match="meanwhile"):
        referral_status_set(actor=desk, referral=other, status="scheduled", seen_status="received")
    assert Referral.objects.get(pk=other.pk).status == "closed"
    moves = AuditEvent.objects.filter(
        object_type="referral", action="update", object_id=str(referral.pk)
    )
    assert moves.count() == 4


def test_link_the_booked_visit(clinic):
    desk = persona("frontdesk")
    patient = make_patient()
    referral = referral_create(actor=desk, patient=patient, data=data())
    mine = book(clinic, patient, next_weekday_at(10))
    someone_else = book(clinic, make_patient("Else"), next_weekday_at(11))
    with pytest.raises(ValidationError):
        referral_link_appointment(actor=desk, referral=referral, appointment=someone_else)
    referral = referral_link_appointment(actor=desk, referral=referral, appointment=mine)
    assert referral.status == "scheduled" and referral.appointment == mine
    with pytest.raises(AccessDenied):
        referral_link_appointment(actor=persona("nurse"), referral=referral, appointment=mine)


def test_referrals_follow_their_visit(clinic, django_capture_on_commit_callbacks):
    desk = persona("frontdesk")
    patient = make_patient()
    referral = referral_create(actor=desk, patient=patient, data=data())
    with django_capture_on_commit_callbacks(execute=True):
        visit = book(clinic, patient, next_weekday_at(10))
    referral_link_appointment(actor=desk, referral=referral, appointment=visit)
    with django_capture_on_commit_callbacks(execute=True):
        moved = appointment_reschedule(
            actor=desk, appointment=visit, start=next_weekday_at(14)
        ).appointment
    referral.refresh_from_db()
    assert referral.appointment == moved and referral.status == "scheduled"
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(
            actor=desk, appointment=moved, reason="Patient is travelling", cancelled_by="patient"
        )
    referral.refresh_from_db()
    assert referral.status == "received" and referral.appointment is None, "back on the worklist"


def test_a_completed_visit_marks_the_referral_seen(clinic, django_capture_on_commit_callbacks):
    desk = persona("frontdesk")
    patient = make_patient()
    referral = referral_create(actor=desk, patient=patient, data=data())
    visit = book(clinic, patient, next_weekday_at(10))
    referral_link_appointment(actor=desk, referral=referral, appointment=visit)
    doctor = clinic["providers"][0].user
    for step in ("arrive", "see", "check_out", "complete"):
        with django_capture_on_commit_callbacks(execute=True):
            visit = appointment_step(
                actor=doctor if step != "arrive" else desk, appointment=visit, step=step
            )
    referral.refresh_from_db()
    assert referral.status == "seen"
