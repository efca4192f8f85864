"""The bulk services an ERA uses: claims_transition_many (the rules of claim_transition, one
conditional UPDATE per move pair) and claim_line_adjudications_record (the validation of
claim_line_adjudication_record, one insert)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.claims.models import Claim, ClaimLineAdjudication, ClaimStatus, ClaimStatusChange
from medoffice.claims.services import (
    AdjudicationInput,
    StatusMove,
    charges_capture,
    claim_line_adjudications_record,
    claim_transition,
    claims_build_for_encounter,
    claims_transition_many,
)
from medoffice.claims.tests.conftest import add_coverage, cast, make_encounter, visit_lines

D = Decimal


@pytest.fixture
def claims(office, patient, biller):
    add_coverage(patient, office["primary_payer"])
    made = []
    for _ in range(3):
        encounter = make_encounter(office, patient)
        charges_capture(encounter=encounter, lines=visit_lines(), actor=biller)
        made.append(claims_build_for_encounter(encounter=encounter, actor=biller).claim)
    return made


def test_many_claims_move_with_their_history_and_audit(claims, biller):
    one, two, three = claims
    stale = Claim.objects.get(pk=three.pk)
    claim_transition(claim=three, to="scrubbed", actor=biller)  # `stale` is now out of date
    result = claims_transition_many(
        [StatusMove(claim=one, to="scrubbed", detail={"why": "batch"}, payer_claim_number="P-1"),
         StatusMove(claim=two, to="paid"),  # a draft cannot become paid
         StatusMove(claim=stale, to="scrubbed")],
        actor=biller, reason="nightly scrub",
    )  # fmt: skip
    assert result.moved == [one.pk]
    assert "cannot become paid" in result.refused[two.pk]
    assert "changed meanwhile" in result.refused[stale.pk]
    assert Claim.objects.get(pk=one.pk).status == ClaimStatus.SCRUBBED
    assert Claim.objects.get(pk=one.pk).payer_claim_number == "P-1"
    assert Claim.objects.get(pk=two.pk).status == ClaimStatus.DRAFT
    assert Claim.objects.get(pk=three.pk).status == ClaimStatus.SCRUBBED
    change = ClaimStatusChange.objects.get(claim=one, to_status="scrubbed")
    assert (change.from_status, change.to_status, change.reason, change.detail) == (
        "draft", "scrubbed", "nightly scrub", {"why": "batch"},
    )  # fmt: skip
    assert not ClaimStatusChange.objects.filter(claim=two, to_status="paid").exists()
    event = AuditEvent.objects.get(object_type="claim", object_id=str(one.pk), action="update")
    assert event.patient_id == one.patient_id and event.details == {
        "from": "draft", "to": "scrubbed",
    }  # fmt: skip


def test_a_move_by_way_of_statuses_checks_and_records_every_step(claims, biller):
    one, two, _ = claims
    claims_transition_many({one: "scrubbed", two: "scrubbed"}, actor=biller, reason="scrub")
    one.status = two.status = ClaimStatus.SCRUBBED
    result = claims_transition_many(
        [StatusMove(claim=one, to="submitted", via=("ready",)),
         StatusMove(claim=two, to="submitted", via=("paid",))],  # scrubbed -> paid: no
        actor=biller, reason="batch 7",
    )  # fmt: skip
    assert result.moved == [one.pk] and "cannot become paid" in result.refused[two.pk]
    moved = Claim.objects.get(pk=one.pk)
    assert moved.status == ClaimStatus.SUBMITTED and moved.submitted_at is not None
    steps = list(
        ClaimStatusChange.objects.filter(claim=one, reason="batch 7")
        .order_by("pk")
        .values_list("from_status", "to_status")
    )
    assert steps == [("scrubbed", "ready"), ("ready", "submitted")]
    assert Claim.objects.get(pk=two.pk).status == ClaimStatus.SCRUBBED
    entry = AuditEvent.objects.filter(object_type="claim", object_id=str(one.pk)).latest("seq")
    assert entry.details == {"from": "scrubbed", "to": "submitted", "via": ["ready"]}


def test_mapping_form_and_the_rules_of_a_single_move(claims, biller):
    one, two, _ = claims
    result = claims_transition_many({one: "closed", two: "lost"}, actor=biller)
    assert "Say why" in result.refused[one.pk] and "not a claim status" in result.refused[two.pk]
    result = claims_transition_many({one: "closed", two: "scrubbed"}, actor=biller, reason="dup")
    assert sorted(result.moved) == sorted([one.pk, two.pk]) and not result.refused
    assert Claim.objects.get(pk=one.pk).status == ClaimStatus.CLOSED


def test_a_claim_whose_scrub_found_errors_is_not_moved_to_ready(claims, biller):
    from django.utils import timezone

    from medoffice.claims.models import ClaimFinding

    held, clean, _ = claims
    claims_transition_many({held: "scrubbed", clean: "scrubbed"}, actor=biller)
    ClaimFinding.objects.create(
        claim=held, rule_id="REQ001", severity="error", message="No ZIP", created_at=timezone.now()
    )
    held, clean = Claim.objects.get(pk=held.pk), Claim.objects.get(pk=clean.pk)
    result = claims_transition_many({held: "ready", clean: "ready"}, actor=biller)
    assert result.moved == [clean.pk] and "last scrub found errors" in result.refused[held.pk]
    assert Claim.objects.get(pk=held.pk).status == ClaimStatus.SCRUBBED


@pytest.mark.parametrize("role", ["clinician", "frontdesk"])
def test_only_billers_move_claims_in_bulk(claims, role, office):
    with pytest.raises(PermissionDenied):
        claims_transition_many({claims[0]: "scrubbed"}, actor=cast(role))
    assert Claim.objects.get(pk=claims[0].pk).status == ClaimStatus.DRAFT


def _decision(line, paid, *adjustments, reference="ERA-7"):
    return AdjudicationInput(
        claim_line=line, payer_id=line.claim.payer_id, paid_amount=paid,
        adjustments=[{"group": g, "reason": r, "amount": a} for g, r, a in adjustments],
        adjudicated_on=date(2026, 3, 20), remark_codes=["N130"], source_reference=reference,
    )  # fmt: skip


def test_many_adjudications_validated_recorded_once_and_audited_per_patient(claims, biller):
    one, two, _ = claims
    visit, draw = one.lines.order_by("line_number")
    other_draw = two.lines.get(line_number=2)
    items = [
        _decision(visit, "95.00", ("CO", "45", "30.00"), ("PR", "2", "25.00")),
        _decision(draw, "10.00"),  # does not balance: 18.00 billed
        _decision(other_draw, "0", ("XX", "45", "18.00")),  # not a group code
        _decision(other_draw, "0", ("CO", "97", "18.00")),
    ]
    out = claim_line_adjudications_record(items=items, actor=biller)
    assert isinstance(out[0], ClaimLineAdjudication) and out[0].paid_amount == D("95.00")
    assert out[0].claim_line == visit and out[0].recorded_by_id == biller.pk
    assert ClaimLineAdjudication.objects.get(pk=out[0].pk).recorded_by_id == biller.pk
    assert isinstance(out[1], ValidationError) and "add up to" in out[1].messages[0]
    assert isinstance(out[2], ValidationError) and "group code" in out[2].messages[0]
    assert isinstance(out[3], ClaimLineAdjudication)
    assert ClaimLineAdjudication.objects.count() == 2
    assert out[0].adjustments == [
        {"group": "CO", "reason": "45", "amount": "30.00"},
        {"group": "PR", "reason": "2", "amount": "25.00"},
    ]
    event = AuditEvent.objects.get(object_type="claim_adjudication")
    assert event.patient_id == one.patient_id and event.details["claims"] == [one.pk, two.pk]
    assert event.details["records"] == [out[0].pk, out[3].pk]
    again = claim_line_adjudications_record(items=[items[0], items[0]], actor=biller)
    assert [r.pk for r in again] == [out[0].pk, out[0].pk]
    assert ClaimLineAdjudication.objects.count() == 2


def test_a_batch_naming_the_same_line_twice_records_it_once(claims, biller):
    draw = claims[0].lines.get(line_number=2)
    out = claim_line_adjudications_record(
        items=[_decision(draw, "0", ("CO", "97", "18.00"))] * 2, actor=biller
    )
    assert out[0].pk == out[1].pk and ClaimLineAdjudication.objects.count() == 1


def test_only_billers_record_adjudications_in_bulk(claims):
    draw = claims[0].lines.get(line_number=2)
    with pytest.raises(PermissionDenied):
        claim_line_adjudications_record(
            items=[_decision(draw, "0", ("CO", "97", "18.00"))], actor=cast("clinician")
        )
    assert not ClaimLineAdjudication.objects.exists()
    refusal = AuditEvent.objects.get(action="permission_denied")
    assert (refusal.patient_id, refusal.object_id) == (claims[0].patient_id, str(claims[0].pk))
