"""A remittance claim's patient (a copy of its claim's) has no database constraint any more:
PostgreSQL's check locked each of an ERA's thousands of patients at the commit. The claim's own
foreign key keeps the patient, the application writes the copy, and Django still enforces
PROTECT on a deletion.

On PostgreSQL the foreign key is dropped (the index stays: look-ups by patient). On SQLite the
table keeps its inline REFERENCES: dropping it means rebuilding the table, and SQLite's check
is a cheap look-up."""

import django.db.models.deletion
from django.db import migrations, models

from medoffice.core.migration_operations import AlterFieldOnPostgres


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_coverage_medicare_secondary_type"),
        ("remittance", "0004_remittance_index_in_seq_unique"),
    ]

    operations = [
        AlterFieldOnPostgres(
            model_name="remittanceclaim",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="patients.patient",
            ),
        ),
    ]
