"""Creating and updating through FHIR: Patient (through the registry's services) and Coverage.

The patients app has no coverage service yet, so the coverage writes live here: they check
access before their transaction, validate with the model's full_clean, and write + audit in
one transaction. Every function takes an already validated fhir.resources model.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from pydantic import ValidationError as PydanticValidationError

from medoffice.audit.services import audit_record
from medoffice.core.permissions import Capability, Need
from medoffice.interop.fhir.http import FhirError, require
from medoffice.interop.fhir.mappers.coverage import coverage_fields
from medoffice.interop.fhir.mappers.patient import patient_fields, version_id
from medoffice.patients.models import Coverage, Patient, PatientIdentifier, Payer
from medoffice.patients.services import patient_register, patient_update


def parse_resource(body: dict[str, Any], expected_type: str) -> Any:
    """Validate JSON against the FHIR R4 (R4B models) definition of `expected_type`; 400 if not."""
    from fhir.resources.R4B import get_fhir_model_class

    if body.get("resourceType") != expected_type:
        raise FhirError(
            400,
            f"Expected a {expected_type} resource, got {body.get('resourceType')!r}.",
            code="invalid",
        )
    try:
        return get_fhir_model_class(expected_type).model_validate(body)
    except PydanticValidationError as exc:
        raise FhirError(
            400, f"Invalid {expected_type}: {pydantic_summary(exc)}", code="structure"
        ) from None


def pydantic_summary(exc: PydanticValidationError, limit: int = 5) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "__root__")
        message = " ".join(str(error.get("msg", "")).split())
        parts.append(f"{where}: {message}" if where else message)
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def _version_instant(if_match: str) -> datetime:
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise FhirError(
            412, f"If-Match {if_match!r} is not a version of this resource.", code="conflict"
        )
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(raw))


def _lock_version(model: Any, pk: int, if_match: str | None) -> None:
    """Inside the transaction: claim the row at the version the client saw, or 412."""
    if not if_match:
        return
    seen = _version_instant(if_match)
    if not model.objects.filter(pk=pk, updated_at=seen).update(updated_at=F("updated_at")):
        raise FhirError(
            412,
            "The resource changed since you read it (If-Match does not match "
            "its current version); read it again.",
            code="conflict",
        )


def _sync_identifiers(actor: Any, patient: Patient, wanted: list[tuple[str, str, str]]) -> None:
    existing = {(i.system, i.value): i for i in patient.identifiers.all()}
    wanted_keys = {(system, value) for system, value, _ in wanted}
    for key, identifier in existing.items():
        if key not in wanted_keys:
            identifier.delete()
    for system, value, label in wanted:
        if (system, value) in existing:
            continue
        identifier = PatientIdentifier(patient=patient, system=system, value=value, label=label)
        identifier.full_clean(
            exclude=["patient"], validate_unique=False, validate_constraints=False
        )
        if PatientIdentifier.objects.filter(system=system, value=value).exists():
            raise FhirError(
                409,
                f"The identifier {system}|{value} already belongs to another patient.",
                code="duplicate",
            )
        identifier.save()
    if existing.keys() != wanted_keys:
        audit_record(
            action="update",
            actor=actor,
            object_type="patientidentifier",
            object_id=patient.pk,
            patient_id=patient.pk,
            patient_ref=patient.mrn,
            details={"count": len(wanted)},
        )


def _domain_errors(exc: Exception) -> FhirError:
    if isinstance(exc, ValidationError):
        return FhirError(422, validation_message(exc), code="business-rule")
    return FhirError(
        409,
        "The change conflicts with a record already stored (e.g. the same policy twice).",
        code="duplicate",
    )


def fhir_patient_create(*, actor: Any, resource: Any) -> Patient:
    require(actor, Capability.DEMOGRAPHICS, Need.EDIT)
    data, identifiers, ssn = patient_fields(resource)
    data["ssn"] = ssn
    try:
        with transaction.atomic():
            patient = patient_register(actor=actor, data=data)
            _sync_identifiers(actor, patient, identifiers)
    except (ValidationError, IntegrityError) as exc:
        raise _domain_errors(exc) from None
    return patient


def fhir_patient_update(
    *, actor: Any, patient_id: int, resource: Any, if_match: str | None
) -> Patient:
    require(actor, Capability.DEMOGRAPHICS, Need.EDIT)
    if resource.id is not None and resource.id != str(patient_id):
        raise FhirError(
            400, f"The resource's id {resource.id!r} is not the id in the URL.", code="invalid"
        )
    data, identifiers, ssn = patient_fields(resource)
    if ssn:
        data["ssn"] = ssn  # absent: kept (the API never shows it, so clients can't echo it)
    try:
        with transaction.atomic():
            _lock_version(Patient, patient_id, if_match)
            patient = Patient.objects.get(pk=patient_id)
            patient = patient_update(actor=actor, patient=patient, data=data)
            _sync_identifiers(actor, patient, identifiers)
    except (ValidationError, IntegrityError) as exc:
        raise _domain_errors(exc) from None
    return patient


def member_id_norm(member_id: str) -> str:
    return "".join(ch for ch in member_id.upper() if ch.isalnum())


def _coverage_columns(actor: Any, resource: Any) -> tuple[Patient, dict[str, Any]]:
    data = coverage_fields(resource)
    patient_ref = data.pop("_patient_ref")
    payer_key, payer_is_id = data.pop("_payer"), data.pop("_payer_is_id")
    patient = Patient.objects.filter(pk=int(patient_ref) if patient_ref.isdigit() else 0).first()
    if patient is None:
        raise FhirError(
            422, f"Coverage.beneficiary Patient/{patient_ref} is not known.", code="business-rule"
        )
    if payer_is_id:
        pk = payer_key.removeprefix("payer-")
        payer = Payer.objects.filter(pk=int(pk) if pk.isdigit() else 0).first()
    else:
        payer = Payer.objects.filter(name__iexact=payer_key.strip()).first() if payer_key else None
    if payer is None:
        raise FhirError(
            422,
            f"Coverage.payor {payer_key!r} is not a payer in MedOffice "
            "(Organization/payer-<id>, or a payer's exact name).",
            code="business-rule",
        )
    data["payer"] = payer
    data["member_id_norm"] = member_id_norm(data["member_id"])
    return patient, data


def _audit_coverage(action: str, actor: Any, coverage: Coverage, patient: Patient) -> None:
    audit_record(
        action=action,
        actor=actor,
        object_type="coverage",
        object_id=coverage.pk,
        patient_id=patient.pk,
        patient_ref=patient.mrn,
        details={"via": "FHIR"},
    )


def fhir_coverage_create(*, actor: Any, resource: Any) -> Coverage:
    require(actor, Capability.COVERAGE, Need.EDIT)
    patient, data = _coverage_columns(actor, resource)
    coverage = Coverage(patient=patient, **data)
    try:
        # The unique policy constraint is left to the database: a duplicate is a 409 conflict.
        coverage.full_clean(exclude=["member_id_norm"], validate_constraints=False)
        with transaction.atomic():
            coverage.save()
            _audit_coverage("create", actor, coverage, patient)
    except (ValidationError, IntegrityError) as exc:
        raise _domain_errors(exc) from None
    return coverage


def fhir_coverage_update(
    *, actor: Any, coverage_id: int, resource: Any, if_match: str | None
) -> Coverage:
    require(actor, Capability.COVERAGE, Need.EDIT)
    if resource.id is not None and resource.id != str(coverage_id):
        raise FhirError(
            400, f"The resource's id {resource.id!r} is not the id in the URL.", code="invalid"
        )
    patient, data = _coverage_columns(actor, resource)
    try:
        with transaction.atomic():
            _lock_version(Coverage, coverage_id, if_match)
            coverage = Coverage.objects.select_related("payer").get(pk=coverage_id)
            if coverage.patient_id != patient.pk:
                raise FhirError(
                    422,
                    "A coverage cannot move to another patient; create one "
                    "for that patient instead.",
                    code="business-rule",
                )
            for key, value in data.items():
                setattr(coverage, key, value)
            coverage.full_clean(exclude=["member_id_norm"], validate_constraints=False)
            coverage.save()
            _audit_coverage("update", actor, coverage, patient)
    except (ValidationError, IntegrityError) as exc:
        raise _domain_errors(exc) from None
    return coverage


__all__ = [
    "fhir_coverage_create",
    "fhir_coverage_update",
    "fhir_patient_create",
    "fhir_patient_update",
    "parse_resource",
    "version_id",
]
