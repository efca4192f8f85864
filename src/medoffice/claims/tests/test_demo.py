"""The small demo's revenue cycle: a ledger that reconciles, claim balances that follow their
postings, a realistic denial rate, statements, and demo ERAs that post once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Q, Sum

from medoffice.billing.models import Posting, Statement
from medoffice.billing.selectors import ledger_reconcile
from medoffice.claims.models import Claim, ClaimLineAdjudication, ClaimStatus
from medoffice.remittance.models import RemittanceFile, RemittanceLine
from medoffice.submission.models import SubmissionBatch

ZERO = Decimal("0.00")


def _sum(rows) -> Decimal:
    """SQLite adds decimals as floats: the total back to cents."""
    return (rows.aggregate(s=Sum("amount"))["s"] or ZERO).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from medoffice.coding.starter import load_starter_codes, load_starter_tables

        load_starter_codes()
        load_starter_tables()
        try:
            call_command("demo", "--size", "small", "--seed", "3", "--quiet")
            yield
        finally:
            # Also when the demo fails half-way: what it committed would break later tests.
            call_command("flush", "--no-input", verbosity=0)
            # As after migrate again: later tests read the starter code tables the flush emptied.
            load_starter_codes()
            load_starter_tables()


@pytest.mark.django_db
def test_demo_ledger_reconciles_and_claims_follow_their_postings(demo):
    assert ledger_reconcile().ok
    paid = Claim.objects.filter(status__in=[ClaimStatus.PAID, ClaimStatus.PARTIALLY_PAID])
    assert paid.count() > 100
    for claim in Claim.objects.all():
        rows = Posting.objects.filter(claim_id=claim.pk, account="ar_payer")
        charged = _sum(rows.filter(journal__kind="charge"))
        assert charged == claim.total_billed
        credits = _sum(rows.filter(~Q(journal__kind="charge")))
        adjudicated = ClaimLineAdjudication.objects.filter(claim_line__claim=claim)
        paid_amt = sum((a.paid_amount for a in adjudicated), ZERO)
        adjusted = sum((sum((Decimal(str(x["amount"])) for x in a.adjustments), ZERO)
                        for a in adjudicated), ZERO)  # fmt: skip
        balance = _sum(rows)
        assert balance == claim.total_billed + credits
        assert balance == claim.total_billed - paid_amt - adjusted


@pytest.mark.django_db
def test_demo_denials_statements_and_batches(demo):
    lines = RemittanceLine.objects.count()
    denied = RemittanceLine.objects.exclude(denial="").count()
    assert lines > 500
    assert 0.03 <= denied / lines <= 0.10
    assert Statement.objects.exists()
    assert SubmissionBatch.objects.filter(content__startswith="ISA").exists()
    assert Claim.objects.filter(status=ClaimStatus.ACCEPTED).exists()  # open with the payer
    assert Claim.objects.filter(status=ClaimStatus.DRAFT).exists()  # the last two weeks


@pytest.mark.django_db
def test_demo_era_imported_again_posts_nothing(demo, settings):
    from medoffice.accounts.models import User
    from medoffice.billing.models import Journal
    from medoffice.remittance.services import era_import

    file = RemittanceFile.objects.order_by("pk").first()
    text = (Path(settings.VAR_DIR) / "demo-eras" / file.name).read_bytes()
    journals, postings = Journal.objects.count(), Posting.objects.count()
    result = era_import(name="again.835", content=text, actor=User.objects.get(username="biller"))
    assert result.already_imported == result.remittances == 1
    assert (Journal.objects.count(), Posting.objects.count()) == (journals, postings)
