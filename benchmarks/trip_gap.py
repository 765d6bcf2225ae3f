"""Where the planner's trips above the trip bound come from, destination by destination (issue 3).

    .venv/bin/python benchmarks/trip_gap.py --sizes 2000,20600,100000 [--with-million]

For each size the scenario is generated (seed 2017) and planned with ``make_plan``; the plan must
pass ``check_plan`` or the size is reported as failed. Each destination's trips are then set
against its share of the trip bound (``bounds.trip_bounds``: buses, ambulances and trucks), and
the trips above it are split by what they come from:

* **buses: whole busloads a day**: the buses the day's bus riders need at the least, day by
  day (their seats over a bus's seats, rounded up), less the bound's buses. The bound lets the
  riders travel on any number of days, each a whole number of busloads; a plan as short as
  this one carries days of riders that are not whole busloads (a day at the reception limit of
  250 people to Northern rural Homs needs 6 buses for 246 riders, where 225 would fill 5).
* **buses: households and convoys**: the plan's buses less those day by day least: whole
  households do not fill every seat, and each convoy of a day has its own last bus.
* **ambulances: more convoys**: the bound counts the ambulances the stretcher cases fill or the
  compulsory ambulances of the convoys reception forces, whichever is more; a plan with more
  convoys than that has more compulsory ambulances (their number, or the stretcher ambulances,
  whichever is more, less the bound's).
* **ambulances: compulsory, no stretcher case**: the rest. The stretcher cases, medical
  emergencies, go first, filling the ambulances of the early convoys, so the compulsory
  ambulances of the later convoys carry none; and a convoy with an odd number of stretcher
  cases has an ambulance not full.
* **trucks**: luggage trucks above the bound (below it where ambulance holds take luggage).

The days at the reception limit (arrivals within a busload of the destination's reception) are
counted too: those are the days the plan keeps full to be as short as it is; so are the convoys
that leave after the destination's last stretcher case. The causes add up to
the trips above the sum of the bound's kinds; the trip bound itself can be higher (its arrival-day
part, "whole vehicles a day's arrivals"), and the last column gives both.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from datetime import date, timedelta
from math import ceil
from typing import Any

from corridor.checker import check_plan
from corridor.domain import Plan, Scenario, VehicleKind
from corridor.planner import make_plan
from corridor.planner.bounds import trip_bounds
from corridor.planner.problem import build_problem
from corridor.synthetic import generate

CAUSES = ("buses: whole busloads a day", "buses: households and convoys",
          "ambulances: more convoys", "ambulances: compulsory, no stretcher case", "trucks")


def gap(scenario: Scenario, plan: Plan) -> dict[str, dict[str, Any]]:
    """Each destination's trips, its bound and the trips above it by cause."""
    problem = build_problem(scenario, plan.pins, False)
    bounds = trip_bounds(problem)
    seats = max(v.seats for v in problem.buses.vehicles)
    sites = {site.site_id: site for site in scenario.operation.destinations}
    riders: dict[tuple[str, date], int] = defaultdict(int)
    arriving: dict[tuple[str, date], int] = defaultdict(int)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    last_stretcher: dict[str, date] = {}
    for convoy in plan.convoys:
        k = convoy.destination
        arrival = convoy.departure + timedelta(hours=sites[k].travel_hours)
        arriving[k, arrival.date()] += convoy.people
        mine = counts[k]
        mine["convoys"] += 1
        for trip in convoy.trips:
            mine[str(trip.kind)] += 1
            if trip.kind is VehicleKind.BUS:
                riders[k, convoy.day] += trip.seated
            elif trip.kind is VehicleKind.AMBULANCE:
                mine["stretchers"] += trip.on_stretchers
                if trip.on_stretchers:
                    last_stretcher[k] = max(last_stretcher.get(k, convoy.day), convoy.day)
    result: dict[str, dict[str, Any]] = {}
    for k, mine in sorted(counts.items()):
        least = sum(ceil(n / seats) for (dest, _), n in riders.items() if dest == k)
        buses, ambulances = mine[str(VehicleKind.BUS)], mine[str(VehicleKind.AMBULANCE)]
        trucks = mine[str(VehicleKind.LUGGAGE_TRUCK)]
        bound = (bounds.buses.get(k, 0), bounds.ambulances.get(k, 0), bounds.trucks.get(k, 0))
        reception = sites[k].reception_capacity_per_day
        # Ambulances no plan with this many convoys can do without.
        needed = max(ceil(mine["stretchers"] / problem.ambulances.stretchers),
                     mine["convoys"] * scenario.operation.convoy_rules.min_ambulances_per_convoy)
        result[k] = {
            "convoys": mine["convoys"],
            "plan": (buses, ambulances, trucks),
            "bound": bound,
            "full days": sum(1 for (dest, _), n in arriving.items()
                             if dest == k and n > reception - seats),
            "arrival days": sum(1 for dest, _ in arriving if dest == k),
            "after the stretcher cases": sum(
                1 for convoy in plan.convoys if convoy.destination == k and
                (k not in last_stretcher or convoy.day > last_stretcher[k])),
            CAUSES[0]: least - bound[0],
            CAUSES[1]: buses - least,
            CAUSES[2]: needed - bound[1],
            CAUSES[3]: ambulances - needed,
            CAUSES[4]: trucks - bound[2],
        }
    return result


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
          "| plan (bus, amb, truck) | "
          "bound | " + " | ".join(CAUSES) + " | above |")
    print("| --- " * (7 + len(CAUSES)) + "|")
    for size in sizes:
        scenario = generate(size, seed=args.seed)
        started = time.perf_counter()
        plan = make_plan(scenario, seed=args.seed).plan
        seconds = time.perf_counter() - started
        violations = check_plan(scenario, plan)
        if violations:
            print(f"| {size:,} | plan FAILS the check ({len(violations)} violations) |")
            continue
        rows = gap(scenario, plan)
        for k, row in rows.items():
            above = sum(row[cause] for cause in CAUSES)
            print(f"| {size:,} | {k} | {row['convoys']} ({row['after the stretcher cases']}) | "
                  f"{row['full days']} / "
                  f"{row['arrival days']} | {', '.join(map(str, row['plan']))} | "
                  f"{', '.join(map(str, row['bound']))} | "
                  + " | ".join(f"{row[cause]:+d}" for cause in CAUSES) + f" | {above:+d} |")
        total = sum(sum(r["plan"]) for r in rows.values())
        bound = sum(sum(r["bound"]) for r in rows.values())
        official = next(b.value for b in plan.bounds if b.name == "all vehicle trips")
        print(f"| {size:,} | all ({plan.days} days, plan in {seconds:.1f} s) | "
              f"{sum(r['convoys'] for r in rows.values())} | | {total:,} | {bound:,} | "
              + " | ".join(f"{sum(r[c] for r in rows.values()):+d}" for c in CAUSES)
              + f" | {total - bound:+d}; {total - official:+d} on the trip bound of "
              f"{official:,} ({100 * (total - official) / official:.1f} %) |")


if __name__ == "__main__":
    main()
