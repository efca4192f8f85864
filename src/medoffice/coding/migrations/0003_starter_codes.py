"""Load the starter procedure codes (coding/data/starter_*.csv, described in our own words).

A practice's own CPT and HCPCS imports later update these rows by code.
"""

from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    from medoffice.coding.importer import parse_file, upsert_codes

    ProcedureCode = apps.get_model("coding", "ProcedureCode")
    for system, name in (("CPT", "starter_cpt.csv"), ("HCPCS", "starter_hcpcs.csv")):
        rows = parse_file((DATA / name).read_bytes(), system, "csv")
        upsert_codes(ProcedureCode, rows, system=system, source="starter")


class Migration(migrations.Migration):
    dependencies = [("coding", "0002_long_description")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
