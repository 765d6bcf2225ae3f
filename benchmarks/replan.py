"""Time a re-plan of about 20,000 remaining people after a disruption (issue 4).

    .venv/bin/python benchmarks/replan.py [--leaving 20600] [--seed 2017] [--repeat 3]

Generates the seeded al-Waer-like scenario (not timed), plans it with ``make_plan`` (the
baseline, timed in the same run), then sets ``as_of`` just after the first convoy left (so about
20,000 people remain) and times ``replan`` for each disruption: one bus out of service for a day
in the middle of the plan, and a destination closed for a day in the middle. Every plan goes
through ``check_plan`` in the same run; a figure counts only when it passes. Best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections import Counter
from datetime import timedelta

from corridor.checker import check_plan
from corridor.domain import Plan, Scenario, VehicleKind
from corridor.domain.disruption import DestinationClosed, Disruption, VehicleOutOfService
from corridor.planner import make_plan
from corridor.planner.replan import replan
from corridor.synthetic import generate


def _disruptions(scenario: Scenario, plan: Plan) -> dict[str, Disruption]:
    as_of = plan.convoys[0].departure + timedelta(minutes=1)
    middle = plan.convoys[len(plan.convoys) // 2]
    bus = next(trip.vehicle_id for trip in middle.trips if trip.kind is VehicleKind.BUS)
    travel = {site.site_id: site.travel_hours for site in scenario.operation.destinations}
    arrival = (middle.departure + timedelta(hours=travel[middle.destination])).date()
    return {
        f"bus {bus} out on {middle.day}": Disruption(
            as_of, vehicles_out=(VehicleOutOfService(bus, middle.day, middle.day),)),
        f"{middle.destination} closed on {arrival}": Disruption(
            as_of, closures=(DestinationClosed(middle.destination, arrival),)),
    }


def main() -> None:
    """Run the benchmark and print one row a disruption."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaving", type=int, default=20_600)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    scenario = generate(arguments.leaving, seed=arguments.seed)
    plan_times = []
    plan = None
    for _ in range(arguments.repeat):
        started = time.perf_counter()
        plan = make_plan(scenario).plan
        plan_times.append(time.perf_counter() - started)
    assert plan is not None
    baseline = min(plan_times)
    assert check_plan(scenario, plan) == []
    as_of = plan.convoys[0].departure + timedelta(minutes=1)
    remaining = sum(convoy.people for convoy in plan.convoys if convoy.departure >= as_of)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"make_plan (baseline): {baseline:.2f} s, {plan.days} days, {len(plan.convoys)} "
          f"convoys; {remaining:,} people remain after the first convoy")
    print("| disruption | re-plan s | / make_plan | check | changed households | reasons | "
          "re-planned from | days |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, disruption in _disruptions(scenario, plan).items():
        times = []
        for _ in range(arguments.repeat):
            started = time.perf_counter()
            result = replan(scenario, plan, disruption)
            times.append(time.perf_counter() - started)
        best = min(times)
        violations = check_plan(scenario, result.plan)
        reasons = Counter(change.reason.value for change in result.changes)
        print(f"| {name} | {best:.2f} | {best / baseline:.2f} | "
              f"{'PASS' if not violations else f'FAIL ({len(violations)})'} | "
              f"{len(result.changes):,} | "
              f"{', '.join(f'{k} {v:,}' for k, v in sorted(reasons.items()))} | "
              f"{result.replanned_from or '-'} | {result.plan.days} |")


if __name__ == "__main__":
    main()
