"""One-dimensional packing: items of whole sizes into identical vehicles of one capacity.

For the planner this is seats: household sizes into buses of ``capacity`` seats. The one entry
point is ``pack(sizes, capacity, seed=0, effort=1.0)``; the bounds ``l1_bound`` and
``l2_bound`` (Martello and Toth's L2, also used by the planner's trip bounds) and the baseline
``first_fit_decreasing`` are public too.

``pack`` works in stages and stops as soon as a packing meets the best lower bound:

1. lower bounds L1 (total size over capacity) and L2;
2. first-fit and best-fit decreasing, then a short local search (below) towards the bounds;
3. column generation (Gilmore and Gomory's linear relaxation, solved with HiGHS, patterns
   priced by a knapsack): its value rounded up is a lower bound, usually the optimum;
4. a short local search that takes one vehicle away and swaps up to two items each way between
   vehicles until none is over capacity;
5. a dive on the relaxation: patterns it uses are fixed one after the other and the rest
   re-solved, down to a whole packing;
6. the rest of the local search's moves, then up to 40 more dives, each choosing among the largest
   values with the seeded generator, while the work limit allows.

Every limit is a count (simplex iterations, pricing rounds by their size, knapsack nodes, moves)
scaled by ``effort``, never a clock: the same sizes, capacity, seed and effort give the same
packing.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from math import ceil

import highspy
import numpy as np

EPSILON = 1e-6
WORK_LIMIT = 400_000
"""Rounds of the linear programme (each followed by a pricing) in all of one ``pack`` call,
dives included, at effort 1, each counted as the item sizes (rows) it has: a round's cost grows
with them."""
KNAPSACK_NODE_LIMIT = 300_000
"""Branch-and-bound nodes the pricing may use in all of one ``pack`` call, at effort 1, when the
capacity is too large for a table."""
TABLE_CAPACITY = 20_000
"""Capacities up to this are priced by dynamic programming over the capacity, larger ones by
branch and bound."""
SEARCH_MOVES = 4_000
"""Moves the local search may make, at effort 1."""
COLUMNS_A_ROUND = 8
"""Columns added to the linear programme after one pricing, at most."""
DIVES = 40
"""Dives after the first one, at effort 1, while the work limit allows."""
SIMPLEX_ITERATION_LIMIT = 50_000
SIMPLEX_STRATEGY = 4
"""HiGHS's primal simplex: added columns keep the last basis primal feasible."""


@dataclass(frozen=True, slots=True)
class PackingResult:
    """A packing and what is proven about it.

    ``bins`` lists, for each vehicle, the indices of the items in it (into the ``sizes`` given to
    ``pack``). ``lower_bound`` is the best proven lower bound on the vehicles any packing needs
    (L1, L2 or the rounded linear relaxation), ``l2_bound`` is Martello and Toth's L2 alone, and
    ``proven_optimal`` says that the packing uses ``lower_bound`` vehicles.
    """

    bins: list[list[int]]
    lower_bound: int
    l2_bound: int
    proven_optimal: bool

    @property
    def vehicles(self) -> int:
        """The number of vehicles the packing uses."""
        return len(self.bins)


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def l1_bound(sizes: Sequence[int], capacity: int) -> int:
    """The total size over the capacity, rounded up: no packing uses fewer vehicles."""
    return _ceil_div(sum(sizes), capacity)


def l2_bound(weights: Sequence[int], capacity: int) -> int:
    """Martello and Toth's L2 lower bound on the bins needed to pack ``weights``.

    For each alpha in 0..capacity/2: items above capacity - alpha need a bin each; items above
    capacity/2 need a bin each too; items from alpha to capacity/2 need whatever room is left in
    the second kind's bins, and more bins for the rest. Evaluated at every distinct weight, in
    O(n log n).
    """
    if not weights:
        return 0
    items = sorted(weights)
    if items[-1] > capacity:
        raise ValueError(f"an item of {items[-1]} does not fit a bin of {capacity}")
    prefix = [0, *accumulate(items)]
    n = len(items)
    half = capacity / 2
    above_half = n - bisect_right(items, half)  # items > capacity / 2
    candidates = {0, *(w for w in items if w <= half)}
    best = 0
    for alpha in candidates:
        j1_start = bisect_right(items, capacity - alpha)  # items > capacity - alpha
        j1 = n - j1_start
        j2_start = n - above_half
        j2 = j1_start - j2_start  # capacity/2 < w <= capacity - alpha
        j2_sum = prefix[j1_start] - prefix[j2_start]
        j3_start = bisect_left(items, alpha) if alpha > 0 else 0
        j3_sum = prefix[j2_start] - prefix[j3_start]  # alpha <= w <= capacity/2
        extra = max(0, _ceil_div(j3_sum - (j2 * capacity - j2_sum), capacity))
        best = max(best, j1 + j2 + extra)
    return best


def _check(sizes: Sequence[int], capacity: int) -> None:
    if capacity < 1:
        raise ValueError(f"the capacity must be at least 1, not {capacity}")
    for index, size in enumerate(sizes):
        if size < 1 or size > capacity:
            raise ValueError(f"item {index} has size {size}; sizes must be from 1 to the "
                             f"capacity {capacity}")


def _decreasing(sizes: Sequence[int]) -> list[int]:
    """Item indices by size, largest first (ties by index, so the order is deterministic)."""
    return sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))


def first_fit_decreasing(sizes: Sequence[int], capacity: int) -> list[list[int]]:
    """First-fit decreasing: each item, largest first, into the first vehicle it fits."""
    _check(sizes, capacity)
    bins: list[list[int]] = []
    room: list[int] = []
    for item in _decreasing(sizes):
        size = sizes[item]
        for index, left in enumerate(room):
            if left >= size:
                bins[index].append(item)
                room[index] -= size
                break
        else:
            bins.append([item])
            room.append(capacity - size)
    return bins


def best_fit_decreasing(sizes: Sequence[int], capacity: int) -> list[list[int]]:
    """Best-fit decreasing: each item, largest first, into the fullest vehicle it fits."""
    _check(sizes, capacity)
    bins: list[list[int]] = []
    room: list[int] = []
    for item in _decreasing(sizes):
        size = sizes[item]
        best = -1
        for index, left in enumerate(room):
            if size <= left and (best < 0 or left < room[best]):
                best = index
                if left == size:
                    break
        if best < 0:
            bins.append([item])
            room.append(capacity - size)
        else:
            bins[best].append(item)
            room[best] -= size
    return bins


# --- Column generation over item types ------------------------------------------------------------


@dataclass(slots=True)
class _Budget:
    """What is left of the deterministic limits of one ``pack`` call."""

    work: int  # rounds of the linear programme, each counted as its rows
    moves: int
    nodes: int


class _Types:
    """Items grouped by size: the column generation works on sizes and how many of each."""

    def __init__(self, sizes: Sequence[int]) -> None:
        by_size: dict[int, list[int]] = {}
        for item in _decreasing(sizes):
            by_size.setdefault(sizes[item], []).append(item)
        self.weights = list(by_size)
        self.items = list(by_size.values())
        self.demands = [len(items) for items in self.items]

    def to_bins(self, patterns: list[list[int]]) -> list[list[int]]:
        """Patterns (counts by type) as bins of item indices."""
        taken = [0] * len(self.weights)
        bins = []
        for pattern in patterns:
            contents = []
            for t, count in enumerate(pattern):
                contents.extend(self.items[t][taken[t]:taken[t] + count])
                taken[t] += count
            bins.append(contents)
        return bins

    def to_patterns(self, bins: list[list[int]], sizes: Sequence[int]) -> list[list[int]]:
        """Bins of item indices as patterns (counts by type)."""
        index = {w: t for t, w in enumerate(self.weights)}
        patterns = []
        for contents in bins:
            pattern = [0] * len(self.weights)
            for item in contents:
                pattern[index[sizes[item]]] += 1
            patterns.append(pattern)
        return patterns


def _price_by_table(weights: list[int], demands: list[int], duals: list[float],
                    capacity: int) -> tuple[float, list[list[int]]]:
    """The best pattern's value and a few of the most valuable patterns, best first, by dynamic
    programming over the capacity (bounded knapsack)."""
    table = np.zeros(capacity + 1)
    pieces: list[tuple[int, int, np.ndarray]] = []
    for t, (weight, demand, dual) in enumerate(zip(weights, demands, duals, strict=True)):
        if dual <= EPSILON or demand == 0:
            continue
        left = min(demand, capacity // weight)
        copies = 1
        while left > 0:  # binary splitting of the bounded copies
            count = min(copies, left)
            left -= count
            copies *= 2
            span = count * weight
            candidate = table[:capacity + 1 - span] + count * dual
            take = candidate > table[span:] + 1e-12
            table[span:] = np.where(take, candidate, table[span:])
            pieces.append((t, count, take))
    best = int(np.argmax(table))
    patterns = [_pattern_at(best, weights, pieces)]
    # Other patterns that price out, ending at other fillings of the vehicle: several columns
    # a round take fewer rounds of the linear programme.
    rising = np.flatnonzero((table[1:] > table[:-1] + 1e-12) & (table[1:] > 1.0 + 1e-9)) + 1
    for room in rising[np.argsort(-table[rising], kind="stable")][:3 * COLUMNS_A_ROUND]:
        if len(patterns) >= COLUMNS_A_ROUND:
            break
        pattern = _pattern_at(int(room), weights, pieces)
        if pattern not in patterns:
            patterns.append(pattern)
    return float(table[best]), patterns


def _pattern_at(room: int, weights: list[int], pieces: list[tuple[int, int, np.ndarray]],
                ) -> list[int]:
    """The pattern the knapsack table holds at ``room``."""
    pattern = [0] * len(weights)
    for t, count, take in reversed(pieces):
        span = count * weights[t]
        if room >= span and take[room - span]:
            pattern[t] += count
            room -= span
    return pattern


def _price_by_search(weights: list[int], demands: list[int], duals: list[float], capacity: int,
                     budget: _Budget) -> tuple[float, list[int], bool]:
    """The most valuable pattern by branch and bound; the flag says the search was complete."""
    order = sorted((t for t in range(len(weights)) if duals[t] > EPSILON and demands[t]),
                   key=lambda t: -duals[t] / weights[t])
    best_value = 0.0
    best_pattern = [0] * len(weights)
    current = [0] * len(weights)
    complete = True

    def bound(position: int, room: int) -> float:
        total = 0.0
        for t in order[position:]:
            count = min(demands[t], room // weights[t])
            total += count * duals[t]
            room -= count * weights[t]
            if count < demands[t]:
                return total + duals[t] / weights[t] * room
        return total

    def search(position: int, room: int, value: float) -> None:
        nonlocal best_value, best_pattern, complete
        budget.nodes -= 1
        if budget.nodes < 0:
            complete = False
            return
        if value > best_value + 1e-12:
            best_value = value
            best_pattern = current.copy()
        if position == len(order) or value + bound(position, room) <= best_value + 1e-9:
            return
        t = order[position]
        for count in range(min(demands[t], room // weights[t]), -1, -1):
            current[t] = count
            search(position + 1, room - count * weights[t], value + count * duals[t])
            if budget.nodes < 0:
                break
        current[t] = 0

    search(0, capacity, 0.0)
    return best_value, best_pattern, complete


@dataclass(slots=True)
class _Relaxation:
    """The linear relaxation over the columns so far: its value, solution and a proven bound."""

    value: float
    solution: list[float]
    columns: list[list[int]]
    bound: float  # a proven lower bound on the relaxation (0 when pricing was not exact)


def _solve_relaxation(weights: list[int], demands: list[int], capacity: int,
                      columns: list[list[int]], budget: _Budget, seed: int) -> _Relaxation:
    """Column generation for min sum x_p, sum_p a_tp x_p >= d_t, x >= 0.

    Stops when no column has a negative reduced cost, when the Farley bound (the value over the
    best pattern's value) rounds up to the same number as the value, or when the work budget
    is spent.
    """
    solver = highspy._core._Highs()
    for name, option in (("output_flag", False), ("threads", 1), ("random_seed", seed),
                         ("simplex_iteration_limit", SIMPLEX_ITERATION_LIMIT),
                         ("simplex_strategy", SIMPLEX_STRATEGY)):
        solver.setOptionValue(name, option)
    types = len(weights)
    solver.addRows(types, np.array(demands, dtype=np.float64), np.full(types, highspy.kHighsInf),
                   0, np.array([], dtype=np.int32), np.array([], dtype=np.int32),
                   np.array([], dtype=np.float64))

    def add(pattern: list[int]) -> None:
        rows = [t for t, count in enumerate(pattern) if count]
        solver.addCol(1.0, 0.0, highspy.kHighsInf, len(rows), np.array(rows, dtype=np.int32),
                      np.array([pattern[t] for t in rows], dtype=np.float64))

    if columns:
        matrix = np.array(columns, dtype=np.int64)
        cols, rows = np.nonzero(matrix)  # row-major: ordered by column
        starts = np.searchsorted(cols, np.arange(len(columns))).astype(np.int32)
        solver.addCols(len(columns), np.ones(len(columns)), np.zeros(len(columns)),
                       np.full(len(columns), highspy.kHighsInf), len(rows), starts,
                       rows.astype(np.int32), matrix[cols, rows].astype(np.float64))
    bound = 0.0
    while True:
        solver.run()
        solution = solver.getSolution()
        value = float(solver.getInfo().objective_function_value)
        duals = [max(0.0, d) for d in solution.row_dual]
        if budget.work <= 0:
            break
        if capacity <= TABLE_CAPACITY:
            best, patterns = _price_by_table(weights, demands, duals, capacity)
            exact = True
        else:
            best, pattern, exact = _price_by_search(weights, demands, duals, capacity, budget)
            patterns = [pattern]
            if best <= 1.0 + 1e-9 and not exact:
                break  # nothing better found in the nodes left: stop pricing
        if exact:
            bound = max(bound, value / max(best, 1.0))
        if best <= 1.0 + 1e-9 or ceil(bound - EPSILON) >= ceil(value - EPSILON):
            if exact and best <= 1.0 + 1e-9:
                bound = max(bound, value)
            break
        budget.work -= types
        for pattern in patterns:
            columns.append(pattern)
            add(pattern)
    return _Relaxation(value, list(solution.col_value), columns, bound)


def _dive(types: _Types, capacity: int, start: list[list[int]], ceiling: int,
          budget: _Budget, seed: int, rng: random.Random | None = None) -> list[list[int]] | None:
    """Fix the relaxation's patterns one at a time and re-solve the rest.

    Returns a packing with fewer than ``ceiling`` vehicles, or None when the dive cannot reach
    one (its own relaxation says so) or the budget runs out.
    """
    demands = types.demands.copy()
    columns = [p.copy() for p in start]
    fixed: list[list[int]] = []
    while any(demands):
        # Columns clamped to what is left, each once, with single-type ones so that the
        # relaxation is always feasible.
        matrix = np.minimum(np.array(columns + _single_type_patterns(types.weights, demands,
                                                                     capacity),
                                     dtype=np.int64), np.array(demands, dtype=np.int64))
        usable: list[list[int]] = np.unique(matrix[matrix.any(axis=1)], axis=0).tolist()
        if budget.work <= 0:
            return None
        budget.work -= len(types.weights)  # dive rounds count too, so that dives end
        relaxation = _solve_relaxation(types.weights, demands, capacity, usable, budget, seed)
        # Only the columns the relaxation uses, and the newest ones, go on to the next round:
        # the master stays small however long the dive.
        recent = len(relaxation.columns) - len(types.weights)
        kept = [j for j, x in enumerate(relaxation.solution) if x > EPSILON or j >= recent]
        columns = [relaxation.columns[j] for j in kept]
        solution = [relaxation.solution[j] for j in kept]
        if len(fixed) + ceil(relaxation.bound - EPSILON) >= ceiling:
            return None
        chosen: list[tuple[list[int], int]] = []
        whole = [(p, int(x + EPSILON)) for p, x in zip(columns, solution, strict=True)
                 if x >= 1 - EPSILON]
        if whole:
            chosen = whole
        else:
            ranked = sorted(range(len(columns)), key=lambda j: (-solution[j], j))
            # The first dive rounds up the largest value; later ones pick among the largest few.
            top = ranked[rng.randrange(min(3, len(ranked)))] if rng else ranked[0]
            chosen = [(columns[top], 1)]
        for pattern, copies in chosen:
            for _ in range(copies):
                left = [min(count, demand) for count, demand in
                        zip(pattern, demands, strict=True)]
                if not any(left):
                    break
                fixed.append(left)
                demands = [d - c for d, c in zip(demands, left, strict=True)]
        if len(fixed) >= ceiling:
            return None
    return fixed


def _single_type_patterns(weights: list[int], demands: list[int],
                          capacity: int) -> list[list[int]]:
    """For each type left, a pattern of as many of its items as fit: the relaxation is feasible."""
    patterns = []
    for t, (weight, demand) in enumerate(zip(weights, demands, strict=True)):
        if demand:
            pattern = [0] * len(weights)
            pattern[t] = min(demand, capacity // weight)
            patterns.append(pattern)
    return patterns


# --- Local search -----------------------------------------------------------------------------


class _Search:
    """Vehicles during the local search, with every subset of at most two items of each.

    The subsets are kept in arrays (one row a vehicle: total size and the two items, ``n`` for
    none) so that one move is chosen among all of them with a few array operations.
    """

    def __init__(self, bins: list[list[int]], sizes: Sequence[int], capacity: int) -> None:
        self.sizes = sizes
        self.capacity = capacity
        self.none = len(sizes)
        self.bins = [list(b) for b in bins]
        self.load = np.array([sum(sizes[i] for i in b) for b in bins], dtype=np.int64)
        self.width = 1
        self.sums = np.zeros((0, 1), dtype=np.int64)
        self.first = np.zeros((0, 1), dtype=np.int64)
        self.second = np.zeros((0, 1), dtype=np.int64)
        self.valid = np.zeros((0, 1), dtype=bool)
        self._resize()

    def _subsets(self, index: int) -> list[tuple[int, int, int]]:
        sizes, none = self.sizes, self.none
        items = self.bins[index]
        subsets = []
        for i, first in enumerate(items):
            subsets.append((sizes[first], first, none))
            for second in items[i + 1:]:
                subsets.append((sizes[first] + sizes[second], first, second))
        return subsets

    def _resize(self) -> None:
        rows = [self._subsets(b) for b in range(len(self.bins))]
        self.width = max(1, *(len(r) for r in rows)) if rows else 1
        shape = (len(self.bins), self.width)
        self.sums = np.zeros(shape, dtype=np.int64)
        self.first = np.full(shape, self.none, dtype=np.int64)
        self.second = np.full(shape, self.none, dtype=np.int64)
        self.valid = np.zeros(shape, dtype=bool)
        for b, row in enumerate(rows):
            self._fill(b, row)

    def _fill(self, index: int, row: list[tuple[int, int, int]]) -> None:
        self.valid[index] = False
        self.first[index] = self.none
        self.second[index] = self.none
        if row:
            count = len(row)
            self.sums[index, :count] = [r[0] for r in row]
            self.first[index, :count] = [r[1] for r in row]
            self.second[index, :count] = [r[2] for r in row]
            self.valid[index, :count] = True

    def refresh(self, index: int) -> None:
        """Recompute one vehicle's subsets after its items changed."""
        row = self._subsets(index)
        if len(row) > self.width:
            self._resize()
        else:
            self._fill(index, row)

    def excess(self) -> int:
        """The total size above capacity over all vehicles."""
        return int(np.maximum(self.load - self.capacity, 0).sum())


def _remove_one_bin(bins: list[list[int]], sizes: Sequence[int], capacity: int,
                    budget: _Budget, rng: random.Random) -> list[list[int]] | None:
    """A packing with one vehicle fewer, by a tabu search on the size above capacity.

    The least-loaded vehicle is emptied into the others (each item where it overfills least);
    then, move after move, one or two items of an overfull vehicle go to another vehicle in
    exchange for none, one or two of its items, the exchange that removes most excess (ties:
    the one that leaves the receiving vehicle fullest, then the seeded generator), with recently
    moved items tabu, until nothing is overfull or the move budget is spent.
    """
    loads = [sum(sizes[i] for i in b) for b in bins]
    drop = min(range(len(bins)), key=lambda b: (loads[b], b))
    work = [list(b) for index, b in enumerate(bins) if index != drop]
    load = [sum(sizes[i] for i in b) for b in work]
    for item in sorted(bins[drop], key=lambda i: (-sizes[i], i)):
        target = min(range(len(work)), key=lambda b: (max(0, load[b] + sizes[item] - capacity),
                                                      capacity - load[b] - sizes[item]
                                                      if load[b] + sizes[item] <= capacity
                                                      else load[b], b))
        work[target].append(item)
        load[target] += sizes[item]
    search = _Search(work, sizes, capacity)
    tabu = np.zeros(len(sizes) + 1, dtype=np.int64)  # the step until which an item stays put
    step = 0
    tenure = 7
    scale = 4 * capacity
    while search.excess() > 0:
        if budget.moves <= 0:
            return None
        budget.moves -= 1
        step += 1
        over = np.flatnonzero(search.load > capacity)
        a = int(over[rng.randrange(len(over))])
        extra = int(search.load[a]) - capacity
        free = (capacity - search.load)[:, None]
        receivers = (search.load <= capacity)[:, None]
        receivers[a] = False
        allowed = search.valid & receivers & (tabu[search.first] <= step) & \
            (tabu[search.second] <= step)
        best_score = None
        choices: list[tuple[int, int, int, int]] = []
        own = search._subsets(a)
        for given, out1, out2 in own:
            if tabu[out1] > step or tabu[out2] > step:
                continue
            for back_empty in (False, True):
                if back_empty:
                    shift = np.full((len(work), 1), given, dtype=np.int64)
                    mask = receivers
                else:
                    shift = given - search.sums
                    mask = allowed & (shift > 0)
                gain = np.minimum(shift, extra) - np.maximum(shift - free, 0)
                score = np.where(mask, gain * scale + np.minimum(shift, free), -(10**15))
                top = int(score.max())
                if top <= -(10**15) or (best_score is not None and top < best_score):
                    continue
                if best_score is None or top > best_score:
                    best_score = top
                    choices = []
                for flat in np.flatnonzero(score == top):
                    b, column = divmod(int(flat), score.shape[1])
                    choices.append((b, out1, out2, -1 if back_empty else column))
        if not choices:
            continue
        b, out1, out2, column = choices[rng.randrange(len(choices))]
        out = [i for i in (out1, out2) if i != search.none]
        back = [] if column < 0 else [int(i) for i in (search.first[b, column],
                                                        search.second[b, column])
                                      if i != search.none]
        for item in out:
            search.bins[a].remove(item)
            search.bins[b].append(item)
            tabu[item] = step + tenure + rng.randrange(3)
        for item in back:
            search.bins[b].remove(item)
            search.bins[a].append(item)
            tabu[item] = step + tenure + rng.randrange(3)
        shifted = sum(sizes[i] for i in out) - sum(sizes[i] for i in back)
        search.load[a] -= shifted
        search.load[b] += shifted
        search.refresh(a)
        search.refresh(b)
    return search.bins


# --- The packer -----------------------------------------------------------------------------------


def pack(sizes: Sequence[int], capacity: int, *, seed: int = 0,
         effort: float = 1.0) -> PackingResult:
    """Pack items of ``sizes`` into as few vehicles of ``capacity`` as the effort allows.

    ``effort`` scales every search limit (0 keeps the better of first-fit and best-fit
    decreasing). Deterministic: the same arguments give the same result. Raises ValueError when
    the capacity is below 1 or a size is not from 1 to the capacity.
    """
    _check(sizes, capacity)
    l2 = l2_bound(sizes, capacity)
    lower = max(l1_bound(sizes, capacity), l2)
    if not sizes:
        return PackingResult([], 0, 0, True)
    best = min(first_fit_decreasing(sizes, capacity), best_fit_decreasing(sizes, capacity),
               key=len)
    budget = _Budget(work=int(WORK_LIMIT * effort), moves=int(SEARCH_MOVES * effort),
                     nodes=int(KNAPSACK_NODE_LIMIT * effort))
    rng = random.Random(seed)

    def search(packing: list[list[int]], bound: int, moves: int) -> list[list[int]]:
        """Take vehicles away while the search finds room, within ``moves`` of the budget."""
        spent = min(moves, budget.moves)
        share = _Budget(work=0, moves=spent, nodes=0)
        while len(packing) > bound:
            fewer = _remove_one_bin(packing, sizes, capacity, share, rng)
            if fewer is None:
                break
            packing = fewer
        budget.moves -= spent - share.moves
        return packing

    if len(best) > lower and effort > 0:
        # A first short search: when the simple bounds are met, no relaxation is needed.
        best = search(best, lower, budget.moves // 10)
    if len(best) > lower and effort > 0:
        types = _Types(sizes)
        start = types.to_patterns(best, sizes)
        relaxation = _solve_relaxation(types.weights, types.demands, capacity, start, budget,
                                       seed)
        lower = max(lower, ceil(relaxation.bound - EPSILON))
        best = search(best, lower, budget.moves // 4)
        if len(best) > lower:
            dived = _dive(types, capacity, relaxation.columns, len(best), budget, seed)
            if dived is not None:
                best = types.to_bins(dived)
        best = search(best, lower, budget.moves)
        for _ in range(int(DIVES * effort)):
            if len(best) <= lower or budget.work <= 0:
                break
            # Other dives, each choosing among the largest values with the seeded generator.
            dived = _dive(types, capacity, relaxation.columns, len(best), budget, seed, rng)
            if dived is not None:
                best = types.to_bins(dived)
    bins = [sorted(b) for b in best]
    return PackingResult(bins, lower, l2, len(bins) == lower)
