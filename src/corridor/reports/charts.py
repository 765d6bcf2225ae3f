"""The sitrep's charts, drawn from its data as PNG images (matplotlib's Agg canvas, no pyplot).

- :func:`evacuated_chart`: people evacuated (departed) up to each day against the plan's
  cumulative line, every day of the plan on the axis.
- :func:`arrivals_chart`: people arrived from the day's convoys at each destination, a bar each,
  against its reception capacity for one day (a short horizontal line over the bar's place).

A chart draws only what its sitrep shows: a withheld figure (None) leaves a gap in the line or
no bar, never a value. Charts carry no words, only numbers and dates (day/month): the report
around them gives the legend and the caption in its own language, so an Arabic report never
shows unshaped Arabic drawn by matplotlib. The same data give the same bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from corridor.reports.sitrep import DayLine, DestinationLine

PLANNED_COLOUR = "#9a9a9a"
"""The plan's cumulative line (dashed)."""
DEPARTED_COLOUR = "#0b6e4f"
"""People evacuated up to each day."""
ARRIVED_COLOUR = "#1f4e9c"
"""Arrivals at a destination."""
CAPACITY_COLOUR = "#c0392b"
"""A destination's reception capacity for one day."""

WIDTH_IN, HEIGHT_IN, DPI = 7.0, 3.2, 110


def _figure() -> Figure:
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)  # attaches itself: the figure draws with Agg, whatever pyplot uses
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    figure.clear()
    return buffer.getvalue()


def _thousands(value: float, _position: object) -> str:
    return f"{value:,.0f}"


def _values(values: Sequence[int | None]) -> list[float]:
    return [math.nan if value is None else float(value) for value in values]


def evacuated_chart(days: Sequence[DayLine], report_day: date) -> bytes:
    """People departed up to each day (solid) against the plan (dashed), as PNG bytes.

    The x axis has every day of the plan, evenly spaced; the departed line stops at
    ``report_day`` and has a gap where a figure is withheld.
    """
    figure = _figure()
    axes = figure.add_axes((0.1, 0.16, 0.87, 0.78))
    positions = list(range(len(days)))
    planned = _values([line.planned_cumulative for line in days])
    departed = _values([line.departed_cumulative if line.day <= report_day else None
                        for line in days])
    axes.plot(positions, planned, color=PLANNED_COLOUR, linewidth=2.0, linestyle=(0, (6, 3)))
    axes.plot(positions, departed, color=DEPARTED_COLOUR, linewidth=2.5,
              marker="o" if len(days) < 20 else None, markersize=4)
    top = max([value for value in planned + departed if not math.isnan(value)], default=0.0)
    axes.set_ylim(0, max(top * 1.08, 1.0))
    axes.set_xlim(-0.5, max(len(days) - 0.5, 0.5))
    axes.yaxis.set_major_formatter(FuncFormatter(_thousands))
    axes.yaxis.set_major_locator(MaxNLocator(5, integer=True))
    step = max(1, math.ceil(len(days) / 12))
    axes.set_xticks(positions[::step], [f"{line.day:%d/%m}" for line in days[::step]])
    axes.tick_params(labelsize=8)
    axes.grid(axis="y", color="#e6e6e6", linewidth=0.8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _png(figure)


def arrivals_chart(destinations: Sequence[DestinationLine]) -> bytes:
    """Arrivals of the day per destination (bars) against reception capacity (red lines).

    Bars stand at 0, 1, 2... in the order of ``destinations``; a withheld count has no bar.
    """
    figure = _figure()
    axes = figure.add_axes((0.1, 0.16, 0.87, 0.78))
    positions = list(range(len(destinations)))
    heights = _values([line.arrived_today for line in destinations])
    axes.bar(positions, [0.0 if math.isnan(h) else h for h in heights], width=0.5,
             color=[ARRIVED_COLOUR if not math.isnan(h) else "none" for h in heights])
    for position, line in zip(positions, destinations, strict=True):
        axes.hlines(line.capacity_per_day, position - 0.35, position + 0.35,
                    colors=CAPACITY_COLOUR, linewidth=2.5)
    top = max([line.capacity_per_day for line in destinations]
              + [h for h in heights if not math.isnan(h)], default=1)
    axes.set_ylim(0, top * 1.1)
    axes.set_xlim(-0.6, max(len(destinations) - 0.4, 0.6))
    axes.yaxis.set_major_formatter(FuncFormatter(_thousands))
    axes.yaxis.set_major_locator(MaxNLocator(5, integer=True))
    axes.set_xticks(positions, [line.pcode for line in destinations])
    axes.tick_params(labelsize=8)
    axes.grid(axis="y", color="#e6e6e6", linewidth=0.8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return _png(figure)
