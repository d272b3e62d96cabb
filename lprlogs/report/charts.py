"""Chart geometry for the HTML report's charts.

Only numbers are computed here; the markup is written by the template (templates/charts.html), so every
label goes through the report's one autoescaping environment. Horizontal bars are HTML (their labels are
text at the page's size on any screen); the monthly chart is an inline SVG in a box that scrolls on a
narrow screen rather than shrinking its text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

SERIES_COLOURS = ("#b2182b", "#ef8a62", "#67a9cf", "#999999")
# a column chart this wide (in its own units) fits a 420 px phone's column of about 400 px with its 13-unit text
# at 11 px or more: drawn at the width of the page, not scrolled in its box (the hours of the day)
PHONE_WIDTH = 460
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Bar:
    label: str
    values: list[int]
    percents: list[float]  # each segment's width, in % of the bar's track
    total: int


@dataclass
class BarChart:
    """Horizontal stacked bars: one row per label, one segment per series, longest first."""

    title: str
    series: list[str]
    colours: list[str]
    bars: list[Bar]
    more: int  # labels not drawn (beyond the cap)
    total_labels: int
    notes: list[str] = field(default_factory=list)
    source: str = ""
    rest: str = "the workbook lists them all"  # where the bars not drawn are


def _total(row: dict[str, Any], series: list[str]) -> int:
    return sum(int(row.get(s) or 0) for s in series)


def bar_chart(title: str, rows: list[dict[str, Any]], label: str, series: list[str], *, names: list[str] | None = None,
              cap: int = 15, notes: list[str] | None = None, source: str = "", rest: str = "") -> BarChart:
    drawn = sorted((r for r in rows if _total(r, series) > 0), key=lambda r: (-_total(r, series), str(r.get(label))))
    total_labels = len(drawn)
    drawn = drawn[:cap]
    top = max((_total(r, series) for r in drawn), default=0) or 1
    bars = []
    for row in drawn:
        values = [int(row.get(s) or 0) for s in series]
        # 88% at most, so the total printed after the longest bar stays inside its track
        bars.append(Bar(label=str(row.get(label) or ""), values=values,
                        percents=[round(88.0 * v / top, 2) for v in values], total=sum(values)))
    return BarChart(title=title, series=names or series, colours=list(SERIES_COLOURS[: len(series)]), bars=bars,
                    more=max(0, total_labels - cap), total_labels=total_labels, notes=list(notes or []),
                    source=source, rest=rest or "the workbook lists them all")


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1, 2, 2.5 or 5 times a power of ten apart)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if step < 1 and float(top).is_integer():
        step = 1.0
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 6))
    return ticks


@dataclass
class Tick:
    value: str
    y: float


@dataclass
class Column:
    label: str  # the month, 2025-03
    month: str  # the drawn label (Mar), "" when skipped
    year: str  # the year under the label, "" unless the year changes
    values: list[int]
    x: float
    ys: list[float]
    heights: list[float]
    total: int
    rate: float | None  # per 1,000 searches
    rate_y: float
    rate_height: float
    searches: int  # every search in the logs this month
    coverage: str  # "full", "partial" or "none"
    coverage_note: str


@dataclass
class ColumnChart:
    """Stacked columns per month above, the rate per 1,000 searches of the logs below."""

    title: str
    series: list[str]
    colours: list[str]
    columns: list[Column]
    width: int
    height: int
    left: int
    plot_top: int
    plot_bottom: int
    rate_top: int
    rate_bottom: int
    column_width: float
    step: float
    ticks: list[Tick]
    rate_ticks: list[Tick]
    rate_name: str
    notes: list[str] = field(default_factory=list)
    source: str = ""
    font: int = 13

    @property
    def compact(self) -> bool:
        return self.width <= PHONE_WIDTH


def _month_labels(months: list[str], step: float, font: int) -> list[tuple[str, str]]:
    """(month, year) labels, every k-th month so that no two overlap; the year under the first label and
    wherever the year changes."""
    every = max(1, math.ceil(font * 2.6 / step))  # a three-letter month is about 2 em wide, plus a gap
    labels, last_year = [], ""
    for i, month in enumerate(months):
        if i % every:
            labels.append(("", ""))
            continue
        year, number = month[:4], int(month[5:7])
        labels.append((MONTH_NAMES[number - 1], year if year != last_year else ""))
        last_year = year
    return labels


def column_chart(title: str, rows: list[dict[str, Any]], label: str, series: list[str], *,
                 names: list[str] | None = None, rate: str = "", rate_name: str = "",
                 coverage: dict[str, tuple[str, str]] | None = None, notes: list[str] | None = None,
                 source: str = "", width: int = 720, labels: list[tuple[str, str]] | None = None) -> ColumnChart:
    font, left = 13, 52
    plot_top, plot_bottom = 14, 190
    rate_top, rate_bottom = 236, 320
    height = rate_bottom + 2 * font + 24
    top = max((_total(r, series) for r in rows), default=0)
    ticks = nice_ticks(top)
    scale_top = ticks[-1] or 1
    rates = [float(r[rate]) for r in rows if rate and r.get(rate) is not None]
    rate_ticks = nice_ticks(max(rates, default=0), count=2)
    rate_scale = rate_ticks[-1] or 1
    step = (width - left - 8) / max(len(rows), 1)
    labels = labels or _month_labels([str(r.get(label)) for r in rows], step, font)
    columns = []
    for i, row in enumerate(rows):
        values = [int(row.get(s) or 0) for s in series]
        ys, heights, base = [], [], float(plot_bottom)
        for v in values:
            h = (plot_bottom - plot_top) * v / scale_top
            base -= h
            ys.append(round(base, 1))
            heights.append(round(h, 1))
        value = float(row[rate]) if rate and row.get(rate) is not None else None
        rate_height = (rate_bottom - rate_top) * (value or 0) / rate_scale
        state, note = (coverage or {}).get(str(row.get(label)), ("full", ""))
        columns.append(Column(label=str(row.get(label) or ""), month=labels[i][0], year=labels[i][1], values=values,
                              x=round(left + i * step, 1), ys=ys, heights=heights, total=sum(values), rate=value,
                              rate_y=round(rate_bottom - rate_height, 1), rate_height=round(rate_height, 1),
                              searches=int(row.get("searches") or 0), coverage=state, coverage_note=note))

    def placed(values: list[float], top_y: int, bottom_y: int, scale: float) -> list[Tick]:
        return [Tick(value=f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}",
                     y=round(bottom_y - (bottom_y - top_y) * v / scale, 1)) for v in values]

    return ColumnChart(title=title, series=names or series, colours=list(SERIES_COLOURS[: len(series)]),
                       columns=columns, width=width, height=height, left=left, plot_top=plot_top,
                       plot_bottom=plot_bottom, rate_top=rate_top, rate_bottom=rate_bottom,
                       column_width=round(min(40.0, max(2.0, step * 0.72)), 1), step=round(step, 2),
                       ticks=placed(ticks, plot_top, plot_bottom, scale_top),
                       rate_ticks=placed(rate_ticks, rate_top, rate_bottom, rate_scale), rate_name=rate_name,
                       notes=list(notes or []), source=source, font=font)
