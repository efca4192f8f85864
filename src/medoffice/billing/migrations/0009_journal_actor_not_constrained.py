"""A journal's actor has no database constraint any more: PostgreSQL checked the same user row
once for every journal at the commit, and an ERA posts tens of thousands of journals. The
application keeps the column right (journals are posted by services; users are deactivated,
not deleted, and Django still enforces PROTECT on a deletion).

On PostgreSQL the foreign key is dropped. On SQLite the table keeps its inline REFERENCES:
dropping it means rebuilding the table, and SQLite's check is a cheap look-up."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from medoffice.core.migration_operations import AlterFieldOnPostgres


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_journal_actor_not_indexed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AlterFieldOnPostgres(
            model_name="journal",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="Who posted it (empty for automatic postings)",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
