"""Server-side line charts: the KPI over time as SVG markup, and the same layout for the PDF.

`chart_layout` computes the geometry once (scale, ticks, gaps, legend); `line_chart` writes it as
SVG for the page, `reports.exports` draws it with ReportLab. Series are told apart by colour
*and* dash pattern and marker shape, so a black-and-white print still reads. Styling that is not
geometry (fonts) comes from static/reports/reports.css through classes: the CSP forbids inline
`style` attributes, and presentation attributes (stroke, fill) are not styles.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from medoffice.reports.kpi import Series, Target, Unit

# Okabe-Ito: distinguishable with the common colour-vision deficiencies; yellow replaced by a
# dark wine, which stays visible on white paper.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#882255", "#56B4E9", "#000000", "#E69F00"]
DASHES = ["", "7 3", "2 3", "9 3 2 3", "4 4", "12 3 2 3 2 3", "1 2", "14 4"]
MARKERS = ["circle", "square", "triangle", "diamond", "circle", "square", "triangle", "diamond"]
TARGET_COLOUR = "#5a5a5a"
TARGET_DASH = "10 5"
FONT_PX = 11
CHAR_PX = 6.4  # an average character of the axis font, to size the margins
LEGEND_ROW = 18
MINUS = "\u2212"  # typographic minus: a hyphen reads as a dash in a figure
MARKERS_UP_TO = 60  # more points than this: markers only where a point stands alone


def _normalized(value: Decimal) -> Decimal:
    """Without trailing zeros and without scientific notation (Decimal('1E+2') -> 100)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


def format_value(value: Decimal | None, unit: Unit | None, *, places: int = 1) -> str:
    """A figure as people read it: 7.5%, $1,234.50, 3 days, 12 min, 1,204."""
    if value is None:
        return ""
    if unit is None:
        return str(value)
    value = Decimal(str(value))
    if unit is Unit.MONEY:
        sign = MINUS if value < 0 else ""
        return f"{sign}${abs(value).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
    rounded = _normalized(value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
    text = f"{rounded:,}".replace("-", MINUS)
    if unit is Unit.PERCENT:
        return f"{text}%"
    if unit is Unit.DAYS:
        return f"{text} day" if rounded == 1 else f"{text} days"
    if unit is Unit.MINUTES:
        return f"{text} min"
    return text


def tick_label(value: float, unit: Unit, step: float) -> str:
    places = 0 if step >= 1 else max(1, -math.floor(math.log10(step)))
    number = Decimal(str(round(value, places)))
    if unit is Unit.MONEY:
        sign = MINUS if number < 0 else ""
        return f"{sign}${abs(number):,.{places}f}"
    return format_value(number, unit, places=places)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering [low, high]."""
    if high <= low:
        high = low + (abs(low) or 1)
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(i * step, 10) for i in range(first, last + 1)]


def period_label(day: date, monthly: bool) -> str:
    return f"{day:%b %Y}" if monthly else f"{day:%b} {day.day}"


@dataclass
class SeriesLayout:
    label: str
    colour: str
    dash: str
    marker: str
    segments: list[list[tuple[float, float]]]  # runs of consecutive points; a None ends a run
    markers: list[tuple[float, float]]


@dataclass
class ChartLayout:
    """Coordinates in a box `width` x `height`, origin top left (as in SVG)."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float  # y of the plot's bottom edge
    y_ticks: list[tuple[float, str]]  # (y, label)
    x_labels: list[tuple[float, str]]  # (x, label); thinned so they do not overlap
    series: list[SeriesLayout]
    target: tuple[float, str] | None  # (y, label)
    legend: list[tuple[float, float, int]]  # (x, y, series index)
    empty: bool


def chart_layout(
    series: list[Series], unit: Unit, target: Target | None, *, width: int, height: int
) -> ChartLayout:
    periods = sorted({p.period for s in series for p in s.points})
    values = [float(p.value) for s in series for p in s.points if p.value is not None]
    span = values + ([float(target.value)] if target else [])
    ticks = nice_ticks(min([0.0, *span]), max([0.0, *span]) or 1.0)
    step = ticks[1] - ticks[0]
    labels = [tick_label(t, unit, step) for t in ticks]

    legend_columns = max(1, int((width - 20) // 170))
    legend_rows = math.ceil(len(series) / legend_columns) if len(series) > 1 else 0
    total_height = height + legend_rows * LEGEND_ROW
    left = 14 + CHAR_PX * max(len(label) for label in labels)
    right = width - 16
    top = 22.0
    bottom = height - 36.0
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    slot = (right - left) / max(len(periods), 1)

    def x_of(index: int) -> float:
        return left + slot * (index + 0.5)

    monthly = (
        bool(periods)
        and all(d.day == 1 for d in periods)
        and (len(periods) < 2 or (periods[1] - periods[0]).days >= 28)
    )
    texts = [period_label(d, monthly) for d in periods]
    widest = max((len(t) for t in texts), default=1) * CHAR_PX + 8
    every = max(1, math.ceil(widest / slot)) if periods else 1
    x_labels = [(x_of(i), t) for i, t in enumerate(texts) if i % every == 0]

    index = {d: i for i, d in enumerate(periods)}
    laid_out = []
    for n, s in enumerate(series):
        segments: list[list[tuple[float, float]]] = []
        run: list[tuple[float, float]] = []
        by_period = {p.period: p.value for p in s.points}
        for d in periods:
            value = by_period.get(d)
            if value is None:
                if run:
                    segments.append(run)
                run = []
                continue
            run.append((round(x_of(index[d]), 2), round(y_of(float(value)), 2)))
        if run:
            segments.append(run)
        if len(periods) <= MARKERS_UP_TO:
            markers = [xy for seg in segments for xy in seg]
        else:
            markers = [seg[0] for seg in segments if len(seg) == 1]
        k = n % len(COLOURS)
        laid_out.append(SeriesLayout(s.label, COLOURS[k], DASHES[k], MARKERS[k], segments, markers))

    legend = [
        (20 + (n % legend_columns) * 170.0, height + (n // legend_columns) * LEGEND_ROW + 4.0, n)
        for n in range(len(series) if legend_rows else 0)
    ]
    target_line = None
    if target is not None:
        label = f"Target {target.label}"
        target_line = (round(y_of(float(target.value)), 2), label)
    return ChartLayout(
        width=width, height=total_height, left=left, right=right, top=top, bottom=bottom,
        y_ticks=[(round(y_of(t), 2), lab) for t, lab in zip(ticks, labels, strict=True)],
        x_labels=[(round(x, 2), t) for x, t in x_labels], series=laid_out, target=target_line,
        legend=legend, empty=not values,
    )  # fmt: skip


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 3:.2f}" y="{y - 3:.2f}" width="6" height="6" fill="{colour}"/>'
    if shape == "triangle":
        points = f"{x:.2f},{y - 4:.2f} {x + 4:.2f},{y + 3:.2f} {x - 4:.2f},{y + 3:.2f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "diamond":
        points = f"{x:.2f},{y - 4:.2f} {x + 4:.2f},{y:.2f} {x:.2f},{y + 4:.2f} {x - 4:.2f},{y:.2f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{x:.2f}" cy="{y:.2f}" r="3" fill="{colour}"/>'


def _path(segments: list[list[tuple[float, float]]]) -> str:
    parts = []
    for seg in segments:
        parts.append(f"M{seg[0][0]:.2f} {seg[0][1]:.2f}")
        parts.extend(f"L{x:.2f} {y:.2f}" for x, y in seg[1:])
    return " ".join(parts)


def line_chart(
    series: list[Series],
    unit: Unit,
    target: Target | None,
    *,
    width: int = 720,
    height: int = 280,
    title: str,
    css_class: str = "line-chart",
) -> str:
    """The chart as an <svg> element (role img, titled); the page shows the table beside it."""
    layout = chart_layout(series, unit, target, width=width, height=height)
    chart_id = "chart-" + hashlib.sha256(f"{title}/{width}".encode()).hexdigest()[:8]
    names = ", ".join(s.label for s in series)
    summary = f"Line chart of {names} by period" + (f"; target {target.label}" if target else "")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'viewBox="0 0 {layout.width} {layout.height}" width="{layout.width}" '
        f'height="{layout.height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
        f'<g class="axis y-axis" font-size="{FONT_PX}" fill="#333">',
    ]
    for y, label in layout.y_ticks:
        out.append(
            f'<line class="grid" x1="{layout.left:.2f}" x2="{layout.right:.2f}" y1="{y:.2f}" '
            f'y2="{y:.2f}" stroke="#d9d9d9" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{layout.left - 6:.2f}" y="{y + 4:.2f}" text-anchor="end">{escape(label)}</text>'
        )
    out.append("</g>")
    out.append(
        f'<line class="x-axis-line" x1="{layout.left:.2f}" x2="{layout.right:.2f}" '
        f'y1="{layout.bottom:.2f}" y2="{layout.bottom:.2f}" stroke="#333" stroke-width="1"/>'
    )
    out.append(f'<g class="axis x-axis" font-size="{FONT_PX}" fill="#333" text-anchor="middle">')
    for x, label in layout.x_labels:
        out.append(f'<text x="{x:.2f}" y="{layout.bottom + 16:.2f}">{escape(label)}</text>')
    out.append("</g>")
    if layout.target is not None:
        y, label = layout.target
        out.append(
            f'<g class="target"><line class="target-line" x1="{layout.left:.2f}" '
            f'x2="{layout.right:.2f}" y1="{y:.2f}" y2="{y:.2f}" stroke="{TARGET_COLOUR}" '
            f'stroke-width="1.5" stroke-dasharray="{TARGET_DASH}"/>'
            f'<text class="target-label" x="{layout.right - 4:.2f}" y="{y - 5:.2f}" '
            f'text-anchor="end" font-size="{FONT_PX}" fill="{TARGET_COLOUR}">{escape(label)}</text></g>'
        )
    for n, s in enumerate(layout.series):
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        out.append(f'<g class="series series-{n}" data-label="{_attr(s.label)}">')
        if s.segments:
            out.append(
                f'<path d="{_path(s.segments)}" fill="none" stroke="{s.colour}" '
                f'stroke-width="2" stroke-linejoin="round"{dash}/>'
            )
        out.extend(_marker(s.marker, x, y, s.colour) for x, y in s.markers)
        out.append("</g>")
    if layout.legend:
        out.append(f'<g class="legend" font-size="{FONT_PX}" fill="#222">')
        for x, y, n in layout.legend:
            s = layout.series[n]
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            out.append(
                f'<line x1="{x:.2f}" x2="{x + 28:.2f}" y1="{y:.2f}" y2="{y:.2f}" '
                f'stroke="{s.colour}" stroke-width="2"{dash}/>'
                + _marker(s.marker, x + 14, y, s.colour)
                + f'<text x="{x + 34:.2f}" y="{y + 4:.2f}">{escape(s.label)}</text>'
            )
        out.append("</g>")
    if layout.empty:
        out.append(
            f'<text class="no-data" x="{(layout.left + layout.right) / 2:.2f}" '
            f'y="{(layout.top + layout.bottom) / 2:.2f}" text-anchor="middle" '
            f'font-size="{FONT_PX + 2}" fill="#555">Nothing to measure in this period</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
