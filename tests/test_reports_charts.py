"""The sitrep's charts are drawn from the data: bar heights and line heights are measured in the
PNG's pixels and compared with the figures (no golden image: any faithful drawing passes)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from corridor.reports.charts import (
    ARRIVED_COLOUR,
    CAPACITY_COLOUR,
    DEPARTED_COLOUR,
    PLANNED_COLOUR,
    arrivals_chart,
    evacuated_chart,
)
from corridor.reports.sitrep import DayLine, DestinationLine

Pixels = dict[tuple[int, int], tuple[int, int, int]]


def _pixels(png: bytes) -> tuple[Image.Image, Pixels]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    data = image.load()
    assert data is not None
    return image, {(x, y): data[x, y] for x in range(width) for y in range(height)}


def _near(colour: str, limit: int = 40):  # type: ignore[no-untyped-def]
    wanted = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return lambda rgb: sum(abs(a - b) for a, b in zip(rgb, wanted, strict=True)) <= limit


def _where(pixels: Pixels, colour: str, limit: int = 40) -> list[tuple[int, int]]:
    near = _near(colour, limit)
    return [xy for xy, rgb in pixels.items() if near(rgb)]


def _destination(site: str, arrived: int | None, capacity: int) -> DestinationLine:
    return DestinationLine(site, site.title(), f"SY{len(site):02d}{site[:2].upper()}", capacity,
                           arrived, None)


def test_bars_are_as_high_as_the_arrivals_and_the_capacity_lines_as_the_capacity() -> None:
    """300 and 900 arrivals: the second bar is three times the first; a withheld count has no
    bar; each red line stands at its capacity on the same scale as the bars."""
    _image, pixels = _pixels(arrivals_chart([
        _destination("jarablus", 300, 1500), _destination("idlib", 900, 800),
        _destination("albab", None, 400)]))
    bar = _where(pixels, ARRIVED_COLOUR, 10)
    columns = sorted({x for x, _ in bar})
    groups: list[list[int]] = [[columns[0]]]
    for x in columns[1:]:
        if x == groups[-1][-1] + 1:
            groups[-1].append(x)
        else:
            groups.append([x])
    assert len(groups) == 2, "two bars: the withheld arrivals draw none"
    heights, bottoms = [], []
    for group in groups:
        middle = group[len(group) // 2]
        rows = [y for x, y in bar if x == middle]
        heights.append(max(rows) - min(rows) + 1)
        bottoms.append(max(rows))
    assert heights[1] / heights[0] == pytest.approx(3.0, rel=0.03)
    baseline = max(bottoms)
    red = _where(pixels, CAPACITY_COLOUR, 30)
    for group, capacity, arrived in zip(groups, (1500, 800), (300, 900), strict=True):
        middle = group[len(group) // 2]
        rows = [y for x, y in red if x == middle]
        assert rows, "a capacity line crosses each bar's place"
        line = sum(rows) / len(rows)
        bar_height = heights[groups.index(group)]
        assert (baseline - line) / bar_height == pytest.approx(capacity / arrived, rel=0.04)


def test_the_departed_line_follows_the_figures_and_stops_at_the_report_day() -> None:
    """Departed up to day 1, 2, 3: 0, 150, 300 (day 4 is after the report): the line's height
    at day 2 is half that at day 3, and it ends two thirds of the way along the plan's line."""
    start = date(2017, 3, 18)
    days = [DayLine(start + timedelta(days=i), 100, 100 * (i + 1), None, departed, None, None)
            for i, departed in enumerate((0, 150, 300, None))]
    _image, pixels = _pixels(evacuated_chart(days, start + timedelta(days=2)))
    line = _where(pixels, DEPARTED_COLOUR)
    left, right = min(x for x, _ in line), max(x for x, _ in line)

    def height(x: int) -> float:
        rows = [y for column, y in line if column == x]
        return sum(rows) / len(rows)

    middle = (left + right) // 2
    zero, half, full = height(left + 3), height(middle), height(right - 3)
    assert (zero - half) / (zero - full) == pytest.approx(0.5, abs=0.04)
    planned = _where(pixels, PLANNED_COLOUR, 20)
    planned_right = max(x for x, _ in planned)
    assert (right - left) / (planned_right - left) == pytest.approx(2 / 3, abs=0.04)


def test_a_withheld_day_leaves_a_gap_in_the_line() -> None:
    """With day 2 withheld, no departed pixel lies between days 1 and 3 but the markers'."""
    start = date(2017, 3, 18)
    days = [DayLine(start + timedelta(days=i), 100, 100 * (i + 1), None, departed, None, None)
            for i, departed in enumerate((100, None, 300))]
    _image, pixels = _pixels(evacuated_chart(days, start + timedelta(days=2)))
    line = _where(pixels, DEPARTED_COLOUR)
    left, right = min(x for x, _ in line), max(x for x, _ in line)
    middle = (left + right) // 2
    assert not [x for x, _ in line if abs(x - middle) < (right - left) // 4]


def test_the_same_data_give_the_same_bytes() -> None:
    """Charts are deterministic (no date or version in the PNG)."""
    lines = [_destination("jarablus", 300, 1500)]
    assert arrivals_chart(lines) == arrivals_chart(lines)
