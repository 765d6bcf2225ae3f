"""The bus evacuation problem (BEP): buses doing repeated trips from assembly points to
shelters, the last drop-off as early as possible.

Buses leave their depots, pick people up at assembly points and drop them at shelters, again and
again; a bus's time is depot -> first assembly point, plus every loaded leg (assembly point ->
shelter), plus every empty leg between two trips (shelter -> next assembly point), with no return
after the last drop-off. Every person is carried and no shelter takes more than its capacity.
The makespan (the largest bus time) is minimised. This is the BEP of Bish (2011) and of the
instances of Loyola Vitali et al. (CEC 2017); benchmarks/bep.py runs them.

A bus may reposition through other points and shelters when that is quicker than the direct
leg (the times are not metric): such a trip carries nobody and takes no shelter room.

What it shares with the evacuation schedule: the round trip as a vehicle's unit of work, pick-up
points as the places where people wait, a plan that states its lower bound and whether it is
proven, and the HiGHS conventions (one thread, counted limits). The models differ (days and
convoys on one corridor there, minutes and many points here), so the code is its own; the
helper :mod:`corridor.planner.bounds` offers (bin packing) does not bind here, where a trip
carries one point's people.

Method (pure, deterministic: the same instance, seed and effort give the same solution):

1. *Lower bound* (:func:`lower_bound`), on shortest paths: every assembly point with people is
   visited by a bus that comes from a depot and ends at a shelter; and the buses' least average
   work (a linear programme of loaded legs, first legs and empty legs).
2. *Construction*: the bus free earliest takes the trip that it finishes earliest (with a look
   ahead to its next pick-up, full buses first), until everyone is carried.
3. *Local search*: simulated annealing over which bus does which trip, in which order, to which
   shelter (move a trip, swap two, reverse a stretch of a bus's trips, change or swap shelters).
   Its work is counted in legs evaluated and buses scanned, never in seconds; it stops at the
   lower bound.
4. *Exact bound* (small instances only): a mixed-integer programme of per-bus flows (legs
   counted, not ordered, pieces unreachable from the depot cut off) solved with HiGHS under
   node limits, after a tenth of the search; it may prove the schedule optimal, or let the rest
   of the search stop earlier.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from corridor.domain.errors import InvalidValue

__all__ = [
    "BepInstance",
    "BepSolution",
    "BepTrip",
    "Effort",
    "lower_bound",
    "read_bep",
    "solve_bep",
]


@dataclass(frozen=True, slots=True)
class BepInstance:
    """One BEP instance; indexes are 0-based (the files number depots and points from 1).

    ``depot_times[k][i]``: depot ``k`` -> assembly point ``i``; ``shelter_times[i][j]``: assembly
    point ``i`` <-> shelter ``j``, used loaded (to the shelter) and empty (back to a point).
    Demands and capacities are persons; a bus seats ``bus_capacity``.
    """

    bus_capacity: int
    depot_buses: tuple[int, ...]
    demands: tuple[int, ...]
    shelter_capacities: tuple[int, ...]
    depot_times: tuple[tuple[int, ...], ...]
    shelter_times: tuple[tuple[int, ...], ...]
    name: str = ""

    def __post_init__(self) -> None:
        def fail(message: str) -> None:
            raise InvalidValue(f"{self.name or 'BEP instance'}: {message}")

        if self.bus_capacity < 1:
            fail(f"a bus must seat at least one person, not {self.bus_capacity}")
        if not self.depot_buses or min(self.depot_buses) < 0 or sum(self.depot_buses) < 1:
            fail("there must be at least one bus, and no depot with fewer than none")
        if not self.demands or min(self.demands) < 0:
            fail("there must be assembly points, none with a negative demand")
        if not self.shelter_capacities or min(self.shelter_capacities) < 0:
            fail("there must be shelters, none with a negative capacity")
        if sum(self.shelter_capacities) < sum(self.demands):
            fail(f"the shelters hold {sum(self.shelter_capacities)} persons, fewer than the "
                 f"{sum(self.demands)} to evacuate")
        if len(self.depot_times) != len(self.depot_buses) or any(
                len(row) != len(self.demands) for row in self.depot_times):
            fail("the depot times must be a depots x assembly points table")
        if len(self.shelter_times) != len(self.demands) or any(
                len(row) != len(self.shelter_capacities) for row in self.shelter_times):
            fail("the shelter times must be an assembly points x shelters table")
        if any(t < 0 for row in (*self.depot_times, *self.shelter_times) for t in row):
            fail("travel times cannot be negative")

    @property
    def buses(self) -> int:
        """The number of buses."""
        return sum(self.depot_buses)

    @property
    def bus_depots(self) -> tuple[int, ...]:
        """The depot of each bus: buses are numbered depot by depot."""
        return tuple(k for k, count in enumerate(self.depot_buses) for _ in range(count))

    @property
    def loads(self) -> int:
        """The fewest trips that carry everyone: each point's people in full buses."""
        return sum(-(-d // self.bus_capacity) for d in self.demands)


@dataclass(frozen=True, slots=True)
class BepTrip:
    """One trip: ``persons`` picked up at assembly point ``assembly_point``, dropped at
    ``shelter`` (0-based)."""

    assembly_point: int
    shelter: int
    persons: int


@dataclass(frozen=True, slots=True)
class BepSolution:
    """A schedule: each bus's trips in order (buses numbered depot by depot), its makespan, a
    proven lower bound and whether the makespan is proven optimal (equal to the bound)."""

    routes: tuple[tuple[BepTrip, ...], ...]
    bus_times: tuple[int, ...]
    makespan: int
    lower_bound: int
    proven_optimal: bool


@dataclass(frozen=True, slots=True)
class Effort:
    """Deterministic limits of :func:`solve_bep` (work counts, never seconds).

    ``search_legs``: legs the local search may evaluate in all; ``exact_max_columns``: the
    largest exact model (integer columns) tried; ``exact_nodes``: its branch-and-bound nodes
    in all its rounds (at most ``exact_rounds``).
    """

    search_legs: int = 4_000_000
    exact_max_columns: int = 300
    exact_nodes: int = 500
    exact_rounds: int = 20


# --- Reading ----------------------------------------------------------------------------------


def read_bep(text: str, source: str) -> BepInstance:
    """Read an instance in the format of Loyola Vitali's BEP files (whitespace-separated
    integers, see benchmarks/bep-loyola/SOURCE.md); ``source`` names the file in errors.

    Raises :class:`InvalidValue` naming the file, the line, the token and what is wrong.
    """
    tokens: list[tuple[int, int, str]] = []  # (line, token number on the line, text)
    for line_number, line in enumerate(text.splitlines(), start=1):
        for position, token in enumerate(line.split(), start=1):
            tokens.append((line_number, position, token))
    cursor = 0

    def place() -> str:
        if cursor < len(tokens):
            line, position, token = tokens[cursor]
            return f"{source} line {line}, token {position} ({token!r})"
        last = tokens[-1][0] if tokens else 0
        return f"{source} after line {last} (end of file)"

    def number(what: str, minimum: int = 0) -> int:
        nonlocal cursor
        if cursor >= len(tokens):
            raise InvalidValue(f"{place()}: the file ends where {what} should be")
        token = tokens[cursor][2]
        try:
            value = int(token)
        except ValueError:
            raise InvalidValue(f"{place()}: {what} must be a whole number") from None
        if value < minimum:
            raise InvalidValue(f"{place()}: {what} must be at least {minimum}, not {value}")
        cursor += 1
        return value

    def expect(value: int, what: str) -> None:
        nonlocal cursor
        here = place()
        found = number(what)
        if found != value:
            cursor -= 1
            raise InvalidValue(f"{here}: {what} should be {value}, not {found}")

    buses = number("the number of buses", 1)
    capacity = number("the seats of a bus", 1)
    depot_count = number("the number of depots", 1)
    depot_buses = tuple(number(f"the buses of depot {k + 1}") for k in range(depot_count))
    if sum(depot_buses) != buses:
        cursor -= 1
        raise InvalidValue(f"{place()}: the depots hold {sum(depot_buses)} buses, but the "
                           f"first line says {buses}")
    point_count = number("the number of assembly points", 1)
    total_demand_at = place()
    total_demand = number("the total demand")
    demands = tuple(number(f"the demand of assembly point {i + 1}") for i in range(point_count))
    if sum(demands) != total_demand:
        raise InvalidValue(f"{total_demand_at}: the total demand is {total_demand}, but the "
                           f"points' demands add up to {sum(demands)}")
    shelter_count = number("the number of shelters", 1)
    total_capacity_at = place()
    total_capacity = number("the total capacity")
    capacities = tuple(number(f"the capacity of shelter {j + 1}") for j in range(shelter_count))
    if sum(capacities) != total_capacity:
        raise InvalidValue(f"{total_capacity_at}: the total capacity is {total_capacity}, but "
                           f"the shelters' capacities add up to {sum(capacities)}")
    depot_times = []
    for k in range(depot_count):
        expect(k + 1, f"the id of depot {k + 1}")
        depot_times.append(tuple(number(f"the time from depot {k + 1} to assembly point "
                                        f"{i + 1}") for i in range(point_count)))
    shelter_times = []
    for i in range(point_count):
        expect(i + 1, f"the id of assembly point {i + 1}")
        shelter_times.append(tuple(number(f"the time from assembly point {i + 1} to shelter "
                                          f"{j + 1}") for j in range(shelter_count)))
    if cursor < len(tokens):
        raise InvalidValue(f"{place()}: unexpected text after the last assembly point's times")
    if total_capacity < total_demand:
        raise InvalidValue(f"{source}: the shelters hold {total_capacity} persons, fewer than "
                           f"the {total_demand} to evacuate")
    return BepInstance(capacity, depot_buses, demands, capacities, tuple(depot_times),
                       tuple(shelter_times), name=source)


# --- Bounds ------------------------------------------------------------------------------------


def _shortest_paths(instance: BepInstance) -> tuple[list[list[float]], list[list[float]]]:
    """Shortest times point <-> shelter, and depot -> every point and shelter.

    Nodes 0..P-1 are the assembly points, P..P+S-1 the shelters; the only edges are the
    point-shelter legs (both ways) and, from a depot, the legs to the points.
    """
    points, shelters = len(instance.demands), len(instance.shelter_capacities)
    n = points + shelters
    inf = math.inf
    dist = [[inf] * n for _ in range(n)]
    for v in range(n):
        dist[v][v] = 0.0
    for i in range(points):
        for j in range(shelters):
            t = float(instance.shelter_times[i][j])
            dist[i][points + j] = dist[points + j][i] = t
    for k in range(n):
        row_k = dist[k]
        for i in range(n):
            d_ik = dist[i][k]
            if d_ik == inf:
                continue
            row_i = dist[i]
            dist[i] = [a if a <= d_ik + b else d_ik + b for a, b in zip(row_i, row_k,
                                                                         strict=True)]
    from_depot = []
    for times in instance.depot_times:
        from_depot.append([min(times[i] + dist[i][v] for i in range(points)) for v in range(n)])
    return dist, from_depot


def _work_bound(instance: BepInstance, dist: list[list[float]],
                from_depot: list[list[float]]) -> float:
    """The least time of the longest bus by average work: over the number m of buses used,
    the least total driving time of m buses (a linear programme on shortest paths: loaded
    legs, m first legs from the depots, empty legs between trips) over m."""
    points, shelters = len(instance.demands), len(instance.shelter_capacities)
    q = instance.bus_capacity
    model = _Model()
    trips = {}
    persons = {}
    for i in range(points):
        if not instance.demands[i]:
            continue
        for j in range(shelters):
            if instance.shelter_capacities[j]:
                trips[i, j] = model.column(dist[i][points + j])
                persons[i, j] = model.column(0.0)
    starts = {(k, i): model.column(from_depot[k][i])
              for k in range(len(instance.depot_buses)) if instance.depot_buses[k]
              for i in range(points) if instance.demands[i]}
    empties = {(j, i): model.column(dist[points + j][i])
               for j in range(shelters) if instance.shelter_capacities[j]
               for i in range(points) if instance.demands[i]}
    for (i, j), column in persons.items():
        model.row([(column, 1.0), (trips[i, j], -q)], upper=0.0)
    for i in range(points):
        if instance.demands[i]:
            model.row([(persons[i, j], 1.0) for j in range(shelters) if (i, j) in persons],
                      lower=instance.demands[i], upper=instance.demands[i])
            # every trip from i begins with an arrival at i, from a depot or a shelter
            model.row([*((starts[k, i], 1.0) for k in range(len(instance.depot_buses))
                         if (k, i) in starts),
                       *((empties[j, i], 1.0) for j in range(shelters) if (j, i) in empties),
                       *((trips[i, j], -1.0) for j in range(shelters) if (i, j) in trips)],
                      lower=0.0, upper=0.0)
    for j in range(shelters):
        if instance.shelter_capacities[j]:
            model.row([(persons[i, j], 1.0) for i in range(points) if (i, j) in persons],
                      upper=instance.shelter_capacities[j])
            # a bus leaves a shelter empty only after a drop-off there
            model.row([*((empties[j, i], 1.0) for i in range(points) if (j, i) in empties),
                       *((trips[i, j], -1.0) for i in range(points) if (i, j) in trips)],
                      upper=0.0)
    for k, count in enumerate(instance.depot_buses):
        if count:
            model.row([(starts[k, i], 1.0) for i in range(points) if (k, i) in starts],
                      upper=count)
    used = len(model.row_lower)
    model.row([(column, 1.0) for column in starts.values()], lower=1.0, upper=1.0)
    solver = model.solve({}, seed=0)
    # With m buses used, the makespan is at least their least total time over m. That total is
    # convex in m (a linear programme's value in its right-hand side), so its ratio to m falls,
    # then rises: stop at the first rise.
    best = math.inf
    most = min(instance.buses, instance.loads)
    for m in range(1, most + 1):
        if m > 1:
            solver.changeRowBounds(used, float(m), float(m))
            solver.run()
        if solver.getInfo().primal_solution_status != 2:
            continue
        ratio = float(solver.getInfo().objective_function_value) / m
        if ratio > best:
            break
        best = ratio
    return 0.0 if best == math.inf else best


def lower_bound(instance: BepInstance) -> int:
    """A proven lower bound on the makespan (times taken on shortest paths).

    The larger of: the bus that serves the point farthest from every depot and shelter (it
    comes from a depot and its last drop-off is at a shelter), and the buses' least average
    work (:func:`_work_bound`).
    """
    dist, from_depot = _shortest_paths(instance)
    points = len(instance.demands)
    open_shelters = [points + j for j, c in enumerate(instance.shelter_capacities) if c]
    depots = [k for k, count in enumerate(instance.depot_buses) if count]
    single = 0.0
    for i, demand in enumerate(instance.demands):
        if demand:
            reach = min(from_depot[k][i] for k in depots)
            single = max(single, reach + min(dist[i][s] for s in open_shelters))
    shared = math.ceil(_work_bound(instance, dist, from_depot) - 1e-6)
    return int(max(math.ceil(single - 1e-9), shared))


# --- HiGHS -------------------------------------------------------------------------------------


class _Model:
    """Columns and rows collected in Python, handed to HiGHS in one go (one thread)."""

    def __init__(self) -> None:
        self.costs: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.starts: list[int] = []
        self.indices: list[int] = []
        self.values: list[float] = []

    def column(self, cost: float, upper: float = math.inf, integer: bool = False) -> int:
        self.costs.append(cost)
        self.lower.append(0.0)
        self.upper.append(upper)
        if integer:
            self.integer.append(len(self.costs) - 1)
        return len(self.costs) - 1

    def row(self, terms: list[tuple[int, float]], lower: float = -math.inf,
            upper: float = math.inf) -> None:
        self.starts.append(len(self.indices))
        for index, value in terms:
            self.indices.append(index)
            self.values.append(value)
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def solve(self, options: dict[str, int | float | bool | str], seed: int,
              start: list[float] | None = None) -> highspy._core._Highs:
        # The core class: the highspy.Highs wrapper prints a banner as it is made.
        solver = highspy._core._Highs()
        settings: dict[str, int | float | bool | str] = {
            "output_flag": False, "threads": 1, "random_seed": seed,
            "simplex_iteration_limit": 5_000_000, **options}
        for name, value in settings.items():
            solver.setOptionValue(name, value)
        inf = highspy.kHighsInf

        def finite(values: list[float]) -> np.ndarray:
            return np.array([inf if v == math.inf else -inf if v == -math.inf else v
                             for v in values], dtype=np.float64)

        solver.addCols(len(self.costs), np.array(self.costs, dtype=np.float64),
                       finite(self.lower), finite(self.upper), 0,
                       np.array([], dtype=np.int32), np.array([], dtype=np.int32),
                       np.array([], dtype=np.float64))
        solver.addRows(len(self.row_lower), finite(self.row_lower), finite(self.row_upper),
                       len(self.indices), np.array(self.starts, dtype=np.int32),
                       np.array(self.indices, dtype=np.int32),
                       np.array(self.values, dtype=np.float64))
        if self.integer:
            solver.changeColsIntegrality(
                len(self.integer), np.array(self.integer, dtype=np.int32),
                np.array([highspy.HighsVarType.kInteger] * len(self.integer)))
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = start
            solver.setSolution(solution)
        solver.run()
        return solver


# --- Search ------------------------------------------------------------------------------------


class _NoRoom(Exception):
    """The loads as cut do not fit the shelters' room one by one."""


class _Search:
    """Simulated annealing over the buses' trips (each trip a load of one point's people)."""

    def __init__(self, instance: BepInstance, loads: list[tuple[int, int]],
                 rng: random.Random) -> None:
        self.instance = instance
        self.point = [p for p, _ in loads]
        self.size = [s for _, s in loads]
        self.rng = rng
        self.depot_of = instance.bus_depots
        self.loaded = instance.shelter_times
        self.times: list[int] = []
        self.total = 0
        self.top = 0
        self.bus_of: list[int] = []
        self.weight = 0.0
        self.temperature = 1.0
        dist, from_depot = _shortest_paths(instance)
        points = len(instance.demands)
        # Empty legs and first legs take the shortest way (through other points and shelters,
        # as trips that carry nobody); loaded legs go straight to their shelter.
        self.empty = [[int(dist[points + j][i]) for j in range(len(instance.shelter_capacities))]
                      for i in range(points)]
        self.depot_times = [[int(row[i]) for i in range(points)] for row in from_depot]
        self.shelter = [0] * len(loads)
        self.room = list(instance.shelter_capacities)
        self.routes: list[list[int]] = [[] for _ in range(instance.buses)]
        self.work = 0

    def route_time(self, bus: int, route: Sequence[int]) -> int:
        """Depot -> first point, then loaded and empty legs; no return after the last."""
        if not route:
            return 0
        self.work += len(route)
        point, shelter, times = self.point, self.shelter, self.loaded
        first = route[0]
        total = self.depot_times[self.depot_of[bus]][point[first]]
        previous = -1
        empty = self.empty
        for load in route:
            p = point[load]
            if previous >= 0:
                total += empty[p][previous]
            previous = shelter[load]
            total += times[p][previous]
        return total

    def construct(self, fixed: Sequence[int] | None = None) -> None:
        """The bus free earliest takes the trip it finishes earliest (looking one pick-up
        ahead, full buses first); shelters chosen among those with room, or ``fixed``.

        Raises :class:`_NoRoom` when the loads as cut do not fit the shelters' room.
        """
        instance = self.instance
        every_shelter = range(len(instance.shelter_capacities))
        shelters: Sequence[int] = every_shelter
        nearest_point = [min(self.empty[i][j] for i in range(len(instance.demands)))
                         for j in every_shelter]
        waiting: dict[int, list[int]] = {}
        for load in sorted(range(len(self.point)), key=lambda x: self.size[x]):
            waiting.setdefault(self.point[load], []).append(load)
        clock = [0] * instance.buses
        at: list[int] = [-1] * instance.buses  # shelter the bus is at; -1 at its depot
        left = len(self.point)
        while left:
            bus = min(range(instance.buses), key=lambda b: (clock[b], b))
            best: tuple[float, int, int] | None = None
            for point, queue in waiting.items():
                if not queue:
                    continue
                load = queue[-1]
                reach = (self.depot_times[self.depot_of[bus]][point] if at[bus] < 0
                         else self.empty[point][at[bus]])
                if fixed is not None:
                    shelters = (fixed[load],)
                for j in shelters:
                    if self.room[j] < self.size[load]:
                        continue
                    finish = reach + self.loaded[point][j] + 0.5 * nearest_point[j]
                    key = (finish, point, j)
                    if best is None or key < best:
                        best = key
            if best is None:
                raise _NoRoom
            _, point, j = best
            load = waiting[point].pop()
            reach = (self.depot_times[self.depot_of[bus]][point] if at[bus] < 0
                     else self.empty[point][at[bus]])
            clock[bus] += int(reach + self.loaded[point][j])
            at[bus] = j
            self.shelter[load] = j
            self.room[j] -= self.size[load]
            self.routes[bus].append(load)
            left -= 1

    def anneal(self, budget: int, target: int) -> None:
        """Simulated annealing on makespan + a fifth of the mean bus time (so that shortening
        any bus counts), within ``budget`` units of work (legs evaluated, buses scanned);
        stops as soon as the makespan reaches ``target``."""
        rng = self.rng
        routes = self.routes
        buses = len(routes)
        self.times = [self.route_time(b, routes[b]) for b in range(buses)]
        self.total = sum(self.times)
        self.top = max(range(buses), key=lambda b: (self.times[b], -b))
        self.bus_of = [0] * len(self.point)
        for bus, route in enumerate(routes):
            for load in route:
                self.bus_of[load] = bus
        loads = len(self.point)
        shelters = len(self.room)
        self.weight = 0.2 / buses
        best_key = (self.times[self.top], self.total)
        best_routes = [list(r) for r in routes]
        best_shelter = list(self.shelter)
        scale = sum(sum(row) for row in self.loaded) / (len(self.loaded) * shelters)
        start_temperature, end_temperature = 0.3 * scale, 0.005 * scale
        begin = self.work
        while self.work - begin < budget and best_key[0] > target:
            self.work += 1
            progress = (self.work - begin) / budget
            self.temperature = start_temperature * (end_temperature / start_temperature) \
                ** progress
            move = rng.random()
            if move < 0.45:
                # move a trip, from a longest bus half of the time
                source = self.top if rng.random() < 0.5 else rng.randrange(buses)
                if not routes[source]:
                    continue
                target_bus = rng.randrange(buses)
                old_source, old_target = routes[source], routes[target_bus]
                i = rng.randrange(len(old_source))
                load = old_source[i]
                new_source = old_source[:i] + old_source[i + 1:]
                base = new_source if target_bus == source else old_target
                j = rng.randrange(len(base) + 1)
                new_target = [*base[:j], load, *base[j:]]
                changes = {source: new_source, target_bus: new_target}
                if rng.random() < 0.3:
                    # and send it to another shelter with room
                    s = rng.randrange(shelters)
                    old_s = self.shelter[load]
                    if s != old_s and self.room[s] >= self.size[load]:
                        self.shelter[load] = s
                        if self._try(changes):
                            self.room[old_s] += self.size[load]
                            self.room[s] -= self.size[load]
                        else:
                            self.shelter[load] = old_s
                        continue
                self._try(changes)
            elif move < 0.65:
                # swap two trips (between buses or within one)
                a, b = rng.randrange(buses), rng.randrange(buses)
                if not routes[a] or not routes[b]:
                    continue
                i, j = rng.randrange(len(routes[a])), rng.randrange(len(routes[b]))
                if a == b:
                    if i == j:
                        continue
                    new = list(routes[a])
                    new[i], new[j] = new[j], new[i]
                    self._try({a: new})
                else:
                    new_a, new_b = list(routes[a]), list(routes[b])
                    new_a[i], new_b[j] = new_b[j], new_a[i]
                    self._try({a: new_a, b: new_b})
            elif move < 0.75:
                # reverse a stretch of one bus's trips
                a = rng.randrange(buses)
                if len(routes[a]) < 2:
                    continue
                i, j = sorted(rng.sample(range(len(routes[a]) + 1), 2))
                self._try({a: routes[a][:i] + routes[a][i:j][::-1] + routes[a][j:]})
            elif move < 0.88:
                # another shelter with room for one trip
                load = rng.randrange(loads)
                s = rng.randrange(shelters)
                old_s = self.shelter[load]
                if s == old_s or self.room[s] < self.size[load]:
                    continue
                bus = self.bus_of[load]
                self.shelter[load] = s
                if self._try({bus: routes[bus]}):
                    self.room[old_s] += self.size[load]
                    self.room[s] -= self.size[load]
                else:
                    self.shelter[load] = old_s
            else:
                # two trips of the same size swap shelters
                first, second = rng.randrange(loads), rng.randrange(loads)
                s1, s2 = self.shelter[first], self.shelter[second]
                if s1 == s2 or self.size[first] != self.size[second]:
                    continue
                b1, b2 = self.bus_of[first], self.bus_of[second]
                self.shelter[first], self.shelter[second] = s2, s1
                if not self._try({b1: routes[b1], b2: routes[b2]}):
                    self.shelter[first], self.shelter[second] = s1, s2
            key = (self.times[self.top], self.total)
            if key < best_key:
                best_key = key
                best_routes = [list(r) for r in routes]
                best_shelter = list(self.shelter)
                self.work += loads
        self.routes = best_routes
        self.shelter = best_shelter
        self.room = list(self.instance.shelter_capacities)
        for load, s in enumerate(self.shelter):
            self.room[s] -= self.size[load]

    def _try(self, changes: dict[int, list[int]]) -> bool:
        """Accept (and apply) or refuse a move whose shelters are already changed in place."""
        times = self.times
        makespan = times[self.top]
        new_times = {bus: self.route_time(bus, route) for bus, route in changes.items()}
        total = self.total + sum(t - times[bus] for bus, t in new_times.items())
        top, highest = max(new_times.items(), key=lambda item: (item[1], -item[0]))
        if highest >= makespan:
            new_top = top
        elif self.top not in new_times:
            new_top = self.top
        else:
            self.work += len(times)
            new_top = max(range(len(times)), key=lambda b: (new_times.get(b, times[b]), -b))
        new_makespan = new_times.get(new_top, times[new_top])
        delta = new_makespan - makespan + self.weight * (total - self.total)
        if delta > 0 and self.rng.random() >= math.exp(-delta / self.temperature):
            return False
        for bus, route in changes.items():
            self.routes[bus] = route
            times[bus] = new_times[bus]
            for load in route:
                self.bus_of[load] = bus
            self.work += len(route)
        self.total = total
        self.top = new_top
        return True


def _loads(instance: BepInstance) -> list[tuple[int, int]]:
    """Each point's people in full buses and one last, partly full bus: (point, persons)."""
    q = instance.bus_capacity
    loads = []
    for point, demand in enumerate(instance.demands):
        full, rest = divmod(demand, q)
        loads.extend([(point, q)] * full)
        if rest:
            loads.append((point, rest))
    return loads


_Legs = tuple[dict[tuple[int, int], int], dict[int, int], dict[tuple[int, int], int]]
"""A bus's columns in the flow model: legs by (from, to) node, first legs by point, persons
carried by (point, shelter)."""


def _flow_bound(instance: BepInstance, above: int, below: int, effort: Effort,
                seed: int) -> tuple[int, list[list[BepTrip]] | None] | None:
    """A lower bound from a mixed-integer programme of per-bus flows, or None when the model is
    larger than ``effort`` allows; with the bound, the model's schedule when it is one.

    Each bus has whole counts of loaded legs, empty legs (shortest ways) and one first leg from
    its depot, balanced at every point and shelter, and its time within the makespan. That the
    legs make one walk is only asked in part: when a bus's legs fall apart, the pieces away from
    its first leg are cut off (for every bus) and the model solved again, a few rounds at most;
    so no schedule beats the model. Asked for a makespan from ``above`` (a bound already proven)
    to below ``below`` (a schedule's): infeasible proves ``below``; otherwise the optimum or
    dual bound of the last round is kept (branch and bound within a node limit, one thread).
    When every bus's legs make one walk, the model's optimum is a schedule, returned too.
    """
    points, shelters = len(instance.demands), len(instance.shelter_capacities)
    sources = [i for i in range(points) if instance.demands[i]]
    sinks = [j for j in range(shelters) if instance.shelter_capacities[j]]
    per_bus = 2 * len(sources) * len(sinks) + len(sources) + len(sinks)
    if per_bus * instance.buses > effort.exact_max_columns:
        return None
    cuts: list[frozenset[int]] = []
    bound = above
    nodes = effort.exact_nodes
    for _ in range(effort.exact_rounds):
        solver, legs = _flow_model(instance, above, below, cuts, nodes, seed)
        nodes -= max(1, solver.getInfo().mip_node_count)
        status = solver.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return below, None
        if status != highspy.HighsModelStatus.kOptimal:
            dual = solver.getInfo().mip_dual_bound
            return (max(bound, math.ceil(dual - 1e-6)) if math.isfinite(dual) else bound), None
        bound = max(bound, round(solver.getInfo().objective_function_value))
        values = solver.getSolution().col_value
        found = _pieces(legs, values, points)
        if not found:
            return bound, _walks(instance, legs, values)
        cuts.extend(piece for piece in found if piece not in cuts)
        if nodes <= 0:
            break
    return bound, None


def _walks(instance: BepInstance, legs: list[_Legs],
           values: Sequence[float]) -> list[list[BepTrip]] | None:
    """Each bus's legs as one walk (Hierholzer) from its depot, the empty legs on their
    shortest ways; None if some bus's legs do not make one walk."""
    points = len(instance.demands)
    q = instance.bus_capacity
    routes: list[list[BepTrip]] = []
    for bus, (edges, first, on_board) in enumerate(legs):
        out: dict[int, list[int]] = {}
        count = 0
        for (u, v), column in sorted(edges.items(), reverse=True):
            times = round(values[column])
            out.setdefault(u, []).extend([v] * times)
            count += times
        starts = [i for i, column in first.items() if values[column] > 0.5]
        if not starts:
            if count:
                return None
            routes.append([])
            continue
        stack, path = [starts[0]], []
        while stack:
            if out.get(stack[-1]):
                stack.append(out[stack[-1]].pop())
            else:
                path.append(stack.pop())
        path.reverse()
        if len(path) != count + 1:
            return None
        left = {key: round(values[column]) for key, column in on_board.items()}
        trips = _walk(instance, instance.bus_depots[bus], None, path[0])
        for u, v in itertools.pairwise(path):
            if u < points:
                persons = min(q, left[u, v - points])
                left[u, v - points] -= persons
                trips.append(BepTrip(u, v - points, persons))
            else:
                trips.extend(_walk(instance, None, u - points, v))
        routes.append(trips)
    return routes


def _pieces(legs: list[_Legs], values: Sequence[float], points: int) -> list[frozenset[int]]:
    """The pieces of each bus's legs that its first leg does not reach (nodes: points, then
    shelters numbered from ``points``)."""
    pieces = []
    for edges, first, _ in legs:
        links: dict[int, set[int]] = {}
        for (u, v), column in edges.items():
            if values[column] > 0.5:
                links.setdefault(u, set()).add(v)
                links.setdefault(v, set()).add(u)
        seen: set[int] = set()
        starts = [i for i, column in first.items() if values[column] > 0.5]
        for root in [*starts, *sorted(links)]:
            if root in seen:
                continue
            piece = {root}
            stack = [root]
            while stack:
                for v in links.get(stack.pop(), ()):
                    if v not in piece:
                        piece.add(v)
                        stack.append(v)
            seen |= piece
            if root not in starts:
                pieces.append(frozenset(piece))
    return pieces


def _flow_model(instance: BepInstance, above: int, below: int, cuts: list[frozenset[int]],
                nodes: int, seed: int,
                ) -> tuple[highspy._core._Highs, list[_Legs]]:
    """Build and solve the per-bus flow model of :func:`_flow_bound`."""
    dist, from_depot = _shortest_paths(instance)
    points, shelters = len(instance.demands), len(instance.shelter_capacities)
    sources = [i for i in range(points) if instance.demands[i]]
    sinks = [j for j in range(shelters) if instance.shelter_capacities[j]]
    depots = instance.bus_depots
    q = instance.bus_capacity
    model = _Model()
    makespan = model.column(1.0, upper=float(below - 1), integer=True)
    model.lower[makespan] = float(above)
    persons: dict[tuple[int, int], list[int]] = {}
    previous_time: int | None = None
    legs = []
    for bus, depot in enumerate(depots):
        loaded = {(i, j): model.column(0.0, integer=True) for i in sources for j in sinks}
        empty = {(j, i): model.column(0.0, integer=True) for i in sources for j in sinks}
        first = {i: model.column(0.0, upper=1.0, integer=True) for i in sources}
        last = {j: model.column(0.0, upper=1.0, integer=True) for j in sinks}
        edges = {**{(i, points + j): c for (i, j), c in loaded.items()},
                 **{(points + j, i): c for (j, i), c in empty.items()}}
        on_board: dict[tuple[int, int], int] = {}
        legs.append((edges, first, on_board))
        for (i, j), column in loaded.items():
            if q == 1:
                on_board[i, j] = column
            else:
                on_board[i, j] = model.column(0.0)
                model.row([(on_board[i, j], 1.0), (column, -float(q))], upper=0.0)
            persons.setdefault((i, j), []).append(on_board[i, j])
        model.row([(c, 1.0) for c in first.values()], upper=1.0)
        # a bus with trips has a first one from its depot
        model.row([*((c, 1.0) for c in loaded.values()),
                   *((c, -float(instance.loads)) for c in first.values())], upper=0.0)
        model.row([*((c, 1.0) for c in first.values()), *((c, -1.0) for c in last.values())],
                  lower=0.0, upper=0.0)
        for i in sources:
            model.row([(first[i], 1.0), *((empty[j, i], 1.0) for j in sinks),
                       *((loaded[i, j], -1.0) for j in sinks)], lower=0.0, upper=0.0)
        for j in sinks:
            model.row([*((loaded[i, j], 1.0) for i in sources),
                       *((empty[j, i], -1.0) for i in sources), (last[j], -1.0)],
                      lower=0.0, upper=0.0)
        for piece in cuts:
            # trips inside a piece need a way in: a leg from outside or the first leg
            inside = [(c, 1.0) for (u, v), c in edges.items() if u < points and u in piece
                      and v in piece]
            way_in = [(c, -float(instance.loads)) for (u, v), c in edges.items()
                      if u not in piece and v in piece]
            way_in += [(first[i], -float(instance.loads)) for i in sources if i in piece]
            model.row([*inside, *way_in], upper=0.0)
        time = model.column(0.0)
        model.row([(time, -1.0), *((first[i], from_depot[depot][i]) for i in sources),
                   *((loaded[i, j], float(instance.shelter_times[i][j])) for i, j in loaded),
                   *((empty[j, i], dist[points + j][i]) for j, i in empty)],
                  lower=0.0, upper=0.0)
        model.row([(time, 1.0), (makespan, -1.0)], upper=0.0)
        if previous_time is not None and depots[bus - 1] == depot:
            # buses of one depot are alike: the first of them is the longest
            model.row([(time, 1.0), (previous_time, -1.0)], upper=0.0)
        previous_time = time
    for i in sources:
        model.row([(c, 1.0) for j in sinks for c in persons[i, j]],
                  lower=float(instance.demands[i]), upper=float(instance.demands[i]))
    for j in sinks:
        model.row([(c, 1.0) for i in sources for c in persons[i, j]],
                  upper=float(instance.shelter_capacities[j]))
    solver = model.solve({"mip_max_nodes": nodes, "mip_rel_gap": 0.0,
                          "mip_abs_gap": 0.99}, seed=seed)
    return solver, legs


def _planned_loads(instance: BepInstance, seed: int) -> tuple[list[tuple[int, int]], list[int]]:
    """Loads cut along a transportation plan (persons from points to shelters, fewest trips,
    then shortest legs) and the shelter of each."""
    points, shelters = len(instance.demands), len(instance.shelter_capacities)
    q = instance.bus_capacity
    longest = 1.0 + max(max(row) for row in instance.shelter_times)
    model = _Model()
    persons = {(i, j): model.column(0.0, integer=True)
               for i in range(points) for j in range(shelters)}
    trips = {(i, j): model.column(1.0 + instance.shelter_times[i][j] / longest, integer=True)
             for i in range(points) for j in range(shelters)}
    for (i, j), column in persons.items():
        model.row([(column, 1.0), (trips[i, j], -float(q))], upper=0.0)
    for i in range(points):
        model.row([(persons[i, j], 1.0) for j in range(shelters)],
                  lower=float(instance.demands[i]), upper=float(instance.demands[i]))
    for j in range(shelters):
        model.row([(persons[i, j], 1.0) for i in range(points)],
                  upper=float(instance.shelter_capacities[j]))
    values = model.solve({"mip_max_nodes": 10_000}, seed=seed).getSolution().col_value
    loads: list[tuple[int, int]] = []
    fixed: list[int] = []
    for (i, j), column in persons.items():
        full, rest = divmod(round(values[column]), q)
        for size in [q] * full + ([rest] if rest else []):
            loads.append((i, size))
            fixed.append(j)
    return loads, fixed


def solve_bep(instance: BepInstance, *, seed: int = 0, effort: Effort | None = None,
              ) -> BepSolution:
    """A schedule of least makespan found within ``effort``'s deterministic limits.

    The same instance, seed and effort always give the same solution.
    """
    effort = effort or Effort()
    bound = lower_bound(instance)
    loads = _loads(instance)
    search = _Search(instance, loads, random.Random(seed))
    try:
        search.construct()
    except _NoRoom:
        # Capacities that are not whole bus loads: cut the loads along a transportation
        # plan instead (each point's people to shelters, fewest trips), which always fits.
        loads, fixed = _planned_loads(instance, seed)
        search = _Search(instance, loads, random.Random(seed))
        search.construct(fixed)
    # A first part of the search, then the exact model's bound (which may prove the schedule
    # or let the rest of the search stop earlier), then the rest of the search.
    first = effort.search_legs // 10
    search.anneal(first, bound)
    found = max(search.route_time(b, route) for b, route in enumerate(search.routes))
    if found > bound:
        exact = _flow_bound(instance, bound, found, effort, seed)
        if exact is not None:
            bound = max(bound, exact[0])
            if exact[1] is not None:
                solution = _finish(instance, exact[1], bound)
                if solution.makespan < found:
                    return solution
    if found > bound:
        search.anneal(effort.search_legs - first, bound)
    return _solution(instance, search, bound)


def _walk(instance: BepInstance, depot: int | None, shelter: int | None,
          point: int) -> list[BepTrip]:
    """The empty trips on a shortest way to ``point`` from a depot or from a shelter: a bus
    repositions through other points and shelters when that is quicker than the direct leg."""
    points, shelters = len(instance.demands), len(instance.shelter_capacities)
    n = points + shelters
    inf = math.inf
    dist = [inf] * n
    previous = [-1] * n
    done = [False] * n
    if depot is not None:
        for i in range(points):
            dist[i] = float(instance.depot_times[depot][i])
    else:
        assert shelter is not None
        dist[points + shelter] = 0.0
    for _ in range(n):
        u = min((v for v in range(n) if not done[v]), key=lambda v: (dist[v], v))
        if dist[u] == inf:
            break
        done[u] = True
        if u < points:
            neighbours = [(points + j, instance.shelter_times[u][j]) for j in range(shelters)]
        else:
            neighbours = [(i, instance.shelter_times[i][u - points]) for i in range(points)]
        for v, t in neighbours:
            if not done[v] and dist[u] + t < dist[v]:
                dist[v], previous[v] = dist[u] + t, u
    path = [point]
    while previous[path[-1]] >= 0:
        path.append(previous[path[-1]])
    path.reverse()
    if depot is None:
        path = path[1:]  # leave the shelter itself out: the walk begins at a point
    # path: point, shelter, point, shelter, ..., point: each (point, shelter) an empty trip
    return [BepTrip(path[k], path[k + 1] - points, 0) for k in range(0, len(path) - 1, 2)]


def bus_time(instance: BepInstance, bus: int, trips: Sequence[BepTrip]) -> int:
    """A bus's time: depot -> first point, each trip's leg, the empty legs between trips."""
    if not trips:
        return 0
    total = instance.depot_times[instance.bus_depots[bus]][trips[0].assembly_point]
    for k, trip in enumerate(trips):
        if k:
            total += instance.shelter_times[trip.assembly_point][trips[k - 1].shelter]
        total += instance.shelter_times[trip.assembly_point][trip.shelter]
    return total


def _solution(instance: BepInstance, search: _Search, bound: int) -> BepSolution:
    routes = []
    for bus, route in enumerate(search.routes):
        trips: list[BepTrip] = []
        for load in route:
            point = search.point[load]
            if trips:
                trips.extend(_walk(instance, None, trips[-1].shelter, point))
            else:
                trips.extend(_walk(instance, instance.bus_depots[bus], None, point))
            trips.append(BepTrip(point, search.shelter[load], search.size[load]))
        routes.append(trips)
        assert bus_time(instance, bus, trips) == search.route_time(bus, route)
    return _finish(instance, routes, bound)


def _finish(instance: BepInstance, routes: list[list[BepTrip]], bound: int) -> BepSolution:
    times = tuple(bus_time(instance, bus, trips) for bus, trips in enumerate(routes))
    makespan = max(times)
    return BepSolution(tuple(tuple(trips) for trips in routes), times, makespan,
                       min(bound, makespan), makespan <= bound)
