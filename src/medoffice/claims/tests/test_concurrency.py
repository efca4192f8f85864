"""Two billers at once: one claim transition wins, the other is refused; an encounter's charges
are billed once when two builds run together."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from medoffice.claims.models import Claim, ClaimStatus, ClaimStatusChange
from medoffice.claims.services import charges_capture, claim_transition, claims_build_for_encounter
from medoffice.claims.tests.conftest import add_coverage, cast, visit_lines

pytestmark = pytest.mark.django_db(transaction=True)


def _all_at_once(actions: list[Callable[[], object]]) -> list[str]:
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            action()
            result = "ok"
        except Exception as exc:
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_transitions_at_once_exactly_one_wins(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    charges_capture(encounter=encounter, lines=visit_lines(), actor=biller)
    claim = claims_build_for_encounter(encounter=encounter, actor=biller).claim
    other = cast("biller", username="biller2", location=office["location"])

    def move(actor, to, reason=""):
        return lambda: claim_transition(
            claim=Claim.objects.get(pk=claim.pk), to=to, actor=actor, reason=reason
        )

    outcomes = _all_at_once([move(biller, "scrubbed"), move(other, "closed", "duplicate")])
    assert sorted(o[:5] for o in outcomes) == ["error", "ok"], outcomes
    final = Claim.objects.get(pk=claim.pk).status
    assert final in (ClaimStatus.SCRUBBED, ClaimStatus.CLOSED)
    changes = ClaimStatusChange.objects.filter(claim_id=claim.pk).exclude(from_status="")
    assert list(changes.values_list("to_status", flat=True)) == [final]


def test_two_builds_at_once_bill_the_charges_once(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    charges_capture(encounter=encounter, lines=visit_lines(), actor=biller)
    other = cast("biller", username="biller2", location=office["location"])

    def build(actor):
        return lambda: claims_build_for_encounter(encounter=encounter, actor=actor)

    outcomes = _all_at_once([build(biller), build(other)])
    assert sorted(o[:5] for o in outcomes) == ["error", "ok"], outcomes
    assert Claim.objects.count() == 1
