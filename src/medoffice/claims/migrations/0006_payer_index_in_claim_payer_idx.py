import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0005_partial_link_indexes"),
        ("patients", "0003_coverage_medicare_secondary_type"),
    ]

    operations = [
        # The payer's own foreign-key index repeats the head of claim_payer_idx (payer, status).
        # Dropped by name: AlterField would rebuild the table on SQLite.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="claim",
                    name="payer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claims",
                        to="patients.payer",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_claim_payer_id_f7f8a960"',
                    'CREATE INDEX "claims_claim_payer_id_f7f8a960" ON "claims_claim" ("payer_id")',
                ),
            ],
        ),
    ]
