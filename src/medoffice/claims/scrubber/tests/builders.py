"""A clean claim to start from, and in-memory code tables that fit it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from medoffice.claims.scrubber.facts import (
    Address,
    BillingProviderFacts,
    ClaimFacts,
    CoverageFacts,
    LineFacts,
    PatientFacts,
    PayerFacts,
    RenderingProviderFacts,
    SubscriberFacts,
)
from medoffice.claims.scrubber.tables import MemoryCodeTables, PairEdit, UnitsLimit

DOS = date(2026, 3, 2)


def clean_claim(**changes: Any) -> ClaimFacts:
    """A knee injection with a separate visit the same day (modifier 25): nothing to fix."""
    claim = ClaimFacts(
        claim_id=42,
        patient_control_number="PCN-42",
        payer=PayerFacts(id=1, name="Acme Health", edi_payer_id="ACME1", timely_filing_days=90),
        billing_provider=BillingProviderFacts(
            npi="1245319599",
            taxonomy="261QM1300X",
            tax_id="123456789",
            address=Address("1 Main St", "Springfield", "IL", "62701"),
        ),
        rendering_provider=RenderingProviderFacts(npi="1234567893", taxonomy="207Q00000X"),
        patient=PatientFacts(
            id=7,
            family_name="Rivera",
            given_name="Ana",
            birth_date=date(1980, 5, 1),
            sex="F",
            address=Address("2 Oak Ave", "Springfield", "IL", "62702"),
        ),
        subscriber=SubscriberFacts(member_id="XJ123456", relationship="18"),
        coverage=CoverageFacts(date(2025, 1, 1), None),
        diagnoses=("E11.9", "M17.11"),
        lines=(
            LineFacts(1, "99213", DOS, Decimal(1), Decimal("120.00"), ("25",), (1, 2)),
            LineFacts(2, "20610", DOS, Decimal(1), Decimal("200.00"), ("RT",), (2,)),
        ),
        submission_date=date(2026, 3, 10),
    )
    return replace(claim, **changes)


def with_line(claim: ClaimFacts, number: int, **changes: Any) -> ClaimFacts:
    lines = tuple(replace(ln, **changes) if ln.number == number else ln for ln in claim.lines)
    return replace(claim, lines=lines)


def add_line(claim: ClaimFacts, code: str, **fields: Any) -> ClaimFacts:
    values = {"units": Decimal(1), "charge": Decimal("30.00"), "diagnosis_pointers": (1,)}
    values.update(fields)
    values.setdefault("service_date", DOS)
    line = LineFacts(len(claim.lines) + 1, code, **values)
    return replace(claim, lines=(*claim.lines, line))


def memory_tables() -> MemoryCodeTables:
    return MemoryCodeTables(
        procedures={
            code: (None, None)
            for code in ("99213", "99214", "20610", "93000", "93005", "83036", "96372")
        }
        | {"99499": (None, date(2020, 12, 31))},
        modifiers={"25", "59", "XS", "XU", "50", "LT", "RT", "76", "91", "GA"},
        places_of_service={"11", "02", "10"},
        limits={
            "99213": UnitsLimit("99213", 1, 2),
            "20610": UnitsLimit("20610", 2, 1),
            "96372": UnitsLimit("96372", 4, 3),
        },
        pairs=[
            PairEdit("20610", "99213", date(2024, 1, 1), None, "1"),
            PairEdit("93000", "93005", date(2024, 1, 1), None, "0"),
            PairEdit("96372", "99214", date(2020, 1, 1), date(2025, 12, 31), "0"),
        ],
        dx_rules={"20610": ("M17", "M19"), "83036": ("E11", "R73")},
    )
