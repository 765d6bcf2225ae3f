"""Proven lower bounds on vehicle trips and on days, each with the constraint it comes from.

Every bound here is a relaxation of the rules in docs/planning-rules.md: no plan that keeps the
rules can do better, whatever its departure times. A plan whose days equal the best day bound is
proven optimal in days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil
from typing import NamedTuple

import highspy
import numpy as np

from corridor.domain import Bound, BoundKind
from corridor.planner.packing import l2_bound as l2_bound  # noqa: PLC0414 (re-export: one L2)
from corridor.planner.problem import MINUTES_A_DAY, Problem, minutes

SLOT_NODES = 2_000
"""Branch-and-bound nodes for the arrival-day bound (a count, never a clock). When they run out,
the bound is the solver's proven dual bound, still a bound."""


def _count(number: int, one: str, many: str) -> str:
    """'1 luggage truck', '2 luggage trucks'."""
    return f"{number:,} {one if number == 1 else many}"


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def bus_riders(problem: Problem) -> dict[str, list[int]]:
    """The households that only a bus can carry, by destination, as the seats they fill.

    A household with nobody on a stretcher and more members than an ambulance seats rides one
    bus. Smaller households may ride in an ambulance's seats, and members of a household with
    stretcher cases beside them in theirs, so neither counts here; nor does a household larger
    than the largest bus, which may be cut any way over several (46 people as 21 + 21 + 4
    beside others): the seats count it. Households whose destination the planner chose count
    nowhere: a plan may send them elsewhere.
    """
    seats = max((v.seats for v in problem.buses.vehicles), default=1)
    ambulance_seats = max((v.seats for v in problem.ambulances.vehicles), default=0)
    riders: dict[str, list[int]] = defaultdict(list)
    for group in problem.groups:
        if group.chosen_by_planner:
            continue
        for household in group.households:
            if household.on_stretcher or household.size <= ambulance_seats or \
                    household.size > seats:
                continue  # a household larger than a bus may be cut any way: seats count it
            riders[group.destination].append(household.size)
    return riders


@dataclass(frozen=True, slots=True)
class TripBounds:
    """Lower bounds on trips, by kind and destination, and the bounds to report."""

    buses: dict[str, int]
    """With ``ambulances`` and ``trucks``: each destination's fewest trips, split by kind. The
    ambulances are the fewest any valid plan has; the buses and trucks are a split of the rest
    (a plan with more ambulances may have fewer buses)."""
    ambulances: dict[str, int]
    trucks: dict[str, int]
    bounds: tuple[Bound, ...]
    total: int
    """The lower bound on vehicle trips of every kind (the best of the per-kind sums and the
    arrival-day bound)."""
    fewest_buses: dict[str, int] = field(default_factory=dict)
    """Bus trips no valid plan has fewer of, by destination (ambulances' seats may stand in for
    buses, up to the most ambulance trips the window allows)."""


class _Largest(NamedTuple):
    """The largest vehicle of each kind, measure by measure (a relaxation: the bounds let every
    trip be as large as the largest)."""

    bus_seats: int
    hold: int
    truck: int
    ambulance_seats: int
    stretchers: int
    ambulance_hold: int


def _largest(problem: Problem) -> _Largest:
    buses, trucks, ambulances = (problem.buses.vehicles, problem.trucks.vehicles,
                                 problem.ambulances.vehicles)
    return _Largest(max((v.seats for v in buses), default=0),
                    max((v.luggage_capacity for v in buses), default=0),
                    max((v.luggage_capacity for v in trucks), default=0),
                    max((v.seats for v in ambulances), default=0),
                    max((v.stretchers for v in ambulances), default=0),
                    max((v.luggage_capacity for v in ambulances), default=0))


def _chosen(problem: Problem) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """People, stretcher cases and luggage pieces by destination, of the households that chose
    it (a destination the planner chose binds no plan: they count for none)."""
    people: dict[str, int] = defaultdict(int)
    cases: dict[str, int] = defaultdict(int)
    luggage: dict[str, int] = defaultdict(int)
    for group in problem.groups:
        if not group.chosen_by_planner:
            people[group.destination] += group.people
            cases[group.destination] += group.stretcher_cases
            luggage[group.destination] += group.luggage_pieces
    return people, cases, luggage


class _Fewest(NamedTuple):
    """One destination's fewest trips and their split."""

    total: int
    buses: int
    extra: int
    """Trips beyond the buses and ambulances: trucks, or buses, for the luggage."""
    seat_bound: int


def _fewest_trips(fewest_ambulances: int, seated: int, luggage: int,
                  packing: int, largest: _Largest, most_vehicles: int,
                  ambulances_a_convoy: int) -> _Fewest:
    """The fewest trips that carry one destination's people and luggage, over every number of
    ambulances a plan may have (at least ``fewest_ambulances``).

    With ``a`` ambulances, seated persons fill at least ceil((seated - a x ambulance seats) /
    bus seats) buses and the households only a bus carries ``packing``; the luggage goes in
    those buses' and ambulances' holds, the rest on trips that each carry at most a hold or a
    truck's load; and the ``a`` ambulances must cover the convoys all those trips need. The
    fewest trips is the least over ``a`` (more ambulances may save buses: an ambulance with a
    large hold, or a few seats where the buses are just full). Largest vehicles everywhere.
    """
    seats, hold, truck = largest.bus_seats, largest.hold, largest.truck
    carrier = max(hold, truck)
    nothing = _Fewest(10**9, 0, 10**9, 0)
    if (seated and not seats and not largest.ambulance_seats) or \
            (luggage and not carrier and not largest.ambulance_hold):
        return nothing  # nothing carries them: the explanation says so
    # Beyond this many ambulances every seat and piece fits in them and the convoy rule holds:
    # more only add trips.
    limit = fewest_ambulances + seated + luggage + packing + \
        ambulances_a_convoy * (packing + most_vehicles) + 1
    best = nothing
    ambulances = fewest_ambulances
    while ambulances < min(best.total, limit):
        in_ambulances = largest.ambulance_seats * ambulances
        seat_bound = _ceil_div(max(0, seated - in_ambulances), seats) if seats else \
            (0 if seated <= in_ambulances else 10**9)
        buses = max(seat_bound, packing)
        rest = max(0, luggage - buses * hold - ambulances * largest.ambulance_hold)
        extra = _ceil_div(rest, carrier) if carrier else (10**9 if rest else 0)
        total = ambulances + buses + extra
        if total < best.total and \
                ambulances >= ambulances_a_convoy * _ceil_div(total, most_vehicles):
            best = _Fewest(total, buses, extra, seat_bound)
        ambulances += 1
    return best


def _most_ambulance_trips(problem: Problem) -> int:
    """An upper bound on the ambulance trips of any plan: each ambulance departs at most once
    every shortest round trip and rest, within the window."""
    rest = problem.operation.convoy_rules.rest_minutes
    cycle = max(1, min((2 * lane.travel_minutes + rest for lane in problem.lanes), default=1))
    return len(problem.ambulances.vehicles) * (problem.window_days * MINUTES_A_DAY // cycle + 1)


def trip_bounds(problem: Problem) -> TripBounds:
    """Lower bounds on bus, ambulance and truck trips for each destination."""
    rules = problem.operation.convoy_rules
    largest = _largest(problem)
    seats, stretchers, ambulance_seats = largest.bus_seats, largest.stretchers, \
        largest.ambulance_seats
    riders = bus_riders(problem)
    chosen, stretcher_cases, luggage = _chosen(problem)
    seated: dict[str, int] = defaultdict(int, {k: chosen[k] - stretcher_cases[k]
                                               for k in chosen})
    buses: dict[str, int] = {}
    ambulances: dict[str, int] = {}
    trucks: dict[str, int] = {}
    fewest_buses: dict[str, int] = {}
    by_seats = by_l2 = by_hold = 0
    most_ambulance_trips = _most_ambulance_trips(problem)
    for lane in problem.lanes:
        destination = lane.destination
        ambulance_trips = _ceil_div(stretcher_cases[destination], stretchers) if stretchers \
            else 0
        # Everyone in a convoy arrives together, on one day: a convoy carries at most a day's
        # reception, so the households that chose this destination need that many convoys,
        # each with its minimum of ambulances.
        forced = _ceil_div(chosen[destination], lane.reception_per_day)
        ambulance_trips = max(ambulance_trips, forced * rules.min_ambulances_per_convoy)
        packing = l2_bound(riders.get(destination, []), seats) if seats else 0
        trips = _fewest_trips(ambulance_trips, seated[destination],
                              luggage[destination], packing, largest,
                              rules.max_vehicles_per_convoy, rules.min_ambulances_per_convoy)
        # The bound's split: its ambulances are the fewest any plan has (stretcher cases and
        # the convoys its trips need), its trucks those of the fewest trips, its buses the rest.
        fewest = max(ambulance_trips, rules.min_ambulances_per_convoy * _ceil_div(
            trips.total, rules.max_vehicles_per_convoy)) if trips.total else ambulance_trips
        ambulances[destination] = min(fewest, trips.total)
        trucks[destination] = trips.extra
        buses[destination] = max(0, trips.total - ambulances[destination] - trips.extra)
        # Bus trips no plan avoids: households only a bus carries, and the seated persons that
        # the most ambulance trips the window allows cannot seat.
        fewest_buses[destination] = max(packing, _ceil_div(max(
            0, seated[destination] - ambulance_seats * most_ambulance_trips), seats)
            if seats else 0)
        by_seats += trips.seat_bound
        by_l2 += packing
        by_hold += trips.buses + trips.extra
    by_slots = 0
    for lane in problem.lanes:
        destination = lane.destination
        old = buses[destination] + ambulances[destination] + trucks[destination]
        slots = _arrival_day_bound(problem, lane.reception_per_day, chosen[destination],
                                   stretcher_cases[destination], seated[destination],
                                   luggage[destination],
                                   l2_bound(riders.get(destination, []), seats) if seats else 0)
        by_slots += max(old, slots)
    total = sum(buses.values()) + sum(ambulances.values()) + sum(trucks.values())
    bounds = (
        Bound(BoundKind.TRIPS, "bus seats", by_seats, "seats",
              f"seated persons not in the ambulances' seats fill at least {by_seats:,} bus "
              f"trips of {seats} seats"),
        Bound(BoundKind.TRIPS, "households on buses (Martello-Toth L2)", by_l2, "seats",
              f"households that only a bus can carry cannot be packed into fewer than "
              f"{by_l2:,} bus trips without splitting them"),
        Bound(BoundKind.TRIPS, "hold room", by_hold, "luggage",
              f"luggage needs at least {by_hold:,} bus and truck trips"),
        Bound(BoundKind.TRIPS, "ambulance trips", sum(ambulances.values()), "ambulances",
              f"stretcher cases and at least {rules.min_ambulances_per_convoy} ambulances in "
              "each of the convoys that reception a day forces"),
        Bound(BoundKind.TRIPS, "whole vehicles a day's arrivals", by_slots, "reception",
              f"everyone who arrives on one day at one destination (at most its reception) "
              f"comes in whole buses and at least {rules.min_ambulances_per_convoy} "
              f"ambulances: at least {by_slots:,} vehicle trips"),
        Bound(BoundKind.TRIPS, "all vehicle trips", max(total, by_slots), "fleet",
              "buses, luggage trucks and ambulances together"),
    )
    return TripBounds(buses, ambulances, trucks, bounds, max(total, by_slots), fewest_buses)


def _arrival_day_bound(problem: Problem, reception: int, people: int, stretcher_cases: int,
                       seated: int, luggage: int, on_buses: int) -> int:
    """The fewest vehicle trips that carry one destination's people, day of arrival by day.

    Everyone in a convoy arrives on one calendar day, and the people arriving on a day are at
    most the destination's reception; each day with arrivals has at least one convoy, so at
    least ``min_ambulances_per_convoy`` ambulances. A day with b buses and the fewest ambulances
    carries at most min(reception, b bus seats + their seats and stretchers) people; every
    ambulance more carries its seats and stretchers. Summed over the days of arrival (at most
    the window's), with the luggage in holds, ambulances and trucks, the stretcher cases on
    stretchers, and at least ``on_buses`` buses (the households only a bus can carry): a small
    integer programme over how many days have b buses, whose optimum (or, if the search stops,
    its proven dual bound) no valid plan beats. Largest vehicles everywhere: a relaxation.
    """
    rules = problem.operation.convoy_rules
    seats = max((v.seats for v in problem.buses.vehicles), default=0)
    hold = max((v.luggage_capacity for v in problem.buses.vehicles), default=0)
    truck = max((v.luggage_capacity for v in problem.trucks.vehicles), default=0)
    ambulance_seats = max((v.seats for v in problem.ambulances.vehicles), default=0)
    stretchers = max((v.stretchers for v in problem.ambulances.vehicles), default=0)
    ambulance_hold = max((v.luggage_capacity for v in problem.ambulances.vehicles), default=0)
    fewest = rules.min_ambulances_per_convoy
    if people <= 0 or reception <= 0 or seats <= 0:
        return 0
    # More buses than a day's reception fills carry no one more, but households that only a
    # bus can carry may need a bus each (three households of 4, 4 and 3 in buses of 6 seats:
    # three buses for 11 people), so a day may have as many buses as those households, and
    # never more than its reception (a bus with nobody on it is no use).
    most = max(-(-reception // seats), min(on_buses, reception))
    if truck < hold:  # a bus more then carries luggage better than a truck: as many as that
        most = max(most, min(reception, -(-luggage // hold)))  # (a bus carries a person)
    sizes = range(most + 1)
    # Columns: days with b buses (b = 0..most), extra ambulances, trucks.
    cost = [float(b + fewest) for b in sizes] + [1.0, 1.0]
    extra, trucks = len(sizes), len(sizes) + 1
    riding = ambulance_seats + stretchers
    rows: list[tuple[list[tuple[int, float]], float, float]] = [
        ([(b, float(min(reception, seats * b + fewest * riding))) for b in sizes]
         + [(extra, float(riding))], float(people), highspy.kHighsInf),
        ([(b, float(fewest * stretchers)) for b in sizes] + [(extra, float(stretchers))],
         float(stretcher_cases), highspy.kHighsInf),
        ([(b, float(min(reception, seats * b + fewest * ambulance_seats))) for b in sizes]
         + [(extra, float(ambulance_seats))], float(seated), highspy.kHighsInf),
        ([(b, float(b)) for b in sizes], float(on_buses), highspy.kHighsInf),
        ([(b, float(hold * b + ambulance_hold * fewest)) for b in sizes]
         + [(extra, float(ambulance_hold)), (trucks, float(truck))], float(luggage),
         highspy.kHighsInf),
        ([(b, 1.0) for b in sizes], 0.0, float(problem.window_days)),
    ]
    solver = highspy._core._Highs()
    for name, value in (("output_flag", False), ("threads", 1), ("random_seed", 0),
                        ("mip_max_nodes", SLOT_NODES), ("presolve", "on")):
        solver.setOptionValue(name, value)
    count = len(cost)
    solver.addCols(count, np.array(cost), np.zeros(count), np.full(count, highspy.kHighsInf),
                   0, np.array([], dtype=np.int32), np.array([], dtype=np.int32),
                   np.array([], dtype=np.float64))
    solver.changeColsIntegrality(count, np.arange(count, dtype=np.int32),
                                 np.array([highspy._core.HighsVarType.kInteger] * count))
    for terms, low, high in rows:
        kept = [(column, value) for column, value in terms if value]
        solver.addRow(low, high, len(kept), np.array([c for c, _ in kept], dtype=np.int32),
                      np.array([v for _, v in kept], dtype=np.float64))
    solver.run()
    info = solver.getInfo()
    status = solver.getModelStatus()
    if status == highspy._core.HighsModelStatus.kInfeasible:
        return 0  # no plan carries them all: other bounds and the explanation say so
    dual = float(info.mip_dual_bound)
    if not np.isfinite(dual):
        return 0
    return max(0, ceil(dual - 1e-6))


def _earliest_offset(problem: Problem, travel_minutes: int) -> int:
    """The fewest days after its departure day that a convoy can arrive on."""
    earliest = minutes(problem.operation.convoy_rules.departure_earliest)
    return (earliest + travel_minutes) // MINUTES_A_DAY


def day_bounds(problem: Problem, trips: TripBounds) -> tuple[Bound, ...]:
    """Lower bounds on the days from the window's start to the last arrival."""
    rules = problem.operation.convoy_rules
    earliest = minutes(rules.departure_earliest)
    latest = min(minutes(rules.departure_latest), problem.closes)
    hours = max(0, latest - problem.opens)
    people = problem.people
    bounds: list[Bound] = []
    if people == 0:
        return ()
    first_arrival = min(_earliest_offset(problem, lane.travel_minutes) for lane in problem.lanes)
    people_a_day = problem.cleared(hours)
    departure_days = _ceil_div(people, people_a_day) if people_a_day else 10**6
    bounds.append(Bound(
        BoundKind.DAYS, "checkpoint people", departure_days + first_arrival, "checkpoint",
        f"the checkpoint is the bottleneck: {people_a_day:,} people a day can pass before the "
        f"last departure, so {people:,} people need {departure_days:,} days"))
    vehicles_a_day = problem.cleared(hours, vehicles=True)
    vehicle_days = _ceil_div(trips.total, vehicles_a_day) if vehicles_a_day else 10**6
    bounds.append(Bound(
        BoundKind.DAYS, "checkpoint vehicles", vehicle_days + first_arrival, "checkpoint",
        f"the checkpoint clears {vehicles_a_day:,} vehicles a day and at least "
        f"{trips.total:,} vehicle trips are needed"))
    convoy_room = rules.max_convoys_per_day * rules.max_vehicles_per_convoy
    convoy_days = _ceil_div(trips.total, convoy_room)
    bounds.append(Bound(
        BoundKind.DAYS, "convoys a day", convoy_days + first_arrival, "convoy rules",
        f"at most {rules.max_convoys_per_day} convoys of {rules.max_vehicles_per_convoy} "
        f"vehicles a day carry the {trips.total:,} vehicle trips"))
    forced: dict[str, int] = defaultdict(int)
    for group in problem.groups:
        if not group.chosen_by_planner:  # only a household's own choice binds every plan
            forced[group.destination] += group.people
    total_reception = sum(lane.reception_per_day for lane in problem.lanes)
    for lane in problem.lanes:
        count = forced[lane.destination]
        if count:
            value = _earliest_offset(problem, lane.travel_minutes) + \
                _ceil_div(count, lane.reception_per_day)
            bounds.append(Bound(
                BoundKind.DAYS, f"reception at {lane.name}", value, "reception",
                f"{lane.name} receives {lane.reception_per_day:,} people a day and "
                f"{count:,} people go there"))
    bounds.append(Bound(
        BoundKind.DAYS, "reception everywhere", first_arrival + _ceil_div(people,
                                                                          total_reception),
        "reception", f"the destinations together receive {total_reception:,} people a day"))
    bounds.extend(_quota_bounds(problem, forced, people_a_day))
    bounds.extend(_fleet_bounds(problem, trips, first_arrival, earliest, latest))
    bounds.extend(_circulation_bounds(problem))
    return tuple(bounds)


def _quota_ends(problem: Problem) -> list[tuple[int, int]]:
    """(days, people): at the end of each phase with a quota among those that open the window,
    the days since its start and the most people its quotas let leave by then (days in no
    phase let nobody leave). Empty without phases: every day of the window is open."""
    ends: list[tuple[int, int]] = []
    allowed = 0
    for day, phase in enumerate(problem.phase_of_day if problem.phase_quotas else ()):
        quota = problem.phase_quotas[phase] if phase is not None else 0
        if quota is None:
            break
        if day + 1 < len(problem.phase_of_day) and problem.phase_of_day[day + 1] == phase:
            continue  # the end of this phase is where a bound is taken
        allowed += quota
        ends.append((day + 1, allowed))
    return ends


def _quota_bounds(problem: Problem, forced: dict[str, int], people_a_day: int) -> list[Bound]:
    """Reception and checkpoint bounds after the phases that open the window with a quota.

    Up to the end of such phases (days in no phase let nobody leave), at most their quotas
    leave; everyone else leaves after, at the same daily rates.
    """
    bounds: list[Bound] = []
    for after, allowed in _quota_ends(problem):
        name = f"after {after} days of quota"
        for lane in problem.lanes:
            left = forced[lane.destination] - allowed
            if left > 0:
                value = after + _earliest_offset(problem, lane.travel_minutes) + \
                    _ceil_div(left, lane.reception_per_day)
                bounds.append(Bound(
                    BoundKind.DAYS, f"reception at {lane.name} {name}", value, "reception",
                    f"the first {after} days let at most {allowed:,} people leave (quotas); "
                    f"{left:,} more go to {lane.name}, which receives "
                    f"{lane.reception_per_day:,} a day"))
        left = problem.people - allowed
        if left > 0 and people_a_day:
            first = min(_earliest_offset(problem, lane.travel_minutes) for lane in problem.lanes)
            bounds.append(Bound(
                BoundKind.DAYS, f"checkpoint people {name}", after + first +
                _ceil_div(left, people_a_day), "checkpoint",
                f"the first {after} days let at most {allowed:,} people leave (quotas); the "
                f"checkpoint passes {people_a_day:,} a day for the other {left:,}"))
    return bounds


def _fleet_bounds(problem: Problem, trips: TripBounds, first_arrival: int, earliest: int,
                  latest: int) -> list[Bound]:
    """Days the fleet needs: every trip keeps its vehicle busy for its round trip and rest."""
    rest = problem.operation.convoy_rules.rest_minutes
    bounds = []
    # Trips each kind cannot do without (ambulances' seats may stand in for some buses).
    for fleet, needed, label in ((problem.buses, trips.fewest_buses, "buses"),
                                 (problem.ambulances, trips.ambulances, "ambulances")):
        count = len(fleet.vehicles)
        work = sum(needed.get(lane.destination, 0) * (2 * lane.travel_minutes + rest)
                   for lane in problem.lanes)
        if not work:
            continue
        longest = max(2 * lane.travel_minutes + rest for lane in problem.lanes)
        if count == 0:
            bounds.append(Bound(BoundKind.DAYS, f"fleet of {label}", 10**6, "fleet",
                                f"there are no {label} and {sum(needed.values()):,} trips "
                                "need them"))
            continue
        # A vehicle's busy time fits between its first departure (>= earliest on day 0) and
        # the end of its last trip (departing <= latest on the last departure day).
        per_vehicle_span = _ceil_div(work, count) - (latest - earliest) - longest
        departure_days = max(1, 1 + _ceil_div(max(0, per_vehicle_span), MINUTES_A_DAY))
        bounds.append(Bound(
            BoundKind.DAYS, f"fleet of {label}", departure_days + first_arrival, "fleet",
            f"{count:,} {label} doing round trips and resting need {departure_days:,} days of "
            f"departures for {sum(needed.values()):,} trips"))
    return bounds


CIRCULATION_NODES = 2_000
"""Branch-and-bound nodes for the whole-day circulation bound (a count, never a clock). When
they run out, the bound is the solver's proven dual bound, still a bound."""


@dataclass(frozen=True, slots=True)
class _Turnaround:
    """For one destination: the fewest whole days between two departures of one vehicle that
    goes there (``gap``), and the fewest days from a departure to its arrival (``offset``)."""

    gap: int
    offset: int


def turnarounds(problem: Problem) -> dict[str, _Turnaround]:
    """Whole days a trip to each destination keeps its vehicle, as the rules allow at best.

    Every convoy leaves between the departure window's start and its end (no later than the
    checkpoint closes), and no earlier than the checkpoint has cleared its own vehicles (at
    least one, and at least the compulsory ambulances): ``first`` after the checkpoint opens.
    A vehicle that leaves at t1 on day d1 for a round trip and rest of c minutes leaves again
    at t2 >= t1 + c, so on day d2 with (d2 - d1) x 24 h >= c + first - last: ``gap`` days.
    Exact fractions: a minute lost to rounding would make the bound claim too much.
    """
    rules = problem.operation.convoy_rules
    opens = Fraction(problem.opens)
    first = opens
    if problem.vehicles_per_minute > 0:
        checkpoint = problem.operation.checkpoint
        an_hour = checkpoint.lanes * checkpoint.vehicles_per_hour_per_lane
        first = opens + Fraction(max(1, rules.min_ambulances_per_convoy) * 60, an_hour)
    earliest = max(Fraction(minutes(rules.departure_earliest)), first)
    last = Fraction(min(minutes(rules.departure_latest), problem.closes))
    rest = Fraction(rules.rest_minutes)
    result = {}
    for lane in problem.lanes:
        travel = Fraction(problem.operation.destination(lane.destination).travel_minutes)
        cycle = 2 * travel + rest
        gap = max(0, ceil((earliest + cycle - last) / MINUTES_A_DAY))
        offset = int((earliest + travel) // MINUTES_A_DAY)
        result[lane.destination] = _Turnaround(gap, offset)
    return result


def _circulation_bounds(problem: Problem) -> list[Bound]:
    """The whole-day circulation bound from the window's start, and after each run of phases
    with a quota that opens the window (only their quotas leave before; see below)."""
    starts = [(0, 0), *_quota_ends(problem)]
    found = (_circulation_bound(problem, start, allowed) for start, allowed in starts)
    return [bound for bound in found if bound is not None]


def _top_luggage(problem: Problem, destination: str) -> list[tuple[float, float]]:
    """Lines (intercept, slope) whose least is the most luggage x people bound for
    ``destination`` can have: households by luggage a person, most first, fractions allowed
    (a concave, piecewise-linear function of x)."""
    ratios: dict[Fraction, int] = defaultdict(int)
    for group in problem.groups:
        if group.chosen_by_planner or group.destination != destination:
            continue
        for household in group.households:
            if household.size:
                ratios[Fraction(household.luggage_pieces, household.size)] += household.size
    lines = []
    people = luggage = Fraction(0)
    for ratio in sorted(ratios, reverse=True):
        lines.append((float(luggage - ratio * people), float(ratio)))
        people += ratios[ratio]
        luggage += ratio * ratios[ratio]
    lines.append((float(luggage), 0.0))
    return lines


def _circulation_bound(problem: Problem, start: int = 0, allowance: int = 0) -> Bound | None:
    """The fewest days in which the fleet's whole round trips can carry everyone.

    A relaxation of the rules in whole days: per destination, integer bus, ambulance, truck
    trips and convoys carry the households that chose it (seats, stretchers, holds and trucks,
    the households only a bus can carry, a day's reception a convoy and on each day of
    arrival, the compulsory ambulances and most vehicles a convoy). One vehicle's trips leave on
    days d1 < d2 < ... at least the destination's ``gap`` apart, the last no later than its
    arrival offset before the last day: the gaps of a vehicle's trips add up to at most D - 1 +
    (gap - offset) of its last trip, so the fleet of N vehicles of a kind has sum(gap x trips)
    <= N (D - 1) + sum((gap - offset) x last trips), with at most N last trips. The same holds
    for convoys with N = ambulances // compulsory ambulances a convoy (see below). Convoys a day
    and the checkpoint's vehicles a day bound the trips over the D days.

    With ``start`` > 0, at most ``allowance`` people leave before day ``start`` (the quotas of
    the phases that open the window): only trips from ``start`` on count, and they carry the
    rest, x people fewer a destination (x adding up to at most the allowance), so x fewer
    stretcher cases and seated persons at most, and at most the luggage of the x people with
    most luggage. The largest vehicle of each kind everywhere, availability ignored: every
    valid plan is a solution, so the least D (or the solver's proven dual bound when its node
    limit stops it) is a lower bound on days.
    """
    rules = problem.operation.convoy_rules
    kinds = (problem.buses, problem.ambulances, problem.trucks)
    largest = _largest(problem)
    bus_seats, hold, truck = largest.bus_seats, largest.hold, largest.truck
    ambulance_seats, stretchers = largest.ambulance_seats, largest.stretchers
    ambulance_hold = largest.ambulance_hold
    people, cases, luggage = _chosen(problem)
    if start and sum(people.values()) <= allowance:
        return None  # the quotas let everyone leave before: nothing to add
    riders = bus_riders(problem)
    turn = turnarounds(problem)
    lanes = [lane for lane in problem.lanes if people[lane.destination]]
    if not lanes:
        return None
    inf = highspy.kHighsInf
    columns: list[tuple[float, float, float]] = []  # cost, lower, upper

    def column(lower: float = 0.0, upper: float = inf, cost: float = 0.0) -> int:
        columns.append((cost, lower, upper))
        return len(columns) - 1

    # ``span``: the days from ``start`` to the last arrival; the bound is start + span.
    span = column(1.0, inf, 1.0)
    rows: list[tuple[list[tuple[int, float]], float, float]] = []
    trips: dict[str, tuple[int, int, int, int]] = {}
    early: list[tuple[int, float]] = []
    for lane in lanes:
        k = lane.destination
        limits = [0.0 if not fleet.vehicles else inf for fleet in kinds]
        bus, ambulance, lorry = (column(0.0, limit) for limit in limits)
        convoys = column()
        trips[k] = (bus, ambulance, lorry, convoys)
        seated = people[k] - cases[k]
        reception = float(lane.reception_per_day)
        # x: people of k who leave before ``start``; what they take off the others' needs.
        gone: list[tuple[int, float]] = []
        gone_luggage: list[tuple[int, float]] = []
        on_buses = l2_bound(riders.get(k, []), bus_seats) if bus_seats else 0
        if start:
            x = column(0.0, float(people[k]))
            top = column()
            early.append((x, 1.0))
            gone, gone_luggage = [(x, 1.0)], [(top, 1.0)]
            for intercept, slope in _top_luggage(problem, k):
                rows.append(([(top, 1.0), (x, -slope)], -inf, intercept))
            on_buses = 0  # households only a bus can carry may be among those who left
        # Arrivals within the span (its first ``offset`` days have none from here; with a
        # quota before, all of k's people may have left already: then no such days count).
        offset = 0 if start else turn[k].offset
        rows += [
            ([(convoys, reception), *gone], float(people[k]), inf),
            ([(span, reception), *gone], float(people[k] + reception * offset), inf),
            ([(ambulance, 1.0), (convoys, -float(rules.min_ambulances_per_convoy))], 0.0, inf),
            ([(bus, 1.0), (ambulance, 1.0), (lorry, 1.0),
              (convoys, -float(rules.max_vehicles_per_convoy))], -inf, 0.0),
            ([(ambulance, float(stretchers)), *gone], float(cases[k]), inf),
            ([(bus, float(bus_seats)), (ambulance, float(ambulance_seats)), *gone],
             float(seated), inf),
            ([(bus, 1.0)], float(on_buses), inf),
            ([(bus, float(hold)), (lorry, float(truck)), (ambulance, float(ambulance_hold)),
              *gone_luggage], float(luggage[k]), inf),
            ([(span, 1.0)], float(offset + 1), inf),
        ]
    if early:
        rows.append((early, -inf, float(allowance)))
    # The fleet of each kind, trip by trip in whole days; then convoys as chains: every convoy
    # keeps at least the compulsory ambulances for its round trip, so no more than ``teams``
    # convoys are ever away at once. Convoys' round trips are intervals on the time line;
    # intervals never more than ``teams`` deep split into ``teams`` chains that do not overlap
    # (interval graphs are perfect), and each chain turns round like one vehicle.
    chains = [(len(fleet.vehicles), index) for index, fleet in enumerate(kinds)]
    if rules.min_ambulances_per_convoy:
        chains.append((len(problem.ambulances.vehicles) // rules.min_ambulances_per_convoy, 3))
    for count, index in chains:
        if not count:
            continue
        terms: list[tuple[int, float]] = [(span, -float(count))]
        lasts: list[tuple[int, float]] = []
        for lane in lanes:
            k = lane.destination
            last = column()
            rows.append(([(last, 1.0), (trips[k][index], -1.0)], -inf, 0.0))
            lasts.append((last, 1.0))
            terms += [(trips[k][index], float(turn[k].gap)),
                      (last, -float(turn[k].gap - turn[k].offset))]
        rows.append((terms, -inf, -float(count)))
        rows.append((lasts, -inf, float(count)))
    # Convoys and vehicles a day, over the days a convoy can leave and still arrive in time.
    soonest = min(turn[lane.destination].offset for lane in lanes)
    rows.append(([(trips[lane.destination][3], 1.0) for lane in lanes]
                 + [(span, -float(rules.max_convoys_per_day))], -inf,
                 -float(rules.max_convoys_per_day * soonest)))
    latest = min(minutes(rules.departure_latest), problem.closes)
    vehicles_a_day = problem.cleared(latest - problem.opens, vehicles=True)
    rows.append(([(trips[lane.destination][i], 1.0) for lane in lanes for i in range(3)]
                 + [(span, -float(vehicles_a_day))], -inf, -float(vehicles_a_day * soonest)))
    value = _solve_integer(columns, rows, CIRCULATION_NODES)
    if value is None:
        return None
    value += start
    after = f" after {start} days of quota" if start else ""
    quota = (f"; at most {allowance:,} people leave in the first {start} days (quotas)"
             if start else "")
    return Bound(BoundKind.DAYS, f"fleet circulation in whole days{after}", value, "fleet",
                 f"{_count(len(problem.buses.vehicles), 'bus', 'buses')}, "
                 f"{_count(len(problem.ambulances.vehicles), 'ambulance', 'ambulances')} "
                 f"({rules.min_ambulances_per_convoy} a convoy) and "
                 f"{_count(len(problem.trucks.vehicles), 'luggage truck', 'luggage trucks')}, "
                 f"each back for another "
                 f"departure only whole days later ({_gaps(problem, turn)}){quota}, carry "
                 f"everyone in whole vehicles and convoys in no fewer than {value} days")


def _gaps(problem: Problem, turn: dict[str, _Turnaround]) -> str:
    return ", ".join(f"{lane.name}: {turn[lane.destination].gap}" for lane in problem.lanes)


def _solve_integer(columns: list[tuple[float, float, float]],
                   rows: list[tuple[list[tuple[int, float]], float, float]],
                   nodes: int) -> int | None:
    """The optimum of a small integer programme (all columns integer), rounded up, or its proven
    dual bound when the node limit stops the search; None when it has no solution."""
    solver = highspy._core._Highs()
    for name, value in (("output_flag", False), ("threads", 1), ("random_seed", 0),
                        ("mip_max_nodes", nodes), ("presolve", "on")):
        solver.setOptionValue(name, value)
    count = len(columns)
    solver.addCols(count, np.array([c for c, _, _ in columns]),
                   np.array([low for _, low, _ in columns]),
                   np.array([high for _, _, high in columns]),
                   0, np.array([], dtype=np.int32), np.array([], dtype=np.int32),
                   np.array([], dtype=np.float64))
    solver.changeColsIntegrality(count, np.arange(count, dtype=np.int32),
                                 np.array([highspy._core.HighsVarType.kInteger] * count))
    for terms, low, high in rows:
        merged: dict[int, float] = defaultdict(float)
        for index, coefficient in terms:
            merged[index] += coefficient
        kept = [(index, coefficient) for index, coefficient in merged.items() if coefficient]
        solver.addRow(low, high, len(kept), np.array([c for c, _ in kept], dtype=np.int32),
                      np.array([v for _, v in kept], dtype=np.float64))
    solver.run()
    if solver.getModelStatus() == highspy._core.HighsModelStatus.kInfeasible:
        return None
    dual = float(solver.getInfo().mip_dual_bound)
    if not np.isfinite(dual):
        return None
    return max(0, ceil(dual - 1e-6))
