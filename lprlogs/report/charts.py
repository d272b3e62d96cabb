"""Chart geometry for the HTML report's inline SVG charts.

Only numbers are computed here; the SVG itself is written by the template (templates/charts.html),
so every label goes through the report's one autoescaping environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERIES_COLOURS = ("#b2182b", "#ef8a62")  # tier 1 (immigration), tier 2 (immigration_agency)


@dataclass
class Bar:
    label: str
    values: list[int]
    x: list[float]  # start of each segment (stacked), in chart units
    widths: list[float]
    y: float
    total: int


@dataclass
class BarChart:
    """Horizontal stacked bars: one row per label, one segment per series."""

    title: str
    series: list[str]
    colours: list[str]
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    more: int  # labels not drawn (beyond the cap)


def bar_chart(title: str, rows: list[dict[str, Any]], label: str, series: list[str], *, names: list[str] | None = None,
              cap: int = 15, width: int = 640, label_width: int = 230, bar_height: int = 18) -> BarChart:
    drawn = [r for r in rows if sum(int(r.get(s) or 0) for s in series) > 0]
    more = max(0, len(drawn) - cap)
    drawn = drawn[:cap]
    top = max((sum(int(r.get(s) or 0) for s in series) for r in drawn), default=0) or 1
    plot = width - label_width - 60
    bars = []
    for i, row in enumerate(drawn):
        values = [int(row.get(s) or 0) for s in series]
        xs, widths, x = [], [], float(label_width)
        for v in values:
            w = plot * v / top
            xs.append(round(x, 1))
            widths.append(round(w, 1))
            x += w
        bars.append(Bar(label=str(row.get(label) or ""), values=values, x=xs, widths=widths,
                        y=30 + i * (bar_height + 6), total=sum(values)))
    height = 30 + len(bars) * (bar_height + 6) + 10
    return BarChart(title=title, series=names or series, colours=list(SERIES_COLOURS[: len(series)]), bars=bars,
                    width=width, height=height, label_width=label_width, bar_height=bar_height, more=more)


@dataclass
class Column:
    label: str
    values: list[int]
    x: float
    ys: list[float]
    heights: list[float]
    total: int


@dataclass
class ColumnChart:
    """Vertical stacked columns over time (months)."""

    title: str
    series: list[str]
    colours: list[str]
    columns: list[Column]
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    column_width: float
    top_value: int


def column_chart(title: str, rows: list[dict[str, Any]], label: str, series: list[str], *,
                 names: list[str] | None = None, width: int = 640, height: int = 240) -> ColumnChart:
    plot_top, plot_bottom, left = 30, height - 40, 40
    top = max((sum(int(r.get(s) or 0) for s in series) for r in rows), default=0) or 1
    count = max(len(rows), 1)
    step = (width - left - 10) / count
    column_width = min(48.0, max(2.0, step * 0.7))
    columns = []
    for i, row in enumerate(rows):
        values = [int(row.get(s) or 0) for s in series]
        ys, heights, base = [], [], float(plot_bottom)
        for v in values:
            h = (plot_bottom - plot_top) * v / top
            base -= h
            ys.append(round(base, 1))
            heights.append(round(h, 1))
        columns.append(Column(label=str(row.get(label) or ""), values=values, x=round(left + i * step, 1), ys=ys,
                              heights=heights, total=sum(values)))
    return ColumnChart(title=title, series=names or series, colours=list(SERIES_COLOURS[: len(series)]),
                       columns=columns, width=width, height=height, plot_top=plot_top, plot_bottom=plot_bottom,
                       column_width=round(column_width, 1), top_value=top)
