"""Several people acting on one visit at once, on SQLite and PostgreSQL: one encounter, one
payment per idempotency key."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from medoffice.chart.models import Encounter
from medoffice.frontdesk import services
from medoffice.frontdesk.models import DeskPayment, VisitRoom
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.models import AppointmentStatus as S
from medoffice.testing.personas import persona

pytestmark = pytest.mark.django_db(transaction=True)


def _all_at_once(actions: list[Callable[[], object]]) -> list[str]:
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            action()
            result = "ok"
        except Exception as exc:
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_four_nurses_room_one_patient(today_visit, clinic):
    Appointment.objects.filter(pk=today_visit.pk).update(status=S.ARRIVED)
    nurses = [persona("nurse", username=f"nurse{i}", location=clinic["location"]) for i in range(4)]

    def room(nurse):
        return lambda: services.visit_room(
            actor=nurse, appointment=Appointment.objects.get(pk=today_visit.pk),
            room=clinic["rooms"][0],
        )  # fmt: skip

    outcomes = _all_at_once([room(n) for n in nurses])
    assert outcomes == ["ok"] * 4, outcomes
    appt = Appointment.objects.get(pk=today_visit.pk)
    assert appt.status == S.ROOMED
    assert Encounter.objects.count() == 1 and appt.encounter_id == Encounter.objects.get().pk
    assert VisitRoom.objects.count() == 1


def test_one_payment_sent_three_times_at_once(today_visit, clinic):
    desk = persona("frontdesk", location=clinic["location"])
    payment = services.PaymentInput(
        amount="25.00", method="card", kind="copay", card_last4="4242", idempotency_key="twice"
    )

    def pay():
        return services.desk_payment_record(
            actor=desk, patient_id=today_visit.patient_id, payment=payment
        )

    outcomes = _all_at_once([pay, pay, pay])
    assert outcomes == ["ok"] * 3, outcomes
    assert DeskPayment.objects.count() == 1
