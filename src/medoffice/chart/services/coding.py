"""Diagnoses (ICD-10-CM) and procedures (CPT/HCPCS) on an encounter: the coding a claim carries.

Rules:
- A diagnosis is a valid, billable (complete) ICD-10-CM code; the description comes from the
  tabular list. Category codes such as E11 are refused here: a claim needs E11.9 or another leaf.
  (Non-billable codes can still arrive through imports, stored with billable=False; the records
  audit lists them.)
- At most 12 diagnoses, ranked 1..12 without gaps; rank 1 is the primary diagnosis.
- A procedure is an active code from the code table, 1-999 units, up to four two-character
  modifiers, and one to four diagnosis pointers, each the rank of a diagnosis on the encounter.
- Re-ranking diagnoses moves the procedures' pointers with them; a diagnosis that a procedure
  points at cannot be removed until the procedure is re-pointed or removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from medoffice.chart.models import Encounter, EncounterDiagnosis, EncounterProcedure
from medoffice.chart.services.common import audit, check_coding_edit
from medoffice.coding import icd10
from medoffice.coding.models import ProcedureCode

MAX_DIAGNOSES = 12
MAX_POINTERS = 4
MAX_MODIFIERS = 4


def validate_icd10(code: str) -> icd10.Icd10Code:
    found = icd10.lookup(code)
    shown = icd10.normalize(code) or code
    if found is None:
        raise ValidationError({"code": f"{shown!r} is not an ICD-10-CM code."})
    if not found.billable:
        raise ValidationError(
            {
                "code": f"{found.code} ({found.description}) is a category, not a billable code: "
                "choose one of the more specific codes under it."
            }
        )
    return found


def _rerank(encounter: Encounter, ordered_ids: Sequence[int]) -> None:
    """Give the diagnoses ranks 1..n in this order and move the procedures' pointers along."""
    current = dict(EncounterDiagnosis.objects.filter(encounter=encounter).values_list("pk", "rank"))
    new_rank = {pk: i for i, pk in enumerate(ordered_ids, start=1)}
    remap = {current[pk]: new_rank[pk] for pk in ordered_ids}
    if all(current[pk] == rank for pk, rank in new_rank.items()) and len(current) == len(new_rank):
        return
    # Two passes so the (encounter, rank) unique constraint never sees two rows on one rank.
    for pk in ordered_ids:
        EncounterDiagnosis.objects.filter(pk=pk).update(rank=1000 + new_rank[pk])
    for pk in ordered_ids:
        EncounterDiagnosis.objects.filter(pk=pk).update(rank=new_rank[pk])
    for proc in EncounterProcedure.objects.filter(encounter=encounter):
        pointers = [remap.get(p, p) for p in proc.diagnosis_pointers]
        if pointers != proc.diagnosis_pointers:
            EncounterProcedure.objects.filter(pk=proc.pk).update(diagnosis_pointers=pointers)


def _lock(encounter: Encounter) -> None:
    """Serialize coding changes of one encounter (ranks are renumbered as a whole).

    PostgreSQL locks the encounter's row; SQLite's write transactions are serialized anyway."""
    list(Encounter.objects.select_for_update().filter(pk=encounter.pk).values_list("pk"))


def _ordered_ids(encounter: Encounter) -> list[int]:
    return list(
        EncounterDiagnosis.objects.filter(encounter=encounter)
        .order_by("rank")
        .values_list("pk", flat=True)
    )


def diagnosis_add(
    *, actor: Any, encounter: Encounter, code: str, rank: int | None = None
) -> EncounterDiagnosis:
    """Add a code at the end, or at `rank` (the ones from there move down one)."""
    check_coding_edit(actor, encounter.patient_id)
    found = validate_icd10(code)
    with transaction.atomic():
        _lock(encounter)
        ids = _ordered_ids(encounter)
        if len(ids) >= MAX_DIAGNOSES:
            raise ValidationError(
                {"code": f"An encounter carries at most {MAX_DIAGNOSES} diagnoses."}
            )
        if rank is not None and not 1 <= rank <= len(ids) + 1:
            raise ValidationError({"rank": f"Choose a rank from 1 to {len(ids) + 1}."})
        try:
            with transaction.atomic():
                diagnosis = EncounterDiagnosis.objects.create(
                    encounter=encounter,
                    code=found.code,
                    description=found.description[:300],
                    rank=500 + len(ids) + 1,  # placed by _rerank below
                    billable=found.billable,
                )
        except IntegrityError:
            raise ValidationError({"code": f"{found.code} is already on this encounter."}) from None
        position = (rank or len(ids) + 1) - 1
        ids.insert(position, diagnosis.pk)
        _rerank(encounter, ids)
        diagnosis.refresh_from_db()
        audit(
            actor=actor,
            action="create",
            object_type="diagnosis",
            object_id=diagnosis.pk,
            patient_id=encounter.patient_id,
            details={"encounter": encounter.pk, "code": found.code, "rank": diagnosis.rank},
        )
    return diagnosis


def diagnosis_move(*, actor: Any, diagnosis: EncounterDiagnosis, rank: int) -> None:
    encounter = diagnosis.encounter
    check_coding_edit(actor, encounter.patient_id)
    with transaction.atomic():
        _lock(encounter)
        ids = _ordered_ids(encounter)
        if not 1 <= rank <= len(ids):
            raise ValidationError({"rank": f"Choose a rank from 1 to {len(ids)}."})
        ids.remove(diagnosis.pk)
        ids.insert(rank - 1, diagnosis.pk)
        _rerank(encounter, ids)
        audit(
            actor=actor,
            action="update",
            object_type="diagnosis",
            object_id=diagnosis.pk,
            patient_id=encounter.patient_id,
            details={"encounter": encounter.pk, "code": diagnosis.code, "rank": rank},
        )


def diagnosis_remove(*, actor: Any, diagnosis: EncounterDiagnosis) -> None:
    encounter = diagnosis.encounter
    check_coding_edit(actor, encounter.patient_id)
    with transaction.atomic():
        _lock(encounter)
        rank = EncounterDiagnosis.objects.filter(pk=diagnosis.pk).values_list("rank", flat=True)
        current_rank = rank.first()
        if current_rank is None:
            return
        pointing = [
            p.code.code
            for p in EncounterProcedure.objects.filter(encounter=encounter).select_related("code")
            if current_rank in p.diagnosis_pointers
        ]
        if pointing:
            raise ValidationError(
                f"{diagnosis.code} is pointed at by {', '.join(pointing)}: "
                "re-point or remove those procedures first."
            )
        EncounterDiagnosis.objects.filter(pk=diagnosis.pk).delete()
        _rerank(encounter, _ordered_ids(encounter))
        audit(
            actor=actor,
            action="delete",
            object_type="diagnosis",
            object_id=diagnosis.pk,
            patient_id=encounter.patient_id,
            details={"encounter": encounter.pk, "code": diagnosis.code},
        )


def parse_modifiers(text: str | Sequence[str]) -> list[str]:
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    return [str(m).strip().upper() for m in items if str(m).strip()]


def procedure_add(
    *,
    actor: Any,
    encounter: Encounter,
    code: str,
    units: int = 1,
    modifiers: Sequence[str] = (),
    pointers: Sequence[int] = (),
) -> EncounterProcedure:
    check_coding_edit(actor, encounter.patient_id)
    table_code = ProcedureCode.objects.filter(code=(code or "").strip().upper()).first()
    if table_code is None:
        raise ValidationError({"code": f"{code!r} is not in the procedure code table."})
    if not table_code.active:
        raise ValidationError({"code": f"{table_code.code} is terminated."})
    pointers = list(pointers)
    if len(set(pointers)) != len(pointers):
        raise ValidationError({"diagnosis_pointers": "Each diagnosis pointer once."})
    procedure = EncounterProcedure(
        encounter=encounter,
        code=table_code,
        units=units,
        modifiers=parse_modifiers(modifiers),
        diagnosis_pointers=pointers,
    )
    procedure.full_clean()
    with transaction.atomic():
        _lock(encounter)
        ranks = set(
            EncounterDiagnosis.objects.filter(encounter=encounter).values_list("rank", flat=True)
        )
        missing = [p for p in pointers if p not in ranks]
        if missing:
            raise ValidationError(
                {
                    "diagnosis_pointers": "No diagnosis with rank "
                    + ", ".join(str(p) for p in missing)
                    + " on this encounter."
                }
            )
        procedure.save()
        audit(
            actor=actor,
            action="create",
            object_type="procedure",
            object_id=procedure.pk,
            patient_id=encounter.patient_id,
            details={"encounter": encounter.pk, "code": table_code.code, "units": units},
        )
    return procedure


def procedure_remove(*, actor: Any, procedure: EncounterProcedure) -> None:
    encounter = procedure.encounter
    check_coding_edit(actor, encounter.patient_id)
    with transaction.atomic():
        EncounterProcedure.objects.filter(pk=procedure.pk).delete()
        audit(
            actor=actor,
            action="delete",
            object_type="procedure",
            object_id=procedure.pk,
            patient_id=encounter.patient_id,
            details={"encounter": encounter.pk, "code": procedure.code.code},
        )
