"""The web downloads of a patient's record (FHIR Bundle and PDF) for chart roles."""

from __future__ import annotations

import json

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.interop.tests.conftest import assert_valid_fhir
from medoffice.testing.personas import persona, signed_in_client


@pytest.mark.parametrize("role", ["clinician", "nurse"])
def test_chart_roles_download_the_record(record, role):
    client = signed_in_client(persona(role))
    patient = record["patient"]
    response = client.get(f"/interop/patients/{patient.pk}/record.json")
    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="health-record-{patient.mrn}.json"'
    )
    assert_valid_fhir(json.loads(response.content))
    pdf = client.get(f"/interop/patients/{patient.pk}/record.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    formats = list(
        AuditEvent.objects.filter(action="export", patient_id=patient.pk).values_list(
            "details__format", flat=True
        )
    )
    assert sorted(formats) == ["FHIR Bundle", "PDF summary"]


@pytest.mark.parametrize("role", ["manager", "frontdesk", "biller", "hr", "admin", "compliance"])
def test_others_are_refused(record, role):
    client = signed_in_client(persona(role))
    patient = record["patient"]
    assert client.get(f"/interop/patients/{patient.pk}/record.json").status_code == 403
    assert client.get(f"/interop/patients/{patient.pk}/record.pdf").status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_emergency_access_reaches_the_record_in_the_web(record):
    from medoffice.audit.services import emergency_access_grant

    user = persona("compliance")
    patient = record["patient"]
    emergency_access_grant(actor=user, patient_id=patient.pk, reason="Records request from court")
    response = signed_in_client(user).get(f"/interop/patients/{patient.pk}/record.json")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action="export", emergency=True, patient_id=patient.pk
    ).exists()


def test_unknown_patient_and_wrong_method(db):
    client = signed_in_client(persona("clinician"))
    assert client.get("/interop/patients/999999/record.json").status_code == 404
    assert client.post("/interop/patients/999999/record.json").status_code == 405
