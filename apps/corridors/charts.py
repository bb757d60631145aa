"""Geometry of the corridor page's charts, drawn as SVG on the server (no Django imports, no JS library).

A chart is rows of horizontal bars on one axis of hours: a baseline's p10 to p90 range with its median
marked, or a release time's median with its p90 marked. This module only computes coordinates and
labels; the template (``corridors/_chart.svg``) writes them out, escaped like any other text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

LABEL_WIDTH = 150
PLOT_WIDTH = 460
RIGHT_MARGIN = 20
ROW_HEIGHT = 26
BAR_GAP = 4
TOP = 10
AXIS_HEIGHT = 32


@dataclass(frozen=True)
class Bar:
    """One bar on a row, in hours: from ``start`` to ``end``, with an optional ``mark`` (median or p90)."""

    start: float
    end: float
    css: str
    title: str
    mark: float | None = None


@dataclass(frozen=True)
class Row:
    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class DrawnBar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str
    mark_x: float | None

    @property
    def bottom(self) -> float:
        return round(self.y + self.height, 1)


@dataclass(frozen=True)
class DrawnRow:
    label: str
    label_y: float
    bars: tuple[DrawnBar, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything the SVG template needs: its size, the rows' bars and the axis ticks."""

    title: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: float
    rows: tuple[DrawnRow, ...]
    ticks: tuple[Tick, ...]
    unit: str

    @property
    def tick_label_y(self) -> float:
        return self.axis_y + 14

    @property
    def unit_y(self) -> float:
        return self.axis_y + 26

    @property
    def row_label_x(self) -> int:
        return self.plot_left - 8


def nice_step(maximum: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``ticks`` intervals up to ``maximum``."""
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _label(value: float) -> str:
    return f"{value:g}"


def bar_chart(title: str, rows: Sequence[Row], *, unit: str = "h", label: Callable[[float], str] = _label) -> Chart:
    """Lay ``rows`` out on a shared axis from zero to a round value above the longest bar or mark.

    ``label`` writes a tick's value (the page passes one that groups thousands as its language does).
    """
    longest = max(
        (max(bar.end, bar.mark or 0.0) for row in rows for bar in row.bars),
        default=0.0,
    )
    step = nice_step(longest)
    top = step * max(math.ceil(longest / step), 1)

    def x(value: float) -> float:
        return round(LABEL_WIDTH + PLOT_WIDTH * min(max(value, 0.0), top) / top, 1)

    drawn: list[DrawnRow] = []
    y = float(TOP)
    for row in rows:
        count = max(len(row.bars), 1)
        height = ROW_HEIGHT * count
        bar_height = (height - BAR_GAP * (count + 1)) / count
        bars = tuple(
            DrawnBar(
                x=x(bar.start),
                y=round(y + BAR_GAP + index * (bar_height + BAR_GAP), 1),
                width=max(round(x(bar.end) - x(bar.start), 1), 1.0),
                height=round(bar_height, 1),
                css=bar.css,
                title=bar.title,
                mark_x=x(bar.mark) if bar.mark is not None else None,
            )
            for index, bar in enumerate(row.bars)
        )
        drawn.append(DrawnRow(label=row.label, label_y=round(y + height / 2 + 4, 1), bars=bars))
        y += height
    ticks = tuple(Tick(x=x(step * n), label=label(step * n)) for n in range(round(top / step) + 1))
    return Chart(
        title=title,
        width=LABEL_WIDTH + PLOT_WIDTH + RIGHT_MARGIN,
        height=int(y + AXIS_HEIGHT),
        plot_left=LABEL_WIDTH,
        plot_right=LABEL_WIDTH + PLOT_WIDTH,
        axis_y=y + 2,
        rows=tuple(drawn),
        ticks=ticks,
        unit=unit,
    )
