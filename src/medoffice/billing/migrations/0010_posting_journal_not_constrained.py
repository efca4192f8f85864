"""A posting's journal has no database constraint any more: PostgreSQL checked it for every
posting at the commit, an ERA's 110,000 of them. Postings are written with their journal by the
ledger services only, neither can be changed or deleted (the append-only triggers), Django
still enforces PROTECT, and ledger_reconcile reports a posting whose journal is missing.

On PostgreSQL the foreign key is dropped (the index stays). On SQLite the table keeps its
inline REFERENCES: dropping it means rebuilding the table (millions of rows in a large
practice), and SQLite's check is a cheap look-up."""

import django.db.models.deletion
from django.db import migrations, models

from medoffice.core.migration_operations import AlterFieldOnPostgres


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0009_journal_actor_not_constrained"),
    ]

    operations = [
        AlterFieldOnPostgres(
            model_name="posting",
            name="journal",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="postings",
                to="billing.journal",
            ),
        ),
    ]
