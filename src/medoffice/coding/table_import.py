"""Loading the billing code tables (CARC, RARC, modifiers, places of service, MUE, NCCI code
pairs, procedure-diagnosis rules) and CMS's HCPCS file in its CSV/TSV export.

An import is all or nothing: the whole file is parsed and checked first (an error names the
line), then rows are upserted by their natural key in one transaction. Rows the file does not
mention are kept; importing the same file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from medoffice.coding import table_parsers as parsers
from medoffice.coding.importer import CodeFileError, ImportResult, read_text, upsert_codes


@dataclass(frozen=True)
class TableKind:
    name: str
    label: str
    model: str  # model name in the coding app
    key: tuple[str, ...]
    parse: Callable[[str], list[dict[str, Any]]]


KINDS: dict[str, TableKind] = {
    k.name: k
    for k in (
        TableKind("carc", "adjustment reasons (CARC)", "AdjustmentReason", ("code",),
                  lambda t: parsers.parse_reason_codes(t, "carc")),
        TableKind("rarc", "remark codes (RARC)", "RemarkCode", ("code",),
                  lambda t: parsers.parse_reason_codes(t, "rarc")),
        TableKind("modifiers", "modifiers", "Modifier", ("code",),
                  lambda t: parsers.parse_named_codes(t, "modifiers")),
        TableKind("pos", "places of service", "PlaceOfService", ("code",),
                  lambda t: parsers.parse_named_codes(t, "pos")),
        TableKind("mue", "medically unlikely edits", "MedicallyUnlikelyEdit", ("code",),
                  parsers.parse_mue),
        TableKind("ncci", "NCCI code-pair edits", "CodePairEdit",
                  ("column1", "column2", "effective_date"), parsers.parse_ncci),
        TableKind("dx-rules", "procedure-diagnosis rules", "ProcedureDiagnosisRule",
                  ("procedure_code", "diagnosis_prefix"), parsers.parse_dx_rules),
    )
}  # fmt: skip
# CMS's HCPCS file feeds the procedure code table (ProcedureCode, system HCPCS).
ALL_KINDS = (*KINDS, "hcpcs")


def parse_table(data: bytes, kind: str) -> list[dict[str, Any]]:
    if kind not in KINDS:
        raise CodeFileError(0, f"Unknown table {kind!r}: use one of {', '.join(ALL_KINDS)}.")
    spec = KINDS[kind]
    rows = spec.parse(read_text(data))
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = tuple(row[k] for k in spec.key)
        if key in seen:
            shown = " ".join(str(v) for v in key)
            raise CodeFileError(row["line"], f"{shown} appears again (first on line {seen[key]}).")
        seen[key] = row["line"]
    if not rows:
        raise CodeFileError(0, "The file has no rows.")
    return rows


def upsert_table(
    model: Any,
    kind: str,
    rows: list[dict[str, Any]],
    *,
    source: str,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Create or update rows by their key; rows identical to the table are left alone.
    The caller holds the transaction (the data migration's, or table_import's)."""
    spec = KINDS[kind]
    result = ImportResult()
    existing = {tuple(getattr(o, k) for k in spec.key): o for o in model.objects.all()}
    fields = [f for f in rows[0] if f != "line"] if rows else []
    compared = [f for f in fields if f not in spec.key]
    to_create, to_update = [], []
    for done, row in enumerate(rows, start=1):
        values = {f: row[f] for f in fields}
        current = existing.get(tuple(row[k] for k in spec.key))
        if current is None:
            to_create.append(model(source=source, **values))
            result.created += 1
        elif any(getattr(current, f) != values[f] for f in compared):
            for f in compared:
                setattr(current, f, values[f])
            current.source = source
            to_update.append(current)
            result.updated += 1
        else:
            result.unchanged += 1
        if progress and done % 500 == 0:
            progress(done)
    model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        model.objects.bulk_update(to_update, [*compared, "source"], batch_size=1000)
    if progress:
        progress(len(rows))
    return result


def table_import(
    *,
    path: Path,
    kind: str,
    actor: Any = None,
    progress: Callable[[int], None] | None = None,
    on_parsed: Callable[[int], None] | None = None,
) -> ImportResult:
    """Parse the whole file, then upsert it and record the import in the audit log, atomically."""
    from django.apps import apps

    from medoffice.audit.services import audit_record
    from medoffice.coding.models import ProcedureCode

    path = Path(path)
    data = path.read_bytes()
    source = path.name[:50]
    if kind == "hcpcs":
        code_rows = parsers.parse_hcpcs(read_text(data))
        _check_unique_codes(code_rows)
        if on_parsed:
            on_parsed(len(code_rows))
    else:
        rows = parse_table(data, kind)
        if on_parsed:
            on_parsed(len(rows))
    with transaction.atomic():
        if kind == "hcpcs":
            result = upsert_codes(
                ProcedureCode, code_rows, system="HCPCS", source=source, progress=progress
            )
        else:
            model = apps.get_model("coding", KINDS[kind].model)
            result = upsert_table(model, kind, rows, source=source, progress=progress)
        audit_record(
            action="update",
            actor=actor,
            object_type="code_table",
            object_id=kind,
            details={
                "file": path.name,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
    return result


def _check_unique_codes(rows: list[Any]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen:
            raise CodeFileError(
                row.line, f"{row.code} appears again (first on line {seen[row.code]})."
            )
        seen[row.code] = row.line
    if not rows:
        raise CodeFileError(0, "The file has no codes.")
