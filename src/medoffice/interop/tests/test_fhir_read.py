"""FHIR reads and searches: every resource type, the common parameters, paging, R4B validity."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medoffice.interop.tests.builders import make_patient
from medoffice.interop.tests.conftest import assert_valid_fhir, fhir_json

ALL_TYPES = [
    "Patient",
    "Practitioner",
    "Organization",
    "Location",
    "Coverage",
    "Encounter",
    "Condition",
    "AllergyIntolerance",
    "MedicationStatement",
    "Immunization",
    "Observation",
    "DocumentReference",
]


def search(client, query: str) -> dict:
    response = client.get(f"/fhir/r4/{query}")
    assert response.status_code == 200, response.content
    bundle = fhir_json(response)
    assert_valid_fhir(bundle)
    assert bundle["type"] == "searchset"
    return bundle


def ids(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


@pytest.fixture
def clinician(token_client):
    return token_client("clinician")[0]


def test_metadata_lists_exactly_what_is_served(client, db):
    response = client.get("/fhir/r4/metadata")
    statement = fhir_json(response)
    assert_valid_fhir(statement)
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert sorted(resources) == sorted([*ALL_TYPES, "Schedule", "Slot", "Appointment"])
    writable = {t for t, r in resources.items() if {"code": "create"} in r["interaction"]}
    assert writable == {"Patient", "Coverage", "Appointment"}
    patient_params = {p["name"] for p in resources["Patient"]["searchParam"]}
    assert {"_id", "identifier", "name", "family", "given", "birthdate", "_count"} <= patient_params
    assert client.post("/fhir/r4/metadata").status_code == 405


@pytest.mark.parametrize("resource_type", ALL_TYPES)
def test_every_type_searches_and_reads_valid_fhir(record, clinician, resource_type):
    bundle = search(clinician, resource_type)
    assert bundle["total"] >= 1 and bundle["entry"], resource_type
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert resource["resourceType"] == resource_type
        assert entry["fullUrl"].endswith(f"/fhir/r4/{resource_type}/{resource['id']}")
        response = clinician.get(f"/fhir/r4/{resource_type}/{resource['id']}")
        assert response.status_code == 200
        read = fhir_json(response)
        assert_valid_fhir(read)
        assert read["id"] == resource["id"]


def test_patient_resource_maps_registration(record, clinician):
    patient = record["patient"]
    resource = fhir_json(clinician.get(f"/fhir/r4/Patient/{patient.pk}"))
    assert {"system": "urn:medoffice:mrn", "value": patient.mrn}.items() <= resource["identifier"][
        0
    ].items()
    assert any(i["value"] == "X-77" for i in resource["identifier"])
    assert resource["name"][0]["family"] == "Smith"
    assert resource["gender"] == "female" and resource["birthDate"] == "1980-03-04"
    assert resource["address"][0]["state"] == "NY"
    urls = {e["url"] for e in resource["extension"]}
    assert "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race" in urls
    assert not any(
        i.get("system") == "http://hl7.org/fhir/sid/us-ssn" for i in resource["identifier"]
    )


def test_patient_name_search_is_prefix_case_and_accent_insensitive(db, clinician):
    make_patient("Núñez", "José")
    make_patient("Nunn", "Amy", birth_date=__import__("datetime").date(1990, 1, 1))
    make_patient("Baker", "Nuno")
    assert len(ids(search(clinician, "Patient?family=NUN"))) == 2
    assert len(ids(search(clinician, "Patient?name=nun"))) == 3  # family or given
    assert len(ids(search(clinician, "Patient?given=jos"))) == 1
    assert len(ids(search(clinician, "Patient?family=nun&given=amy"))) == 1
    assert len(ids(search(clinician, "Patient?family=nunez,baker"))) == 2  # comma = or
    assert len(ids(search(clinician, "Patient?family:exact=nun"))) == 2


def test_patient_identifier_and_birthdate_search(record, clinician):
    patient = record["patient"]
    other = make_patient("Jones", "Bob", birth_date=__import__("datetime").date(1999, 12, 31))
    assert ids(search(clinician, f"Patient?identifier=urn:medoffice:mrn|{patient.mrn}")) == [
        str(patient.pk)
    ]
    assert ids(search(clinician, f"Patient?identifier={patient.mrn}")) == [str(patient.pk)]
    assert ids(search(clinician, "Patient?identifier=urn:other-ehr|X-77")) == [str(patient.pk)]
    assert ids(search(clinician, "Patient?identifier=urn:wrong|X-77")) == []
    assert ids(search(clinician, "Patient?birthdate=1980-03-04")) == [str(patient.pk)]
    assert ids(search(clinician, "Patient?birthdate=1980")) == [str(patient.pk)]
    assert ids(search(clinician, "Patient?birthdate=gt1980-03-04")) == [str(other.pk)]
    assert ids(search(clinician, "Patient?birthdate=ge1980-03-04&birthdate=le1999-11")) == [
        str(patient.pk)
    ]
    assert ids(search(clinician, "Patient?birthdate=lt1980-03-04")) == []
    assert ids(search(clinician, "Patient?birthdate=ne1980-03-04")) == [str(other.pk)]
    assert ids(search(clinician, f"Patient?_id={other.pk}")) == [str(other.pk)]


def test_paging_links_and_total(db, clinician):
    for i in range(5):
        make_patient("Pager", f"P{chr(97 + i)}")
    first = search(clinician, "Patient?family=pager&_count=2")
    assert first["total"] == 5 and len(first["entry"]) == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "next" in links and "previous" not in links
    second = search(clinician, links["next"].split("/fhir/r4/")[1])
    links2 = {link["relation"]: link["url"] for link in second["link"]}
    assert "previous" in links2 and "next" in links2
    third = search(clinician, links2["next"].split("/fhir/r4/")[1])
    assert len(third["entry"]) == 1 and "next" not in {x["relation"] for x in third["link"]}
    seen = ids(first) + ids(second) + ids(third)
    assert len(set(seen)) == 5
    assert search(clinician, "Patient?_count=1000")["total"] == 5  # capped at 100, no error
    counted = search(clinician, "Patient?family=pager&_count=0")
    assert counted["total"] == 5 and not counted.get("entry")


def test_default_page_size_is_twenty(db, clinician):
    for i in range(23):
        make_patient("Many", f"Name{i:02d}x")
    bundle = search(clinician, "Patient?family=many")
    assert bundle["total"] == 23 and len(bundle["entry"]) == 20


def test_clinical_searches_by_patient_and_date(record, clinician):
    patient = record["patient"]
    other = make_patient("Other", "Person")
    for query in (
        f"patient={patient.pk}",
        f"patient=Patient/{patient.pk}",
        f"subject={patient.pk}",
    ):
        assert search(clinician, f"Observation?{query}")["total"] == 3
    assert search(clinician, f"Observation?patient={other.pk}")["total"] == 0
    assert search(clinician, "Encounter?date=2025-02-03")["total"] == 1
    assert search(clinician, "Encounter?date=ge2025-02-04")["total"] == 0
    assert search(clinician, "Encounter?date=lt2025-03")["total"] == 1
    assert search(clinician, "Observation?date=2025-02")["total"] == 3
    assert search(clinician, "Immunization?date=2024-10-01")["total"] == 1
    assert search(clinician, "AllergyIntolerance?date=le2019")["total"] == 1
    assert search(clinician, "MedicationStatement?effective=ge2020-05-01")["total"] == 1
    assert search(clinician, "Condition?date=2025-02-03")["total"] == 1  # the visit's diagnosis
    assert search(clinician, "Condition?onset-date=2020-05")["total"] == 1  # the problem
    assert search(clinician, f"Coverage?patient={patient.pk}")["total"] == 1
    assert search(clinician, "Coverage?identifier=M123")["total"] == 1
    assert search(clinician, "Coverage?identifier=m-12 3")["total"] == 1  # as the registry compares
    assert search(clinician, f"DocumentReference?patient={patient.pk}")["total"] == 2


def test_observations_vitals_and_labs(record, clinician):
    vitals = search(clinician, "Observation?category=vital-signs")
    assert vitals["total"] == 2
    weight = next(
        e["resource"]
        for e in vitals["entry"]
        if e["resource"]["code"]["coding"][0]["code"] == "29463-7"
    )
    assert weight["valueQuantity"] == {
        "value": 70.5,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
    }
    assert weight["category"][0]["coding"][0]["code"] == "vital-signs"
    labs = search(clinician, "Observation?category=laboratory")
    assert labs["total"] == 1
    lab = labs["entry"][0]["resource"]
    assert lab["interpretation"][0]["coding"][0]["code"] == "L"
    assert lab["referenceRange"][0]["low"]["value"] == 12
    assert search(clinician, "Observation?code=http://loinc.org|8480-6")["total"] == 1
    assert search(clinician, "Observation?code=718-7")["total"] == 1
    assert search(clinician, "Observation?category=survey")["total"] == 0


def test_conditions_diagnoses_and_problems(record, clinician):
    bundle = search(clinician, "Condition")
    by_id = {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}
    dx = by_id[f"dx-{record['diagnosis'].pk}"]
    assert dx["category"][0]["coding"][0]["code"] == "encounter-diagnosis"
    assert dx["code"]["coding"][0] == {
        "code": "J20.9",
        "system": "http://hl7.org/fhir/sid/icd-10-cm",
        "display": "Acute bronchitis, unspecified",
    }
    problem = by_id[f"problem-{record['problem'].pk}"]
    assert problem["category"][0]["coding"][0]["code"] == "problem-list-item"
    assert problem["code"]["coding"][0]["system"] == "http://snomed.info/sct"
    assert search(clinician, "Condition?category=problem-list-item")["total"] == 1


def test_document_reference_links_to_the_access_checked_download(record, clinician):
    document = record["document"]
    resource = fhir_json(clinician.get(f"/fhir/r4/DocumentReference/{document.pk}"))
    url = resource["content"][0]["attachment"]["url"]
    assert url.endswith(f"/patients/{document.patient_id}/documents/{document.pk}/")


def test_organizations_are_the_practice_and_payers(record, clinician):
    bundle = search(clinician, "Organization")
    assert {i.split("-")[0] for i in ids(bundle)} == {"practice", "payer"}
    assert ids(search(clinician, "Organization?type=pay")) == [f"payer-{record['payer'].pk}"]
    assert ids(search(clinician, "Organization?name=acme")) == [f"payer-{record['payer'].pk}"]
    assert search(clinician, "Practitioner?family=who")["total"] == 1
    assert search(clinician, "Location?name=main")["total"] == 1


@pytest.mark.parametrize(
    "query, status",
    [
        ("Patient?color=blue", 400),
        ("Patient?birthdate=yesterday", 400),
        ("Patient?birthdate=2020-13-01", 400),
        ("Patient?_count=many", 400),
        ("Patient?name:contains=x", 400),
        ("Observation?patient=Group/1", 400),
        ("Observation?patient=abc", 400),
        ("Patient/999999", 404),
        ("Observation/vital-999999", 404),
        ("Observation/999", 404),  # ids of a multi-table type carry their prefix
        ("Condition/nope", 404),
        ("Patient?_format=xml", 406),
    ],
)
def test_bad_parameters_and_unknown_ids(db, clinician, query, status):
    response = clinician.get(f"/fhir/r4/{query}")
    assert response.status_code == status
    outcome = fhir_json(response)
    assert_valid_fhir(outcome)
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["diagnostics"]


@pytest.mark.parametrize("method", ["delete", "patch"])
def test_unsupported_interactions_are_405(record, clinician, method):
    response = getattr(clinician, method)(f"/fhir/r4/Observation/vital-{record['weight'].pk}")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert (
        clinician.post(
            "/fhir/r4/Observation", data="{}", content_type="application/fhir+json"
        ).status_code
        == 405
    )


def test_patient_search_query_count_does_not_grow_with_the_page(db, token_client):
    client, _ = token_client("frontdesk")
    for i in range(3):
        make_patient("Counted", f"Q{i}")
    client.get("/fhir/r4/Patient?family=counted")  # warm caches (roles, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/fhir/r4/Patient?family=counted").status_code == 200
    for i in range(3, 15):
        make_patient("Counted", f"Q{i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/fhir/r4/Patient?family=counted").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(few.captured_queries) <= 12, [q["sql"] for q in few.captured_queries]


def test_observation_search_query_count_is_flat(record, token_client):
    client, _ = token_client("nurse")
    client.get("/fhir/r4/Observation")
    with CaptureQueriesContext(connection) as queries:
        client.get("/fhir/r4/Observation")
    assert len(queries.captured_queries) <= 14


def test_merged_records_are_not_listed_but_read_with_a_replaced_by_link(db, clinician):
    survivor = make_patient("Merge", "Kept")
    duplicate = make_patient("Merge", "Gone", status="merged", merged_into=survivor)
    assert ids(search(clinician, "Patient?family=merge")) == [str(survivor.pk)]
    resource = fhir_json(clinician.get(f"/fhir/r4/Patient/{duplicate.pk}"))
    assert_valid_fhir(resource)
    assert resource["active"] is False
    assert resource["link"] == [
        {"other": {"reference": f"Patient/{survivor.pk}"}, "type": "replaced-by"}
    ]


def test_an_unexpected_failure_is_an_operation_outcome(record, clinician, monkeypatch):
    from medoffice.interop.fhir import engine

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "run_search", broken)
    response = clinician.get("/fhir/r4/Observation")
    assert response.status_code == 500
    outcome = fhir_json(response)
    assert_valid_fhir(outcome)
    assert "request id" in outcome["issue"][0]["diagnostics"]
