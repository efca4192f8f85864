"""Charge capture from a signed encounter (the superbill), changes and voids.

Rules:
- Charges come from an encounter with a signed note (not cancelled), at its location, on its
  day (the location's clock).
- A line is an active CPT/HCPCS code, 1-999 units, up to four two-character modifiers, and one
  to four diagnosis pointers: ranks of the encounter's diagnoses, each a billable ICD-10-CM code.
  The pointed codes are kept too, so a later re-ranking in the chart cannot misdirect a claim.
- Place of service defaults to the location's; a telehealth visit is 10 (patient's home) by
  default and must be 02 or 10, and 02/10 are refused for visits in the office.
- The amount is the fee schedule's (per unit, times units) for the payer of the coverage active
  on the day (the self-pay schedule without one), unless entered; with no schedule it must be
  entered.
- Only open charges (not yet on a claim) change. Voiding a self-pay charge reverses its
  journal; a charge on a claim is corrected through the claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.chart.models import Encounter, EncounterProcedure, EncounterStatus
from medoffice.claims.models import TELEHEALTH_POS, AmountSource, ChargeLine, ChargeStatus
from medoffice.claims.services.common import (
    audit,
    check_charges_edit,
    is_signed,
    is_telehealth,
    service_date,
)
from medoffice.coding import icd10
from medoffice.coding.models import Modifier, PlaceOfService, ProcedureCode
from medoffice.scheduling.models import Provider

CENT = Decimal("0.01")
MAX_CHARGE = Decimal("99999999.99")


@dataclass(frozen=True)
class ChargeInput:
    """One line as entered on the capture form or sent to the API."""

    procedure_code: str
    diagnosis_pointers: Sequence[int]
    units: Any = 1
    modifiers: Sequence[str] = ()
    place_of_service: str = ""
    billed_amount: Any = None  # None or "": the fee schedule's
    rendering_provider_id: int | None = None
    source_procedure_id: int | None = None


@dataclass
class EncounterFacts:
    encounter: Encounter
    day: date
    diagnoses: dict[int, Any]  # rank -> EncounterDiagnosis
    payer_id: int | None
    billing_npi: str
    billing_tax_id: str
    default_provider: Provider | None
    errors: list[str] = field(default_factory=list)


def encounter_facts(encounter: Encounter) -> EncounterFacts:
    """What every line of an encounter's charges shares; raises when charges cannot be taken."""
    from medoffice.claims.selectors import coverages_on

    if encounter.status == EncounterStatus.CANCELLED:
        raise ValidationError("The encounter was cancelled: there is nothing to charge.")
    if not is_signed(encounter):
        raise ValidationError(
            "The encounter has no signed note yet: charges are captured from a signed encounter."
        )
    if encounter.location_id is None:
        raise ValidationError("The encounter has no location: set it in the chart first.")
    location = encounter.location
    practice = location.practice
    npi = location.npi or practice.group_npi
    if not npi:
        raise ValidationError(
            "Neither the practice nor the location has a billing NPI: enter the practice's "
            "group NPI first."
        )
    if not practice.tax_id:
        raise ValidationError("The practice has no federal tax id (EIN): enter it first.")
    day = service_date(encounter)
    coverages = coverages_on(encounter.patient_id, day)
    return EncounterFacts(
        encounter=encounter,
        day=day,
        diagnoses={d.rank: d for d in encounter.diagnoses.all()},
        payer_id=coverages[0].payer_id if coverages else None,
        billing_npi=npi,
        billing_tax_id=practice.tax_id,
        default_provider=Provider.objects.filter(user_id=encounter.provider_id).first()
        if encounter.provider_id
        else None,
    )


def _amount(raw: Any, where: str) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        amount = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().lstrip("$"))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{where}: {raw!r} is not an amount.") from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(f"{where}: the amount must be more than zero.")
    if amount != amount.quantize(CENT):
        raise ValidationError(f"{where}: an amount has at most two decimal places (cents).")
    if amount > MAX_CHARGE:
        raise ValidationError(f"{where}: {amount} is too large for one charge.")
    return amount.quantize(CENT)


def _units(raw: Any, where: str) -> int:
    try:
        units = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"{where}: units must be a whole number.") from None
    if units < 1:
        raise ValidationError(f"{where}: units must be at least 1.")
    if units > 999:
        raise ValidationError(f"{where}: at most 999 units on one line.")
    return units


def _modifiers(raw: Sequence[str] | str, where: str) -> list[str]:
    items = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)
    mods = [str(m).strip().upper() for m in items if str(m).strip()]
    if len(mods) > 4:
        raise ValidationError(f"{where}: at most four modifiers.")
    for mod in mods:
        if not (len(mod) == 2 and mod.isalnum()):
            raise ValidationError(f"{where}: {mod!r} is not a modifier (two letters or digits).")
    if len(set(mods)) != len(mods):
        raise ValidationError(f"{where}: each modifier once.")
    if mods and Modifier.objects.exists():
        known = set(Modifier.objects.filter(code__in=mods).values_list("code", flat=True))
        unknown = [m for m in mods if m not in known]
        if unknown:
            raise ValidationError(f"{where}: {', '.join(unknown)} is not in the modifier table.")
    return mods


def _pointers(raw: Sequence[Any], facts: EncounterFacts, where: str) -> tuple[list[int], list[str]]:
    try:
        pointers = [int(p) for p in raw if str(p).strip()]
    except (TypeError, ValueError):
        raise ValidationError(
            f"{where}: diagnosis pointers are diagnosis ranks (1, 2...)."
        ) from None
    if not pointers:
        raise ValidationError(f"{where}: point to at least one of the encounter's diagnoses.")
    if len(pointers) > 4:
        raise ValidationError(f"{where}: at most four diagnosis pointers.")
    if len(set(pointers)) != len(pointers):
        raise ValidationError(f"{where}: each diagnosis pointer once.")
    codes = []
    for rank in pointers:
        diagnosis = facts.diagnoses.get(rank)
        if diagnosis is None:
            have = len(facts.diagnoses)
            raise ValidationError(
                f"{where}: pointer {rank} names no diagnosis (the encounter has {have})."
            )
        if not (diagnosis.billable and icd10.is_billable(diagnosis.code)):
            raise ValidationError(
                f"{where}: {diagnosis.code} is not a billable ICD-10-CM code: code it to the "
                "most specific level in the chart first."
            )
        codes.append(diagnosis.code)
    return pointers, codes


def _place_of_service(raw: str, facts: EncounterFacts, where: str) -> str:
    telehealth = is_telehealth(facts.encounter)
    pos = (raw or "").strip()
    if not pos:
        return "10" if telehealth else facts.encounter.location.place_of_service
    if not (len(pos) == 2 and pos.isdigit()):
        raise ValidationError(f"{where}: a place of service has two digits, e.g. 11.")
    if telehealth and pos not in TELEHEALTH_POS:
        raise ValidationError(
            f"{where}: a telehealth visit is billed at place of service 02 or 10."
        )
    if not telehealth and pos in TELEHEALTH_POS:
        raise ValidationError(f"{where}: places of service 02 and 10 are for telehealth visits.")
    if PlaceOfService.objects.exists() and not PlaceOfService.objects.filter(code=pos).exists():
        raise ValidationError(f"{where}: {pos} is not in the place-of-service table.")
    return pos


def _provider(provider_id: int | None, facts: EncounterFacts, where: str) -> Provider:
    if provider_id is None:
        if facts.default_provider is None:
            raise ValidationError(
                f"{where}: the encounter's provider has no NPI on file: choose the rendering "
                "provider."
            )
        return facts.default_provider
    provider = Provider.objects.filter(pk=provider_id, is_active=True).first()
    if provider is None:
        raise ValidationError(f"{where}: choose an active provider as the rendering provider.")
    return provider


def line_values(facts: EncounterFacts, line: ChargeInput, number: int) -> dict[str, Any]:
    """The validated fields of one charge line; raises ValidationError naming the line."""
    from medoffice.billing.selectors import fee_for

    where = f"Line {number}"
    code = ProcedureCode.objects.filter(code=(line.procedure_code or "").strip().upper()).first()
    if code is None:
        raise ValidationError(
            f"{where}: {line.procedure_code!r} is not in the procedure code table."
        )
    if not code.active:
        raise ValidationError(f"{where}: {code.code} is terminated.")
    units = _units(line.units, where)
    mods = _modifiers(line.modifiers, where)
    pointers, dx_codes = _pointers(line.diagnosis_pointers, facts, where)
    pos = _place_of_service(line.place_of_service, facts, where)
    provider = _provider(line.rendering_provider_id, facts, where)
    entered = _amount(line.billed_amount, where)
    fee = fee_for(facts.payer_id, code.code, mods[0] if mods else "", facts.day)
    if entered is None and fee is None:
        raise ValidationError(
            f"{where}: no fee schedule prices {code.code} for this payer: enter the amount."
        )
    expected = (fee[1] * units).quantize(CENT) if fee is not None else None
    source_procedure = None
    if line.source_procedure_id:
        source_procedure = EncounterProcedure.objects.filter(
            pk=line.source_procedure_id, encounter=facts.encounter
        ).first()
    return {
        "procedure_code": code,
        "units": units,
        "modifiers": mods,
        "diagnosis_pointers": pointers,
        "diagnosis_codes": dx_codes,
        "place_of_service": pos,
        "rendering_provider": provider,
        "billed_amount": entered if entered is not None else (fee[0] * units).quantize(CENT),  # type: ignore[index]
        "expected_amount": expected,
        "amount_source": AmountSource.ENTERED if entered is not None else AmountSource.FEE_SCHEDULE,
        "source_procedure": source_procedure,
    }


def _load(encounter: Encounter) -> Encounter:
    return Encounter.objects.select_related("location__practice", "patient").get(pk=encounter.pk)


def charges_capture(
    *, encounter: Encounter, lines: Sequence[ChargeInput], actor: Any
) -> list[ChargeLine]:
    """Capture the superbill's lines for a signed encounter: all of them, or none."""
    check_charges_edit(actor, encounter)
    encounter = _load(encounter)
    if not lines:
        raise ValidationError("Enter at least one charge.")
    facts = encounter_facts(encounter)
    rows = [line_values(facts, line, n) for n, line in enumerate(lines, start=1)]
    with transaction.atomic():
        created = [
            ChargeLine.objects.create(
                encounter=encounter,
                patient_id=encounter.patient_id,
                location_id=encounter.location_id,
                billing_npi=facts.billing_npi,
                billing_tax_id=facts.billing_tax_id,
                date_of_service=facts.day,
                created_by=actor,
                **row,
            )
            for row in rows
        ]
        audit(
            actor=actor,
            action="create",
            object_type="charge",
            object_id=",".join(str(c.pk) for c in created),
            patient_id=encounter.patient_id,
            details={
                "encounter": encounter.pk,
                "codes": [c.procedure_code.code for c in created],
                "total": str(sum((c.billed_amount for c in created), Decimal("0.00"))),
            },
        )
    return created


def charge_update(*, charge: ChargeLine, changes: dict[str, Any], actor: Any) -> ChargeLine:
    """Change an open charge (units, modifiers, pointers, place, provider, amount)."""
    allowed = {f for f in ChargeInput.__dataclass_fields__ if f != "source_procedure_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"Not editable here: {', '.join(sorted(unknown))}")
    encounter = _load(charge.encounter)
    check_charges_edit(actor, encounter)
    current = ChargeLine.objects.select_related("procedure_code").get(pk=charge.pk)
    if current.status != ChargeStatus.OPEN:
        raise ValidationError("Only a charge not yet billed can change.")
    merged = ChargeInput(
        procedure_code=changes.get("procedure_code", current.procedure_code.code),
        diagnosis_pointers=changes.get("diagnosis_pointers", current.diagnosis_pointers),
        units=changes.get("units", current.units),
        modifiers=changes.get("modifiers", current.modifiers),
        place_of_service=changes.get("place_of_service", current.place_of_service),
        billed_amount=changes.get(
            "billed_amount",
            current.billed_amount if current.amount_source == AmountSource.ENTERED else None,
        ),
        rendering_provider_id=changes.get("rendering_provider_id", current.rendering_provider_id),
    )
    values = line_values(encounter_facts(encounter), merged, 1)
    values.pop("source_procedure")
    with transaction.atomic():
        updated = ChargeLine.objects.filter(pk=charge.pk, status=ChargeStatus.OPEN).update(
            **values, updated_at=timezone.now()
        )
        if not updated:
            raise ValidationError(
                "This charge was billed or voided meanwhile: it can no longer change."
            )
        audit(
            actor=actor,
            action="update",
            object_type="charge",
            object_id=charge.pk,
            patient_id=charge.patient_id,
            details={"fields": sorted(changes)},
        )
    return ChargeLine.objects.get(pk=charge.pk)


def charge_void(*, charge: ChargeLine, reason: str, actor: Any) -> ChargeLine:
    """Void a charge not on a claim; a self-pay charge's journal is reversed with it."""
    from medoffice.billing.ledger import Journal, reverse_journal

    encounter = _load(charge.encounter)
    check_charges_edit(actor, encounter)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ValidationError({"reason": "Say why the charge is voided."})
    current = ChargeLine.objects.get(pk=charge.pk)
    if current.status == ChargeStatus.BILLED:
        raise ValidationError(
            "This charge is on a claim: correct or void the claim instead (frequency 7 or 8)."
        )
    if current.status == ChargeStatus.VOID:
        raise ValidationError("This charge is already void.")
    now = timezone.now()
    with transaction.atomic():
        updated = ChargeLine.objects.filter(pk=charge.pk, status=current.status).update(
            status=ChargeStatus.VOID, voided_at=now, voided_by=actor, void_reason=reason[:300],
            updated_at=now,
        )  # fmt: skip
        if not updated:
            raise ValidationError("This charge changed meanwhile: look at it again.")
        if current.status == ChargeStatus.PATIENT and current.journal_id:
            journal = Journal.objects.get(pk=current.journal_id)
            reverse_journal(
                journal=journal, reason=f"Charge {charge.pk} voided: {reason}", actor=actor
            )
        audit(
            actor=actor,
            action="update",
            object_type="charge",
            object_id=charge.pk,
            patient_id=charge.patient_id,
            details={"void": True, "was": current.status},
            reason=reason[:300],
        )
    return ChargeLine.objects.get(pk=charge.pk)
