"""The JSON API at /api/patients/: roles, bad input, the duplicate check, audit."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from medoffice.accounts.services import api_token_create
from medoffice.audit.models import AuditEvent
from medoffice.patients.models import Coverage, Patient
from medoffice.testing.personas import persona

from .conftest import make_patient

NEW = {
    "family_name": "Haddad",
    "given_name": "Omar",
    "birth_date": "1975-09-30",
    "sex_at_birth": "M",
}


class Api:
    def __init__(self, user):
        _, raw = api_token_create(actor=user, user=user, name="test")
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})

    def get(self, path):
        return self.client.get(f"/api/patients/{path}")

    def send(self, method, path, body):
        return self.client.generic(
            method, f"/api/patients/{path}", json.dumps(body), content_type="application/json"
        )


def api_for(role, desk=None):
    return Api(desk if role == "frontdesk" and desk else persona(role))


@pytest.mark.parametrize(
    ("role", "status"),
    [("frontdesk", 200), ("manager", 200), ("biller", 200), ("clinician", 200), ("nurse", 200),
     ("compliance", 200), ("admin", 403), ("hr", 403), ("purchasing", 403)],
)  # fmt: skip
def test_read_a_patient_by_role(patient, desk, role, status):
    response = api_for(role, desk).get(f"{patient.pk}")
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["mrn"] == patient.mrn and body["ssn_masked"] == "***-**-6789"
        assert body["ssn"] is None and "123-45-6789" not in response.content.decode()
        entry = AuditEvent.objects.filter(action="view", object_type="patient").last()
        assert entry.patient_id == patient.pk and entry.details == {"api": True}
    else:
        assert "detail" in response.json()
        assert not AuditEvent.objects.filter(action="view", object_type="patient").exists()


@pytest.mark.parametrize(
    ("role", "allowed"), [("frontdesk", True), ("biller", True), ("nurse", False)]
)
def test_reveal_ssn_by_role(patient, desk, role, allowed):
    response = api_for(role, desk).get(f"{patient.pk}?reveal_ssn=true")
    reveals = AuditEvent.objects.filter(action="view", object_type="patient_ssn")
    if allowed:
        assert response.status_code == 200 and response.json()["ssn"] == "123-45-6789"
        assert reveals.count() == 1
    else:
        assert response.status_code == 403 and not reveals.exists()


def test_unknown_patient_is_404(desk):
    assert Api(desk).get("99999").status_code == 404


def test_register_through_the_api(desk):
    response = Api(desk).send("POST", "", {**NEW, "ssn": "123456789", "race": ["2106-3"]})
    assert response.status_code == 201, response.content
    body = response.json()
    patient = Patient.objects.get()
    assert body["id"] == patient.pk and body["ssn_masked"] == "***-**-6789"
    assert patient.ssn == "123-45-6789" and patient.race == ["2106-3"]
    assert AuditEvent.objects.filter(action="create", patient_id=patient.pk).exists()


def test_register_bad_input(desk):
    api = Api(desk)
    response = api.send("POST", "", {**NEW, "birth_date": "not a date"})
    assert response.status_code == 422 and "errors" in response.json()
    response = api.send("POST", "", {**NEW, "given_name": "", "ssn": "12", "state": "New York"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) >= {"ssn"}
    response = api.send("POST", "", {**NEW, "given_name": "", "state": "New York"})
    errors = response.json()["errors"]
    assert "given_name" in errors and "state" in errors
    response = api.send("POST", "", {**NEW, "status": "merged"})
    assert response.status_code == 400 and "status" in response.json()["errors"]
    response = api.send("POST", "", {**NEW, "primary_care_provider_id": desk.pk})
    assert response.status_code == 400 and "primary_care_provider" in response.json()["errors"]
    assert api.client.post("/api/patients/").status_code == 400
    assert not Patient.objects.exists()


def test_register_duplicate_is_409_until_confirmed(desk):
    existing = make_patient(desk, family_name="Haddad", given_name="Omar", birth_date="1975-09-30")
    api = Api(desk)
    response = api.send("POST", "", NEW)
    assert response.status_code == 409
    body = response.json()
    assert [c["id"] for c in body["candidates"]] == [existing.pk]
    assert body["candidates"][0]["reasons"] == ["same name and date of birth"]
    assert Patient.objects.count() == 1
    shown = AuditEvent.objects.filter(action="view_list", patient_id=existing.pk)
    assert shown.exists()
    response = api.send("POST", "", {**NEW, "confirm_not_duplicate": True})
    assert response.status_code == 201
    assert Patient.objects.count() == 2


@pytest.mark.parametrize("role", ["manager", "biller", "clinician", "nurse", "compliance", "hr"])
def test_only_the_front_desk_writes_demographics(patient, role):
    api = api_for(role)
    assert api.send("POST", "", NEW).status_code == 403
    assert api.send("PATCH", f"{patient.pk}", {"city": "Troy"}).status_code == 403
    assert Patient.objects.count() == 1
    patient.refresh_from_db()
    assert patient.city == ""


def test_patch_changes_only_what_was_sent(patient, desk):
    api = Api(desk)
    response = api.send("PATCH", f"{patient.pk}", {"city": "Troy", "state": "NY"})
    assert response.status_code == 200 and response.json()["city"] == "Troy"
    patient.refresh_from_db()
    assert patient.city == "Troy" and patient.ssn == "123-45-6789" and patient.given_name == "Lucia"
    entry = AuditEvent.objects.filter(action="update", patient_id=patient.pk).last()
    assert entry.details == {"fields": ["city", "state"]}
    response = api.send("PATCH", f"{patient.pk}", {"postal_code": "nope", "city": "Utica"})
    assert response.status_code == 400 and "postal_code" in response.json()["errors"]
    patient.refresh_from_db()
    assert patient.city == "Troy"


def test_coverages_through_the_api(patient, desk, payer):
    api = Api(persona("biller"))
    body = {
        "payer_id": payer.pk,
        "member_id": "ZX-1",
        "effective_date": "2024-01-01",
        "copay": "30",
    }
    response = api.send("POST", f"{patient.pk}/coverages", body)
    assert response.status_code == 201, response.content
    assert response.json()["payer_name"] == "Empire Health"
    response = api.send(
        "POST",
        f"{patient.pk}/coverages",
        {
            **body,
            "member_id": "ZX-2",
            "priority": 2,
            "relationship": "01",
            "end_date": "2023-01-01",
        },
    )
    assert response.status_code == 400
    assert {"end_date", "subscriber_family_name"} <= set(response.json()["errors"])
    response = api.send(
        "POST", f"{patient.pk}/coverages", {**body, "payer_id": 99999, "member_id": "Q"}
    )
    assert response.status_code == 400
    assert Coverage.objects.count() == 1
    listed = Api(persona("nurse")).get(f"{patient.pk}/coverages")
    assert listed.status_code == 200
    assert [c["member_id"] for c in listed.json()] == ["ZX-1"]
    assert listed.json()[0]["copay"] in ("30.00", 30.0, "30")
    assert AuditEvent.objects.filter(action="view", object_type="coverage_list").count() == 1


@pytest.mark.parametrize("role", ["manager", "clinician", "nurse", "compliance", "hr"])
def test_coverage_writes_need_coverage_edit(patient, payer, role):
    body = {"payer_id": payer.pk, "member_id": "ZX-1", "effective_date": "2024-01-01"}
    assert api_for(role).send("POST", f"{patient.pk}/coverages", body).status_code == 403
    assert not Coverage.objects.exists()
