"""Medicare as secondary payer: the coverage's Medicare secondary payer type goes out as SBR05
(2000B when the claim goes to Medicare, 2320 when Medicare paid before), and the scrubber holds
a claim to Medicare as secondary until the type is set."""

from __future__ import annotations

import pytest

from medoffice.claims.models import ClaimFinding
from medoffice.claims.services import claims_scrub
from medoffice.interop.x12.claim837p import ClaimError
from medoffice.interop.x12.envelope import ControlNumbers
from medoffice.interop.x12.segments import tokenize
from medoffice.interop.x12.validation import validate_with_pyx12
from medoffice.patients.models import Coverage, Payer
from medoffice.patients.services_coverage import coverage_update
from medoffice.submission.mapping import batch_837p, claim_837p, claims_for_mapping
from medoffice.submission.tests.conftest import (
    add_coverage,
    bill_next_payer,
    new_patient,
    ready_claim,
    walk,
)

CONTROL = ControlNumbers(51, 52, 53)
# Medicare pays second after the primary's 95.00 on the visit: 150.00 = 20 + 125 + 5.
MEDICARE_ERA = (
    {"paid_amount": "20.00",
     "adjustments": [{"group": "CO", "reason": "23", "amount": "125.00"},
                     {"group": "PR", "reason": "2", "amount": "5.00"}]},
    {"paid_amount": "0", "adjustments": [{"group": "CO", "reason": "97", "amount": "18.00"}]},
)  # fmt: skip


def _medicare() -> Payer:
    return Payer.objects.create(
        name="Medicare Part B NY", payer_id="13202", filing_indicator="MB",
        timely_filing_days=365, address_line1="PO Box 6178", city="Indianapolis", state="IN",
        postal_code="46206",
    )  # fmt: skip


def _medicare_second(site, actor, why: str = "12"):
    """A commercial plan first (it paid), Medicare second: the claim to Medicare, a draft,
    and the Medicare coverage."""
    patient = new_patient("Mensah", "Kofi")
    add_coverage(patient, site["primary_payer"])
    medicare = add_coverage(patient, _medicare(), priority=2, member="1EG4TE5MK72")
    Coverage.objects.filter(pk=medicare.pk).update(medicare_secondary_type=why)
    medicare.refresh_from_db()
    return bill_next_payer(ready_claim(site, actor, patient), actor), medicare


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _sbrs(text: str) -> list:
    return [s for s in tokenize(text) if s.id == "SBR"]


def test_a_claim_to_medicare_as_secondary_carries_why(addressed, billing_user):
    claim, medicare = _medicare_second(addressed, billing_user, "12")
    claim = walk(claim, billing_user, "scrubbed", "ready")
    loaded = claims_for_mapping([claim.pk])
    assert claim_837p(loaded[0]).medicare_secondary_type == "12"
    text = batch_837p(medicare.payer, loaded, CONTROL)
    assert validate_with_pyx12(text) == []
    # 2000B: Medicare, secondary, the patient is the subscriber, working aged (12); 2320: the
    # commercial primary, without SBR05.
    assert "SBR*S*18***12****MB~" in _lines(text)
    assert "SBR*P*18*******CI~" in _lines(text)
    assert [s.get(5) for s in _sbrs(text)] == ["12", ""]


def test_without_the_type_the_file_cannot_be_written(addressed, billing_user):
    claim, medicare = _medicare_second(addressed, billing_user, "")
    claim = walk(claim, billing_user, "scrubbed", "ready")
    with pytest.raises(ClaimError, match="SBR05"):
        batch_837p(medicare.payer, claims_for_mapping([claim.pk]), CONTROL)


def test_the_scrubber_holds_the_claim_until_the_type_is_set(addressed, billing_user):
    claim, medicare = _medicare_second(addressed, billing_user, "")
    claims_scrub(claims=[claim], actor=billing_user)
    finding = ClaimFinding.objects.get(claim=claim, rule_id="MSP001")
    assert (finding.severity, finding.carc, finding.line_number) == ("error", "16", None)
    assert finding.message.startswith(
        "Medicare pays second on this claim: set why on the patient's Medicare coverage "
        "(Medicare secondary payer type)"
    )
    coverage_update(actor=billing_user, coverage=medicare, data={"medicare_secondary_type": "43"})
    claim.refresh_from_db()
    claims_scrub(claims=[claim], actor=billing_user)
    assert not ClaimFinding.objects.filter(claim=claim, rule_id="MSP001").exists()


def test_a_tertiary_claim_names_medicare_as_the_secondary_that_paid(addressed, billing_user):
    """Commercial primary, Medicare secondary (ESRD, 13), Medicaid third: the Medicaid claim's
    2320 for Medicare carries SBR05; its own SBR and the primary's do not."""
    medicaid = addressed["secondary_payer"]
    Payer.objects.filter(pk=medicaid.pk).update(filing_indicator="MC")
    medicaid.refresh_from_db()
    medicare_claim, _ = _medicare_second(addressed, billing_user, "13")
    add_coverage(medicare_claim.patient, medicaid, priority=3, member="MC77")
    medicare_claim = walk(medicare_claim, billing_user, "scrubbed", "ready")
    tertiary = bill_next_payer(medicare_claim, billing_user, MEDICARE_ERA, "ERA-2")
    tertiary = walk(tertiary, billing_user, "scrubbed", "ready")
    loaded = claims_for_mapping([tertiary.pk])
    mapped = claim_837p(loaded[0])
    assert [(o.responsibility, o.medicare_secondary_type) for o in mapped.other_payers] == [
        ("P", ""),
        ("S", "13"),
    ]
    text = batch_837p(medicaid, loaded, CONTROL)
    assert validate_with_pyx12(text) == []
    sbrs = _sbrs(text)
    assert [(s.get(1), s.get(5), s.get(9)) for s in sbrs] == [
        ("T", "", "MC"),
        ("P", "", "CI"),
        ("S", "13", "MB"),
    ]
    assert "SBR*S*18***13****MB~" in _lines(text)
    # Each line carries both prior payers' adjudication (2430), Medicare's balancing too.
    svd = [(s.get(1), s.get(2)) for s in tokenize(text) if s.id == "SVD"]
    assert svd == [("87726", "95"), ("13202", "20"), ("87726", "0"), ("13202", "0")]
