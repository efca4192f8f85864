"""Claims built with the claims services map to 837P files that pass pyx12."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from medoffice.claims.services import ChargeInput, claim_correct
from medoffice.interop.x12.claim837p import ClaimError
from medoffice.interop.x12.envelope import ControlNumbers
from medoffice.interop.x12.segments import tokenize
from medoffice.interop.x12.validation import validate_with_pyx12
from medoffice.organization.models import Location
from medoffice.patients.models import Coverage
from medoffice.submission.mapping import batch_837p, claim_837p, claims_for_mapping
from medoffice.submission.tests.conftest import (
    new_patient,
    ready_claim,
    secondary_ready_claim,
    walk,
)

CONTROL = ControlNumbers(41, 42, 43)


def _file(office, claims) -> str:
    loaded = claims_for_mapping([c.pk for c in claims])
    return batch_837p(office["primary_payer"], loaded, CONTROL)


def _segments(text: str, seg_id: str) -> list:
    return [s for s in tokenize(text) if s.id == seg_id]


def test_subscriber_is_the_patient(addressed, billing_user):
    claim = ready_claim(addressed, billing_user)
    text = _file(addressed, [claim])
    assert validate_with_pyx12(text) == []
    mapped = claim_837p(claims_for_mapping([claim.pk])[0])
    assert mapped.patient is None and mapped.subscriber.person.last_name == "Okafor"
    assert mapped.subscriber.member_id == "M1" and mapped.payer.payer_id == "87726"
    assert mapped.billing_provider.npi == "1234567893"
    assert mapped.billing_provider.tax_id == "141234567"
    assert mapped.rendering_provider.npi == "1245319599"
    assert mapped.diagnoses == ("E11.9", "I10")
    (clm,) = _segments(text, "CLM")
    assert clm.get(1) == claim.patient_control_number and clm.get(2) == "168"
    assert _segments(text, "SBR")[0].get(2) == "18"
    # Two lines, the first with its modifier and both pointers; REF*6R line control numbers.
    sv1 = _segments(text, "SV1")
    assert [s.components(1) for s in sv1] == [["HC", "99213", "25"], ["HC", "36415"]]
    assert [s.components(7) for s in sv1] == [["1", "2"], ["1"]]
    refs = [s.get(2) for s in _segments(text, "REF") if s.get(1) == "6R"]
    assert refs == [f"{claim.patient_control_number}-1", f"{claim.patient_control_number}-2"]


def test_dependent_patient(addressed, billing_user):
    child = new_patient("Okafor", "Ada", born=date(2015, 8, 2))
    Coverage.objects.create(
        patient=child, payer=addressed["primary_payer"], member_id="M77", priority=1,
        effective_date=date(2025, 1, 1), relationship="19", subscriber_family_name="Okafor",
        subscriber_given_name="Chidi", subscriber_birth_date=date(1979, 1, 2),
        subscriber_sex="M", group_number="G55",
    )  # fmt: skip
    claim = ready_claim(addressed, billing_user, child)
    text = _file(addressed, [claim])
    assert validate_with_pyx12(text) == []
    (pat,) = _segments(text, "PAT")
    assert pat.get(1) == "19"
    names = {s.get(1): s.get(4) for s in _segments(text, "NM1") if s.get(1) in ("IL", "QC")}
    assert names == {"IL": "Chidi", "QC": "Ada"}
    assert _segments(text, "SBR")[0].get(2) == ""  # 18 only when the subscriber is the patient


def test_secondary_with_the_primarys_adjudication(addressed, billing_user):
    claim = secondary_ready_claim(addressed, billing_user)
    text = batch_837p(addressed["secondary_payer"], claims_for_mapping([claim.pk]), CONTROL)
    assert validate_with_pyx12(text) == []
    sbr = _segments(text, "SBR")
    assert [s.get(1) for s in sbr] == ["S", "P"]
    (amt,) = _segments(text, "AMT")
    assert amt.get(1) == "D" and Decimal(amt.get(2)) == Decimal("95")
    svd = _segments(text, "SVD")
    assert [(s.get(1), Decimal(s.get(2))) for s in svd] == [
        ("87726", Decimal("95")),
        ("87726", Decimal("0")),
    ]
    cas = _segments(text, "CAS")
    assert [(s.get(1), s.get(2)) for s in cas] == [("CO", "45"), ("PR", "2"), ("CO", "97")]


def test_several_claims_prior_authorization_and_a_replacement(addressed, billing_user):
    first = ready_claim(addressed, billing_user)
    second = ready_claim(
        addressed, billing_user, new_patient("Diallo", "Awa"),
        lines=[ChargeInput("99213", [1], modifiers=["25", "95"], units=1)],
    )  # fmt: skip
    second.prior_authorization_number = "PA12345"
    second.referral_number = "RF999"
    second.save(update_fields=["prior_authorization_number", "referral_number"])
    accepted = walk(first, billing_user, "submitted", "accepted")
    accepted.payer_claim_number = "PAYER-778"
    accepted.save(update_fields=["payer_claim_number"])
    replacement = claim_correct(
        claim=accepted, frequency="7", actor=billing_user, reason="Wrong modifier"
    )
    replacement = walk(replacement, billing_user, "scrubbed", "ready")
    text = _file(addressed, [second, replacement])
    assert validate_with_pyx12(text) == []
    assert len(_segments(text, "CLM")) == 2
    refs = {(s.get(1), s.get(2)) for s in _segments(text, "REF")}
    assert {("G1", "PA12345"), ("9F", "RF999"), ("F8", "PAYER-778")} <= refs
    frequencies = [s.components(5)[2] for s in _segments(text, "CLM")]
    assert sorted(frequencies) == ["1", "7"]


def test_incomplete_address_names_the_claim(addressed, billing_user):
    claim = ready_claim(addressed, billing_user)
    Location.objects.filter(pk=addressed["location"].pk).update(address_line1="")
    with pytest.raises(ClaimError, match=f"{claim.patient_control_number}.*address"):
        _file(addressed, [claim])
