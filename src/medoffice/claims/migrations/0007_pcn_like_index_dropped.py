"""PostgreSQL: drop the `varchar_pattern_ops` index Django adds beside a unique text column's
own index. It serves LIKE searches only, and no query searches patient control numbers that
way; every claim created kept it up all the same (12 MB on the large dataset). SQLite has no
such index."""

from django.db import migrations

INDEX = "claims_claim_patient_control_number_db70f974_like"
TABLE, COLUMN = "claims_claim", "patient_control_number"


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def restore_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} ({COLUMN} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("claims", "0006_payer_index_in_claim_payer_idx")]

    operations = [migrations.RunPython(drop_like_index, restore_like_index)]
