"""Pure rules for measurements: vital-sign units, BMI, and lab abnormal flags."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from medoffice.chart.models.clinical import VITAL_UNITS, AbnormalFlag, VitalKind

# Units a person may type, per vital sign, and how to get the stored (canonical) unit from them.
_INCH = Decimal("2.54")
_POUND = Decimal("0.45359237")
ACCEPTED_UNITS: dict[str, dict[str, str]] = {
    VitalKind.HEIGHT: {"cm": "cm", "in": "in", "[in_i]": "in"},
    VitalKind.WEIGHT: {"kg": "kg", "lb": "lb", "[lb_av]": "lb"},
    VitalKind.TEMPERATURE: {"cel": "Cel", "c": "Cel", "[degf]": "F", "degf": "F", "f": "F"},
}

# A numeric result this many times beyond its reference limit is critical (LL/HH):
# at least twice the upper limit, or at most half the lower one.
CRITICAL_FACTOR = Decimal("2")


def to_canonical(kind: str, value: Decimal, unit: str) -> tuple[Decimal, str]:
    """(value, unit) in the unit VITAL_UNITS stores; raises ValueError for a unit that does not
    fit the vital sign."""
    canonical = VITAL_UNITS[kind][0]
    unit = (unit or canonical).strip()
    if unit == canonical:
        return value, canonical
    alias = ACCEPTED_UNITS.get(kind, {}).get(unit.lower())
    if alias == "in":
        return (value * _INCH).quantize(Decimal("0.1"), ROUND_HALF_UP), canonical
    if alias == "lb":
        return (value * _POUND).quantize(Decimal("0.01"), ROUND_HALF_UP), canonical
    if alias == "F":
        celsius = (value - 32) * 5 / 9
        return celsius.quantize(Decimal("0.1"), ROUND_HALF_UP), canonical
    if alias == canonical:
        return value, canonical
    raise ValueError(f"{VitalKind(kind).label} is not measured in {unit}.")


def bmi(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    metres = height_cm / 100
    return (weight_kg / (metres * metres)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def parse_number(text: str) -> Decimal | None:
    """A plain number ("5.4", "-1", "1,200"); anything else ("<0.5", "positive") is text."""
    cleaned = (text or "").strip().replace(",", "")
    if not cleaned:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def abnormal_flag(
    value: Decimal | None, low: Decimal | None, high: Decimal | None
) -> AbnormalFlag | None:
    """The flag a numeric result earns against its reference range; None when it can't be
    computed (text result or no range), so the person entering it sets it by hand."""
    if value is None or (low is None and high is None):
        return None
    if high is not None and value > high:
        critical = high > 0 and value >= high * CRITICAL_FACTOR
        return AbnormalFlag.CRITICAL_HIGH if critical else AbnormalFlag.HIGH
    if low is not None and value < low:
        critical = low > 0 and value <= low / CRITICAL_FACTOR
        return AbnormalFlag.CRITICAL_LOW if critical else AbnormalFlag.LOW
    return AbnormalFlag.NORMAL
