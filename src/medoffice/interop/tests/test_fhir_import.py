"""medoffice fhir import: the Synthea samples, idempotence, atomicity and clear rejections."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from medoffice.accounts.models import User
from medoffice.audit.models import AuditEvent
from medoffice.chart.models import (
    Encounter,
    EncounterDiagnosis,
    Immunization,
    LabResult,
    Medication,
    Problem,
    VitalSign,
)
from medoffice.interop.fhir.importer.run import import_bundle_data, import_paths
from medoffice.interop.models import ExternalReference
from medoffice.interop.tests.conftest import SAMPLES
from medoffice.organization.models import Location
from medoffice.patients.models import Coverage, Patient, Payer

BUSTER, CLEMENTE = SAMPLES  # sorted by name


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def counts() -> dict[str, int]:
    return {
        m._meta.label_lower: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"patients", "chart", "interop", "organization", "accounts"}
        and m._meta.managed
    }


@pytest.fixture
def practice(db):
    from medoffice.testing.factories import PracticeFactory

    return PracticeFactory()


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_import_both_synthea_samples(practice):
    report = import_paths(SAMPLES)
    assert [f.status for f in report.files] == ["imported", "imported"], report.summary_lines()
    assert Patient.objects.count() == 2
    assert Encounter.objects.count() == 9
    assert Problem.objects.count() == 4
    assert Immunization.objects.count() == 8
    assert Medication.objects.count() == 1
    assert VitalSign.objects.count() == 36  # 30 single readings + 3 blood pressures x 2
    assert LabResult.objects.count() == 45
    table = report.counts()
    assert table["Observation"] == {"created": 75, "skipped": 6}  # surveys are not stored
    assert table["Patient"] == {"created": 2}
    assert table["Claim"]["skipped"] == 10
    buster = Patient.objects.get(family_name="Hoeger")
    assert (buster.given_name, str(buster.birth_date), buster.sex_at_birth) == (
        "Buster",
        "1988-03-16",
        "M",
    )
    assert (buster.state, buster.postal_code, buster.city) == ("MA", "01002", "Amherst")
    assert buster.ssn_last4 == "2277" and buster.race == ["2106-3"] and buster.ethnicity == "2186-5"
    assert buster.identifiers.filter(system="https://github.com/synthetichealth/synthea").exists()
    kreiger = Patient.objects.get(family_name="Kreiger")
    assert kreiger.preferred_language == "zh"
    # Practitioners: inactive clinicians nobody can sign in as.
    imported = User.objects.filter(username__startswith="ext-")
    assert imported.count() == 2
    for user in imported:
        assert not user.is_active and not user.has_usable_password()
        assert set(user.role_codes()) == {"clinician"}
    # Outside facilities: inactive locations of the practice.
    assert Location.objects.filter(is_active=False, practice=practice).count() == 2
    visit = Encounter.objects.filter(patient=buster).order_by("start").first()
    assert visit.provider is not None and visit.location is not None
    assert visit.status == "finished" and visit.reason == "Sinusitis (disorder)"
    height = VitalSign.objects.filter(patient=buster, kind="height").first()
    assert height.unit == "cm" and height.value == Decimal("185.83")
    assert height.encounter is not None
    lab = LabResult.objects.filter(loinc="2093-3").first()
    assert lab.unit == "mg/dL" and lab.value_numeric is not None
    problem = Problem.objects.get(patient=buster, code="40055000")
    assert problem.code_system == "SNOMED" and problem.status == "active"
    resolved = Problem.objects.filter(patient=buster, status="resolved").first()
    assert resolved.resolved_date is not None


def test_reimport_creates_nothing(practice):
    import_paths(SAMPLES)
    before = counts()
    report = import_paths(SAMPLES)
    assert counts() == before
    assert all(e.outcome == "skipped" for f in report.files for e in f.entries)
    assert report.reasons("skipped")[("Observation", "already imported")] == 75


def test_audit_has_one_entry_per_patient_from_the_command_line(practice, capsys):
    before = AuditEvent.objects.count()
    call_command("fhir", "import", str(BUSTER.parent), "--quiet")
    events = list(AuditEvent.objects.order_by("seq")[before:])
    creates = [e for e in events if e.action == "create"]
    assert len(creates) == 2 and len(events) == 2  # not one per observation
    assert {e.source for e in creates} == {"cli"}
    assert all(e.patient_ref and e.details["via"] == "FHIR import" for e in creates)
    out = capsys.readouterr().out
    assert "Bundles: 2 imported, 0 rejected" in out and "Observation" in out


def test_bad_files_are_reported_and_good_ones_still_import(practice, tmp_path):
    for sample in SAMPLES:
        write(tmp_path, sample.name, sample.read_text())
    write(tmp_path, "broken.json", '{"resourceType": "Bundle", "type": ')
    write(tmp_path, "patient-alone.json", {"resourceType": "Patient", "id": "x"})
    invalid = load(BUSTER)
    invalid["entry"][5]["resource"]["status"] = "not-a-status-code-with spaces"
    invalid["entry"][7]["resource"]["favouriteColour"] = "blue"
    write(tmp_path, "invalid.json", invalid)
    dangling = load(CLEMENTE)
    dangling["entry"][3]["resource"]["subject"] = {
        "reference": "urn:uuid:00000000-dead-beef-0000-000000000000"
    }
    write(tmp_path, "dangling.json", dangling)
    report = import_paths([tmp_path])
    by_name = {Path(f.name).name: f for f in report.files}
    assert by_name[BUSTER.name].status == by_name[CLEMENTE.name].status == "imported"
    assert by_name["broken.json"].status == "rejected"
    assert by_name["broken.json"].message.startswith("not JSON")
    assert "not a FHIR Bundle" in by_name["patient-alone.json"].message
    invalid_message = by_name["invalid.json"].message
    assert invalid_message.startswith("invalid FHIR") and "entry 7 (urn:uuid:" in invalid_message
    dangling_message = by_name["dangling.json"].message
    assert "unknown reference" in dangling_message and "entry 3 (urn:uuid:" in dangling_message
    assert "urn:uuid:00000000-dead-beef-0000-000000000000" in dangling_message
    assert "neither in the bundle nor imported before" in dangling_message
    assert Patient.objects.count() == 2  # the two good files; nothing from the bad ones
    lines = "\n".join(report.summary_lines())
    assert "Rejected bundle" in lines and "dangling.json" in lines


def test_command_fails_when_a_bundle_is_rejected(practice, tmp_path, capsys):
    bad = write(tmp_path, "bad.json", "nope")
    with pytest.raises(CommandError, match="1 bundle"):
        call_command("fhir", "import", str(bad), "--quiet")
    assert "not JSON" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No such file"):
        call_command("fhir", "import", str(tmp_path / "missing.json"))


def test_a_patient_that_fails_validation_rejects_the_whole_bundle(practice):
    data = load(BUSTER)
    data["entry"][0]["resource"]["birthDate"] = "2999-01-01"
    result = import_bundle_data(data, "future.json")
    assert result.status == "rejected"
    assert "entry 0" in result.message and "birth" in result.message.lower()
    assert counts()["patients.patient"] == 0 and Encounter.objects.count() == 0
    assert ExternalReference.objects.count() == 0 and User.objects.count() == 0


def test_a_failure_midway_leaves_nothing_half_imported(practice, monkeypatch):
    from django.db import DatabaseError

    from medoffice.interop.fhir.importer import run

    def explode(state, entry):
        raise DatabaseError("disk full")

    handlers = [(k, explode if k == "Immunization" else h) for k, h in run.HANDLERS]
    monkeypatch.setattr(run, "HANDLERS", handlers)
    before = counts()
    result = import_bundle_data(load(BUSTER), "buster.json")
    assert result.status == "rejected" and "disk full" in result.message
    assert counts() == before


def test_out_of_range_vitals_are_rejected_with_a_reason_and_the_rest_imports(practice):
    data = load(BUSTER)
    weight = next(
        e
        for e in data["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "29463-7"
    )
    weight["resource"]["valueQuantity"]["value"] = 950
    result = import_bundle_data(data, "heavy.json")
    assert result.status == "imported"
    rejected = [e for e in result.entries if e.outcome == "rejected"]
    assert len(rejected) == 1 and rejected[0].full_url == weight["fullUrl"]
    assert "outside the possible range" in rejected[0].reason
    assert VitalSign.objects.filter(kind="weight").count() == 2  # the other two visits


def test_units_are_converted(practice):
    data = load(BUSTER)
    observations = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    weight = next(o for o in observations if o["code"]["coding"][0]["code"] == "29463-7")
    weight["valueQuantity"] = {
        "value": 170,
        "unit": "lb",
        "system": "http://unitsofmeasure.org",
        "code": "[lb_av]",
    }
    height = next(o for o in observations if o["code"]["coding"][0]["code"] == "8302-2")
    height["valueQuantity"] = {
        "value": 70,
        "unit": "in",
        "system": "http://unitsofmeasure.org",
        "code": "[in_i]",
    }
    assert import_bundle_data(data, "us-units.json").status == "imported"
    assert VitalSign.objects.filter(kind="weight", value=Decimal("77.11")).exists()
    assert VitalSign.objects.filter(kind="height", value=Decimal("177.80")).exists()


def test_references_to_an_earlier_import_resolve(practice):
    assert import_bundle_data(load(BUSTER), "first.json").status == "imported"
    patient_id = load(BUSTER)["entry"][0]["resource"]["id"]
    follow_up = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:11111111-2222-3333-4444-555555555555",
                "resource": {
                    "resourceType": "Condition",
                    "id": "11111111-2222-3333-4444-555555555555",
                    "clinicalStatus": {"coding": [{"code": "active"}]},
                    "code": {
                        "coding": [
                            {
                                "system": "http://hl7.org/fhir/sid/icd-10-cm",
                                "code": "E119",
                                "display": "Type 2 diabetes",
                            }
                        ]
                    },
                    "subject": {"reference": f"Patient/{patient_id}"},
                    "onsetDateTime": "2020-01-01",
                },
            }
        ],
    }
    result = import_bundle_data(follow_up, "follow-up.json")
    assert result.status == "imported", result.message
    problem = Problem.objects.get(code="E119")
    assert problem.patient.family_name == "Hoeger" and problem.code_system == "ICD-10-CM"
    follow_up["entry"][0]["resource"]["subject"] = {"reference": "Patient/never-seen"}
    follow_up["entry"][0]["resource"]["id"] = "other-id"
    rejected = import_bundle_data(follow_up, "orphan.json")
    assert rejected.status == "rejected" and "Patient/never-seen" in rejected.message


def test_icd10_conditions_on_an_encounter_become_diagnoses(practice):
    data = load(CLEMENTE)
    condition = next(
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Condition"
    )
    condition["code"]["coding"].append(
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E66.9", "display": "Obesity"}
    )
    assert import_bundle_data(data, "dx.json").status == "imported"
    diagnosis = EncounterDiagnosis.objects.get()
    assert diagnosis.code == "E66.9" and diagnosis.rank == 1 and diagnosis.billable
    assert Problem.objects.filter(code_system="SNOMED").count() == 1  # and still a problem


def test_coverage_with_enough_information_becomes_payer_and_coverage(practice):
    data = load(BUSTER)
    patient_url = data["entry"][0]["fullUrl"]
    data["entry"].append(
        {
            "fullUrl": "urn:uuid:99999999-0000-0000-0000-000000000001",
            "resource": {
                "resourceType": "Coverage",
                "id": "99999999-0000-0000-0000-000000000001",
                "status": "active",
                "subscriberId": "BCX-778",
                "beneficiary": {"reference": patient_url},
                "period": {"start": "2019-01-01"},
                "payor": [{"display": "Blue Cross Test Plan"}],
            },
        }
    )
    result = import_bundle_data(data, "covered.json")
    assert result.status == "imported"
    coverage = Coverage.objects.get()
    assert coverage.member_id == "BCX-778" and coverage.payer.name == "Blue Cross Test Plan"
    assert Payer.objects.count() == 1
    reasons = {e.reason for e in result.entries if e.resource_type == "ExplanationOfBenefit"}
    assert reasons == {"payer 'private' is not an insurer MedOffice can bill"}


def test_without_a_practice_outside_facilities_are_skipped(db):
    report = import_paths([BUSTER])
    assert report.files[0].status == "imported"
    assert (
        report.reasons("skipped")[
            ("Organization", "no practice is set up yet to attach outside locations to")
        ]
        == 1
    )
    assert Encounter.objects.filter(location__isnull=True).count() == 6


def test_references_by_identifier_to_another_file_of_the_same_import(practice, tmp_path):
    """Newer Synthea writes practitioners to their own file and refers to them by NPI."""
    npi = "http://hl7.org/fhir/sid/us-npi"
    patient_bundle = load(BUSTER)
    practitioner = next(
        e for e in patient_bundle["entry"] if e["resource"]["resourceType"] == "Practitioner"
    )
    patient_bundle["entry"].remove(practitioner)
    practitioner["resource"]["identifier"] = [{"system": npi, "value": "9999949999"}]
    for entry in patient_bundle["entry"]:
        text = json.dumps(entry["resource"]).replace(
            practitioner["fullUrl"], f"Practitioner?identifier={npi}|9999949999"
        )
        entry["resource"] = json.loads(text)
    write(tmp_path, "Buster.json", patient_bundle)  # sorts before the practitioners' file
    write(
        tmp_path,
        "practitionerInformation.json",
        {"resourceType": "Bundle", "type": "batch", "entry": [practitioner]},
    )
    report = import_paths([tmp_path])
    assert [f.status for f in report.files] == ["imported", "imported"], report.summary_lines()
    provider = Encounter.objects.filter(provider__isnull=False).first().provider
    assert not provider.is_active and provider.username.startswith("ext-")
    again = import_paths([tmp_path])
    assert all(e.outcome == "skipped" for f in again.files for e in f.entries)
