"""Importing the chart: Encounter, Condition, AllergyIntolerance, MedicationRequest and
MedicationStatement, Immunization, Observation (vital signs and laboratory results).

An item whose values MedOffice would refuse from a person (a vital sign out of its possible
range, a result without a value) is rejected with the reason and the rest goes on.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from medoffice.chart.models import (
    Allergy,
    Encounter,
    EncounterDiagnosis,
    Immunization,
    Medication,
    Problem,
)
from medoffice.interop.fhir.constants import CVX, ICD10CM, RXNORM, SNOMED
from medoffice.interop.fhir.importer.bundle import Entry
from medoffice.interop.fhir.importer.state import (
    ImportState,
    Result,
    as_date,
    as_datetime,
    created,
    error_text,
    rejected,
    skipped,
)
from medoffice.interop.fhir.mappers.common import coding_of, concept_text

WELLNESS_CODES = {"185349003", "410620009", "162673000"}
ENCOUNTER_STATUS = {
    "planned": "planned",
    "arrived": "planned",
    "triaged": "planned",
    "in-progress": "in-progress",
    "onleave": "in-progress",
    "finished": "finished",
    "cancelled": "cancelled",
    "entered-in-error": "cancelled",
}


def _already(state: ImportState, entry: Entry) -> bool:
    if state.earlier(state.key_of(entry)) is not None:
        state.remember(entry, None)
        return True
    return False


def _patient(state: ImportState, entry: Entry, reference: Any) -> Any:
    return state.target(reference, "Patient")


def _clean(row: Any, **exclude: Any) -> str:
    try:
        row.full_clean(validate_unique=False, **exclude)
    except ValidationError as exc:
        return error_text(exc)
    return ""


# --- Encounters --------------------------------------------------------------------------------


def _encounter_type(encounter: Any) -> str:
    klass = encounter.class_fhir.code if getattr(encounter, "class_fhir", None) else "AMB"
    if klass == "VR":
        return "telehealth"
    if klass in {"EMER"}:
        return "urgent"
    if klass in {"IMP", "ACUTE", "NONAC", "HH", "SS", "OBSENC"}:
        return "other"
    codes = {c.code for t in encounter.type or [] for c in t.coding or []}
    return "wellness" if codes & WELLNESS_CODES else "office"


def import_encounter(state: ImportState, entry: Entry) -> Result:
    earlier = state.earlier(state.key_of(entry))
    if earlier is not None:
        state.remember(entry, earlier)
        return skipped("already imported")
    resource = entry.model
    patient = _patient(state, entry, resource.subject)
    if patient is None:
        state.remember(entry, None)
        return rejected("its patient was not imported")
    period = resource.period
    start = as_datetime(period.start) if period else None
    if start is None:
        state.remember(entry, None)
        return rejected("no start time (Encounter.period.start)")
    from medoffice.accounts.models import User
    from medoffice.organization.models import Location

    provider = next(
        (
            row
            for p in resource.participant or []
            if isinstance(row := state.target(p.individual), User)
        ),
        None,
    )
    location = next(
        (
            row
            for loc in resource.location or []
            if isinstance(row := state.target(loc.location), Location)
        ),
        None,
    )
    if location is None:
        row = state.target(resource.serviceProvider)
        location = row if isinstance(row, Location) else None
    reasons = [concept_text(r) for r in resource.reasonCode or []] or [
        concept_text(t) for t in resource.type or []
    ]
    encounter = Encounter(
        patient=patient,
        provider=provider,
        location=location,
        type=_encounter_type(resource),
        reason="; ".join(r for r in reasons if r)[:300],
        start=start,
        end=as_datetime(period.end) if period and period.end else None,
        status=ENCOUNTER_STATUS.get(resource.status or "", "finished"),
    )
    problem = _clean(encounter)
    if problem:
        state.remember(entry, None)
        return rejected(problem)
    encounter.save()
    state.per_patient[patient.pk] += 1
    state.remember(entry, encounter)
    return created()


# --- Conditions --------------------------------------------------------------------------------

_PROBLEM_STATUS = {
    "active": "active",
    "recurrence": "active",
    "relapse": "active",
    "inactive": "inactive",
    "remission": "inactive",
    "resolved": "resolved",
}


def _next_rank(state: ImportState, encounter: Encounter, code: str) -> int | None:
    used = state.__dict__.setdefault("_dx_used", {})
    ranks, codes = used.setdefault(
        encounter.pk,
        (
            set(
                EncounterDiagnosis.objects.filter(encounter=encounter).values_list(
                    "rank", flat=True
                )
            ),
            set(
                EncounterDiagnosis.objects.filter(encounter=encounter).values_list(
                    "code", flat=True
                )
            ),
        ),
    )
    if code in codes:
        return None
    rank = next((r for r in range(1, 13) if r not in ranks), None)
    if rank is not None:
        ranks.add(rank)
        codes.add(code)
    return rank


def import_condition(state: ImportState, entry: Entry) -> Result:
    from medoffice.coding import icd10

    if _already(state, entry):
        return skipped("already imported")
    resource = entry.model
    patient = _patient(state, entry, resource.subject)
    if patient is None:
        state.remember(entry, None)
        return rejected("its patient was not imported")
    snomed, icd = coding_of(resource.code, SNOMED), coding_of(resource.code, ICD10CM)
    description = (concept_text(resource.code) or "Condition")[:300]
    status_code = next(
        (c.code for c in (resource.clinicalStatus.coding or [] if resource.clinicalStatus else [])),
        "active",
    )
    status = _PROBLEM_STATUS.get(status_code or "", "active")
    resolved = as_date(resource.abatementDateTime)
    if status == "resolved" and resolved is None:
        status = "inactive"  # resolved, but when is unknown: MedOffice needs the date
    onset = as_date(resource.onsetDateTime) or (
        as_date(resource.onsetPeriod.start) if resource.onsetPeriod else None
    )
    note, diagnosis = "", None
    encounter = state.target(resource.encounter, "Encounter")
    if icd is not None and isinstance(encounter, Encounter):
        found = icd10.lookup(icd.code)
        if found is None:
            note = f"ICD-10-CM {icd.code} is not a valid code, so no encounter diagnosis"
        elif (rank := _next_rank(state, encounter, found.code)) is not None:
            diagnosis = EncounterDiagnosis(
                encounter=encounter,
                code=found.code,
                description=found.description[:300],
                rank=rank,
                billable=found.billable,
            )
    categories = {c.code for cat in resource.category or [] for c in cat.coding or []}
    if diagnosis is not None and "encounter-diagnosis" in categories and not snomed:
        # A diagnosis made at a visit (as MedOffice exports them): not a problem-list item.
        state.add_leaf(entry, diagnosis)
        return created()
    system, code = (
        ("SNOMED", snomed.code) if snomed else (("ICD-10-CM", icd.code) if icd else ("text", ""))
    )
    problem = Problem(
        patient=patient,
        code_system=system,
        code=(code or "")[:20],
        description=description,
        onset_date=onset,
        resolved_date=resolved,
        status=status,
    )
    message = _clean(problem)
    if message:
        state.remember(entry, None)
        return rejected(message)
    state.add_leaf(entry, problem)
    if diagnosis is not None:
        state.add_leaf(entry, diagnosis, "#diagnosis")
    return Result("created", note)


# --- Allergies, medications, immunizations -----------------------------------------------------


def import_allergy(state: ImportState, entry: Entry) -> Result:
    if _already(state, entry):
        return skipped("already imported")
    resource = entry.model
    patient = _patient(state, entry, resource.patient)
    if patient is None:
        state.remember(entry, None)
        return rejected("its patient was not imported")
    reaction = (resource.reaction or [None])[0]
    manifestation = concept_text((reaction.manifestation or [None])[0]) if reaction else ""
    severity = (reaction.severity or "") if reaction else ""
    if not severity and resource.criticality == "high":
        severity = "severe"
    status = next(
        (c.code for c in (resource.clinicalStatus.coding or [] if resource.clinicalStatus else [])),
        "active",
    )
    coding = next(
        (c for c in (resource.code.coding or [] if resource.code else []) if c.code), None
    )
    allergy = Allergy(
        patient=patient,
        substance=(concept_text(resource.code) or "Unknown substance")[:200],
        code=(coding.code if coding else "")[:20],
        reaction=manifestation[:200],
        severity=severity,
        status=status if status in {"active", "inactive", "resolved"} else "active",
        recorded_date=as_date(resource.recordedDate) or as_date(resource.onsetDateTime),
    )
    message = _clean(allergy)
    if message:
        state.remember(entry, None)
        return rejected(message)
    state.add_leaf(entry, allergy)
    return created()


_MEDICATION_STATUS = {
    "active": "active",
    "completed": "completed",
    "intended": "active",
    "on-hold": "active",
}


def _medication_concept(state: ImportState, resource: Any) -> Any:
    if resource.medicationCodeableConcept is not None:
        return resource.medicationCodeableConcept
    reference = resource.medicationReference
    text = getattr(reference, "reference", "") or ""
    if text.startswith("#"):
        for item in resource.contained or []:
            if item.id == text[1:] and item.get_resource_type() == "Medication":
                return item.code
    entry = state.index.in_bundle(text) if text else None
    return entry.model.code if entry is not None and entry.resource_type == "Medication" else None


def import_medication(state: ImportState, entry: Entry) -> Result:
    from medoffice.accounts.models import User

    if _already(state, entry):
        return skipped("already imported")
    resource = entry.model
    patient = _patient(state, entry, resource.subject)
    if patient is None:
        state.remember(entry, None)
        return rejected("its patient was not imported")
    concept = _medication_concept(state, resource)
    name = concept_text(concept)
    if not name:
        state.remember(entry, None)
        return rejected("no medication named")
    rxnorm = coding_of(concept, RXNORM)
    if entry.resource_type == "MedicationRequest":
        start, stop = as_date(resource.authoredOn), None
        dosages = resource.dosageInstruction or []
        prescriber = state.target(resource.requester)
    else:
        period = resource.effectivePeriod
        start = as_date(resource.effectiveDateTime) or (as_date(period.start) if period else None)
        stop = as_date(period.end) if period else None
        dosages, prescriber = resource.dosage or [], None
    dose = frequency = route = ""
    if dosages:
        dosage = dosages[0]
        frequency = dosage.text or ""
        route = concept_text(dosage.route)
        for rate in dosage.doseAndRate or []:
            if rate.doseQuantity is not None and rate.doseQuantity.value is not None:
                dose = f"{rate.doseQuantity.value} {rate.doseQuantity.unit or ''}".strip()
        repeat = dosage.timing.repeat if dosage.timing and dosage.timing.repeat else None
        if not frequency and repeat is not None and repeat.frequency and repeat.period:
            frequency = (
                f"{repeat.frequency} times every {repeat.period} {repeat.periodUnit or ''}".strip()
            )
    medication = Medication(
        patient=patient,
        name=name[:200],
        rxnorm=(rxnorm.code if rxnorm else "")[:20],
        dose=dose[:100],
        route=route[:50],
        frequency=frequency[:100],
        start_date=start,
        stop_date=stop,
        status=_MEDICATION_STATUS.get(resource.status or "", "stopped"),
        prescriber=(prescriber.get_full_name() if isinstance(prescriber, User) else "")[:200],
    )
    message = _clean(medication)
    if message:
        state.remember(entry, None)
        return rejected(message)
    state.add_leaf(entry, medication)
    return created()


def import_immunization(state: ImportState, entry: Entry) -> Result:
    if _already(state, entry):
        return skipped("already imported")
    resource = entry.model
    patient = _patient(state, entry, resource.patient)
    if patient is None:
        state.remember(entry, None)
        return rejected("its patient was not imported")
    given = as_date(resource.occurrenceDateTime)
    if given is None:
        state.remember(entry, None)
        return rejected("no date given (occurrenceDateTime)")
    cvx = coding_of(resource.vaccineCode, CVX)
    status = (
        resource.status
        if resource.status in {"completed", "not-done", "entered-in-error"}
        else "completed"
    )
    immunization = Immunization(
        patient=patient,
        vaccine=(concept_text(resource.vaccineCode) or "Vaccine")[:200],
        cvx=(cvx.code if cvx else "")[:10],
        administered_on=given,
        lot_number=(resource.lotNumber or "")[:50],
        site=concept_text(resource.site)[:50],
        status=status,
    )
    message = _clean(immunization)
    if message:
        state.remember(entry, None)
        return rejected(message)
    state.add_leaf(entry, immunization)
    return created()
