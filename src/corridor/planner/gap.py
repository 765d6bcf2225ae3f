"""Why a plan has more vehicle trips than the trip bound: the trips above it, by cause.

The trip bound (``bounds.trip_bounds``) counts, for each destination, buses, ambulances and trucks
as if its people could travel on any number of days, each day a whole number of busloads, and the
stretcher cases could fill the ambulances of any convoy. A plan as short as possible, medical
emergencies first, cannot do that; this module says how much each of those freedoms costs the
plan, destination by destination (docs/planner.md, "Why trips are above the bound"):

* ``busloads``: the buses each departure day's bus riders need at the least (riders over a
  bus's seats, rounded up), summed over the days, less the bound's buses: days that carry
  riders who are not whole busloads (a day at the reception limit of 250 needs 6 buses for 246
  riders, where 225 would fill 5).
* ``packing``: the plan's buses less that least: whole households leave seats empty, and each
  convoy of a day has its own last bus.
* ``more_convoys``: the ambulances the plan's convoys and stretcher cases need at the least
  (each convoy's compulsory ones, or the stretcher cases over an ambulance's stretchers,
  whichever is more) less the bound's: more convoys than reception and convoy size force.
* ``compulsory``: the rest of the ambulance trips. Where the stretcher cases set that least,
  these are mostly the compulsory ambulances of the convoys that leave after the destination's
  last stretcher case (``after_stretchers``); else those count under ``more_convoys``.
* ``trucks``: luggage trucks above the bound, or below it where the plan's buses (more than the
  bound's) or ambulances take the luggage in their holds.

The five add up to the plan's trips less the sum of the bound's kinds for the destination. Pure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from corridor.domain import Plan, VehicleKind
from corridor.planner.bounds import TripBounds
from corridor.planner.problem import Problem


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


@dataclass(frozen=True, slots=True)
class TripGap:
    """One destination's trips against its share of the trip bound, and the causes."""

    destination: str
    convoys: int
    after_stretchers: int
    """Convoys leaving after the destination's last stretcher case (all, if it has none)."""
    plan: tuple[int, int, int]
    """Bus, ambulance and truck trips of the plan."""
    bound: tuple[int, int, int]
    """The trip bound's buses, ambulances and trucks for the destination."""
    busloads: int
    packing: int
    more_convoys: int
    compulsory: int
    trucks: int

    @property
    def above(self) -> int:
        """The plan's trips less the bound's, all kinds: the sum of the causes."""
        return sum(self.plan) - sum(self.bound)


def trip_gaps(problem: Problem, trips: TripBounds, plan: Plan) -> tuple[TripGap, ...]:
    """The trips of ``plan`` above ``trips`` (the bound of ``problem``), for each destination
    it sends convoys to, in the order of the problem's lanes."""
    seats = max((v.seats for v in problem.buses.vehicles), default=0)
    stretchers = max((v.stretchers for v in problem.ambulances.vehicles), default=0)
    fewest = problem.operation.convoy_rules.min_ambulances_per_convoy
    riders: dict[tuple[str, date], int] = defaultdict(int)
    kinds: dict[str, dict[VehicleKind, int]] = defaultdict(lambda: defaultdict(int))
    cases: dict[str, int] = defaultdict(int)
    last_case: dict[str, date] = {}
    for convoy in plan.convoys:
        k = convoy.destination
        for trip in convoy.trips:
            kinds[k][trip.kind] += 1
            if trip.kind is VehicleKind.BUS:
                riders[k, convoy.day] += trip.seated
            elif trip.on_stretchers:
                cases[k] += trip.on_stretchers
                last_case[k] = max(last_case.get(k, convoy.day), convoy.day)
    convoys: dict[str, int] = defaultdict(int)
    after: dict[str, int] = defaultdict(int)
    for convoy in plan.convoys:
        convoys[convoy.destination] += 1
        if convoy.destination not in last_case or convoy.day > last_case[convoy.destination]:
            after[convoy.destination] += 1
    least: dict[str, int] = defaultdict(int)
    for (k, _day), count in riders.items():
        least[k] += _ceil_div(count, seats) if seats else 0
    gaps = []
    for lane in problem.lanes:
        k = lane.destination
        if k not in kinds:
            continue
        buses, ambulances, trucks = (kinds[k][VehicleKind.BUS], kinds[k][VehicleKind.AMBULANCE],
                                     kinds[k][VehicleKind.LUGGAGE_TRUCK])
        bound = (trips.buses.get(k, 0), trips.ambulances.get(k, 0), trips.trucks.get(k, 0))
        # The ambulances no plan with this many convoys and stretcher cases can do without.
        needed = max(_ceil_div(cases[k], stretchers) if stretchers else 0, fewest * convoys[k])
        gaps.append(TripGap(
            destination=k, convoys=convoys[k], after_stretchers=after[k],
            plan=(buses, ambulances, trucks), bound=bound,
            busloads=least[k] - bound[0], packing=buses - least[k],
            more_convoys=needed - bound[1], compulsory=ambulances - needed,
            trucks=trucks - bound[2]))
    return tuple(gaps)
