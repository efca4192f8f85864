"""Claims in every shape the 837P writer must handle, for the X12 tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from medoffice.interop.x12.claim837p import (
    Address,
    Adjustment,
    Batch,
    Claim,
    LineAdjudication,
    OtherPayer,
    Payer,
    Person,
    Provider,
    ServiceLine,
    Submitter,
    Subscriber,
)
from medoffice.interop.x12.envelope import ControlNumbers, Envelope, Party

X12_DATA = Path(__file__).parent / "data" / "x12"
CONTROL = ControlNumbers(interchange=1201, group=1201, transaction=1201)
ENVELOPE = Envelope(
    sender=Party("MEDOFFICE01"),
    receiver=Party("CLEARHOUSE"),
    created=datetime(2025, 3, 14, 9, 30),
)
SUBMITTER = Submitter("MEDOFFICE CLINIC", "MO1234", "BILLING OFFICE", "5555551234")
CLINIC = Provider(
    npi="1234567893",
    last_name="RIVERSIDE FAMILY MEDICINE",
    taxonomy="207Q00000X",
    tax_id="123456789",
    address=Address("100 MAIN ST", "SPRINGFIELD", "IL", "627010000"),
)
DOCTOR = Provider(npi="1679576722", last_name="ALVAREZ", first_name="MARIA", taxonomy="207Q00000X")
ACME = Payer("ACME HEALTH PLAN", "60054")
MEDICARE = Payer("MEDICARE PART B", "00112")
HOME = Address("12 ELM ST", "SPRINGFIELD", "IL", "62704", line2="APT 3")
JOHN = Person("DOE", "JOHN", "Q", birth_date=date(1970, 5, 17), sex="M", address=HOME)
EMMA = Person("DOE", "EMMA", birth_date=date(2015, 8, 2), sex="F", address=HOME)
VISIT = date(2025, 3, 3)


def office_visit(**changes) -> ServiceLine:
    line = ServiceLine("99213", Decimal("125.00"), VISIT, diagnosis_pointers=(1, 2))
    return replace(line, **changes)


def simple_claim(**changes) -> Claim:
    claim = Claim(
        patient_control_number="PCN1001",
        billing_provider=CLINIC,
        subscriber=Subscriber("XYZ123456789", JOHN, group_number="GRP100"),
        payer=ACME,
        diagnoses=("E11.9", "I10"),
        lines=(office_visit(),),
    )
    return replace(claim, **changes)


def dependent_claim() -> Claim:
    return simple_claim(
        patient_control_number="PCN1002",
        subscriber=Subscriber("XYZ123456789", replace(JOHN, address=None), group_number="G1"),
        patient=EMMA,
        patient_relationship="19",
        diagnoses=("J02.9",),
        lines=(office_visit(diagnosis_pointers=(1,)),),
    )


def multi_line_claim() -> Claim:
    return simple_claim(
        patient_control_number="PCN1003",
        diagnoses=("M54.50", "M79.604", "Z68.41"),
        lines=(
            office_visit(procedure_code="99214", modifiers=("25",), line_control_number="L1"),
            office_visit(
                procedure_code="20610",
                modifiers=("RT", "59"),
                charge=Decimal("210.50"),
                diagnosis_pointers=(2, 1, 3),
                line_control_number="L2",
            ),
            office_visit(
                procedure_code="J1030",
                charge=Decimal("18"),
                units=Decimal(2),
                diagnosis_pointers=(2,),
                place_of_service="22",
                line_control_number="L3",
            ),
        ),
        prior_authorization="AUTH778899",
        referral_number="REF445566",
        rendering_provider=DOCTOR,
        place_of_service="11",
    )


def secondary_claim(
    destination: Payer = ACME,
    filing: str = "CI",
    sbr05: str = "",
    primary_payer: Payer = MEDICARE,
    primary_filing: str = "MB",
) -> Claim:
    """The primary paid first; the claim goes to the secondary payer with its line-level
    adjudication (2430), which balances: paid + adjustments = charge."""
    primary = OtherPayer(
        payer=primary_payer,
        subscriber=Subscriber("1EG4TE5MK73", JOHN, filing_indicator=primary_filing),
        responsibility="P",
        relationship="18",
        paid=Decimal("180.00"),
    )
    lines = (
        office_visit(
            charge=Decimal("125.00"),
            line_control_number="S1",
            adjudications=(
                LineAdjudication(
                    payer_id=primary_payer.payer_id,
                    paid=Decimal("80.00"),
                    procedure_code="99213",
                    adjudication_date=date(2025, 3, 20),
                    adjustments=(
                        Adjustment("CO", "45", Decimal("25.00")),
                        Adjustment("PR", "2", Decimal("20.00")),
                    ),
                ),
            ),
        ),
        office_visit(
            procedure_code="93000",
            modifiers=("26",),
            charge=Decimal("100.00"),
            line_control_number="S2",
            adjudications=(
                LineAdjudication(
                    payer_id=primary_payer.payer_id,
                    paid=Decimal("100.00"),
                    procedure_code="93000",
                    modifiers=("26",),
                    adjudication_date=date(2025, 3, 20),
                ),
            ),
        ),
    )
    return simple_claim(
        patient_control_number="PCN1004",
        responsibility="S",
        payer=destination,
        subscriber=Subscriber("SEC555", JOHN, group_number="G2", filing_indicator=filing),
        medicare_secondary_type=sbr05,
        other_payers=(primary,),
        lines=lines,
    )


def secondary_claim_level_only() -> Claim:
    """COB with only the primary's claim-level adjustments and remittance date (2320/2330B)."""
    primary = OtherPayer(
        payer=MEDICARE,
        subscriber=Subscriber("1EG4TE5MK73", JOHN, filing_indicator="MB"),
        responsibility="P",
        paid=Decimal("95.00"),
        adjustments=(
            Adjustment("CO", "45", Decimal("10.00")),
            Adjustment("PR", "1", Decimal("20.00")),
        ),
        adjudication_date=date(2025, 3, 21),
    )
    return simple_claim(
        patient_control_number="PCN1006", responsibility="S", other_payers=(primary,)
    )


def replacement_claim(frequency: str = "7") -> Claim:
    return simple_claim(
        patient_control_number="PCN1005",
        frequency_code=frequency,
        original_claim_number="2025031400123",
    )


def batch(*claims: Claim) -> Batch:
    return Batch(SUBMITTER, "CLEARHOUSE INC", "CLEARHOUSE", claims)
