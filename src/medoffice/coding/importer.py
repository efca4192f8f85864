"""Loading procedure code tables: the practice's licensed CPT file and CMS's HCPCS Level II file.

Two formats are read (README, "Procedure code tables"):

- CSV (CPT or HCPCS), UTF-8 or Windows-1252, a header line naming the columns
  `code,short_description[,long_description][,effective_date][,termination_date]`
  (other columns are ignored; dates as YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY).
- HCPCS only: the fixed-width text of CMS's annual alpha-numeric file (`HCPC20xx_*_ANWEB*.txt`,
  320-character records): code in columns 1-5, record identification code in column 11
  (3 = first line of a procedure, 4 = its continuation lines, 7 and 8 = modifier lines, which
  are skipped), long description in columns 12-91 (continued on the "4" lines), short
  description in columns 92-119. Its dates are not read: codes stay active until a CSV with a
  termination date says otherwise.

An import is all or nothing: the whole file is parsed and checked first (an error names the
line), then the codes are upserted by code in one transaction. Importing the same file again
changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction

CODE_PATTERNS = {
    # CPT: five digits, or four digits and F (category II), T (category III) or U (lab tests).
    "CPT": re.compile(r"^\d{4}[0-9FTU]$"),
    # HCPCS Level II: a letter A-V and four digits.
    "HCPCS": re.compile(r"^[A-V]\d{4}$"),
}
CSV_REQUIRED = ("code", "short_description")
SHORT_MAX = 300


class CodeFileError(ValueError):
    """A problem with the file, naming the line (1-based) where it is."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class CodeRow:
    line: int
    code: str
    description: str
    long_description: str = ""
    effective_date: date | None = None
    termination_date: date | None = None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def read_text(data: bytes) -> str:
    # CMS publishes its text files in Windows-1252; exports from spreadsheets are UTF-8.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _parse_date(value: str, line: int, column: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise CodeFileError(line, f"{column} {value!r} is not a date (use YYYY-MM-DD).")


def _check_code(system: str, code: str, line: int) -> str:
    code = code.strip().upper()
    if not CODE_PATTERNS[system].match(code):
        expected = "five characters like 99213" if system == "CPT" else "a letter and 4 digits"
        raise CodeFileError(line, f"{code!r} is not a {system} code ({expected}).")
    return code


def parse_csv(text: str, system: str) -> list[CodeRow]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise CodeFileError(0, "The file is empty.") from None
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise CodeFileError(1, f"the header lacks the column(s) {', '.join(missing)}.")
    index = {name: header.index(name) for name in header}
    rows: list[CodeRow] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue

        def cell(name: str, cells: Sequence[str] = cells) -> str:
            i = index.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        code = _check_code(system, cell("code"), line)
        short = cell("short_description")
        if not short:
            raise CodeFileError(line, f"{code} has no short_description.")
        if len(short) > SHORT_MAX:
            raise CodeFileError(line, f"{code}: short_description is over {SHORT_MAX} characters.")
        effective = _parse_date(cell("effective_date"), line, "effective_date")
        termination = _parse_date(cell("termination_date"), line, "termination_date")
        if effective and termination and termination < effective:
            raise CodeFileError(line, f"{code} is terminated before it takes effect.")
        rows.append(CodeRow(line, code, short, cell("long_description"), effective, termination))
    return rows


def parse_anweb(text: str) -> list[CodeRow]:
    """CMS's fixed-width HCPCS Level II records (see the module docstring for the columns)."""
    rows: list[CodeRow] = []
    current: dict[str, Any] | None = None

    def finish() -> None:
        if current is not None:
            rows.append(
                CodeRow(
                    current["line"],
                    current["code"],
                    current["short"],
                    " ".join(current["long"]).strip(),
                )
            )

    for line_no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        record = raw.rstrip("\r\n").ljust(320)
        kind = record[10]
        if kind in "78":
            continue  # modifier records: not procedure codes
        if kind == "3":
            finish()
            code = _check_code("HCPCS", record[0:5], line_no)
            short = record[91:119].strip()
            if not short:
                raise CodeFileError(line_no, f"{code} has no short description (columns 92-119).")
            current = {"line": line_no, "code": code, "short": short, "long": []}
            current["long"].append(record[11:91].strip())
        elif kind == "4":
            code = record[0:5].strip().upper()
            if current is None or current["code"] != code:
                raise CodeFileError(
                    line_no, f"continuation line for {code!r} without its first line."
                )
            current["long"].append(record[11:91].strip())
        else:
            raise CodeFileError(
                line_no,
                f"record identification code {kind!r} in column 11 (expected 3, 4, 7 or 8); "
                "is this the HCPCS fixed-width file?",
            )
    finish()
    return rows


def detect_format(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    # A CSV starts with its header; the fixed-width file starts with a code.
    return "csv" if "short_description" in first.lower() else "anweb"


def parse_file(data: bytes, system: str, fmt: str = "auto") -> list[CodeRow]:
    system = system.upper()
    if system not in CODE_PATTERNS:
        raise CodeFileError(0, f"Unknown code system {system!r}: use CPT or HCPCS.")
    text = read_text(data)
    if fmt == "auto":
        fmt = "csv" if system == "CPT" else detect_format(text)
    if fmt == "anweb" and system != "HCPCS":
        raise CodeFileError(0, "The fixed-width format is CMS's HCPCS file; CPT comes as CSV.")
    rows = parse_csv(text, system) if fmt == "csv" else parse_anweb(text)
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen:
            raise CodeFileError(
                row.line, f"{row.code} appears again (first on line {seen[row.code]})."
            )
        seen[row.code] = row.line
    if not rows:
        raise CodeFileError(0, "The file has no codes.")
    return rows


def _values(row: CodeRow, system: str, source: str, today: date) -> dict[str, Any]:
    return {
        "system": system,
        "description": row.description,
        "long_description": row.long_description,
        "effective_date": row.effective_date,
        "termination_date": row.termination_date,
        "active": row.termination_date is None or row.termination_date >= today,
        "source": source,
    }


def upsert_codes(
    model: Any,
    rows: Iterable[CodeRow],
    *,
    system: str,
    source: str,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
) -> ImportResult:
    """Create or update codes by code; rows identical to the table are left alone."""
    today = today or date.today()
    rows = list(rows)
    existing = {c.code: c for c in model.objects.filter(code__in=[r.code for r in rows])}
    result = ImportResult()
    to_create, to_update = [], []
    fields = list(_values(rows[0], system, source, today)) if rows else []
    for done, row in enumerate(rows, start=1):
        values = _values(row, system, source, today)
        current = existing.get(row.code)
        if current is None:
            to_create.append(model(code=row.code, **values))
            result.created += 1
        else:
            # The source label alone changing is not a change (same file, another name).
            compare = {k: v for k, v in values.items() if k != "source"}
            if any(getattr(current, k) != v for k, v in compare.items()):
                for key, value in values.items():
                    setattr(current, key, value)
                to_update.append(current)
                result.updated += 1
            else:
                result.unchanged += 1
        if progress and done % 500 == 0:
            progress(done)
    with transaction.atomic():
        model.objects.bulk_create(to_create, batch_size=1000)
        model.objects.bulk_update(to_update, fields, batch_size=1000)
    if progress:
        progress(len(rows))
    return result


def codes_import(
    *,
    path: Path,
    system: str,
    fmt: str = "auto",
    actor: Any = None,
    progress: Callable[[int], None] | None = None,
    on_parsed: Callable[[int], None] | None = None,
) -> ImportResult:
    """Parse the whole file, then upsert it and record the import in the audit log, atomically."""
    from medoffice.audit.services import audit_record
    from medoffice.coding.models import ProcedureCode

    system = system.upper()
    rows = parse_file(Path(path).read_bytes(), system, fmt)
    if on_parsed:
        on_parsed(len(rows))
    with transaction.atomic():
        result = upsert_codes(
            ProcedureCode, rows, system=system, source=Path(path).name[:50], progress=progress
        )
        audit_record(
            action="update",
            actor=actor,
            object_type="code_table",
            object_id=system,
            details={
                "file": Path(path).name,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
    return result
