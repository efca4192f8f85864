"""The interchange envelope: ISA/GS/ST ... SE/GE/IEA, written around one transaction set and
read back into transaction sets whatever the number of interchanges, groups and sets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from medoffice.interop.x12.segments import (
    DEFAULT_SEPARATORS,
    Segment,
    SegmentWriter,
    Separators,
    X12Error,
    tokenize,
    x12_date,
    x12_time,
)

# ISA13 and GS06/ST02 are at most 9 digits; ST02 must be at least 4 characters.
MAX_CONTROL_NUMBER = 999_999_999
CONTROL_SEQUENCES = ("x12.interchange", "x12.group", "x12.transaction")


@dataclass(frozen=True)
class ControlNumbers:
    """ISA13, GS06 and ST02. Each must be unique per sender, so they come from a counter."""

    interchange: int
    group: int
    transaction: int

    def __post_init__(self) -> None:
        for name in ("interchange", "group", "transaction"):
            value = getattr(self, name)
            if not 1 <= value <= MAX_CONTROL_NUMBER:
                raise ValueError(f"{name} control number {value} is not in 1..999999999")


def reserve_control_numbers() -> ControlNumbers:
    """The next control numbers from persisted counters (`medoffice.core.sequences`), unique
    across processes; after 999,999,999 they wrap to 1, far beyond any retention window."""
    from medoffice.core.sequences import next_value

    interchange, group, transaction = (
        (next_value(name) - 1) % MAX_CONTROL_NUMBER + 1 for name in CONTROL_SEQUENCES
    )
    return ControlNumbers(interchange, group, transaction)


@dataclass(frozen=True)
class Party:
    """Who sends or receives the interchange: ISA qualifier and id, GS application code."""

    id: str
    qualifier: str = "ZZ"
    application_code: str = ""

    @property
    def group_code(self) -> str:
        return self.application_code or self.id


@dataclass(frozen=True)
class Envelope:
    sender: Party
    receiver: Party
    created: datetime
    production: bool = False  # ISA15: "P" only once the trading partner has certified us
    acknowledgment_requested: bool = False  # ISA14 asks for a TA1
    separators: Separators = DEFAULT_SEPARATORS


def _padded(value: str, width: int) -> str:
    if len(value) > width:
        raise ValueError(f"{value!r} is longer than the {width} characters ISA allows")
    return value.ljust(width)


def write_interchange(
    envelope: Envelope,
    control: ControlNumbers,
    *,
    functional_code: str,
    transaction_set: str,
    implementation: str,
    body: SegmentWriter,
) -> str:
    """ISA..IEA around one functional group holding one transaction set (`body` is what lies
    between ST and SE). SE01 counts ST and SE themselves."""
    return write_interchange_sets(
        envelope, control, functional_code=functional_code, transaction_set=transaction_set,
        implementation=implementation, bodies=[body],
    )  # fmt: skip


def write_interchange_sets(
    envelope: Envelope,
    control: ControlNumbers,
    *,
    functional_code: str,
    transaction_set: str,
    implementation: str,
    bodies: list[SegmentWriter],
    st03: bool = True,
) -> str:
    """One functional group holding one transaction set per body; ST02 counts up from
    `control.transaction`. `st03=False` for guides that do not use ST03 (the 835)."""
    seps = envelope.separators
    if not bodies:
        raise ValueError("an interchange needs at least one transaction set")
    if any(body.separators != seps for body in bodies):
        raise ValueError("the body was written with other separators than the envelope")
    created = envelope.created
    isa = seps.element.join(
        [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            _padded(envelope.sender.qualifier, 2),
            _padded(envelope.sender.id, 15),
            _padded(envelope.receiver.qualifier, 2),
            _padded(envelope.receiver.id, 15),
            created.strftime("%y%m%d"),
            x12_time(created),
            seps.repetition,
            "00501",
            f"{control.interchange:09d}",
            "1" if envelope.acknowledgment_requested else "0",
            "P" if envelope.production else "T",
            seps.component,
        ]
    )
    out = SegmentWriter(seps)
    out.segments.append(isa)
    group = str(control.group)
    out.add(
        "GS",
        functional_code,
        envelope.sender.group_code,
        envelope.receiver.group_code,
        x12_date(created),
        x12_time(created),
        group,
        "X",
        implementation,
    )
    for index, body in enumerate(bodies):
        transaction = f"{(control.transaction + index - 1) % MAX_CONTROL_NUMBER + 1:04d}"
        out.add("ST", transaction_set, transaction, implementation if st03 else "")
        out.segments.extend(body.segments)
        out.add("SE", str(len(body) + 2), transaction)
    out.add("GE", str(len(bodies)), group)
    out.add("IEA", "1", f"{control.interchange:09d}")
    return out.render()


@dataclass
class TransactionSet:
    """One ST..SE as read, with the envelope values a reader needs."""

    set_id: str
    control_number: str
    implementation: str
    functional_code: str
    group_control_number: str
    interchange_control_number: str
    sender_id: str
    receiver_id: str
    segments: list[Segment] = field(default_factory=list)  # between ST and SE, exclusive


def read_transaction_sets(
    text: str | Iterable[Segment], expected_set: str | None = None
) -> list[TransactionSet]:
    """Every transaction set in the file. Counts in SE/GE/IEA are not enforced: receivers
    routinely get files with wrong trailer counts, and the content is still usable."""
    segments = tokenize(text) if isinstance(text, str) else text
    sets: list[TransactionSet] = []
    isa: Segment | None = None
    gs: Segment | None = None
    current: TransactionSet | None = None
    for segment in segments:
        seg_id = segment.id
        if current is not None:
            if seg_id == "SE":
                current = None
            elif seg_id in ("ST", "GE", "IEA", "ISA", "GS"):
                raise X12Error("transaction set was not closed by SE", segment)
            else:
                current.segments.append(segment)
            continue
        if seg_id == "ISA":
            isa, gs = segment, None
        elif seg_id == "GS":
            if isa is None:
                raise X12Error("GS outside an interchange", segment)
            gs = segment
        elif seg_id == "ST":
            if isa is None or gs is None:
                raise X12Error("ST outside a functional group (GS)", segment)
            if expected_set and segment.get(1) != expected_set:
                raise X12Error(
                    f"this is a {segment.get(1)} transaction set, expected {expected_set}",
                    segment,
                )
            current = TransactionSet(
                set_id=segment.get(1),
                control_number=segment.get(2),
                implementation=segment.get(3) or gs.get(8),
                functional_code=gs.get(1),
                group_control_number=gs.get(6),
                interchange_control_number=isa.get(13),
                sender_id=isa.get(6).strip(),
                receiver_id=isa.get(8).strip(),
            )
            sets.append(current)
        elif seg_id == "GE":
            gs = None
        elif seg_id == "IEA":
            isa = None
        else:
            raise X12Error("segment outside a transaction set (ST..SE)", segment)
    if current is not None:
        raise X12Error(f"the file ends inside transaction set {current.control_number}")
    if not sets:
        raise X12Error("the file holds no transaction set (ST)")
    return sets
