"""Who may read what over FHIR: the role matrix per resource type, tokens, sessions, audit."""

from __future__ import annotations

import pytest
from django.test import Client

from medoffice.audit.models import AuditEvent
from medoffice.core.permissions import Capability, roles_allow
from medoffice.interop.fhir.resources import RESOURCES
from medoffice.interop.tests.conftest import assert_valid_fhir, fhir_json
from medoffice.testing.personas import ALL_STAFF_ROLES, persona, signed_in_client

# What each staff role may read, from the matrix (V or E on the type's capability; the
# directory types are open to every signed-in person).
EXPECTED = {
    "Patient": Capability.DEMOGRAPHICS,
    "Coverage": Capability.COVERAGE,
    "Encounter": Capability.CHART,
    "Condition": Capability.CODING,
    "AllergyIntolerance": Capability.CHART,
    "MedicationStatement": Capability.CHART,
    "Immunization": Capability.CHART,
    "Observation": Capability.CHART,
    "DocumentReference": Capability.DOCUMENTS,
    "Schedule": Capability.SCHEDULE,
    "Slot": Capability.SCHEDULE,
    "Appointment": Capability.SCHEDULE,
}
# The record has no schedule; test_fhir_scheduling_access reads these per role.
SCHEDULING = {"Schedule", "Slot", "Appointment"}


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_each_role_reads_what_the_matrix_allows(record, token_client, role):
    client, _ = token_client(role)
    for name in RESOURCES:
        capability = EXPECTED.get(name)
        allowed = capability is None or roles_allow({role}, capability)
        before = AuditEvent.objects.filter(action="permission_denied").count()
        search = client.get(f"/fhir/r4/{name}")
        first = fhir_json(search)
        if allowed:
            assert search.status_code == 200, (role, name, first)
            if name in SCHEDULING:
                continue
            resource_id = first["entry"][0]["resource"]["id"]
            assert client.get(f"/fhir/r4/{name}/{resource_id}").status_code == 200
        else:
            assert search.status_code == 403, (role, name)
            assert first["issue"][0]["code"] == "forbidden"
            assert "have access" in first["issue"][0]["diagnostics"]
            assert client.get(f"/fhir/r4/{name}/1").status_code == 403
            after = AuditEvent.objects.filter(action="permission_denied").count()
            assert after == before + 2, "every refusal is audited"


@pytest.mark.parametrize("role", ["admin", "compliance"])
def test_break_the_glass_is_not_available_over_the_api(record, token_client, role):
    from medoffice.audit.services import emergency_access_grant

    client, user = token_client(role)
    emergency_access_grant(
        actor=user, patient_id=record["patient"].pk, reason="Patient unconscious in the ER"
    )
    response = client.get(f"/fhir/r4/Observation?patient={record['patient'].pk}")
    assert response.status_code == 403
    message = fhir_json(response)["issue"][0]["diagnostics"]
    assert "emergency access" in message and "web application" in message


def test_billing_sees_diagnoses_but_not_the_problem_list(record, token_client):
    client, _ = token_client("biller")
    bundle = fhir_json(client.get("/fhir/r4/Condition"))
    assert [e["resource"]["id"] for e in bundle["entry"]] == [f"dx-{record['diagnosis'].pk}"]
    assert client.get(f"/fhir/r4/Condition/dx-{record['diagnosis'].pk}").status_code == 200
    refused = client.get(f"/fhir/r4/Condition/problem-{record['problem'].pk}")
    assert refused.status_code == 403
    assert client.get("/fhir/r4/Condition?category=problem-list-item").json()["total"] == 0


def test_front_desk_does_not_see_clinical_documents(record, token_client):
    client, _ = token_client("frontdesk")
    bundle = fhir_json(client.get("/fhir/r4/DocumentReference"))
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(record["document"].pk)]
    assert client.get(f"/fhir/r4/DocumentReference/{record['lab_report'].pk}").status_code == 403
    nurse, _ = token_client("nurse")
    assert nurse.get(f"/fhir/r4/DocumentReference/{record['lab_report'].pk}").status_code == 200


def test_without_a_token_or_with_a_bad_one_is_401(record):
    response = Client().get("/fhir/r4/Patient")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_valid_fhir(fhir_json(response))
    bad = Client(headers={"Authorization": "Bearer mo_not-a-real-token"}).get("/fhir/r4/Patient")
    assert bad.status_code == 401
    assert AuditEvent.objects.filter(action="api_auth_failed").exists()
    assert Client().get("/fhir/r4/metadata").status_code == 200  # the statement is public


def test_revoked_token_is_refused(record):
    from medoffice.accounts.services import api_token_create, api_token_revoke

    user = persona("clinician", username="revoker")
    token, raw = api_token_create(actor=user, user=user, name="old")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/fhir/r4/Patient").status_code == 200
    api_token_revoke(actor=user, token=token)
    assert client.get("/fhir/r4/Patient").status_code == 401


def test_token_scope_narrows_the_roles(record):
    from medoffice.accounts.services import api_token_create
    from medoffice.testing.factories import UserFactory

    user = UserFactory(username="two-hats", roles=["frontdesk", "clinician"])
    _, raw = api_token_create(actor=user, user=user, name="desk only", scope=["frontdesk"])
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/fhir/r4/Patient").status_code == 200
    assert client.get("/fhir/r4/Observation").status_code == 403


def test_session_sign_in_works_and_needs_the_second_factor(record):
    assert signed_in_client(persona("clinician")).get("/fhir/r4/Observation").status_code == 200
    unverified = signed_in_client(persona("compliance"), verified=False)
    assert unverified.get("/fhir/r4/Patient").status_code == 401


def test_session_writes_need_the_csrf_token_but_token_writes_do_not(db, token_client):
    user = persona("frontdesk", username="desk-csrf")
    browser = signed_in_client(user)
    browser.handler.enforce_csrf_checks = True
    body = '{"resourceType": "Patient"}'
    refused = browser.post("/fhir/r4/Patient", data=body, content_type="application/fhir+json")
    assert refused.status_code == 403
    assert "CSRF" in fhir_json(refused)["issue"][0]["diagnostics"]
    client, _ = token_client("frontdesk")
    client.handler.enforce_csrf_checks = True
    answered = client.post("/fhir/r4/Patient", data=body, content_type="application/fhir+json")
    assert answered.status_code != 403  # reaches validation (a 4xx about the resource)


def test_reads_and_searches_are_audited_per_patient(record, token_client):
    from medoffice.interop.tests.builders import make_patient

    client, user = token_client("nurse")
    patient = record["patient"]
    second = make_patient("Second", "Patient")
    start = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    client.get(f"/fhir/r4/Observation/vital-{record['weight'].pk}")
    client.get("/fhir/r4/Observation")  # three observations, one patient
    client.get("/fhir/r4/Patient")  # two patients
    events = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    read = events[0]
    assert (read.action, read.object_type, read.patient_id) == (
        "view",
        "fhir:Observation",
        patient.pk,
    )
    assert read.patient_ref == patient.mrn and read.actor_id == user.pk and read.source == "api"
    listed = sorted((e.action, e.object_type, e.patient_id) for e in events[1:])
    assert listed == sorted(
        [
            ("view_list", "fhir:Observation", patient.pk),
            ("view_list", "fhir:Patient", patient.pk),
            ("view_list", "fhir:Patient", second.pk),
        ]
    )


def test_directory_reads_are_not_phi_and_not_audited(record, token_client):
    client, _ = token_client("hr")
    start = AuditEvent.objects.count()
    assert client.get("/fhir/r4/Practitioner").status_code == 200
    assert client.get("/fhir/r4/Organization").status_code == 200
    assert AuditEvent.objects.count() == start
