"""A small practice with one patient's whole record, for the FHIR tests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

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
from medoffice.patients.models import Coverage, Document, Patient, PatientIdentifier, Payer
from medoffice.patients.services import apply_derived_fields, new_mrns
from medoffice.testing.factories import LocationFactory, UserFactory

TZ = ZoneInfo("America/New_York")


def make_patient(family: str = "Smith", given: str = "Anna", **fields: Any) -> Patient:
    values: dict[str, Any] = {
        "family_name": family,
        "given_name": given,
        "birth_date": date(1980, 3, 4),
        "sex_at_birth": "F",
        "phone_mobile": "518-555-0142",
        "address_line1": "1 Main St",
        "city": "Albany",
        "state": "NY",
        "postal_code": "12207",
        "race": ["2106-3"],
        "ethnicity": "2186-5",
    }
    values.update(fields)
    patient = Patient(**values)
    apply_derived_fields(patient)
    patient.mrn = new_mrns(1)[0]
    patient.save()
    return patient


def make_record(patient: Patient | None = None) -> dict[str, Any]:
    """A patient with coverage, an encounter with a diagnosis, and one of each chart item."""
    patient = patient or make_patient()
    PatientIdentifier.objects.create(
        patient=patient, system="urn:other-ehr", value="X-77", label="Other EHR"
    )
    clinician = UserFactory(
        username="dr-who", first_name="Jane", last_name="Who", roles=["clinician"], title="MD"
    )
    location = LocationFactory(name="Main clinic", code="main")
    payer = Payer.objects.create(name="Acme Health", payer_id="ACME1")
    coverage = Coverage.objects.create(
        patient=patient,
        payer=payer,
        member_id="M123",
        member_id_norm="M123",
        group_number="G9",
        plan_name="Gold",
        effective_date=date(2024, 1, 1),
        copay=Decimal("25.00"),
    )
    encounter = Encounter.objects.create(
        patient=patient,
        location=location,
        provider=clinician,
        type="office",
        reason="Cough",
        start=datetime(2025, 2, 3, 9, 30, tzinfo=TZ),
        end=datetime(2025, 2, 3, 9, 50, tzinfo=TZ),
        status="finished",
    )
    diagnosis = EncounterDiagnosis.objects.create(
        encounter=encounter,
        code="J20.9",
        description="Acute bronchitis, unspecified",
        rank=1,
        billable=True,
    )
    problem = Problem.objects.create(
        patient=patient,
        code_system="SNOMED",
        code="38341003",
        description="Hypertension",
        onset_date=date(2020, 5, 1),
    )
    allergy = Allergy.objects.create(
        patient=patient,
        substance="Penicillin",
        reaction="Hives",
        severity="moderate",
        recorded_date=date(2019, 1, 2),
    )
    medication = Medication.objects.create(
        patient=patient,
        name="Lisinopril 10 mg tablet",
        rxnorm="314076",
        dose="10 mg",
        frequency="daily",
        start_date=date(2020, 5, 1),
    )
    immunization = Immunization.objects.create(
        patient=patient, vaccine="Influenza", cvx="140", administered_on=date(2024, 10, 1)
    )
    taken = datetime(2025, 2, 3, 9, 35, tzinfo=TZ)
    weight = VitalSign.objects.create(
        patient=patient,
        encounter=encounter,
        kind="weight",
        value=Decimal("70.50"),
        unit="kg",
        taken_at=taken,
    )
    systolic = VitalSign.objects.create(
        patient=patient,
        encounter=encounter,
        kind="sbp",
        value=Decimal("128"),
        unit="mm[Hg]",
        taken_at=taken,
    )
    lab = LabResult.objects.create(
        patient=patient,
        encounter=encounter,
        test_name="Hemoglobin",
        loinc="718-7",
        value="11.2",
        value_numeric=Decimal("11.2"),
        unit="g/dL",
        reference_low=Decimal("12"),
        reference_high=Decimal("16"),
        flag="L",
        collected_at=taken,
    )
    document = Document.objects.create(
        patient=patient,
        category="insurance",
        title="Insurance card",
        document_date=date(2025, 1, 5),
        file="documents/x.pdf",
        content_type="application/pdf",
        size=1234,
        sha256="0" * 64,
        original_name="card.pdf",
        uploaded_by=clinician,
    )
    lab_report = Document.objects.create(
        patient=patient,
        category="lab",
        title="Outside lab report",
        document_date=date(2025, 1, 6),
        file="documents/y.pdf",
        content_type="application/pdf",
        size=99,
        sha256="1" * 64,
        original_name="lab.pdf",
        uploaded_by=clinician,
    )
    return locals()
