"""The registry's JSON API: demographics and coverage. Every call is checked against the
matrix and audited, like the pages. (No `from __future__ import annotations` here: ninja reads
the annotations.)"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from medoffice.core.access import AccessRule, api_rule
from medoffice.core.permissions import Capability, Need
from medoffice.patients import selectors, services, services_coverage
from medoffice.patients.models import Coverage, Patient

router = Router(tags=["patients"])

DEMOGRAPHICS_VIEW = AccessRule("capability", Capability.DEMOGRAPHICS)
DEMOGRAPHICS_EDIT = AccessRule("capability", Capability.DEMOGRAPHICS, Need.EDIT)
COVERAGE_VIEW = AccessRule("capability", Capability.COVERAGE)
COVERAGE_EDIT = AccessRule("capability", Capability.COVERAGE, Need.EDIT)


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class PatientOut(Schema):
    id: int
    mrn: str
    family_name: str
    given_name: str
    middle_name: str
    suffix: str
    preferred_name: str
    birth_date: date
    sex_at_birth: str
    gender_identity: str
    pronouns: str
    preferred_language: str
    interpreter_needed: bool
    race: list[str]
    ethnicity: str
    phone_mobile: str
    phone_home: str
    phone_work: str
    email: str
    preferred_contact: str
    consent_to_text: bool
    consent_to_email: bool
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    country: str
    ssn_masked: str
    ssn: str | None = None
    primary_care_provider_id: int | None
    preferred_pharmacy_id: int | None
    home_location_id: int | None
    status: str
    deceased_date: date | None
    merged_into_id: int | None
    alerts: list[str]
    created_at: datetime
    updated_at: datetime


class PatientPatch(Schema):
    """Fields to change; fields left out stay as they are."""

    family_name: str = ""
    given_name: str = ""
    middle_name: str = ""
    suffix: str = ""
    preferred_name: str = ""
    birth_date: date | None = None
    sex_at_birth: str = ""
    gender_identity: str = ""
    pronouns: str = ""
    preferred_language: str = "en"
    interpreter_needed: bool = False
    race: list[str] = []
    ethnicity: str = ""
    phone_mobile: str = ""
    phone_home: str = ""
    phone_work: str = ""
    email: str = ""
    preferred_contact: str = "phone"
    consent_to_text: bool = False
    consent_to_email: bool = False
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = "US"
    ssn: str = ""
    primary_care_provider_id: int | None = None
    preferred_pharmacy_id: int | None = None
    home_location_id: int | None = None
    status: str = "active"
    deceased_date: date | None = None


class PatientIn(PatientPatch):
    """A new patient. Last name, first name, date of birth and sex at birth are required."""

    confirm_not_duplicate: bool = False


class DuplicateOut(Schema):
    id: int
    mrn: str
    family_name: str
    given_name: str
    birth_date: date
    reasons: list[str]


class DuplicatesOut(Schema):
    detail: str
    candidates: list[DuplicateOut]


class PatientQuery(Schema):
    reveal_ssn: bool = False


class CoverageOut(Schema):
    id: int
    payer_id: int
    payer_name: str
    plan_name: str
    member_id: str
    group_number: str
    priority: int
    relationship: str
    subscriber_family_name: str
    subscriber_given_name: str
    subscriber_birth_date: date | None
    effective_date: date
    end_date: date | None
    copay: Decimal
    has_card_front: bool
    has_card_back: bool


class CoverageIn(Schema):
    payer_id: int
    member_id: str
    effective_date: date
    plan_name: str = ""
    group_number: str = ""
    priority: int = 1
    relationship: str = "18"
    subscriber_family_name: str = ""
    subscriber_given_name: str = ""
    subscriber_birth_date: date | None = None
    subscriber_sex: str = ""
    subscriber_address_line1: str = ""
    subscriber_city: str = ""
    subscriber_state: str = ""
    subscriber_postal_code: str = ""
    end_date: date | None = None
    copay: Decimal = Decimal("0.00")


def _errors(exc: ValidationError, detail: str) -> Status:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return Status(400, {"detail": detail, "errors": errors})


def _no_body(what: str) -> Status:
    return Status(400, {"detail": f"Send {what} as a JSON object.", "errors": {}})


def _patient_out(patient: Patient, ssn: str | None = None) -> dict[str, Any]:
    data = {name: getattr(patient, name) for name in PatientOut.model_fields if name != "alerts"}
    data["ssn"] = ssn
    data["alerts"] = list(patient.alerts.filter(active=True).values_list("text", flat=True))
    return data


def _coverage_out(coverage: Coverage) -> dict[str, Any]:
    data = {
        name: getattr(coverage, name)
        for name in CoverageOut.model_fields
        if name not in {"payer_name", "has_card_front", "has_card_back"}
    }
    data.update(
        payer_name=coverage.payer.name,
        has_card_front=bool(coverage.card_front),
        has_card_back=bool(coverage.card_back),
    )
    return data


@router.get(
    "/{patient_id}",
    response=PatientOut,
    summary="A patient's demographics (SSN masked; reveal_ssn=true for front desk and billing)",
)
@api_rule(DEMOGRAPHICS_VIEW)
def patient_read(request: HttpRequest, patient_id: int, q: Query[PatientQuery]) -> Any:
    patient = selectors.patient_get(
        actor=request.user, patient_id=patient_id, details={"api": True}
    )
    ssn = None
    if q.reveal_ssn:
        ssn = selectors.patient_ssn_reveal(actor=request.user, patient_id=patient_id)
    return _patient_out(patient, ssn)


@router.post(
    "/",
    response={201: PatientOut, 400: ErrorOut, 409: DuplicatesOut},
    summary="Register a patient (409 lists possible duplicates unless confirm_not_duplicate)",
)
@api_rule(DEMOGRAPHICS_EDIT)
def patient_create(request: HttpRequest, payload: PatientIn | None = None) -> Any:
    if payload is None:
        return _no_body("the patient")
    data = payload.dict(exclude_unset=True)
    confirmed = data.pop("confirm_not_duplicate", False)
    try:
        services.patient_validate(actor=request.user, data=data)
    except ValidationError as exc:
        return _errors(exc, "The patient was not registered.")
    if not confirmed:
        found = selectors.registration_duplicates(actor=request.user, data=data)
        if found:
            return Status(
                409,
                {
                    "detail": "This patient may already be registered. Check the candidates; "
                    "send confirm_not_duplicate: true to register anyway.",
                    "candidates": [
                        {
                            "id": d.patient.pk,
                            "mrn": d.patient.mrn,
                            "family_name": d.patient.family_name,
                            "given_name": d.patient.given_name,
                            "birth_date": d.patient.birth_date,
                            "reasons": list(d.reasons),
                        }
                        for d in found
                    ],
                },
            )
    try:
        patient = services.patient_register(actor=request.user, data=data)
    except ValidationError as exc:
        return _errors(exc, "The patient was not registered.")
    return Status(201, _patient_out(patient))


@router.patch(
    "/{patient_id}",
    response={200: PatientOut, 400: ErrorOut},
    summary="Change some of a patient's demographics",
)
@api_rule(DEMOGRAPHICS_EDIT)
def patient_change(
    request: HttpRequest, patient_id: int, payload: PatientPatch | None = None
) -> Any:
    if payload is None:
        return _no_body("the fields to change")
    patient = selectors.patient_get(
        actor=request.user, patient_id=patient_id, details={"api": True}
    )
    try:
        services.patient_update(
            actor=request.user, patient=patient, data=payload.dict(exclude_unset=True)
        )
    except ValidationError as exc:
        return _errors(exc, "Nothing was changed.")
    return Status(200, _patient_out(patient))


@router.get(
    "/{patient_id}/coverages",
    response=list[CoverageOut],
    summary="A patient's insurance coverage, primary first",
)
@api_rule(COVERAGE_VIEW)
def coverage_list(request: HttpRequest, patient_id: int) -> Any:
    coverages = selectors.coverages_for(actor=request.user, patient_id=patient_id)
    return [_coverage_out(c) for c in coverages]


@router.post(
    "/{patient_id}/coverages",
    response={201: CoverageOut, 400: ErrorOut},
    summary="Add a coverage (card images are uploaded on the page)",
)
@api_rule(COVERAGE_EDIT)
def coverage_add(request: HttpRequest, patient_id: int, payload: CoverageIn | None = None) -> Any:
    if payload is None:
        return _no_body("the coverage")
    patient = selectors.patient_get(
        actor=request.user,
        patient_id=patient_id,
        capability=Capability.COVERAGE,
        details={"api": True},
    )
    try:
        coverage = services_coverage.coverage_create(
            actor=request.user, patient=patient, data=payload.dict()
        )
    except ValidationError as exc:
        return _errors(exc, "The coverage was not added.")
    return Status(201, _coverage_out(coverage))
