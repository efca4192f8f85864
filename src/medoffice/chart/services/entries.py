"""Problems, allergies, medications, immunizations, vital signs and lab results.

Nurses and clinicians edit all of these (the matrix's "vitals, intake"); nobody signs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from medoffice.chart.measurements import abnormal_flag, bmi, parse_number, to_canonical
from medoffice.chart.models import (
    Allergy,
    Encounter,
    Immunization,
    LabResult,
    Medication,
    Problem,
    VitalKind,
    VitalSign,
)
from medoffice.chart.models.clinical import VITAL_UNITS
from medoffice.chart.services.common import apply, audit, changed_fields, check_chart_edit
from medoffice.coding import icd10

# SNOMED CT 716186003 "No known allergy": an allergy list that was asked about and is empty,
# as opposed to one nobody recorded (FHIR AllergyIntolerance uses the same code).
NO_KNOWN_ALLERGY_CODE = "716186003"
NO_KNOWN_ALLERGY_TEXT = "No known allergies"

PROBLEM_FIELDS = frozenset(
    {"code_system", "code", "description", "onset_date", "resolved_date", "status"}
)
ALLERGY_FIELDS = frozenset({"substance", "code", "reaction", "severity", "status", "recorded_date"})
MEDICATION_FIELDS = frozenset(
    {
        "name",
        "rxnorm",
        "dose",
        "route",
        "frequency",
        "start_date",
        "stop_date",
        "status",
        "prescriber",
    }
)
IMMUNIZATION_FIELDS = frozenset(
    {"vaccine", "cvx", "administered_on", "lot_number", "site", "status"}
)
LAB_FIELDS = frozenset(
    {
        "encounter", "test_name", "loinc", "value", "unit", "reference_low", "reference_high",
        "reference_text", "flag", "collected_at", "resulted_at", "performing_lab",
    }
)  # fmt: skip


def _save_entry(
    *,
    actor: Any,
    patient_id: int,
    instance: models.Model | None,
    model: type[models.Model],
    data: Mapping[str, Any],
    fields: frozenset[str],
    object_type: str,
    prepare: Any = None,
) -> Any:
    check_chart_edit(actor, patient_id)
    data = dict(data)
    if instance is not None and instance.patient_id != patient_id:  # type: ignore[attr-defined]
        raise ValidationError("This entry belongs to another patient.")
    creating = instance is None
    entry = instance if instance is not None else model(patient_id=patient_id)  # type: ignore[misc]
    changed = [] if creating else changed_fields(entry, data)
    apply(entry, data, fields)
    if prepare:
        prepare(entry)
    entry.full_clean()
    with transaction.atomic():
        entry.save()
        if object_type == "allergy" and entry.status == "active":
            _retire_no_known_allergy(entry)
        audit(
            actor=actor,
            action="create" if creating else "update",
            object_type=object_type,
            object_id=entry.pk,
            patient_id=patient_id,
            details={} if creating else {"fields": changed},
        )
    return entry


def _prepare_problem(problem: Problem) -> None:
    if problem.code_system == "ICD-10-CM":
        found = icd10.lookup(problem.code)
        if found is None:
            raise ValidationError({"code": f"{problem.code!r} is not an ICD-10-CM code."})
        problem.code = found.code
        problem.description = problem.description or found.description[:300]


def problem_save(
    *, actor: Any, patient_id: int, data: Mapping[str, Any], problem: Problem | None = None
) -> Problem:
    return _save_entry(
        actor=actor, patient_id=patient_id, instance=problem, model=Problem, data=data,
        fields=PROBLEM_FIELDS, object_type="problem", prepare=_prepare_problem,
    )  # fmt: skip


def _retire_no_known_allergy(allergy: Allergy) -> None:
    if allergy.code != NO_KNOWN_ALLERGY_CODE:
        Allergy.objects.filter(
            patient_id=allergy.patient_id, code=NO_KNOWN_ALLERGY_CODE, status="active"
        ).update(status="inactive")


def _prepare_allergy(allergy: Allergy) -> None:
    if allergy.code == NO_KNOWN_ALLERGY_CODE:
        raise ValidationError({"code": "Record “no known allergies” with its own button."})


def allergy_save(
    *, actor: Any, patient_id: int, data: Mapping[str, Any], allergy: Allergy | None = None
) -> Allergy:
    """A real allergy; recording an active one retires a "no known allergies" entry."""
    return _save_entry(
        actor=actor, patient_id=patient_id, instance=allergy, model=Allergy, data=data,
        fields=ALLERGY_FIELDS, object_type="allergy", prepare=_prepare_allergy,
    )  # fmt: skip


def allergies_none_known(*, actor: Any, patient_id: int, on: Any = None) -> Allergy:
    """The patient was asked and has no allergies (refused while active allergies are listed)."""
    check_chart_edit(actor, patient_id)
    with transaction.atomic():
        active = Allergy.objects.filter(patient_id=patient_id, status="active")
        if active.exclude(code=NO_KNOWN_ALLERGY_CODE).exists():
            raise ValidationError(
                "Active allergies are listed: mark them inactive first if they were wrong."
            )
        existing = active.filter(code=NO_KNOWN_ALLERGY_CODE).first()
        if existing:
            return existing
        entry = Allergy.objects.create(
            patient_id=patient_id,
            substance=NO_KNOWN_ALLERGY_TEXT,
            code=NO_KNOWN_ALLERGY_CODE,
            status="active",
            recorded_date=on,
        )
        audit(
            actor=actor,
            action="create",
            object_type="allergy",
            object_id=entry.pk,
            patient_id=patient_id,
            details={"no_known_allergies": True},
        )
    return entry


def medication_save(
    *, actor: Any, patient_id: int, data: Mapping[str, Any], medication: Medication | None = None
) -> Medication:
    return _save_entry(
        actor=actor, patient_id=patient_id, instance=medication, model=Medication, data=data,
        fields=MEDICATION_FIELDS, object_type="medication",
    )  # fmt: skip


def _prepare_immunization(immunization: Immunization) -> None:
    cvx = (immunization.cvx or "").strip()
    if cvx and not (cvx.isdigit() and len(cvx) <= 3):
        raise ValidationError({"cvx": "A CVX code is one to three digits, e.g. 141."})


def immunization_save(
    *,
    actor: Any,
    patient_id: int,
    data: Mapping[str, Any],
    immunization: Immunization | None = None,
) -> Immunization:
    return _save_entry(
        actor=actor, patient_id=patient_id, instance=immunization, model=Immunization, data=data,
        fields=IMMUNIZATION_FIELDS, object_type="immunization", prepare=_prepare_immunization,
    )  # fmt: skip


def _latest_height(patient_id: int, before: datetime) -> Decimal | None:
    return (
        VitalSign.objects.filter(
            patient_id=patient_id,
            kind=VitalKind.HEIGHT,
            taken_at__lte=before,
            taken_at__gte=before - timedelta(days=366),
        )
        .order_by("-taken_at")
        .values_list("value", flat=True)
        .first()
    )


def vitals_record(
    *,
    actor: Any,
    patient_id: int,
    taken_at: datetime,
    values: Mapping[str, tuple[Decimal, str]],
    encounter: Encounter | None = None,
) -> list[VitalSign]:
    """Record a set of vital signs taken together: {kind: (value, unit)}. Values in other units
    (in, lb, degF) are converted; each must be in its sane range; BMI is computed from the
    height and weight (the last year's height when only weight is given), never typed."""
    check_chart_edit(actor, patient_id)
    if encounter is not None and encounter.patient_id != patient_id:
        raise ValidationError({"encounter": "That encounter belongs to another patient."})
    errors: dict[str, str] = {}
    readings: dict[str, Decimal] = {}
    for kind, (value, unit) in values.items():
        if kind not in VITAL_UNITS or kind == VitalKind.BMI:
            errors[str(kind)] = (
                "BMI is computed, not entered." if kind == "bmi" else "Unknown vital."
            )
            continue
        if value is None:
            continue
        try:
            readings[kind], _ = to_canonical(kind, Decimal(value), unit)
        except ValueError as exc:
            errors[kind] = str(exc)
    if not readings and not errors:
        raise ValidationError("Enter at least one measurement.")
    if VitalKind.WEIGHT in readings:
        height = readings.get(VitalKind.HEIGHT) or _latest_height(patient_id, taken_at)
        if height:
            readings[VitalKind.BMI] = bmi(height, readings[VitalKind.WEIGHT])
    signs = []
    for kind, value in readings.items():
        sign = VitalSign(
            patient_id=patient_id,
            encounter=encounter,
            kind=kind,
            value=value,
            unit=VITAL_UNITS[kind][0],
            taken_at=taken_at,
            recorded_by=actor,
        )
        try:
            sign.full_clean(exclude=["patient", "encounter", "recorded_by"])
        except ValidationError as exc:
            errors[kind] = " ".join(exc.messages)
        signs.append(sign)
    sbp, dbp = readings.get(VitalKind.SYSTOLIC), readings.get(VitalKind.DIASTOLIC)
    if sbp is not None and dbp is not None and dbp >= sbp:
        errors[VitalKind.DIASTOLIC] = "Diastolic pressure must be below systolic."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        VitalSign.objects.bulk_create(signs)
        audit(
            actor=actor,
            action="create",
            object_type="vitals",
            object_id=taken_at.isoformat(),
            patient_id=patient_id,
            details={"kinds": sorted(readings), "encounter": encounter.pk if encounter else None},
        )
    return signs


def _prepare_lab(lab: LabResult) -> None:
    lab.value = (lab.value or "").strip()
    lab.value_numeric = parse_number(lab.value)
    computed = abnormal_flag(lab.value_numeric, lab.reference_low, lab.reference_high)
    if computed is not None:
        lab.flag = computed  # a numeric result with a range: the range decides, not the typist
    if (
        lab.encounter_id
        and not Encounter.objects.filter(pk=lab.encounter_id, patient_id=lab.patient_id).exists()
    ):
        raise ValidationError({"encounter": "That encounter belongs to another patient."})


def lab_result_save(
    *,
    actor: Any,
    patient_id: int,
    data: Mapping[str, Any],
    lab: LabResult | None = None,
) -> LabResult:
    def prepare(entry: LabResult) -> None:
        if entry.entered_by_id is None:
            entry.entered_by = actor
        _prepare_lab(entry)

    return _save_entry(
        actor=actor, patient_id=patient_id, instance=lab, model=LabResult, data=data,
        fields=LAB_FIELDS, object_type="lab_result", prepare=prepare,
    )  # fmt: skip
