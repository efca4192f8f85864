import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("remittance", "0003_partial_resolved_by_index"),
    ]

    operations = [
        # The remittance's own foreign-key index repeats the head of remclaim_seq_unique
        # (remittance, sequence). Dropped by name: AlterField would rebuild the table on SQLite.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="remittanceclaim",
                    name="remittance",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claims",
                        to="remittance.remittance",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "remittance_remittanceclaim_remittance_id_5b6cfbb1"',
                    'CREATE INDEX "remittance_remittanceclaim_remittance_id_5b6cfbb1" ON "remittance_remittanceclaim" ("remittance_id")',
                ),
            ],
        ),
    ]
