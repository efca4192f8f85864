"""Creating and updating through FHIR: Patient and Coverage, through the registry's services
(patients.services, patients.services_coverage), which validate, write and audit.

What this module adds: the FHIR mapping, the role check before any transaction (emergency
access never applies to the API), If-Match version checks, the patient's identifiers from
other systems, and the FHIR status codes (400, 409, 412, 422). Every function takes an
already validated fhir.resources model.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from pydantic import ValidationError as PydanticValidationError

from medoffice.core.permissions import Capability, Need
from medoffice.interop.fhir.http import FhirError, require
from medoffice.interop.fhir.mappers.coverage import coverage_fields
from medoffice.interop.fhir.mappers.patient import patient_fields, version_id
from medoffice.patients.models import Coverage, Patient, PatientIdentifier, Payer
from medoffice.patients.services import (
    identifier_add,
    identifier_remove,
    patient_register,
    patient_update,
)
from medoffice.patients.services_coverage import coverage_create, coverage_update


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
    """Make the patient's other-system identifiers those of the resource (registry services)."""
    existing = {(i.system, i.value): i for i in patient.identifiers.all()}
    wanted_keys = {(system, value) for system, value, _ in wanted}
    for key, identifier in existing.items():
        if key not in wanted_keys:
            identifier_remove(actor=actor, identifier=identifier)
    for system, value, label in wanted:
        if (system, value) in existing:
            continue
        if PatientIdentifier.objects.filter(system=system, value=value).exists():
            raise FhirError(
                409,
                f"The identifier {system}|{value} already belongs to another patient.",
                code="duplicate",
            )
        identifier_add(actor=actor, patient=patient, system=system, value=value, label=label)


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
    return patient, data


def _refuse_duplicate_policy(patient: Patient, data: dict[str, Any], exclude: int | None) -> None:
    same = Coverage.objects.filter(
        patient=patient,
        payer=data["payer"],
        member_id=" ".join(data["member_id"].split()),
        effective_date=data["effective_date"],
    )
    if data["effective_date"] and same.exclude(pk=exclude).exists():
        raise FhirError(
            409, "This policy (payer, member id, start date) is already on file.", code="duplicate"
        )


# The registry's coverage services (patients.services_coverage) do the writing: validation,
# the one-coverage-per-priority rule and the audit entry are theirs.


def fhir_coverage_create(*, actor: Any, resource: Any) -> Coverage:
    require(actor, Capability.COVERAGE, Need.EDIT)
    patient, data = _coverage_columns(actor, resource)
    _refuse_duplicate_policy(patient, data, None)
    try:
        return coverage_create(actor=actor, patient=patient, data=data)
    except (ValidationError, IntegrityError) as exc:
        raise _domain_errors(exc) from None


def fhir_coverage_update(
    *, actor: Any, coverage_id: int, resource: Any, if_match: str | None
) -> Coverage:
    require(actor, Capability.COVERAGE, Need.EDIT)
    if resource.id is not None and resource.id != str(coverage_id):
        raise FhirError(
            400, f"The resource's id {resource.id!r} is not the id in the URL.", code="invalid"
        )
    patient, data = _coverage_columns(actor, resource)
    _refuse_duplicate_policy(patient, data, coverage_id)
    try:
        with transaction.atomic():
            _lock_version(Coverage, coverage_id, if_match)
            coverage = Coverage.objects.select_related("payer", "patient").get(pk=coverage_id)
            if coverage.patient_id != patient.pk:
                raise FhirError(
                    422,
                    "A coverage cannot move to another patient; create one "
                    "for that patient instead.",
                    code="business-rule",
                )
            return coverage_update(actor=actor, coverage=coverage, data=data)
    except (ValidationError, IntegrityError) as exc:
        raise _domain_errors(exc) from None


__all__ = [
    "fhir_coverage_create",
    "fhir_coverage_update",
    "fhir_patient_create",
    "fhir_patient_update",
    "parse_resource",
    "version_id",
]
