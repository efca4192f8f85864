"""Who created a claim, recorded an adjudication or moved a claim's status is no longer indexed
on its own: no page or report looks those rows up by that person (the billers' productivity
report reads status changes by time first: claimstatus_at_idx), and an ERA wrote an entry into
each index for every claim it moved and every row it added. Dropped by name (AlterField would
rebuild the tables on SQLite). Deleting a user (which PROTECT refuses when they did any of it)
reads the tables instead."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _user_fk(**options):
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
        **options,
    )


_DROPPED = [
    ("claims_claim_created_by_id_2bb498dd", "claims_claim", "created_by_id"),
    (
        "claims_claimlineadjudication_recorded_by_id_41cab720",
        "claims_claimlineadjudication",
        "recorded_by_id",
    ),
    ("claims_claimstatuschange_actor_id_7139dc3b", "claims_claimstatuschange", "actor_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_pcn_like_index_dropped"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="claim", name="created_by", field=_user_fk()),
                migrations.AlterField(
                    model_name="claimlineadjudication",
                    name="recorded_by",
                    field=_user_fk(blank=True, null=True),
                ),
                migrations.AlterField(
                    model_name="claimstatuschange",
                    name="actor",
                    field=_user_fk(blank=True, null=True),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in _DROPPED
            ],
        ),
    ]
