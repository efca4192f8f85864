"""The JSON API: the board's state, a visit's steps, desk payments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from medoffice.accounts.services import api_token_create
from medoffice.audit.models import AuditEvent
from medoffice.frontdesk.models import DeskPayment
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.models import AppointmentStatus as S


@pytest.fixture
def api(staff):
    def client_for(role):
        user = staff(role)
        _, raw = api_token_create(actor=user, user=user, name="test")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return client_for


def test_board_state(api, today_visit):
    Appointment.objects.filter(pk=today_visit.pk).update(
        status=S.ARRIVED, arrived_at=today_visit.start
    )
    response = api("frontdesk").get("/api/frontdesk/board")
    assert response.status_code == 200
    data = response.json()
    lobby = next(s for s in data["sections"] if s["key"] == "lobby")
    assert lobby["count"] == 1 and lobby["threshold_minutes"] == 15
    card = lobby["visits"][0]
    assert card["patient_name"] == "Grace Okafor" and card["preferred_name"] == "Gigi"
    assert card["wait_minutes"] >= 0 and card["status"] == "arrived"
    assert AuditEvent.objects.filter(
        action="view_list", patient_id=today_visit.patient_id, details__view="api: front-desk board"
    ).exists()
    assert api("frontdesk").get("/api/frontdesk/board?location=999999").status_code == 404
    assert api("biller").get("/api/frontdesk/board").status_code == 403


def test_steps(api, today_visit, clinic):
    url = f"/api/frontdesk/visits/{today_visit.pk}/steps"
    desk = api("frontdesk")
    assert desk.post(url, {"step": "dance"}, content_type="application/json").status_code == 400
    response = desk.post(url, {"step": "arrive"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "arrived"
    # Rooming needs a room and a chart editor.
    nurse = api("nurse")
    assert nurse.post(url, {"step": "room"}, content_type="application/json").status_code == 400
    assert desk.post(url, {"step": "room", "room_id": clinic["rooms"][0].pk},
                     content_type="application/json").status_code == 403  # fmt: skip
    assert Appointment.objects.get(pk=today_visit.pk).status == S.ARRIVED
    response = nurse.post(url, {"step": "room", "room_id": clinic["rooms"][0].pk},
                          content_type="application/json")  # fmt: skip
    body = response.json()
    assert body["status"] == "roomed" and body["encounter_id"] and body["room"] == "Exam 1"
    # Out of order: a 400 with the reason, nothing changes.
    response = desk.post(url, {"step": "complete"}, content_type="application/json")
    assert (
        response.status_code == 400
        and "cannot be marked completed" in response.json()["errors"]["__all__"][0]
    )
    assert (
        api("manager").post(url, {"step": "see"}, content_type="application/json").status_code
        == 403
    )
    assert Appointment.objects.get(pk=today_visit.pk).status == S.ROOMED


def test_payments(api, today_visit):
    url = "/api/frontdesk/payments"
    body = {"patient_id": today_visit.patient_id, "appointment_id": today_visit.pk,
            "amount": "25.00", "method": "card", "kind": "copay", "card_last4": "4242",
            "idempotency_key": "pos-1"}  # fmt: skip
    response = api("frontdesk").post(url, body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert Decimal(data["amount"]) == Decimal("25.00") and data["card_authorization"]
    assert data["location_id"] == today_visit.location_id
    again = api("frontdesk").post(url, body, content_type="application/json")
    assert again.json()["id"] == data["id"] and DeskPayment.objects.count() == 1
    for amount in ("0", "-10"):
        bad = api("biller").post(url, {**body, "amount": amount, "idempotency_key": ""},
                                 content_type="application/json")  # fmt: skip
        assert bad.status_code == 400 and "amount" in bad.json()["errors"]
    refused = api("manager").post(
        url, {**body, "idempotency_key": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert DeskPayment.objects.count() == 1
    assert api("frontdesk").post(url, {**body, "patient_id": 999999},
                                 content_type="application/json").status_code == 404  # fmt: skip
