"""Small building blocks shared by the mappers (both directions)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

US_STATES = {
    "alabama": "AL",
    "alaska": "AK",
    "arizona": "AZ",
    "arkansas": "AR",
    "california": "CA",
    "colorado": "CO",
    "connecticut": "CT",
    "delaware": "DE",
    "district of columbia": "DC",
    "florida": "FL",
    "georgia": "GA",
    "hawaii": "HI",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "iowa": "IA",
    "kansas": "KS",
    "kentucky": "KY",
    "louisiana": "LA",
    "maine": "ME",
    "maryland": "MD",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "mississippi": "MS",
    "missouri": "MO",
    "montana": "MT",
    "nebraska": "NE",
    "nevada": "NV",
    "new hampshire": "NH",
    "new jersey": "NJ",
    "new mexico": "NM",
    "new york": "NY",
    "north carolina": "NC",
    "north dakota": "ND",
    "ohio": "OH",
    "oklahoma": "OK",
    "oregon": "OR",
    "pennsylvania": "PA",
    "rhode island": "RI",
    "south carolina": "SC",
    "south dakota": "SD",
    "tennessee": "TN",
    "texas": "TX",
    "utah": "UT",
    "vermont": "VT",
    "virginia": "VA",
    "washington": "WA",
    "west virginia": "WV",
    "wisconsin": "WI",
    "wyoming": "WY",
    "puerto rico": "PR",
    "guam": "GU",
    "virgin islands": "VI",
    "american samoa": "AS",
    "northern mariana islands": "MP",
}
COUNTRY_US = {"us", "usa", "united states", "united states of america"}


def state_code(value: str | None) -> str:
    """'Massachusetts' or 'ma' -> 'MA'; anything else is kept (full_clean then complains)."""
    text = (value or "").strip()
    if len(text) == 2:
        return text.upper()
    return US_STATES.get(text.lower(), text)


def country_code(value: str | None) -> str:
    text = (value or "").strip()
    if not text or text.lower() in COUNTRY_US:
        return "US"
    return text.upper()[:2]


def num(value: Decimal | float | int | None) -> int | float | None:
    """A JSON number from a Decimal, without trailing zeros."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value.normalize())
    return value


def instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def ref(resource_type: str, resource_id: Any, display: str = "") -> dict[str, str]:
    out = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        out["display"] = display
    return out


def concept(text: str, system: str = "", code: str = "", display: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if code:
        coding: dict[str, str] = {"code": code}
        if system:
            coding["system"] = system
        if display or text:
            coding["display"] = display or text
        out["coding"] = [coding]
    if text:
        out["text"] = text
    return out


def coding_of(value: Any, system: str) -> Any:
    """The first coding of a CodeableConcept (fhir.resources model) in `system`, or None."""
    for coding in getattr(value, "coding", None) or []:
        if coding.system == system and coding.code:
            return coding
    return None


def concept_text(value: Any) -> str:
    if value is None:
        return ""
    if getattr(value, "text", None):
        return str(value.text)
    for coding in getattr(value, "coding", None) or []:
        if coding.display:
            return str(coding.display)
        if coding.code:
            return str(coding.code)
    return ""


def drop_empty(resource: dict[str, Any]) -> dict[str, Any]:
    """FHIR forbids empty strings, lists and objects: leave such elements out."""
    return {k: v for k, v in resource.items() if v not in ("", None, [], {})}
