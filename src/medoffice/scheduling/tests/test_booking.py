"""Booking rules, conflicts and their messages, cancel and reschedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.core.access import AccessDenied
from medoffice.scheduling.models import Appointment, AppointmentStatus, Occupancy
from medoffice.scheduling.services.booking import (
    BookingConflict,
    BookingRequest,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from medoffice.testing.personas import persona

from .conftest import make_patient, next_weekday_at


def book(clinic, actor, patient, start, *, provider=0, type_="office", **extra):
    request = BookingRequest(
        patient_id=patient.pk, type=clinic[type_], provider=clinic["providers"][provider],
        location_id=clinic["location"].pk, start=start, **extra,
    )  # fmt: skip
    return appointment_book(actor=actor, request=request)


def test_booking_holds_provider_patient_and_room(clinic):
    desk = persona("frontdesk")
    result = book(clinic, desk, make_patient(), next_weekday_at(10))
    appt = result.appointment
    assert appt.end - appt.start == timedelta(minutes=20)
    assert appt.room is not None and appt.room.kind == "exam"
    resources = set(Occupancy.objects.filter(appointment=appt).values_list("resource", flat=True))
    assert resources == {
        f"provider:{appt.provider_id}",
        f"patient:{appt.patient_id}",
        f"room:{appt.room_id}",
    }
    assert Occupancy.objects.filter(appointment=appt).count() == 3 * 4
    assert AuditEvent.objects.filter(
        action="create", object_type="appointment", patient_id=appt.patient_id
    ).exists()
    assert any("No insurance" in w for w in result.warnings)


def test_provider_double_booking_is_refused_with_a_clear_message(clinic):
    desk = persona("frontdesk")
    book(clinic, desk, make_patient("A"), next_weekday_at(10))
    with pytest.raises(BookingConflict) as exc:
        book(clinic, desk, make_patient("B"), next_weekday_at(10, 10))
    assert "already booked at 10:10" in exc.value.message
    assert Appointment.objects.count() == 1, "the refused booking left nothing behind"


def test_patient_cannot_be_in_two_places(clinic):
    desk = persona("frontdesk")
    patient = make_patient()
    book(clinic, desk, patient, next_weekday_at(11))
    with pytest.raises(BookingConflict) as exc:
        book(clinic, desk, patient, next_weekday_at(11, 5), provider=1)
    assert "patient already has an appointment" in exc.value.message


def test_rooms_are_assigned_until_none_is_left(clinic):
    desk = persona("frontdesk")
    clinic["providers"][1].locations.add(clinic["location"])
    third = make_patient("C")
    book(clinic, desk, make_patient("A"), next_weekday_at(14))
    book(clinic, desk, make_patient("B"), next_weekday_at(14), provider=1)
    # Both exam rooms are taken at 14:00; a third provider would find none.
    from medoffice.scheduling.models import Provider

    user = persona("clinician")
    extra = Provider.objects.create(user=user, npi="1679576722")
    extra.locations.add(clinic["location"])
    from medoffice.scheduling.models import AvailabilityTemplate

    AvailabilityTemplate.objects.create(provider=extra, location=clinic["location"], start_time="09:00", end_time="17:00",
                                        rrule="FREQ=DAILY", starts_on="2020-01-01")  # fmt: skip
    from django.utils import timezone

    from medoffice.scheduling.services.availability import availability_materialize

    availability_materialize(
        start=timezone.localdate(), end=timezone.localdate() + timedelta(days=10)
    )
    clinic["providers"].append(extra)
    with pytest.raises(BookingConflict) as exc:
        book(clinic, desk, third, next_weekday_at(14), provider=2)
    assert "No exam room is free" in exc.value.message


def test_outside_hours_and_alignment(clinic):
    desk = persona("frontdesk")
    with pytest.raises(BookingConflict) as exc:
        book(clinic, desk, make_patient(), next_weekday_at(7))
    assert "not available then" in exc.value.message
    with pytest.raises(ValidationError):
        book(clinic, desk, make_patient("B"), next_weekday_at(10, 3))
    with pytest.raises(BookingConflict):
        book(clinic, desk, make_patient("C"), next_weekday_at(16, 50))  # would end at 17:10


def test_overbooking_needs_a_type_that_allows_it_and_a_permitted_user(clinic):
    desk = persona("frontdesk")
    book(clinic, desk, make_patient("A"), next_weekday_at(9), type_="quick")
    with pytest.raises(ValidationError):
        book(clinic, desk, make_patient("B"), next_weekday_at(9), type_="quick", overbook=True)
    desk.may_overbook = True
    desk.save()
    second = book(
        clinic, desk, make_patient("B"), next_weekday_at(9), type_="quick", overbook=True
    ).appointment
    assert second.overbooked
    with pytest.raises(ValidationError):
        book(
            clinic, desk, make_patient("C"), next_weekday_at(11), overbook=True
        )  # office visits: no overbooking


def test_roles_that_may_not_book(clinic):
    for role in ("biller", "nurse", "clinician", "hr", "compliance"):
        with pytest.raises(AccessDenied):
            book(clinic, persona(role), make_patient(role), next_weekday_at(10))
    assert not Appointment.objects.exists()
    assert book(clinic, persona("manager"), make_patient("M"), next_weekday_at(10)).appointment.pk
    # A clinician books on their own schedule only.
    own = clinic["providers"][1].user
    assert book(clinic, own, make_patient("Own"), next_weekday_at(12), provider=1).appointment.pk


def test_cancel_frees_the_time(clinic):
    desk = persona("frontdesk")
    appt = book(clinic, desk, make_patient("A"), next_weekday_at(10)).appointment
    with pytest.raises(ValidationError):
        appointment_cancel(actor=desk, appointment=appt, reason="", cancelled_by="patient")
    appointment_cancel(
        actor=desk, appointment=appt, reason="Feeling better", cancelled_by="patient"
    )
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CANCELLED and appt.cancelled_at
    assert not Occupancy.objects.filter(appointment=appt).exists()
    assert book(clinic, desk, make_patient("B"), next_weekday_at(10)).appointment.pk
    with pytest.raises(ValidationError):
        appointment_cancel(actor=desk, appointment=appt, reason="again", cancelled_by="patient")


def test_reschedule_moves_and_keeps_history(clinic):
    desk = persona("frontdesk")
    appt = book(clinic, desk, make_patient("A"), next_weekday_at(10)).appointment
    moved = appointment_reschedule(
        actor=desk, appointment=appt, start=next_weekday_at(10, 10), version=appt.version
    ).appointment
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.RESCHEDULED and moved.rescheduled_from_id == appt.pk
    assert moved.start == next_weekday_at(
        10, 10
    )  # overlapping its old time is fine: it gave it back first
    with pytest.raises((BookingConflict, ValidationError)):
        appointment_reschedule(
            actor=desk, appointment=appt, start=next_weekday_at(12), version=appt.version
        )


def test_reschedule_into_a_taken_slot_changes_nothing(clinic):
    desk = persona("frontdesk")
    first = book(clinic, desk, make_patient("A"), next_weekday_at(10)).appointment
    book(clinic, desk, make_patient("B"), next_weekday_at(11))
    with pytest.raises(BookingConflict):
        appointment_reschedule(
            actor=desk, appointment=first, start=next_weekday_at(11), version=first.version
        )
    first.refresh_from_db()
    assert first.status == AppointmentStatus.SCHEDULED
    assert Occupancy.objects.filter(appointment=first).count() == 12, "the original keeps its time"


def test_stale_drag_is_refused(clinic):
    desk = persona("frontdesk")
    appt = book(clinic, desk, make_patient("A"), next_weekday_at(10)).appointment
    with pytest.raises(BookingConflict) as exc:
        appointment_reschedule(
            actor=desk, appointment=appt, start=next_weekday_at(13), version=appt.version + 5
        )
    assert "changed this appointment meanwhile" in exc.value.message


def test_conflict_message_uses_the_clinics_clock(clinic):
    import zoneinfo
    from datetime import datetime, time

    from django.utils import timezone

    from medoffice.scheduling.services.availability import availability_materialize

    location = clinic["location"]
    location.time_zone = "America/Chicago"
    location.save()
    day = next_weekday_at(10).date()
    availability_materialize(start=day - timedelta(days=1), end=day + timedelta(days=1))
    start = datetime.combine(day, time(10, 10), tzinfo=zoneinfo.ZoneInfo("America/Chicago"))
    desk = persona("frontdesk")
    book(clinic, desk, make_patient("A"), start)
    with pytest.raises(BookingConflict) as exc:
        book(clinic, desk, make_patient("B"), start)
    assert "already booked at 10:10" in exc.value.message
    assert timezone.get_current_timezone_name() == "America/New_York"
