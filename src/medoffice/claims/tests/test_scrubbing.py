"""Scrubbing claims: the facts read from the models, the number of queries for a batch, payer
settings, the statuses and findings a scrub leaves, re-scrubbing after a fix, the clean-claim
rate."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medoffice.audit.models import AuditEvent
from medoffice.claims.models import (
    Claim,
    ClaimFinding,
    ClaimStatus,
    ClaimStatusChange,
    PayerClaimRules,
)
from medoffice.claims.scrub_facts import claim_facts, claims_facts
from medoffice.claims.selectors import clean_claim_rate
from medoffice.claims.services import (
    charges_capture,
    claim_correct,
    claim_transition,
    claims_build_for_encounter,
    claims_scrub,
    payer_claim_rules_save,
)
from medoffice.claims.tests.conftest import TZ, add_coverage, cast, make_encounter, visit_lines
from medoffice.patients.models import Payer
from medoffice.referrals.models import AuthorizationUse, PriorAuthorization
from medoffice.scheduling.models import Appointment, AppointmentType
from medoffice.scheduling.tests.conftest import make_patient


@pytest.fixture
def payable(office):
    """What a clean claim needs beyond the visit: the site's street address and ZIP, and a
    filing limit that today (whatever day the tests run) is within."""
    location = office["location"]
    location.address_line1, location.postal_code = "12 State St", "12207"
    location.save()
    Payer.objects.filter(pk=office["primary_payer"].pk).update(timely_filing_days=3650)
    return office


def bill(office, patient, biller, *, encounter=None, lines=None, coverage=True, **fields):
    if coverage and not patient.coverages.exists():
        add_coverage(patient, office["primary_payer"])
    encounter = encounter or make_encounter(office, patient, **fields)
    charges_capture(encounter=encounter, lines=lines or visit_lines(), actor=biller)
    return claims_build_for_encounter(encounter=encounter, actor=biller).claim


def rules_for(payer, **values):
    return PayerClaimRules.objects.create(payer=payer, **values)


# Facts -------------------------------------------------------------------------------------


def test_facts_from_the_claim(payable, patient, biller):
    patient.sex_at_birth, patient.address_line1, patient.postal_code = "M", "5 Elm St", "12208"
    patient.save()
    claim = bill(payable, patient, biller)
    facts = claim_facts(claim.pk)
    assert (
        facts.claim_id == claim.pk and facts.patient_control_number == claim.patient_control_number
    )
    assert facts.patient.sex == "M" and facts.patient.age_on(date(2026, 3, 2)) == 45
    assert facts.patient.address.line1 == "5 Elm St"
    assert facts.subscriber.member_id == "M1" and facts.subscriber.relationship == "18"
    assert facts.subscriber.family_name == "Okafor"  # the patient is the subscriber
    assert facts.diagnoses == ("E11.9", "I10")
    assert [(ln.procedure_code, ln.diagnosis_pointers, ln.modifiers) for ln in facts.lines] == [
        ("99213", (1, 2), ("25",)),
        ("36415", (1,), ()),
    ]
    assert facts.lines[0].charge == Decimal("150.00") and facts.lines[0].units == 1
    assert facts.payer.edi_payer_id == "87726" and facts.payer.timely_filing_days == 3650
    assert (
        facts.billing_provider.npi == "1234567893" and facts.billing_provider.tax_id == "141234567"
    )
    assert facts.billing_provider.address.postal_code == "12207"
    assert facts.rendering_provider.npi == "1245319599"
    assert facts.rendering_provider.taxonomy == "207Q00000X"
    assert facts.coverage.effective_date == date(2025, 1, 1) and facts.coverage.end_date is None
    assert facts.prior_authorization is None and facts.other_claims == ()
    with pytest.raises(Claim.DoesNotExist):
        claim_facts(999999)


def test_facts_of_a_dependent_take_the_subscriber_from_the_coverage(payable, patient, biller):
    from medoffice.patients.models import Coverage

    Coverage.objects.create(
        patient=patient, payer=payable["primary_payer"], member_id="D7", priority=1,
        effective_date=date(2025, 1, 1), relationship="19", subscriber_family_name="Okafor",
        subscriber_given_name="James", subscriber_birth_date=date(1970, 1, 2),
    )  # fmt: skip
    facts = claim_facts(bill(payable, patient, biller).pk)
    assert facts.subscriber.relationship == "19" and facts.subscriber.given_name == "James"
    assert facts.subscriber.birth_date == date(1970, 1, 2)


def _appointment(office, patient, encounter=None, hour=9):
    kind, _ = AppointmentType.objects.get_or_create(
        code="office", defaults={"name": "Office visit", "duration_minutes": 20}
    )
    start = datetime(2026, 3, 2, hour, tzinfo=TZ)
    return Appointment.objects.create(
        patient=patient, provider=office["provider"], location=office["location"], type=kind,
        start=start, end=start + timedelta(minutes=20), booked_by=office["clinician"],
        encounter=encounter,
    )  # fmt: skip


def test_facts_prior_authorization_units_left_and_dates(payable, patient, biller):
    auth = PriorAuthorization.objects.create(
        patient=patient, payer=payable["primary_payer"], auth_number="PA-9", service_codes=["99213"],
        approved_units=3, start_date=date(2026, 2, 1), end_date=date(2026, 4, 30),
        created_by=biller,
    )  # fmt: skip
    rules_for(payable["primary_payer"], prior_authorization_required=True,
              prior_authorization_codes=["99213"])  # fmt: skip
    encounter = make_encounter(payable, patient)
    # Another visit used two units; this claim's own visit holds one, which is its to bill.
    AuthorizationUse.objects.create(
        authorization=auth,
        appointment=_appointment(payable, patient, hour=8),
        units=2,
        state="used",
    )
    AuthorizationUse.objects.create(
        authorization=auth, appointment=_appointment(payable, patient, encounter, hour=10), units=1
    )
    facts = claim_facts(bill(payable, patient, biller, encounter=encounter).pk)
    assert facts.prior_authorization.number == "PA-9"
    assert facts.prior_authorization.remaining_units == 1
    assert facts.prior_authorization.start_date == date(2026, 2, 1)
    assert facts.prior_authorization.end_date == date(2026, 4, 30)
    assert facts.prior_authorization_codes == {"99213"}  # 36415 needs none
    assert not facts.referral_required


def test_facts_requirements_from_the_payer_rules(payable, patient, biller):
    rules_for(payable["primary_payer"], prior_authorization_required=True,
              referral_required=True, referral_codes=["36415"],
              disabled_rules=["TFL002"], required_fields=["referral_number"])  # fmt: skip
    facts = claim_facts(bill(payable, patient, biller).pk)
    assert facts.prior_authorization_codes == {"99213", "36415"}  # no codes listed: every code
    assert facts.referral_required
    assert facts.payer.disabled_rules == {"TFL002"}
    assert facts.payer.required_fields == {"referral_number"}


def test_facts_other_claims_for_duplicates(payable, patient, biller):
    first = bill(payable, patient, biller)
    second = bill(payable, patient, biller)  # the same visit billed again on another encounter
    facts = claim_facts(second.pk)
    assert [(o.claim_id, o.service_date, o.procedure_codes) for o in facts.other_claims] == [
        (first.pk, date(2026, 3, 2), frozenset({"99213", "36415"}))
    ]
    # A claim closed without being sent is not billed; a claim to another payer is no duplicate.
    claim_transition(claim=first, to=ClaimStatus.CLOSED, actor=biller, reason="Billed twice")
    assert claim_facts(second.pk).other_claims == ()
    other = make_patient(family="Ibsen", given="Ola")
    add_coverage(other, payable["secondary_payer"], member="Z9")
    theirs = bill(payable, other, biller)
    assert claim_facts(theirs.pk).other_claims == ()


def test_a_duplicate_is_an_error_on_scrub(payable, patient, biller):
    bill(payable, patient, biller)
    second = bill(payable, patient, biller)
    claims_scrub(claims=[second], actor=biller)
    rules = set(ClaimFinding.objects.filter(claim=second).values_list("rule_id", flat=True))
    assert "DUP001" in rules
    assert Claim.objects.get(pk=second.pk).status == ClaimStatus.SCRUBBED


def test_batch_facts_take_a_fixed_number_of_queries(payable, biller):
    claims = []
    for i in range(6):
        patient = make_patient(family=f"Batch{i}", given="Pat")
        claims.append(bill(payable, patient, biller))
    with CaptureQueriesContext(connection) as two:
        claims_facts([c.pk for c in claims[:2]])
    with CaptureQueriesContext(connection) as six:
        facts = claims_facts([c.pk for c in claims])
    assert len(six) == len(two) <= 4
    assert set(facts) == {c.pk for c in claims}


# Scrubbing ---------------------------------------------------------------------------------


def test_a_clean_claim_moves_to_ready(payable, patient, biller):
    claim = bill(payable, patient, biller)
    result = claims_scrub(claims=[claim], actor=biller)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.READY and claim.first_scrub_clean is True
    assert result.ready == 1 and result.held == 0
    moves = list(ClaimStatusChange.objects.filter(claim=claim).values_list("to_status", flat=True))
    assert moves == ["draft", "scrubbed", "ready"]
    assert not ClaimFinding.objects.filter(claim=claim, severity="error").exists()
    assert AuditEvent.objects.filter(
        object_type="claim", object_id=str(claim.pk), details__scrub=True, patient_id=patient.pk
    ).exists()


def test_errors_hold_the_claim_and_a_fix_then_rescrub_clears_them(payable, patient, biller):
    location = payable["location"]
    location.postal_code = ""
    location.save()
    claim = bill(payable, patient, biller)
    claims_scrub(claims=[claim], actor=biller)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SCRUBBED and claim.first_scrub_clean is False
    finding = ClaimFinding.objects.get(claim=claim)
    assert (finding.rule_id, finding.severity, finding.carc) == ("REQ001", "error", "16")
    assert "ZIP code is missing" in finding.message and finding.line_number is None
    # Scrubbing again without a fix replaces the findings (not one more of each).
    claims_scrub(claims=[claim], actor=biller)
    assert ClaimFinding.objects.filter(claim=claim).count() == 1
    assert ClaimFinding.objects.get(claim=claim).pk != finding.pk
    location.postal_code = "12207"
    location.save()
    claims_scrub(claims=[Claim.objects.get(pk=claim.pk)], actor=biller)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.READY
    assert not ClaimFinding.objects.filter(claim=claim).exists()
    assert claim.first_scrub_clean is False  # the first scrub decides the rate


def test_a_rule_the_payer_turned_off_is_not_run(payable, patient, biller):
    Payer.objects.filter(pk=payable["primary_payer"].pk).update(timely_filing_days=30)
    claim = bill(payable, patient, biller)
    claims_scrub(claims=[claim], actor=biller)
    assert set(ClaimFinding.objects.filter(claim=claim).values_list("rule_id", flat=True)) == {
        "TFL001"
    }
    rules_for(payable["primary_payer"], disabled_rules=["TFL001"])
    claims_scrub(claims=[Claim.objects.get(pk=claim.pk)], actor=biller)
    assert not ClaimFinding.objects.filter(claim=claim).exists()
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.READY


def test_a_referral_the_payer_requires(payable, patient, biller):
    rules_for(payable["primary_payer"], referral_required=True)
    claim = bill(payable, patient, biller)
    claims_scrub(claims=[claim], actor=biller)
    finding = ClaimFinding.objects.get(claim=claim)
    assert finding.rule_id == "REF001" and finding.carc == "288"


def test_only_draft_and_scrubbed_claims_are_scrubbed(payable, patient, biller):
    claim = bill(payable, patient, biller)
    claim_transition(claim=claim, to=ClaimStatus.CLOSED, actor=biller, reason="Not ours")
    result = claims_scrub(claims=[Claim.objects.get(pk=claim.pk)], actor=biller)
    assert result.skipped and "closed" in result.summary()
    assert not ClaimFinding.objects.exists()
    assert Claim.objects.get(pk=claim.pk).first_scrub_clean is None


def test_a_claim_moved_meanwhile_keeps_its_status_and_findings(payable, patient, biller):
    claim = bill(payable, patient, biller)
    seen = Claim.objects.get(pk=claim.pk)
    claim_transition(claim=claim, to=ClaimStatus.CLOSED, actor=biller, reason="Duplicate")
    result = claims_scrub(claims=[seen], actor=biller)  # the page still showed it as a draft
    assert "changed meanwhile" in result.skipped[0].skipped
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLOSED and claim.first_scrub_clean is None
    assert not ClaimFinding.objects.exists()


@pytest.mark.parametrize("role", ["manager", "compliance", "clinician", "frontdesk", "nurse"])
def test_only_billers_scrub(payable, patient, biller, role):
    claim = bill(payable, patient, biller)
    with pytest.raises(PermissionDenied):
        claims_scrub(claims=[claim], actor=cast(role, location=payable["location"]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT and not ClaimFinding.objects.exists()


def test_a_replacement_is_not_its_own_duplicate(payable, patient, biller):
    claim = bill(payable, patient, biller)
    for to in ("scrubbed", "ready", "submitted", "accepted"):
        claim = claim_transition(claim=claim, to=to, actor=biller, payer_claim_number="P-1")
    replacement = claim_correct(claim=claim, frequency="7", actor=biller, reason="Wrong units")
    claims_scrub(claims=[replacement], actor=biller)
    assert not ClaimFinding.objects.filter(claim=replacement, rule_id="DUP001").exists()


# Payer settings ----------------------------------------------------------------------------


def test_payer_rules_are_validated_and_audited(office, biller):
    payer = office["primary_payer"]
    rules = payer_claim_rules_save(
        payer=payer,
        values={"disabled_rules": ["tfl002", " MOD003"], "prior_authorization_required": True,
                "prior_authorization_codes": ["97110"], "required_fields": ["referral_number"]},
        actor=biller,
    )  # fmt: skip
    assert rules.disabled_rules == ["MOD003", "TFL002"]
    assert rules.prior_authorization_codes == ["97110"]
    assert AuditEvent.objects.filter(object_type="payer_claim_rules", action="create").exists()
    with pytest.raises(ValidationError) as bad:
        payer_claim_rules_save(
            payer=payer, values={"disabled_rules": ["NOPE1"], "referral_codes": ["9"]},
            actor=biller,
        )  # fmt: skip
    assert "NOPE1" in str(bad.value) and "five letters or digits" in str(bad.value)
    with pytest.raises(ValidationError):
        payer_claim_rules_save(payer=payer, values={"required_fields": ["patient.ssn"]},
                               actor=biller)  # fmt: skip
    assert PayerClaimRules.objects.get(payer=payer).disabled_rules == ["MOD003", "TFL002"]


@pytest.mark.parametrize("role", ["manager", "compliance", "clinician", "frontdesk"])
def test_only_billers_change_payer_rules(office, role):
    actor = cast(role, location=office["location"])
    with pytest.raises(PermissionDenied):
        payer_claim_rules_save(
            payer=office["primary_payer"], values={"referral_required": True}, actor=actor
        )
    assert not PayerClaimRules.objects.exists()


# Clean-claim rate --------------------------------------------------------------------------


def test_clean_claim_rate(payable, biller):
    ok = [bill(payable, make_patient(family=f"Clean{i}", given="A"), biller) for i in range(3)]
    held = bill(payable, make_patient(family="Held", given="B"), biller)
    held.lines.update(place_of_service="00")  # not a place-of-service code
    never = bill(payable, make_patient(family="Never", given="C"), biller)
    claims_scrub(claims=[*ok, Claim.objects.get(pk=held.pk)], actor=biller)
    rate = clean_claim_rate(date(2026, 3, 1), date(2026, 3, 31))
    assert (rate.scrubbed, rate.clean) == (4, 3) and rate.rate == pytest.approx(0.75)
    assert clean_claim_rate(date(2026, 4, 1), date(2026, 4, 30)).rate is None
    by_payer = clean_claim_rate(
        date(2026, 3, 1), date(2026, 3, 31), payer=payable["secondary_payer"]
    )
    assert by_payer.scrubbed == 0
    by_provider = clean_claim_rate(
        date(2026, 3, 1), date(2026, 3, 31), provider=payable["provider"]
    )
    assert by_provider.scrubbed == 4
    assert Claim.objects.get(pk=never.pk).first_scrub_clean is None


def test_a_claim_with_errors_cannot_be_moved_to_ready_by_hand(payable, patient, biller):
    location = payable["location"]
    location.postal_code = ""
    location.save()
    claim = bill(payable, patient, biller)
    claims_scrub(claims=[claim], actor=biller)
    claim.refresh_from_db()
    moves_before = ClaimStatusChange.objects.filter(claim=claim).count()
    with pytest.raises(ValidationError, match="last scrub found errors"):
        claim_transition(claim=claim, to=ClaimStatus.READY, actor=biller, reason="Looks fine")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SCRUBBED
    assert ClaimStatusChange.objects.filter(claim=claim).count() == moves_before
