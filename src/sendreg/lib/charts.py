"""Charts drawn on the server as SVG: no chart library, no script, printable.

Each chart is an image for sighted readers (``role="img"`` with a ``<title>`` and a
``<desc>`` that points to the table); the page always puts the data table beside it, and
the table is the accessible version. Colours and fonts come from classes in the site's
stylesheet (the Content-Security-Policy forbids inline styles), so a chart prints and
follows the page's contrast.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 90
ROW = 26
BAR = 16
TOP = 8

_ids = itertools.count(1)


def _number(value: Decimal | float | int) -> float:
    return float(value)


def _fmt(value: float) -> str:
    """Coordinates to one decimal place, without a trailing ``.0``."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (None when withheld or unknown), the text shown at its
    end, and an optional value to compare with (a national figure), drawn as a mark."""

    label: str
    value: Decimal | float | int | None
    shown: str = ""
    compare: Decimal | float | int | None = None


def _frame(title: str, height: int, body: list[str], desc: str) -> SafeString:
    n = next(_ids)
    return mark_safe(  # noqa: S308 - every text in ``body`` is escaped where it is made
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="chart-{n}-title chart-{n}-desc">'
        f'<title id="chart-{n}-title">{escape(title)}</title>'
        f'<desc id="chart-{n}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


TABLE_BESIDE = "The figures are in the table beside the chart."


def bar_chart(
    *,
    title: str,
    bars: Sequence[Bar],
    scale_max: Decimal | float | int | None = None,
    compare_label: str = "",
) -> SafeString:
    """Horizontal bars, one a row, scaled to ``scale_max`` (default: the largest value or
    comparison). A comparison value is a dark mark across the bar's row."""
    values = [_number(b.value) for b in bars if b.value is not None]
    values += [_number(b.compare) for b in bars if b.compare is not None]
    top = _number(scale_max) if scale_max is not None else max(values, default=0.0)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP * 2 + ROW * max(len(bars), 1)
    body: list[str] = []
    for i, bar in enumerate(bars):
        y = TOP + i * ROW
        body.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 6}" y="{y + BAR - 3}" '
            f'text-anchor="end">{escape(bar.label)}</text>'
        )
        length = span * _number(bar.value) / top if bar.value is not None and top else 0.0
        if bar.value is not None:
            body.append(
                f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{_fmt(length)}" '
                f'height="{BAR}"/>'
            )
        shown = bar.shown or ("" if bar.value is None else str(bar.value))
        body.append(
            f'<text class="chart-value" x="{_fmt(LABEL_WIDTH + length + 4)}" '
            f'y="{y + BAR - 3}">{escape(shown)}</text>'
        )
        if bar.compare is not None and top:
            x = LABEL_WIDTH + span * _number(bar.compare) / top
            body.append(
                f'<line class="chart-compare" x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{y - 3}" '
                f'y2="{y + BAR + 3}"/>'
            )
    desc = TABLE_BESIDE
    if compare_label and any(b.compare is not None for b in bars):
        desc = f"The dark marks show {compare_label}. {TABLE_BESIDE}"
    return _frame(title, height, body, desc)


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | float | int]]],
    unit: str = "%",
) -> SafeString:
    """One line a series over the points of ``labels`` (a trend over snapshots), each point
    marked and the last one labelled with its series' name and value."""
    height = 220
    left, right, top, bottom = 48, 150, 12, 36
    values = [_number(v) for _, points in series for v in points]
    peak = max(values, default=0.0) or 1.0
    count = max(len(labels), 1)
    span_x = WIDTH - left - right
    span_y = height - top - bottom

    def x(i: int) -> float:
        return left + (span_x * i / (count - 1) if count > 1 else span_x / 2)

    def y(v: float) -> float:
        return top + span_y * (1 - v / peak)

    body = [
        f'<line class="chart-axis" x1="{left}" x2="{left}" y1="{top}" y2="{top + span_y}"/>',
        f'<line class="chart-axis" x1="{left}" x2="{WIDTH - right}" y1="{top + span_y}" '
        f'y2="{top + span_y}"/>',
        f'<text class="chart-label" x="{left - 4}" y="{top + 4}" text-anchor="end">'
        f"{escape(_fmt(peak))}{escape(unit)}</text>",
        f'<text class="chart-label" x="{left - 4}" y="{top + span_y}" text-anchor="end">'
        f"0{escape(unit)}</text>",
    ]
    for i, label in enumerate(labels):
        body.append(
            f'<text class="chart-label" x="{_fmt(x(i))}" y="{height - 12}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for n, (name, points) in enumerate(series, start=1):
        coords = " ".join(f"{_fmt(x(i))},{_fmt(y(_number(v)))}" for i, v in enumerate(points))
        body.append(f'<polyline class="chart-line chart-series-{n}" points="{coords}"/>')
        for i, v in enumerate(points):
            body.append(
                f'<circle class="chart-point chart-series-{n}" cx="{_fmt(x(i))}" '
                f'cy="{_fmt(y(_number(v)))}" r="3"/>'
            )
        if points:
            last = len(points) - 1
            body.append(
                f'<text class="chart-value" x="{_fmt(x(last) + 6)}" '
                f'y="{_fmt(y(_number(points[-1])) + 4)}">{escape(name)} '
                f"{escape(str(points[-1]))}{escape(unit)}</text>"
            )
    return _frame(title, height, body, TABLE_BESIDE)
