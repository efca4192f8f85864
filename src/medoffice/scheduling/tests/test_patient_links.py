"""Bookings and cancellations a patient makes through a signed link (no staff role)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.scheduling.models import AppointmentStatus, Occupancy
from medoffice.scheduling.services.booking import (
    BookingConflict,
    BookingRequest,
    appointment_book,
    appointment_book_for_patient,
    appointment_cancel_by_patient,
)
from medoffice.testing.personas import persona

from .conftest import make_patient, next_weekday_at


def _request(clinic, patient, start, **extra):
    return BookingRequest(patient_id=patient.pk, type=clinic["office"], provider=clinic["providers"][0],
                          location_id=clinic["location"].pk, start=start, **extra)  # fmt: skip


def test_patient_cancel_via_link(clinic):
    appt = appointment_book(
        actor=persona("frontdesk"), request=_request(clinic, make_patient(), next_weekday_at(10))
    ).appointment
    appointment_cancel_by_patient(appointment=appt, reason="Cannot make it", via="reminder link")
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CANCELLED and appt.cancelled_by == "patient"
    assert not Occupancy.objects.filter(appointment=appt).exists()
    entry = AuditEvent.objects.filter(
        object_type="appointment", object_id=str(appt.pk), action="update"
    ).get()
    assert entry.actor_id is None and entry.details["via"] == "reminder link"


def test_patient_booking_via_offer_obeys_the_same_rules(clinic):
    desk = persona("frontdesk")
    appointment_book(actor=desk, request=_request(clinic, make_patient("A"), next_weekday_at(10)))
    with pytest.raises(BookingConflict):
        appointment_book_for_patient(
            request=_request(clinic, make_patient("B"), next_weekday_at(10)),
            via="waitlist offer",
            booked_by=desk,
        )
    with pytest.raises(ValidationError):
        appointment_book_for_patient(
            request=_request(clinic, make_patient("C"), next_weekday_at(11), overbook=True),
            via="waitlist offer",
            booked_by=desk,
        )
    appt = appointment_book_for_patient(
        request=_request(clinic, make_patient("D"), next_weekday_at(11)),
        via="waitlist offer",
        booked_by=desk,
    ).appointment
    entry = AuditEvent.objects.filter(
        object_type="appointment", object_id=str(appt.pk), action="create"
    ).get()
    assert entry.actor_id is None and entry.details["via"] == "waitlist offer"
    assert appt.booked_by == desk
