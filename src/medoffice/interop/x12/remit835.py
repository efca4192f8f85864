"""835 (005010X221A1) remittance advice reader: payments, claims, service lines, adjustments.

One pass over the segments with a small state machine (payer/payee party, current claim,
current service line), so a 20,000-line ERA reads in well under a second. Optional segments
may be missing; values the posting depends on (amounts, dates, codes) are checked and a bad
one raises X12Error naming the segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from medoffice.interop.x12.envelope import read_transaction_sets
from medoffice.interop.x12.segments import Segment, X12Error

ADJUSTMENT_GROUPS = {
    "CO": "contractual obligation",
    "PR": "patient responsibility",
    "OA": "other adjustment",
    "PI": "payer initiated reduction",
    "CR": "correction and reversal",  # 4010 only, still seen in the wild
}
PROCEDURE_QUALIFIERS = {"HC", "AD", "ER", "HP", "IV", "N4", "NU", "WK", "N1", "N2", "N3", "NH"}


@dataclass(frozen=True)
class Adjustment:
    """One CAS triplet: group (CO/PR/OA/PI), claim adjustment reason code, amount."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass
class ServicePayment:
    procedure_qualifier: str
    procedure_code: str
    modifiers: tuple[str, ...]
    billed: Decimal
    paid: Decimal
    units: Decimal | None
    revenue_code: str = ""
    submitted_procedure_code: str = ""  # SVC06, when the payer adjudicated another code
    service_date: date | None = None
    service_end_date: date | None = None
    line_control_number: str = ""  # REF*6R: our line item control number (2400 REF*6R)
    adjustments: list[Adjustment] = field(default_factory=list)
    remark_codes: list[str] = field(default_factory=list)  # LQ*HE
    allowed: Decimal | None = None  # AMT*B6


@dataclass
class ClaimPayment:
    patient_control_number: str
    status_code: str  # CLP02: 1 processed as primary, 2 secondary, 4 denied, 22 reversal...
    billed: Decimal
    paid: Decimal
    patient_responsibility: Decimal | None
    filing_indicator: str
    payer_claim_number: str
    facility_code: str = ""
    frequency_code: str = ""
    patient_name: str = ""
    patient_member_id: str = ""
    adjustments: list[Adjustment] = field(default_factory=list)
    remark_codes: list[str] = field(
        default_factory=list
    )  # MOA (professional) / MIA (institutional)
    statement_start: date | None = None
    statement_end: date | None = None
    received_date: date | None = None
    services: list[ServicePayment] = field(default_factory=list)

    @property
    def is_denied(self) -> bool:
        return self.status_code == "4"

    @property
    def is_reversal(self) -> bool:
        return self.status_code == "22"


@dataclass(frozen=True)
class ProviderAdjustment:
    """A PLB pair: money moved outside any claim (interest, recoupment, forward balance)."""

    provider_id: str
    fiscal_period_end: date | None
    reason: str
    reference: str
    amount: Decimal


@dataclass
class Remittance:
    control_number: str
    payment_amount: Decimal
    credit_debit: str  # BPR03: C credit, D debit
    payment_method: str  # BPR04: ACH, CHK, BOP, FWT, NON
    payment_date: date | None  # BPR16, missing in some real files
    trace_number: str  # TRN02: check or EFT number, the key for matching the deposit
    payer_trace_id: str  # TRN03
    production_date: date | None = None  # DTM*405
    payer_name: str = ""
    payer_id: str = ""
    payee_name: str = ""
    payee_id_qualifier: str = ""
    payee_id: str = ""
    claims: list[ClaimPayment] = field(default_factory=list)
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)

    @property
    def service_line_count(self) -> int:
        return sum(len(claim.services) for claim in self.claims)


def read_835(text: str) -> list[Remittance]:
    """Every remittance (one per ST) in the file, across any number of interchanges."""
    return [
        _read_remittance(transaction.control_number, transaction.segments)
        for transaction in read_transaction_sets(text, expected_set="835")
    ]


def _adjustments(segment: Segment) -> list[Adjustment]:
    group = segment.get(1)
    if group not in ADJUSTMENT_GROUPS:
        raise X12Error(f"CAS01 {group!r} is not an adjustment group (CO, PR, OA, PI)", segment)
    found = []
    elements = segment.elements
    for start in range(2, min(len(elements), 20), 3):
        reason = elements[start]
        if not reason:
            if segment.get(start + 1):
                raise X12Error(f"CAS{start + 1:02d} has an amount without a reason", segment)
            continue
        amount = segment.amount(start + 1, required=True)
        assert amount is not None
        quantity = segment.amount(start + 2) if len(elements) > start + 2 else None
        found.append(Adjustment(group, reason, amount, quantity))
    if not found:
        raise X12Error("CAS has no adjustment reason", segment)
    return found


def _service(segment: Segment) -> ServicePayment:
    procedure = segment.components(1)
    qualifier = procedure[0]
    if len(procedure) == 1 and qualifier[:2] in PROCEDURE_QUALIFIERS and len(qualifier) > 3:
        # Some payers write SVC01 with another sub-element separator than the one their ISA16
        # declares ("HC>99213>25"); the character right after the qualifier tells which.
        separator = qualifier[2]
        if not separator.isalnum():
            procedure = qualifier.split(separator)
            qualifier = procedure[0]
    if qualifier not in PROCEDURE_QUALIFIERS:
        raise X12Error(
            f"SVC01 {segment.get(1)!r} does not start with a procedure qualifier such as HC "
            f"(sub-element separator from ISA16: {segment.separators.component!r})",
            segment,
        )
    if len(procedure) < 2 or not procedure[1]:
        raise X12Error(f"SVC01 {segment.get(1)!r} has no procedure code", segment)
    billed = segment.amount(2, required=True)
    paid = segment.amount(3, required=True)
    assert billed is not None and paid is not None
    submitted = segment.components(6)
    return ServicePayment(
        procedure_qualifier=qualifier,
        procedure_code=procedure[1],
        modifiers=tuple(modifier for modifier in procedure[2:6] if modifier),
        billed=billed,
        paid=paid,
        units=segment.amount(5) if segment.get(5) else segment.amount(7),
        revenue_code=segment.get(4),
        submitted_procedure_code=submitted[1] if len(submitted) > 1 else "",
    )


def _claim(segment: Segment) -> ClaimPayment:
    if not segment.get(1):
        raise X12Error("CLP01 (patient control number) is missing", segment)
    if not segment.get(2):
        raise X12Error("CLP02 (claim status) is missing", segment)
    billed = segment.amount(3, required=True)
    paid = segment.amount(4, required=True)
    assert billed is not None and paid is not None
    return ClaimPayment(
        patient_control_number=segment.get(1),
        status_code=segment.get(2),
        billed=billed,
        paid=paid,
        patient_responsibility=segment.amount(5),
        filing_indicator=segment.get(6),
        payer_claim_number=segment.get(7),
        facility_code=segment.get(8),
        frequency_code=segment.get(9),
    )


def _provider_adjustments(segment: Segment) -> list[ProviderAdjustment]:
    period_end = segment.date(2)
    found = []
    for start in range(3, 15, 2):
        if not segment.get(start):
            continue
        reason, _, reference = segment.get(start).partition(segment.separators.component)
        amount = segment.amount(start + 1, required=True)
        assert amount is not None
        found.append(ProviderAdjustment(segment.get(1), period_end, reason, reference, amount))
    if not found:
        raise X12Error("PLB has no adjustment", segment)
    return found


def _read_remittance(control_number: str, segments: list[Segment]) -> Remittance:
    if not segments or segments[0].id != "BPR":
        raise X12Error(
            "an 835 starts with BPR (financial information)", segments[0] if segments else None
        )
    bpr = segments[0]
    amount = bpr.amount(2, required=True)
    assert amount is not None
    remittance = Remittance(
        control_number=control_number,
        payment_amount=amount,
        credit_debit=bpr.get(3),
        payment_method=bpr.get(4),
        payment_date=bpr.date(16),
        trace_number="",
        payer_trace_id="",
    )
    party = ""  # "PR" or "PE" while in the header's N1 loops
    claim: ClaimPayment | None = None
    service: ServicePayment | None = None
    for segment in segments[1:]:
        seg_id = segment.id
        if seg_id == "SVC":
            if claim is None:
                raise X12Error("SVC before any CLP", segment)
            service = _service(segment)
            claim.services.append(service)
        elif seg_id == "CAS":
            target = service if service is not None else claim
            if target is None:
                raise X12Error("CAS before any CLP", segment)
            target.adjustments.extend(_adjustments(segment))
        elif seg_id == "DTM":
            qualifier = segment.get(1)
            when = segment.date(2)
            if service is not None:
                if qualifier in ("472", "150"):
                    service.service_date = when
                elif qualifier == "151":
                    service.service_end_date = when
            elif claim is not None:
                if qualifier == "232":
                    claim.statement_start = when
                elif qualifier == "233":
                    claim.statement_end = when
                elif qualifier == "050":
                    claim.received_date = when
            elif qualifier == "405":
                remittance.production_date = when
        elif seg_id == "REF":
            # 6R is the IG's line item control number; 6B is accepted as some payers send it.
            if service is not None and segment.get(1) in ("6R", "6B"):
                service.line_control_number = segment.get(2)
            elif claim is None and party == "PR" and segment.get(1) == "2U":
                remittance.payer_id = segment.get(2)
        elif seg_id == "AMT":
            if service is not None and segment.get(1) == "B6":
                service.allowed = segment.amount(2)
        elif seg_id == "LQ":
            if service is not None and segment.get(1) == "HE":
                service.remark_codes.append(segment.get(2))
        elif seg_id == "CLP":
            claim = _claim(segment)
            service = None
            remittance.claims.append(claim)
        elif seg_id == "NM1":
            # Only the patient (QC); corrected insured, crossover payer etc. are not kept.
            if claim is not None and segment.get(1) == "QC":
                names = [segment.get(3), segment.get(4), segment.get(5)]
                claim.patient_name = " ".join(name for name in names if name)
                claim.patient_member_id = segment.get(9)
        elif seg_id in ("MOA", "MIA"):
            if claim is None:
                raise X12Error(f"{seg_id} before any CLP", segment)
            # Remark codes: MOA03..07; MIA05 and MIA20..24.
            positions = (3, 4, 5, 6, 7) if seg_id == "MOA" else (5, 20, 21, 22, 23, 24)
            claim.remark_codes.extend(segment.get(i) for i in positions if segment.get(i))
        elif seg_id == "TRN":
            remittance.trace_number = segment.get(2)
            remittance.payer_trace_id = segment.get(3)
        elif seg_id == "N1":
            party = segment.get(1)
            if party == "PR":
                remittance.payer_name = segment.get(2)
            elif party == "PE":
                remittance.payee_name = segment.get(2)
                remittance.payee_id_qualifier = segment.get(3)
                remittance.payee_id = segment.get(4)
        elif seg_id == "PLB":
            claim, service = None, None
            remittance.provider_adjustments.extend(_provider_adjustments(segment))
        elif seg_id == "LX":
            claim, service = None, None
    if not remittance.trace_number:
        raise X12Error(f"remittance {control_number} has no TRN (check or EFT trace number)")
    if not remittance.payer_id:
        remittance.payer_id = remittance.payer_trace_id
    return remittance
