"""The chart as FHIR: Encounter, Condition, AllergyIntolerance, MedicationStatement,
Immunization."""

from __future__ import annotations

from typing import Any

from medoffice.interop.fhir.constants import (
    ALLERGY_CLINICAL,
    ALLERGY_VERIFICATION,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    CVX,
    ICD10CM,
    RXNORM,
    SNOMED,
    V3_ACT_CODE,
)
from medoffice.interop.fhir.mappers.common import concept, day, drop_empty, instant, ref
from medoffice.interop.fhir.mappers.directory import PRACTICE_PREFIX
from medoffice.interop.fhir.mappers.patient import meta

DIAGNOSIS_PREFIX = "dx-"
PROBLEM_PREFIX = "problem-"
ENCOUNTER_CLASS = {
    "telehealth": ("VR", "virtual"),
    "urgent": ("AMB", "ambulatory"),
}
PROBLEM_SYSTEMS = {"SNOMED": SNOMED, "ICD-10-CM": ICD10CM, "text": ""}


def encounter_to_fhir(encounter: Any, practice_id: int | None = None) -> dict[str, Any]:
    class_code, class_display = ENCOUNTER_CLASS.get(encounter.type, ("AMB", "ambulatory"))
    return drop_empty(
        {
            "resourceType": "Encounter",
            "id": str(encounter.pk),
            "meta": meta(encounter.updated_at),
            "status": encounter.status,
            "class": {"system": V3_ACT_CODE, "code": class_code, "display": class_display},
            "type": [{"text": encounter.get_type_display()}],
            "subject": ref("Patient", encounter.patient_id),
            "participant": [{"individual": ref("Practitioner", encounter.provider_id)}]
            if encounter.provider_id
            else [],
            "period": drop_empty(
                {"start": instant(encounter.start), "end": instant(encounter.end)}
            ),
            "reasonCode": [{"text": encounter.reason}] if encounter.reason else [],
            "location": [{"location": ref("Location", encounter.location_id)}]
            if encounter.location_id
            else [],
            "serviceProvider": ref("Organization", f"{PRACTICE_PREFIX}{practice_id}")
            if practice_id
            else None,
        }
    )


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": CONDITION_CATEGORY, "code": code, "display": display}]}]


def diagnosis_to_fhir(diagnosis: Any) -> dict[str, Any]:
    encounter = diagnosis.encounter
    return {
        "resourceType": "Condition",
        "id": f"{DIAGNOSIS_PREFIX}{diagnosis.pk}",
        "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
        "category": _category("encounter-diagnosis", "Encounter Diagnosis"),
        "code": concept(diagnosis.description, ICD10CM, diagnosis.code),
        "subject": ref("Patient", encounter.patient_id),
        "encounter": ref("Encounter", encounter.pk),
        "recordedDate": instant(encounter.start),
        "extension": [
            {
                "url": "urn:medoffice:fhir:diagnosis-rank",
                "valuePositiveInt": diagnosis.rank,
            }
        ],
    }


def problem_to_fhir(problem: Any) -> dict[str, Any]:
    system = PROBLEM_SYSTEMS.get(problem.code_system, "")
    return drop_empty(
        {
            "resourceType": "Condition",
            "id": f"{PROBLEM_PREFIX}{problem.pk}",
            "meta": meta(problem.updated_at),
            "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": problem.status}]},
            "verificationStatus": {
                "coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]
            },
            "category": _category("problem-list-item", "Problem List Item"),
            "code": concept(problem.description, system, problem.code if system else ""),
            "subject": ref("Patient", problem.patient_id),
            "onsetDateTime": day(problem.onset_date),
            "abatementDateTime": day(problem.resolved_date),
            "recordedDate": instant(problem.created_at),
        }
    )


def allergy_to_fhir(allergy: Any) -> dict[str, Any]:
    reaction = []
    if allergy.reaction:
        reaction = [
            drop_empty(
                {"manifestation": [{"text": allergy.reaction}], "severity": allergy.severity}
            )
        ]
    return drop_empty(
        {
            "resourceType": "AllergyIntolerance",
            "id": str(allergy.pk),
            "meta": meta(allergy.updated_at),
            "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": allergy.status}]},
            "verificationStatus": {
                "coding": [{"system": ALLERGY_VERIFICATION, "code": "confirmed"}]
            },
            "criticality": "high" if allergy.severity == "severe" else None,
            # The code's system is not recorded (RxNorm or SNOMED): keep it as text only.
            "code": {"text": allergy.substance}
            | (
                {"coding": [{"code": allergy.code, "display": allergy.substance}]}
                if allergy.code
                else {}
            ),
            "patient": ref("Patient", allergy.patient_id),
            "recordedDate": day(allergy.recorded_date),
            "reaction": reaction,
        }
    )


def medication_to_fhir(medication: Any) -> dict[str, Any]:
    dosage_text = " ".join(
        p for p in (medication.dose, medication.route, medication.frequency) if p
    )
    return drop_empty(
        {
            "resourceType": "MedicationStatement",
            "id": str(medication.pk),
            "meta": meta(medication.updated_at),
            "status": medication.status,
            "medicationCodeableConcept": concept(medication.name, RXNORM, medication.rxnorm),
            "subject": ref("Patient", medication.patient_id),
            "effectivePeriod": drop_empty(
                {"start": day(medication.start_date), "end": day(medication.stop_date)}
            ),
            "dateAsserted": instant(medication.created_at),
            "dosage": [
                drop_empty(
                    {
                        "text": dosage_text,
                        "route": {"text": medication.route} if medication.route else None,
                    }
                )
            ]
            if dosage_text
            else [],
            "note": [{"text": f"Prescriber: {medication.prescriber}"}]
            if medication.prescriber
            else [],
        }
    )


def immunization_to_fhir(immunization: Any) -> dict[str, Any]:
    return drop_empty(
        {
            "resourceType": "Immunization",
            "id": str(immunization.pk),
            "meta": meta(immunization.updated_at),
            "status": immunization.status,
            "vaccineCode": concept(immunization.vaccine, CVX, immunization.cvx),
            "patient": ref("Patient", immunization.patient_id),
            "occurrenceDateTime": day(immunization.administered_on),
            "primarySource": True,
            "lotNumber": immunization.lot_number,
            "site": {"text": immunization.site} if immunization.site else None,
        }
    )
