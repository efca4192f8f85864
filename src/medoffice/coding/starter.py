"""The starter procedure codes shipped in coding/data/ (short descriptions in our own words)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medoffice.coding.importer import ImportResult, parse_file, upsert_codes

DATA = Path(__file__).resolve().parent / "data"
FILES = (("CPT", "starter_cpt.csv"), ("HCPCS", "starter_hcpcs.csv"))


def load_starter_codes(model: Any = None) -> ImportResult:
    """Upsert the starter codes (the data migration passes its historical model)."""
    if model is None:
        from medoffice.coding.models import ProcedureCode as model
    total = ImportResult()
    for system, name in FILES:
        rows = parse_file((DATA / name).read_bytes(), system, "csv")
        result = upsert_codes(model, rows, system=system, source="starter")
        total.created += result.created
        total.updated += result.updated
        total.unchanged += result.unchanged
    return total
