"""Load the starter procedure codes (coding/data/starter_*.csv, described in our own words).

A practice's own CPT and HCPCS imports later update these rows by code.
"""

from django.db import migrations


def load(apps, schema_editor):
    from medoffice.coding.starter import load_starter_codes

    load_starter_codes(apps.get_model("coding", "ProcedureCode"))


class Migration(migrations.Migration):
    dependencies = [("coding", "0002_long_description")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
