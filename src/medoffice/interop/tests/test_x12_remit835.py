"""835 reader: shared real files parse or fail naming the segment; every field is read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from medoffice.interop.tests.x12_builders import X12_DATA
from medoffice.interop.tests.x12_era import era
from medoffice.interop.x12.remit835 import Adjustment, read_835
from medoffice.interop.x12.segments import X12Error
from medoffice.interop.x12.validation import validate_with_pyx12

SHARED = X12_DATA / "835"
UNREADABLE = {
    "managed-care.835": r"segment 4 \(BPR, line 4\): BPR16 '20002316' is not a date",
    "tertiary-payment.835": r"segment 20 \(SVC, line 20\): SVC01 'HC' has no procedure code",
}


@pytest.mark.parametrize("name", sorted(p.name for p in SHARED.glob("*.835")))
def test_every_shared_835_parses_or_names_the_bad_segment(name):
    text = (SHARED / name).read_text()
    if name in UNREADABLE:
        with pytest.raises(X12Error, match=UNREADABLE[name]):
            read_835(text)
    else:
        (remittance,) = read_835(text)
        assert remittance.claims
        assert remittance.payment_amount > 0 and remittance.trace_number


def test_svc01_written_with_another_sub_element_separator_than_isa16_is_read():
    (remittance,) = read_835((SHARED / "secondary-payment.835").read_text())
    assert remittance.payment_date is None  # BPR16 missing in this file
    assert remittance.production_date == date(2005, 4, 12)
    claim = remittance.claims[1]
    assert [(s.procedure_code, s.modifiers, s.paid) for s in claim.services] == [
        ("12345", ("26",), Decimal("30.00")),
        ("66543", ("26",), Decimal("280.00")),
    ]
    assert claim.services[1].adjustments == [
        Adjustment("PR", "1", Decimal("150.00")),
        Adjustment("PR", "2", Decimal("70.00")),
        Adjustment("CO", "42", Decimal("85.00")),
    ]


def test_institutional_remark_codes_and_provider_adjustments():
    (remittance,) = read_835((SHARED / "medicare-part-a.835").read_text())
    assert remittance.payment_method == "ACH" and remittance.payment_date == date(2002, 9, 13)
    assert remittance.claims[1].remark_codes == ["MA02"]
    (plb,) = remittance.provider_adjustments
    assert (plb.reason, plb.reference, plb.amount) == ("CV", "CP", Decimal("-1.27"))


def test_every_field_of_a_full_remittance():
    text = era(claims=2)
    assert validate_with_pyx12(text) == []  # the fixture itself is a valid 835
    (remittance,) = read_835(text)
    assert remittance.payment_amount == Decimal("292.50")
    assert (remittance.credit_debit, remittance.payment_method) == ("C", "ACH")
    assert remittance.payment_date == date(2025, 3, 21)
    assert (remittance.trace_number, remittance.payer_trace_id) == ("EFT0001", "1512345678")
    assert (remittance.payer_name, remittance.payer_id) == ("ACME HEALTH PLAN", "60054")
    assert (remittance.payee_name, remittance.payee_id) == (
        "RIVERSIDE FAMILY MEDICINE",
        "1234567893",
    )
    claim = remittance.claims[0]
    assert claim.patient_control_number == "PCN0001" and claim.status_code == "1"
    assert (claim.billed, claim.paid, claim.patient_responsibility) == (
        Decimal(225),
        Decimal(150),
        Decimal(30),
    )
    assert claim.payer_claim_number == "PAYER000001"
    assert claim.adjustments == [Adjustment("CO", "45", Decimal(10))]
    assert claim.remark_codes == ["N130", "MA01"]
    assert claim.patient_name == "DOE JOHN Q" and claim.patient_member_id == "XYZ123456789"
    first, second = claim.services
    assert (first.procedure_code, first.modifiers, first.billed, first.paid, first.units) == (
        "99213",
        ("25",),
        Decimal(125),
        Decimal(90),
        Decimal(1),
    )
    assert first.service_date == date(2025, 3, 3) and first.line_control_number == "L1A"
    assert first.adjustments == [
        Adjustment("CO", "45", Decimal(15)),
        Adjustment("PR", "2", Decimal(20)),
    ]
    assert first.remark_codes == ["N362"] and first.allowed == Decimal(110)
    assert second.adjustments == [
        Adjustment("PR", "1", Decimal(10), Decimal(1)),
        Adjustment("OA", "23", Decimal(20)),
    ]
    assert [(p.reason, p.reference, p.amount) for p in remittance.provider_adjustments] == [
        ("L6", "INTEREST", Decimal("-2.50")),
        ("WO", "PCN0000", Decimal(10)),
    ]


def test_several_transactions_and_interchanges_without_newlines():
    text = era(claims=1, transactions=2, newlines=False)
    second_interchange = era(claims=3).replace("*", "|").replace(":", ">")
    remittances = read_835(text + "\r\n" + second_interchange)
    assert [len(r.claims) for r in remittances] == [1, 1, 3]
    assert remittances[2].claims[2].services[0].modifiers == ("25",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("CLP*PCN0001*1*225*150", "CLP*PCN0001*1*2X5*150"),
            r"\(CLP, line 15\): CLP03 '2X5' is not a number",
        ),
        (
            ("CAS*CO*45*10~", "CAS*XX*45*10~"),
            r"\(CAS, line 16\): CAS01 'XX' is not an adjustment group",
        ),
        (
            ("DTM*472*20250303~", "DTM*472*20251303~"),
            r"\(DTM, line 21\): DTM02 '20251303' is not a date",
        ),
        (("ST*835*0001~", "ST*837*0001~"), r"\(ST, line 3\): this is a 837 transaction set"),
        (("SE*", "XX*"), r"\(GE, line \d+\): transaction set was not closed by SE"),
        (("ISA*", "XSA*"), r"\(XSA, line 1\): the file does not start with an ISA"),
    ],
)
def test_unreadable_files_name_the_segment_and_the_problem(change, message):
    with pytest.raises(X12Error, match=message):
        read_835(era(claims=1).replace(*change, 1))
