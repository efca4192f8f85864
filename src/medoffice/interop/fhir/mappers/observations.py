"""Vital signs and lab results as FHIR Observations (LOINC codes, UCUM units)."""

from __future__ import annotations

from typing import Any

from medoffice.chart.models.clinical import VITAL_UNITS
from medoffice.interop.fhir.constants import (
    LOINC,
    OBSERVATION_CATEGORY,
    UCUM,
    V3_INTERPRETATION,
)
from medoffice.interop.fhir.mappers.common import concept, drop_empty, instant, num, ref

VITAL_PREFIX = "vital-"
LAB_PREFIX = "lab-"
INTERPRETATION_DISPLAY = {
    "N": "Normal",
    "L": "Low",
    "H": "High",
    "LL": "Critical low",
    "HH": "Critical high",
    "A": "Abnormal",
}


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code, "display": display}]}]


def vital_to_fhir(vital: Any) -> dict[str, Any]:
    unit, _, _, loinc = VITAL_UNITS[vital.kind]
    label = vital.get_kind_display()
    return drop_empty(
        {
            "resourceType": "Observation",
            "id": f"{VITAL_PREFIX}{vital.pk}",
            "status": "final",
            "category": _category("vital-signs", "Vital Signs"),
            "code": concept(label, LOINC, loinc),
            "subject": ref("Patient", vital.patient_id),
            "encounter": ref("Encounter", vital.encounter_id) if vital.encounter_id else None,
            "effectiveDateTime": instant(vital.taken_at),
            "valueQuantity": {
                "value": num(vital.value),
                "unit": unit,
                "system": UCUM,
                "code": unit,
            },
        }
    )


def lab_to_fhir(lab: Any) -> dict[str, Any]:
    value: dict[str, Any] = {}
    if lab.value_numeric is not None:
        quantity = {"value": num(lab.value_numeric)}
        if lab.unit:
            quantity |= {"unit": lab.unit, "system": UCUM, "code": lab.unit}
        value["valueQuantity"] = quantity
    elif lab.value:
        value["valueString"] = lab.value
    reference_range = drop_empty(
        {
            "low": {"value": num(lab.reference_low)} | ({"unit": lab.unit} if lab.unit else {})
            if lab.reference_low is not None
            else None,
            "high": {"value": num(lab.reference_high)} | ({"unit": lab.unit} if lab.unit else {})
            if lab.reference_high is not None
            else None,
            "text": lab.reference_text,
        }
    )
    return drop_empty(
        {
            "resourceType": "Observation",
            "id": f"{LAB_PREFIX}{lab.pk}",
            "meta": {"lastUpdated": instant(lab.updated_at)},
            "status": "final",
            "category": _category("laboratory", "Laboratory"),
            "code": concept(lab.test_name, LOINC if lab.loinc else "", lab.loinc),
            "subject": ref("Patient", lab.patient_id),
            "encounter": ref("Encounter", lab.encounter_id) if lab.encounter_id else None,
            "effectiveDateTime": instant(lab.collected_at),
            "issued": instant(lab.resulted_at),
            "performer": [{"display": lab.performing_lab}] if lab.performing_lab else [],
            **value,
            "interpretation": [
                {
                    "coding": [
                        {
                            "system": V3_INTERPRETATION,
                            "code": lab.flag,
                            "display": INTERPRETATION_DISPLAY.get(lab.flag, lab.flag),
                        }
                    ]
                }
            ]
            if lab.flag
            else [],
            "referenceRange": [reference_range] if reference_range else [],
        }
    )
