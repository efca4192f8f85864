"""The scheduling JSON API, writing: book, reschedule, cancel, visit steps; per role, with the
conflict, validation and stale-version paths. A refused or failed call changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.scheduling.models import Appointment, AppointmentStatus, Occupancy
from medoffice.testing.personas import persona

from .conftest import make_patient, next_weekday_at
from .test_api import (
    CHICAGO,
    NEW_YORK,
    add_chicago,
    api,
    book,
    next_local_weekday,
    parse,
)

BOOKERS = {"manager", "frontdesk"}
NOT_BOOKERS = {"admin", "biller", "nurse", "purchasing", "hr", "compliance"}
BOARD = {"frontdesk", "clinician", "nurse"}


@pytest.fixture
def chicago(clinic):
    return add_chicago(clinic)


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def booking(clinic, start, *, patient=None, provider=0, **extra):
    return {
        "patient_id": (patient or make_patient()).pk,
        "type_id": clinic["office"].pk,
        "provider_id": clinic["providers"][provider].pk,
        "location_id": clinic["location"].pk,
        "start": start.isoformat(),
        **extra,
    }


def state():
    """What a refused call must leave as it was."""
    return (
        list(Appointment.objects.order_by("pk").values_list("pk", "status", "start", "version")),
        Occupancy.objects.count(),
    )


def test_booking_answers_201_with_warnings_and_both_clocks(clinic):
    client = api(persona("frontdesk"))
    start = next_weekday_at(10)
    response = post(client, "/api/scheduling/appointments", booking(clinic, start, reason="Cough"))
    assert response.status_code == 201, response.content
    body = response.json()
    appt = Appointment.objects.get(pk=body["id"])
    assert appt.start == start and parse(body["start"]) == start
    assert body["start"].endswith("Z") and body["time_zone"] == "America/New_York"
    assert parse(body["start_local"]).utcoffset() == start.utcoffset()
    assert body["status"] == "scheduled" and body["reason"] == "Cough" and body["version"] == 1
    assert body["room"]["name"].startswith("Exam")
    assert any("No insurance" in w for w in body["warnings"])
    assert AuditEvent.objects.filter(
        action="create", object_type="appointment", object_id=str(appt.pk)
    ).exists()


def test_a_taken_time_is_a_409_with_the_conflict_message(clinic):
    client = api(persona("frontdesk"))
    assert post(client, "/api/scheduling/appointments", booking(clinic, next_weekday_at(10))).status_code == 201  # fmt: skip
    before = state()
    response = post(
        client, "/api/scheduling/appointments", booking(clinic, next_weekday_at(10, 10))
    )
    assert response.status_code == 409
    assert "already booked at 10:10" in response.json()["detail"]
    assert response.json()["resource"].startswith("provider:")
    assert state() == before


@pytest.mark.parametrize(
    "change, status, field",
    [
        ({"patient_id": 999999}, 400, "patient_id"),
        ({"type_id": 999999, "provider_id": 999999}, 400, "type_id"),
        ({"location_id": 999999}, 400, "location_id"),
        ({"room_id": 999999}, 400, "room_id"),
        ({"start": "2030-01-07T10:00:00"}, 400, "start"),  # no offset
        ({"start": "2030-01-07T10:03:00-05:00"}, 400, "start"),  # not on a 5-minute mark
        ({"overbook": True}, 400, "overbook"),
        ({"start": "tomorrow"}, 422, None),
        ({"patient_id": "someone"}, 422, None),
    ],
)
def test_bad_bookings_say_what_is_wrong_and_book_nothing(clinic, change, status, field):
    client = api(persona("frontdesk"))
    before = state()
    response = post(
        client, "/api/scheduling/appointments", {**booking(clinic, next_weekday_at(10)), **change}
    )
    assert response.status_code == status, response.content
    if field:
        assert field in response.json()["errors"], response.json()
    assert state() == before


def test_a_missing_body_is_a_400(clinic):
    client = api(persona("frontdesk"))
    assert client.post("/api/scheduling/appointments").status_code == 400


def test_outside_hours_is_a_conflict(clinic):
    client = api(persona("frontdesk"))
    response = post(client, "/api/scheduling/appointments", booking(clinic, next_weekday_at(7)))
    assert response.status_code == 409 and "not available then" in response.json()["detail"]


def test_a_merged_record_is_not_booked(clinic):
    survivor = make_patient("Kept")
    merged = make_patient("Gone", status="merged", merged_into=survivor)
    client = api(persona("frontdesk"))
    response = post(
        client, "/api/scheduling/appointments",
        booking(clinic, next_weekday_at(10), patient=merged),
    )  # fmt: skip
    assert response.status_code == 400
    assert str(survivor.pk) in response.json()["errors"]["patient_id"][0]


@pytest.mark.parametrize("role", sorted(BOOKERS | NOT_BOOKERS))
def test_who_may_book(clinic, role):
    client = api(persona(role))
    before = state()
    response = post(client, "/api/scheduling/appointments", booking(clinic, next_weekday_at(10)))
    if role in BOOKERS:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 403
        assert state() == before


def test_a_clinician_books_only_on_their_own_schedule(clinic):
    own = clinic["providers"][0]
    client = api(own.user)
    assert post(client, "/api/scheduling/appointments", booking(clinic, next_weekday_at(10))).status_code == 201  # fmt: skip
    before = state()
    refused = post(
        client, "/api/scheduling/appointments", booking(clinic, next_weekday_at(10), provider=1)
    )
    assert refused.status_code == 403 and "own schedule" in refused.json()["detail"]
    assert state() == before


def test_reschedule_with_the_version_seen(clinic):
    appt = book(clinic, next_weekday_at(10))
    client = api(persona("frontdesk"))
    path = f"/api/scheduling/appointments/{appt.pk}/reschedule"
    new_start = next_weekday_at(14)
    response = post(client, path, {"start": new_start.isoformat(), "version": appt.version})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] != appt.pk and parse(body["start"]) == new_start
    assert body["rescheduled_from_id"] == appt.pk and "warnings" in body
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.RESCHEDULED
    old = client.get(f"/api/scheduling/appointments/{appt.pk}").json()
    assert old["rescheduled_to_id"] == body["id"]


def test_a_stale_reschedule_is_a_409_and_changes_nothing(clinic):
    appt = book(clinic, next_weekday_at(10))
    client = api(persona("frontdesk"))
    before = state()
    response = post(
        client, f"/api/scheduling/appointments/{appt.pk}/reschedule",
        {"start": next_weekday_at(14).isoformat(), "version": appt.version + 1},
    )  # fmt: skip
    assert response.status_code == 409
    assert "changed this appointment meanwhile" in response.json()["detail"]
    assert state() == before


def test_rescheduling_into_a_taken_slot_is_a_409(clinic):
    first = book(clinic, next_weekday_at(10))
    book(clinic, next_weekday_at(11))
    client = api(persona("frontdesk"))
    before = state()
    response = post(
        client, f"/api/scheduling/appointments/{first.pk}/reschedule",
        {"start": next_weekday_at(11).isoformat(), "version": first.version},
    )  # fmt: skip
    assert response.status_code == 409 and "already booked" in response.json()["detail"]
    assert state() == before


def test_reschedule_input_errors(clinic):
    appt = book(clinic, next_weekday_at(10))
    client = api(persona("frontdesk"))
    path = f"/api/scheduling/appointments/{appt.pk}/reschedule"
    later = next_weekday_at(14).isoformat()
    assert client.post(path).status_code == 400
    assert post(client, path, {"start": later}).status_code == 422, "the version is required"
    unknown = post(client, path, {"start": later, "version": 1, "provider_id": 999999})
    assert unknown.status_code == 400 and "provider_id" in unknown.json()["errors"]
    missing = post(client, "/api/scheduling/appointments/999999/reschedule", {"start": later, "version": 1})  # fmt: skip
    assert missing.status_code == 404


@pytest.mark.parametrize("role", sorted(BOOKERS | NOT_BOOKERS | {"clinician"}))
def test_who_may_reschedule_and_cancel(clinic, role):
    appt = book(clinic, next_weekday_at(10))
    client = api(persona(role))
    before = state()
    moved = post(
        client, f"/api/scheduling/appointments/{appt.pk}/reschedule",
        {"start": next_weekday_at(14).isoformat(), "version": appt.version},
    )  # fmt: skip
    if role in BOOKERS:
        assert moved.status_code == 200
        appt = Appointment.objects.get(pk=moved.json()["id"])
    else:
        # The clinician persona has no schedule of their own: refused like the others.
        assert moved.status_code == 403
        assert state() == before
    cancelled = post(
        client, f"/api/scheduling/appointments/{appt.pk}/cancel",
        {"reason": "Patient called", "cancelled_by": "patient"},
    )  # fmt: skip
    if role in BOOKERS:
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["cancel_reason"] == "Patient called"
    else:
        assert cancelled.status_code == 403
        assert state() == before


def test_cancel_needs_a_reason_and_who(clinic):
    appt = book(clinic, next_weekday_at(10))
    client = api(persona("frontdesk"))
    path = f"/api/scheduling/appointments/{appt.pk}/cancel"
    before = state()
    no_reason = post(client, path, {"reason": " ", "cancelled_by": "patient"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    nobody = post(client, path, {"reason": "Sick", "cancelled_by": "the cat"})
    assert nobody.status_code == 400 and "cancelled_by" in nobody.json()["errors"]
    assert state() == before
    assert post(client, path, {"reason": "Sick", "cancelled_by": "practice"}).status_code == 200
    again = post(client, path, {"reason": "Sick", "cancelled_by": "practice"})
    assert again.status_code == 400 and "cannot be cancelled" in again.json()["detail"] + str(again.json()["errors"])  # fmt: skip
    assert not Occupancy.objects.filter(appointment=appt).exists(), "the time is free again"


@pytest.mark.parametrize("role", ["frontdesk", "nurse", "clinician", "manager", "biller", "hr"])
def test_who_moves_the_visit_along(clinic, role):
    appt = book(clinic, next_weekday_at(10))
    client = api(persona(role))
    response = post(client, f"/api/scheduling/appointments/{appt.pk}/status", {"step": "arrive"})
    appt.refresh_from_db()
    if role in BOARD:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "arrived" and response.json()["arrived_at"]
        assert appt.status == AppointmentStatus.ARRIVED
    else:
        assert response.status_code == 403
        assert appt.status == AppointmentStatus.SCHEDULED and appt.arrived_at is None


def test_visit_steps_in_order(clinic):
    appt = book(clinic, next_weekday_at(10))
    desk = api(persona("frontdesk"))
    path = f"/api/scheduling/appointments/{appt.pk}/status"
    out_of_order = post(desk, path, {"step": "check_out"})
    assert out_of_order.status_code == 400 and "cannot be marked" in str(out_of_order.json())
    unknown = post(desk, path, {"step": "teleport"})
    assert unknown.status_code == 400 and "step" in unknown.json()["errors"]
    assert desk.post(path).status_code == 400
    for step in ("confirm", "arrive", "room", "see", "check_out", "complete"):
        response = post(desk, path, {"step": step, "note": "api"})
        assert response.status_code == 200, (step, response.content)
    assert response.json()["status"] == "completed" and response.json()["version"] == 7
    assert post(desk, "/api/scheduling/appointments/999999/status", {"step": "arrive"}).status_code == 404  # fmt: skip


def test_a_no_show_waits_for_the_start(clinic):
    appt = book(clinic, next_weekday_at(10))
    desk = api(persona("frontdesk"))
    path = f"/api/scheduling/appointments/{appt.pk}/status"
    early = post(desk, path, {"step": "no_show"})
    assert early.status_code == 400 and "15 minutes" in str(early.json())
    Appointment.objects.filter(pk=appt.pk).update(
        start=appt.start - timedelta(days=3), end=appt.end - timedelta(days=3)
    )
    assert post(desk, path, {"step": "no_show"}).json()["status"] == "no_show"


def test_booking_in_chicago_is_read_back_on_chicagos_clock(chicago):
    start = next_local_weekday(CHICAGO, 9, 30)
    body = {
        "patient_id": make_patient().pk, "type_id": chicago["office"].pk,
        "provider_id": chicago["chicago_provider"].pk, "location_id": chicago["chicago"].pk,
        # The same instant written with a New York offset: stored as the instant it names.
        "start": start.astimezone(NEW_YORK).isoformat(),
    }  # fmt: skip
    response = post(api(persona("frontdesk")), "/api/scheduling/appointments", body)
    assert response.status_code == 201, response.content
    answer = response.json()
    local = parse(answer["start_local"])
    assert (local.hour, local.minute) == (9, 30) and answer["time_zone"] == "America/Chicago"
    assert Appointment.objects.get(pk=answer["id"]).start == start
