"""837P writer: every claim shape passes pyx12, with right HL tree, counts and COB rules."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from medoffice.interop.tests import x12_builders as b
from medoffice.interop.x12.claim837p import ClaimError, write_837p
from medoffice.interop.x12.envelope import Envelope, read_transaction_sets
from medoffice.interop.x12.segments import Separators, tokenize
from medoffice.interop.x12.validation import validate_with_pyx12

SHAPES = {
    "subscriber is patient": b.simple_claim,
    "dependent": b.dependent_claim,
    "lines, modifiers, pointers, auth, referral, rendering, POS": b.multi_line_claim,
    "secondary with line adjudication": b.secondary_claim,
    "secondary with claim-level adjustments": b.secondary_claim_level_only,
    "medicare secondary": lambda: b.secondary_claim(
        destination=b.MEDICARE,
        filing="MB",
        sbr05="12",
        primary_payer=b.ACME,
        primary_filing="CI",
    ),
    "replacement": lambda: b.replacement_claim("7"),
    "void": lambda: b.replacement_claim("8"),
}


def segments_of(text: str) -> list[list[str]]:
    return [segment.elements for segment in tokenize(text)]


@pytest.mark.parametrize("shape", SHAPES)
def test_every_claim_shape_passes_pyx12(shape):
    text = write_837p(b.batch(SHAPES[shape]()), b.ENVELOPE, b.CONTROL)
    assert validate_with_pyx12(text) == []


def test_a_batch_of_every_shape_passes_pyx12_with_counts_and_hl_tree_right():
    claims = [make() for make in SHAPES.values()]
    other_clinic = replace(b.CLINIC, npi="1245319599", last_name="NORTH CLINIC")
    claims.append(b.simple_claim(patient_control_number="PCN2001", billing_provider=other_clinic))
    text = write_837p(b.batch(*claims), b.ENVELOPE, b.CONTROL)
    assert validate_with_pyx12(text) == []
    segments = segments_of(text)
    ids = [s[0] for s in segments]
    se = segments[ids.index("SE")]
    assert int(se[1]) == ids.index("SE") - ids.index("ST") + 1  # ST..SE inclusive
    assert ids[-2:] == ["GE", "IEA"] and segments[-2][1] == "1" and segments[-1][1] == "1"
    hls = [s for s in segments if s[0] == "HL"]
    assert [int(h[1]) for h in hls] == list(range(1, len(hls) + 1))
    assert [h[3] for h in hls].count("20") == 2
    assert [h[3] for h in hls].count("22") == len(claims)
    assert [h[3] for h in hls].count("23") == 1
    for hl in hls:  # a parent's child code says whether children follow
        children = [h for h in hls if len(h) > 2 and h[2] == hl[1]]
        assert hl[4] == ("1" if children else "0"), hl
    assert sum(1 for s in segments if s[0] == "CLM") == len(claims)


def test_claims_carry_their_details():
    text = write_837p(b.batch(b.multi_line_claim(), b.replacement_claim()), b.ENVELOPE, b.CONTROL)
    lines = text.splitlines()
    assert "CLM*PCN1003*353.5***11:B:1*Y*A*Y*Y~" in lines
    assert "REF*G1*AUTH778899~" in lines and "REF*9F*REF445566~" in lines
    assert "HI*ABK:M5450*ABF:M79604*ABF:Z6841~" in lines
    assert "SV1*HC:20610:RT:59*210.5*UN*1***2:1:3~" in lines
    assert "SV1*HC:J1030*18*UN*2*22**2~" in lines  # POS only where it differs from the claim
    assert "NM1*82*1*ALVAREZ*MARIA****XX*1679576722~" in lines
    assert "CLM*PCN1005*125***11:B:7*Y*A*Y*Y~" in lines
    assert "REF*F8*2025031400123~" in lines


def test_rendering_provider_is_left_out_when_it_is_the_billing_provider():
    claim = b.simple_claim(rendering_provider=b.CLINIC)
    assert "NM1*82" not in write_837p(b.batch(claim), b.ENVELOPE, b.CONTROL)


def test_subscriber_sbr_is_18_only_when_the_subscriber_is_the_patient():
    own = write_837p(b.batch(b.simple_claim()), b.ENVELOPE, b.CONTROL)
    dependent = write_837p(b.batch(b.dependent_claim()), b.ENVELOPE, b.CONTROL)
    assert "SBR*P*18*GRP100******CI~" in own.splitlines()
    assert "SBR*P**G1******CI~" in dependent.splitlines()
    assert "PAT*19~" in dependent.splitlines()


def test_sbr05_is_sent_for_medicare_secondary_and_only_then():
    medicare_secondary = SHAPES["medicare secondary"]()
    text = write_837p(b.batch(medicare_secondary), b.ENVELOPE, b.CONTROL)
    assert "SBR*S*18*G2**12****MB~" in text.splitlines()
    primary_text = write_837p(b.batch(b.secondary_claim()), b.ENVELOPE, b.CONTROL)
    sbrs = [s for s in segments_of(primary_text) if s[0] == "SBR"]
    assert all(len(s) < 6 or s[5] == "" for s in sbrs)
    with pytest.raises(ClaimError, match="SBR05"):
        write_837p(
            b.batch(replace(medicare_secondary, medicare_secondary_type="")), b.ENVELOPE, b.CONTROL
        )


def test_cob_loops_carry_the_primary_adjudication():
    lines = write_837p(b.batch(b.secondary_claim()), b.ENVELOPE, b.CONTROL).splitlines()
    assert "AMT*D*180~" in lines and "OI***Y*P**Y~" in lines
    assert "NM1*PR*2*MEDICARE PART B*****PI*00112~" in lines
    assert "SVD*00112*80*HC:99213**1~" in lines
    assert lines[lines.index("SVD*00112*80*HC:99213**1~") + 1 :][:3] == [
        "CAS*CO*45*25~",
        "CAS*PR*2*20~",
        "DTP*573*D8*20250320~",
    ]
    claim_level = write_837p(b.batch(b.secondary_claim_level_only()), b.ENVELOPE, b.CONTROL)
    assert "CAS*CO*45*10~" in claim_level and "DTP*573*D8*20250321~" in claim_level


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        (replace(b.replacement_claim(), original_claim_number=""), "original claim number"),
        (b.simple_claim(diagnoses=()), "diagnosis"),
        (b.simple_claim(lines=(b.office_visit(diagnosis_pointers=(3,)),)), "pointers"),
        (
            b.simple_claim(lines=(b.office_visit(modifiers=("25", "59", "RT", "LT", "XS")),)),
            "modifiers",
        ),
        (b.simple_claim(responsibility="S"), "other payer"),
    ],
)
def test_claims_that_cannot_be_valid_are_refused(claim, message):
    with pytest.raises(ClaimError, match=message):
        write_837p(b.batch(claim), b.ENVELOPE, b.CONTROL)


def test_line_adjudication_must_balance():
    claim = b.secondary_claim()
    unbalanced = replace(claim.lines[0], charge=Decimal("130.00"))
    with pytest.raises(ClaimError, match="2430 balancing"):
        write_837p(
            b.batch(replace(claim, lines=(unbalanced, claim.lines[1]))), b.ENVELOPE, b.CONTROL
        )


def test_separators_in_free_text_are_cleaned_and_in_identifiers_refused():
    person = replace(
        b.JOHN, last_name="O*BRIEN~JR", address=replace(b.HOME, line1="12 ELM ST: REAR")
    )
    claim = b.simple_claim(subscriber=replace(b.simple_claim().subscriber, person=person))
    text = write_837p(b.batch(claim), b.ENVELOPE, b.CONTROL)
    assert "NM1*IL*1*O BRIEN JR*JOHN*Q***MI*XYZ123456789~" in text.splitlines()
    assert validate_with_pyx12(text) == []
    with pytest.raises(ValueError, match="separator"):
        write_837p(b.batch(b.simple_claim(patient_control_number="PCN*1")), b.ENVELOPE, b.CONTROL)


def test_other_separators_are_declared_in_isa_and_used_throughout():
    envelope = replace(b.ENVELOPE, separators=Separators("|", ">", "^", "\n"))
    text = write_837p(b.batch(b.multi_line_claim()), envelope, b.CONTROL)
    assert validate_with_pyx12(text) == []
    assert "SV1|HC>20610>RT>59|210.5|UN|1|||2>1>3" in text
    (transaction,) = read_transaction_sets(text, expected_set="837")
    assert transaction.control_number == "1201"


def test_empty_batch_is_refused():
    with pytest.raises(ClaimError):
        write_837p(b.batch(), b.ENVELOPE, b.CONTROL)


@pytest.mark.parametrize("path", sorted((b.X12_DATA / "837p").glob("*.837")), ids=lambda p: p.name)
def test_reference_837p_files_pass_pyx12(path):
    assert validate_with_pyx12(path.read_text()) == []


def test_validation_reports_errors_naming_the_segment():
    text = write_837p(b.batch(b.simple_claim()), b.ENVELOPE, b.CONTROL)
    broken = text.replace("DMG*D8*19700517*M~", "DMG*D8*19701317*M~")
    errors = validate_with_pyx12(broken)
    assert errors and any(e.startswith("DMG (line") and "date" in e for e in errors)


def test_envelope_isa_is_fixed_width():
    text = write_837p(
        b.batch(b.simple_claim()),
        Envelope(**{**b.ENVELOPE.__dict__, "production": True}),
        b.CONTROL,
    )
    isa = text.splitlines()[0]
    assert len(isa) == 106 and isa.split("*")[15] == "P"
