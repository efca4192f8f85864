"""Coverage <-> FHIR Coverage (the subscriber, when not the patient, as a contained
RelatedPerson)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from medoffice.interop.fhir.constants import (
    COPAY_TYPE,
    COVERAGE_CLASS,
    MEMBER_ID_SYSTEM,
    SUBSCRIBER_RELATIONSHIP,
)
from medoffice.interop.fhir.http import FhirError
from medoffice.interop.fhir.mappers.common import day, drop_empty, num, ref, state_code
from medoffice.interop.fhir.mappers.directory import PAYER_PREFIX
from medoffice.interop.fhir.mappers.patient import meta
from medoffice.patients.models.coverage import SubscriberRelationship

RELATIONSHIP_TO_FHIR = {
    SubscriberRelationship.SELF: "self",
    SubscriberRelationship.SPOUSE: "spouse",
    SubscriberRelationship.CHILD: "child",
    SubscriberRelationship.OTHER: "other",
}
RELATIONSHIP_FROM_FHIR = {v: k for k, v in RELATIONSHIP_TO_FHIR.items()} | {
    "common": SubscriberRelationship.SPOUSE,
    "parent": SubscriberRelationship.OTHER,
    "injured": SubscriberRelationship.OTHER,
}
SEX_TO_GENDER = {"F": "female", "M": "male", "U": "unknown"}
GENDER_TO_SEX = {"female": "F", "male": "M", "other": "U", "unknown": "U"}


def coverage_to_fhir(coverage: Any) -> dict[str, Any]:
    relationship = RELATIONSHIP_TO_FHIR.get(coverage.relationship, "other")
    resource: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": str(coverage.pk),
        "meta": meta(coverage.updated_at),
        "identifier": [{"system": MEMBER_ID_SYSTEM, "value": coverage.member_id}],
        "status": "active",
        "subscriberId": coverage.member_id,
        "beneficiary": ref("Patient", coverage.patient_id),
        "relationship": {"coding": [{"system": SUBSCRIBER_RELATIONSHIP, "code": relationship}]},
        "period": drop_empty(
            {"start": day(coverage.effective_date), "end": day(coverage.end_date)}
        ),
        "payor": [ref("Organization", f"{PAYER_PREFIX}{coverage.payer_id}", coverage.payer.name)],
        "order": coverage.priority,
        "class": [
            c
            for c in (
                {
                    "type": {"coding": [{"system": COVERAGE_CLASS, "code": "group"}]},
                    "value": coverage.group_number,
                }
                if coverage.group_number
                else None,
                {
                    "type": {"coding": [{"system": COVERAGE_CLASS, "code": "plan"}]},
                    "value": coverage.plan_name[:100],
                    "name": coverage.plan_name,
                }
                if coverage.plan_name
                else None,
            )
            if c
        ],
        "costToBeneficiary": [
            {
                "type": {"coding": [{"system": COPAY_TYPE, "code": "copay"}]},
                "valueMoney": {"value": num(coverage.copay), "currency": "USD"},
            }
        ]
        if coverage.copay
        else [],
    }
    if coverage.relationship == SubscriberRelationship.SELF:
        resource["subscriber"] = ref("Patient", coverage.patient_id)
    else:
        resource["contained"] = [
            drop_empty(
                {
                    "resourceType": "RelatedPerson",
                    "id": "subscriber",
                    "patient": ref("Patient", coverage.patient_id),
                    "name": [
                        drop_empty(
                            {
                                "family": coverage.subscriber_family_name,
                                "given": [coverage.subscriber_given_name]
                                if coverage.subscriber_given_name
                                else [],
                            }
                        )
                    ],
                    "gender": SEX_TO_GENDER.get(coverage.subscriber_sex, ""),
                    "birthDate": day(coverage.subscriber_birth_date),
                    "address": [
                        drop_empty(
                            {
                                "line": [coverage.subscriber_address_line1]
                                if coverage.subscriber_address_line1
                                else [],
                                "city": coverage.subscriber_city,
                                "state": coverage.subscriber_state,
                                "postalCode": coverage.subscriber_postal_code,
                            }
                        )
                    ]
                    if coverage.subscriber_address_line1 or coverage.subscriber_city
                    else [],
                }
            )
        ]
        resource["subscriber"] = {"reference": "#subscriber"}
    return drop_empty(resource)


def reference_id(reference: Any, resource_type: str) -> str | None:
    """The id in a `Type/id` reference (None when it names another type or is absent)."""
    text = getattr(reference, "reference", None) or ""
    kind, _, ident = text.rpartition("/")
    if kind.rsplit("/", 1)[-1] != resource_type or not ident:
        return None
    return ident


def coverage_fields(resource: Any) -> dict[str, Any]:
    """Coverage columns, plus `_patient_ref` and `_payer` (id or name) for the writer to find."""
    beneficiary = reference_id(resource.beneficiary, "Patient")
    if beneficiary is None:
        raise FhirError(400, "Coverage.beneficiary must reference Patient/<id>.", code="invalid")
    payors = list(resource.payor or [])
    if not payors:
        raise FhirError(400, "Coverage.payor is required.", code="required")
    payor = payors[0]
    payer_ref = reference_id(payor, "Organization")
    member_id = resource.subscriberId or ""
    if not member_id:
        member_id = next(
            (
                i.value
                for i in resource.identifier or []
                if i.system == MEMBER_ID_SYSTEM and i.value
            ),
            "",
        )
    relationship_code = ""
    if resource.relationship is not None:
        relationship_code = next((c.code for c in resource.relationship.coding or [] if c.code), "")
    relationship = RELATIONSHIP_FROM_FHIR.get(relationship_code or "self")
    if relationship is None:
        raise FhirError(
            400, f"Unknown subscriber relationship {relationship_code!r}.", code="code-invalid"
        )
    period = resource.period
    group_number = plan_name = ""
    for cls in getattr(resource, "class_fhir", None) or []:
        code = next((c.code for c in cls.type.coding or [] if c.code), "")
        if code == "group":
            group_number = cls.value or ""
        elif code == "plan":
            plan_name = cls.name or cls.value or ""
    copay = Decimal("0.00")
    for cost in resource.costToBeneficiary or []:
        if cost.valueMoney is not None and cost.valueMoney.value is not None:
            try:
                copay = Decimal(str(cost.valueMoney.value)).quantize(Decimal("0.01"))
            except InvalidOperation:
                raise FhirError(
                    400, "costToBeneficiary is not an amount.", code="invalid"
                ) from None
            break
    data: dict[str, Any] = {
        "_patient_ref": beneficiary,
        "_payer": payer_ref or (payor.display or ""),
        "_payer_is_id": payer_ref is not None,
        "member_id": member_id.strip(),
        "group_number": group_number,
        "plan_name": plan_name,
        "priority": resource.order or 1,
        "relationship": relationship,
        "effective_date": _date(period.start) if period else None,
        "end_date": _date(period.end) if period else None,
        "copay": copay,
        "subscriber_family_name": "",
        "subscriber_given_name": "",
        "subscriber_birth_date": None,
        "subscriber_sex": "",
        "subscriber_address_line1": "",
        "subscriber_city": "",
        "subscriber_state": "",
        "subscriber_postal_code": "",
    }
    subscriber_ref = getattr(resource.subscriber, "reference", None) or ""
    if subscriber_ref.startswith("#"):
        person = next(
            (
                c
                for c in resource.contained or []
                if c.id == subscriber_ref[1:] and c.get_resource_type() == "RelatedPerson"
            ),
            None,
        )
        if person is None:
            raise FhirError(
                400, f"Coverage.subscriber {subscriber_ref} is not contained.", code="invalid"
            )
        name = (person.name or [None])[0]
        address = (person.address or [None])[0]
        data.update(
            subscriber_family_name=(name.family or "") if name else "",
            subscriber_given_name=((name.given or [""])[0]) if name else "",
            subscriber_birth_date=person.birthDate,
            subscriber_sex=GENDER_TO_SEX.get(person.gender or "", ""),
            subscriber_address_line1=((address.line or [""])[0]) if address else "",
            subscriber_city=(address.city or "") if address else "",
            subscriber_state=state_code(address.state) if address else "",
            subscriber_postal_code=(address.postalCode or "") if address else "",
        )
    return data


def _date(value: Any) -> date | None:
    if value is None:
        return None
    return value.date() if hasattr(value, "date") else value
