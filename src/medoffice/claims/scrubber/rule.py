"""A scrubber rule: an id, a severity, what it checks, the CARC it prevents, and a check
function that yields Issues for a claim."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from medoffice.claims.scrubber.facts import ClaimFacts
from medoffice.claims.scrubber.tables import CodeTables


class Severity(enum.StrEnum):
    ERROR = "error"  # the claim is held until it is fixed
    WARNING = "warning"  # the biller should look, the claim may go


@dataclass(frozen=True)
class Issue:
    """What a check found: a message for the biller, the line it is on (None for the claim),
    and the CARC when it differs from the rule's main one."""

    message: str
    line: int | None = None
    carc: str = ""


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    carc: str
    line: int | None = None

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.ERROR


Check = Callable[[ClaimFacts, CodeTables], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    checks: str  # what it checks, in a sentence (the README's rules table)
    carcs: tuple[str, ...]  # the denials it prevents; the first is the default
    check: Check

    def run(self, claim: ClaimFacts, tables: CodeTables) -> list[Finding]:
        return [
            Finding(self.id, self.severity, issue.message, issue.carc or self.carcs[0], issue.line)
            for issue in self.check(claim, tables)
        ]


def rule(
    registry: list[Rule], rule_id: str, severity: Severity, checks: str, *carcs: str
) -> Callable[[Check], Rule]:
    """Declare a rule from its check function and add it to a module's list."""

    def wrap(check: Check) -> Rule:
        made = Rule(rule_id, severity, checks, carcs, check)
        registry.append(made)
        return made

    return wrap
