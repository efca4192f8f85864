"""A KPI report as CSV, XLSX and PDF: the same figures as the page, with its scope written in.

CSV is for machines (one header row, plain numbers: no $ or %, units in the column names); the
spreadsheet and the PDF carry a header block (title, period, filters, target, generation time
in the practice's time zone) and typed, formatted cells.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from medoffice.reports.kpi import Column, Kpi, KpiResult, ReportFilters, Target, Unit
from medoffice.reports.selectors import describe_filters
from medoffice.reports.svg import chart_layout, format_value

UNIT_SUFFIX = {Unit.PERCENT: " (%)", Unit.MONEY: " ($)", Unit.DAYS: " (days)",
               Unit.MINUTES: " (min)", Unit.COUNT: ""}  # fmt: skip
XLSX_FORMATS = {Unit.PERCENT: "0.0%", Unit.MONEY: '"$"#,##0.00', Unit.DAYS: "0.0",
                Unit.MINUTES: "0.0", Unit.COUNT: "#,##0.##"}  # fmt: skip
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def export_filename(kpi: Kpi, filters: ReportFilters, fmt: str) -> str:
    return f"{kpi.key.replace('_', '-')}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.{fmt}"


def generated_at() -> str:
    now = timezone.localtime()
    return f"{now:%Y-%m-%d %H:%M} {now.tzname()}"


def _header_label(column: Column) -> str:
    return column.label + (UNIT_SUFFIX[column.unit] if column.unit else "")


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_csv(kpi: Kpi, filters: ReportFilters, result: KpiResult) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_header_label(c) for c in result.columns])
    for row in result.rows:
        writer.writerow([_plain(row.get(c.key)) for c in result.columns])
    # A BOM so that spreadsheet programs read the file as UTF-8 (names with accents).
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _header_block(kpi: Kpi, filters: ReportFilters, result: KpiResult,
                  target: Target | None) -> list[tuple[str, str]]:  # fmt: skip
    lines = describe_filters(kpi, filters)
    lines.append(("Result", format_value(result.headline, kpi.unit) or "nothing to measure"))
    if target is not None:
        lines.append(("Target", target.label))
    lines.append(("Generated", generated_at()))
    return lines


def _xlsx_value(value: Any, unit: Unit | None) -> Any:
    if value is None:
        return None
    if isinstance(value, (date, datetime)) or unit is None:
        return value if isinstance(value, (date, datetime, int)) else str(value)
    number = Decimal(str(value))
    # A spreadsheet's percentage is a fraction (7.5% is 0.075) formatted as a percentage.
    return float(number / 100) if unit is Unit.PERCENT else float(number)


def export_xlsx(kpi: Kpi, filters: ReportFilters, result: KpiResult,
                target: Target | None = None) -> bytes:  # fmt: skip
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Report"
    sheet.append([kpi.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([kpi.definition])
    for label, text in _header_block(kpi, filters, result, target or kpi.target):
        sheet.append([label, text])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([])
    header_row = sheet.max_row + 1
    sheet.append([_header_label(c) for c in result.columns])
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in result.rows:
        sheet.append([_xlsx_value(row.get(c.key), c.unit) for c in result.columns])
        for cell, column in zip(sheet[sheet.max_row], result.columns, strict=False):
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = "yyyy-mm-dd"
            elif column.unit is not None and cell.value is not None:
                cell.number_format = XLSX_FORMATS[column.unit]
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    for n, column in enumerate(result.columns, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = max(14, len(column.label) + 4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _chart_drawing(kpi: Kpi, result: KpiResult, target: Target | None, width: float) -> Any:
    """The page's chart, drawn with ReportLab shapes from the same layout as the SVG."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
    from reportlab.lib import colors

    layout = chart_layout(result.series, kpi.unit, target, width=int(width), height=220)
    drawing = Drawing(layout.width, layout.height)

    def flip(y: float) -> float:  # SVG measures y down from the top, ReportLab up from the bottom
        return layout.height - y

    for y, label in layout.y_ticks:
        drawing.add(
            Line(
                layout.left,
                flip(y),
                layout.right,
                flip(y),
                strokeColor=colors.HexColor("#d9d9d9"),
                strokeWidth=0.5,
            )
        )
        drawing.add(String(layout.left - 4, flip(y) - 3, label, fontSize=7, textAnchor="end"))
    drawing.add(
        Line(layout.left, flip(layout.bottom), layout.right, flip(layout.bottom), strokeWidth=0.7)
    )
    for x, label in layout.x_labels:
        drawing.add(String(x, flip(layout.bottom) - 11, label, fontSize=7, textAnchor="middle"))
    if layout.target is not None:
        y, label = layout.target
        drawing.add(
            Line(
                layout.left,
                flip(y),
                layout.right,
                flip(y),
                strokeColor=colors.HexColor("#5a5a5a"),
                strokeWidth=1,
                strokeDashArray=[6, 3],
            )
        )
        drawing.add(
            String(
                layout.right - 2,
                flip(y) + 3,
                label,
                fontSize=7,
                textAnchor="end",
                fillColor=colors.HexColor("#5a5a5a"),
            )
        )
    for s in layout.series:
        colour = colors.HexColor(s.colour)
        dash = [float(d) for d in s.dash.split()] or None
        for seg in s.segments:
            points = [v for x, y in seg for v in (x, flip(y))]
            if len(seg) > 1:
                drawing.add(
                    PolyLine(points, strokeColor=colour, strokeWidth=1.4, strokeDashArray=dash)
                )
        for x, y in s.markers:
            drawing.add(Circle(x, flip(y), 1.8, fillColor=colour, strokeColor=colour))
    for x, y, n in layout.legend:
        s = layout.series[n]
        dash = [float(d) for d in s.dash.split()] or None
        drawing.add(
            Line(
                x,
                flip(y),
                x + 24,
                flip(y),
                strokeColor=colors.HexColor(s.colour),
                strokeWidth=1.4,
                strokeDashArray=dash,
            )
        )
        drawing.add(String(x + 28, flip(y) - 3, s.label[:28], fontSize=7))
    return drawing  # fmt: skip


def export_pdf(kpi: Kpi, filters: ReportFilters, result: KpiResult, target: Target | None) -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from medoffice.core.pdf import STYLES, escape, page_footer, table
    from medoffice.organization.selectors import practice_current

    practice = practice_current()
    stamp = generated_at()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=letter, leftMargin=0.6 * inch, rightMargin=0.6 * inch,
        topMargin=0.6 * inch, bottomMargin=0.7 * inch, title=kpi.title,
        author=practice.name if practice else "MedOffice",
    )  # fmt: skip
    story: list[Any] = [
        Paragraph(escape(kpi.title), STYLES["Title"]),
        Paragraph(escape(kpi.definition), STYLES["BodyText"]),
        Spacer(1, 6),
        table(["Scope", ""], [list(line) for line in _header_block(kpi, filters, result, target)],
              [1.4, 5.9]),
        Spacer(1, 10),
        _chart_drawing(kpi, result, target, doc.width),
        Spacer(1, 10),
    ]  # fmt: skip
    rows = [
        [format_value(r.get(c.key), c.unit) if c.unit else _plain(r.get(c.key)) for c in result.columns]
        for r in result.rows
    ]  # fmt: skip
    width = 7.3 / max(len(result.columns), 1)
    story.append(table([c.label for c in result.columns], rows, [width] * len(result.columns)))
    for note in result.notes:
        story.append(Paragraph(escape(note), STYLES["BodyText"]))
    footer = page_footer(f"{kpi.title} - generated {stamp} - {practice.name if practice else ''}")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
