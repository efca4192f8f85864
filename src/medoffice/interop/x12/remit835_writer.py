"""835 (005010X221A1) remittance advice writer: the reader's dataclasses back to X12 text.

What a payer sends: used by the demo and the benchmarks to produce ERAs for claims MedOffice
submitted, and by tests. One transaction set (ST..SE) per `Remittance`, all in one interchange.
Only what the reader keeps is written (plus the payer's contact, which the guide requires).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from medoffice.interop.x12.envelope import ControlNumbers, Envelope, write_interchange_sets
from medoffice.interop.x12.remit835 import Adjustment, ClaimPayment, Remittance, ServicePayment
from medoffice.interop.x12.segments import SegmentWriter, clean_text, x12_amount, x12_date

IMPLEMENTATION = "005010X221A1"


@dataclass(frozen=True)
class PayerContact:
    """1000A: the payer's address and its business contact (PER*BL is required)."""

    line1: str
    city: str
    state: str
    postal_code: str
    phone: str
    contact_name: str = "PROVIDER SERVICES"


@dataclass(frozen=True)
class Payee:
    """1000B: the practice paid (NPI) and its tax id (REF*TJ)."""

    name: str
    npi: str
    tax_id: str


def _cas(out: SegmentWriter, adjustments: Sequence[Adjustment]) -> None:
    """CAS per group, at most six reasons per segment."""
    groups: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        groups.setdefault(adjustment.group, []).append(adjustment)
    for group, items in groups.items():
        for start in range(0, len(items), 6):
            elements: list[str] = []
            for item in items[start : start + 6]:
                quantity = "" if item.quantity is None else x12_amount(item.quantity)
                elements += [item.reason, x12_amount(item.amount), quantity]
            out.add("CAS", group, *elements)


def _service(out: SegmentWriter, service: ServicePayment) -> None:
    procedure = (service.procedure_qualifier or "HC", service.procedure_code, *service.modifiers)
    units = "" if service.units is None else x12_amount(service.units)
    out.add("SVC", procedure, x12_amount(service.billed), x12_amount(service.paid), "", units)
    if service.service_date:
        out.add("DTM", "472", x12_date(service.service_date))
    _cas(out, service.adjustments)
    if service.line_control_number:
        out.add("REF", "6R", service.line_control_number)
    if service.allowed is not None:
        out.add("AMT", "B6", x12_amount(service.allowed))
    for remark in service.remark_codes:
        out.add("LQ", "HE", remark)


def _claim(out: SegmentWriter, claim: ClaimPayment) -> None:
    responsibility = claim.patient_responsibility
    out.add(
        "CLP", claim.patient_control_number, claim.status_code, x12_amount(claim.billed),
        x12_amount(claim.paid), "" if responsibility is None else x12_amount(responsibility),
        claim.filing_indicator or "12", claim.payer_claim_number, claim.facility_code or "11",
        claim.frequency_code or "1",
    )  # fmt: skip
    _cas(out, claim.adjustments)
    last, _, first = claim.patient_name.partition(" ")
    out.add(
        "NM1", "QC", "1", clean_text(last) or "UNKNOWN", clean_text(first), "", "", "",
        "MI" if claim.patient_member_id else "", claim.patient_member_id,
    )  # fmt: skip
    if claim.remark_codes:
        out.add("MOA", "", "", *claim.remark_codes[:5])
    if claim.statement_start:
        out.add("DTM", "232", x12_date(claim.statement_start))
    if claim.statement_end:
        out.add("DTM", "233", x12_date(claim.statement_end))
    for service in claim.services:
        _service(out, service)


def _body(
    remittance: Remittance, payer: PayerContact, payee: Payee, envelope: Envelope
) -> SegmentWriter:
    out = SegmentWriter(envelope.separators)
    paid = remittance.payment_amount
    day = x12_date(remittance.payment_date or envelope.created.date())
    method = remittance.payment_method or "CHK"
    if method == "ACH":
        out.add(
            "BPR", "I", x12_amount(paid), remittance.credit_debit or "C", "ACH", "CCP", "01",
            "011000015", "DA", "123456789", remittance.payer_trace_id, "", "01", "021000021",
            "DA", "987654321", day,
        )  # fmt: skip
    else:
        out.add(
            "BPR", "I" if paid else "H", x12_amount(paid), remittance.credit_debit or "C", method,
            "", "", "", "", "", "", "", "", "", "", "", day,
        )  # fmt: skip
    out.add("TRN", "1", remittance.trace_number, remittance.payer_trace_id)
    out.add("DTM", "405", x12_date(remittance.production_date or envelope.created.date()))
    out.add("N1", "PR", clean_text(remittance.payer_name))
    out.add("N3", clean_text(payer.line1))
    out.add("N4", clean_text(payer.city), payer.state, payer.postal_code.replace("-", ""))
    if remittance.payer_id:
        out.add("REF", "2U", remittance.payer_id)
    out.add("PER", "BL", clean_text(payer.contact_name), "TE", payer.phone)
    out.add("N1", "PE", clean_text(payee.name), "XX", payee.npi)
    out.add("REF", "TJ", payee.tax_id)
    if remittance.claims:
        out.add("LX", "1")
    for claim in remittance.claims:
        _claim(out, claim)
    for plb in remittance.provider_adjustments:
        period = plb.fiscal_period_end or envelope.created.date()
        reason = (plb.reason, plb.reference)  # a composite: reason code and its reference
        out.add(
            "PLB", plb.provider_id or payee.npi, x12_date(period), reason, x12_amount(plb.amount)
        )
    return out


def write_835(
    remittances: Sequence[tuple[Remittance, PayerContact]],
    payee: Payee,
    envelope: Envelope,
    control: ControlNumbers,
) -> str:
    """One interchange, one functional group (HP), one transaction set per remittance."""
    if not remittances:
        raise ValueError("an 835 needs at least one remittance")
    bodies = [_body(remittance, payer, payee, envelope) for remittance, payer in remittances]
    return write_interchange_sets(
        envelope, control, functional_code="HP", transaction_set="835",
        implementation=IMPLEMENTATION, bodies=bodies, st03=False,
    )  # fmt: skip
