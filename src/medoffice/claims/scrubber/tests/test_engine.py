"""scrub(): disabled rules, ordering; the clean-claim rate; the database-backed tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from medoffice.claims.scrubber import (
    RULES,
    DatabaseCodeTables,
    Finding,
    Severity,
    clean_claim_rate,
    is_clean,
    scrub,
)
from medoffice.claims.scrubber.tests.builders import DOS, clean_claim, memory_tables, with_line

BAD_NPI = clean_claim(billing_provider=replace(clean_claim().billing_provider, npi="1245319598"))


def test_a_clean_claim_has_no_findings():
    assert scrub(clean_claim(), memory_tables()) == []


def test_disabled_rules_are_skipped_and_the_others_still_run():
    bad = with_line(BAD_NPI, 2, place_of_service="98")
    assert {f.rule_id for f in scrub(bad, memory_tables())} == {"NPI001", "POS001"}
    off = replace(bad, payer=replace(bad.payer, disabled_rules=frozenset({"NPI001"})))
    assert {f.rule_id for f in scrub(off, memory_tables())} == {"POS001"}


def test_errors_come_first_then_by_line():
    claim = with_line(replace(BAD_NPI, submission_date=date(2026, 5, 29)), 2, place_of_service="98")
    findings = scrub(claim, memory_tables())
    assert [(f.rule_id, f.line) for f in findings] == [
        ("NPI001", None), ("POS001", 2), ("TFL002", 1), ("TFL002", 2),
    ]  # fmt: skip
    assert is_clean([f for f in findings if f.severity is Severity.WARNING])
    assert not is_clean(findings)


def test_clean_claim_rate_counts_claims_without_errors():
    warning = Finding("TFL002", Severity.WARNING, "soon", "29", 1)
    error = Finding("NPI001", Severity.ERROR, "bad", "16")
    assert clean_claim_rate({1: [], 2: [warning], 3: [error, warning], 4: [error]}) == 0.5
    assert clean_claim_rate({1: []}) == 1.0
    assert clean_claim_rate({}) is None


def test_every_rule_names_its_carc_in_the_starter_table(db):
    from medoffice.coding.models import AdjustmentReason

    known = set(AdjustmentReason.objects.values_list("code", flat=True))
    for rule in RULES.values():
        assert rule.carcs and set(rule.carcs) <= known, rule.id
        assert rule.checks and rule.severity in (Severity.ERROR, Severity.WARNING)


def test_database_tables_answer_from_the_coding_app(db, django_assert_max_num_queries):
    tables = DatabaseCodeTables()
    assert tables.procedure_valid("99213", DOS) and not tables.procedure_valid("00000", DOS)
    assert tables.modifier_known("25") and not tables.modifier_known("Q9")
    assert tables.place_of_service_known("11") and not tables.place_of_service_known("98")
    assert tables.units_limit("99213").max_units == 1 and tables.units_limit("00000") is None
    (edit,) = tables.pair_edits("20610", "99213")
    assert edit.modifier_indicator == "1" and edit.active_on(DOS)
    assert "M17" in tables.diagnosis_prefixes("20610") and tables.diagnosis_prefixes("99213") == ()
    with django_assert_max_num_queries(0):  # answers are kept for the run
        tables.units_limit("99213")
        tables.pair_edits("20610", "99213")
        tables.modifier_known("59")


def test_terminated_procedure_codes_are_valid_only_until_their_end(db):
    from medoffice.coding.models import ProcedureCode

    ProcedureCode.objects.filter(code="99214").update(
        active=False, termination_date=date(2026, 2, 28)
    )
    tables = DatabaseCodeTables()
    assert tables.procedure_valid("99214", date(2026, 2, 28))
    assert not tables.procedure_valid("99214", DOS)


@pytest.mark.parametrize("modifiers, clean", [(("25",), True), ((), False)])
def test_the_starter_tables_scrub_the_demo_claim(db, modifiers, clean):
    claim = with_line(clean_claim(), 1, modifiers=modifiers)
    findings = scrub(claim, DatabaseCodeTables())
    assert is_clean(findings) is clean
    if not clean:
        assert [f.rule_id for f in findings] == ["NCCI001"]
