"""Server-side SVG charts: an image with a title for sighted readers, text escaped, no style."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

from sendreg.lib.charts import Bar, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    # The charts are our own output, made in the test: not untrusted XML.
    return ElementTree.fromstring(svg)  # noqa: S314


def test_bar_chart_is_an_accessible_image_with_escaped_text() -> None:
    svg = bar_chart(
        title="Needs <&> more",
        bars=[
            Bar("SPLD <script>", Decimal("40.0"), "40.0%", Decimal("20")),
            Bar("Withheld", None, "fewer than 5"),
            Bar("None", 0, "0%"),
        ],
        compare_label="England",
    )
    root = parse(str(svg))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Needs <&> more"
    assert root.get("aria-labelledby") == f"{title.get('id')} {root.find(f'{SVG}desc').get('id')}"  # type: ignore[union-attr]
    assert "<script>" not in str(svg) and "style" not in str(svg)
    rects = root.findall(f"{SVG}rect")
    # The largest value fills the bar area; a withheld one draws no bar.
    assert [r.get("width") for r in rects] == ["350", "0"]
    assert len(root.findall(f"{SVG}line")) == 1
    assert "England" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]


def test_bar_chart_with_nothing_to_draw() -> None:
    root = parse(str(bar_chart(title="Empty", bars=[Bar("A", 0)])))
    assert root.findall(f"{SVG}rect")[0].get("width") == "0"


def test_line_chart_draws_each_series() -> None:
    svg = line_chart(
        title="Trend",
        labels=["Oct 2024", "Jan 2025", "May 2025"],
        series=[("E", [Decimal("2.0"), Decimal("2.5"), Decimal("3.0")]), ("K", [10, 11, 12])],
    )
    root = parse(str(svg))
    assert len(root.findall(f"{SVG}polyline")) == 2
    assert len(root.findall(f"{SVG}circle")) == 6
    assert "K 12%" in str(svg)
