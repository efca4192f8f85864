"""Each rule fires on a claim with its problem (naming the line and code) and not on a clean one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from medoffice.claims.scrubber import RULES, Severity, scrub
from medoffice.claims.scrubber.facts import (
    CoverageFacts,
    OtherClaimFacts,
    PatientFacts,
    PriorAuthorizationFacts,
    RenderingProviderFacts,
)
from medoffice.claims.scrubber.tests.builders import (
    DOS,
    add_line,
    clean_claim,
    memory_tables,
    with_line,
)

C = clean_claim()
AUTH = PriorAuthorizationFacts("A123", 4, date(2026, 1, 1), date(2026, 6, 30))
ADULT_MALE = replace(C.patient, sex="M")

CASES = [
    # rule id, the bad claim, words the message must hold, the CARC, the line (None: claim)
    ("REQ001", replace(C, billing_provider=replace(C.billing_provider, tax_id="")), "billing provider tax id is missing", "16", None),
    ("REQ001", replace(C, patient=replace(C.patient, birth_date=None)), "patient's date of birth is missing", "16", None),
    ("REQ001", replace(C, payer=replace(C.payer, required_fields=frozenset({"rendering_provider.taxonomy"})), rendering_provider=RenderingProviderFacts("1234567893", "")), "rendering provider taxonomy code is missing (Acme Health requires it)", "16", None),
    ("REQ001", replace(C, lines=()), "no service lines", "16", None),
    ("REQ001", replace(C, diagnoses=()), "no diagnosis codes", "16", None),
    ("NPI001", replace(C, billing_provider=replace(C.billing_provider, npi="1245319598")), "billing provider NPI 1245319598 is not valid: This NPI fails its check digit", "16", None),
    ("NPI001", replace(C, rendering_provider=RenderingProviderFacts("12345", "207Q00000X")), "rendering provider NPI 12345 is not valid: An NPI has 10 digits", "16", None),
    ("TAX001", replace(C, rendering_provider=RenderingProviderFacts("1234567893", "207Q0000X")), "rendering provider taxonomy '207Q0000X'", "16", None),
    ("DUP001", replace(C, other_claims=(OtherClaimFacts(17, 7, DOS, frozenset({"20610"})),)), "Line 2 (20610) on 2026-03-02 was already billed on claim 17", "18", 2),
    ("DUP001", add_line(C, "20610", modifiers=("RT",), diagnosis_pointers=(2,)), "Line 3 (20610) repeats line 2", "18", 3),
    ("TFL001", replace(C, submission_date=date(2026, 6, 1)), "Line 1 (99213) from 2026-03-02 is past Acme Health's 90-day filing limit (deadline 2026-05-31)", "29", 1),
    ("TFL002", replace(C, submission_date=date(2026, 5, 29)), "Line 2 (20610) must reach Acme Health by 2026-05-31 (2 day(s) left)", "29", 2),
    ("COV001", replace(C, coverage=CoverageFacts(date(2025, 1, 1), date(2026, 2, 28))), "Line 1 (99213) on 2026-03-02 is after the coverage ended (2026-02-28)", "27", 1),
    ("COV001", replace(C, coverage=CoverageFacts(date(2026, 3, 5), None)), "Line 2 (20610) on 2026-03-02 is before the coverage began", "26", 2),
    ("MSP001", replace(C, responsibility="S", payer=replace(C.payer, filing_indicator="MB")), "Medicare pays second on this claim: set why on the patient's Medicare coverage (Medicare secondary payer type)", "16", None),
    ("AUTH001", replace(C, prior_authorization_codes=frozenset({"20610"})), "Line 2 (20610): Acme Health requires a prior authorization for 20610", "197", 2),
    ("AUTH002", replace(C, prior_authorization_codes=frozenset({"20610"}), prior_authorization=replace(AUTH, start_date=date(2026, 3, 3))), "Line 2 (20610) on 2026-03-02 is outside authorization A123", "15", 2),
    ("AUTH003", replace(C, prior_authorization_codes=frozenset({"20610"}), prior_authorization=replace(AUTH, remaining_units=0)), "Authorization A123 has 0 unit(s) left but line 2 (20610) bill 1", "198", 2),
    ("REF001", replace(C, referral_required=True), "Acme Health requires a referral", "288", None),
    ("PROC001", with_line(C, 1, procedure_code="99999"), "Line 1 (99999): 99999 is not a CPT/HCPCS code in effect on 2026-03-02", "181", 1),
    ("PROC001", with_line(C, 1, procedure_code="99499"), "Line 1 (99499): 99499 is not a CPT/HCPCS code in effect", "181", 1),
    ("POS001", with_line(C, 2, place_of_service="98"), "Line 2 (20610): place of service '98'", "16", 2),
    ("LIN001", with_line(C, 2, units=Decimal(0)), "Line 2 (20610) has 0 units", "16", 2),
    ("LIN001", with_line(C, 1, charge=Decimal(0)), "Line 1 (99213) has no charge", "16", 1),
    ("DX001", replace(C, diagnoses=("E11", "M17.11")), "Diagnosis 1 (E11) is a category", "16", None),
    ("DX001", replace(C, diagnoses=("E11.9", "M17.99X")), "Diagnosis 2 (M17.99X) is not an ICD-10-CM code", "16", None),
    ("DX001", replace(C, diagnoses=("E11.9", "M17.11", *["I10"] * 11)), "13 diagnoses; a claim carries at most 12", "16", None),
    ("DX002", with_line(C, 2, diagnosis_pointers=()), "Line 2 (20610) points at no diagnosis", "16", 2),
    ("DX002", with_line(C, 2, diagnosis_pointers=(2, 3)), "Line 2 (20610) points at diagnosis 3", "16", 2),
    ("DX002", with_line(C, 1, diagnosis_pointers=(1, 2, 1)), "Line 1 (99213) points at the same diagnosis twice", "16", 1),
    ("DX002", with_line(C, 1, diagnosis_pointers=(1, 2, 2, 1, 2)), "Line 1 (99213) has 5 diagnosis pointers", "16", 1),
    ("DX003", with_line(C, 2, diagnosis_pointers=(1,)), "Line 2 (20610): its diagnoses (E11.9) do not support 20610; the payer expects one of M17, M19", "11", 2),
    ("DX004", replace(C, diagnoses=("E11.9", "M17.11", "O80")), "Diagnosis 3: O80 (pregnancy, childbirth and the puerperium) is for patients aged 55 or younger, and the patient was 61", "9", None),
    ("DX004", replace(C, diagnoses=("E11.9", "M17.11", "P07.30")), "Diagnosis 3: P07.30 (conditions of the perinatal period) is for infants under 1 year", "9", None),
    ("DX005", replace(C, diagnoses=("E11.9", "M17.11", "N40.0")), "Diagnosis 3: N40.0 (prostate disorders) is for male patients only", "10", None),
    ("MOD001", with_line(C, 2, modifiers=("RT", "Q9")), "Line 2 (20610): 'Q9' is not a known modifier", "4", 2),
    ("MOD002", with_line(C, 2, modifiers=("25",)), "Line 2 (20610): modifier 25 belongs on the visit (E/M) code", "4", 2),
    ("MOD003", replace(C, lines=(replace(C.lines[1], modifiers=("XS",)),)), "Line 2 (20610): modifier XS says the service was distinct", "4", 2),
    ("MOD004", with_line(C, 2, modifiers=("50", "RT")), "Line 2 (20610): modifier 50 (both sides) contradicts RT", "4", 2),
    ("MOD005", with_line(C, 2, modifiers=("RT", "RT")), "Line 2 (20610): modifier RT appears twice", "4", 2),
    ("MOD005", with_line(C, 2, modifiers=("RT", "59", "XU", "GA", "76")), "Line 2 (20610) has 5 modifiers", "4", 2),
    ("MUE001", with_line(C, 2, units=Decimal(3)), "Line 2 (20610) bills 3 units; at most 2 per line", "151", 2),
    ("MUE001", add_line(C, "99213", modifiers=("76",)), "line 1 (99213), line 3 (99213) bill 2 units of 99213 on 2026-03-02; at most 1 a day", "151", 3),
    ("NCCI001", with_line(C, 1, modifiers=()), "Line 1 (99213) with line 2 (20610): 99213 is bundled into 20610 on the same day: if it was a separate service, add modifier 25 to line 1", "236", 1),
    ("NCCI001", add_line(add_line(C, "93000"), "93005"), "Line 4 (93005) with line 3 (93000): 93005 is included in 93000 on the same day and no modifier changes that: remove line 4", "97", 4),
]  # fmt: skip


@pytest.mark.parametrize(
    "rule_id, claim, words, carc, line",
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_rule_fires_on_a_bad_claim(rule_id, claim, words, carc, line):
    if rule_id == "DX004" and "O80" in claim.diagnoses:
        claim = replace(claim, patient=replace(claim.patient, birth_date=date(1964, 6, 1)))
    findings = [f for f in scrub(claim, memory_tables()) if f.rule_id == rule_id]
    matching = [f for f in findings if words in f.message]
    assert matching, [f.message for f in findings]
    found = matching[0]
    assert (found.carc, found.line, found.severity) == (carc, line, RULES[rule_id].severity)


def test_every_rule_has_a_failing_case():
    assert {c[0] for c in CASES} == set(RULES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_is_quiet_on_a_clean_claim(rule_id):
    assert RULES[rule_id].run(clean_claim(), memory_tables()) == []


def test_medicare_secondary_type_is_needed_only_when_medicare_is_not_first():
    medicare = replace(C.payer, filing_indicator="MB")
    why = replace(C.coverage, medicare_secondary_type="12")

    def msp(claim):
        return [f.message for f in scrub(claim, memory_tables()) if f.rule_id == "MSP001"]

    assert msp(replace(C, payer=medicare)) == []  # Medicare is the primary payer
    assert msp(replace(C, responsibility="S")) == []  # a commercial secondary
    assert msp(replace(C, responsibility="S", payer=medicare, coverage=why)) == []
    assert msp(replace(C, responsibility="T", payer=replace(medicare, filing_indicator="MA")))
    assert msp(replace(C, responsibility="T", payer=medicare, coverage=why)) == []


@pytest.mark.parametrize(
    "claim",
    [
        # A replacement claim repeats the original on purpose.
        replace(C, frequency_code="7", other_claims=(OtherClaimFacts(17, 7, DOS, frozenset({"20610"})),)),
        # Same code and day, but another patient; or the claim itself.
        replace(C, other_claims=(OtherClaimFacts(17, 8, DOS, frozenset({"20610"})), OtherClaimFacts(42, 7, DOS, frozenset({"20610"})))),
        # Modifier 76 makes a repeated line a different line (MUE may still count it).
        add_line(C, "20610", modifiers=("RT", "76"), diagnosis_pointers=(2,)),
    ],
)  # fmt: skip
def test_no_duplicate_when_it_is_not_one(claim):
    assert not [f for f in scrub(claim, memory_tables()) if f.rule_id == "DUP001"]


def test_code_pair_edits_apply_only_while_in_effect_and_in_their_order():
    deleted = add_line(add_line(C, "96372"), "99214", modifiers=())
    assert not [f for f in scrub(deleted, memory_tables()) if f.rule_id == "NCCI001"]
    in_force = replace(
        deleted, lines=tuple(replace(ln, service_date=date(2025, 6, 1)) for ln in deleted.lines)
    )
    hits = [f for f in scrub(in_force, memory_tables()) if f.rule_id == "NCCI001"]
    assert [(f.line, f.carc) for f in hits] == [(4, "97")]
    swapped = replace(C, lines=(C.lines[1], C.lines[0]))  # order of lines does not matter
    assert not [f for f in scrub(swapped, memory_tables()) if f.rule_id == "NCCI001"]


def test_sex_and_age_rules_skip_what_they_cannot_judge():
    unknown = replace(C, diagnoses=(*C.diagnoses, "N40.0"), patient=replace(C.patient, sex="U"))
    assert not [f for f in scrub(unknown, memory_tables()) if f.rule_id == "DX005"]
    male = replace(C, diagnoses=(*C.diagnoses, "N40.0"), patient=ADULT_MALE)
    assert not [f for f in scrub(male, memory_tables()) if f.rule_id == "DX005"]
    no_birth = replace(
        C, diagnoses=(*C.diagnoses, "P07.30"), patient=replace(C.patient, birth_date=None)
    )
    assert not [f for f in scrub(no_birth, memory_tables()) if f.rule_id == "DX004"]


def test_payer_required_fields_must_be_known():
    with pytest.raises(ValueError, match="unknown required field"):
        replace(C.payer, required_fields=frozenset({"patient.shoe_size"}))


def test_patient_age_counts_whole_years():
    p = PatientFacts(1, "A", "B", date(2000, 3, 2), "F")
    assert (p.age_on(date(2026, 3, 1)), p.age_on(date(2026, 3, 2))) == (25, 26)
    assert Severity.WARNING is RULES["TFL002"].severity
