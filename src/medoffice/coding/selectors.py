"""Reads of the code tables: the coders' search across them, and ICD-10-CM excludes notes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from medoffice.coding import icd10
from medoffice.coding.models import (
    AdjustmentReason,
    CodePairEdit,
    MedicallyUnlikelyEdit,
    Modifier,
    PlaceOfService,
    ProcedureCode,
    ProcedureDiagnosisRule,
    RemarkCode,
)

PER_TABLE = 25


@dataclass(frozen=True)
class ExcludesNotes:
    """What the tabular list tells a coder not to code with this code (Excludes1: never
    together) or to code as well when present (Excludes2: not included here)."""

    code: str
    description: str
    excludes1: tuple[str, ...]
    excludes2: tuple[str, ...]


def excludes_notes(code: str) -> ExcludesNotes | None:
    """The Excludes1/Excludes2 notes of an ICD-10-CM code and of the categories above it
    (the tabular list states a note once, at the category); None for an unknown code."""
    found = icd10.lookup(code)
    if found is None:
        return None
    excludes1, excludes2 = icd10.coding_notes(found.code)
    return ExcludesNotes(found.code, found.description, excludes1, excludes2)


@dataclass(frozen=True)
class TableSpec:
    key: str
    title: str
    columns: tuple[str, ...]


TABLES: dict[str, TableSpec] = {
    t.key: t
    for t in (
        TableSpec("procedures", "Procedure codes (CPT, HCPCS)", ("Code", "System", "Description", "Active")),
        TableSpec("modifiers", "Modifiers", ("Code", "Description")),
        TableSpec("pos", "Places of service", ("Code", "Name")),
        TableSpec("carc", "Adjustment reasons (CARC)", ("Code", "Description", "Dates")),
        TableSpec("rarc", "Remark codes (RARC)", ("Code", "Description", "Dates")),
        TableSpec("mue", "Units per day (MUE)", ("Code", "Most units", "Counted")),
        TableSpec("ncci", "Code pairs (NCCI)", ("Column 1", "Column 2", "Dates", "Modifier")),
        TableSpec("dx_rules", "Diagnoses supporting a procedure", ("Procedure", "Diagnosis prefix", "Note")),
    )
}  # fmt: skip


def _dates(start: Any, stop: Any) -> str:
    if not start and not stop:
        return ""
    return f"{start or '…'} to {stop or 'now'}"


Row = tuple[str, ...]


def _procedures(q: str, code: str) -> list[Row]:
    qs = ProcedureCode.objects.filter(Q(code__startswith=code) | Q(description__icontains=q))
    return [(c.code, c.system, c.description, "yes" if c.active else "no") for c in qs[:PER_TABLE]]


def _modifiers(q: str, code: str) -> list[Row]:
    qs = Modifier.objects.filter(Q(code__startswith=code) | Q(description__icontains=q))
    return [(m.code, m.description) for m in qs[:PER_TABLE]]


def _places(q: str, code: str) -> list[Row]:
    qs = PlaceOfService.objects.filter(Q(code__startswith=code) | Q(name__icontains=q))
    return [(p.code, p.name) for p in qs[:PER_TABLE]]


def _carc(q: str, code: str) -> list[Row]:
    qs = AdjustmentReason.objects.filter(Q(code__startswith=code) | Q(description__icontains=q))
    return [(r.code, r.description, _dates(r.start_date, r.stop_date)) for r in qs[:PER_TABLE]]


def _rarc(q: str, code: str) -> list[Row]:
    qs = RemarkCode.objects.filter(Q(code__startswith=code) | Q(description__icontains=q))
    return [(r.code, r.description, _dates(r.start_date, r.stop_date)) for r in qs[:PER_TABLE]]


def _mue(q: str, code: str) -> list[Row]:
    qs = MedicallyUnlikelyEdit.objects.filter(code__startswith=code)
    return [(m.code, str(m.max_units), m.get_adjudication_display()) for m in qs[:PER_TABLE]]


def _ncci(q: str, code: str) -> list[Row]:
    qs = CodePairEdit.objects.filter(Q(column1__startswith=code) | Q(column2__startswith=code))
    return [
        (e.column1, e.column2, _dates(e.effective_date, e.deletion_date),
         e.get_modifier_indicator_display())
        for e in qs[:PER_TABLE]
    ]  # fmt: skip


def _dx_rules(q: str, code: str) -> list[Row]:
    qs = ProcedureDiagnosisRule.objects.filter(
        Q(procedure_code__startswith=code) | Q(diagnosis_prefix__startswith=code)
    )
    return [(r.procedure_code, r.diagnosis_prefix, r.note) for r in qs[:PER_TABLE]]


# Each finds up to PER_TABLE rows whose code starts with the query (or whose words contain it).
SEARCHES: dict[str, Callable[[str, str], list[Row]]] = {
    "procedures": _procedures,
    "modifiers": _modifiers,
    "pos": _places,
    "carc": _carc,
    "rarc": _rarc,
    "mue": _mue,
    "ncci": _ncci,
    "dx_rules": _dx_rules,
}


def _rows(key: str, query: str) -> list[Row]:
    q = query.strip()
    return SEARCHES[key](q, q.upper().replace(".", ""))


@dataclass(frozen=True)
class TableHits:
    spec: TableSpec
    rows: list[Row]

    @property
    def more(self) -> bool:
        return len(self.rows) >= PER_TABLE


def tables_search(*, query: str, table: str = "") -> list[TableHits]:
    """Rows matching the query in one table (`table`) or in all of them; empty query, no rows."""
    if not query.strip():
        return []
    keys = [table] if table in TABLES else list(TABLES)
    hits = [TableHits(TABLES[k], _rows(k, query)) for k in keys]
    return [h for h in hits if h.rows]
