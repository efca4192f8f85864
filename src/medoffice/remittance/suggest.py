"""What to do about a denial, by its claim adjustment reason code (CARC)."""

from __future__ import annotations

from typing import Any

from medoffice.remittance.models import SuggestedAction

# Fixable on our side: missing or wrong data, wrong payer, coordination of benefits.
CORRECT = frozenset(
    {"4", "5", "6", "7", "8", "9", "10", "11", "12", "16", "22", "31", "32", "33", "109",
     "125", "129", "140", "146", "181", "182", "189", "206", "A1", "B7"}
)  # fmt: skip
# The payer's judgement, answered with records: necessity, authorization, level of care.
APPEAL = frozenset({"15", "50", "55", "56", "57", "58", "150", "151", "152", "197", "198", "B15"})
# Nothing to collect from anyone: late, duplicate, bundled into another service.
WRITE_OFF = frozenset({"18", "29", "97", "234", "B13", "B20"})
# The patient's: not covered, coverage ended, benefit maximum reached.
BILL_PATIENT = frozenset({"26", "27", "35", "96", "119", "200", "204", "B1"})


def action_for_reason(reason: str) -> str:
    reason = reason.strip().upper()
    for codes, action in (
        (CORRECT, SuggestedAction.CORRECT),
        (WRITE_OFF, SuggestedAction.WRITE_OFF),
        (BILL_PATIENT, SuggestedAction.BILL_PATIENT),
        (APPEAL, SuggestedAction.APPEAL),
    ):
        if reason in codes:
            return action
    return SuggestedAction.APPEAL


def denial_reason(adjustments: Any) -> str:
    """The reason the line was denied: its largest adjustment that is not the patient's."""
    others = [a for a in adjustments if a.group != "PR" and a.amount > 0]
    if not others:
        return ""
    return max(others, key=lambda a: a.amount).reason


def suggested_action(row: Any) -> str:
    return action_for_reason(denial_reason(list(row.adjustments.all())))
