"""Manifests: whole households onto convoys and named vehicles, day by day.

The aggregate schedule says how many people should have left for each destination by the end of
each day. Here, day by day and destination by destination (earliest last departure first, as
the checkpoint serves them), households are taken in priority order (pinned ones first, then
medical emergencies, other vulnerable people, the rest; registration order within each, or larger
households first) up to that number, and packed into convoys:

- stretcher cases and one companion each into ambulances;
- the other members into buses, first-fit decreasing by household (a household larger than a
  bus fills whole buses and then a part of one);
- luggage into the hold of the household's own bus, the rest onto the convoy's trucks;
- named vehicles that are available that day and back from their last trip and rest.

A convoy is closed when it is full (vehicles a convoy) or the day's number is reached; its
departure is the moment the checkpoint has cleared it and everyone before it. Whatever does not
fit waits for the next day, so the plan can take longer than the schedule; nothing is dropped
unless the window ends first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil

from corridor.domain import (
    Convoy,
    ManifestLine,
    Unplanned,
    UnplannedReason,
    Vehicle,
    VehicleKind,
    VehicleTrip,
)
from corridor.planner.problem import MINUTES_A_DAY, Group, Lane, Problem, Traveller
from corridor.planner.schedule import Schedule

LOOK_AHEAD = 64
"""Households further down the queue tried when the next one does not fit a day's number."""


@dataclass
class _Fleet:
    """Named vehicles of one kind and when each is free again (minutes from the window start)."""

    vehicles: list[Vehicle]
    free_at: dict[str, int] = field(default_factory=dict)

    def free(self, problem: Problem, day: int, moment: int) -> list[Vehicle]:
        """Vehicles available on ``day`` and back from their last trip by ``moment``."""
        date = problem.day(day)
        return [v for v in self.vehicles if self.free_at.get(v.vehicle_id, -1) <= moment
                and v.available_on(date)]


@dataclass
class _Packed:
    """One convoy's load before vehicles are named."""

    buses: list[list[ManifestLine]]
    ambulances: list[list[ManifestLine]]
    trucks: list[list[ManifestLine]]


def _split_household(household: Traveller) -> tuple[list[tuple[list[str], list[str]]],
                                                     list[str]]:
    """Ambulance parts (stretcher cases and a companion) and the bus riders of a household.

    Every stretcher case has a seated member of the household beside them when there is one:
    with fewer members than stretcher cases, the cases share the companions' ambulances.
    """
    stretcher = list(household.on_stretcher)
    others = [p for p in household.persons if p not in household.on_stretcher]
    if not stretcher:
        return [], others
    companions = min(len(stretcher), len(others))
    if companions == 0:
        return [([case], []) for case in stretcher], others
    parts: list[tuple[list[str], list[str]]] = [([], [others[i]]) for i in range(companions)]
    for index, case in enumerate(stretcher):
        parts[index % companions][0].append(case)
    return parts, others[companions:]


def pack_convoy(groups: list[Group], problem: Problem, seats: int | None = None) -> _Packed | None:
    """Pack the groups' households into buses, ambulances and trucks; None if they cannot go.

    ``seats`` caps the seats used a bus: fewer people a bus leave more hold room a person when
    no luggage truck is free.
    """
    full = problem.buses.seats
    seats = min(seats or full, full)
    hold = problem.buses.luggage_capacity
    truck_load = problem.trucks.luggage_capacity
    stretchers = problem.ambulances.stretchers
    ambulance_seats = problem.ambulances.seats
    ambulances: list[list[ManifestLine]] = []
    ambulance_room: list[tuple[int, int]] = []  # stretchers, seats left
    items: list[tuple[int, str, list[str]]] = []  # bus riders: size, household, persons
    luggage: dict[str, int] = {}
    for group in groups:
        for household in group.households:
            parts, riders = _split_household(household)
            for cases, seated_members in parts:
                seated = len(seated_members)
                index = next((i for i, (free_stretchers, free_seats) in enumerate(ambulance_room)
                              if free_stretchers >= len(cases) and free_seats >= seated), None)
                if index is None:
                    if stretchers < len(cases) or ambulance_seats < seated:
                        return None
                    ambulances.append([])
                    ambulance_room.append((stretchers, ambulance_seats))
                    index = len(ambulances) - 1
                free_stretchers, free_seats = ambulance_room[index]
                ambulance_room[index] = (free_stretchers - len(cases), free_seats - seated)
                ambulances[index].append(ManifestLine(household.household_id,
                                                      (*cases, *seated_members), tuple(cases)))
            # Only a household larger than a whole bus is split, whatever the cap.
            while len(riders) > full:
                items.append((full, household.household_id, riders[:full]))
                riders = riders[full:]
            if riders:
                items.append((len(riders), household.household_id, riders))
            luggage[household.household_id] = household.luggage_pieces
    items.sort(key=lambda item: -item[0])  # stable: ties keep priority order
    # First-fit decreasing by seats opens as few buses as plain first-fit; among the open buses
    # a household fits, it takes the one with the most hold room left, so that luggage spreads
    # over the holds and fewer pieces need a truck.
    total_seats = sum(size for size, _, _ in items)
    bus_loads: list[list[tuple[str, list[str]]]] = [[] for _ in range(-(-total_seats // seats))]
    bus_room: list[int] = [seats] * len(bus_loads)
    hold_room: list[int] = [hold] * len(bus_loads)
    for size, household_id, persons in items:
        share = luggage.get(household_id, 0)
        # The bus with room that holds the share, else the most hold room; the first on a tie.
        # A plain loop: this runs for every household of every convoy tried.
        bus = -1
        best_holds = False
        best_room = 0
        for index, room in enumerate(bus_room):
            if room < size:
                continue
            left = hold_room[index]
            holds = left >= share
            if bus < 0 or (holds and not best_holds) or (holds == best_holds
                                                          and left > best_room):
                bus, best_holds, best_room = index, holds, left
        if bus < 0:
            bus_loads.append([])
            bus_room.append(max(seats, size))  # a household above the cap takes a bus alone
            hold_room.append(hold)
            bus = len(bus_loads) - 1
        bus_room[bus] -= size
        hold_room[bus] -= share
        bus_loads[bus].append((household_id, persons))
    bus_loads = [load for load in bus_loads if load]
    buses: list[list[ManifestLine]] = []
    overflow: list[tuple[str, int]] = []
    for load in bus_loads:
        room = hold
        lines = []
        for household_id, persons in load:
            pieces = min(room, luggage.get(household_id, 0))
            luggage[household_id] = luggage.get(household_id, 0) - pieces
            room -= pieces
            lines.append(ManifestLine(household_id, tuple(persons), (), pieces))
        buses.append(lines)
    for group in groups:
        for household in group.households:
            if luggage.get(household.household_id, 0) > 0:
                overflow.append((household.household_id, luggage[household.household_id]))
    trucks: list[list[ManifestLine]] = []
    if overflow:
        if truck_load < 1:
            return None
        room = 0
        for household_id, pieces in overflow:
            left = pieces
            while left > 0:
                if room == 0:
                    trucks.append([])
                    room = truck_load
                taken = min(room, left)
                trucks[-1].append(ManifestLine(household_id, (), (), taken))
                room -= taken
                left -= taken
    return _Packed(buses, ambulances, trucks)


@dataclass
class _Day:
    """The checkpoint's work so far on one day."""

    people: int = 0
    vehicles: int = 0
    convoys: int = 0
    last_departure: int = -1


@dataclass
class Realised:
    """The convoys made, the households that could not go, and the last arrival day index."""

    convoys: list[Convoy]
    unplanned: list[Unplanned]
    last_arrival_day: int


def _departure(problem: Problem, lane: Lane, today: _Day, people: int, vehicles: int) -> int:
    """When a convoy can leave (minutes from midnight), given the checkpoint's day so far."""
    cleared = problem.opens + max((today.people + people) / problem.people_per_minute,
                                  (today.vehicles + vehicles) / problem.vehicles_per_minute)
    return max(lane.earliest, ceil(cleared - 1e-9), today.last_departure + 1)


def realise(problem: Problem, schedule: Schedule | None,
            progress: Callable[[int, int], None], larger_first: bool = False,
            cap_ambulances: bool = True, follow: bool = False,
            light_first: bool = False, keep_priority: bool = False,
            exact_quotas: bool = False) -> Realised:
    """Turn the aggregate schedule into convoys of named vehicles, day by day.

    With ``cap_ambulances``, convoys take no more ambulances than ``ambulance_caps`` allows.
    With ``follow`` (a schedule of whole convoys, ``solve_schedule(whole_solutions=...)``),
    each day sends convoys to the schedule's destinations of that day and no others, each as
    full as reception, vehicles and the checkpoint allow. With ``light_first``, a convoy takes
    households with heavy luggage whenever its free trucks have room for it, whatever their
    priority (with ``keep_priority``: unless a lighter household of a higher priority waits),
    and lighter households otherwise, so that the trucks leave full and convoys without one
    fill their seats. With ``exact_quotas``, a phase whose quota is less than everyone gives
    each destination what the schedule gives it, not rounded up to busloads, and its last day
    sends what the schedule has left, however few (for a schedule with no day to spare: at
    100,000 people Jarablus needs every seat of the first phase the 59-day schedule gives it;
    elsewhere the rounding saves trips: 1 to 9 at 20,600 people, seeds 1 to 3).
    """
    rules = problem.operation.convoy_rules
    # Three queues a destination: groups with stretcher cases wait for ambulances, the others
    # need none, and neither should hold the other up; heavy luggage waits for a truck's room.
    queues: dict[tuple[str, int], list[Group]] = defaultdict(list)
    waiting: dict[str, int] = defaultdict(int)
    # Within a priority, registration order; or, with ``larger_first``, larger groups first, so
    # that the small ones fill what is left of a day's reception (as in first-fit decreasing).
    for group in sorted(problem.groups, key=lambda g: (g.pinned_day is None, g.pinned_day or 0,
                                                       g.priority,
                                                       -g.people if larger_first else 0,
                                                       g.group_id)):
        queues[group.destination, _kind(group, problem)].append(group)
        waiting[group.destination] += group.people
    heads: dict[tuple[str, int], int] = dict.fromkeys(queues, 0)
    pinned: dict[tuple[int, str], int] = defaultdict(int)
    for group in problem.groups:
        if group.pinned_day is not None:
            pinned[group.pinned_day, group.destination] += group.people
    taken: set[int] = set()
    fleets = {VehicleKind.BUS: _Fleet(list(problem.buses.vehicles)),
              VehicleKind.AMBULANCE: _Fleet(list(problem.ambulances.vehicles)),
              VehicleKind.LUGGAGE_TRUCK: _Fleet(list(problem.trucks.vehicles))}
    target: dict[str, float] = defaultdict(float)
    done: dict[str, int] = defaultdict(int)
    total = problem.people
    moved = 0
    convoys: list[Convoy] = []
    last_arrival = -1
    lanes = sorted(problem.lanes, key=lambda lane: (lane.latest, lane.destination))
    quotas_used: dict[int, int] = defaultdict(int)
    received: dict[tuple[str, int], int] = defaultdict(int)  # people by arrival day
    ambulance_cap = ambulance_caps(problem) if cap_ambulances else {}
    cases_waiting: dict[str, int] = defaultdict(int)
    for group in problem.groups:
        cases_waiting[group.destination] += group.stretcher_cases
    # Whether the checkpoint is what limits the schedule: at least half of its days are full
    # (then the checkpoint's days are kept full, below; on a day here and there, the clamp did
    # more harm than good: 3 plans a day longer and 2 shorter of 800 small random ones).
    scheduled = [] if schedule is None else [
        sum(schedule.people_on(day, lane.destination) + schedule.early_on(day, lane.destination)
            for lane in problem.lanes) for day in range(schedule.days)]
    a_day = problem.people_per_minute * (max((lane.latest for lane in problem.lanes),
                                             default=problem.opens)
                                         - problem.opens) - problem.buses.seats
    checkpoint_bound = 2 * sum(1 for people in scheduled if people >= a_day) >= len(scheduled) > 0
    for day in range(problem.window_days):
        if moved >= total:
            break
        today = _Day()
        for lane in lanes:
            if schedule is not None:
                target[lane.destination] += schedule.people_on(day, lane.destination) + \
                    schedule.early_on(day, lane.destination)
        todays = _todays_lanes(problem, schedule, day, lanes, waiting, target, done,
                               {k for (d, k) in pinned if d == day})
        if follow and schedule is not None and day < schedule.days:
            # Following a schedule of whole convoys: its destinations of the day, no others.
            todays = _pinned_first([lane for lane in lanes if waiting.get(lane.destination) and (
                schedule.people_on(day, lane.destination) > 0.5
                or (day, lane.destination) in pinned)], {k for (d, k) in pinned if d == day})
        # Early lanes (``Problem.early_lanes``) only where the schedule sends people in them:
        # their convoys leave first, before the checkpoint serves the day's other lanes.
        early = [lane for lane in problem.early_lanes if schedule is not None and
                 day < schedule.days and waiting.get(lane.destination) and
                 schedule.early_on(day, lane.destination) > 0.5]
        todays = [*sorted(early, key=lambda lane: lane.latest), *todays]
        # A day the schedule fills to the checkpoint's limit: what today's later lanes cannot
        # take (their reception, their people waiting) goes to the earlier ones, or the
        # checkpoint's day is lost for good (at 1,000,000 people, 15 people a day when a
        # destination ahead of the schedule by a busload takes that much less).
        # (Only while the plan keeps up with the schedule: behind it, the schedule's days say
        # little about what today's lanes need.)
        closing = max((lane.latest for lane in todays), default=problem.opens)
        full_day = False
        if checkpoint_bound and not follow and day < len(scheduled):
            behind = sum(max(0.0, target[lane.destination] - done[lane.destination])
                         for lane in problem.lanes) - scheduled[day]
            full_day = behind <= problem.buses.seats * len(problem.lanes) and scheduled[day] >= \
                problem.people_per_minute * (closing - problem.opens) - problem.buses.seats
        for index, lane in enumerate(todays):
            k = lane.destination
            # Ambulances beyond the compulsory ones are shared with today's later convoys in
            # proportion to what their stretcher cases need (see ``_extra_ambulances``).
            wanted = {later.destination: _extra_ambulances(problem, later, waiting[
                later.destination], cases_waiting[later.destination])
                for later in todays[index:]}
            phase = problem.phase_of_day[day]
            arrival = day + lane.arrival_offset
            reception = lane.reception_per_day - received[k, arrival]
            after_schedule = schedule is None or day >= schedule.days - lane.arrival_offset - 1
            allowance = lane.reception_per_day if after_schedule and not full_day else \
                min(lane.reception_per_day, max(_busloads(problem, target[k] - done[k]),
                                                round(target[k] - done[k])))
            quota = problem.phase_quotas[phase] if phase is not None else None
            phase_ends = False
            if exact_quotas and quota is not None and quota < problem.people and \
                    not after_schedule and not follow:
                # A quota shared by destinations: a busload more here is one less where the
                # schedule needs it, so no rounding up to busloads, and on the phase's last
                # day what the schedule has left goes, however few.
                allowance = min(lane.reception_per_day, round(target[k] - done[k]))
                phase_ends = day + 1 >= len(problem.phase_of_day) or \
                    problem.phase_of_day[day + 1] != phase
            if lane in early:
                assert schedule is not None
                allowance = round(schedule.early_on(day, k))  # part of a day's reception
            elif follow and not after_schedule:
                allowance = lane.reception_per_day  # the convoy the schedule sends, as full
            elif allowance < min(waiting[k], problem.buses.seats, lane.reception_per_day) / 2 \
                    and not pinned.get((day, k)) and not (phase_ends and allowance > 0):
                continue  # a nearly empty convoy wastes its ambulances and a convoy a day
            # Today's later lanes (on a full day): what each can take.
            room = {other.destination: min(waiting[other.destination],
                                           other.reception_per_day - received[
                                               other.destination, day + other.arrival_offset])
                    for other in todays[index + 1:] if other not in early} if full_day else {}
            if room and lane not in early:
                # No less than leaves the checkpoint's day unused, and no more (rounded up
                # to busloads) than leaves today's later lanes what the schedule gives them;
                # never less than what the schedule gives this one. (Only with later lanes:
                # the day's last lane takes what the schedule gives it.)
                needs = sum(min(most, max(0, round(target[other] - done[other])))
                            for other, most in room.items())
                left = problem.cleared(closing - problem.opens) - today.people
                allowance = max(0, min(max(allowance, left - sum(room.values())),
                                       max(left - needs, round(target[k] - done[k]))))
            allowance = min(max(allowance, pinned.get((day, k), 0)), reception)
            if quota is not None and phase is not None:
                allowance = min(allowance, quota - quotas_used[phase])
            # On a full day, a convoy of the day is left for each later lane with room.
            slots = rules.max_convoys_per_day - sum(1 for most in room.values() if most > 0)
            while allowance > 0 and today.convoys < slots:
                made = _make_convoy(problem, lane, day, today, queues, heads, taken,
                                    fleets, allowance,
                                    0 if pinned.get((day, k)) else waiting[k],
                                    ambulance_cap, wanted[k],
                                    sum(wanted.values()) - wanted[k], light_first,
                                    keep_priority)
                if made is None:
                    break
                convoy, people = made
                cases_waiting[k] -= sum(len(line.on_stretcher) for trip in convoy.trips
                                        for line in trip.lines)
                convoys.append(convoy)
                allowance -= people
                received[k, arrival] += people
                done[k] += people
                waiting[k] -= people
                moved += people
                if phase is not None:
                    quotas_used[phase] += people
                last_arrival = max(last_arrival, day + lane.arrival_offset)
                for key in ((k, kind) for kind in _KINDS):
                    queue = queues.get(key, [])
                    while heads.get(key, 0) < len(queue) and queue[heads[key]].group_id in taken:
                        heads[key] += 1
        progress(moved, total)
    unplanned = [Unplanned(household.household_id, household.size,
                           UnplannedReason.INFEASIBLE,
                           "no room on a convoy on its pinned day" if group.pinned_day is not None
                           else "no room on a convoy before the window closes")
                 for key, queue in queues.items() for group in queue[heads[key]:]
                 if group.group_id not in taken for household in group.households]
    return Realised(convoys, unplanned, last_arrival)


def _extra_ambulances(problem: Problem, lane: Lane, people: int, cases: int) -> int:
    """Ambulances beyond the compulsory ones that each of a destination's remaining convoys
    (one a day of reception for its people waiting) needs for its stretcher cases waiting."""
    stretchers = problem.ambulances.stretchers
    if cases <= 0 or people <= 0 or stretchers <= 0:
        return 0
    convoys = -(-people // max(1, lane.reception_per_day))
    return max(0, -(-cases // (convoys * stretchers)) -
               problem.operation.convoy_rules.min_ambulances_per_convoy)


def ambulance_caps(problem: Problem) -> dict[str, int]:
    """The most ambulances a convoy to each destination takes, where there is such a limit.

    Every convoy keeps its compulsory ambulances for its whole round trip, so with few
    ambulances one more in a convoy can leave a later convoy without its minimum: a day lost
    (at 20,600 people, eight ambulances and two convoys a day on two-day round trips, a convoy
    that took six stopped the next day's). When the fleet has no ambulances beyond the
    compulsory ones of the convoys of one round trip, and the compulsory ambulances of the
    convoys that reception forces can carry a destination's stretcher cases, its convoys take
    their minimum and whatever spare ambulances there are, no more; stretcher cases that do not
    fit wait for the next convoy (days come before the order of arrival).
    """
    rules = problem.operation.convoy_rules
    fewest = rules.min_ambulances_per_convoy
    if not fewest or not problem.ambulances.vehicles:
        return {}
    longest = max(lane.round_trip_days for lane in problem.lanes)
    spare = len(problem.ambulances.vehicles) - fewest * rules.max_convoys_per_day * longest
    stretchers = problem.ambulances.stretchers
    people: dict[str, int] = defaultdict(int)
    cases: dict[str, int] = defaultdict(int)
    for group in problem.groups:
        people[group.destination] += group.people
        cases[group.destination] += group.stretcher_cases
    caps = {}
    for lane in problem.lanes:
        k = lane.destination
        convoys = -(-people[k] // max(1, lane.reception_per_day))
        if cases[k] <= convoys * fewest * stretchers:
            caps[k] = fewest + max(0, spare)
    return caps


_STRETCHER, _HEAVY, _LIGHT = 0, 1, 2
_KINDS = (_STRETCHER, _HEAVY, _LIGHT)
"""A destination's queues: groups with stretcher cases (they wait for ambulances), groups with
more luggage than their seats' share of a bus hold, and the others."""


def _excess(group: Group, share: float) -> float:
    """Luggage above the seats' share of a hold (negative: room left for others' luggage)."""
    return group.luggage_pieces - share * group.people


def _kind(group: Group, problem: Problem) -> int:
    if group.stretcher_cases:
        return _STRETCHER
    share = problem.buses.luggage_capacity / max(1, problem.buses.seats)
    return _HEAVY if _excess(group, share) > 0 else _LIGHT


def _rank(group: Group) -> tuple[bool, int, int, int]:
    """Queue order: pinned first (by day), then priority, then the group's place."""
    return (group.pinned_day is None, group.pinned_day or 0, group.priority, group.group_id)


def _needs_a_truck(group: Group) -> bool:
    """Whether some household's luggage can only go on a truck (nobody of it rides a bus)."""
    for household in group.households:
        if household.luggage_pieces > 0 and not _split_household(household)[1]:
            return True
    return False


def _busloads(problem: Problem, people: float) -> int:
    """People rounded up to whole busloads: a bus that leaves should leave full."""
    seats = max(1, problem.buses.seats)
    return max(0, ceil(people / seats - 0.25)) * seats


def _todays_lanes(problem: Problem, schedule: Schedule | None, day: int, lanes: list[Lane],
                  waiting: dict[str, int], target: dict[str, float],
                  done: dict[str, int], pinned_today: set[str]) -> list[Lane]:
    """The destinations that get today's convoys, in the order the checkpoint serves them.

    When there are more destinations than convoys a day, those furthest behind go first: behind
    the schedule while it lasts, then by the days of reception their remaining people need.
    """
    rules = problem.operation.convoy_rules
    open_lanes = []
    for lane in lanes:
        k = lane.destination
        if not waiting.get(k):
            continue
        if day + lane.arrival_offset >= problem.window_days:
            continue
        phase = problem.phase_of_day[day]
        if problem.phase_quotas and (phase is None or k not in problem.phase_destinations[phase]):
            continue
        open_lanes.append(lane)
    if len(open_lanes) <= rules.max_convoys_per_day:
        return _pinned_first(open_lanes, pinned_today)

    def urgency(lane: Lane) -> tuple[float, str]:
        k = lane.destination
        remaining = waiting[k]
        behind = target[k] - done[k] if schedule is not None and day < schedule.days else 0.0
        return (-(behind / lane.reception_per_day + remaining / lane.reception_per_day / 1e3
                  if behind > 0 else remaining / lane.reception_per_day), k)

    # Destinations with households pinned to today come first: a pin is a promise.
    chosen = sorted(open_lanes, key=lambda lane: (lane.destination not in pinned_today,
                                                  urgency(lane)))[:rules.max_convoys_per_day]
    return _pinned_first([lane for lane in lanes if lane in chosen], pinned_today)


def _pinned_first(lanes: list[Lane], pinned_today: set[str]) -> list[Lane]:
    """Destinations with pinned households take their vehicles first; the rest keep their order."""
    return sorted(lanes, key=lambda lane: lane.destination not in pinned_today)


def _make_convoy(problem: Problem, lane: Lane, day: int, today: _Day,
                 queues: dict[tuple[str, int], list[Group]],
                 heads: dict[tuple[str, int], int], taken: set[int],
                 fleets: dict[VehicleKind, _Fleet], allowance: int, waiting: int,
                 ambulance_cap: dict[str, int], wanted: int = 0, wanted_later: int = 0,
                 light_first: bool = False, keep_priority: bool = False,
                 ) -> tuple[Convoy, int] | None:
    """The next convoy to ``lane`` on ``day`` within ``allowance`` people, or None."""
    rules = problem.operation.convoy_rules
    checkpoint_people = problem.cleared(lane.latest - problem.opens) - today.people
    checkpoint_vehicles = problem.cleared(lane.latest - problem.opens, vehicles=True) - \
        today.vehicles
    room = min(allowance, checkpoint_people)
    date = problem.day(day)
    ready = {kind: sorted(fleet.free_at.get(v.vehicle_id, -1) for v in fleet.vehicles
                          if v.available_on(date))
             for kind, fleet in fleets.items()}
    chosen: list[Group] = []
    people = 0
    by_latest = day * MINUTES_A_DAY + lane.latest
    trucks_free = sum(1 for moment in ready[VehicleKind.LUGGAGE_TRUCK] if moment <= by_latest)
    free_ambulances = sum(1 for moment in ready[VehicleKind.AMBULANCE] if moment <= by_latest)
    # Keep back the ambulances the next convoys of one round trip need as their minimum, so
    # that stretcher cases never stop convoys from leaving; the rest may carry stretchers.
    reserve = rules.min_ambulances_per_convoy * max(
        0, rules.max_convoys_per_day - 1)
    usable = max(free_ambulances - reserve, min(free_ambulances, rules.min_ambulances_per_convoy))
    usable = min(usable, ambulance_cap.get(lane.destination, usable))
    extras = usable - rules.min_ambulances_per_convoy
    if wanted_later > 0 and extras > 0:
        # Today's later convoys need extra ambulances too: this one takes its share only.
        usable -= extras - min(extras, ceil(extras * wanted / (wanted + wanted_later)))
    # and leave most of the convoy's places to buses.
    usable = min(usable, max(rules.min_ambulances_per_convoy,
                             min(rules.max_vehicles_per_convoy, checkpoint_vehicles) // 5))
    stretcher_room = problem.ambulances.stretchers * (
        usable if free_ambulances >= rules.min_ambulances_per_convoy else 0)
    seats = max(1, problem.buses.seats)
    vehicle_room = min(rules.max_vehicles_per_convoy, checkpoint_vehicles)
    stretcher_cases = 0
    # Luggage above the holds' share of the seats taken so far, against what the free trucks
    # can take: households with more luggage than their seats' share of a hold go while the
    # trucks have room, lighter ones of the same priority otherwise, so that trucks leave full
    # and convoys without one still fill their seats.
    share = problem.buses.luggage_capacity / seats
    budget = trucks_free * problem.trucks.luggage_capacity
    excess = 0.0
    destination = lane.destination
    pointers = {kind: heads.get((destination, kind), 0) for kind in _KINDS}
    skipped = dict.fromkeys(_KINDS, 0)

    def eligible(group: Group) -> bool:
        return not ((group.pinned_day is not None and group.pinned_day != day) or
                    people + group.people > room or group.stretcher_cases > stretcher_room
                    or (not trucks_free and _needs_a_truck(group)))

    def peek(kind: int) -> Group | None:
        queue = queues.get((destination, kind), [])
        while pointers[kind] < len(queue) and skipped[kind] <= LOOK_AHEAD:
            group = queue[pointers[kind]]
            if group.group_id in taken:
                pointers[kind] += 1
            elif not eligible(group):
                pointers[kind] += 1
                skipped[kind] += 1
            else:
                return group
        return None

    while True:
        group = peek(_STRETCHER)
        kind = _STRETCHER
        if group is None:
            heavy, light = peek(_HEAVY), peek(_LIGHT)
            fits = heavy is not None and excess + _excess(heavy, share) <= budget
            if heavy is not None and (light is None or (fits and light_first and (
                    not keep_priority or _rank(heavy)[:3] <= _rank(light)[:3])) or (
                    fits and _rank(heavy) <= _rank(light)) or (
                    not light_first and _rank(heavy)[:3] < _rank(light)[:3])):
                group, kind = heavy, _HEAVY
            else:
                group, kind = light, _LIGHT
        if group is None:
            break
        # Buses, a truck for every ten, the ambulances: is there still room in the convoy?
        buses = (people + group.people) / seats
        estimate = buses * 1.1 + 1 + max(
            rules.min_ambulances_per_convoy,
            (stretcher_cases + group.stretcher_cases) / max(1, problem.ambulances.stretchers))
        if estimate > vehicle_room and chosen:
            break
        pointers[kind] += 1
        chosen.append(group)
        people += group.people
        excess += _excess(group, share)
        stretcher_cases += group.stretcher_cases
        stretcher_room -= group.stretcher_cases
    # A convoy with a handful of people still takes its ambulances and a convoy of the day:
    # better wait a day for the buses to come back than send one that small.
    # Near the end of a destination's queue, whatever is left goes, however small.
    # (``waiting`` is 0 when households are pinned to today: then the convoy goes anyway.)
    worth_sending = min(allowance, len(problem.buses.vehicles) * seats) / 4 \
        if waiting > 2 * allowance else 0
    by_latest = day * MINUTES_A_DAY + lane.latest
    trucks_free = sum(1 for moment in ready[VehicleKind.LUGGAGE_TRUCK] if moment <= by_latest)

    def propose(count: int) -> tuple[_Packed, int, int, int] | None:
        """Packing, ambulances, departure and people of the first ``count`` chosen groups."""
        part = chosen[:count]
        load = sum(group.people for group in part)
        packed = pack_convoy(part, problem)
        for share in (0.9, 0.8, 0.7, 0.6):
            if packed is None or len(packed.trucks) <= trucks_free:
                break
            packed = pack_convoy(part, problem, max(1, int(seats * share)))
        if packed is None:
            return None
        ambulances = max(len(packed.ambulances), rules.min_ambulances_per_convoy)
        needed = {VehicleKind.BUS: len(packed.buses), VehicleKind.AMBULANCE: ambulances,
                  VehicleKind.LUGGAGE_TRUCK: len(packed.trucks)}
        vehicles = sum(needed.values())
        if vehicles > vehicle_room or any(count > len(ready[kind])
                                          for kind, count in needed.items()):
            return None
        # Leave once the checkpoint has cleared the convoy and enough vehicles are back.
        back = max((ready[kind][count - 1] for kind, count in needed.items() if count),
                   default=-1) - day * MINUTES_A_DAY
        departure = max(_departure(problem, lane, today, load, vehicles), back)
        if departure > lane.latest:
            return None
        return packed, ambulances, departure, load

    # The most groups that can leave together: all of them, or else the longest prefix that
    # fits (found by bisection; a shorter prefix never needs more).
    count = len(chosen)
    proposal = propose(count) if chosen else None
    if proposal is None and count > 1:
        low, high = 0, count - 1
        while low < high:
            middle = (low + high + 1) // 2
            if propose(middle) is not None:
                low = middle
            else:
                high = middle - 1
        count = low
        proposal = propose(low) if low else None
    if proposal is None:
        return None
    packed, ambulances, departure, load = proposal
    if load < worth_sending:
        return None
    free = {kind: fleet.free(problem, day, day * MINUTES_A_DAY + departure)
            for kind, fleet in fleets.items()}
    return _close(problem, lane, day, today, chosen[:count], packed, ambulances, departure,
                  fleets, free, taken), load


def _close(problem: Problem, lane: Lane, day: int, today: _Day, chosen: list[Group],
           packed: _Packed, ambulances: int, departure: int,
           fleets: dict[VehicleKind, _Fleet], free: dict[VehicleKind, list[Vehicle]],
           taken: set[int]) -> Convoy:
    """Name the vehicles, book them until they are back and rested, and make the convoy."""
    rest = problem.operation.convoy_rules.rest_minutes
    leaves = day * MINUTES_A_DAY + departure
    back = leaves + 2 * lane.travel_minutes + rest
    trips: list[VehicleTrip] = []
    loads = ((VehicleKind.BUS, packed.buses),
             (VehicleKind.AMBULANCE, packed.ambulances +
              [[] for _ in range(ambulances - len(packed.ambulances))]),
             (VehicleKind.LUGGAGE_TRUCK, packed.trucks))
    for kind, lines_of in loads:
        # Vehicles back earliest go first, so that the fleet turns over evenly.
        pool = sorted(free[kind], key=lambda v: (fleets[kind].free_at.get(v.vehicle_id, -1),
                                                 v.vehicle_id))
        for vehicle, lines in zip(pool, lines_of, strict=False):
            fleets[kind].free_at[vehicle.vehicle_id] = back
            trips.append(VehicleTrip(vehicle.vehicle_id, kind, tuple(lines)))
    people = sum(group.people for group in chosen)
    today.people += people
    today.vehicles += len(trips)
    today.convoys += 1
    today.last_departure = departure
    taken.update(group.group_id for group in chosen)
    moment = datetime.combine(problem.day(day), datetime.min.time()) + \
        timedelta(minutes=departure)
    return Convoy(f"{problem.day(day):%Y-%m-%d}/{today.convoys}", problem.day(day), moment,
                  lane.destination, tuple(trips))
