"""The aggregate schedule: how many people of each priority leave for each destination each day,
and how many buses, ambulances, trucks and convoys carry them.

People are counted, not enumerated, so the model's size depends on days x destinations, not on
the population. It is a linear programme solved with HiGHS under a deterministic limit (simplex
iterations, never wall-clock time), one thread: the same problem always gives the same schedule.
Vehicles are counted fractionally here; the manifests (manifests.py) turn the schedule's people
into whole households on whole, named vehicles, and the checker proves the result.

For a horizon of D days (the last arrival on day D - 1) the model keeps, for every day d and
destination k: people (by priority) up to the reception capacity; riders within the seats of
the buses, stretcher cases within the ambulances' stretchers, luggage within holds and trucks;
vehicles within convoys, convoys within the day's limit; the checkpoint's people and vehicles
before each destination's last departure; vehicles busy for their round trip and rest within
the fleet available each day; phases, quotas and pins. The planner looks for the smallest D (by
bisection: feasibility is monotone in D), then minimises priority-weighted arrival days, with a
cost on trips. A destination with an early lane (``Problem.early_lanes``) has columns for each
of its lanes, and its reception is counted by day of arrival over both.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import highspy
import numpy as np

from corridor.planner.problem import Lane, Priority, Problem

WHOLE_NODE_LIMIT = 20_000
"""Branch-and-bound nodes of the schedule with whole convoys and vehicles (small problems)."""

SIMPLEX_ITERATION_LIMIT = 5_000_000
"""Deterministic limit on the work of one solve (HiGHS has no deterministic time limit)."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """The aggregate schedule for a horizon of ``days`` days: people by day and destination.

    Counts are fractional; the manifests turn them into whole households and vehicles.
    ``early``: people who leave in a destination's early lane (``Problem.early_lanes``).
    """

    days: int
    people: dict[tuple[int, str], float]
    early: dict[tuple[int, str], float] = field(default_factory=dict)

    def people_on(self, day: int, destination: str) -> float:
        """People the schedule sends on ``day`` to ``destination`` in its lane."""
        return self.people.get((day, destination), 0.0)

    def early_on(self, day: int, destination: str) -> float:
        """People the schedule sends on ``day`` to ``destination`` in its early lane."""
        return self.early.get((day, destination), 0.0)


@dataclass
class _Model:
    """Columns and rows collected in Python, handed to HiGHS in one go."""

    costs: list[float]
    lower: list[float]
    upper: list[float]
    row_lower: list[float]
    row_upper: list[float]
    starts: list[int]
    indices: list[int]
    values: list[float]

    def column(self, cost: float, upper: float = highspy.kHighsInf, lower: float = 0.0) -> int:
        self.costs.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        return len(self.costs) - 1

    def row(self, terms: list[tuple[int, float]], lower: float = -highspy.kHighsInf,
            upper: float = highspy.kHighsInf) -> None:
        self.starts.append(len(self.indices))
        for index, value in terms:
            self.indices.append(index)
            self.values.append(value)
        self.row_lower.append(lower)
        self.row_upper.append(upper)


def _aggregate(problem: Problem) -> tuple[dict[tuple[str, Priority], int], dict[str, int],
                                          dict[str, float], dict[tuple[str, Priority], float]]:
    people: dict[tuple[str, Priority], int] = defaultdict(int)
    luggage: dict[tuple[str, Priority], int] = defaultdict(int)
    stretchers: dict[str, int] = defaultdict(int)
    companions: dict[str, int] = defaultdict(int)
    for group in problem.groups:
        key = (group.destination, group.priority)
        people[key] += group.people
        luggage[key] += group.luggage_pieces
        for household in group.households:
            cases = len(household.on_stretcher)
            stretchers[group.destination] += cases
            companions[group.destination] += min(cases, household.size - cases)
    companion_share = {k: companions[k] / stretchers[k] for k in stretchers if stretchers[k]}
    luggage_per_person = {key: luggage[key] / people[key] for key in people if people[key]}
    return people, stretchers, companion_share, luggage_per_person


def trip_cost(problem: Problem) -> float:
    """What one vehicle trip is worth in priority-weighted arrival days (person-days).

    A half-empty bus is worth a day's wait of that many people of the lowest priority.
    """
    return problem.operation.priorities.other * max(1, problem.buses.seats) / 2


def solve_schedule(problem: Problem, days: int, seed: int,
                   pinned: dict[tuple[int, str, Priority], int] | None = None,
                   whole_solutions: int = 0) -> Schedule | None:
    """The best schedule whose last arrival is on day ``days - 1``, or None if there is none.

    Everything is counted fractionally, convoys too: making convoys whole (a mixed-integer
    programme) was tried and was ten times slower at 20,600 people for no shorter plan. With
    ``whole_solutions`` > 0, vehicles and convoys of each day and destination are whole numbers
    (for small problems, see ``solve.WHOLE_SLOTS``): HiGHS stops after that many improving
    solutions or ``WHOLE_NODE_LIMIT`` nodes, both counts, so the same problem gives the same
    schedule; None when it finds none by then.
    """
    operation = problem.operation
    rules = operation.convoy_rules
    weights = operation.priorities
    people, stretchers, companion_share, luggage_per_person = _aggregate(problem)
    bus, ambulance, truck = problem.buses, problem.ambulances, problem.trucks
    model = _Model([], [], [], [], [], [], [], [])
    cost = trip_cost(problem)
    # A lane of each destination, and an early lane for some (``Problem.early_lanes``): an
    # entry each; columns by (day, entry). The early lane is only for the days it shortens the
    # schedule: its people count as arriving when the lane's would, so it saves no one a day.
    entries: list[Lane] = [*problem.lanes, *problem.early_lanes]
    main = {lane.destination: lane for lane in problem.lanes}
    x: dict[tuple[int, int, Priority], int] = {}
    s: dict[tuple[int, int], int] = {}
    vehicles: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    for entry, lane in enumerate(entries):
        k = lane.destination
        classes = [c for c in Priority if people.get((k, c), 0) > 0]
        if not classes:
            continue
        vehicle_cost = cost * (1 if lane is main[k] else 2)  # early lanes' vehicles: twice
        for d in range(0, days - lane.arrival_offset):
            phase = problem.phase_of_day[d] if d < len(problem.phase_of_day) else None
            if problem.phase_quotas and (phase is None or k not in
                                         problem.phase_destinations[phase]):
                continue
            for c in classes:
                arrival = d + main[k].arrival_offset + 1
                x[d, entry, c] = model.column(c.weight(weights) * arrival)
            if stretchers.get(k):
                s[d, entry] = model.column(0.0)
            vehicles[d, entry] = (model.column(vehicle_cost), model.column(vehicle_cost),
                                  model.column(vehicle_cost), model.column(vehicle_cost / 10))
    if not x:
        return None
    # Everyone leaves, stretcher cases among the medical emergencies.
    by_key: dict[tuple[str, Priority], list[int]] = defaultdict(list)
    for (_day, entry, c), column in x.items():
        by_key[entries[entry].destination, c].append(column)
    for key, total in people.items():
        columns = by_key.get(key)
        if not columns:
            return None
        model.row([(column, 1.0) for column in columns], total, total)
    stretcher_columns: dict[str, list[int]] = defaultdict(list)
    for (d, entry), column in s.items():
        stretcher_columns[entries[entry].destination].append(column)
        model.row([(column, 1.0), (x[d, entry, Priority.MEDICAL], -1.0)], upper=0.0)
    for k, total in stretchers.items():
        if total:
            if not stretcher_columns.get(k):
                return None
            model.row([(column, 1.0) for column in stretcher_columns[k]], total, total)
    # Vehicles of each (day, lane): seats, stretchers, luggage, convoys.
    arriving: dict[tuple[int, str], list[tuple[int, float]]] = defaultdict(list)
    two_lanes = {lane.destination for lane in problem.early_lanes}
    for (d, entry), (buses, ambulances, trucks, convoys) in vehicles.items():
        lane = entries[entry]
        k = lane.destination
        riders = [(x[d, entry, c], 1.0) for c in Priority if (d, entry, c) in x]
        if k in two_lanes:
            arriving[d + lane.arrival_offset, k] += riders
        stretcher_column = s.get((d, entry))
        share = companion_share.get(k, 0.0)
        seat_row = [*riders, (buses, -float(bus.seats))]
        if stretcher_column is not None:
            seat_row.append((stretcher_column, -(1.0 + share)))
            model.row([(stretcher_column, 1.0), (ambulances, -float(ambulance.stretchers))],
                      upper=0.0)
            model.row([(stretcher_column, share), (ambulances, -float(ambulance.seats))],
                      upper=0.0)
        model.row(seat_row, upper=0.0)
        luggage_row = [(x[d, entry, c], luggage_per_person.get((k, c), 0.0))
                       for c in Priority if (d, entry, c) in x]
        model.row([*luggage_row, (buses, -float(bus.luggage_capacity)),
                   (trucks, -float(truck.luggage_capacity))], upper=0.0)
        model.row([(buses, 1.0), (ambulances, 1.0), (trucks, 1.0),
                   (convoys, -float(rules.max_vehicles_per_convoy))], upper=0.0)
        model.row([(convoys, float(rules.min_ambulances_per_convoy)), (ambulances, -1.0)],
                  upper=0.0)
        if k not in two_lanes:
            model.row(riders, upper=float(lane.reception_per_day))
        # Everyone in a convoy arrives together, so a convoy carries at most a day's reception
        # (and what its buses seat): fractional convoys must still be enough for their people.
        reception = lane.reception_per_day
        per_convoy = min(reception, (rules.max_vehicles_per_convoy -
                                     rules.min_ambulances_per_convoy) * max(1, bus.seats))
        model.row([*riders, (convoys, -float(per_convoy))], upper=0.0)
    # Reception by day of arrival, where a destination's two lanes arrive on the same days.
    for (_arrival, k), riders in arriving.items():
        model.row(riders, upper=float(main[k].reception_per_day))
    # Each day: convoys, and the checkpoint before each lane's last departure.
    deadlines = sorted({lane.latest for lane in entries})
    for d in range(days):
        today = [(entry, cols) for (day, entry), cols in vehicles.items() if day == d]
        if not today:
            continue
        model.row([(cols[3], 1.0) for _, cols in today], upper=float(rules.max_convoys_per_day))
        for deadline in deadlines:
            before = [entry for entry, _ in today if entries[entry].latest <= deadline]
            if not before:
                continue
            minutes_open = deadline - problem.opens
            model.row([(x[d, entry, c], 1.0) for entry in before for c in Priority
                       if (d, entry, c) in x],
                      upper=float(problem.cleared(minutes_open)))
            model.row([(vehicles[d, entry][i], 1.0) for entry in before for i in range(3)],
                      upper=float(problem.cleared(minutes_open, vehicles=True)))
    # The fleet: a vehicle is busy for its round trip and rest.
    for kind_index, fleet in enumerate((bus, ambulance, truck)):
        for day in range(days):
            busy = [(cols[kind_index], 1.0) for (d, entry), cols in vehicles.items()
                    if d <= day < d + entries[entry].round_trip_days]
            if busy:
                available = fleet.available_per_day[day] if day < len(
                    fleet.available_per_day) else 0
                model.row(busy, upper=float(available))
    # Phases with a quota.
    for phase, quota in enumerate(problem.phase_quotas):
        if quota is None:
            continue
        in_phase = [(column, 1.0) for (d, _, _), column in x.items()
                    if problem.phase_of_day[d] == phase]
        if in_phase:
            model.row(in_phase, upper=float(quota))
    for (day, k, c), count in (pinned or {}).items():
        columns = [x[day, entry, c] for entry, lane in enumerate(entries)
                   if lane.destination == k and (day, entry, c) in x]
        if not columns:
            return None
        model.row([(column, 1.0) for column in columns], lower=float(count))
    integers = [column for columns in vehicles.values() for column in columns] \
        if whole_solutions > 0 else []
    return _run(model, days, x, entries, len(problem.lanes), seed, integers, whole_solutions)


def _run(model: _Model, days: int, x: dict[tuple[int, int, Priority], int],
         entries: list[Lane], early_from: int, seed: int, integers: list[int] | None = None,
         solutions: int = 0) -> Schedule | None:
    # The core class, not the highspy.Highs wrapper: the wrapper prints a banner on standard
    # output as it is made, before output_flag can be turned off, and the CLI's output is ours.
    solver = highspy._core._Highs()
    for name, value in (("output_flag", False), ("threads", 1), ("random_seed", seed),
                        ("simplex_iteration_limit", SIMPLEX_ITERATION_LIMIT),
                        ("presolve", "on")):
        solver.setOptionValue(name, value)
    count = len(model.costs)
    solver.addCols(count, np.array(model.costs), np.array(model.lower), np.array(model.upper),
                   0, np.array([], dtype=np.int32), np.array([], dtype=np.int32),
                   np.array([], dtype=np.float64))
    solver.addRows(len(model.row_lower), np.array(model.row_lower), np.array(model.row_upper),
                   len(model.indices), np.array(model.starts, dtype=np.int32),
                   np.array(model.indices, dtype=np.int32), np.array(model.values))
    if integers:
        solver.setOptionValue("mip_max_nodes", WHOLE_NODE_LIMIT)
        solver.setOptionValue("mip_max_improving_sols", solutions)
        solver.changeColsIntegrality(len(integers), np.array(integers, dtype=np.int32),
                                     np.array([1] * len(integers), dtype=np.uint8))
    solver.run()
    solution = solver.getSolution()
    has_solution = solver.getInfo().primal_solution_status == 2  # feasible point found
    if not has_solution:
        return None
    values = list(solution.col_value)
    people: dict[tuple[int, str], float] = defaultdict(float)
    early: dict[tuple[int, str], float] = defaultdict(float)
    for (d, entry, _priority), column in x.items():
        (early if entry >= early_from else people)[d, entries[entry].destination] += \
            values[column]
    return Schedule(days, dict(people), dict(early))


def smallest_horizon(problem: Problem, low: int, high: int, seed: int,
                     pinned: dict[tuple[int, str, Priority], int] | None = None,
                     ) -> Schedule | None:
    """The schedule with the fewest days in ``low..high``, or None when even ``high`` fails.

    Feasibility is monotone in the horizon (a longer one only adds room), so bisection finds the
    first horizon with a schedule.
    """
    if solve_schedule(problem, high, seed, pinned) is None:
        return None
    lo, hi = low, high
    while lo < hi:
        middle = (lo + hi) // 2
        if solve_schedule(problem, middle, seed, pinned) is None:
            lo = middle + 1
        else:
            hi = middle
    return solve_schedule(problem, lo, seed, pinned)
