"""medoffice fhir export: the whole record as a valid Bundle, a PDF, audited; and a round trip."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from medoffice.audit.models import AuditEvent
from medoffice.chart.models import (
    Allergy,
    Encounter,
    EncounterDiagnosis,
    Immunization,
    LabResult,
    Medication,
    Problem,
    VitalSign,
)
from medoffice.interop.fhir.exporter import export_patient
from medoffice.interop.fhir.importer.run import import_bundle_data
from medoffice.interop.tests.conftest import assert_valid_fhir
from medoffice.patients.models import Coverage, Document, Patient, PatientIdentifier


@pytest.fixture
def full_record(record):
    patient = record["patient"]
    patient.ssn = "123-45-6789"
    patient.ssn_last4 = "6789"
    patient.save()
    return record


def test_export_holds_the_whole_record_and_validates(full_record):
    patient = full_record["patient"]
    bundle, pdf = export_patient(mrn=patient.mrn, actor=None, with_pdf=True)
    model = assert_valid_fhir(bundle)
    assert model.type == "collection"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    for kind in (
        "Patient",
        "Coverage",
        "Encounter",
        "Condition",
        "AllergyIntolerance",
        "MedicationStatement",
        "Immunization",
        "Observation",
        "DocumentReference",
        "Practitioner",
        "Location",
        "Organization",
    ):
        assert kind in kinds, kind
    assert kinds.count("Observation") == 3 and kinds.count("Condition") == 2
    patient_resource = bundle["entry"][0]["resource"]
    assert {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "123-45-6789"}.items() <= next(
        i for i in patient_resource["identifier"] if i["system"].endswith("us-ssn")
    ).items()  # the patient's own copy carries the SSN
    for entry in bundle["entry"]:
        assert_valid_fhir(entry["resource"])
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    event = AuditEvent.objects.filter(action="export").latest("seq")
    assert event.patient_id == patient.pk and event.details["resources"] == len(bundle["entry"])
    assert "PDF" in event.details["format"]


def test_export_command_writes_files(full_record, tmp_path, capsys):
    out, pdf = tmp_path / "record.json", tmp_path / "record.pdf"
    mrn = full_record["patient"].mrn
    call_command("fhir", "export", "--patient", mrn, "--out", str(out), "--pdf", str(pdf))
    bundle = json.loads(out.read_text())
    assert bundle["resourceType"] == "Bundle" and bundle["entry"]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", source="cli").exists()
    call_command("fhir", "export", "--patient", mrn)
    assert json.loads(capsys.readouterr().out)["type"] == "collection"
    with pytest.raises(CommandError, match="No patient"):
        call_command("fhir", "export", "--patient", "0000000")


def _wipe_patients() -> None:
    for model in (
        VitalSign,
        LabResult,
        EncounterDiagnosis,
        Encounter,
        Problem,
        Allergy,
        Medication,
        Immunization,
        Coverage,
        Document,
        PatientIdentifier,
        Patient,
    ):
        model.objects.all().delete()


def test_round_trip_through_export_and_import(full_record):
    patient = full_record["patient"]
    bundle, _ = export_patient(mrn=patient.mrn, actor=None)
    before = {
        "vitals": sorted((v.kind, v.value) for v in VitalSign.objects.all()),
        "labs": sorted((lab.loinc, lab.value, lab.flag) for lab in LabResult.objects.all()),
        "problems": list(Problem.objects.values_list("code_system", "code", "description")),
        "diagnoses": list(EncounterDiagnosis.objects.values_list("code", "rank")),
        "allergies": list(Allergy.objects.values_list("substance", "reaction", "severity")),
        "medications": list(Medication.objects.values_list("name", "rxnorm", "status")),
        "immunizations": list(
            Immunization.objects.values_list("vaccine", "cvx", "administered_on")
        ),
        "coverages": list(Coverage.objects.values_list("member_id", "group_number", "payer__name")),
        "encounters": list(Encounter.objects.values_list("start", "end", "status", "reason")),
    }
    _wipe_patients()
    result = import_bundle_data(json.loads(json.dumps(bundle)), "export.json")
    assert result.status == "imported", result.message
    assert not [e for e in result.entries if e.outcome == "rejected"]
    copy = Patient.objects.get()
    assert (copy.family_name, copy.given_name, copy.birth_date) == (
        patient.family_name,
        patient.given_name,
        patient.birth_date,
    )
    assert copy.ssn_last4 == "6789" and copy.race == patient.race and copy.state == "NY"
    assert copy.identifiers.filter(system="urn:other-ehr", value="X-77").exists()
    after = {
        "vitals": sorted((v.kind, v.value) for v in VitalSign.objects.all()),
        "labs": sorted((lab.loinc, lab.value, lab.flag) for lab in LabResult.objects.all()),
        "problems": list(Problem.objects.values_list("code_system", "code", "description")),
        "diagnoses": list(EncounterDiagnosis.objects.values_list("code", "rank")),
        "allergies": list(Allergy.objects.values_list("substance", "reaction", "severity")),
        "medications": list(Medication.objects.values_list("name", "rxnorm", "status")),
        "immunizations": list(
            Immunization.objects.values_list("vaccine", "cvx", "administered_on")
        ),
        "coverages": list(Coverage.objects.values_list("member_id", "group_number", "payer__name")),
        "encounters": list(Encounter.objects.values_list("start", "end", "status", "reason")),
    }
    assert after == before
    assert Encounter.objects.get().provider is not None
