"""The server-side chart: parsed back as XML, the geometry checked against its own scale."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest

from medoffice.reports.kpi import Point, Series, Target, Unit
from medoffice.reports.svg import (
    COLOURS,
    DASHES,
    chart_layout,
    format_value,
    line_chart,
    nice_ticks,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
D = Decimal
MONTHS = [date(2026, m, 1) for m in range(1, 7)]


def series(label: str, values: list[str | None]) -> Series:
    return Series(
        label, [Point(m, None if v is None else D(v)) for m, v in zip(MONTHS, values, strict=False)]
    )


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 (our own markup)


def moves(path: ET.Element) -> int:
    return len(re.findall(r"M", path.get("d", "")))


def test_the_target_line_is_where_a_point_of_the_same_value_is():
    target = Target(D("8"), "lower", "< 8%")
    svg = parse(
        line_chart(
            [series("No-show rate", ["4", "8", "12", "6", "10", "2"])],
            Unit.PERCENT,
            target,
            title="No-shows",
        )
    )
    line = svg.find(".//svg:line[@class='target-line']", NS)
    assert line is not None
    markers = svg.findall(".//svg:g[@class='series series-0']/svg:circle", NS)
    assert len(markers) == 6
    # The second point's value is the target's: same height on the chart.
    assert float(line.get("y1")) == float(markers[1].get("cy")) == float(line.get("y2"))
    # Higher values are drawn higher up (smaller y).
    assert float(markers[2].get("cy")) < float(markers[1].get("cy")) < float(markers[0].get("cy"))
    label = svg.find(".//svg:text[@class='target-label']", NS)
    assert label.text == "Target < 8%"
    assert line.get("stroke-dasharray")  # dashed


def test_the_target_line_sits_on_the_scale_even_above_every_value():
    layout = chart_layout(
        [series("Rate", ["2", "3"])],
        Unit.PERCENT,
        Target(D("20"), "lower", "< 20%"),
        width=720,
        height=280,
    )
    y_of_20 = dict((label, y) for y, label in layout.y_ticks)["20%"]
    assert layout.target == (y_of_20, "Target < 20%")
    assert layout.y_ticks[0][1] == "0%"  # the axis starts at zero


def test_none_makes_a_gap_in_the_line():
    svg = parse(
        line_chart(
            [series("Visits", ["3", "5", None, "4", "6", None])], Unit.COUNT, None, title="Visits"
        )
    )
    path = svg.find(".//svg:g[@class='series series-0']/svg:path", NS)
    assert moves(path) == 2  # two runs: Jan-Feb and Apr-May
    assert path.get("d").count("L") == 2
    assert len(svg.findall(".//svg:g[@class='series series-0']/svg:circle", NS)) == 4


def test_a_point_between_gaps_still_shows_as_a_marker():
    layout = chart_layout(
        [series("Visits", [None, "5", None, None, None, None])],
        Unit.COUNT,
        None,
        width=720,
        height=280,
    )
    assert len(layout.series[0].segments) == 1 and len(layout.series[0].markers) == 1


def test_labels_and_title_are_escaped():
    title = 'Rate <script>alert("x")</script> & co'
    markup = line_chart(
        [series("A & B <c>", ["1", "2"]), series("Other", ["2", "1"])],
        Unit.COUNT,
        Target(D("1"), "higher", "≥ 1 <ok>"),
        title=title,
    )
    assert "<script>" not in markup
    svg = parse(markup)  # would fail on unescaped markup
    assert svg.find("svg:title", NS).text == title
    legend = [t.text for t in svg.findall(".//svg:g[@class='legend']/svg:text", NS)]
    assert legend == ["A & B <c>", "Other"]
    assert svg.find(".//svg:g[@class='series series-0']", NS).get("data-label") == "A & B <c>"


def test_accessible_and_without_inline_style():
    markup = line_chart([series("Visits", ["1", "2", "3"])], Unit.COUNT, None, title="Visits")
    svg = parse(markup)
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"svg:title[@id='{title_id}']", NS) is not None
    assert svg.find(f"svg:desc[@id='{desc_id}']", NS) is not None
    assert svg.get("viewBox") == "0 0 720 280"  # one series: no legend rows
    assert "style=" not in markup


def test_series_differ_in_colour_and_dash_for_black_and_white_print():
    many = [series(f"Provider {n}", [str(n), str(n + 1)]) for n in range(8)]
    svg = parse(line_chart(many, Unit.COUNT, None, title="Visits"))
    paths = [svg.find(f".//svg:g[@class='series series-{n}']/svg:path", NS) for n in range(8)]
    assert len({p.get("stroke") for p in paths}) == 8
    assert len({p.get("stroke-dasharray", "") for p in paths}) == 8
    assert len(COLOURS) == len(DASHES) == 8
    # The legend needs rows below the plot: the viewBox grows, the plot does not shrink.
    assert int(svg.get("viewBox").split()[3]) > 280


def test_x_axis_labels_by_month_and_y_ticks_with_units():
    svg = parse(
        line_chart(
            [series("Charges", ["1200.50", "900", "1500", "0", "250", "100"])],
            Unit.MONEY,
            None,
            title="Charges",
        )
    )
    x = [t.text for t in svg.findall(".//svg:g[@class='axis x-axis']/svg:text", NS)]
    assert x == ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026"]
    y = [t.text for t in svg.findall(".//svg:g[@class='axis y-axis']/svg:text", NS)]
    assert y[0] == "$0" and all(t.startswith("$") for t in y)
    assert y[-1] == "$1,500"  # 0 to 1,500 in steps of 500


def test_many_daily_points_thin_the_labels():
    days = [date(2026, 1, d) for d in range(1, 32)] + [date(2026, 2, d) for d in range(1, 29)]
    s = Series("Visits", [Point(d, D(d.day)) for d in days])
    layout = chart_layout([s], Unit.COUNT, None, width=720, height=280)
    assert len(layout.x_labels) < len(days)
    assert layout.x_labels[0][1] == "Jan 1"


def test_nothing_to_measure_says_so():
    svg = parse(line_chart([series("Visits", [None, None])], Unit.COUNT, None, title="Visits"))
    assert svg.find(".//svg:text[@class='no-data']", NS) is not None


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        ("7.50", Unit.PERCENT, "7.5%"),
        ("10.00", Unit.PERCENT, "10%"),
        ("1234.5", Unit.MONEY, "$1,234.50"),
        ("-12", Unit.MONEY, "\u2212$12.00"),
        ("1", Unit.DAYS, "1 day"),
        ("3.25", Unit.DAYS, "3.3 days"),
        ("12", Unit.MINUTES, "12 min"),
        ("1204", Unit.COUNT, "1,204"),
    ],
)
def test_format_value(value, unit, text):
    assert format_value(D(value), unit) == text


def test_nice_ticks():
    assert nice_ticks(0, 12) == [0, 2.5, 5, 7.5, 10, 12.5]
    assert nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
