"""The rule registry, scrubbing a claim, and the clean-claim rate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from medoffice.claims.scrubber import rules_claim, rules_codes
from medoffice.claims.scrubber.facts import ClaimFacts
from medoffice.claims.scrubber.rule import Finding, Rule
from medoffice.claims.scrubber.tables import CodeTables

RULES: dict[str, Rule] = {r.id: r for r in (*rules_claim.RULES, *rules_codes.RULES)}


def scrub(facts: ClaimFacts, tables: CodeTables) -> list[Finding]:
    """Every finding of every rule the claim's payer has not turned off: errors first, then by
    line (claim-level findings before the lines'), then by rule."""
    findings: list[Finding] = []
    for rule_id, rule in RULES.items():
        if rule_id in facts.payer.disabled_rules:
            continue
        findings.extend(rule.run(facts, tables))
    return sorted(
        findings,
        key=lambda f: (not f.blocks, f.line is not None, f.line or 0, f.rule_id),
    )


def is_clean(findings: Sequence[Finding]) -> bool:
    """A claim is clean when nothing blocks it (warnings do not)."""
    return not any(f.blocks for f in findings)


def clean_claim_rate(findings_by_claim: Mapping[object, Sequence[Finding]]) -> float | None:
    """The share of claims with no error findings (0.0 to 1.0); None when there are none."""
    if not findings_by_claim:
        return None
    clean = sum(1 for findings in findings_by_claim.values() if is_clean(findings))
    return clean / len(findings_by_claim)
