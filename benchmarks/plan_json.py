"""Write a large plan as plan.json and read it back; print the best time of each and the size.

    .venv/bin/python benchmarks/plan_json.py --people 1000000
    .venv/bin/python benchmarks/plan_json.py --people 1000000 --per-line 5

The plan is made in memory with the domain classes (seeded): buses of 45 seats and one ambulance
in every 30 trips, ``--per-line`` persons a manifest line (1: about a million lines for a million
people, the worst case; 5: a household a line, the usual case), 50 trips a convoy. The baseline,
in the same process, is the floor for the same data: ``json.dumps`` and ``json.loads`` of the
document's own dictionaries and lists, with no domain objects and no checks. Target for a
million people: a few seconds each way.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from corridor.domain import (
    Bound,
    BoundKind,
    Convoy,
    ManifestLine,
    Plan,
    VehicleKind,
    VehicleTrip,
)
from corridor.interop.plan_json import plan_from_json, plan_to_json
from corridor.memory import cyclic_gc_paused

SEATS = 45
TRIPS_PER_CONVOY = 50


def large_plan(people: int, per_line: int, seed: int = 1) -> Plan:
    """A plan for ``people`` persons, ``per_line`` of them a manifest line."""
    generator = random.Random(seed)
    trips: list[VehicleTrip] = []
    person = household = 0
    while person < people:
        if len(trips) % 30 == 29:
            lines = (ManifestLine(f"H{household:07d}", (f"P{person:08d}", f"P{person + 1:08d}"),
                                  (f"P{person:08d}",), 1),)
            trips.append(VehicleTrip(f"AMB-{len(trips) % 40:03d}", VehicleKind.AMBULANCE, lines))
            person += 2
            household += 1
            continue
        bus_lines = []
        for _ in range(SEATS // per_line):
            persons = tuple(f"P{number:08d}" for number in range(person, person + per_line))
            bus_lines.append(ManifestLine(f"H{household:07d}", persons, (),
                                          generator.randint(0, 2 * per_line)))
            person += per_line
            household += 1
        trips.append(VehicleTrip(f"BUS-{len(trips) % 900:04d}", VehicleKind.BUS,
                                 tuple(bus_lines)))
    convoys = []
    first = date(2017, 3, 18)
    for number, start in enumerate(range(0, len(trips), TRIPS_PER_CONVOY)):
        day = first + timedelta(days=number)
        convoys.append(Convoy(f"C{number:04d}", day, datetime(day.year, day.month, day.day, 6),
                              "jarablus", tuple(trips[start:start + TRIPS_PER_CONVOY])))
    bounds = (Bound(BoundKind.DAYS, "reception", len(convoys), "reception",
                    "Jarablus receives 1,500 people a day"),)
    return Plan("al-waer-bench", "2017-03-13", seed, tuple(convoys), (), bounds, len(convoys),
                True, "reception")


def main() -> None:
    """Measure plan_to_json and plan_from_json against the json module alone."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--per-line", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    with cyclic_gc_paused():
        plan = large_plan(arguments.people, arguments.per_line)
    lines = sum(len(trip.lines) for convoy in plan.convoys for trip in convoy.trips)
    print(f"{platform.machine()}, CPython {platform.python_version()}: {plan.people:,} people, "
          f"{plan.trips:,} trips, {lines:,} manifest lines, {len(plan.convoys):,} convoys")

    text = plan_to_json(plan)
    assert plan_from_json(text) == plan
    written = _best(lambda: plan_to_json(plan), arguments.repeat)
    reading = _best(lambda: plan_from_json(text), arguments.repeat)
    print(f"plan_to_json   {written:6.2f} s  ({len(text.encode()) / 2**20:,.0f} MiB)")
    print(f"plan_from_json {reading:6.2f} s")

    data = json.loads(text)
    with cyclic_gc_paused():  # as plan_from_json does: the floor, not the collector, is measured
        baseline_write = _best(lambda: json.dumps(data, ensure_ascii=False), arguments.repeat)
        baseline_read = _best(lambda: json.loads(text), arguments.repeat)
    print(f"baseline json.dumps {baseline_write:6.2f} s, json.loads {baseline_read:6.2f} s; "
          f"ratios {written / baseline_write:.1f}x and {reading / baseline_read:.1f}x")


def _best(step: Callable[[], object], repeat: int) -> float:
    """The shortest time of ``repeat`` runs of ``step`` (the others met a noisy machine)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
        del result  # freeing it is not part of the step
    return min(times)

if __name__ == "__main__":
    main()
