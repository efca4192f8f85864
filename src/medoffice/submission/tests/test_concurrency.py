"""Two batch runs at once: each ready claim is submitted once and sits in exactly one batch."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from medoffice.claims.models import ClaimStatus, ClaimStatusChange
from medoffice.submission.models import SubmissionBatch, SubmissionBatchClaim
from medoffice.submission.services import batches_create_for_ready_claims
from medoffice.submission.tests.conftest import cast, new_patient, ready_claim

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_runs_at_once_submit_each_claim_once(addressed, billing_user):
    claims = [
        ready_claim(addressed, billing_user, new_patient(family, "Sam"))
        for family in ("Adams", "Baker", "Clark")
    ]
    other = cast("biller", username="biller2", location=addressed["location"])
    barrier = threading.Barrier(2)
    errors: list[str] = []

    def run(actor) -> None:
        try:
            barrier.wait()
            batches_create_for_ready_claims(actor=actor)
        except Exception as exc:  # a run may lose the race entirely; it must not half-write
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in (billing_user, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    items = list(SubmissionBatchClaim.objects.values_list("claim_id", flat=True))
    assert sorted(items) == sorted(c.pk for c in claims)
    submitted = ClaimStatusChange.objects.filter(to_status=ClaimStatus.SUBMITTED)
    assert sorted(submitted.values_list("claim_id", flat=True)) == sorted(c.pk for c in claims)
    for batch in SubmissionBatch.objects.all():
        assert batch.claim_count == batch.items.count()
        assert batch.content.count("CLM*") == batch.claim_count
