"""The visit's flow: steps in order, stamped once, by the roles that do them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from medoffice.core.access import AccessDenied
from medoffice.scheduling.models import Appointment, AppointmentStatus
from medoffice.scheduling.services.booking import BookingRequest, appointment_book
from medoffice.scheduling.services.flow import appointment_step
from medoffice.testing.personas import persona

from .conftest import make_patient, next_weekday_at


@pytest.fixture
def appt(clinic):
    request = BookingRequest(patient_id=make_patient().pk, type=clinic["office"], provider=clinic["providers"][0],
                             location_id=clinic["location"].pk, start=next_weekday_at(10))  # fmt: skip
    return appointment_book(actor=persona("frontdesk"), request=request).appointment


def test_a_whole_visit(appt):
    desk, nurse = persona("frontdesk"), persona("nurse")
    for actor, step, status in [
        (desk, "confirm", AppointmentStatus.CONFIRMED),
        (desk, "arrive", AppointmentStatus.ARRIVED),
        (nurse, "room", AppointmentStatus.ROOMED),
        (nurse, "see", AppointmentStatus.WITH_PROVIDER),
        (desk, "check_out", AppointmentStatus.CHECKED_OUT),
        (desk, "complete", AppointmentStatus.COMPLETED),
    ]:
        appt = appointment_step(actor=actor, appointment=appt, step=step)
        assert appt.status == status
    assert (
        appt.arrived_at
        <= appt.roomed_at
        <= appt.provider_at
        <= appt.checked_out_at
        <= appt.completed_at
    )


def test_steps_out_of_order_and_double_clicks(appt):
    desk = persona("frontdesk")
    with pytest.raises(ValidationError):
        appointment_step(actor=desk, appointment=appt, step="check_out")
    first = appointment_step(actor=desk, appointment=appt, step="arrive")
    again = appointment_step(
        actor=desk, appointment=Appointment.objects.get(pk=appt.pk), step="arrive"
    )
    assert again.arrived_at == first.arrived_at, "a second click records nothing new"


def test_no_show_only_after_the_start(appt):
    with pytest.raises(ValidationError):
        appointment_step(actor=persona("frontdesk"), appointment=appt, step="no_show")
    Appointment.objects.filter(pk=appt.pk).update(
        start=appt.start - timedelta(days=3), end=appt.end - timedelta(days=3)
    )
    appt.refresh_from_db()
    assert (
        appointment_step(actor=persona("frontdesk"), appointment=appt, step="no_show").status
        == AppointmentStatus.NO_SHOW
    )


@pytest.mark.parametrize("role", ["biller", "hr", "purchasing", "compliance", "manager"])
def test_roles_without_the_board(appt, role):
    with pytest.raises(AccessDenied):
        appointment_step(actor=persona(role), appointment=appt, step="arrive")
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.SCHEDULED
