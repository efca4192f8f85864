"""The initiative chart: the reports' line chart plus the baseline and a line per PDSA cycle.

The reports' `line_chart` draws the KPI and the goal; the cycle markers and the baseline are
drawn on the same geometry (`chart_layout`), so they line up with its periods.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from medoffice.quality.selectors import InitiativeChart

MARKER_COLOUR = "#6a3d9a"
BASELINE_COLOUR = "#2b6a2b"
FONT_PX = 11


def _y_of(value: Decimal, ticks: list[tuple[float, str]], low: float, high: float) -> float | None:
    """The y of a value on the chart's scale, or None when it is off the scale."""
    (y_low, _), (y_high, _) = ticks[0], ticks[-1]
    if not low <= float(value) <= high or high == low:
        return None
    return y_low + (float(value) - low) / (high - low) * (y_high - y_low)


def initiative_chart_svg(chart: InitiativeChart, *, width: int = 960, height: int = 320) -> str:
    from medoffice.reports.svg import chart_layout, format_value, line_chart, nice_ticks

    title = f"{chart.kpi.title} since {chart.filters.start:%Y-%m-%d}"
    svg = line_chart(chart.series, chart.kpi.unit, chart.target, width=width, height=height,
                     title=title)  # fmt: skip
    layout = chart_layout(chart.series, chart.kpi.unit, chart.target, width=width, height=height)
    periods = sorted({p.period for s in chart.series for p in s.points})
    if not periods:
        return svg
    slot = (layout.right - layout.left) / len(periods)
    index = {d: i for i, d in enumerate(periods)}
    extra = ['<g class="qi-markers">']
    for n, marker in enumerate(chart.markers):
        if marker.period not in index:
            continue
        x = layout.left + slot * (index[marker.period] + 0.5)
        # Labels alternate between two rows so cycles in neighbouring periods stay readable.
        label_y = layout.top - 8 + (n % 2) * (FONT_PX + 2)
        extra.append(
            f'<line class="qi-marker" data-period="{marker.period.isoformat()}" x1="{x:.2f}" '
            f'x2="{x:.2f}" y1="{layout.top:.2f}" y2="{layout.bottom:.2f}" '
            f'stroke="{MARKER_COLOUR}" stroke-width="1.5" stroke-dasharray="3 3"/>'
            f'<text x="{x + 3:.2f}" y="{label_y + 4:.2f}" font-size="{FONT_PX}" '
            f'fill="{MARKER_COLOUR}">{escape(marker.label)}</text>'
        )
    extra.append("</g>")
    baseline = chart.outcome.baseline
    if baseline is not None and layout.y_ticks:
        values = [float(p.value) for s in chart.series for p in s.points if p.value is not None]
        span = [*values, float(chart.target.value)]
        ticks = nice_ticks(min([0.0, *span]), max([0.0, *span]) or 1.0)
        y = _y_of(baseline, layout.y_ticks, ticks[0], ticks[-1])
        if y is not None:
            label = f"Baseline {format_value(baseline, chart.kpi.unit)}"
            extra.append(
                f'<g class="qi-baseline"><line x1="{layout.left:.2f}" x2="{layout.right:.2f}" '
                f'y1="{y:.2f}" y2="{y:.2f}" stroke="{BASELINE_COLOUR}" stroke-width="1" '
                f'stroke-dasharray="2 4"/><text x="{layout.left + 4:.2f}" y="{y - 5:.2f}" '
                f'font-size="{FONT_PX}" fill="{BASELINE_COLOUR}">{escape(label)}</text></g>'
            )
    end = svg.rindex("</svg>")
    return svg[:end] + "\n".join(extra) + "\n" + svg[end:]
