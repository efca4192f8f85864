"""Shared pieces of MedOffice's printable documents (ReportLab): text styles, the ruled table and
the page footer the superbill, the record summary, the patient statement and the appeal letter
all use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Table, TableStyle

STYLES = getSampleStyleSheet()
CELL = STYLES["BodyText"].clone("mo_cell", fontSize=8.5, leading=10.5)
HEAD = STYLES["BodyText"].clone("mo_head", fontSize=8.5, leading=10.5, fontName="Helvetica-Bold")
GRID = [
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
    ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#6b7c93")),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#d0d7e2")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
]


def escape(value: Any) -> str:
    """Text for a Paragraph, which reads a small markup language: &, < and > are escaped."""
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
    """A table with a shaded, repeated header row; widths in inches."""
    data = [[Paragraph(escape(h), HEAD) for h in header]]
    data += [[Paragraph(escape(c), CELL) for c in row] for row in rows]
    result = Table(data, colWidths=[w * inch for w in widths], repeatRows=1)
    result.setStyle(TableStyle(GRID))
    return result


def page_footer(text: str, *, margin: float = 0.6 * inch) -> Callable[[Any, Any], None]:
    """A page callback (onFirstPage/onLaterPages) printing `text` and the page number at the
    foot of a US-letter page, `margin` from its sides."""

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(margin, 0.45 * inch, text)
        canvas.drawRightString(8.5 * inch - margin, 0.45 * inch, f"Page {doc.page}")
        canvas.restoreState()

    return footer
