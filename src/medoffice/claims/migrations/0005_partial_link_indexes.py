import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chart", "0002_initial"),
        ("claims", "0004_status_change_at_index"),
        ("organization", "0002_location_billing_fields"),
        ("patients", "0003_coverage_medicare_secondary_type"),
        ("referrals", "0003_referral_status_changed_at"),
        ("scheduling", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Full foreign-key indexes of optional links become partial ones (where set). The old
        # ones are dropped by name: AlterField would rebuild the table on SQLite.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="claim",
                    name="original_claim",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="corrections",
                        to="claims.claim",
                    ),
                ),
                migrations.AlterField(
                    model_name="claim",
                    name="prior_authorization",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="referrals.priorauthorization",
                    ),
                ),
                migrations.AlterField(
                    model_name="claim",
                    name="prior_claim",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="For a secondary (tertiary) claim: the claim the payer before adjudicated",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="next_payer_claims",
                        to="claims.claim",
                    ),
                ),
                migrations.AlterField(
                    model_name="claim",
                    name="referral",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="referrals.referral",
                    ),
                ),
                migrations.AlterField(
                    model_name="claimline",
                    name="prior_line",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="On a secondary claim: the same service on the claim the payer before saw",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="claims.claimline",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_claim_original_claim_id_dd4c0fe2"',
                    'CREATE INDEX "claims_claim_original_claim_id_dd4c0fe2" ON "claims_claim" ("original_claim_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_claim_prior_authorization_id_7d270fac"',
                    'CREATE INDEX "claims_claim_prior_authorization_id_7d270fac" ON "claims_claim" ("prior_authorization_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_claim_prior_claim_id_3b13c0c6"',
                    'CREATE INDEX "claims_claim_prior_claim_id_3b13c0c6" ON "claims_claim" ("prior_claim_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_claim_referral_id_c008aaaf"',
                    'CREATE INDEX "claims_claim_referral_id_c008aaaf" ON "claims_claim" ("referral_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "claims_claimline_prior_line_id_066bc413"',
                    'CREATE INDEX "claims_claimline_prior_line_id_066bc413" ON "claims_claimline" ("prior_line_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("original_claim__isnull", False)),
                fields=["original_claim"],
                name="claim_original_claim_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("prior_claim__isnull", False)),
                fields=["prior_claim"],
                name="claim_prior_claim_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("prior_authorization__isnull", False)),
                fields=["prior_authorization"],
                name="claim_prior_authorization_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("referral__isnull", False)),
                fields=["referral"],
                name="claim_referral_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="claimline",
            index=models.Index(
                condition=models.Q(("prior_line__isnull", False)),
                fields=["prior_line"],
                name="claimline_prior_line_idx",
            ),
        ),
    ]
