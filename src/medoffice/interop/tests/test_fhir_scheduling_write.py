"""Booking through FHIR (POST Appointment) and who may read or book what: the same rules as the
front desk, 409 OperationOutcome on a conflict, 422 for booking rules, refusals change nothing."""

from __future__ import annotations

import copy

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.interop.tests.conftest import assert_valid_fhir, fhir_json, post_fhir
from medoffice.interop.tests.test_fhir_scheduling import (
    CHICAGO,
    NEW_YORK,
    book,
    make_patient,
    make_practice,
    schedule_of,
    weekday_at,
)
from medoffice.scheduling.models import Appointment, Occupancy
from medoffice.testing.personas import ALL_STAFF_ROLES, signed_in_client

TYPE_SYSTEM = "urn:medoffice:appointment-type"
READERS = {"manager", "frontdesk", "biller", "clinician", "nurse", "compliance"}
BOOKERS = {"manager", "frontdesk"}


@pytest.fixture
def practice(db):
    return make_practice()


def appointment_body(practice, start, *, patient=None, provider=0, code="office") -> dict:
    who = practice["providers"][provider]
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "serviceType": [{"coding": [{"system": TYPE_SYSTEM, "code": code}]}],
        "reasonCode": [{"text": "Follow-up"}],
        "start": start.isoformat(),
        "participant": [
            {"actor": {"reference": f"Patient/{(patient or make_patient()).pk}"}, "status": "accepted"},
            {"actor": {"reference": f"Practitioner/{who.user_id}"}, "status": "accepted"},
            {"actor": {"reference": f"Location/{who.locations.get().pk}"}, "status": "accepted"},
        ],
    }  # fmt: skip


def state() -> tuple[list, int]:
    rows = Appointment.objects.order_by("pk").values_list("pk", "status", "start")
    return list(rows), Occupancy.objects.count()


def test_booking_through_fhir(practice, token_client):
    client, user = token_client("frontdesk")
    start = weekday_at(NEW_YORK, 10)
    response = post_fhir(client, "/fhir/r4/Appointment", appointment_body(practice, start))
    assert response.status_code == 201, response.content
    resource = fhir_json(response)
    assert_valid_fhir(resource)
    appt = Appointment.objects.get(pk=resource["id"])
    assert appt.start == start and appt.booked_by == user and appt.reason == "Follow-up"
    assert resource["status"] == "booked" and resource["minutesDuration"] == 20
    assert response["Location"].endswith(f"/fhir/r4/Appointment/{appt.pk}/_history/1")
    assert response["ETag"] == 'W/"1"'
    entry = AuditEvent.objects.get(action="create", object_type="appointment")
    assert (entry.object_id, entry.patient_id, entry.actor_id) == (str(appt.pk), appt.patient_id, user.pk)  # fmt: skip
    assert entry.source == "api"


def test_booking_a_free_slot_by_reference(practice, token_client):
    client, _ = token_client("frontdesk")
    day = weekday_at(CHICAGO, 9).date()
    bundle = fhir_json(client.get(
        f"/fhir/r4/Slot?appointment-type=office&schedule={schedule_of(practice, 2)}&start=ge{day}&_count=1"
    ))  # fmt: skip
    slot = bundle["entry"][0]["resource"]
    body = {
        "resourceType": "Appointment", "status": "booked",
        "slot": [{"reference": f"Slot/{slot['id']}"}],
        "participant": [{"actor": {"reference": f"Patient/{make_patient().pk}"}, "status": "accepted"}],
    }  # fmt: skip
    response = post_fhir(client, "/fhir/r4/Appointment", body)
    assert response.status_code == 201, response.content
    resource = fhir_json(response)
    assert resource["start"] == slot["start"] and resource["start"].endswith(("-06:00", "-05:00"))
    assert resource["participant"][2]["actor"]["reference"] == f"Location/{practice['lakeside'].pk}"
    again = client.get(f"/fhir/r4/Slot/{slot['id']}")
    assert fhir_json(again)["status"] == "busy", "the slot is taken now"
    mismatch = copy.deepcopy(body)
    mismatch["start"] = weekday_at(CHICAGO, 15).isoformat()
    refused = post_fhir(client, "/fhir/r4/Appointment", mismatch)
    assert refused.status_code == 422 and "differs from Slot" in fhir_json(refused)["issue"][0]["diagnostics"]  # fmt: skip


def test_warnings_come_back_when_asked(practice, token_client):
    client, _ = token_client("frontdesk")
    body = appointment_body(practice, weekday_at(NEW_YORK, 10))
    response = post_fhir(client, "/fhir/r4/Appointment", body, Prefer="return=OperationOutcome")
    assert response.status_code == 201
    outcome = fhir_json(response)
    assert_valid_fhir(outcome)
    assert outcome["resourceType"] == "OperationOutcome"
    warnings = [i["diagnostics"] for i in outcome["issue"] if i["severity"] == "warning"]
    assert any("No insurance" in w for w in warnings)


def test_a_taken_time_is_a_409_operation_outcome(practice, token_client):
    client, _ = token_client("frontdesk")
    book(practice, weekday_at(NEW_YORK, 10))
    before = state()
    response = post_fhir(client, "/fhir/r4/Appointment", appointment_body(practice, weekday_at(NEW_YORK, 10, 10)))  # fmt: skip
    assert response.status_code == 409
    outcome = fhir_json(response)
    assert_valid_fhir(outcome)
    assert outcome["issue"][0]["code"] == "conflict"
    assert "already booked at 10:10" in outcome["issue"][0]["diagnostics"]
    assert state() == before


def _change(body: dict, what: str, practice: dict) -> dict:
    body = copy.deepcopy(body)
    if what == "unknown type":
        body["serviceType"][0]["coding"][0]["code"] = "massage"
    elif what == "no type":
        del body["serviceType"]
    elif what == "no practitioner":
        del body["participant"][1]
    elif what == "a device":
        body["participant"].append({"actor": {"reference": "Device/1"}, "status": "accepted"})
    elif what == "unknown patient":
        body["participant"][0]["actor"]["reference"] = "Patient/999999"
    elif what == "not a provider":
        body["participant"][1]["actor"]["reference"] = "Practitioner/999999"
    elif what == "wrong length":
        body["minutesDuration"] = 45
    elif what == "wrong end":
        body["end"] = body["start"]
    elif what == "status":
        body["status"] = "fulfilled"
    elif what == "off the mark":
        body["start"] = weekday_at(NEW_YORK, 10, 3).isoformat()
    elif what == "wrong location":
        body["participant"][2]["actor"]["reference"] = f"Location/{practice['lakeside'].pk}"
    elif what == "bad slot":
        body["slot"] = [{"reference": "Slot/busy-1"}]
    return body


@pytest.mark.parametrize(
    "what",
    ["unknown type", "no type", "no practitioner", "a device", "unknown patient", "not a provider",
     "wrong length", "wrong end", "status", "off the mark", "wrong location", "bad slot"],
)  # fmt: skip
def test_booking_rules_are_422(practice, token_client, what):
    client, _ = token_client("frontdesk")
    before = state()
    body = _change(appointment_body(practice, weekday_at(NEW_YORK, 10)), what, practice)
    response = post_fhir(client, "/fhir/r4/Appointment", body)
    assert response.status_code == 422, (what, response.content)
    outcome = fhir_json(response)
    assert_valid_fhir(outcome)
    assert outcome["issue"][0]["code"] == "business-rule"
    assert state() == before


def test_outside_hours_and_invalid_fhir(practice, token_client):
    client, _ = token_client("frontdesk")
    closed = post_fhir(client, "/fhir/r4/Appointment", appointment_body(practice, weekday_at(NEW_YORK, 7)))  # fmt: skip
    assert closed.status_code == 409 and "not available then" in fhir_json(closed)["issue"][0]["diagnostics"]  # fmt: skip
    no_participant = {"resourceType": "Appointment", "status": "booked", "start": weekday_at(NEW_YORK, 10).isoformat()}  # fmt: skip
    assert post_fhir(client, "/fhir/r4/Appointment", no_participant).status_code == 400
    naive = appointment_body(practice, weekday_at(NEW_YORK, 10))
    naive["start"] = "2030-01-07T10:00:00"  # an instant needs its offset
    assert post_fhir(client, "/fhir/r4/Appointment", naive).status_code == 400
    assert post_fhir(client, "/fhir/r4/Appointment", "{nope").status_code == 400
    assert not Appointment.objects.exists()


def test_appointments_are_not_updated_through_fhir(practice, token_client):
    client, _ = token_client("frontdesk")
    appt = book(practice, weekday_at(NEW_YORK, 10))
    body = fhir_json(client.get(f"/fhir/r4/Appointment/{appt.pk}"))
    response = post_fhir(client, f"/fhir/r4/Appointment/{appt.pk}", body, method="put")
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert post_fhir(client, "/fhir/r4/Slot", {"resourceType": "Slot"}).status_code == 405


# --- Who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_each_role_reads_and_books_as_the_matrix_says(practice, token_client, role):
    appt = book(practice, weekday_at(NEW_YORK, 10))
    client, _ = token_client(role)
    slot_query = f"Slot?appointment-type=office&schedule={schedule_of(practice)}&_count=1"
    reads = {
        "Schedule": f"Schedule/{schedule_of(practice)}",
        "Slot": f"Slot/busy-{appt.pk}",
        "Appointment": f"Appointment/{appt.pk}",
    }
    for name, path in reads.items():
        denied_before = AuditEvent.objects.filter(action="permission_denied").count()
        found = client.get(f"/fhir/r4/{slot_query if name == 'Slot' else name}")
        read = client.get(f"/fhir/r4/{path}")
        if role not in READERS:
            assert (found.status_code, read.status_code) == (403, 403), (role, name)
            assert fhir_json(found)["issue"][0]["code"] == "forbidden"
            denied = AuditEvent.objects.filter(action="permission_denied").count()
            assert denied == denied_before + 2, "every refusal is audited"
        elif role == "clinician":
            # The clinician persona has no schedule of their own: nothing listed, reads refused.
            assert found.status_code == 200 and not fhir_json(found).get("entry"), name
            assert read.status_code == 403, name
        else:
            assert found.status_code == 200 and fhir_json(found)["entry"], (role, name)
            assert read.status_code == 200, (role, name)
    before = state()
    response = post_fhir(client, "/fhir/r4/Appointment", appointment_body(practice, weekday_at(NEW_YORK, 14)))  # fmt: skip
    if role in BOOKERS:
        assert response.status_code == 201, (role, response.content)
    else:
        assert response.status_code == 403, (role, response.status_code)
        assert state() == before


def test_a_clinician_sees_and_books_their_own_schedule_only(practice):
    from django.test import Client

    from medoffice.accounts.services import api_token_create

    adams = practice["providers"][0]
    mine = book(practice, weekday_at(NEW_YORK, 10), provider=0)
    theirs = book(practice, weekday_at(NEW_YORK, 10), provider=1)
    _, raw = api_token_create(actor=adams.user, user=adams.user, name="fhir")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    listed = fhir_json(client.get("/fhir/r4/Appointment"))
    assert [e["resource"]["id"] for e in listed["entry"]] == [str(mine.pk)]
    assert client.get(f"/fhir/r4/Appointment/{theirs.pk}").status_code == 403
    assert client.get(f"/fhir/r4/Slot/busy-{theirs.pk}").status_code == 403
    schedules = fhir_json(client.get("/fhir/r4/Schedule"))
    assert [e["resource"]["id"] for e in schedules["entry"]] == [schedule_of(practice, 0)]
    assert client.get(f"/fhir/r4/Schedule/{schedule_of(practice, 1)}").status_code == 403
    free = fhir_json(client.get("/fhir/r4/Slot?appointment-type=office&_count=20"))
    assert {e["resource"]["schedule"]["reference"] for e in free["entry"]} == {f"Schedule/{schedule_of(practice, 0)}"}  # fmt: skip
    own = post_fhir(client, "/fhir/r4/Appointment", appointment_body(practice, weekday_at(NEW_YORK, 14)))  # fmt: skip
    assert own.status_code == 201
    before = state()
    other = post_fhir(client, "/fhir/r4/Appointment", appointment_body(practice, weekday_at(NEW_YORK, 14), provider=1))  # fmt: skip
    assert other.status_code == 403 and "own schedule" in fhir_json(other)["issue"][0]["diagnostics"]  # fmt: skip
    assert state() == before


def test_the_web_session_reads_and_needs_csrf_to_book(practice):
    from medoffice.testing.personas import persona

    appt = book(practice, weekday_at(NEW_YORK, 10))
    client = signed_in_client(persona("frontdesk"))
    client.handler.enforce_csrf_checks = True
    assert client.get(f"/fhir/r4/Appointment/{appt.pk}").status_code == 200
    before = state()
    response = post_fhir(client, "/fhir/r4/Appointment", appointment_body(practice, weekday_at(NEW_YORK, 14)))  # fmt: skip
    assert response.status_code == 403 and "CSRF" in fhir_json(response)["issue"][0]["diagnostics"]
    assert state() == before


def test_no_credentials_is_401(practice, client):
    for path in ("Schedule", "Slot?status=busy", "Appointment"):
        response = client.get(f"/fhir/r4/{path}")
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
