"""Statistical disclosure control for every figure shown to monitors or the public.

A report declares the figures of one release (:class:`ReleaseBuilder`): cells with integer counts
of people, keyed by tuples of labels, and the additive relations between them (a total is the
sum of its parts; a subset is at most its whole). :func:`protect` decides which cells are shown,
taking what earlier releases published (the :class:`Ledger`) as known to everybody, and returns
the figures with the ledger to keep. :func:`recoverable_cells` is the attacker's audit: from the
published figures and the relations alone, which hidden cells are determined.

The rule (docs/disclosure.md gives the reasons and the limits), for a threshold ``t`` (at least 5,
raised never lowered):

1. Primary: a cell with ``0 < count < t`` is never published. Zeros are published.
2. Everything published stays published: a cell shown by an earlier release is shown again with
   the same value, one hidden before stays hidden.
3. For every hidden cell, over all the relations of every release so far, with every published
   figure fixed and every cell non-negative, the set of tables an attacker cannot rule out
   contains two whose value of that cell differs by at least one (so it is never recovered by
   subtraction); for a primary cell ``c`` one of them has ``c`` at least ``min(t, cap)``,
   where ``cap`` is the most ``c`` could be given only what was published before this release
   (so the attacker cannot tell that it is small unless earlier figures already bound it).
4. Secondary cells are chosen to satisfy 3 hiding the fewest people: one linear programme per
   cell to protect, whose cost is the people of each newly hidden cell (plus a thousandth per
   cell, so no cell is free), over the relations near the cell first, the whole connected part
   when that is not enough. It is a heuristic, not a proven minimum; it is deterministic.

Each protection is proven by a witness: a second table, consistent with everything published,
where the protected cell has another value; the witnesses are what :func:`protect` checks, the
audit (:func:`feasible_bounds`) recomputes the bounds independently with its own programmes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

import highspy
import numpy as np

from corridor.domain.errors import InvalidValue

Key = tuple[str, ...]
"""A cell's identity: labels, e.g. ("day", "2017-03-18", "destination", "Jarablus")."""

MINIMUM_THRESHOLD = 5
"""No cell of fewer than this many people is ever published; a policy can only raise it."""

LEDGER_FORMAT = "corridor-disclosure-ledger"
LEDGER_VERSION = 1

_TOLERANCE = 1e-6
_CELL_COST = 1e-3  # per unit moved, on top of the people: no cell, zeros included, is free
_RADII = (2, 4)  # relation hops around a cell tried before its whole connected part


class Suppression(StrEnum):
    """Why a cell is not published."""

    PRIMARY = "primary"
    """It counts fewer people than the threshold (but some)."""
    SECONDARY = "secondary"
    """It is hidden so that no primary cell can be recovered by subtraction."""


def _check_key(key: object, what: str) -> Key:
    if not isinstance(key, tuple) or not all(isinstance(label, str) for label in key):
        raise InvalidValue(f"{what} must be a tuple of text labels, not {key!r}", "key")
    return key


def _check_count(key: Key, count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InvalidValue(f"cell {key} must count a whole number of people of 0 or more, "
                           f"not {count!r}", "count")
    return count


@dataclass(frozen=True, slots=True)
class Relation:
    """``total`` is the sum of ``parts``; or, when ``exact`` is false, at least their sum.

    An inexact relation says the parts are a subset of the whole (children among the people of a
    convoy): an attacker knows that too, and it narrows what a hidden cell can be.
    """

    total: Key
    parts: tuple[Key, ...]
    exact: bool = True

    def __post_init__(self) -> None:
        _check_key(self.total, "a relation's total")
        for part in self.parts:
            _check_key(part, "a relation's part")
        if not self.parts:
            raise InvalidValue(f"the relation of {self.total} has no parts; give at least one",
                               "parts")
        if len(set(self.parts)) != len(self.parts) or self.total in self.parts:
            raise InvalidValue(f"the relation of {self.total} names a cell twice; each cell "
                               "may appear once", "parts")

    @property
    def keys(self) -> tuple[Key, ...]:
        """The total, then the parts."""
        return (self.total, *self.parts)

    def canonical(self) -> Relation:
        """The same relation with its parts in key order (so equal relations compare equal)."""
        return Relation(self.total, tuple(sorted(self.parts)), self.exact)

    def terms(self) -> tuple[tuple[Key, float], ...]:
        """The relation as ``sum(coefficient * cell) == 0`` (or ``>= 0`` when inexact)."""
        return ((self.total, 1.0), *((part, -1.0) for part in self.parts))


@dataclass(frozen=True, slots=True)
class Release:
    """The figures one report wants to show: true counts, and how they add up.

    Every relation names cells of this release only (a series continuing yesterday's declares
    yesterday's cumulative figure again); each relation must hold for the counts.
    """

    counts: Mapping[Key, int]
    relations: tuple[Relation, ...]

    def __post_init__(self) -> None:
        for key, count in self.counts.items():
            _check_count(_check_key(key, "a cell's key"), count)
        for relation in self.relations:
            _check_relation_holds(relation, self.counts, self.counts)


def _check_relation_holds(relation: Relation, counts: Mapping[Key, int],
                          named: Mapping[Key, object]) -> None:
    for key in relation.keys:
        if key not in named:
            raise InvalidValue(f"the relation of {relation.total} names cell {key}, which has no "
                               "count; declare the cell first", "relations")
    if not all(key in counts for key in relation.keys):
        return
    total = counts[relation.total]
    parts = sum(counts[part] for part in relation.parts)
    if (relation.exact and total != parts) or (not relation.exact and total < parts):
        sign = "=" if relation.exact else ">="
        raise InvalidValue(f"cell {relation.total} counts {total} but its parts add up to "
                           f"{parts}; the relation total {sign} sum of parts must hold",
                           "relations")


class TableShapes:
    """The shapes a release is declared in (a subset, a one-way and a two-way table, a daily
    series), written once over a builder's :meth:`add_cell` and :meth:`add_relation`; shared by
    :class:`ReleaseBuilder` and :class:`corridor.reports.revisions.RevisingBuilder`."""

    def add_cell(self, key: Key, count: int) -> Key:
        """Declare one figure; returns its key."""
        raise NotImplementedError

    def add_relation(self, total: Key, parts: Iterable[Key], *, exact: bool = True) -> None:
        """Declare that ``total`` is the sum of ``parts`` (at least their sum if not ``exact``)."""
        raise NotImplementedError

    def add_subset(self, part: Key, whole: Key) -> None:
        """Declare that ``part`` counts some of the people of ``whole`` (children of a convoy)."""
        self.add_relation(whole, (part,), exact=False)

    def add_breakdown(self, total: Key, dimension: str, counts: Mapping[str, int]) -> Key:
        """A one-way table: ``total + (dimension, label)`` for each label, and their total.

        The total's count is the sum of the parts; returns its key.
        """
        parts = [self.add_cell((*total, dimension, label), count)
                 for label, count in counts.items()]
        self.add_cell(total, sum(counts.values()))
        self.add_relation(total, parts)
        return total

    def add_table(self, prefix: Key, rows: tuple[str, Sequence[str]],
                  columns: tuple[str, Sequence[str]], counts: Mapping[tuple[str, str], int]
                  ) -> Key:
        """A two-way table with its row, column and grand totals; returns the grand total's key.

        ``rows`` and ``columns`` are a dimension and its labels, e.g. ``("sex", ["female",
        "male"])``; ``counts`` maps (row label, column label) to people, missing pairs are 0.
        Cells are ``prefix + (row dimension, row, column dimension, column)``; a row's total is
        ``prefix + (row dimension, row)``, a column's ``prefix + (column dimension, column)``,
        the grand total ``prefix``.
        """
        row_dimension, row_labels = rows
        column_dimension, column_labels = columns
        unknown = set(counts) - {(r, c) for r in row_labels for c in column_labels}
        if unknown:
            raise InvalidValue(f"the table {prefix} has counts for {sorted(unknown)[0]}, which is "
                               "not one of its rows and columns", "counts")
        row_totals = []
        for row in row_labels:
            parts = [self.add_cell((*prefix, row_dimension, row, column_dimension, column),
                                   counts.get((row, column), 0)) for column in column_labels]
            row_totals.append(self.add_cell(
                (*prefix, row_dimension, row),
                sum(counts.get((row, column), 0) for column in column_labels)))
            self.add_relation(row_totals[-1], parts)
        column_totals = []
        for column in column_labels:
            parts = [(*prefix, row_dimension, row, column_dimension, column)
                     for row in row_labels]
            column_totals.append(self.add_cell(
                (*prefix, column_dimension, column),
                sum(counts.get((row, column), 0) for row in row_labels)))
            self.add_relation(column_totals[-1], parts)
        self.add_cell(prefix, sum(counts.values()))
        self.add_relation(prefix, row_totals)
        self.add_relation(prefix, column_totals)
        return prefix

    def add_series(self, prefix: Key, daily: Sequence[tuple[str, int]], *,
                   before: tuple[str, int] | None = None, period: str = "day",
                   cumulative: str = "up_to") -> tuple[Key, ...]:
        """A daily series and its running total; returns the cumulative keys.

        ``daily`` is (period label, people) in order; each period has ``prefix + (period,
        label)`` and ``prefix + (cumulative, label)``, the latter the sum of every period so far.
        ``before`` is the last period of an earlier release with its cumulative count, so that
        a release of today alone chains to yesterday's: cumulative today = cumulative yesterday
        + today. Without it the series starts from nothing.
        """
        running = 0
        previous: Key | None = None
        if before is not None:
            label, running = before
            previous = self.add_cell((*prefix, cumulative, label), running)
        keys = []
        for label, count in daily:
            day = self.add_cell((*prefix, period, label), count)
            running += count
            total = self.add_cell((*prefix, cumulative, label), running)
            self.add_relation(total, (day,) if previous is None else (previous, day))
            keys.append(total)
            previous = total
        return tuple(keys)


class ReleaseBuilder(TableShapes):
    """Collects the cells and relations of one release; :meth:`build` freezes them.

    Builders for the common shapes name their cells from a ``prefix`` (the cell that is their
    grand total) followed by pairs of dimension and label, so that tables sharing a figure share
    its key and their relations connect: a two-way table's grand total ``prefix`` can be the
    daily figure of a series. Declaring a key twice with the same count is how tables share a
    total; with another count it raises :class:`InvalidValue`.
    """

    def __init__(self) -> None:
        self._counts: dict[Key, int] = {}
        self._relations: dict[Relation, None] = {}

    def add_cell(self, key: Key, count: int) -> Key:
        """Declare one figure; returns its key."""
        key = _check_key(key, "a cell's key")
        count = _check_count(key, count)
        known = self._counts.get(key)
        if known is not None and known != count:
            raise InvalidValue(f"cell {key} is declared as {known} and as {count}; a figure "
                               "shared by two tables must have one count", "count")
        self._counts[key] = count
        return key

    def add_relation(self, total: Key, parts: Iterable[Key], *, exact: bool = True) -> None:
        """Declare that ``total`` is the sum of ``parts`` (at least their sum if not ``exact``)."""
        self._relations[Relation(total, tuple(parts), exact)] = None

    def build(self) -> Release:
        """The release, frozen."""
        return Release(MappingProxyType(dict(self._counts)), tuple(self._relations))


@dataclass(frozen=True, slots=True)
class DisclosurePolicy:
    """No published cell counts between 1 and ``threshold - 1`` people."""

    threshold: int = MINIMUM_THRESHOLD

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int):
            raise InvalidValue(f"the disclosure threshold must be a whole number, not "
                               f"{self.threshold!r}", "threshold")
        if self.threshold < MINIMUM_THRESHOLD:
            raise InvalidValue(f"the disclosure threshold is {self.threshold}, below the minimum "
                               f"of {MINIMUM_THRESHOLD}; a threshold can only be raised, never "
                               "lowered", "threshold")


@dataclass(frozen=True, slots=True)
class LedgerCell:
    """A cell of an earlier release: its true count, and why it was hidden (None: published).

    The ledger holds the true counts of hidden cells too: it is confidential, kept by the store,
    never shown. What the public knows is :attr:`Ledger.published` and :attr:`Ledger.relations`.
    """

    value: int
    suppression: Suppression | None


@dataclass(frozen=True, slots=True)
class Ledger:
    """What the releases of one operation have made public so far, and the highest threshold."""

    threshold: int = MINIMUM_THRESHOLD
    cells: Mapping[Key, LedgerCell] = field(default_factory=lambda: MappingProxyType({}))
    relations: tuple[Relation, ...] = ()

    @property
    def published(self) -> dict[Key, int]:
        """Every figure published so far, with its value."""
        return {key: cell.value for key, cell in self.cells.items() if cell.suppression is None}

    @property
    def suppressed(self) -> dict[Key, Suppression]:
        """Every cell hidden so far, with why."""
        return {key: cell.suppression for key, cell in self.cells.items()
                if cell.suppression is not None}

    def to_json(self) -> dict[str, object]:
        """Plain data (dicts, lists, strings, numbers) for ``json.dumps``; keys in order."""
        return {
            "format": LEDGER_FORMAT,
            "version": LEDGER_VERSION,
            "threshold": self.threshold,
            "cells": [{"key": list(key), "value": cell.value,
                       "suppression": None if cell.suppression is None
                       else cell.suppression.value}
                      for key, cell in sorted(self.cells.items())],
            "relations": [{"total": list(relation.total),
                           "parts": [list(part) for part in relation.parts],
                           "exact": relation.exact} for relation in self.relations],
        }

    @classmethod
    def from_json(cls, data: object) -> Ledger:
        """The ledger :meth:`to_json` wrote; anything else raises :class:`InvalidValue`."""
        try:
            return _ledger_from_json(data)
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, InvalidValue):
                raise
            raise InvalidValue(f"the disclosure ledger is damaged: {error!r}", "ledger") from None


def _key_from_json(value: object) -> Key:
    if not isinstance(value, list):
        raise InvalidValue(f"a key in the disclosure ledger must be a list, not {value!r}", "key")
    return _check_key(tuple(value), "a key in the disclosure ledger")


def _ledger_from_json(data: object) -> Ledger:
    if not isinstance(data, dict) or data.get("format") != LEDGER_FORMAT:
        raise InvalidValue("this is not a corridor disclosure ledger", "ledger")
    if data.get("version") != LEDGER_VERSION:
        raise InvalidValue(f"disclosure ledger version {data.get('version')!r} is not "
                           f"{LEDGER_VERSION}, the only one this version reads", "ledger")
    threshold = DisclosurePolicy(data["threshold"]).threshold
    cells: dict[Key, LedgerCell] = {}
    for item in data["cells"]:
        key = _key_from_json(item["key"])
        reason = item["suppression"]
        cells[key] = LedgerCell(_check_count(key, item["value"]),
                                None if reason is None else Suppression(reason))
    relations = []
    values = {k: c.value for k, c in cells.items()}
    for item in data["relations"]:
        exact = item["exact"]
        if not isinstance(exact, bool):
            raise InvalidValue("a relation's 'exact' must be true or false", "ledger")
        relation = Relation(_key_from_json(item["total"]),
                            tuple(_key_from_json(part) for part in item["parts"]), exact)
        _check_relation_holds(relation, values, cells)
        relations.append(relation)
    return Ledger(threshold, MappingProxyType(cells), tuple(relations))


@dataclass(frozen=True, slots=True)
class Figure:
    """One cell as a report may show it: ``value`` is None when the cell is hidden."""

    key: Key
    value: int | None
    suppression: Suppression | None


@dataclass(frozen=True, slots=True)
class ProtectedRelease:
    """What a release may show, and the ledger to keep for the next one.

    ``exposed`` lists hidden cells that no choice of this release can protect because what was
    published before already determines them (relations declared after the fact); they stay
    hidden, and a non-empty list is a defect of earlier releases to look into.
    """

    figures: Mapping[Key, Figure]
    relations: tuple[Relation, ...]
    threshold: int
    ledger: Ledger
    exposed: tuple[Key, ...] = ()

    def value(self, key: Key) -> int | None:
        """The published value of ``key``, or None when it is hidden."""
        return self.figures[key].value

    @property
    def published(self) -> dict[Key, int]:
        """The cells of this release that are shown, with their values."""
        return {key: figure.value for key, figure in self.figures.items()
                if figure.value is not None}

    @property
    def suppressed(self) -> dict[Key, Suppression]:
        """The cells of this release that are hidden, with why."""
        return {key: figure.suppression for key, figure in self.figures.items()
                if figure.suppression is not None}


@dataclass(frozen=True, slots=True)
class Bounds:
    """The least and the most a hidden cell can be given what is published (``inf``: no most)."""

    low: float
    high: float

    @property
    def integers(self) -> int:
        """How many whole numbers lie between the bounds (capped at 2: 'more than one')."""
        if math.isinf(self.high):
            return 2
        return max(0, min(2, math.floor(self.high + _TOLERANCE)
                          - math.ceil(self.low - _TOLERANCE) + 1))

    @property
    def determined(self) -> bool:
        """True when only one whole number is possible: the cell is recovered."""
        return self.integers <= 1

    @property
    def value(self) -> int | None:
        """The recovered value, or None when the cell is not determined."""
        return math.ceil(self.low - _TOLERANCE) if self.determined else None


def _solver() -> highspy._core._Highs:
    # The core class: the highspy.Highs wrapper prints a banner before output can be turned off.
    solver = highspy._core._Highs()
    for name, value in (("output_flag", False), ("threads", 1), ("random_seed", 0),
                        ("presolve", "off")):
        solver.setOptionValue(name, value)
    return solver


_SETTLED = (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnbounded)


def _solve(solver: highspy._core._Highs) -> highspy.HighsModelStatus:
    """Run the solver; once more from scratch when a warm start ends unsure (it can, on
    unbounded programmes)."""
    solver.run()
    status = solver.getModelStatus()
    if status not in _SETTLED:
        solver.clearSolver()
        solver.run()
        status = solver.getModelStatus()
    return status


def _load(solver: highspy._core._Highs, costs: list[float], lower: list[float],
          upper: list[float], rows: list[tuple[list[tuple[int, float]], float, float]]) -> None:
    # highspy.kHighsInf is math.inf: unbounded sides pass through as they are.
    solver.addCols(len(costs), np.array(costs), np.array(lower), np.array(upper), 0,
                   np.array([], dtype=np.int32), np.array([], dtype=np.int32),
                   np.array([], dtype=np.float64))
    starts: list[int] = []
    indices: list[int] = []
    values: list[float] = []
    for terms, _low, _high in rows:
        starts.append(len(indices))
        for index, value in terms:
            indices.append(index)
            values.append(value)
    solver.addRows(len(rows), np.array([low for _, low, _ in rows]),
                   np.array([high for _, _, high in rows]), len(indices),
                   np.array(starts, dtype=np.int32), np.array(indices, dtype=np.int32),
                   np.array(values, dtype=np.float64))


def _components(cells: Sequence[Key], relations: Sequence[Relation]) -> dict[Key, int]:
    """Each cell's connected part through the relations (numbered in key order)."""
    parent = {cell: cell for cell in cells}

    def root(cell: Key) -> Key:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for relation in relations:
        members = [key for key in relation.keys if key in parent]
        for other in members[1:]:
            a, b = root(members[0]), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    numbers: dict[Key, int] = {}
    return {cell: numbers.setdefault(root(cell), len(numbers)) for cell in sorted(cells)}


def feasible_bounds(published: Mapping[Key, int], relations: Iterable[Relation]
                    ) -> dict[Key, Bounds]:
    """The attacker's view: the least and most each unpublished cell of the relations can be.

    Linear programmes over the relations with the published figures fixed and every cell
    non-negative, one pair per unpublished cell. Raises :class:`InvalidValue` when the published
    figures contradict the relations.
    """
    relation_list = sorted({relation.canonical() for relation in relations},
                           key=lambda r: (r.total, r.parts, r.exact))
    unknown = sorted({key for relation in relation_list for key in relation.keys
                      if key not in published})
    component = _components(unknown, relation_list)
    members: dict[int, list[Key]] = defaultdict(list)
    for key in unknown:
        members[component[key]].append(key)
    touching: dict[int, list[Relation]] = defaultdict(list)
    for relation in relation_list:
        free = [key for key in relation.keys if key not in published]
        if free:
            touching[component[free[0]]].append(relation)
        else:
            _check_relation_holds(relation, published, published)
    bounds: dict[Key, Bounds] = {}
    for number, keys in members.items():
        column = {key: index for index, key in enumerate(keys)}
        rows = []
        for relation in touching[number]:
            known = sum(coefficient * published[key] for key, coefficient in relation.terms()
                        if key in published)
            terms = [(column[key], coefficient) for key, coefficient in relation.terms()
                     if key in column]
            rows.append((terms, -known, -known if relation.exact else math.inf))
        solver = _solver()
        _load(solver, [0.0] * len(keys), [0.0] * len(keys), [math.inf] * len(keys), rows)
        for key, index in column.items():
            low = _extreme(solver, index, len(keys), 1.0)
            high = _extreme(solver, index, len(keys), -1.0)
            bounds[key] = Bounds(low, -high)
    return bounds


def _extreme(solver: highspy._core._Highs, index: int, count: int, sign: float) -> float:
    costs = np.zeros(count)
    costs[index] = sign
    solver.changeColsCost(count, np.arange(count, dtype=np.int32), costs)
    status = _solve(solver)
    if status == highspy.HighsModelStatus.kOptimal:
        return float(solver.getInfo().objective_function_value)
    if status == highspy.HighsModelStatus.kUnbounded and sign < 0:
        return -math.inf
    raise InvalidValue("the published figures contradict the relations declared between them",
                       "relations")


def recoverable_cells(published: Mapping[Key, int], relations: Iterable[Relation]
                      ) -> dict[Key, int]:
    """The unpublished cells whose value the published figures and relations determine.

    Give it everything published so far (all releases) and every relation declared; an empty
    answer means no hidden cell can be recovered by adding and subtracting published figures.
    """
    return {key: bound.value for key, bound in feasible_bounds(published, relations).items()
            if bound.value is not None}


class _Protection:
    """The state of one :func:`protect`: true counts, hidden cells, witnesses."""

    def __init__(self, truth: dict[Key, int], fixed: set[Key], relations: list[Relation],
                 threshold: int) -> None:
        self.truth = truth
        self.fixed = fixed
        self.relations = relations
        self.threshold = threshold
        self.free = sorted(key for key in truth if key not in fixed)
        self.component = _components(self.free, relations)
        self.component_size: dict[int, int] = defaultdict(int)
        for number in self.component.values():
            self.component_size[number] += 1
        self.relations_of: dict[Key, list[int]] = defaultdict(list)
        for index, relation in enumerate(relations):
            for key in relation.keys:
                self.relations_of[key].append(index)
        self.suppressed: dict[Key, Suppression] = {}
        self.most_up: dict[Key, float] = defaultdict(float)
        self.most_down: dict[Key, float] = defaultdict(float)
        self.exposed: list[Key] = []

    def neighbourhood(self, cell: Key, radius: int | None) -> list[Key]:
        """Free cells within ``radius`` relation hops of ``cell`` (None: its connected part)."""
        seen = {cell}
        frontier = [cell]
        hops = 0
        while frontier and (radius is None or hops < radius):
            hops += 1
            following = []
            for key in frontier:
                for index in self.relations_of[key]:
                    for other in self.relations[index].keys:
                        if other not in seen and other not in self.fixed:
                            seen.add(other)
                            following.append(other)
            frontier = following
        return sorted(seen)

    def move(self, cell: Key, target: float | None, keys: list[Key]
             ) -> dict[Key, float] | None:
        """A change of the hidden cells that keeps every relation and published figure.

        ``target`` is the change of ``cell`` (None: as far up as possible); the other cells
        among ``keys`` change as cheaply as possible (people of newly hidden cells), the rest
        not at all. None when there is no such change.
        """
        column = {key: index for index, key in enumerate(keys)}
        costs: list[float] = []
        lower: list[float] = []
        upper: list[float] = []
        for key in keys:  # columns 2i (up) and 2i + 1 (down)
            weight = (0.0 if target is None or key in self.suppressed
                      else self.truth[key] + _CELL_COST)
            costs += [weight, weight]
            lower += [0.0, 0.0]
            upper += [math.inf, float(self.truth[key])]
        at = column[cell]
        if target is None:
            costs[2 * at], costs[2 * at + 1] = -1.0, 1.0
        elif target > 0:
            lower[2 * at] = upper[2 * at] = target
            upper[2 * at + 1] = 0.0
        else:
            upper[2 * at] = 0.0
            lower[2 * at + 1] = upper[2 * at + 1] = -target
        rows = []
        for index in sorted({i for key in keys for i in self.relations_of[key]}):
            relation = self.relations[index]
            terms = []
            slack = 0.0
            for key, coefficient in relation.terms():
                slack += coefficient * self.truth[key]
                if key in column:
                    terms += [(2 * column[key], coefficient), (2 * column[key] + 1, -coefficient)]
            rows.append((terms, -slack if not relation.exact else 0.0,
                         0.0 if relation.exact else math.inf))
        solver = _solver()
        _load(solver, costs, lower, upper, rows)
        status = _solve(solver)
        if status == highspy.HighsModelStatus.kUnbounded and target is None:
            return {cell: math.inf}
        if status != highspy.HighsModelStatus.kOptimal:
            return None
        values = list(solver.getSolution().col_value)
        return {key: values[2 * i] - values[2 * i + 1] for key, i in column.items()
                if abs(values[2 * i] - values[2 * i + 1]) > _TOLERANCE}

    def shift(self, cell: Key, target: float) -> bool:
        """Find a change of ``target`` for ``cell``, hide what it moves; False if impossible."""
        whole = self.component_size[self.component[cell]]
        for radius in (*_RADII, None):
            keys = self.neighbourhood(cell, radius)
            if radius is not None and len(keys) == whole:
                continue
            change = self.move(cell, target, keys)
            if change is not None:
                self.record(change)
                return True
        return False

    def record(self, change: dict[Key, float]) -> None:
        """Keep ``change`` as a witness and hide every cell it moves."""
        for key, amount in change.items():
            self.most_up[key] = max(self.most_up[key], amount)
            self.most_down[key] = min(self.most_down[key], amount)
            if key not in self.suppressed:
                self.suppressed[key] = (Suppression.PRIMARY if 0 < self.truth[key]
                                        < self.threshold else Suppression.SECONDARY)

    def protect_cell(self, cell: Key) -> None:
        """Make ``cell`` unrecoverable, and at least ``min(t, cap)`` possible if it is small."""
        value = self.truth[cell]
        if 0 < value < self.threshold:
            wanted = self.threshold - value
            if self.most_up[cell] >= wanted - _TOLERANCE or self.shift(cell, wanted):
                return
            furthest = self.move(cell, None, self.neighbourhood(cell, None))
            room = 0 if furthest is None else math.floor(furthest.get(cell, 0.0) + _TOLERANCE)
            if room >= 1:
                if self.most_up[cell] < room - _TOLERANCE and not self.shift(cell, room):
                    self.exposed.append(cell)
                return
        if self.most_up[cell] >= 1 - _TOLERANCE or self.most_down[cell] <= -1 + _TOLERANCE:
            return
        if not (self.shift(cell, 1.0) or (value >= 1 and self.shift(cell, -1.0))):
            self.exposed.append(cell)


def _merge_relations(*groups: Iterable[Relation]) -> list[Relation]:
    merged = {relation.canonical() for group in groups for relation in group}
    return sorted(merged, key=lambda r: (r.total, r.parts, r.exact))


def protect(release: Release, policy: DisclosurePolicy, ledger: Ledger) -> ProtectedRelease:
    """Decide which cells of ``release`` may be shown, given what ``ledger`` says is public.

    Pure and deterministic: the same release, policy and ledger give the same figures,
    whatever the order the cells were declared in. Raises :class:`InvalidValue` when the
    policy's threshold is below the ledger's, or a figure published before has changed.
    """
    threshold = policy.threshold
    if threshold < ledger.threshold:
        raise InvalidValue(f"this operation has published with a disclosure threshold of "
                           f"{ledger.threshold}; a threshold can only be raised, never lowered, "
                           f"so {threshold} is refused", "threshold")
    truth = {key: cell.value for key, cell in ledger.cells.items()}
    for key, count in release.counts.items():
        if key in truth and truth[key] != count:
            raise InvalidValue(f"cell {key} was released as {truth[key]} and is now {count}; a "
                               "released figure cannot change (give a corrected figure a new "
                               "key)", "counts")
        truth[key] = count
    for relation in release.relations:
        _check_relation_holds(relation, truth, truth)
    relations = _merge_relations(ledger.relations, release.relations)
    fixed = set(ledger.published)
    state = _Protection(truth, fixed, relations, threshold)
    for key, reason in ledger.suppressed.items():
        state.suppressed[key] = (Suppression.PRIMARY if 0 < truth[key] < threshold
                                 else reason)
    for key in sorted(release.counts):
        if key not in fixed and key not in state.suppressed and 0 < truth[key] < threshold:
            state.suppressed[key] = Suppression.PRIMARY
    # Only the connected parts that this release changes need protecting again; all of them
    # when the threshold rises (every earlier primary cell must reach the new one).
    old_relations = {relation.canonical() for relation in ledger.relations}
    changed = {key for key in release.counts if key not in ledger.cells}
    changed |= {key for relation in release.relations if relation.canonical() not in
                old_relations for key in relation.keys}
    touched = {state.component[key] for key in changed if key in state.component}
    if threshold > ledger.threshold:
        touched = set(state.component.values())
    done: set[Key] = set()
    while True:
        todo = sorted(key for key in state.suppressed
                      if key not in done and state.component[key] in touched)
        if not todo:
            break
        # Primary cells first: their protection is what secondary cells are chosen for.
        for key in sorted(todo, key=lambda k: state.suppressed[k] != Suppression.PRIMARY):
            done.add(key)
            state.protect_cell(key)
    figures = {}
    for key in sorted(release.counts):
        hidden = state.suppressed.get(key)
        figures[key] = Figure(key, truth[key] if hidden is None else None, hidden)
    cells = dict(ledger.cells)
    for key, figure in figures.items():
        cells[key] = LedgerCell(truth[key], figure.suppression)
    for key, reason in state.suppressed.items():
        cells[key] = LedgerCell(truth[key], reason)
    new_ledger = Ledger(threshold, MappingProxyType(dict(sorted(cells.items()))),
                        tuple(relations))
    return ProtectedRelease(MappingProxyType(figures), tuple(_merge_relations(release.relations)),
                            threshold, new_ledger, tuple(sorted(set(state.exposed))))
