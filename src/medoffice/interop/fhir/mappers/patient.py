"""Patient <-> FHIR Patient (US Core race, ethnicity and birth sex extensions)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from medoffice.interop.fhir.constants import (
    LANGUAGE,
    MRN_SYSTEM,
    OMB_RACE_ETHNICITY,
    SSN_SYSTEM,
    US_CORE_BIRTHSEX,
    US_CORE_ETHNICITY,
    US_CORE_RACE,
    V2_0203,
)
from medoffice.interop.fhir.http import FhirError
from medoffice.interop.fhir.mappers.common import country_code, day, drop_empty, ref, state_code
from medoffice.patients.models import Patient
from medoffice.patients.models.patient import RACE_CHOICES, Ethnicity, PatientStatus

SEX_TO_GENDER = {"F": "female", "M": "male", "U": "unknown"}
GENDER_TO_SEX = {"female": "F", "male": "M", "other": "U", "unknown": "U"}
BIRTHSEX_TO_SEX = {"F": "F", "M": "M", "UNK": "U"}
RACE_LABELS = dict(RACE_CHOICES)
ETHNICITY_LABELS = {e.value: e.label for e in Ethnicity if e.value}
OMB_CODES = {code for code in RACE_LABELS if code != "declined"}


def version_id(updated_at: datetime | None) -> str:
    """A version id that changes with every save (microseconds of the last change)."""
    return str(int(updated_at.timestamp() * 1_000_000)) if updated_at else "1"


def meta(updated_at: datetime | None) -> dict[str, str]:
    if updated_at is None:
        return {}
    return {"versionId": version_id(updated_at), "lastUpdated": updated_at.isoformat()}


def _omb_extension(url: str, codes: list[str], labels: dict[str, str]) -> dict[str, Any] | None:
    codes = [c for c in codes if c in labels and c != "declined"]
    if not codes:
        return None
    parts: list[dict[str, Any]] = [
        {
            "url": "ombCategory",
            "valueCoding": {"system": OMB_RACE_ETHNICITY, "code": c, "display": labels[c]},
        }
        for c in codes
    ]
    parts.append({"url": "text", "valueString": ", ".join(labels[c] for c in codes)})
    return {"url": url, "extension": parts}


def patient_to_fhir(patient: Patient, *, include_ssn: bool = False) -> dict[str, Any]:
    """The FHIR Patient. The SSN is left out of API answers (minimum necessary); the patient's
    own export (right of access) includes it."""
    identifiers: list[dict[str, Any]] = [
        {
            "use": "usual",
            "type": {"coding": [{"system": V2_0203, "code": "MR"}], "text": "MRN"},
            "system": MRN_SYSTEM,
            "value": patient.mrn,
        }
    ]
    for other in patient.identifiers.all():
        identifiers.append(
            drop_empty(
                {
                    "system": other.system,
                    "value": other.value,
                    "type": {"text": other.label} if other.label else None,
                }
            )
        )
    if include_ssn and patient.ssn:
        identifiers.append(
            {
                "type": {"coding": [{"system": V2_0203, "code": "SS"}]},
                "system": SSN_SYSTEM,
                "value": patient.ssn,
            }
        )
    given = [patient.given_name] + ([patient.middle_name] if patient.middle_name else [])
    names: list[dict[str, Any]] = [
        drop_empty(
            {
                "use": "official",
                "family": patient.family_name,
                "given": given,
                "suffix": [patient.suffix] if patient.suffix else None,
            }
        )
    ]
    if patient.preferred_name:
        names.append({"use": "nickname", "given": [patient.preferred_name]})
    telecom = [
        {"system": "phone", "value": value, "use": use}
        for value, use in (
            (patient.phone_mobile, "mobile"),
            (patient.phone_home, "home"),
            (patient.phone_work, "work"),
        )
        if value
    ]
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    address = drop_empty(
        {
            "use": "home",
            "line": [line for line in (patient.address_line1, patient.address_line2) if line],
            "city": patient.city,
            "state": patient.state,
            "postalCode": patient.postal_code,
            "country": patient.country if patient.address_line1 or patient.city else "",
        }
    )
    extensions = [
        e
        for e in (
            _omb_extension(US_CORE_RACE, list(patient.race or []), RACE_LABELS),
            _omb_extension(US_CORE_ETHNICITY, [patient.ethnicity], ETHNICITY_LABELS),
            {
                "url": US_CORE_BIRTHSEX,
                "valueCode": {"F": "F", "M": "M"}.get(patient.sex_at_birth, "UNK"),
            },
        )
        if e
    ]
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": meta(patient.updated_at),
        "extension": extensions,
        "identifier": identifiers,
        "active": patient.status == PatientStatus.ACTIVE,
        "name": names,
        "telecom": telecom,
        "gender": SEX_TO_GENDER.get(patient.sex_at_birth, "unknown"),
        "birthDate": day(patient.birth_date),
        "address": [address] if len(address) > 2 else [],
        "communication": [
            {
                "language": {"coding": [{"system": LANGUAGE, "code": patient.preferred_language}]},
                "preferred": True,
            }
        ]
        if patient.preferred_language
        else [],
        "generalPractitioner": [ref("Practitioner", patient.primary_care_provider_id)]
        if patient.primary_care_provider_id
        else [],
    }
    if patient.deceased_date:
        resource["deceasedDateTime"] = patient.deceased_date.isoformat()
    elif patient.status == PatientStatus.DECEASED:
        resource["deceasedBoolean"] = True
    if patient.merged_into_id:
        resource["link"] = [
            {"other": ref("Patient", patient.merged_into_id), "type": "replaced-by"}
        ]
    return drop_empty(resource)


# --- FHIR -> registration fields -------------------------------------------------------------


def _extension(resource: Any, url: str) -> Any:
    for ext in getattr(resource, "extension", None) or []:
        if ext.url == url:
            return ext
    return None


def _omb_codes(resource: Any, url: str) -> list[str]:
    ext = _extension(resource, url)
    if ext is None:
        return []
    return [
        part.valueCoding.code
        for part in ext.extension or []
        if part.url == "ombCategory" and part.valueCoding is not None
    ]


def _language(resource: Any) -> str:
    communications = list(resource.communication or [])
    communications.sort(key=lambda c: not c.preferred)
    for communication in communications:
        for coding in communication.language.coding or []:
            if coding.code:
                return coding.code.split("-")[0].lower()[:35]
    return "en"


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def patient_fields(resource: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]], str]:
    """Registration fields, other identifiers (system, value, label) and the SSN."""
    names = list(resource.name or [])
    official = next((n for n in names if n.use == "official"), names[0] if names else None)
    nickname = next(
        (n for n in names if n.use in {"nickname", "usual"} and n is not official), None
    )
    given = list(official.given or []) if official else []
    gender = resource.gender or "unknown"
    if gender not in GENDER_TO_SEX:
        raise FhirError(
            400, f"Patient.gender {gender!r} is not an administrative gender code.", code="invalid"
        )
    sex = GENDER_TO_SEX[gender]
    birthsex = _extension(resource, US_CORE_BIRTHSEX)
    if birthsex is not None and birthsex.valueCode in BIRTHSEX_TO_SEX:
        sex = BIRTHSEX_TO_SEX[birthsex.valueCode]
    phones: dict[str, str] = {}
    email = ""
    for contact in resource.telecom or []:
        if contact.system == "phone" and contact.value:
            slot = {"mobile": "phone_mobile", "work": "phone_work"}.get(
                contact.use or "", "phone_home"
            )
            if slot in phones:
                slot = next(
                    (s for s in ("phone_home", "phone_mobile", "phone_work") if s not in phones),
                    slot,
                )
            phones.setdefault(slot, contact.value.strip())
        elif contact.system == "email" and contact.value and not email:
            email = contact.value.strip()
    addresses = list(resource.address or [])
    address = next((a for a in addresses if a.use == "home"), addresses[0] if addresses else None)
    lines = list(address.line or []) if address else []
    deceased_date = _as_date(resource.deceasedDateTime)
    deceased = bool(deceased_date or resource.deceasedBoolean)
    race = [c for c in _omb_codes(resource, US_CORE_RACE) if c in OMB_CODES]
    ethnicity = next(
        (c for c in _omb_codes(resource, US_CORE_ETHNICITY) if c in ETHNICITY_LABELS), ""
    )
    data: dict[str, Any] = {
        "family_name": (official.family or "") if official else "",
        "given_name": given[0] if given else "",
        "middle_name": " ".join(given[1:]),
        "suffix": " ".join(official.suffix or []) if official else "",
        "preferred_name": (nickname.given or [""])[0] if nickname else "",
        "birth_date": _as_date(resource.birthDate),
        "sex_at_birth": sex,
        "preferred_language": _language(resource),
        "race": race,
        "ethnicity": ethnicity,
        "phone_mobile": phones.get("phone_mobile", ""),
        "phone_home": phones.get("phone_home", ""),
        "phone_work": phones.get("phone_work", ""),
        "email": email,
        "address_line1": lines[0] if lines else "",
        "address_line2": ", ".join(lines[1:]),
        "city": (address.city or "") if address else "",
        "state": state_code(address.state) if address else "",
        "postal_code": (address.postalCode or "") if address else "",
        "country": country_code(address.country) if address else "US",
        "status": PatientStatus.DECEASED
        if deceased
        else (PatientStatus.INACTIVE if resource.active is False else PatientStatus.ACTIVE),
        "deceased_date": deceased_date,
    }
    identifiers: list[tuple[str, str, str]] = []
    ssn = ""
    for identifier in resource.identifier or []:
        if not identifier.value:
            continue
        if identifier.system == SSN_SYSTEM:
            ssn = identifier.value
        elif identifier.system == MRN_SYSTEM:
            continue  # ours: assigned by MedOffice, never taken from the outside
        else:
            label = (identifier.type.text or "") if identifier.type else ""
            identifiers.append((identifier.system or "urn:unknown", identifier.value, label[:100]))
    return data, identifiers, ssn
