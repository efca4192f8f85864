"""/api/chart/: encounters (notes only for chart roles), vital signs and diagnoses by token."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from medoffice.accounts.services import api_token_create
from medoffice.audit.models import AuditEvent
from medoffice.chart import services
from medoffice.chart.models import EncounterDiagnosis, VitalSign
from medoffice.chart.tests.conftest import cast


def api(role):
    user = cast(role)
    _, raw = api_token_create(actor=user, user=user, name="t")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    return client


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def coded(encounter, clinician):
    services.diagnosis_add(actor=clinician, encounter=encounter, code="E11.9")
    services.procedure_add(actor=clinician, encounter=encounter, code="83036", pointers=[1])
    services.note_create(actor=clinician, encounter=encounter, data={"plan": "NOTE-TEXT"})
    return encounter


@pytest.mark.parametrize("role, notes", [("clinician", True), ("nurse", True), ("biller", False),
                                         ("manager", False), ("compliance", False)])  # fmt: skip
def test_encounter_detail_is_role_filtered(coded, role, notes):
    response = api(role).get(f"/api/chart/patients/{coded.patient_id}/encounters/{coded.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["diagnoses"][0]["code"] == "E11.9"
    assert body["procedures"][0] == {"code": "83036", "description": "Hemoglobin A1c", "units": 1,
                                     "modifiers": [], "diagnosis_pointers": [1]}  # fmt: skip
    assert ("NOTE-TEXT" in response.content.decode()) is notes
    assert AuditEvent.objects.filter(object_type="encounter", action="view").exists()


def test_encounter_list(coded):
    response = api("biller").get(f"/api/chart/patients/{coded.patient_id}/encounters")
    assert response.status_code == 200 and response.json()[0]["id"] == coded.pk


@pytest.mark.parametrize("role", ["frontdesk", "admin", "hr"])
def test_refused(coded, role):
    response = api(role).get(f"/api/chart/patients/{coded.patient_id}/encounters")
    assert response.status_code == 403


def test_post_vitals(patient):
    client = api("nurse")
    url = f"/api/chart/patients/{patient.pk}/vitals"
    body = {"taken_at": "2026-03-02T09:40:00-05:00",
            "measurements": {"height": {"value": 180, "unit": "cm"}, "weight": {"value": 81},
                             "hr": {"value": 300}}}  # fmt: skip
    response = post(client, url, body)
    assert response.status_code == 422 and "Heart rate" in response.json()["detail"]
    assert not VitalSign.objects.exists()
    del body["measurements"]["hr"]
    response = post(client, url, body)
    assert response.status_code == 201
    assert {v["kind"]: v["value"] for v in response.json()}["bmi"] == "25.0"
    assert post(client, url, {}).status_code in {400, 422}
    assert post(api("biller"), url, body).status_code == 403
    assert VitalSign.objects.count() == 3


def test_post_diagnosis(encounter):
    url = f"/api/chart/patients/{encounter.patient_id}/encounters/{encounter.pk}/diagnoses"
    assert post(api("biller"), url, {"code": "E11"}).status_code == 422
    response = post(api("biller"), url, {"code": "I10"})
    assert response.status_code == 201 and response.json()["rank"] == 1
    assert post(api("nurse"), url, {"code": "E11.9"}).status_code == 403
    assert list(EncounterDiagnosis.objects.values_list("code", flat=True)) == ["I10"]
    other = f"/api/chart/patients/{encounter.patient_id}/encounters/999999/diagnoses"
    assert post(api("biller"), other, {"code": "I10"}).status_code == 404
