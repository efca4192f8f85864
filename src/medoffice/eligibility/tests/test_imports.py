"""271 files: matched to our checks by TRN or member id and date, stored as a readable
result; the same file twice changes nothing; a bad file names the segment and changes
nothing; the shared samples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.eligibility.imports import eligibility_responses_import
from medoffice.eligibility.models import CheckStatus, EligibilityCheck, EligibilityResponseFile
from medoffice.eligibility.results import headline
from medoffice.eligibility.services import eligibility_request
from medoffice.eligibility.tests.conftest import SHARED_271, answer_271

DAY = date(2026, 3, 2)


@pytest.fixture
def desk(staff):
    return staff("frontdesk")


def ask(site, desk, coverage="coverage", day=DAY) -> EligibilityCheck:
    return eligibility_request(
        coverage=site[coverage], service_date=day, actor=desk, transport=site["transport"]
    )


def snapshot():
    return (
        list(EligibilityCheck.objects.order_by("pk").values()),
        EligibilityResponseFile.objects.count(),
        AuditEvent.objects.count(),
    )


def test_answer_is_matched_by_trace_and_stored(site, desk):
    check = ask(site, desk)
    result = eligibility_responses_import(
        name="a.271", content=answer_271(check.trace_number), actor=desk
    )
    assert result.answered == {check.trace_number: CheckStatus.ANSWERED} and not result.unmatched
    check.refresh_from_db()
    assert check.status == CheckStatus.ANSWERED and check.active is True and check.answered_at
    assert check.response_text.startswith("ST*271*0001") and "EB*B*IND*98" in check.response_text
    stored = check.result
    assert (stored["plan"], stored["group_number"]) == ("ACME PPO SILVER", "GRP100")
    assert (stored["coverage_begin"], stored["coverage_end"]) == ("2025-01-01", "2025-12-31")
    rows = {(r["service_type"], r["in_network"]): r for r in stored["cost_sharing"]}
    assert rows[("30", False)]["coinsurance"] == "0.4"
    assert rows[("30", True)]["deductible_remaining"] == "1125.50"
    top = headline(stored)
    assert (top.copay, top.coinsurance_percent) == (Decimal(25), Decimal("20.0"))
    assert (top.deductible_remaining, top.out_of_pocket_remaining) == (
        Decimal("1125.50"),
        Decimal(5400),
    )
    entry = AuditEvent.objects.get(object_type="eligibility_check", action="update")
    assert entry.patient_id == site["patient"].pk and entry.details["active"] is True


def test_one_file_may_answer_several_checks(site, desk):
    mine, child = ask(site, desk), ask(site, desk, "family_coverage")
    text = answer_271(mine.trace_number, control=901) + answer_271(
        child.trace_number, active="6", control=902, dependent=True
    )
    result = eligibility_responses_import(name="both.271", content=text, actor=desk)
    assert set(result.answered) == {mine.trace_number, child.trace_number}
    child.refresh_from_db()
    assert child.active is False and child.result["active"] is False


def test_without_trace_the_member_id_and_date_find_the_waiting_check(site, desk):
    other_day = ask(site, desk, day=date(2026, 3, 9))
    wanted = ask(site, desk)
    text = answer_271("", eligibility_date="20260302")
    result = eligibility_responses_import(name="no-trn.271", content=text, actor=desk)
    assert result.answered == {wanted.trace_number: CheckStatus.ANSWERED}
    other_day.refresh_from_db()
    assert other_day.status == CheckStatus.SENT


def test_the_same_file_twice_changes_nothing(site, desk):
    check = ask(site, desk)
    text = answer_271(check.trace_number)
    eligibility_responses_import(name="a.271", content=text, actor=desk)
    before = snapshot()
    again = eligibility_responses_import(name="a-again.271", content=text.encode(), actor=desk)
    assert again.duplicate and snapshot() == before


def test_an_answered_check_keeps_its_first_answer(site, desk):
    check = ask(site, desk)
    eligibility_responses_import(name="a.271", content=answer_271(check.trace_number), actor=desk)
    later = answer_271(check.trace_number, active="6", control=950)
    result = eligibility_responses_import(name="b.271", content=later, actor=desk)
    assert result.already_answered == [check.trace_number]
    check.refresh_from_db()
    assert check.active is True


def test_a_bad_file_names_the_segment_and_changes_nothing(site, desk):
    check = ask(site, desk)
    before = snapshot()
    broken = answer_271(check.trace_number).replace("EB*C*IND*30***23*1500", "EB**IND*30***23*1500")
    with pytest.raises(ValidationError, match=r"segment \d+ \(EB, line \d+\).*EB01"):
        eligibility_responses_import(name="bad.271", content=broken, actor=desk)
    assert snapshot() == before


def test_a_file_of_another_kind_is_refused(site, desk):
    text = answer_271("X").replace("ST*271", "ST*270")
    with pytest.raises(ValidationError, match="271"):
        eligibility_responses_import(name="x.270", content=text, actor=desk)
    assert not EligibilityResponseFile.objects.exists()


def test_a_rejection_makes_the_check_an_error_naming_the_reason(site, desk):
    check = ask(site, desk)
    text = answer_271(check.trace_number)
    text = text[: text.index("DTP*346")] + "AAA*Y**72*C~" + text[text.index("SE*") :]
    text = text.replace(text[text.index("SE*") : text.index("*0001~GE")], "SE*12")
    eligibility_responses_import(name="rej.271", content=text, actor=desk)
    check.refresh_from_db()
    assert check.status == CheckStatus.ERROR and check.answered_at is not None
    assert "invalid or missing subscriber/insured id (AAA 72)" in check.error_text


def shared(name: str) -> str:
    return (Path(SHARED_271) / name).read_text()


def test_shared_subscriber_sample_is_matched_by_its_trace(site, desk):
    check = ask(site, desk)
    EligibilityCheck.objects.filter(pk=check.pk).update(trace_number="93175-012547")
    result = eligibility_responses_import(
        name="s.271", content=shared("subscriber-health-benefit-check.271"), actor=desk
    )
    assert result.answered == {"93175-012547": CheckStatus.ANSWERED}
    check.refresh_from_db()
    assert check.active is True and check.result["plan"] == "GOLD 123 PLAN"
    office = {
        (r["service_type"], r["in_network"]): r["copay"] for r in check.result["cost_sharing"]
    }
    assert office[("98", True)] == "10.00" and office[("98", False)] == "30.00"


def test_shared_dependent_sample_falls_back_to_the_member_id(site, desk):
    site["family_coverage"].member_id = site["family_coverage"].member_id_norm = "123456789"
    site["family_coverage"].save()
    check = ask(site, desk, "family_coverage")
    result = eligibility_responses_import(
        name="d.271", content=shared("dependent-health-benefit-check.271"), actor=desk
    )
    assert result.answered == {check.trace_number: CheckStatus.ANSWERED}


def test_shared_error_sample_matches_nothing_and_changes_no_check(site, desk):
    check = ask(site, desk)
    result = eligibility_responses_import(
        name="e.271", content=shared("subscriber-health-benefit-check-error.271"), actor=desk
    )
    assert result.answered == {} and len(result.unmatched) == 1
    assert "AAA 50" in result.unmatched[0]
    check.refresh_from_db()
    assert check.status == CheckStatus.SENT


@pytest.mark.parametrize("role", ["manager", "clinician", "nurse", "compliance", "hr"])
def test_only_coverage_editors_import_and_a_refusal_changes_nothing(site, desk, staff, role):
    check = ask(site, desk)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        eligibility_responses_import(
            name="a.271", content=answer_271(check.trace_number), actor=staff(role)
        )
    checks, files, audits = snapshot()
    assert (checks, files, audits) == (before[0], before[1], before[2] + 1)  # the refusal
