"""Where the planner's trips above the trip bound come from, destination by destination (issue 3).

    .venv/bin/python benchmarks/trip_gap.py --sizes 2000,20600,100000 [--with-million]

For each size the scenario is generated (seed 2017) and planned with ``make_plan``; the plan must
pass ``check_plan`` or the size is reported as failed. Each destination's trips are set against
its share of the trip bound, split by cause as ``corridor plan --explain`` shows them
(``corridor.planner.gap``, whose docstring defines each cause): buses of days whose riders are
not whole busloads; buses lost to whole households and each convoy's last bus; ambulances of
more convoys than the bound's; compulsory ambulances without a stretcher case; trucks.

The days at the reception limit (arrivals within a busload of the destination's reception) are
counted too: those are the days the plan keeps full to be as short as it is; so are the convoys
that leave after the destination's last stretcher case. The causes add up to the trips above the
sum of the bound's kinds; the trip bound itself can be higher (its arrival-day part, "whole
vehicles a day's arrivals"), and the last column gives both.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from datetime import date, timedelta

from corridor.checker import check_plan
from corridor.domain import Plan, Scenario
from corridor.planner import make_plan
from corridor.synthetic import generate

CAUSES = (("busloads", "buses: whole busloads a day"),
          ("packing", "buses: households and convoys"),
          ("more_convoys", "ambulances: more convoys"),
          ("compulsory", "ambulances: compulsory, no stretcher case"),
          ("trucks", "trucks"))


def full_days(scenario: Scenario, plan: Plan) -> dict[str, tuple[int, int]]:
    """For each destination: arrival days within a busload of its reception, and all of them."""
    sites = {site.site_id: site for site in scenario.operation.destinations}
    seats = max((v.seats for v in scenario.operation.vehicles()), default=0)
    arriving: dict[tuple[str, date], int] = defaultdict(int)
    for convoy in plan.convoys:
        arrival = convoy.departure + timedelta(hours=sites[convoy.destination].travel_hours)
        arriving[convoy.destination, arrival.date()] += convoy.people
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (k, _), people in arriving.items():
        days[k][0] += people > sites[k].reception_capacity_per_day - seats
        days[k][1] += 1
    return {k: (full, every) for k, (full, every) in days.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20600,100000",
                        help="people leaving, comma-separated")
    parser.add_argument("--with-million", action="store_true", help="also 1,000,000 people")
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.with_million:
        sizes.append(1_000_000)
    print("| N | destination | convoys (after the last stretcher case) | full days / arrival days "
          "| plan (bus, amb, truck) | bound | " + " | ".join(h for _, h in CAUSES) + " | above |")
    print("| --- " * (7 + len(CAUSES)) + "|")
    for size in sizes:
        scenario = generate(size, seed=args.seed)
        started = time.perf_counter()
        result = make_plan(scenario, seed=args.seed)
        seconds = time.perf_counter() - started
        plan = result.plan
        violations = check_plan(scenario, plan)
        if violations:
            print(f"| {size:,} | plan FAILS the check ({len(violations)} violations) |")
            continue
        full = full_days(scenario, plan)
        for gap in result.trip_gaps:
            days = full.get(gap.destination, (0, 0))
            print(f"| {size:,} | {gap.destination} | {gap.convoys} ({gap.after_stretchers}) | "
                  f"{days[0]} / {days[1]} | {', '.join(map(str, gap.plan))} | "
                  f"{', '.join(map(str, gap.bound))} | "
                  + " | ".join(f"{getattr(gap, name):+d}" for name, _ in CAUSES)
                  + f" | {gap.above:+d} |")
        total, bound = plan.trips, sum(sum(gap.bound) for gap in result.trip_gaps)
        official = next(b.value for b in plan.bounds if b.name == "all vehicle trips")
        print(f"| {size:,} | all ({plan.days} days, plan in {seconds:.1f} s) | "
              f"{sum(gap.convoys for gap in result.trip_gaps)} | | {total:,} | {bound:,} | "
              + " | ".join(f"{sum(getattr(gap, name) for gap in result.trip_gaps):+d}"
                           for name, _ in CAUSES)
              + f" | {total - bound:+d}; {total - official:+d} on the trip bound of "
              f"{official:,} ({100 * (total - official) / official:.1f} %) |")


if __name__ == "__main__":
    main()
