from medoffice.chart.models.clinical import (
    Allergy,
    AllergySeverity,
    Immunization,
    LabResult,
    Medication,
    Problem,
    VitalKind,
    VitalSign,
)
from medoffice.chart.models.encounters import (
    ClinicalNote,
    Encounter,
    EncounterDiagnosis,
    EncounterProcedure,
    EncounterStatus,
    EncounterType,
    NoteAmendment,
    NoteStatus,
)

__all__ = [
    "Allergy",
    "AllergySeverity",
    "ClinicalNote",
    "Encounter",
    "EncounterDiagnosis",
    "EncounterProcedure",
    "EncounterStatus",
    "EncounterType",
    "Immunization",
    "LabResult",
    "Medication",
    "NoteAmendment",
    "NoteStatus",
    "Problem",
    "VitalKind",
    "VitalSign",
]
