"""Many people booking the same slot at once: exactly one wins, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from medoffice.scheduling.models import Appointment, Occupancy
from medoffice.scheduling.services.booking import BookingConflict, BookingRequest, appointment_book
from medoffice.testing.personas import persona

from .conftest import make_patient, next_weekday_at

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_bookings_of_one_slot(clinic):
    desk = persona("frontdesk")
    patients = [make_patient(f"P{i}") for i in range(8)]
    start = next_weekday_at(10)
    barrier = threading.Barrier(len(patients))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(patient) -> None:
        try:
            barrier.wait()
            request = BookingRequest(
                patient_id=patient.pk, type=clinic["office"], provider=clinic["providers"][0],
                location_id=clinic["location"].pk, start=start,
            )  # fmt: skip
            appointment_book(actor=desk, request=request)
            result = "booked"
        except BookingConflict as exc:
            result = f"conflict: {exc.message}"
        except Exception as exc:
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(p,)) for p in patients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.split(":")[0] for o in outcomes) == ["booked"] + ["conflict"] * (
        len(patients) - 1
    ), outcomes
    assert all(
        "already booked" in o or "room" in o for o in outcomes if o.startswith("conflict")
    ), outcomes
    assert Appointment.objects.count() == 1
    winner = Appointment.objects.get()
    assert Occupancy.objects.filter(resource=f"provider:{clinic['providers'][0].pk}").count() == 4
    assert set(Occupancy.objects.values_list("appointment_id", flat=True)) == {winner.pk}
