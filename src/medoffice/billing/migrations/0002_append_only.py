"""Journals and postings are append-only: on PostgreSQL a trigger rejects UPDATE and DELETE.

(A correction is a reversing journal. SQLite has no trigger here, like the audit table; there
the services, which never update or delete, and `medoffice billing reconcile` are the control.)
"""

from django.db import migrations

TABLES = ("billing_journal", "billing_posting")

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION billing_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed (post a reversing journal)',
        TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # params=None: run the SQL as is (psycopg would read plpgsql's `%` as a query parameter).
    schema_editor.execute(TRIGGER_SQL, params=None)
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}", params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION billing_ledger_append_only()",
            params=None,
        )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS billing_ledger_append_only()", params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(add_trigger, drop_trigger)]
