"""One patient's whole record as a FHIR Bundle (HIPAA right of access), plus a PDF summary.

The Bundle (type collection) holds the Patient with every identifier (the SSN too: this is
the patient's own copy), coverage, encounters and their diagnoses, the chart, document
metadata, and the practitioners, locations and organizations they refer to, so that it stands
alone. It is validated with the R4B models before it leaves, and the export is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.interop.fhir.mappers import clinical, coverage, directory, documents, observations
from medoffice.interop.fhir.mappers.patient import patient_to_fhir


class ExportRefused(Exception):
    pass


@dataclass
class PatientRecord:
    """Everything the export and the PDF show, read once."""

    patient: Any
    coverages: list[Any]
    encounters: list[Any]
    diagnoses: list[Any]
    problems: list[Any]
    allergies: list[Any]
    medications: list[Any]
    immunizations: list[Any]
    vitals: list[Any]
    labs: list[Any]
    documents: list[Any]
    practitioners: list[Any]
    locations: list[Any]
    practice: Any


def load_record(patient: Any) -> PatientRecord:
    from medoffice.accounts.models import User
    from medoffice.chart.models import EncounterDiagnosis
    from medoffice.organization.models import Location, Practice

    encounters = list(patient.encounters.select_related("provider", "location").order_by("-start"))
    provider_ids = {e.provider_id for e in encounters if e.provider_id}
    if patient.primary_care_provider_id:
        provider_ids.add(patient.primary_care_provider_id)
    return PatientRecord(
        patient=patient,
        coverages=list(patient.coverages.select_related("payer")),
        encounters=encounters,
        diagnoses=list(
            EncounterDiagnosis.objects.filter(encounter__patient=patient)
            .select_related("encounter")
            .order_by("-encounter__start", "rank")
        ),
        problems=list(patient.problems.all()),
        allergies=list(patient.allergies.all()),
        medications=list(patient.medications.all()),
        immunizations=list(patient.immunizations.all()),
        vitals=list(patient.vitals.order_by("-taken_at", "kind")),
        labs=list(patient.lab_results.order_by("-collected_at")),
        documents=list(patient.documents.all()),
        practitioners=list(User.objects.filter(pk__in=provider_ids)),
        locations=list(
            Location.objects.filter(pk__in={e.location_id for e in encounters if e.location_id})
        ),
        practice=Practice.objects.order_by("pk").first(),
    )


def base_url() -> str:
    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
    return f"https://{host.lstrip('.')}/fhir/r4/"


def record_bundle(record: PatientRecord) -> dict[str, Any]:
    practice_id = record.practice.pk if record.practice else None
    resources: list[dict[str, Any]] = [patient_to_fhir(record.patient, include_ssn=True)]
    if record.practice:
        resources.append(directory.practice_to_fhir(record.practice))
    resources += [directory.practitioner_to_fhir(u) for u in record.practitioners]
    resources += [directory.location_to_fhir(loc) for loc in record.locations]
    payers = {c.payer_id: c.payer for c in record.coverages}
    resources += [directory.payer_to_fhir(p) for p in payers.values()]
    resources += [coverage.coverage_to_fhir(c) for c in record.coverages]
    resources += [clinical.encounter_to_fhir(e, practice_id) for e in record.encounters]
    resources += [clinical.diagnosis_to_fhir(d) for d in record.diagnoses]
    resources += [clinical.problem_to_fhir(p) for p in record.problems]
    resources += [clinical.allergy_to_fhir(a) for a in record.allergies]
    resources += [clinical.medication_to_fhir(m) for m in record.medications]
    resources += [clinical.immunization_to_fhir(i) for i in record.immunizations]
    resources += [observations.vital_to_fhir(v) for v in record.vitals]
    resources += [observations.lab_to_fhir(lab) for lab in record.labs]
    base = base_url()
    resources += [
        documents.document_to_fhir(d, base.removesuffix("/fhir/r4/")) for d in record.documents
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": [
            {"fullUrl": f"{base}{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }


def validate(bundle: dict[str, Any]) -> None:
    """Raise if what we emit is not valid FHIR (a bug, never the patient's fault)."""
    import json

    from fhir.resources.R4B.bundle import Bundle

    from medoffice.interop.fhir.http import json_default

    Bundle.model_validate(json.loads(json.dumps(bundle, default=json_default)))


def export_patient(
    *, mrn: str, actor: Any, with_pdf: bool = False, with_bundle: bool = True
) -> tuple[dict, bytes | None]:
    """The patient's record (and PDF). Callers authorize first: the command line is trusted,
    the web action checks chart access."""
    from medoffice.patients.models import Patient

    patient = (
        Patient.objects.select_related("primary_care_provider").filter(mrn=mrn.strip()).first()
    )
    if patient is None:
        raise ExportRefused(f"No patient with MRN {mrn!r}.")
    record = load_record(patient)
    bundle = record_bundle(record)
    validate(bundle)
    pdf = None
    if with_pdf:
        from medoffice.interop.fhir.pdf import record_pdf

        pdf = record_pdf(record)
    audit_record(
        action="export",
        actor=actor,
        object_type="patient",
        object_id=patient.pk,
        patient_id=patient.pk,
        patient_ref=patient.mrn,
        details={
            "format": " + ".join(
                f
                for f, wanted in (("FHIR Bundle", with_bundle), ("PDF summary", with_pdf))
                if wanted
            ),
            "resources": len(bundle["entry"]),
        },
    )
    return bundle, pdf
