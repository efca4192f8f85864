"""Eligibility: the 270 inquiry (005010X279A1) for one subscriber or dependent, and the 271
response read into coverage status, plan, dates and cost sharing by service type/network."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from medoffice.interop.x12.envelope import (
    ControlNumbers,
    Envelope,
    read_transaction_sets,
    write_interchange,
)
from medoffice.interop.x12.segments import (
    Segment,
    SegmentWriter,
    X12Error,
    clean_text,
    parse_date_range,
    x12_date,
    x12_time,
)

IMPLEMENTATION = "005010X279A1"
ACTIVE_CODES = {"1", "2", "3", "4", "5"}  # EB01: active coverage (of some kind)
INACTIVE_CODES = {"6", "7", "8"}  # inactive, pending investigation, pending investigation


@dataclass(frozen=True)
class Member:
    last_name: str
    first_name: str
    birth_date: date | None = None
    sex: str = ""
    member_id: str = ""


@dataclass(frozen=True)
class EligibilityInquiry:
    payer_name: str
    payer_id: str
    provider_name: str  # organization name, or the last name when provider_first_name is set
    provider_npi: str
    subscriber: Member
    trace_number: str  # TRN02, echoed back in the 271
    originator_id: str  # TRN03: "1" + our EIN, or another 10-character company id
    dependent: Member | None = None  # None: the subscriber is the patient
    service_types: tuple[str, ...] = ("30",)  # 30: health benefit plan coverage
    service_date: date | None = None
    provider_first_name: str = ""


def write_270(inquiry: EligibilityInquiry, envelope: Envelope, control: ControlNumbers) -> str:
    if not inquiry.subscriber.member_id:
        raise ValueError("a 270 needs the subscriber's member id")
    out = SegmentWriter(envelope.separators)

    def text(value: str) -> str:
        return clean_text(value, envelope.separators)

    out.add(
        "BHT",
        "0022",
        "13",
        inquiry.trace_number,
        x12_date(envelope.created),
        x12_time(envelope.created),
    )
    out.add("HL", "1", None, "20", "1")
    out.add(
        "NM1", "PR", "2", text(inquiry.payer_name), None, None, None, None, "PI", inquiry.payer_id
    )
    out.add("HL", "2", "1", "21", "1")
    person = bool(inquiry.provider_first_name)
    out.add(
        "NM1",
        "1P",
        "1" if person else "2",
        text(inquiry.provider_name),
        text(inquiry.provider_first_name),
        None,
        None,
        None,
        "XX",
        inquiry.provider_npi,
    )
    out.add("HL", "3", "2", "22", "0" if inquiry.dependent is None else "1")

    def member_loop(entity: str, member: Member, with_id: bool) -> None:
        out.add("TRN", "1", inquiry.trace_number, inquiry.originator_id)
        out.add(
            "NM1",
            entity,
            "1",
            text(member.last_name),
            text(member.first_name),
            None,
            None,
            None,
            "MI" if with_id else None,
            member.member_id if with_id else None,
        )
        if member.birth_date is not None:
            out.add("DMG", "D8", x12_date(member.birth_date), member.sex or None)
        if inquiry.service_date is not None:
            out.add("DTP", "291", "D8", x12_date(inquiry.service_date))
        for service_type in inquiry.service_types:
            out.add("EQ", service_type)

    if inquiry.dependent is None:
        member_loop("IL", inquiry.subscriber, with_id=True)
    else:
        # The subscriber level carries only the name and id; the inquiry itself (trace,
        # dates, service types) belongs to the dependent level.
        subscriber = inquiry.subscriber
        out.add(
            "NM1",
            "IL",
            "1",
            text(subscriber.last_name),
            text(subscriber.first_name),
            None,
            None,
            None,
            "MI",
            subscriber.member_id,
        )
        if subscriber.birth_date is not None:
            out.add("DMG", "D8", x12_date(subscriber.birth_date), subscriber.sex or None)
        out.add("HL", "4", "3", "23", "0")
        member_loop("03", inquiry.dependent, with_id=False)
    return write_interchange(
        envelope,
        control,
        functional_code="HS",
        transaction_set="270",
        implementation=IMPLEMENTATION,
        body=out,
    )


@dataclass(frozen=True)
class Benefit:
    """One EB: what the plan says about one kind of benefit."""

    code: str  # EB01: 1 active, 6 inactive, A coinsurance, B copay, C deductible, G OOP...
    coverage_level: str  # EB02: IND individual, FAM family...
    service_types: tuple[str, ...]  # EB03 (repeating)
    insurance_type: str  # EB04
    plan_description: str  # EB05
    time_period: str  # EB06: 23 calendar year, 29 remaining, 27 visit...
    amount: Decimal | None  # EB07
    percent: Decimal | None  # EB08, as a fraction (0.2 = 20%)
    authorization_required: str  # EB11
    in_network: bool | None  # EB12: Y in network, N out of network, W/U/empty unknown
    messages: tuple[str, ...] = ()


@dataclass
class CostSharing:
    """Cost sharing for one service type, network and coverage level, as a reader wants it."""

    service_type: str
    in_network: bool | None
    coverage_level: str
    copay: Decimal | None = None
    coinsurance: Decimal | None = None
    deductible: Decimal | None = None
    deductible_remaining: Decimal | None = None
    out_of_pocket: Decimal | None = None
    out_of_pocket_remaining: Decimal | None = None


@dataclass
class EligibilityResponse:
    payer_name: str = ""
    payer_id: str = ""
    provider_name: str = ""
    subscriber: Member | None = None
    dependent: Member | None = None
    trace_numbers: list[str] = field(default_factory=list)
    plan_name: str = ""
    group_number: str = ""
    coverage_dates: dict[str, tuple[date, date]] = field(default_factory=dict)
    benefits: list[Benefit] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)  # AAA03 reasons (e.g. 50, 72, 75)

    @property
    def active(self) -> bool | None:
        """True if any EB says active, False if only inactive ones, None if it does not say."""
        codes = {benefit.code for benefit in self.benefits}
        if codes & ACTIVE_CODES:
            return True
        if codes & INACTIVE_CODES:
            return False
        return None

    @property
    def plan_begin(self) -> date | None:
        for qualifier in ("346", "356", "291", "292"):
            if qualifier in self.coverage_dates:
                return self.coverage_dates[qualifier][0]
        return None

    @property
    def plan_end(self) -> date | None:
        for qualifier in ("347", "357"):
            if qualifier in self.coverage_dates:
                return self.coverage_dates[qualifier][0]
        if "291" in self.coverage_dates:
            start, end = self.coverage_dates["291"]
            return end if end != start else None
        return None

    def cost_sharing(self) -> list[CostSharing]:
        rows: dict[tuple[str, bool | None, str], CostSharing] = {}
        for benefit in self.benefits:
            if benefit.code not in ("A", "B", "C", "G"):
                continue
            for service_type in benefit.service_types or ("30",):
                key = (service_type, benefit.in_network, benefit.coverage_level)
                row = rows.setdefault(key, CostSharing(*key))
                remaining = benefit.time_period == "29"
                if benefit.code == "B":
                    row.copay = benefit.amount
                elif benefit.code == "A":
                    row.coinsurance = benefit.percent
                elif benefit.code == "C":
                    if remaining:
                        row.deductible_remaining = benefit.amount
                    else:
                        row.deductible = benefit.amount
                elif remaining:
                    row.out_of_pocket_remaining = benefit.amount
                else:
                    row.out_of_pocket = benefit.amount
        return list(rows.values())


def _member(segment: Segment) -> Member:
    return Member(segment.get(3), segment.get(4), member_id=segment.get(9))


def _with_demographics(member: Member, segment: Segment) -> Member:
    birth = segment.date(2) if segment.get(1) == "D8" else None
    return Member(member.last_name, member.first_name, birth, segment.get(3), member.member_id)


def _benefit(segment: Segment) -> Benefit:
    if not segment.get(1):
        raise X12Error("EB01 (eligibility or benefit code) is missing", segment)
    network = segment.get(12)
    return Benefit(
        code=segment.get(1),
        coverage_level=segment.get(2),
        service_types=tuple(segment.repeats(3)),
        insurance_type=segment.get(4),
        plan_description=segment.get(5),
        time_period=segment.get(6),
        amount=segment.amount(7),
        percent=segment.amount(8),
        authorization_required=segment.get(11),
        in_network=True if network == "Y" else False if network == "N" else None,
    )


def read_271(text: str) -> list[EligibilityResponse]:
    """One response per ST. Benefits are those of the patient: the dependent's when the
    response has a dependent level, else the subscriber's."""
    responses = []
    for transaction in read_transaction_sets(text, expected_set="271"):
        response = EligibilityResponse()
        level = ""
        in_related_entity = False  # LS/LE wrap the benefit's related entity (2120C/D)
        for segment in transaction.segments:
            seg_id = segment.id
            if seg_id == "LS":
                in_related_entity = True
            elif seg_id == "LE":
                in_related_entity = False
            elif in_related_entity:
                continue
            elif seg_id == "HL":
                level = segment.get(3)
                if level == "23":
                    # A dependent's benefits replace anything said at the subscriber level.
                    response.benefits.clear()
            elif seg_id == "NM1":
                if level == "20":
                    response.payer_name = segment.get(3)
                    response.payer_id = segment.get(9)
                elif level == "21":
                    names = (segment.get(4), segment.get(3))
                    response.provider_name = " ".join(n for n in names if n)
                elif level == "22":
                    response.subscriber = _member(segment)
                elif level == "23":
                    response.dependent = _member(segment)
            elif seg_id == "DMG":
                if level == "22" and response.subscriber is not None:
                    response.subscriber = _with_demographics(response.subscriber, segment)
                elif level == "23" and response.dependent is not None:
                    response.dependent = _with_demographics(response.dependent, segment)
            elif seg_id == "TRN":
                response.trace_numbers.append(segment.get(2))
            elif seg_id == "REF" and segment.get(1) in ("6P", "IG") and not response.benefits:
                response.group_number = segment.get(2)
            elif seg_id == "AAA":
                response.rejections.append(segment.get(3))
            elif seg_id == "EB":
                benefit = _benefit(segment)
                response.benefits.append(benefit)
                if benefit.code in ACTIVE_CODES | INACTIVE_CODES and benefit.plan_description:
                    response.plan_name = response.plan_name or benefit.plan_description
            elif seg_id == "MSG" and response.benefits:
                last = response.benefits[-1]
                response.benefits[-1] = replace(last, messages=(*last.messages, segment.get(1)))
            elif (
                seg_id == "DTP"
                and segment.get(1) in ("346", "347", "356", "357", "291")
                and not response.benefits  # plan dates; dates after an EB are that benefit's
            ):
                response.coverage_dates[segment.get(1)] = parse_date_range(
                    segment.get(3), segment, f"DTP03 ({segment.get(1)})"
                )
        responses.append(response)
    return responses
