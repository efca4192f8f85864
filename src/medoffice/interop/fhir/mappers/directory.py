"""The practice's directory as FHIR: Practitioner (clinicians), Organization (the practice and
the payers), Location. None of it is patient information."""

from __future__ import annotations

from typing import Any

from medoffice.interop.fhir.constants import (
    LOCATION_CODE_SYSTEM,
    NPI_SYSTEM,
    ORGANIZATION_TYPE,
    USERNAME_SYSTEM,
)
from medoffice.interop.fhir.mappers.common import drop_empty, ref

PRACTICE_PREFIX = "practice-"
PAYER_PREFIX = "payer-"


def _address(obj: Any, line1: str = "address_line1", line2: str = "address_line2") -> list:
    lines = [v for v in (getattr(obj, line1, ""), getattr(obj, line2, "")) if v]
    address = drop_empty(
        {
            "line": lines,
            "city": obj.city,
            "state": obj.state,
            "postalCode": obj.postal_code,
            "country": "US" if lines or obj.city else "",
        }
    )
    return [address] if address else []


def practitioner_to_fhir(user: Any) -> dict[str, Any]:
    name = drop_empty(
        {
            "family": user.last_name,
            "given": [user.first_name] if user.first_name else [],
            "suffix": [user.title] if user.title else [],
            "text": user.get_full_name() or user.username,
        }
    )
    return drop_empty(
        {
            "resourceType": "Practitioner",
            "id": str(user.pk),
            "identifier": [{"system": USERNAME_SYSTEM, "value": user.username}],
            "active": user.is_active,
            "name": [name],
            "telecom": [{"system": "email", "value": user.email, "use": "work"}]
            if user.email
            else [],
        }
    )


def practice_to_fhir(practice: Any) -> dict[str, Any]:
    identifiers = []
    if practice.group_npi:
        identifiers.append({"system": NPI_SYSTEM, "value": practice.group_npi})
    return drop_empty(
        {
            "resourceType": "Organization",
            "id": f"{PRACTICE_PREFIX}{practice.pk}",
            "identifier": identifiers,
            "active": True,
            "type": [
                {
                    "coding": [
                        {
                            "system": ORGANIZATION_TYPE,
                            "code": "prov",
                            "display": "Healthcare Provider",
                        }
                    ]
                }
            ],
            "name": practice.name,
            "alias": [practice.legal_name] if practice.legal_name else [],
            "telecom": [{"system": "phone", "value": practice.phone}] if practice.phone else [],
        }
    )


def payer_to_fhir(payer: Any) -> dict[str, Any]:
    return drop_empty(
        {
            "resourceType": "Organization",
            "id": f"{PAYER_PREFIX}{payer.pk}",
            "identifier": [{"system": "urn:medoffice:payer-id", "value": payer.payer_id}]
            if payer.payer_id
            else [],
            "active": payer.is_active,
            "type": [
                {"coding": [{"system": ORGANIZATION_TYPE, "code": "pay", "display": "Payer"}]}
            ],
            "name": payer.name,
            "telecom": [{"system": "phone", "value": payer.phone}] if payer.phone else [],
            "address": _address(payer, line2=""),
        }
    )


def location_to_fhir(location: Any) -> dict[str, Any]:
    address = _address(location)
    return drop_empty(
        {
            "resourceType": "Location",
            "id": str(location.pk),
            "identifier": [{"system": LOCATION_CODE_SYSTEM, "value": location.code}],
            "status": "active" if location.is_active else "inactive",
            "name": location.name,
            "mode": "instance",
            "telecom": [{"system": "phone", "value": location.phone}] if location.phone else [],
            "address": address[0] if address else None,
            "managingOrganization": ref("Organization", f"{PRACTICE_PREFIX}{location.practice_id}"),
        }
    )
