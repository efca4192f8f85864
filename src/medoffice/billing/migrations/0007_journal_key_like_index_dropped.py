"""PostgreSQL: drop the `varchar_pattern_ops` index Django adds beside a unique text column's
own index. It serves LIKE searches only, and no query searches journals' idempotency keys
that way; every journal kept it up all the same (an ERA posts tens of thousands; 54 MB on
the large dataset). SQLite has no such index."""

from django.db import migrations

INDEX = "billing_journal_idempotency_key_5a2dfc1c_like"
TABLE, COLUMN = "billing_journal", "idempotency_key"


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def restore_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} ({COLUMN} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_posting_claim_index_covers_amounts")]

    operations = [migrations.RunPython(drop_like_index, restore_like_index)]
