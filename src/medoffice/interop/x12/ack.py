"""Acknowledgments of a submitted 837: the 999 (005010X231A1, was each transaction set
syntactically accepted?) and the 277CA (005010X214, was each claim accepted into the payer's
adjudication system, and if not, why?)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from medoffice.interop.x12.envelope import read_transaction_sets
from medoffice.interop.x12.segments import Segment, X12Error

# IK501/AK901: A accepted, E accepted with errors, M/R/W/X rejected, P partially accepted.
ACCEPTED_SET_CODES = {"A", "E"}
# STC01-1 claim status categories that mean the claim did not enter adjudication.
REJECTED_CATEGORIES = {"A3", "A4", "A6", "A7", "A8"}


@dataclass(frozen=True)
class SegmentError:
    """IK3 (and its IK4 element notes): where in our file the receiver found a problem."""

    segment_id: str
    position: int
    loop: str
    code: str
    element_errors: tuple[str, ...] = ()


@dataclass
class TransactionAck:
    set_id: str  # AK201, "837"
    control_number: str  # AK202: our ST02
    status: str  # IK501
    errors: list[SegmentError] = field(default_factory=list)
    status_reasons: tuple[str, ...] = ()  # IK502..IK506

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED_SET_CODES


@dataclass
class FunctionalAck:
    """One 999: the answer to one of our functional groups (GS)."""

    group_control_number: str  # AK102: our GS06
    functional_code: str  # AK101, "HC"
    status: str  # AK901
    transactions: list[TransactionAck] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED_SET_CODES


def read_999(text: str) -> list[FunctionalAck]:
    acks = []
    for transaction in read_transaction_sets(text, expected_set="999"):
        ack: FunctionalAck | None = None
        current: TransactionAck | None = None
        error: SegmentError | None = None
        for segment in transaction.segments:
            seg_id = segment.id
            if seg_id == "AK1":
                ack = FunctionalAck(segment.get(2), segment.get(1), "")
            elif ack is None:
                raise X12Error("999 content before AK1", segment)
            elif seg_id == "AK2":
                current = TransactionAck(segment.get(1), segment.get(2), "")
                ack.transactions.append(current)
                error = None
            elif seg_id == "IK3":
                if current is None:
                    raise X12Error("IK3 before AK2", segment)
                error = _segment_error(segment)
                current.errors.append(error)
            elif seg_id == "IK4":
                if current is None or error is None:
                    raise X12Error("IK4 outside an IK3", segment)
                note = f"element {segment.get(1)} error {segment.get(3)}"
                if segment.get(4):
                    note += f" (value {segment.get(4)!r})"
                error = SegmentError(
                    error.segment_id,
                    error.position,
                    error.loop,
                    error.code,
                    (*error.element_errors, note),
                )
                current.errors[-1] = error
            elif seg_id == "IK5":
                if current is None:
                    raise X12Error("IK5 before AK2", segment)
                current.status = _required(segment, 1)
                current.status_reasons = tuple(
                    segment.get(i) for i in range(2, 7) if segment.get(i)
                )
            elif seg_id == "AK9":
                ack.status = _required(segment, 1)
        if ack is None or not ack.status:
            raise X12Error(f"999 {transaction.control_number} has no AK1/AK9")
        acks.append(ack)
    return acks


def _required(segment: Segment, index: int) -> str:
    value = segment.get(index)
    if not value:
        raise X12Error(f"{segment.id}{index:02d} is missing", segment)
    return value


def _segment_error(segment: Segment) -> SegmentError:
    position = segment.get(2)
    if not position.isdigit():
        raise X12Error(f"IK302 {position!r} is not a segment position", segment)
    return SegmentError(segment.get(1), int(position), segment.get(3), segment.get(4))


@dataclass(frozen=True)
class ClaimStatus:
    """One STC: category (A1..A8), status code, entity, and the payer's free text."""

    category: str
    code: str
    entity: str
    effective_date: date | None
    action: str  # STC03: WQ accepted, WU rejected
    amount: Decimal | None
    message: str

    @property
    def rejected(self) -> bool:
        return self.category in REJECTED_CATEGORIES


@dataclass
class ClaimAck:
    patient_control_number: str  # TRN02 of the patient level: our CLM01
    payer_claim_number: str = ""  # REF*1K
    clearinghouse_trace: str = ""  # REF*D9
    patient_name: str = ""
    statuses: list[ClaimStatus] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return bool(self.statuses) and not any(status.rejected for status in self.statuses)

    @property
    def reasons(self) -> list[str]:
        return [status.message for status in self.statuses if status.message]


@dataclass
class ClaimAcknowledgment:
    """One 277CA transaction set."""

    control_number: str
    claims: list[ClaimAck] = field(default_factory=list)


def _statuses(segment: Segment) -> list[ClaimStatus]:
    statuses = []
    for index in (1, 10, 11):  # STC01, then the additional status composites STC10/STC11
        parts = segment.components(index)
        if not parts[0]:
            continue
        parts += [""] * 3
        statuses.append(
            ClaimStatus(
                category=parts[0],
                code=parts[1],
                entity=parts[2],
                effective_date=segment.date(2),
                action=segment.get(3),
                amount=segment.amount(4),
                message=segment.get(12),
            )
        )
    if not statuses:
        raise X12Error("STC01 (claim status) is missing", segment)
    return statuses


def read_277ca(text: str) -> list[ClaimAcknowledgment]:
    results = []
    for transaction in read_transaction_sets(text, expected_set="277"):
        result = ClaimAcknowledgment(transaction.control_number)
        level = ""
        claim: ClaimAck | None = None
        in_service_line = False  # STC under SVC is a line status: kept off the claim's list
        for segment in transaction.segments:
            seg_id = segment.id
            if seg_id == "HL":
                level = segment.get(3)
                claim = None
                in_service_line = False
                if level == "PT":
                    claim = ClaimAck("")
                    result.claims.append(claim)
            elif claim is None:
                continue
            elif seg_id == "NM1" and segment.get(1) == "QC":
                claim.patient_name = " ".join(p for p in (segment.get(3), segment.get(4)) if p)
            elif seg_id == "TRN":
                claim.patient_control_number = segment.get(2)
            elif seg_id == "STC" and not in_service_line:
                claim.statuses.extend(_statuses(segment))
            elif seg_id == "REF" and not in_service_line:
                if segment.get(1) == "1K":
                    claim.payer_claim_number = segment.get(2)
                elif segment.get(1) == "D9":
                    claim.clearinghouse_trace = segment.get(2)
            elif seg_id == "SVC":
                in_service_line = True
        for claim_ack in result.claims:
            if not claim_ack.patient_control_number:
                raise X12Error(
                    f"277CA {transaction.control_number}: a patient level (HL PT) has no TRN"
                )
        results.append(result)
    return results
