"""Every write to the patient registry. Each service checks access, then writes and audits
in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from medoffice.audit.services import audit_record
from medoffice.core import sequences
from medoffice.core.access import patient_access, require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.patients import names
from medoffice.patients.models import Patient
from medoffice.patients.search_index import index_names

MRN_SEQUENCE = "mrn"
# Chart numbers start at 100001 so they are always six digits plus a check digit.
MRN_START = 100_000

# Fields a registration form may set; derived columns (normalized names, MRN) are not among them.
REGISTRATION_FIELDS = frozenset(
    {
        "family_name", "given_name", "middle_name", "suffix", "preferred_name", "birth_date",
        "sex_at_birth", "gender_identity", "pronouns", "preferred_language", "interpreter_needed",
        "race", "ethnicity", "phone_mobile", "phone_home", "phone_work", "email", "preferred_contact",
        "consent_to_text", "consent_to_email", "address_line1", "address_line2", "city", "state",
        "postal_code", "country", "ssn", "primary_care_provider", "primary_care_provider_id",
        "preferred_pharmacy", "preferred_pharmacy_id", "home_location", "home_location_id", "status",
        "deceased_date",
    }
)  # fmt: skip


def mrn_from_number(number: int) -> str:
    digits = str(number)
    return digits + sequences.luhn_check_digit(digits)


def new_mrns(count: int) -> list[str]:
    return [mrn_from_number(n) for n in sequences.reserve(MRN_SEQUENCE, count, start=MRN_START)]


def apply_derived_fields(patient: Patient) -> None:
    """Fill the search columns from what was typed (names, phones, SSN's last four)."""
    patient.family_norm = names.fold(patient.family_name)
    patient.given_norm = names.fold(patient.given_name)
    patient.family_phonetic = names.phonetic(patient.family_name)
    patient.given_phonetic = names.phonetic(patient.given_name)
    patient.phone_digits = names.phone_digits(
        patient.phone_mobile or patient.phone_home or patient.phone_work
    )
    ssn_digits = "".join(ch for ch in (patient.ssn or "") if ch.isdigit())
    if patient.ssn and len(ssn_digits) != 9:
        raise ValidationError({"ssn": "A Social Security number has nine digits."})
    patient.ssn = f"{ssn_digits[:3]}-{ssn_digits[3:5]}-{ssn_digits[5:]}" if ssn_digits else ""
    patient.ssn_last4 = ssn_digits[-4:] if ssn_digits else ""
    for field in ("family_name", "given_name", "middle_name", "preferred_name"):
        setattr(patient, field, " ".join(str(getattr(patient, field) or "").split()))


def _check_fields(data: Mapping[str, Any]) -> None:
    unknown = set(data) - REGISTRATION_FIELDS
    if unknown:
        raise ValidationError(f"Not registration fields: {', '.join(sorted(unknown))}")


def patient_register(*, actor: Any, data: Mapping[str, Any]) -> Patient:
    """Create a patient with the next MRN. Raises ValidationError with field messages."""
    require_capability(actor, Capability.DEMOGRAPHICS, Need.EDIT)
    _check_fields(data)
    patient = Patient(**data)
    apply_derived_fields(patient)
    patient.mrn = "pending"
    patient.full_clean(exclude=["mrn"])
    with transaction.atomic():
        patient.mrn = new_mrns(1)[0]
        patient.save()
        index_names([patient.family_norm, patient.given_norm])
        audit_record(
            action="create",
            actor=actor,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            patient_ref=patient.mrn,
        )
    return patient


def patient_update(*, actor: Any, patient: Patient, data: Mapping[str, Any]) -> Patient:
    """Change registration fields; the audit entry names the fields that changed (not values)."""
    patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, patient.pk)
    _check_fields(data)
    changed = sorted(k for k, v in data.items() if getattr(patient, k) != v)
    for key, value in data.items():
        setattr(patient, key, value)
    apply_derived_fields(patient)
    patient.full_clean(exclude=["mrn"])
    with transaction.atomic():
        patient.save()
        index_names([patient.family_norm, patient.given_norm])
        audit_record(
            action="update",
            actor=actor,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            patient_ref=patient.mrn,
            details={"fields": changed},
        )
    return patient
