"""X12 segments: the tokenizer every reader uses and the writer every builder uses.

X12 has no escape character, so a separator inside a value would silently split it. The writer
therefore refuses such values; free text (names, addresses) goes through `clean_text` first,
which replaces separators with a space because a changed address line is harmless where a
changed member id is not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

ISA_LENGTH = 106  # ISA is fixed width: 105 characters plus the segment terminator.


class X12Error(ValueError):
    """A file that cannot be read, naming the segment (position, line, id) and the problem."""

    def __init__(self, message: str, segment: Segment | None = None) -> None:
        self.reason = message
        self.segment = segment
        if segment is not None:
            message = f"segment {segment.position} ({segment.id}, line {segment.line}): {message}"
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Separators:
    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"

    def all(self) -> tuple[str, ...]:
        return (self.element, self.component, self.repetition, self.segment)


DEFAULT_SEPARATORS = Separators()


class Segment:
    """One segment as read: its id, its elements (index 0 is the id) and where it was."""

    __slots__ = ("elements", "id", "line", "position", "separators")

    def __init__(
        self, elements: list[str], position: int, line: int, separators: Separators
    ) -> None:
        self.elements = elements
        self.id = elements[0]
        self.position = position
        self.line = line
        self.separators = separators

    def __repr__(self) -> str:
        return f"Segment({self.separators.element.join(self.elements)!r}, line {self.line})"

    def get(self, index: int) -> str:
        """Element `index` (1-based, as in "CLP03"), or "" when the segment stops before it."""
        return self.elements[index] if index < len(self.elements) else ""

    def components(self, index: int) -> list[str]:
        return self.get(index).split(self.separators.component)

    def repeats(self, index: int) -> list[str]:
        value = self.get(index)
        return value.split(self.separators.repetition) if value else []

    def amount(self, index: int, *, required: bool = False) -> Decimal | None:
        value = self.get(index)
        if not value:
            if required:
                raise X12Error(f"{self.id}{index:02d} (an amount) is missing", self)
            return None
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise X12Error(f"{self.id}{index:02d} {value!r} is not a number", self) from None
        if not result.is_finite():
            raise X12Error(f"{self.id}{index:02d} {value!r} is not a number", self)
        return result

    def date(self, index: int) -> date | None:
        value = self.get(index)
        return parse_date(value, self, f"{self.id}{index:02d}") if value else None


def parse_date(value: str, segment: Segment, label: str) -> date:
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise X12Error(f"{label} {value!r} is not a date (CCYYMMDD)", segment) from None


def parse_date_range(value: str, segment: Segment, label: str) -> tuple[date, date]:
    """A D8 date or an RD8 range "CCYYMMDD-CCYYMMDD", as (start, end)."""
    start, _, end = value.partition("-")
    first = parse_date(start, segment, label)
    return first, parse_date(end, segment, label) if end else first


def separators_from_isa(text: str, position: int, line: int) -> Separators:
    """ISA fixes the separators: element after "ISA", repetition in ISA11 (5010), component
    in ISA16 and the segment terminator right after it."""
    header = text[position : position + ISA_LENGTH]
    probe = Segment(["ISA"], 1, line, DEFAULT_SEPARATORS)
    if len(header) < ISA_LENGTH:
        raise X12Error("ISA is shorter than its fixed 106 characters", probe)
    element = header[3]
    fields = header.split(element)
    if len(fields) < 17 or element.isalnum() or element.isspace():
        raise X12Error("ISA does not have 16 elements separated by its 4th character", probe)
    component = header[104]
    terminator = header[105]
    if terminator in "\r\n":
        # Some senders end ISA with a bare newline; the terminator is then the newline.
        terminator = "\n"
    repetition = fields[11] if fields[12] >= "00501" and not fields[11].isalnum() else "^"
    return Separators(element, component, repetition, terminator)


def tokenize(text: str) -> Iterator[Segment]:
    """Every segment of every interchange in `text`, with its 1-based position and line.

    Separators come from each ISA, so files that concatenate interchanges read correctly.
    Newlines or spaces around terminators (pretty-printed files) are ignored. The text is split
    once per set of separators (str.split is far faster than scanning segment by segment).
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    first = len(text) - len(text.lstrip())
    if first == len(text):
        return
    line = 1 + text.count("\n", 0, first)
    if not text.startswith("ISA", first):
        probe = Segment([text[first : first + 3]], 1, line, DEFAULT_SEPARATORS)
        raise X12Error("the file does not start with an ISA segment", probe)
    separators = separators_from_isa(text, first, line)
    offset = first
    position = 0
    while True:
        resplit_at = -1
        pieces = text[offset:].split(separators.segment)
        for piece in pieces:
            raw = piece.strip()
            offset += len(piece) + 1
            if not raw:
                line += piece.count("\n")
                continue
            segment_line = line + piece.count("\n", 0, piece.index(raw[0]))
            line += piece.count("\n")
            if raw.startswith("ISA") and position:
                start = offset - len(piece) - 1 + piece.index(raw[0])
                found = separators_from_isa(text, start, segment_line)
                if found != separators:
                    separators, offset, line = found, start, segment_line
                    resplit_at = start
                    break
            position += 1
            yield Segment(raw.split(separators.element), position, segment_line, separators)
        if resplit_at < 0:
            return


def clean_text(value: str, separators: Separators = DEFAULT_SEPARATORS) -> str:
    """Free text made safe to write: separators and line breaks become spaces."""
    for character in (*separators.all(), "\r", "\n"):
        value = value.replace(character, " ")
    return " ".join(value.split())


Element = str | Sequence[str] | None


@dataclass
class SegmentWriter:
    """Collects segments and renders them; one segment per line for readability."""

    separators: Separators = DEFAULT_SEPARATORS

    def __post_init__(self) -> None:
        self.segments: list[str] = []

    def add(self, segment_id: str, *elements: Element) -> None:
        """Append a segment. A tuple/list element is a composite; trailing empties are dropped."""
        rendered = [segment_id]
        for number, element in enumerate(elements, start=1):
            if element is None:
                rendered.append("")
            elif isinstance(element, str):
                rendered.append(self._checked(element, segment_id, number))
            else:
                parts = [self._checked(part, segment_id, number) for part in element]
                while parts and not parts[-1]:
                    parts.pop()
                rendered.append(self.separators.component.join(parts))
        while len(rendered) > 1 and not rendered[-1]:
            rendered.pop()
        self.segments.append(self.separators.element.join(rendered))

    def _checked(self, value: str, segment_id: str, number: int) -> str:
        for character in (*self.separators.all(), "\r", "\n"):
            if character in value:
                raise ValueError(
                    f"{segment_id}{number:02d} {value!r} contains the separator {character!r}"
                )
        return value

    def __len__(self) -> int:
        return len(self.segments)

    def render(self) -> str:
        terminator = self.separators.segment
        if terminator not in "\r\n":
            terminator += "\n"  # a newline after each terminator only eases reading
        return "".join(f"{segment}{terminator}" for segment in self.segments)


def x12_date(value: date) -> str:
    return value.strftime("%Y%m%d")


def x12_time(value: datetime) -> str:
    return value.strftime("%H%M")


def x12_amount(value: Decimal) -> str:
    """Amounts without trailing zeros or a lone decimal point (X12 R type: "40", "40.5")."""
    quantized = value.quantize(Decimal("0.01"))
    text = format(quantized, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def x12_quantity(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
