"""Tokenizer and writer: separators from ISA, layout variations, separator characters in data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medoffice.interop.tests.x12_era import era
from medoffice.interop.x12.segments import (
    SegmentWriter,
    Separators,
    X12Error,
    clean_text,
    tokenize,
    x12_amount,
)


@pytest.mark.parametrize("layout", ["newlines", "one line", "crlf", "spaces"])
def test_segments_read_the_same_whatever_the_line_layout(layout):
    text = era(claims=1)
    variants = {
        "newlines": text,
        "one line": text.replace("\n", ""),
        "crlf": text.replace("\n", "\r\n"),
        "spaces": text.replace("~\n", "~\n  \n"),
    }
    expected = [segment.elements for segment in tokenize(text)]
    assert [segment.elements for segment in tokenize(variants[layout])] == expected


def test_positions_and_lines_are_counted():
    segments = list(tokenize(era(claims=1)))
    assert [(s.position, s.line) for s in segments[:3]] == [(1, 1), (2, 2), (3, 3)]
    one_line = list(tokenize(era(claims=1).replace("\n", "")))
    assert one_line[-1].line == 1 and one_line[-1].position == len(segments)


def test_separators_come_from_isa():
    text = era(claims=1).replace("*", "|").replace(":", "}").replace("~", "\n")
    segments = list(tokenize(text))
    assert segments[0].separators == Separators("|", "}", "^", "\n")
    svc = next(s for s in segments if s.id == "SVC")
    assert svc.components(1) == ["HC", "99213", "25"]


def test_isa_too_short_is_reported():
    with pytest.raises(X12Error, match="ISA is shorter"):
        list(tokenize("ISA*00*~"))


def test_writer_refuses_separators_in_values_and_drops_trailing_empties():
    out = SegmentWriter()
    out.add("NM1", "IL", "1", "DOE", None, None)
    out.add("SV1", ("HC", "99213", "", ""), "125")
    assert out.render() == "NM1*IL*1*DOE~\nSV1*HC:99213*125~\n"
    for bad in ("A*B", "A:B", "A~B", "A^B", "A\nB"):
        with pytest.raises(ValueError, match="separator"):
            out.add("REF", "G1", bad)


def test_free_text_is_cleaned():
    assert clean_text("O*Brien~  Jr:\n") == "O Brien Jr"


def test_amounts_are_written_without_needless_zeros():
    assert [x12_amount(Decimal(v)) for v in ("40.00", "40.50", "0.00", "-2.5", "1234.567")] == [
        "40",
        "40.5",
        "0",
        "-2.5",
        "1234.57",
    ]
