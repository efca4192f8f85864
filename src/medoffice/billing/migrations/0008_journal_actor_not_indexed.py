"""A journal's actor is no longer indexed: nothing looks journals up by who posted them, and an
ERA posts tens of thousands of journals. Dropped by name (AlterField would rebuild the table on
SQLite). Deleting a user (which PROTECT refuses when they posted) reads the table instead."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_journal_key_like_index_dropped"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="journal",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="Who posted it (empty for automatic postings)",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "billing_journal_actor_id_6878c105"',
                    'CREATE INDEX "billing_journal_actor_id_6878c105" ON "billing_journal" ("actor_id")',
                ),
            ],
        ),
    ]
