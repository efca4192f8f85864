"""Create and update over FHIR: Patient and Coverage, bad input, conflicts, refusals."""

from __future__ import annotations

import copy

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.interop.tests.conftest import assert_valid_fhir, fhir_json, post_fhir
from medoffice.patients.models import Coverage, Patient, PatientIdentifier

NEW_PATIENT = {
    "resourceType": "Patient",
    "extension": [
        {
            "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
            "extension": [
                {
                    "url": "ombCategory",
                    "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238", "code": "2028-9"},
                },
                {"url": "text", "valueString": "Asian"},
            ],
        },
        {
            "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
            "valueCode": "F",
        },
    ],
    "identifier": [
        {"system": "urn:lab:quest", "value": "Q-1001", "type": {"text": "Quest"}},
        {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "123-45-6789"},
    ],
    "name": [
        {"use": "official", "family": "García", "given": ["Lucía", "María"]},
        {"use": "nickname", "given": ["Lu"]},
    ],
    "telecom": [
        {"system": "phone", "value": "518-555-0199", "use": "mobile"},
        {"system": "email", "value": "lucia@example.org"},
    ],
    "gender": "female",
    "birthDate": "1975-06-30",
    "address": [
        {
            "line": ["12 Elm St", "Apt 3"],
            "city": "Troy",
            "state": "New York",
            "postalCode": "12180",
            "country": "USA",
        }
    ],
    "communication": [
        {
            "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es-MX"}]},
            "preferred": True,
        }
    ],
}


@pytest.fixture
def desk(token_client):
    return token_client("frontdesk")[0]


def create_patient(client, body=None):
    response = post_fhir(client, "/fhir/r4/Patient", body or NEW_PATIENT)
    assert response.status_code == 201, response.content
    return fhir_json(response)


def test_create_patient_maps_into_the_registry(db, desk):
    resource = create_patient(desk)
    assert_valid_fhir(resource)
    patient = Patient.objects.get(pk=resource["id"])
    assert (patient.family_name, patient.given_name, patient.middle_name) == (
        "García",
        "Lucía",
        "María",
    )
    assert patient.preferred_name == "Lu" and patient.family_norm == "garcia"
    assert patient.sex_at_birth == "F" and str(patient.birth_date) == "1975-06-30"
    assert (patient.state, patient.country, patient.address_line2) == ("NY", "US", "Apt 3")
    assert patient.preferred_language == "es" and patient.race == ["2028-9"]
    assert patient.phone_mobile == "518-555-0199" and patient.email == "lucia@example.org"
    assert patient.ssn_last4 == "6789" and patient.ssn == "123-45-6789"
    assert PatientIdentifier.objects.filter(patient=patient, system="urn:lab:quest").exists()
    assert resource["identifier"][0]["value"] == patient.mrn
    assert AuditEvent.objects.filter(
        action="create", object_type="patient", patient_id=patient.pk
    ).exists()


def test_create_answers_location_and_etag(db, desk):
    response = post_fhir(desk, "/fhir/r4/Patient", NEW_PATIENT)
    body = fhir_json(response)
    assert response["Location"].endswith(
        f"/fhir/r4/Patient/{body['id']}/_history/{body['meta']['versionId']}"
    )
    assert response["ETag"] == f'W/"{body["meta"]["versionId"]}"'


def _broken(**changes):
    body = copy.deepcopy(NEW_PATIENT)
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(
    "body, status",
    [
        ("{not json", 400),
        ("[1, 2]", 400),
        ({"resourceType": "Observation", "status": "final", "code": {"text": "x"}}, 400),
        (_broken(favouriteColour="blue"), 400),  # not a Patient element
        (_broken(birthDate="30/06/1975"), 400),  # not a FHIR date
        (_broken(gender="woman"), 400),  # not an administrative gender code
        (_broken(birthDate=None), 422),  # valid FHIR, but MedOffice needs a date of birth
        (_broken(birthDate="2999-01-01"), 422),
        (_broken(name=[{"given": ["NoFamily"]}]), 422),
        (_broken(telecom=[{"system": "email", "value": "not-an-email"}]), 422),
    ],
)
def test_invalid_patients_are_refused_and_nothing_is_written(db, desk, body, status):
    patients, audit = Patient.objects.count(), AuditEvent.objects.filter(action="create").count()
    response = post_fhir(desk, "/fhir/r4/Patient", body)
    assert response.status_code == status, response.content
    outcome = fhir_json(response)
    assert_valid_fhir(outcome)
    assert outcome["issue"][0]["diagnostics"]
    assert Patient.objects.count() == patients
    assert AuditEvent.objects.filter(action="create").count() == audit


def test_wrong_content_type_is_refused(db, desk):
    response = desk.post("/fhir/r4/Patient", data={"resourceType": "Patient"})
    assert response.status_code == 415


def test_identifier_taken_by_another_patient_is_a_conflict(db, desk):
    create_patient(desk)
    other = _broken(
        name=[{"family": "Other", "given": ["Person"]}],
        identifier=[{"system": "urn:lab:quest", "value": "Q-1001"}],
    )
    response = post_fhir(desk, "/fhir/r4/Patient", other)
    assert response.status_code == 409
    assert Patient.objects.count() == 1  # the second registration rolled back with it


@pytest.mark.parametrize("role", ["manager", "biller", "clinician", "nurse", "compliance"])
def test_roles_that_only_view_cannot_create_or_update(db, token_client, desk, role):
    created = create_patient(desk)
    client, _ = token_client(role)
    count = Patient.objects.count()
    assert post_fhir(client, "/fhir/r4/Patient", NEW_PATIENT).status_code == 403
    changed = dict(created, birthDate="1976-01-01")
    response = post_fhir(client, f"/fhir/r4/Patient/{created['id']}", changed, method="put")
    assert response.status_code == 403
    assert Patient.objects.count() == count
    assert str(Patient.objects.get(pk=created["id"]).birth_date) == "1975-06-30"


@pytest.mark.parametrize("role", ["admin", "purchasing", "hr"])
def test_roles_without_demographics_are_refused_writes(db, token_client, role):
    client, _ = token_client(role)
    assert post_fhir(client, "/fhir/r4/Patient", NEW_PATIENT).status_code == 403
    assert Patient.objects.count() == 0


def test_update_patient(db, desk):
    created = create_patient(desk)
    changed = copy.deepcopy(created)
    changed["name"][0]["family"] = "Garcia-Lopez"
    changed["telecom"] = [{"system": "phone", "value": "518-555-0100", "use": "home"}]
    changed["identifier"] = [i for i in changed["identifier"] if i["system"] != "urn:lab:quest"]
    response = post_fhir(desk, f"/fhir/r4/Patient/{created['id']}", changed, method="put")
    assert response.status_code == 200, response.content
    patient = Patient.objects.get(pk=created["id"])
    assert patient.family_name == "Garcia-Lopez" and patient.family_norm == "garcialopez"
    assert patient.phone_home == "518-555-0100" and patient.phone_mobile == ""
    assert patient.ssn_last4 == "6789"  # absent from the resource: kept
    assert not patient.identifiers.filter(system="urn:lab:quest").exists()
    assert patient.mrn == created["identifier"][0]["value"]
    entry = AuditEvent.objects.filter(action="update", object_type="patient").latest("seq")
    assert "family_name" in entry.details["fields"]


def test_update_checks_id_version_and_existence(db, desk):
    created = create_patient(desk)
    path = f"/fhir/r4/Patient/{created['id']}"
    mismatched = dict(created, id="424242")
    assert post_fhir(desk, path, mismatched, method="put").status_code == 400
    assert (
        post_fhir(
            desk, "/fhir/r4/Patient/424242", dict(created, id="424242"), method="put"
        ).status_code
        == 404
    )
    stale = 'W/"1"'
    response = post_fhir(
        desk, path, dict(created, birthDate="1976-01-01"), method="put", **{"If-Match": stale}
    )
    assert response.status_code == 412
    current = f'W/"{created["meta"]["versionId"]}"'
    response = post_fhir(
        desk, path, dict(created, birthDate="1976-01-01"), method="put", **{"If-Match": current}
    )
    assert response.status_code == 200
    # The version moved: the same If-Match is now stale (lost update prevented).
    response = post_fhir(
        desk, path, dict(created, birthDate="1977-01-01"), method="put", **{"If-Match": current}
    )
    assert response.status_code == 412
    assert str(Patient.objects.get(pk=created["id"]).birth_date) == "1976-01-01"


def test_update_with_invalid_data_changes_nothing(db, desk):
    created = create_patient(desk)
    bad = dict(created, birthDate="2999-01-01")
    assert (
        post_fhir(desk, f"/fhir/r4/Patient/{created['id']}", bad, method="put").status_code == 422
    )
    assert str(Patient.objects.get(pk=created["id"]).birth_date) == "1975-06-30"


# --- Coverage -----------------------------------------------------------------------------------


def coverage_body(record, **changes):
    body = {
        "resourceType": "Coverage",
        "status": "active",
        "subscriberId": "NEW-555",
        "beneficiary": {"reference": f"Patient/{record['patient'].pk}"},
        "relationship": {"coding": [{"code": "self"}]},
        "period": {"start": "2025-01-01"},
        "payor": [{"reference": f"Organization/payer-{record['payer'].pk}"}],
        "order": 2,
        "class": [{"type": {"coding": [{"code": "group"}]}, "value": "GRP-1"}],
        "costToBeneficiary": [{"valueMoney": {"value": 30, "currency": "USD"}}],
    }
    body.update(changes)
    return body


def test_create_and_update_coverage(record, token_client):
    biller, _ = token_client("biller")
    response = post_fhir(biller, "/fhir/r4/Coverage", coverage_body(record))
    assert response.status_code == 201, response.content
    resource = fhir_json(response)
    assert_valid_fhir(resource)
    coverage = Coverage.objects.get(pk=resource["id"])
    assert (coverage.member_id, coverage.priority, coverage.group_number) == ("NEW-555", 2, "GRP-1")
    assert str(coverage.copay) == "30.00" and coverage.payer == record["payer"]
    assert AuditEvent.objects.filter(
        action="create", object_type="coverage", patient_id=record["patient"].pk
    ).exists()
    updated = dict(resource, period={"start": "2025-01-01", "end": "2025-12-31"})
    response = post_fhir(biller, f"/fhir/r4/Coverage/{coverage.pk}", updated, method="put")
    assert response.status_code == 200, response.content
    coverage.refresh_from_db()
    assert str(coverage.end_date) == "2025-12-31"


def test_coverage_for_a_dependent_carries_the_subscriber(record, token_client):
    biller, _ = token_client("biller")
    missing = coverage_body(record, relationship={"coding": [{"code": "child"}]})
    response = post_fhir(biller, "/fhir/r4/Coverage", missing)
    assert response.status_code == 422  # who is the subscriber?
    body = coverage_body(
        record,
        relationship={"coding": [{"code": "child"}]},
        contained=[
            {
                "resourceType": "RelatedPerson",
                "id": "sub",
                "patient": {"reference": f"Patient/{record['patient'].pk}"},
                "name": [{"family": "Smith", "given": ["Paul"]}],
                "birthDate": "1950-02-02",
                "gender": "male",
            }
        ],
        subscriber={"reference": "#sub"},
        payor=[{"display": "acme health"}],
    )
    response = post_fhir(biller, "/fhir/r4/Coverage", body)
    assert response.status_code == 201, response.content
    resource = fhir_json(response)
    assert_valid_fhir(resource)
    coverage = Coverage.objects.get(pk=resource["id"])
    assert (coverage.relationship, coverage.subscriber_given_name, coverage.subscriber_sex) == (
        "19",
        "Paul",
        "M",
    )
    assert resource["contained"][0]["name"][0]["given"] == ["Paul"]


@pytest.mark.parametrize(
    "changes, status",
    [
        ({"payor": [{"display": "Unknown Mutual"}]}, 422),
        ({"beneficiary": {"reference": "Patient/999999"}}, 422),
        ({"beneficiary": {"reference": "Group/1"}}, 400),
        ({"period": {"start": "2025-05-01", "end": "2025-01-01"}}, 422),
        ({"subscriberId": "bad$id"}, 422),
        ({"relationship": {"coding": [{"code": "cousin"}]}}, 400),
        ({"status": "active", "unknownElement": 1}, 400),
    ],
)
def test_invalid_coverage_is_refused(record, token_client, changes, status):
    biller, _ = token_client("biller")
    count = Coverage.objects.count()
    response = post_fhir(biller, "/fhir/r4/Coverage", coverage_body(record, **changes))
    assert response.status_code == status, response.content
    assert_valid_fhir(fhir_json(response))
    assert Coverage.objects.count() == count


def test_the_same_policy_twice_is_a_conflict(record, token_client):
    biller, _ = token_client("biller")
    assert post_fhir(biller, "/fhir/r4/Coverage", coverage_body(record)).status_code == 201
    assert post_fhir(biller, "/fhir/r4/Coverage", coverage_body(record)).status_code == 409


@pytest.mark.parametrize("role", ["manager", "clinician", "nurse", "compliance"])
def test_coverage_viewers_cannot_write(record, token_client, role):
    client, _ = token_client(role)
    count = Coverage.objects.count()
    assert post_fhir(client, "/fhir/r4/Coverage", coverage_body(record)).status_code == 403
    existing = record["coverage"]
    body = coverage_body(record, id=str(existing.pk), subscriberId="CHANGED")
    assert (
        post_fhir(client, f"/fhir/r4/Coverage/{existing.pk}", body, method="put").status_code == 403
    )
    existing.refresh_from_db()
    assert existing.member_id == "M123" and Coverage.objects.count() == count


def test_coverage_cannot_move_to_another_patient(record, token_client):
    from medoffice.interop.tests.builders import make_patient

    biller, _ = token_client("biller")
    other = make_patient("Else", "Someone")
    existing = record["coverage"]
    body = coverage_body(
        record, id=str(existing.pk), beneficiary={"reference": f"Patient/{other.pk}"}
    )
    assert (
        post_fhir(biller, f"/fhir/r4/Coverage/{existing.pk}", body, method="put").status_code == 422
    )
