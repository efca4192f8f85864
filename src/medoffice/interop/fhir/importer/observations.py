"""Importing Observations: vital signs (LOINC, converted to MedOffice's units, range-checked)
and laboratory results (value, unit, reference range, abnormal flag). Other categories (surveys,
social history) are skipped with the reason."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from medoffice.chart.models import Encounter, LabResult, VitalSign
from medoffice.chart.models.clinical import VITAL_UNITS, VitalKind
from medoffice.interop.fhir.constants import LOINC, V3_INTERPRETATION
from medoffice.interop.fhir.importer.bundle import Entry
from medoffice.interop.fhir.importer.chart import _already, _clean, _patient
from medoffice.interop.fhir.importer.state import (
    ImportState,
    Result,
    as_datetime,
    created,
    rejected,
    skipped,
)
from medoffice.interop.fhir.mappers.common import coding_of, concept_text

VITAL_KIND_BY_LOINC = {loinc: kind for kind, (_u, _lo, _hi, loinc) in VITAL_UNITS.items()} | {
    "8331-1": VitalKind.TEMPERATURE,
    "8306-3": VitalKind.HEIGHT,
    "3141-9": VitalKind.WEIGHT,
    "2708-6": VitalKind.OXYGEN_SATURATION,
    "8287-5": None,
}

BLOOD_PRESSURE_PANELS = {"55284-4", "85354-9", "35094-2"}

# UCUM unit -> conversion to MedOffice's unit; units already canonical pass as they are.
UNIT_CONVERSIONS: dict[str, dict[str, Any]] = {
    VitalKind.WEIGHT: {"g": lambda v: v / 1000, "[lb_av]": lambda v: v * Decimal("0.45359237")},
    VitalKind.HEIGHT: {
        "m": lambda v: v * 100,
        "mm": lambda v: v / 10,
        "[in_i]": lambda v: v * Decimal("2.54"),
    },
    VitalKind.TEMPERATURE: {
        "[degF]": lambda v: (v - 32) * 5 / 9,
        "K": lambda v: v - Decimal("273.15"),
    },
    VitalKind.HEART_RATE: {"{beats}/min": lambda v: v, "beats/min": lambda v: v},
    VitalKind.RESPIRATORY_RATE: {"{breaths}/min": lambda v: v, "breaths/min": lambda v: v},
    VitalKind.PAIN: {"": lambda v: v, "1": lambda v: v},
}

INTERPRETATION = {
    "N": "N",
    "L": "L",
    "H": "H",
    "LL": "LL",
    "HH": "HH",
    "A": "A",
    "AA": "A",
    "LU": "LL",
    "HU": "HH",
}

TWO_PLACES = Decimal("0.01")


# --- Observations ------------------------------------------------------------------------------


def _categories(resource: Any) -> set[str]:
    return {c.code for cat in resource.category or [] for c in cat.coding or [] if c.code}


def vital_value(kind: str, quantity: Any) -> tuple[Decimal | None, str]:
    """(value in MedOffice's unit, "") or (None, why not)."""
    unit, low, high, _ = VITAL_UNITS[kind]
    if quantity is None or quantity.value is None:
        return None, "no numeric value"
    value = Decimal(str(quantity.value))
    given = quantity.code or quantity.unit or ""
    if given != unit:
        convert = UNIT_CONVERSIONS.get(kind, {}).get(given)
        if convert is None:
            return None, f"{VitalKind(kind).label} in {given!r} cannot be converted to {unit}"
        value = convert(value)
    value = value.quantize(TWO_PLACES, ROUND_HALF_UP)
    if not low <= value <= high:
        return (
            None,
            f"{VitalKind(kind).label} {value} {unit} is outside the possible range {low} to {high} {unit}",
        )
    return value, ""


def _import_vitals(
    state: ImportState, entry: Entry, patient: Any, encounter: Any, taken: Any
) -> Result:
    resource = entry.model
    loinc = coding_of(resource.code, LOINC)
    code = loinc.code if loinc else ""
    if code in BLOOD_PRESSURE_PANELS:
        parts = [(coding_of(c.code, LOINC), c.valueQuantity) for c in resource.component or []]
        measured = [(VITAL_KIND_BY_LOINC.get(c.code), q) for c, q in parts if c is not None]
        measured = [(k, q) for k, q in measured if k in {VitalKind.SYSTOLIC, VitalKind.DIASTOLIC}]
    else:
        measured = [(VITAL_KIND_BY_LOINC.get(code), resource.valueQuantity)]
    if not measured or any(kind is None for kind, _ in measured):
        state.remember(entry, None)
        return skipped(
            f"vital sign LOINC {code or '(none)'} ({concept_text(resource.code)}) is not one MedOffice records"
        )
    rows = []
    for kind, quantity in measured:
        value, why = vital_value(kind, quantity)
        if value is None:
            state.remember(entry, None)
            return rejected(why)
        rows.append(
            VitalSign(
                patient=patient,
                encounter=encounter,
                kind=kind,
                value=value,
                unit=VITAL_UNITS[kind][0],
                taken_at=taken,
            )
        )
    for i, row in enumerate(rows):
        message = _clean(row)
        if message:
            state.remember(entry, None)
            return rejected(message)
        state.add_leaf(entry, row, "" if i == 0 else f"#{row.kind}")
    return created()


def _lab_number(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    except InvalidOperation:
        return None
    return number if abs(number) < Decimal("1e8") else None


def _import_lab(
    state: ImportState, entry: Entry, patient: Any, encounter: Any, taken: Any
) -> Result:
    resource = entry.model
    quantity = resource.valueQuantity
    numeric, unit = None, ""
    if quantity is not None and quantity.value is not None:
        numeric = _lab_number(quantity.value)
        if numeric is None:
            state.remember(entry, None)
            return rejected(f"the value {quantity.value} is too large to store")
        # As people read results: two decimals at most from 1 up, no trailing zeros.
        shown = numeric.quantize(TWO_PLACES, ROUND_HALF_UP) if abs(numeric) >= 1 else numeric
        text = format(shown.normalize(), "f")
        unit = quantity.code or quantity.unit or ""
    elif resource.valueString:
        text = resource.valueString
    elif resource.valueCodeableConcept is not None:
        text = concept_text(resource.valueCodeableConcept)
    else:
        text = ""
    if not text:
        state.remember(entry, None)
        return rejected("no result value")
    ranges = (resource.referenceRange or [None])[0]
    low = (
        _lab_number(ranges.low.value)
        if ranges and ranges.low and ranges.low.value is not None
        else None
    )
    high = (
        _lab_number(ranges.high.value)
        if ranges and ranges.high and ranges.high.value is not None
        else None
    )
    flag = ""
    for interpretation in resource.interpretation or []:
        coding = coding_of(interpretation, V3_INTERPRETATION)
        if coding is not None and coding.code in INTERPRETATION:
            flag = INTERPRETATION[coding.code]
    loinc = coding_of(resource.code, LOINC)
    issued = as_datetime(resource.issued)
    lab = LabResult(
        patient=patient,
        encounter=encounter,
        test_name=(concept_text(resource.code) or "Result")[:200],
        loinc=(loinc.code if loinc else "")[:10],
        value=str(text)[:100],
        value_numeric=numeric,
        unit=unit[:30],
        reference_low=low,
        reference_high=high,
        reference_text=((ranges.text or "") if ranges else "")[:100],
        flag=flag,
        collected_at=taken,
        resulted_at=issued if issued and issued >= taken else None,
        performing_lab=next((p.display for p in resource.performer or [] if p.display), "")[:200],
    )
    message = _clean(lab)
    if message:
        state.remember(entry, None)
        return rejected(message)
    state.add_leaf(entry, lab)
    return created()


def import_observation(state: ImportState, entry: Entry) -> Result:
    if _already(state, entry):
        return skipped("already imported")
    resource = entry.model
    categories = _categories(resource)
    loinc = coding_of(resource.code, LOINC)
    is_vital = "vital-signs" in categories or (
        not categories
        and loinc is not None
        and (loinc.code in VITAL_KIND_BY_LOINC or loinc.code in BLOOD_PRESSURE_PANELS)
    )
    if not is_vital and "laboratory" not in categories:
        state.remember(entry, None)
        return skipped(
            f"observations of category {', '.join(sorted(categories)) or '(none)'} are not stored"
        )
    patient = _patient(state, entry, resource.subject)
    if patient is None:
        state.remember(entry, None)
        return rejected("its patient was not imported")
    taken = (
        as_datetime(resource.effectiveDateTime)
        or (as_datetime(resource.effectivePeriod.start) if resource.effectivePeriod else None)
        or as_datetime(resource.issued)
    )
    if taken is None:
        state.remember(entry, None)
        return rejected("no time taken (effectiveDateTime)")
    encounter = state.target(resource.encounter, "Encounter")
    encounter = encounter if isinstance(encounter, Encounter) else None
    if is_vital:
        return _import_vitals(state, entry, patient, encounter, taken)
    return _import_lab(state, entry, patient, encounter, taken)
