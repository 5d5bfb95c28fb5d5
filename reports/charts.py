"""The dashboard's charts: pygal SVG rendered on the server and inlined in the page. No JavaScript
and no CDN: `js=[]` keeps pygal from referencing its script, and the inert inline config script and
the comments pygal writes are dropped, so the markup references nothing outside the page.

Each chart comes in two sizes, the page showing one by its width (reports.css): WIDE for a laptop and
COMPACT for a phone (a narrower drawing, so its text stays readable when scaled to the screen). No
two labels overlap (tests/browser/test_dashboard_charts.py): the x axis names at most a few weeks,
evenly spread, values are printed only where each bar has room (the wide bar chart), and the
tables beside the charts give every figure."""

import math
import re
from dataclasses import dataclass

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from .metrics import SlaMetrics

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
STYLE = Style(  # the colours of static/opsdesk/opsdesk.css
    background="transparent",
    plot_background="#ffffff",
    foreground="#1c2430",
    foreground_strong="#1c2430",
    foreground_subtle="#d7dce3",
    opacity="1",
    opacity_hover="1",
    colors=("#1f5fbf", "#1d7a46", "#9a5b00"),
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    value_font_family=FONT,
    value_label_font_family=FONT,
    legend_font_family=FONT,
    title_font_family=FONT,
    tooltip_font_family=FONT,
    no_data_font_family=FONT,
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=11,
    legend_font_size=13,
    no_data_font_size=16,
)
CONFIG = {
    "js": [],  # never reference pygal's CDN script
    "disable_xml_declaration": True,  # inlined in HTML
    "style": STYLE,
    "legend_at_bottom": True,
    "legend_at_bottom_columns": 2,
    "show_y_guides": True,
    "no_data_text": "No data for this period",
    "margin": 12,
}


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    max_x_labels: int  # weeks named on the trend's x axis, at most
    print_values: bool  # values written on the bars
    compact: bool


WIDE = Size(width=720, height=330, max_x_labels=8, print_values=True, compact=False)
COMPACT = Size(width=400, height=300, max_x_labels=5, print_values=False, compact=True)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} %"


def _svg(chart: pygal.graph.graph.Graph) -> SafeString:
    svg = chart.render(is_unicode=True)
    svg = _COMMENT.sub("", _SCRIPT.sub("", svg))
    return mark_safe(svg)  # pygal escapes every label and value it writes


def compliance_chart(metrics: SlaMetrics, size: Size = WIDE) -> SafeString:
    """Bars: response and resolution compliance % per priority and overall."""
    chart = pygal.Bar(
        **CONFIG,
        width=size.width,
        height=size.height,
        range=(0, 100),
        include_x_axis=True,
        print_values=size.print_values,
        value_formatter=_percent,
        y_labels=[0, 25, 50, 75, 90, 100],
    )
    chart.x_labels = [row.label for row in metrics.priorities]
    chart.add("Response", [row.response.percent for row in metrics.priorities])
    chart.add("Resolution", [row.resolution.percent for row in metrics.priorities])
    return _svg(chart)


def trend_chart(metrics: SlaMetrics, size: Size = WIDE) -> SafeString:
    """Line per ISO week: resolution compliance % (left axis) and incidents filed (right axis). No
    values on the points (the two lines' would collide): the weekly table has them."""
    most = max((week.incidents for week in metrics.weekly), default=0)
    top = max(5, -(-most // 5) * 5)  # pygal divides the right axis in five: whole numbers per step
    every = max(1, math.ceil(len(metrics.weekly) / size.max_x_labels))
    chart = pygal.Line(
        **CONFIG,
        width=size.width,
        height=size.height,
        range=(0, 100),
        secondary_range=(0, top),
        include_x_axis=True,
        x_labels_major_every=every,
        show_minor_x_labels=every == 1,
        dots_size=3 if size.compact else 4,
        y_labels=[0, 25, 50, 75, 90, 100],
    )
    # compact: "W45" (the weekly table below names the year)
    chart.x_labels = [week.label.split("-")[-1] if size.compact else week.label for week in metrics.weekly]
    chart.add(
        "Resolution compliance %",
        [week.resolution.percent for week in metrics.weekly],
        formatter=_percent,
    )
    chart.add(
        "Incidents",
        [week.incidents for week in metrics.weekly],
        secondary=True,
        formatter=lambda value: "" if value is None else f"{value:.0f}",
    )
    return _svg(chart)


def dashboard_charts(metrics: SlaMetrics) -> dict[str, dict[str, SafeString]]:
    """{"compliance": {"wide": svg, "compact": svg}, "trend": {...}} for the page."""
    return {
        name: {"wide": draw(metrics, WIDE), "compact": draw(metrics, COMPACT)}
        for name, draw in (("compliance", compliance_chart), ("trend", trend_chart))
    }
