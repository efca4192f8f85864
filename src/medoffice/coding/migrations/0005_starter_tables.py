"""Load the starter billing tables (coding/data/starter_*: modifiers, places of service, CARC,
RARC, and demo MUE, NCCI and procedure-diagnosis sets, described in our own words)."""

from django.db import migrations


def load(apps, schema_editor):
    from medoffice.coding.starter import load_starter_tables

    load_starter_tables(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("coding", "0004_code_tables")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
