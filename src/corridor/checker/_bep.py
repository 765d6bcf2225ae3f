"""The independent checker of bus evacuation (BEP) schedules.

It reads the instance file itself and takes a schedule as plain data (per bus, its trips as
``(assembly point, shelter, persons)``, 0-based), so that nothing of the planner's reading,
shortest paths or search is trusted. It recomputes each bus's time by the definition: depot ->
first assembly point, each trip's loaded leg (point -> shelter), each empty leg from a trip's
shelter to the next trip's point, no return after the last drop-off. A trip may carry nobody (a
bus driving through a point and a shelter to reposition).

::

    instance = read_instance(path.read_text())
    check = check_bep(instance, [[(0, 1, 1), (0, 1, 1)], [(1, 0, 1)]])
    check.makespan, check.violations            # violations == () when the schedule is valid

It is not (yet) exported by ``corridor.checker``, whose public names tests/test_checker.py pins;
import it from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from corridor.checker._violation import Violation

BEP_RULES: tuple[str, ...] = ("buses", "trip", "seats", "demand", "shelter_capacity")
"""The rules a BEP schedule keeps, in the order its violations are reported."""


@dataclass(frozen=True, slots=True)
class BepData:
    """An instance as the checker reads it (0-based indexes)."""

    bus_capacity: int
    depot_buses: tuple[int, ...]
    demands: tuple[int, ...]
    shelter_capacities: tuple[int, ...]
    depot_times: tuple[tuple[int, ...], ...]
    shelter_times: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class BepCheck:
    """What the checker found: each bus's time, the makespan, and every violation."""

    bus_times: tuple[int, ...]
    makespan: int
    violations: tuple[Violation, ...]

    @property
    def valid(self) -> bool:
        """Whether the schedule keeps every rule."""
        return not self.violations


def read_instance(text: str) -> BepData:
    """Read an instance file (whitespace-separated integers, as in SOURCE.md of the
    benchmark); a malformed file raises ValueError (the planner's reader explains, not this)."""
    numbers = iter(int(token) for token in text.split())
    take = numbers.__next__
    _buses, capacity = take(), take()
    depots = take()
    depot_buses = tuple(take() for _ in range(depots))
    points, _total = take(), take()
    demands = tuple(take() for _ in range(points))
    shelters, _capacity = take(), take()
    capacities = tuple(take() for _ in range(shelters))
    depot_times = []
    for _ in range(depots):
        take()  # the depot's id
        depot_times.append(tuple(take() for _ in range(points)))
    shelter_times = []
    for _ in range(points):
        take()  # the assembly point's id
        shelter_times.append(tuple(take() for _ in range(shelters)))
    if next(numbers, None) is not None:
        raise ValueError("unexpected numbers after the last assembly point's times")
    return BepData(capacity, depot_buses, demands, capacities, tuple(depot_times),
                   tuple(shelter_times))


def check_bep(instance: BepData,
              routes: Sequence[Sequence[tuple[int, int, int]]]) -> BepCheck:
    """Check a schedule against the instance and recompute its makespan.

    ``routes[b]`` are bus ``b``'s trips in order; buses are numbered depot by depot (the first
    depot's buses first).
    """
    violations: list[Violation] = []
    depot_of = [k for k, count in enumerate(instance.depot_buses) for _ in range(count)]
    points, shelters = len(instance.demands), len(instance.shelter_capacities)
    if len(routes) != len(depot_of):
        violations.append(Violation("buses", "schedule",
                                    f"the schedule has {len(routes)} buses, the instance "
                                    f"{len(depot_of)}"))
    carried = [0] * points
    received = [0] * shelters
    times: list[int] = []
    for bus, trips in enumerate(routes[:len(depot_of)]):
        time = 0
        previous_shelter: int | None = None
        for number, (point, shelter, persons) in enumerate(trips, start=1):
            subject = f"bus {bus + 1} trip {number}"
            if not (0 <= point < points and 0 <= shelter < shelters):
                violations.append(Violation("trip", subject,
                                            f"assembly point {point + 1} or shelter "
                                            f"{shelter + 1} does not exist"))
                previous_shelter = None
                continue
            if not 0 <= persons <= instance.bus_capacity:
                violations.append(Violation("seats", subject,
                                            f"{persons} persons on a bus of "
                                            f"{instance.bus_capacity} seats"))
            if previous_shelter is None:
                if number == 1:
                    time += instance.depot_times[depot_of[bus]][point]
            else:
                time += instance.shelter_times[point][previous_shelter]
            time += instance.shelter_times[point][shelter]
            carried[point] += persons
            received[shelter] += persons
            previous_shelter = shelter
        times.append(time)
    for point, demand in enumerate(instance.demands):
        if carried[point] != demand:
            violations.append(Violation("demand", f"assembly point {point + 1}",
                                        f"{carried[point]} persons carried of {demand}"))
    for shelter, capacity in enumerate(instance.shelter_capacities):
        if received[shelter] > capacity:
            violations.append(Violation("shelter_capacity", f"shelter {shelter + 1}",
                                        f"{received[shelter]} persons arrive, it holds "
                                        f"{capacity}"))
    order = {rule: rank for rank, rule in enumerate(BEP_RULES)}
    violations.sort(key=lambda v: order[v.rule])
    return BepCheck(tuple(times), max(times, default=0), tuple(violations))
