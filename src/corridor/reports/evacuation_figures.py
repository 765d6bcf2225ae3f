"""Public figures of the evacuation by day and destination, through disclosure control.

For each day and destination: the people registered on that day's convoys to it (``affected``:
on its manifests, or boarded on it instead) and, of them, those who arrived (``reached``), by sex
and age band with every total. They go to the public (the HXL export), so each release passes
:func:`corridor.reports.disclosure.protect` against the ledger of everything released outside
(the monitors' and the public's, which the sitrep and the dashboard keep too).

A person counts on the day of the convoy they count in, as the sitrep and the dashboard count
them, so the figures that are the same are the same cells: a day and destination's arrivals are
the sitrep's cell ``("field", "arrived", "day", DAY, "destination", SITE)``, declared equal to
the ``reached`` total here; the day's departures by sex and age band (the sitrep's table) are
declared between the registered and the arrived of all the day's destinations. Every difference
a reader can take is a cell of its own, so that it is protected like any count: the registered
who have not arrived (per destination, sex and band), and for the day the registered who have
not departed (held, no-shows) and the departed who have not arrived (on the road). A figure that
changed since it was released is a linked revision (:mod:`corridor.reports.revisions`), so
subtracting two releases gives away no small count either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from corridor.domain import AgeBand, Sex
from corridor.reports.disclosure import DisclosurePolicy, Key, Ledger, protect
from corridor.reports.revisions import RevisingBuilder
from corridor.reports.sitrep import FIELD

ROOT: Key = ("evacuation",)
"""The first label of the keys of these figures."""


class Measure(StrEnum):
    """What a figure counts."""

    AFFECTED = "affected"
    """Registered on the day's convoys to the destination (``#affected`` in HXL)."""
    REACHED = "reached"
    """Of those, arrived at the destination (``#reached`` in HXL)."""


Cell = tuple[Measure, Sex | None, AgeBand | None]
"""A figure of a day and destination: measure, sex (None: both) and age band (None: all)."""

MARGINS: tuple[tuple[Sex | None, AgeBand | None], ...] = tuple(
    (sex, band) for sex in (None, *Sex) for band in (None, *AgeBand))
"""Every (sex, band) of a table, its margins and grand total included (None: all)."""

CELLS: tuple[Cell, ...] = tuple((measure, sex, band) for measure in Measure
                                for sex, band in MARGINS)
"""Every figure of a day and destination."""


@dataclass(frozen=True, slots=True)
class Traveller:
    """One person's place in the figures: day and destination, sex, band, how far they got."""

    day: date
    destination: str
    sex: Sex
    band: AgeBand
    departed: bool
    arrived: bool


@dataclass(frozen=True, slots=True)
class DestinationDay:
    """The true counts of one day and destination (every cell, zeros included)."""

    day: date
    destination: str
    counts: Mapping[Cell, int]


@dataclass(frozen=True, slots=True)
class Tally:
    """The true counts: each day and destination, and each day's departures by sex and band."""

    rows: tuple[DestinationDay, ...]
    departed: Mapping[date, Mapping[tuple[Sex | None, AgeBand | None], int]]


@dataclass(frozen=True, slots=True)
class PublicDestinationDay:
    """The figures of one day and destination as they may be published (None: withheld)."""

    day: date
    destination: str
    figures: Mapping[Cell, int | None]


@dataclass(frozen=True, slots=True)
class PublicFigures:
    """A release: its rows, the threshold, the ledger to keep, and any exposed hidden cell."""

    rows: tuple[PublicDestinationDay, ...]
    threshold: int
    ledger: Ledger
    exposed: tuple[Key, ...]

    @property
    def withheld(self) -> int:
        """How many figures of the rows are withheld."""
        return sum(value is None for row in self.rows for value in row.figures.values())


def _zeros() -> dict[tuple[Sex | None, AgeBand | None], int]:
    return dict.fromkeys(MARGINS, 0)


def tally(travellers: Iterable[Traveller]) -> Tally:
    """Every figure of every day and destination someone travels, by day then destination."""
    counts: dict[tuple[date, str], dict[Cell, int]] = {}
    departed: dict[date, dict[tuple[Sex | None, AgeBand | None], int]] = {}
    for person in travellers:
        cells = counts.get((person.day, person.destination))
        if cells is None:
            cells = counts[(person.day, person.destination)] = dict.fromkeys(CELLS, 0)
        left = departed.get(person.day)
        if left is None:
            left = departed[person.day] = _zeros()
        for sex in (None, person.sex):
            for band in (None, person.band):
                cells[(Measure.AFFECTED, sex, band)] += 1
                if person.arrived:
                    cells[(Measure.REACHED, sex, band)] += 1
                if person.departed or person.arrived:
                    left[(sex, band)] += 1
    rows = tuple(DestinationDay(day, destination, MappingProxyType(cells))
                 for (day, destination), cells in sorted(counts.items()))
    return Tally(rows, MappingProxyType({day: MappingProxyType(cells)
                                         for day, cells in sorted(departed.items())}))


def _margin_key(prefix: Key, sex: Sex | None, band: AgeBand | None) -> Key:
    key = prefix
    if sex is not None:
        key += ("sex", sex.value)
    if band is not None:
        key += ("age", band.value)
    return key


def figure_key(day: date, destination: str, cell: Cell) -> Key:
    """The base disclosure key of a figure (its released key may be a revision of it)."""
    measure, sex, band = cell
    return _margin_key((*ROOT, "day", day.isoformat(), "destination", destination,
                        measure.value), sex, band)


def arrivals_key(day: date, destination: str) -> Key:
    """The sitrep's key of the arrivals of a day's convoys at a destination."""
    return (*FIELD, "arrived", "day", day.isoformat(), "destination", destination)


def departures_key(day: date, sex: Sex | None = None, band: AgeBand | None = None) -> Key:
    """The sitrep's key of the departures of a day's convoys (by sex and band)."""
    return _margin_key((*FIELD, "departed", "day", day.isoformat()), sex, band)


def _table(builder: RevisingBuilder, prefix: Key,
           counts: Mapping[tuple[Sex | None, AgeBand | None], int]) -> None:
    builder.add_table(prefix, ("sex", [s.value for s in Sex]),
                      ("age", [b.value for b in AgeBand]),
                      {(sex.value, band.value): counts[(sex, band)]
                       for sex in Sex for band in AgeBand})


def _declare(builder: RevisingBuilder, row: DestinationDay) -> None:
    """A day and destination's two tables (sex by age band); the registered who have not
    arrived, cell by cell; the arrivals as the sitrep's cell."""
    day, destination = row.day, row.destination
    for measure in Measure:
        _table(builder, figure_key(day, destination, (measure, None, None)),
               {(sex, band): row.counts[(measure, sex, band)] for sex, band in MARGINS})
    for sex, band in MARGINS:
        registered = figure_key(day, destination, (Measure.AFFECTED, sex, band))
        arrived = figure_key(day, destination, (Measure.REACHED, sex, band))
        missing = builder.add_cell(
            _margin_key((*ROOT, "day", day.isoformat(), "destination", destination,
                         "not_arrived"), sex, band),
            row.counts[(Measure.AFFECTED, sex, band)] - row.counts[(Measure.REACHED, sex, band)])
        builder.add_relation(registered, [arrived, missing])
    total = row.counts[(Measure.REACHED, None, None)]
    builder.add_relation(builder.add_cell(arrivals_key(day, destination), total),
                         [figure_key(day, destination, (Measure.REACHED, None, None))])


def _declare_day(builder: RevisingBuilder, day: date, rows: Sequence[DestinationDay],
                 departed: Mapping[tuple[Sex | None, AgeBand | None], int]) -> None:
    """The day's departures (the sitrep's table) between the registered and the arrived of
    every destination: registered = departed + not departed, departed = arrived + on the road.
    """
    _table(builder, departures_key(day), departed)
    label = day.isoformat()
    for sex, band in MARGINS:
        registered = sum(row.counts[(Measure.AFFECTED, sex, band)] for row in rows)
        arrived = sum(row.counts[(Measure.REACHED, sex, band)] for row in rows)
        left = departed[(sex, band)]
        everyone = builder.add_cell(_margin_key((*ROOT, "day", label, "registered"), sex, band),
                                    registered)
        builder.add_relation(everyone, [figure_key(day, row.destination,
                                                   (Measure.AFFECTED, sex, band))
                                        for row in rows])
        stayed = builder.add_cell(_margin_key((*ROOT, "day", label, "not_departed"), sex,
                                              band), registered - left)
        builder.add_relation(everyone, [departures_key(day, sex, band), stayed])
        road = builder.add_cell(_margin_key((*ROOT, "day", label, "on_the_road"), sex, band),
                                left - arrived)
        builder.add_relation(departures_key(day, sex, band),
                             [*(figure_key(day, row.destination, (Measure.REACHED, sex, band))
                                for row in rows), road])


def protect_figures(counted: Tally, policy: DisclosurePolicy, ledger: Ledger) -> PublicFigures:
    """The figures of ``counted`` that may be published, given what ``ledger`` says is public.

    Pure and deterministic: the same counts, policy and ledger give the same figures.
    """
    builder = RevisingBuilder(ledger)
    by_day: dict[date, list[DestinationDay]] = {}
    for row in counted.rows:
        _declare(builder, row)
        by_day.setdefault(row.day, []).append(row)
    for day, rows in by_day.items():
        _declare_day(builder, day, rows, counted.departed[day])
    result = protect(builder.build(), policy, ledger)
    public = []
    for row in counted.rows:
        figures = {cell: result.value(builder.key(figure_key(row.day, row.destination, cell)))
                   for cell in CELLS}
        public.append(PublicDestinationDay(row.day, row.destination, MappingProxyType(figures)))
    return PublicFigures(tuple(public), result.threshold, result.ledger, result.exposed)
