"""The 835 writer: what it writes reads back the same, and pyx12 finds it valid."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from medoffice.interop.x12.envelope import ControlNumbers, Envelope, Party
from medoffice.interop.x12.remit835 import (
    Adjustment,
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
    read_835,
)
from medoffice.interop.x12.remit835_writer import Payee, PayerContact, write_835
from medoffice.interop.x12.validation import validate_with_pyx12

D = Decimal
ENVELOPE = Envelope(
    sender=Party("ACMEPAYER"),
    receiver=Party("MEDOFFICE01"),
    created=datetime(2025, 3, 20, 12, 0, tzinfo=ZoneInfo("America/New_York")),
)
PAYER = PayerContact("1 PAYER WAY", "HARTFORD", "CT", "06101", "8005551212")
PAYEE = Payee("RIVERSIDE FAMILY MEDICINE", "1234567893", "141234567")


def _remittance(trace: str, claims: int) -> Remittance:
    payments = []
    for n in range(1, claims + 1):
        payment = ClaimPayment(
            patient_control_number=f"C{n:09d}", status_code="1", billed=D("225"), paid=D("150"),
            patient_responsibility=D("30"), filing_indicator="12", payer_claim_number=f"P{n}",
            patient_name="DOE JOHN", patient_member_id="XYZ123", remark_codes=["N130"],
            statement_start=date(2025, 3, 3), statement_end=date(2025, 3, 3),
        )  # fmt: skip
        payment.services = [
            ServicePayment("HC", "99213", ("25",), D("125"), D("90"), D("1"),
                           service_date=date(2025, 3, 3), line_control_number=f"C{n:09d}-1",
                           adjustments=[Adjustment("CO", "45", D("15")),
                                        Adjustment("PR", "2", D("20"))],
                           remark_codes=["N362"], allowed=D("110")),
            ServicePayment("HC", "93000", (), D("100"), D("60"), D("1"),
                           service_date=date(2025, 3, 3), line_control_number=f"C{n:09d}-2",
                           adjustments=[Adjustment("PR", "1", D("10")),
                                        Adjustment("CO", "45", D("30"))]),
        ]  # fmt: skip
        payments.append(payment)
    return Remittance(
        control_number="0001", payment_amount=D("150") * claims - D("2.50"), credit_debit="C",
        payment_method="ACH", payment_date=date(2025, 3, 21), trace_number=trace,
        payer_trace_id="1512345678", production_date=date(2025, 3, 20),
        payer_name="ACME HEALTH PLAN", payer_id="60054", claims=payments,
        provider_adjustments=[ProviderAdjustment("1234567893", date(2025, 12, 31), "L6",
                                                 "INTEREST", D("2.50"))],
    )  # fmt: skip


def test_written_835_reads_back_the_same():
    first, second = _remittance("EFT1", 3), _remittance("EFT2", 1)
    text = write_835([(first, PAYER), (second, PAYER)], PAYEE, ENVELOPE, ControlNumbers(7, 7, 7))
    parsed = read_835(text)
    assert [p.trace_number for p in parsed] == ["EFT1", "EFT2"]
    assert [p.control_number for p in parsed] == ["0007", "0008"]
    back = parsed[0]
    assert back.payment_amount == first.payment_amount and back.payer_id == "60054"
    assert len(back.claims) == 3 and back.service_line_count == 6
    claim, original = back.claims[1], first.claims[1]
    assert (claim.patient_control_number, claim.paid, claim.remark_codes) == (
        original.patient_control_number, original.paid, ["N130"]
    )  # fmt: skip
    service = claim.services[0]
    assert service.modifiers == ("25",) and service.line_control_number == "C000000002-1"
    assert service.adjustments == original.services[0].adjustments
    assert service.allowed == D("110") and service.remark_codes == ["N362"]
    assert back.provider_adjustments[0].amount == D("2.50")


def test_written_835_is_valid_for_pyx12():
    text = write_835([(_remittance("EFT1", 2), PAYER)], PAYEE, ENVELOPE, ControlNumbers(1, 1, 1))
    assert validate_with_pyx12(text) == []
