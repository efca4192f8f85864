"""Every write to the patient registry. Each service checks access, then writes and audits
in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from medoffice.audit.services import audit_record
from medoffice.core import sequences
from medoffice.core.access import patient_access, require_capability
from medoffice.core.permissions import Capability, Need, RoleCode
from medoffice.patients import names
from medoffice.patients.models import (
    EmergencyContact,
    Guarantor,
    Patient,
    PatientAlert,
    PatientIdentifier,
    PatientStatus,
)
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


def _check_care_team(patient: Patient) -> None:
    """The primary care provider is an active clinician (the API can name any user id)."""
    if patient.primary_care_provider_id is None:
        return
    from medoffice.accounts.models import User

    is_clinician = User.objects.filter(
        pk=patient.primary_care_provider_id, is_active=True, roles__code=RoleCode.CLINICIAN
    ).exists()
    if not is_clinician:
        raise ValidationError(
            {"primary_care_provider": "Choose an active clinician as primary care provider."}
        )


def _validated(patient: Patient) -> None:
    apply_derived_fields(patient)
    if patient.status == PatientStatus.MERGED:
        raise ValidationError({"status": "Records are marked merged only by the merge tool."})
    _check_care_team(patient)
    patient.full_clean(exclude=["mrn"])


def patient_validate(*, actor: Any, data: Mapping[str, Any]) -> None:
    """Check a registration without saving it (the API does, before its duplicate check)."""
    require_capability(actor, Capability.DEMOGRAPHICS, Need.EDIT)
    _check_fields(data)
    patient = Patient(**data)
    patient.mrn = "pending"
    _validated(patient)


def patient_register(*, actor: Any, data: Mapping[str, Any]) -> Patient:
    """Create a patient with the next MRN. Raises ValidationError with field messages."""
    require_capability(actor, Capability.DEMOGRAPHICS, Need.EDIT)
    _check_fields(data)
    patient = Patient(**data)
    patient.mrn = "pending"
    _validated(patient)
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
    if patient.status == PatientStatus.MERGED:
        raise ValidationError("This record was merged into another; edit that one.")
    before = {k: getattr(patient, k) for k in data}
    for key, value in data.items():
        setattr(patient, key, value)
    _validated(patient)
    changed = sorted(k for k in data if getattr(patient, k) != before[k])
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


# --- What hangs off the registration record: alerts, contacts, guarantor, identifiers ---------


def _audit_child(action: str, actor: Any, obj: Any, patient: Patient, **details: Any) -> None:
    audit_record(
        action=action,
        actor=actor,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        patient_id=patient.pk,
        patient_ref=patient.mrn,
        details=details or None,
    )


def _changed_fields(obj: Any, data: Mapping[str, Any], allowed: frozenset[str]) -> list[str]:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(f"Not fields of this record: {', '.join(sorted(unknown))}")
    before = {k: getattr(obj, k) for k in data}
    for key, value in data.items():
        setattr(obj, key, value)
    obj.full_clean()
    return sorted(k for k in data if getattr(obj, k) != before[k])


def patient_alert_add(*, actor: Any, patient: Patient, text: str) -> PatientAlert:
    patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, patient.pk)
    alert = PatientAlert(patient=patient, text=" ".join((text or "").split()), created_by=actor)
    alert.full_clean()
    with transaction.atomic():
        alert.save()
        _audit_child("create", actor, alert, patient)
    return alert


def patient_alert_deactivate(*, actor: Any, alert: PatientAlert) -> None:
    patient = alert.patient
    patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, patient.pk)
    with transaction.atomic():
        # Conditional update: two people clearing the same alert record one change.
        if PatientAlert.objects.filter(pk=alert.pk, active=True).update(active=False):
            _audit_child("update", actor, alert, patient, fields=["active"])
    alert.active = False


CONTACT_FIELDS = frozenset({"name", "relationship", "phone", "is_primary"})


def _save_contact(contact: EmergencyContact) -> None:
    if contact.is_primary:
        # One primary contact: promoting this one demotes the others in the same transaction.
        EmergencyContact.objects.filter(patient=contact.patient, is_primary=True).exclude(
            pk=contact.pk
        ).update(is_primary=False)
    contact.save()


def emergency_contact_add(
    *, actor: Any, patient: Patient, data: Mapping[str, Any]
) -> EmergencyContact:
    patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, patient.pk)
    contact = EmergencyContact(patient=patient)
    _changed_fields(contact, data, CONTACT_FIELDS)
    with transaction.atomic():
        _save_contact(contact)
        _audit_child("create", actor, contact, patient)
    return contact


def emergency_contact_update(
    *, actor: Any, contact: EmergencyContact, data: Mapping[str, Any]
) -> EmergencyContact:
    patient = contact.patient
    patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, patient.pk)
    changed = _changed_fields(contact, data, CONTACT_FIELDS)
    with transaction.atomic():
        _save_contact(contact)
        _audit_child("update", actor, contact, patient, fields=changed)
    return contact


def emergency_contact_remove(*, actor: Any, contact: EmergencyContact) -> None:
    patient = contact.patient
    patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, patient.pk)
    with transaction.atomic():
        contact_id = contact.pk
        if EmergencyContact.objects.filter(pk=contact_id).delete()[0]:
            audit_record(
                action="delete",
                actor=actor,
                object_type="emergencycontact",
                object_id=contact_id,
                patient_id=patient.pk,
                patient_ref=patient.mrn,
            )


GUARANTOR_FIELDS = frozenset(
    {
        "relationship", "family_name", "given_name", "birth_date", "phone", "email",
        "address_line1", "address_line2", "city", "state", "postal_code",
    }
)  # fmt: skip


def guarantor_set(*, actor: Any, patient: Patient, data: Mapping[str, Any]) -> Guarantor:
    """Name the person who receives the statements (replaces the one on file)."""
    patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, patient.pk)
    guarantor = Guarantor.objects.filter(patient=patient).first() or Guarantor(patient=patient)
    is_new = guarantor.pk is None
    changed = _changed_fields(guarantor, data, GUARANTOR_FIELDS)
    with transaction.atomic():
        if is_new:
            # The one-to-one column is the guard against two people adding one at once.
            try:
                with transaction.atomic():
                    guarantor.save()
            except IntegrityError:
                raise ValidationError(
                    "Someone else just recorded a guarantor for this patient; reload the page."
                ) from None
        else:
            guarantor.save()
        _audit_child("create" if is_new else "update", actor, guarantor, patient, fields=changed)
    return guarantor


def guarantor_clear(*, actor: Any, patient: Patient) -> None:
    """The patient is their own guarantor again."""
    patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, patient.pk)
    with transaction.atomic():
        guarantor_id = (
            Guarantor.objects.filter(patient=patient).values_list("pk", flat=True).first()
        )
        if guarantor_id and Guarantor.objects.filter(pk=guarantor_id).delete()[0]:
            audit_record(
                action="delete",
                actor=actor,
                object_type="guarantor",
                object_id=guarantor_id,
                patient_id=patient.pk,
                patient_ref=patient.mrn,
            )


def identifier_add(
    *, actor: Any, patient: Patient, system: str, value: str, label: str = ""
) -> PatientIdentifier:
    """Record a number another system knows the patient by; one patient per system and value."""
    patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, patient.pk)
    identifier = PatientIdentifier(
        patient=patient, system=(system or "").strip(), value=(value or "").strip(), label=label
    )
    taken = ValidationError(
        {"value": "This identifier is already recorded for a patient in this system."}
    )
    try:
        identifier.full_clean()
    except ValidationError as exc:
        if "__all__" in exc.message_dict:
            raise taken from None
        raise
    try:
        with transaction.atomic():
            identifier.save()
            _audit_child("create", actor, identifier, patient)
    except IntegrityError:
        raise taken from None
    return identifier


def identifier_remove(*, actor: Any, identifier: PatientIdentifier) -> None:
    patient = identifier.patient
    patient_access(actor, Capability.DEMOGRAPHICS, Need.EDIT, patient.pk)
    with transaction.atomic():
        identifier_id = identifier.pk
        if PatientIdentifier.objects.filter(pk=identifier_id).delete()[0]:
            audit_record(
                action="delete",
                actor=actor,
                object_type="patientidentifier",
                object_id=identifier_id,
                patient_id=patient.pk,
                patient_ref=patient.mrn,
            )
