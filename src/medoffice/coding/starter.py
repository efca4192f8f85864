"""The starter code tables shipped in coding/data/ (short descriptions in our own words)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from medoffice.coding.importer import ImportResult, parse_file, upsert_codes

DATA = Path(__file__).resolve().parent / "data"
FILES = (("CPT", "starter_cpt.csv"), ("HCPCS", "starter_hcpcs.csv"))
# The billing tables: modifiers, places of service, CARC and RARC lists, and demo MUE, NCCI
# and procedure-diagnosis sets for the starter procedure codes (not CMS's published values).
TABLE_FILES = (
    ("modifiers", "starter_modifiers.csv"),
    ("pos", "starter_pos.csv"),
    ("carc", "starter_carc.csv"),
    ("rarc", "starter_rarc.csv"),
    ("mue", "starter_mue.csv"),
    ("ncci", "starter_ncci.txt"),
    ("dx-rules", "starter_dx_rules.csv"),
)


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


def load_starter_tables(get_model: Callable[[str, str], Any] | None = None) -> ImportResult:
    """Upsert the starter billing tables in one transaction (the data migration passes
    `apps.get_model`, so its historical models are used)."""
    from django.db import transaction

    from medoffice.coding.table_import import KINDS, parse_table, upsert_table

    if get_model is None:
        from django.apps import apps

        get_model = apps.get_model
    total = ImportResult()
    with transaction.atomic():
        for kind, name in TABLE_FILES:
            rows = parse_table((DATA / name).read_bytes(), kind)
            model = get_model("coding", KINDS[kind].model)
            result = upsert_table(model, kind, rows, source="starter")
            total.created += result.created
            total.updated += result.updated
            total.unchanged += result.unchanged
    return total
