"""The claim scrubber: rules that catch what a payer would deny before the claim is sent.

Rules read plain facts (facts.py) and code-table look-ups (tables.py); see README, "Claim
scrubber", for the rules table.
"""

from medoffice.claims.scrubber.engine import RULES, clean_claim_rate, is_clean, scrub
from medoffice.claims.scrubber.rule import Finding, Severity
from medoffice.claims.scrubber.tables import CodeTables, DatabaseCodeTables, MemoryCodeTables

__all__ = [
    "RULES",
    "CodeTables",
    "DatabaseCodeTables",
    "Finding",
    "MemoryCodeTables",
    "Severity",
    "clean_claim_rate",
    "is_clean",
    "scrub",
]
