"""Parsers of the code-table files `medoffice codes import-table KIND FILE` reads.

Each parser reads the whole text and returns one dict per table row (with `line`, the 1-based
line it came from), or raises CodeFileError naming the first bad line. Layouts (README, "Code
tables for billing"):

- carc, rarc: CSV `code,description[,start_date,stop_date]`, header line optional.
- modifiers: CSV `code,description`; pos: CSV `code,name`; header line optional.
- dx-rules: CSV `procedure_code,diagnosis_prefixes[,note]`, prefixes separated by spaces or
  semicolons (`E11 E13 R73.03`), header line optional.
- mue: CMS's practitioner MUE table as CSV: a header line starting with "HCPCS/CPT Code"
  (lines above it, such as CMS's notice, are skipped), then code, MUE value, adjudication
  indicator ("1 Line Edit", "2 Date of Service Edit: Policy", "3 Date of Service Edit:
  Clinical", or just the digit), rationale.
- ncci: CMS's practitioner PTP edit text, tab-separated: column 1, column 2, existence prior to
  1996 (`*` or empty), effective date YYYYMMDD, deletion date YYYYMMDD or `*`, modifier
  indicator 0/1/9, rationale. The header lines before the first edit are skipped.
- hcpcs: the CSV or tab-separated export of CMS's annual HCPCS file, with a header naming the
  columns HCPC, RECID, LONG DESCRIPTION and SHORT DESCRIPTION (SEQNUM, ACT EFF DT and TERM DT
  are read when present): RECID 3 starts a code, 4 continues its long description, 7 and 8
  are modifier records (skipped).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from medoffice.coding.importer import CodeFileError, CodeRow, _parse_date

DESCRIPTION_MAX = 500
CARC = re.compile(r"^[A-Z]?\d{1,3}$")
RARC = re.compile(r"^(M|MA|N)\d{1,4}$")
MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
POS = re.compile(r"^\d{2}$")
PROCEDURE = re.compile(r"^[A-Z0-9]{5}$")
DX_PREFIX = re.compile(r"^[A-Z]\d[0-9A-Z]{0,5}$")
HCPCS = re.compile(r"^[A-V]\d{4}$")


def _rows(text: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """(line number, stripped cells) of each non-blank line."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for cells in reader:
        if any(c.strip() for c in cells):
            yield reader.line_num, [c.strip() for c in cells]


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _code(value: str, pattern: re.Pattern[str], line: int, what: str) -> str:
    code = value.strip().upper()
    if not pattern.match(code):
        raise CodeFileError(line, f"{code!r} is not {what}.")
    return code


def _text(value: str, line: int, code: str, column: str, required: bool = True) -> str:
    if required and not value:
        raise CodeFileError(line, f"{code} has no {column}.")
    if len(value) > DESCRIPTION_MAX:
        raise CodeFileError(line, f"{code}: {column} is over {DESCRIPTION_MAX} characters.")
    return value


def _is_header(cells: list[str], first: str) -> bool:
    return bool(cells) and cells[0].lower().replace(" ", "_") == first


def parse_reason_codes(text: str, kind: str) -> list[dict[str, Any]]:
    """CARC or RARC: code, description, optional start and stop dates."""
    pattern, what = (CARC, "a CARC code") if kind == "carc" else (RARC, "a RARC code")
    rows: list[dict[str, Any]] = []
    for line, cells in _rows(text):
        if not rows and _is_header(cells, "code"):
            continue
        code = _code(cells[0], pattern, line, what)
        start = _parse_date(_cell(cells, 2), line, "start date")
        stop = _parse_date(_cell(cells, 3), line, "stop date")
        if start and stop and stop < start:
            raise CodeFileError(line, f"{code} stops before it starts.")
        description = _text(_cell(cells, 1), line, code, "description")
        rows.append(
            {
                "line": line,
                "code": code,
                "description": description,
                "start_date": start,
                "stop_date": stop,
            }
        )
    return rows


def parse_named_codes(text: str, kind: str) -> list[dict[str, Any]]:
    """Modifiers (code, description) or places of service (code, name)."""
    if kind == "modifiers":
        pattern, what, column = MODIFIER, "a modifier (two letters or digits)", "description"
    else:
        pattern, what, column = POS, "a place-of-service code (two digits)", "name"
    rows: list[dict[str, Any]] = []
    for line, cells in _rows(text):
        if not rows and _is_header(cells, "code"):
            continue
        code = _code(cells[0], pattern, line, what)
        name = _text(_cell(cells, 1), line, code, column)
        if len(name) > 200:
            raise CodeFileError(line, f"{code}: {column} is over 200 characters.")
        rows.append({"line": line, "code": code, column: name})
    return rows


def parse_dx_rules(text: str) -> list[dict[str, Any]]:
    """procedure_code, diagnosis prefixes (space or semicolon separated), note."""
    rows: list[dict[str, Any]] = []
    for line, cells in _rows(text):
        if not rows and _is_header(cells, "procedure_code"):
            continue
        code = _code(cells[0], PROCEDURE, line, "a procedure code (five characters)")
        prefixes = [p for p in re.split(r"[\s;]+", _cell(cells, 1).upper()) if p]
        if not prefixes:
            raise CodeFileError(line, f"{code} has no diagnosis prefixes.")
        note = _text(_cell(cells, 2), line, code, "note", required=False)[:200]
        for prefix in prefixes:
            dotless = prefix.replace(".", "")
            if not DX_PREFIX.match(dotless):
                raise CodeFileError(line, f"{prefix!r} is not an ICD-10-CM code or prefix.")
            rows.append(
                {"line": line, "procedure_code": code, "diagnosis_prefix": dotless, "note": note}
            )
    return rows


def _mue_indicator(value: str, line: int, code: str) -> int:
    digit = value.strip()[:1]
    if digit not in {"1", "2", "3"}:
        raise CodeFileError(
            line, f"{code}: MUE adjudication indicator {value!r} (expected 1, 2 or 3)."
        )
    return int(digit)


def parse_mue(text: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    header_seen = False
    for line, cells in _rows(text):
        if not header_seen:
            header_seen = cells[0].lower().startswith("hcpcs/cpt code")
            continue
        code = _code(cells[0], PROCEDURE, line, "a HCPCS/CPT code (five characters)")
        units = _cell(cells, 1)
        if not units.isdigit():
            raise CodeFileError(line, f"{code}: MUE value {units!r} is not a whole number.")
        rows.append(
            {
                "line": line,
                "code": code,
                "max_units": int(units),
                "adjudication": _mue_indicator(_cell(cells, 2), line, code),
                "rationale": _cell(cells, 3)[:200],
            }
        )
    if not header_seen:
        raise CodeFileError(
            0, 'No header line starting with "HCPCS/CPT Code": is this the MUE table?'
        )
    return rows


def parse_ncci(text: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for line, cells in _rows(text, delimiter="\t"):
        if not rows and not PROCEDURE.match(cells[0].upper()):
            continue  # CMS's header lines above the first edit
        column1 = _code(cells[0], PROCEDURE, line, "a column 1 code (five characters)")
        column2 = _code(_cell(cells, 1), PROCEDURE, line, "a column 2 code (five characters)")
        pair = f"{column1}/{column2}"
        if _cell(cells, 2) not in {"", "*"}:
            raise CodeFileError(line, f"{pair}: the prior-to-1996 column holds {cells[2]!r}.")
        effective = _parse_date(_cell(cells, 3), line, "effective date")
        if effective is None:
            raise CodeFileError(line, f"{pair} has no effective date.")
        deletion_raw = _cell(cells, 4)
        deletion = (
            None if deletion_raw in {"", "*"} else _parse_date(deletion_raw, line, "deletion date")
        )
        if deletion and deletion < effective:
            raise CodeFileError(line, f"{pair} is deleted before it takes effect.")
        indicator = _cell(cells, 5)
        if indicator not in {"0", "1", "9"}:
            raise CodeFileError(
                line, f"{pair}: modifier indicator {indicator!r} (expected 0, 1 or 9)."
            )
        rows.append(
            {
                "line": line,
                "column1": column1,
                "column2": column2,
                "effective_date": effective,
                "deletion_date": deletion,
                "modifier_indicator": indicator,
                "rationale": _cell(cells, 6)[:200],
            }
        )
    if not rows:
        raise CodeFileError(0, "No edits found: is this CMS's tab-separated PTP file?")
    return rows


HCPCS_REQUIRED = ("hcpc", "recid", "long description", "short description")


def parse_hcpcs(text: str) -> list[CodeRow]:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = "\t" if "\t" in first else ","
    rows: list[CodeRow] = []
    index: dict[str, int] = {}
    current: dict[str, Any] | None = None

    def finish() -> None:
        if current is not None:
            rows.append(
                CodeRow(
                    current["line"],
                    current["code"],
                    current["short"],
                    " ".join(current["long"]).strip(),
                    current["effective"],
                    current["termination"],
                )
            )

    for line, cells in _rows(text, delimiter):
        if not index:
            names = [c.lower().replace("_", " ") for c in cells]
            missing = [c for c in HCPCS_REQUIRED if c not in names]
            if missing:
                raise CodeFileError(line, f"the header lacks the column(s) {', '.join(missing)}.")
            index = {name: i for i, name in enumerate(names)}
            continue

        def cell(name: str, cells: list[str] = cells, index: dict[str, int] = index) -> str:
            i = index.get(name)
            return _cell(cells, i) if i is not None else ""

        recid = cell("recid")
        if recid in {"7", "8"}:
            continue  # modifier records
        if recid == "3":
            finish()
            code = _code(cell("hcpc"), HCPCS, line, "a HCPCS code (a letter and 4 digits)")
            short = cell("short description")
            if not short:
                raise CodeFileError(line, f"{code} has no SHORT DESCRIPTION.")
            effective = _parse_date(cell("act eff dt"), line, "ACT EFF DT")
            termination = _parse_date(cell("term dt"), line, "TERM DT")
            current = {
                "line": line,
                "code": code,
                "short": short[:300],
                "long": [cell("long description")],
                "effective": effective,
                "termination": termination,
            }
        elif recid == "4":
            code = cell("hcpc").upper()
            if current is None or current["code"] != code:
                raise CodeFileError(line, f"continuation line for {code!r} without its first line.")
            current["long"].append(cell("long description"))
        else:
            raise CodeFileError(line, f"RECID {recid!r} (expected 3, 4, 7 or 8).")
    finish()
    if not index:
        raise CodeFileError(0, "The file is empty.")
    return rows
