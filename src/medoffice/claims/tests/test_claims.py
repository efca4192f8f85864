"""Building claims: the coverage by date and priority, self-pay, ledger postings that balance and
match the claim; transitions; secondary claims with the primary's adjudication; corrections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.billing.models import Journal, Posting
from medoffice.billing.selectors import claim_balance, patient_balance
from medoffice.chart.models import EncounterDiagnosis
from medoffice.claims.models import (
    ChargeLine,
    ChargeStatus,
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimStatusChange,
)
from medoffice.claims.services import (
    ChargeInput,
    charge_void,
    charges_capture,
    claim_build_secondary,
    claim_correct,
    claim_line_adjudication_record,
    claim_transition,
    claims_build_for_encounter,
)
from medoffice.claims.tests.conftest import add_coverage, cast, make_encounter, visit_lines
from medoffice.core.sequences import luhn_valid
from medoffice.referrals.models import PriorAuthorization

D = Decimal


def _billed(encounter, biller):
    charges_capture(encounter=encounter, lines=visit_lines(), actor=biller)
    return claims_build_for_encounter(encounter=encounter, actor=biller)


def test_primary_claim_from_the_charges(office, patient, encounter, biller):
    coverage = add_coverage(patient, office["primary_payer"])
    claim = _billed(encounter, biller).claim
    assert claim.coverage == coverage and claim.payer == office["primary_payer"]
    assert claim.responsibility == 1 and claim.sbr01 == "P"
    assert claim.status == ClaimStatus.DRAFT and claim.frequency_code == "1"
    assert claim.total_billed == D("168.00")
    assert claim.diagnosis_codes == ["E11.9", "I10"]  # the category E11 stays off the claim
    assert luhn_valid(claim.patient_control_number[1:])
    lines = list(claim.lines.order_by("line_number"))
    assert [ln.diagnosis_pointers for ln in lines] == [[1, 2], [1]]
    assert [ln.line_control_number for ln in lines] == [
        f"{claim.patient_control_number}-1",
        f"{claim.patient_control_number}-2",
    ]
    assert set(ChargeLine.objects.values_list("status", flat=True)) == {ChargeStatus.BILLED}
    assert ClaimStatusChange.objects.get(claim=claim).to_status == ClaimStatus.DRAFT
    assert AuditEvent.objects.filter(object_type="claim", action="create", patient_id=patient.pk)


def test_ledger_postings_balance_and_match_the_claim(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    claim = _billed(encounter, biller).claim
    journal = Journal.objects.get(pk=claim.charge_journal_id)
    assert journal.kind == "charge" and journal.source_id == str(claim.pk)
    postings = list(Posting.objects.filter(journal=journal))
    assert sum(p.amount for p in postings) == 0
    assert claim_balance(claim.pk) == claim.total_billed
    for line in claim.lines.all():
        ar = [p for p in postings if p.claim_line_id == line.pk and p.account == "ar_payer"]
        assert [p.amount for p in ar] == [line.amount]
        assert ar[0].payer_id == claim.payer_id and ar[0].patient_id == patient.pk
    assert patient_balance(patient.pk) == 0


def test_coverage_by_date_and_priority(office, patient, encounter, biller):
    add_coverage(
        patient, office["secondary_payer"], priority=1, end=date(2026, 2, 28), member="OLD"
    )
    add_coverage(patient, office["secondary_payer"], priority=2, member="SEC")
    current = add_coverage(patient, office["primary_payer"], priority=1, start=date(2026, 3, 1))
    claim = _billed(encounter, biller).claim
    assert claim.coverage == current


def test_secondary_alone_is_billed_as_the_payer(office, patient, encounter, biller):
    # The primary plan ended (or was never entered): the plan left is the first to pay, so the
    # claim goes to it as primary (SBR01 P); as a secondary claim without a prior payer's answer
    # the 837P would be refused.
    add_coverage(patient, office["primary_payer"], end=date(2026, 1, 31), member="ENDED")
    only = add_coverage(patient, office["secondary_payer"], priority=2)
    claim = _billed(encounter, biller).claim
    assert claim.coverage == only and claim.responsibility == 1
    assert claim.sbr01 == "P"


def test_self_pay_makes_no_claim(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"], end=date(2026, 1, 31))
    result = _billed(encounter, biller)
    assert result.claim is None and not Claim.objects.exists()
    assert {c.status for c in result.self_pay} == {ChargeStatus.PATIENT}
    assert patient_balance(patient.pk) == D("138.00")  # 120.00 self-pay fee + 18.00 entered
    visit = result.self_pay[0]
    charge_void(charge=visit, reason="Courtesy: not charged", actor=biller)
    assert patient_balance(patient.pk) == D("18.00")


def test_nothing_to_bill_and_billed_charges_cannot_be_voided(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    with pytest.raises(ValidationError, match="no charges"):
        claims_build_for_encounter(encounter=encounter, actor=biller)
    claim = _billed(encounter, biller).claim
    with pytest.raises(ValidationError, match="no charges"):
        claims_build_for_encounter(encounter=encounter, actor=biller)
    with pytest.raises(ValidationError, match="on a claim"):
        charge_void(charge=claim.lines.first().charge_line, reason="oops", actor=biller)


def test_rerank_after_capture_keeps_pointers_on_their_codes(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    charges_capture(encounter=encounter, lines=[ChargeInput("99213", [2])], actor=biller)
    # The chart moves I10 to rank 1 after the charge was captured.
    EncounterDiagnosis.objects.filter(encounter=encounter, code="E11.9").update(rank=9)
    EncounterDiagnosis.objects.filter(encounter=encounter, code="I10").update(rank=1)
    EncounterDiagnosis.objects.filter(encounter=encounter, code="E11.9").update(rank=2)
    claim = claims_build_for_encounter(encounter=encounter, actor=biller).claim
    assert claim.diagnosis_codes == ["I10", "E11.9"]
    assert claim.lines.get().diagnosis_pointers == [1]


def test_prior_authorization_number_is_carried(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    PriorAuthorization.objects.create(
        patient=patient, payer=office["primary_payer"], auth_number="PA-778", service_codes=["99213"],
        approved_units=3, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), created_by=biller,
    )  # fmt: skip
    claim = _billed(encounter, biller).claim
    assert claim.prior_authorization_number == "PA-778"


@pytest.mark.parametrize("role", ["clinician", "manager", "compliance", "frontdesk", "nurse"])
def test_only_billers_build_claims(office, patient, encounter, biller, role):
    add_coverage(patient, office["primary_payer"])
    charges_capture(encounter=encounter, lines=visit_lines(), actor=biller)
    with pytest.raises(PermissionDenied):
        claims_build_for_encounter(encounter=encounter, actor=cast(role))
    assert not Claim.objects.exists() and not Journal.objects.exists()
    assert set(ChargeLine.objects.values_list("status", flat=True)) == {ChargeStatus.OPEN}


def _walk(claim, biller, *steps):
    for to in steps:
        claim = claim_transition(claim=claim, to=to, actor=biller, reason="per payer")
    return claim


def test_transitions_follow_the_table(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    claim = _billed(encounter, biller).claim
    with pytest.raises(ValidationError, match="cannot become paid"):
        claim_transition(claim=claim, to=ClaimStatus.PAID, actor=biller)
    with pytest.raises(ValidationError, match="not a claim status"):
        claim_transition(claim=claim, to="lost", actor=biller)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.DRAFT
    claim = _walk(claim, biller, "scrubbed", "ready", "submitted")
    assert claim.submitted_at is not None
    claim = claim_transition(
        claim=claim, to="accepted", actor=biller, payer_claim_number="EMP-55",
        detail={"ack": "277CA", "trace": "T1"},
    )  # fmt: skip
    assert claim.payer_claim_number == "EMP-55"
    with pytest.raises(ValidationError, match="Say why"):
        claim_transition(claim=claim, to="denied", actor=biller)
    claim = claim_transition(
        claim=claim, to="denied", actor=biller, reason="Not covered", detail={"carc": ["96"]}
    )
    claim = _walk(claim, biller, "appealed", "paid", "closed")
    history = list(claim.status_changes.values_list("from_status", "to_status"))
    assert history[-1] == ("paid", "closed") and len(history) == 9
    assert claim.status_changes.get(to_status="denied").detail == {"carc": ["96"]}
    assert claim.allowed_next() == ()


def test_a_stale_transition_changes_nothing(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    claim = _billed(encounter, biller).claim
    stale = Claim.objects.get(pk=claim.pk)
    claim_transition(claim=claim, to="scrubbed", actor=biller)
    with pytest.raises(ValidationError, match="changed meanwhile"):
        claim_transition(claim=stale, to="closed", actor=biller, reason="abandon")
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SCRUBBED
    assert claim.status_changes.count() == 2


def _adjudicate(claim, biller, paid_visit="95.00"):
    visit, draw = claim.lines.order_by("line_number")
    claim_line_adjudication_record(
        claim_line=visit, payer_id=claim.payer_id, paid_amount=paid_visit, allowed_amount="120.00",
        adjustments=[{"group": "CO", "reason": "45", "amount": "30.00"},
                     {"group": "PR", "reason": "2", "amount": "25.00"}],
        adjudicated_on=date(2026, 3, 20), actor=biller, source_reference="ERA-1",
    )  # fmt: skip
    claim_line_adjudication_record(
        claim_line=draw, payer_id=claim.payer_id, paid_amount="0",
        adjustments=[{"group": "CO", "reason": "97", "amount": "18.00"}],
        adjudicated_on=date(2026, 3, 20), actor=biller, source_reference="ERA-1",
    )  # fmt: skip


def test_secondary_claim_carries_the_primarys_adjudication(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    second = add_coverage(patient, office["secondary_payer"], priority=2, member="S1")
    claim = _billed(encounter, biller).claim
    with pytest.raises(ValidationError, match="not adjudicated"):
        claim_build_secondary(claim=claim, actor=biller)
    claim = _walk(claim, biller, "scrubbed", "ready", "submitted", "accepted", "partially_paid")
    with pytest.raises(ValidationError, match="post the remittance"):
        claim_build_secondary(claim=claim, actor=biller)
    _adjudicate(claim, biller)
    secondary = claim_build_secondary(claim=claim, actor=biller)
    assert secondary.coverage == second and secondary.responsibility == 2
    assert secondary.prior_claim == claim and secondary.total_billed == claim.total_billed
    line = secondary.lines.get(line_number=1)
    prior = line.prior_line.adjudications.get()
    assert prior.paid_amount == D("95.00") and prior.adjustments[0]["reason"] == "45"
    with pytest.raises(ValidationError, match="already built"):
        claim_build_secondary(claim=claim, actor=biller)
    assert Journal.objects.count() == 1  # the charges were posted once, with the primary


def test_adjudication_must_balance_and_is_recorded_once(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    claim = _billed(encounter, biller).claim
    line = claim.lines.get(line_number=2)
    with pytest.raises(ValidationError, match="add up to"):
        claim_line_adjudication_record(
            claim_line=line, payer_id=claim.payer_id, paid_amount="10.00", adjustments=[],
            adjudicated_on=date(2026, 3, 20), actor=biller,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="group code"):
        claim_line_adjudication_record(
            claim_line=line, payer_id=claim.payer_id, paid_amount="0",
            adjustments=[{"group": "XX", "reason": "45", "amount": "18.00"}],
            adjudicated_on=date(2026, 3, 20), actor=biller,
        )  # fmt: skip
    _adjudicate(claim, biller)
    _adjudicate(claim, biller)
    assert ClaimLine.objects.get(pk=line.pk).adjudications.count() == 1


def test_replacement_claim_names_the_original(office, patient, encounter, biller):
    add_coverage(patient, office["primary_payer"])
    claim = _billed(encounter, biller).claim
    claim = _walk(claim, biller, "scrubbed", "ready", "submitted")
    with pytest.raises(ValidationError):
        claim_correct(claim=claim, frequency="7", actor=biller, reason="wrong units")
    claim = claim_transition(claim=claim, to="accepted", actor=biller, payer_claim_number="EMP-9")
    fixed = claim_correct(claim=claim, frequency="7", actor=biller, reason="wrong units")
    assert fixed.frequency_code == "7" and fixed.original_claim == claim
    assert fixed.original_reference == "EMP-9" and fixed.status == ClaimStatus.DRAFT
    assert fixed.patient_control_number != claim.patient_control_number
    assert fixed.lines.count() == claim.lines.count()


def test_two_encounters_get_distinct_control_numbers(office, patient, biller):
    add_coverage(patient, office["primary_payer"])
    first = _billed(make_encounter(office, patient), biller).claim
    second = _billed(make_encounter(office, patient), biller).claim
    assert first.patient_control_number != second.patient_control_number
