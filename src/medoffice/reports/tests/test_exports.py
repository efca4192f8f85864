"""The exports read back: CSV with the csv module, XLSX with openpyxl, the PDF's drawn text."""

from __future__ import annotations

import base64
import csv
import io
import re
import zlib
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from medoffice.reports import exports
from medoffice.reports.kpi import Grain, ReportFilters
from medoffice.reports.tests.kpi_fixtures import (
    ACCESS_KPI,
    RECORDS,
    REVENUE_KPI,
    Visit,
    cast_fixture,  # noqa: F401
    fake_kpis_fixture,  # noqa: F401
)

pytestmark = pytest.mark.usefixtures("fake_kpis")
Q1 = ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 31), grain=Grain.MONTH)


@pytest.fixture
def money(cast):
    """January $100 + $50 at North, March $50 at South: shares 75% and 25%, February empty."""
    RECORDS.extend([
        Visit(date(2026, 1, 2), cast.north.pk, cast.own_provider.pk, amount=Decimal("100.00")),
        Visit(date(2026, 1, 9), cast.north.pk, cast.other_provider.pk, amount=Decimal("50.00")),
        Visit(date(2026, 3, 9), cast.south.pk, cast.own_provider.pk, amount=Decimal("50.00")),
    ])  # fmt: skip
    return cast


def pdf_text(pdf: bytes) -> str:
    """The text drawn in a ReportLab PDF (its streams are ASCII85 and Flate encoded)."""
    text = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            raw = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        except (ValueError, zlib.error):
            continue
        text += re.findall(rb"\((.*?)\) Tj", raw)
    return " ".join(t.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for t in text)


def test_csv_is_one_header_row_and_plain_numbers(money):
    result = REVENUE_KPI.compute(Q1)
    content = exports.export_csv(REVENUE_KPI, Q1, result)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [
        ["Month", "Share (%)", "Dollars ($)"],
        ["2026-01-01", "75.0", "150.00"],
        ["2026-02-01", "", ""],
        ["2026-03-01", "25.0", "50.00"],
    ]


def test_csv_of_filtered_result(money):
    north = ReportFilters(start=Q1.start, end=Q1.end, location_id=money.north.pk)
    content = exports.export_csv(ACCESS_KPI, north, ACCESS_KPI.compute(north))
    assert content.decode("utf-8-sig").splitlines() == [
        "Month,Visits", "2026-01-01,2", "2026-02-01,", "2026-03-01,",
    ]  # fmt: skip


def test_xlsx_has_a_header_block_and_typed_cells(money):
    scope = ReportFilters(start=Q1.start, end=Q1.end, provider_id=money.own_provider.pk)
    result = REVENUE_KPI.compute(scope)
    book = load_workbook(
        io.BytesIO(exports.export_xlsx(REVENUE_KPI, scope, result, REVENUE_KPI.target))
    )
    sheet = book["Report"]
    assert sheet["A1"].value == "Test revenue share" and sheet["A1"].font.bold
    block = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(3, 11)
    }
    assert block["Period"] == "2026-01-01 to 2026-03-31"
    assert block["By"] == "month"
    assert block["Provider"] == "Clara Clinician"
    assert block["Payer"] == "All payers"
    assert block["Result"] == "$150.00"  # own: $100 in January, $50 in March
    assert block["Target"] == "≥ $500"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T", block["Generated"])
    header = next(r for r in range(1, 20) if sheet.cell(row=r, column=1).value == "Month")
    assert [c.value for c in sheet[header]] == ["Month", "Share (%)", "Dollars ($)"]
    january, february, march = (sheet[header + n] for n in (1, 2, 3))
    assert isinstance(january[0].value, datetime) and january[0].number_format == "yyyy-mm-dd"
    assert (
        january[1].value == pytest.approx(2 / 3, abs=0.0005) and january[1].number_format == "0.0%"
    )
    assert january[2].value == 100 and january[2].number_format == '"$"#,##0.00'
    assert february[1].value is None and february[2].value is None
    assert march[1].value == pytest.approx(1 / 3, abs=0.0005) and march[2].value == 50


def test_pdf_has_the_title_the_scope_and_the_table(money):
    north = ReportFilters(start=Q1.start, end=Q1.end, location_id=money.north.pk)
    result = ACCESS_KPI.compute(north)
    pdf = exports.export_pdf(ACCESS_KPI, north, result, ACCESS_KPI.target)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Test visit count" in text
    assert "North clinic" in text and "2026-01-01 to 2026-03-31" in text
    assert "Target" in text and "Generated" in text
    assert "Jan 2026" in text  # the chart's axis


def test_export_filename():
    assert (
        exports.export_filename(ACCESS_KPI, Q1, "pdf") == "test-visit-count-20260101-20260331.pdf"
    )
