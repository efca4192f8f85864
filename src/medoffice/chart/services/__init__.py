"""Every write to the chart. Each service authorizes first (outside its transaction, so a
refusal's audit entry stays), then validates, writes and audits inside one transaction.

Modules: encounters (visits), coding (diagnoses, procedures), notes (SOAP notes, signing,
amendments), entries (problems, allergies, medications, immunizations, vitals, labs).
"""

from medoffice.chart.services.coding import (
    diagnosis_add,
    diagnosis_move,
    diagnosis_remove,
    procedure_add,
    procedure_remove,
)
from medoffice.chart.services.encounters import encounter_create, encounter_update
from medoffice.chart.services.entries import (
    allergies_none_known,
    allergy_save,
    immunization_save,
    lab_result_save,
    medication_save,
    problem_save,
    vitals_record,
)
from medoffice.chart.services.notes import note_amend, note_create, note_sign, note_update

__all__ = [
    "allergies_none_known",
    "allergy_save",
    "diagnosis_add",
    "diagnosis_move",
    "diagnosis_remove",
    "encounter_create",
    "encounter_update",
    "immunization_save",
    "lab_result_save",
    "medication_save",
    "note_amend",
    "note_create",
    "note_sign",
    "note_update",
    "problem_save",
    "procedure_add",
    "procedure_remove",
    "vitals_record",
]
