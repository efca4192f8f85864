import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0005_partial_link_indexes"),
        ("patients", "0003_coverage_medicare_secondary_type"),
        ("remittance", "0002_appeal_letters"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Full foreign-key indexes of optional links become partial ones (where set). The old
        # ones are dropped by name: AlterField would rebuild the table on SQLite.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="remittanceclaim",
                    name="resolved_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "remittance_remittanceclaim_resolved_by_id_646903aa"',
                    'CREATE INDEX "remittance_remittanceclaim_resolved_by_id_646903aa" ON "remittance_remittanceclaim" ("resolved_by_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="remittanceclaim",
            index=models.Index(
                condition=models.Q(("resolved_by__isnull", False)),
                fields=["resolved_by"],
                name="remclaim_resolved_by_idx",
            ),
        ),
    ]
