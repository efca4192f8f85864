from medoffice.patients.models.coverage import (
    Coverage,
    MedicareSecondaryType,
    Payer,
    SubscriberRelationship,
)
from medoffice.patients.models.documents import Consent, ConsentKind, Document, DocumentCategory
from medoffice.patients.models.patient import (
    EmergencyContact,
    Guarantor,
    Patient,
    PatientAlert,
    PatientIdentifier,
    PatientStatus,
    Pharmacy,
)
from medoffice.patients.models.search import (
    DuplicateDismissal,
    MergeStatus,
    NameVariant,
    PatientMerge,
)

__all__ = [
    "Consent",
    "ConsentKind",
    "Coverage",
    "Document",
    "DocumentCategory",
    "DuplicateDismissal",
    "EmergencyContact",
    "Guarantor",
    "MedicareSecondaryType",
    "MergeStatus",
    "NameVariant",
    "Patient",
    "PatientAlert",
    "PatientIdentifier",
    "PatientMerge",
    "PatientStatus",
    "Payer",
    "Pharmacy",
    "SubscriberRelationship",
]
