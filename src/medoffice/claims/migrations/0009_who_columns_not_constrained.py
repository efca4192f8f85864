"""Who recorded an adjudication or moved a claim's status has no database constraint any more:
PostgreSQL checked the same user row once for every row an ERA added (thousands of status
changes and adjudications) at the commit. The application keeps the columns right (the rows
are written by services; users are deactivated, not deleted, and Django still enforces PROTECT
on a deletion).

On PostgreSQL the foreign keys are dropped. On SQLite the tables keep their inline REFERENCES:
dropping them means rebuilding the tables, and SQLite's check is a cheap look-up."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from medoffice.core.migration_operations import AlterFieldOnPostgres


def _user_fk():
    return models.ForeignKey(
        blank=True,
        db_constraint=False,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_who_columns_not_indexed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AlterFieldOnPostgres(
            model_name="claimlineadjudication", name="recorded_by", field=_user_fk()
        ),
        AlterFieldOnPostgres(model_name="claimstatuschange", name="actor", field=_user_fk()),
    ]
