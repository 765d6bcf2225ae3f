"""Fewer vehicle trips: households moved between the vehicles and convoys of a realised plan.

The manifests fill the days one convoy at a time, so a convoy's luggage truck often leaves half
empty, its last bus part full, and the last convoys of a destination small. This pass takes the
realised plan and, destination by destination:

1. **Luggage** (`_shed_luggage`). Households with much luggage in a convoy whose trucks are
   little used are swapped with households of the same size and priority class, and less
   luggage, in convoys whose trucks (or holds) have room, or with households of another bus of
   their own convoy, until the convoy's luggage needs one truck fewer. People per bus and per
   convoy do not change, so nothing else does.
2. **Vehicles** (`_empty_vehicle`). A convoy's emptiest bus (or an ambulance beyond the
   convoy's minimum) is emptied: its households go to other buses or ambulance seats of the
   same convoy (their luggage in the holds, or on the convoy's trucks), or whole travel groups
   go to another convoy of the same destination with room (seats, holds and trucks, stretchers,
   reception on its arrival day, the phase's quota, the checkpoint). A convoy left without
   people goes altogether, with its ambulances and trucks; for that, a spare bus or truck
   (available that day and idle for the whole round trip and rest) may join a convoy that takes
   its people.

Every move keeps the rules of docs/planning-rules.md. A vehicle leaves a convoy, or joins one
only as such a spare, so fleet circulation and availability hold; a convoy departs no earlier
than planned and later only when the checkpoint needs it, within its lane and with each of its
vehicles back in time for its next trip; no convoy grows past its size. A move is made only
when it saves trips; it never adds a day, never puts a medical emergency on a later day or a
pinned household in another convoy, and never raises the schedule's own objective,
priority-weighted arrival days plus the cost of the trips (`schedule.trip_cost`).
Deterministic: no clock, no randomness, and every search has a counted limit, so the same
realised plan always gives the same result.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil

from corridor.domain import Convoy, ManifestLine, VehicleKind, VehicleTrip
from corridor.planner.manifests import Realised
from corridor.planner.problem import MINUTES_A_DAY, Group, Lane, Priority, Problem
from corridor.planner.schedule import trip_cost

RECEIVERS = 8
"""Convoys of the destination (most room on their trucks first) that take luggage from one."""
NEAREST = 3
"""Households of one size and class looked at on each side of the luggage wanted."""
SHED_CHECKS = 20_000
"""Candidate swaps looked at while trying to take one truck out of a convoy."""
NEIGHBOURS = 12
"""Convoys of the same destination (nearest arrival first) offered a travel group."""
ROUNDS = 2
"""Rounds of both moves: a move can open room for another."""


@dataclass(slots=True, eq=False)
class _Entry:
    """One household's riders on one bus or in one ambulance's seats, and the luggage they bring.

    ``luggage`` is what the entry's vehicle must carry or send to the trucks: the household's
    pieces in the hold and on trucks, counted on its first bus (a household larger than a bus
    rides several).
    """

    household_id: str
    persons: tuple[str, ...]
    luggage: int
    group: Group
    movable: bool  # the whole household, nobody on a stretcher: it may change vehicles
    swappable: bool = False  # movable, alone in its travel group and unpinned: may change convoys


@dataclass(slots=True, eq=False)
class _Bus:
    vehicle_id: str
    entries: list[_Entry]
    used: int = 0
    luggage: int = 0
    changed: bool = False


@dataclass(slots=True, eq=False)
class _Ambulance:
    vehicle_id: str
    lines: list[ManifestLine]  # stretcher cases and their companions, as the manifests made them
    seated: list[_Entry]  # households seated here by this pass; their luggage rides on trucks
    stretchers_free: int
    seats_free: int
    changed: bool = False

    @property
    def empty(self) -> bool:
        return not self.lines and not self.seated


@dataclass(slots=True, eq=False)
class _Convoy:
    index: int
    convoy_id: str
    day: int
    lane: Lane
    departure: int  # minutes from midnight
    buses: list[_Bus]
    ambulances: list[_Ambulance]
    trucks: list[str]
    # Luggage on trucks of households with no bus here (stretcher cases alone, ambulance seats).
    loose: dict[str, int] = field(default_factory=dict)
    people: int = 0
    overflow: int = 0  # pieces that the holds cannot take: they ride on trucks
    alive: bool = True
    original: Convoy | None = None  # as realised; kept as it is unless a move touched it
    changed: bool = False
    bus_of: dict[str, _Bus] = field(default_factory=dict)
    version: int = 0  # counts changes of who is aboard: cached pools of households go stale

    @property
    def arrival(self) -> int:
        return self.day + self.lane.arrival_offset


_Pool = dict[tuple[int, Priority], list[tuple[int, int, str]]]
"""Households by size and class, each list sorted by luggage: (luggage, order, household)."""


class _State:
    """The plan being improved, with a journal so that a move that fails is undone."""

    def __init__(self, problem: Problem, realised: Realised) -> None:
        self.problem = problem
        rules = problem.operation.convoy_rules
        self.seats = problem.buses.seats
        self.hold = problem.buses.luggage_capacity
        self.truck_load = problem.trucks.luggage_capacity
        self.stretchers = problem.ambulances.stretchers
        self.ambulance_seats = problem.ambulances.seats
        self.fewest_ambulances = rules.min_ambulances_per_convoy
        self.rest = rules.rest_minutes
        self.trip_cost = trip_cost(problem)
        self.weights = problem.operation.priorities
        self.journal: list[Callable[[], None]] = []
        self.pools: dict[tuple[int, bool], tuple[int, _Pool]] = {}
        self.reception: dict[tuple[str, int], int] = defaultdict(int)
        self.quota_used: dict[int, int] = defaultdict(int)
        self.completion = 0.0
        self.convoys: list[_Convoy] = []
        self.where: dict[str, tuple[_Convoy, _Bus]] = {}  # households that may change buses
        self.entries: dict[str, _Entry] = {}
        self.by_day: dict[int, list[_Convoy]] = defaultdict(list)
        self.vehicle_convoys: dict[str, list[_Convoy]] = defaultdict(list)
        self.groups = {h.household_id: g for g in problem.groups for h in g.households}
        groups = self.groups
        self.travellers = {h.household_id: h for g in problem.groups for h in g.households}
        for index, convoy in enumerate(realised.convoys):
            day = (convoy.day - problem.start).days
            departure = convoy.departure.hour * 60 + convoy.departure.minute
            lane = problem.lane_at(convoy.destination, departure)
            state = _Convoy(index, convoy.convoy_id, day, lane, departure, [], [], [],
                            original=convoy)
            self._load(state, convoy, groups)
            self.convoys.append(state)
            self.by_day[day].append(state)
            for trip in convoy.trips:
                self.vehicle_convoys[trip.vehicle_id].append(state)
        for convoys in self.vehicle_convoys.values():
            convoys.sort(key=lambda c: (c.day, c.departure))
        for convoys in self.by_day.values():
            convoys.sort(key=lambda c: c.departure)

    def _load(self, state: _Convoy, convoy: Convoy, groups: dict[str, Group]) -> None:
        on_trucks: dict[str, int] = defaultdict(int)
        first: dict[str, tuple[_Entry, _Bus]] = {}
        weighted = 0.0
        weights = {priority: priority.weight(self.weights) for priority in Priority}
        for trip in convoy.trips:
            if trip.kind is VehicleKind.BUS:
                bus = _Bus(trip.vehicle_id, [])
                for line in trip.lines:
                    traveller = self.travellers[line.household_id]
                    group = groups[line.household_id]
                    persons = len(line.persons)
                    movable = persons == len(traveller.persons) and not traveller.on_stretcher
                    entry = _Entry(line.household_id, line.persons, line.luggage_pieces, group,
                                   movable, movable and len(group.households) == 1
                                   and group.pinned_day is None)
                    bus.entries.append(entry)
                    bus.used += persons
                    bus.luggage += line.luggage_pieces
                    weighted += weights[group.priority] * persons
                    if line.household_id not in first:
                        first[line.household_id] = (entry, bus)
                    if movable:
                        self.where[line.household_id] = (state, bus)
                        self.entries[line.household_id] = entry
                state.people += bus.used
                state.buses.append(bus)
                state.bus_of[bus.vehicle_id] = bus
            elif trip.kind is VehicleKind.AMBULANCE:
                cases = seated = 0
                for line in trip.lines:
                    cases += len(line.on_stretcher)
                    seated += len(line.persons) - len(line.on_stretcher)
                    weighted += weights[groups[line.household_id].priority] * len(line.persons)
                state.people += cases + seated
                state.ambulances.append(_Ambulance(trip.vehicle_id, list(trip.lines), [],
                                                   self.stretchers - cases,
                                                   self.ambulance_seats - seated))
            else:
                state.trucks.append(trip.vehicle_id)
                for line in trip.lines:
                    on_trucks[line.household_id] += line.luggage_pieces
        for household_id, pieces in on_trucks.items():
            if household_id in first:
                entry, bus = first[household_id]
                entry.luggage += pieces
                bus.luggage += pieces
            else:
                state.loose[household_id] = state.loose.get(household_id, 0) + pieces
        state.overflow = sum(state.loose.values()) + sum(max(0, b.luggage - self.hold)
                                                         for b in state.buses)
        self.reception[state.lane.destination, state.arrival] += state.people
        phase = self.problem.phase_of_day[state.day]
        if phase is not None:
            self.quota_used[phase] += state.people
        self.completion += weighted * state.arrival

    # --- what a convoy costs -------------------------------------------------------------

    def trucks_needed(self, convoy: _Convoy) -> int:
        if convoy.overflow <= 0:
            return 0
        return ceil(convoy.overflow / self.truck_load) if self.truck_load else 10**6

    def ambulances_kept(self, convoy: _Convoy) -> int:
        used = sum(1 for ambulance in convoy.ambulances if not ambulance.empty)
        return max(used, min(self.fewest_ambulances, len(convoy.ambulances)))

    def trips(self, convoy: _Convoy) -> int:
        """Vehicle trips of a convoy as it stands (none once it is gone)."""
        if not convoy.alive:
            return 0
        return (sum(1 for bus in convoy.buses if bus.entries) + self.ambulances_kept(convoy)
                + self.trucks_needed(convoy))

    def kept_ambulances(self, convoy: _Convoy) -> list[_Ambulance]:
        """The ambulances that go: those with someone aboard, then empty ones to the minimum."""
        kept = [ambulance for ambulance in convoy.ambulances if not ambulance.empty]
        for ambulance in convoy.ambulances:
            if len(kept) >= self.fewest_ambulances:
                break
            if ambulance.empty:
                kept.append(ambulance)
        return kept

    # --- journalled changes --------------------------------------------------------------

    def mark(self) -> int:
        return len(self.journal)

    def undo(self, mark: int) -> None:
        while len(self.journal) > mark:
            self.journal.pop()()

    def _luggage(self, convoy: _Convoy, bus: _Bus, pieces: int) -> None:
        convoy.changed = True
        before = max(0, bus.luggage - self.hold)
        bus.luggage += pieces
        convoy.overflow += max(0, bus.luggage - self.hold) - before

    def _people(self, convoy: _Convoy, group: Group, persons: int) -> None:
        """``persons`` more (or fewer) people of ``group`` on ``convoy``."""
        convoy.changed = True
        convoy.version += 1
        convoy.people += persons
        self.reception[convoy.lane.destination, convoy.arrival] += persons
        phase = self.problem.phase_of_day[convoy.day]
        if phase is not None:
            self.quota_used[phase] += persons
        self.completion += group.priority.weight(self.weights) * persons * convoy.arrival

    def take_from_bus(self, convoy: _Convoy, bus: _Bus, entry: _Entry) -> None:
        bus.changed = True
        position = bus.entries.index(entry)
        del bus.entries[position]
        bus.used -= len(entry.persons)
        self._luggage(convoy, bus, -entry.luggage)
        self._people(convoy, entry.group, -len(entry.persons))

        def back() -> None:
            bus.entries.insert(position, entry)
            bus.used += len(entry.persons)
            self._luggage(convoy, bus, entry.luggage)
            self._people(convoy, entry.group, len(entry.persons))
            if entry.movable:
                self.where[entry.household_id] = (convoy, bus)
        self.journal.append(back)

    def put_on_bus(self, convoy: _Convoy, bus: _Bus, entry: _Entry) -> None:
        bus.changed = True
        bus.entries.append(entry)
        bus.used += len(entry.persons)
        self._luggage(convoy, bus, entry.luggage)
        self._people(convoy, entry.group, len(entry.persons))
        previous = self.where.get(entry.household_id)
        if entry.movable:
            self.where[entry.household_id] = (convoy, bus)

        def back() -> None:
            bus.entries.remove(entry)
            bus.used -= len(entry.persons)
            self._luggage(convoy, bus, -entry.luggage)
            self._people(convoy, entry.group, -len(entry.persons))
            if previous is not None:
                self.where[entry.household_id] = previous
        self.journal.append(back)

    def seat_in_ambulance(self, convoy: _Convoy, ambulance: _Ambulance, entry: _Entry) -> None:
        ambulance.changed = True
        ambulance.seated.append(entry)
        self._ambulance_seats(convoy, ambulance, entry, 1)
        previous = self.where.pop(entry.household_id, None)

        def back() -> None:
            ambulance.seated.remove(entry)
            self._ambulance_seats(convoy, ambulance, entry, -1)
            if previous is not None:
                self.where[entry.household_id] = previous
        self.journal.append(back)

    def unseat_from_ambulance(self, convoy: _Convoy, ambulance: _Ambulance,
                              entry: _Entry) -> None:
        ambulance.changed = True
        position = ambulance.seated.index(entry)
        del ambulance.seated[position]
        self._ambulance_seats(convoy, ambulance, entry, -1)

        def back() -> None:
            ambulance.seated.insert(position, entry)
            self._ambulance_seats(convoy, ambulance, entry, 1)
        self.journal.append(back)

    def _ambulance_seats(self, convoy: _Convoy, ambulance: _Ambulance, entry: _Entry,
                         sign: int) -> None:
        """Count ``entry`` in (``sign`` 1) or out of (-1) an ambulance's seats: its people, and
        its luggage, which an ambulance has no hold for, loose in the convoy for its trucks."""
        ambulance.seats_free -= sign * len(entry.persons)
        loose = convoy.loose.get(entry.household_id, 0) + sign * entry.luggage
        if loose:
            convoy.loose[entry.household_id] = loose
        else:
            convoy.loose.pop(entry.household_id, None)
        convoy.overflow += sign * entry.luggage
        self._people(convoy, entry.group, sign * len(entry.persons))

    def move_line(self, source: _Convoy, ambulance: _Ambulance, line: ManifestLine,
                  target: _Convoy, to: _Ambulance, group: Group) -> None:
        """Move stretcher cases and their companions from one ambulance to another."""
        ambulance.changed = to.changed = True
        position = ambulance.lines.index(line)
        cases, seated = len(line.on_stretcher), len(line.persons) - len(line.on_stretcher)
        del ambulance.lines[position]
        ambulance.stretchers_free += cases
        ambulance.seats_free += seated
        to.lines.append(line)
        to.stretchers_free -= cases
        to.seats_free -= seated
        self._people(source, group, -len(line.persons))
        self._people(target, group, len(line.persons))

        def back() -> None:
            to.lines.remove(line)
            to.stretchers_free += cases
            to.seats_free += seated
            ambulance.lines.insert(position, line)
            ambulance.stretchers_free -= cases
            ambulance.seats_free -= seated
            self._people(target, group, -len(line.persons))
            self._people(source, group, len(line.persons))
        self.journal.append(back)

    def move_loose(self, source: _Convoy, target: _Convoy, household_id: str) -> None:
        pieces = source.loose.pop(household_id, 0)
        if not pieces:
            return
        source.changed = target.changed = True
        source.overflow -= pieces
        target.loose[household_id] = target.loose.get(household_id, 0) + pieces
        target.overflow += pieces

        def back() -> None:
            target.loose[household_id] -= pieces
            if not target.loose[household_id]:
                del target.loose[household_id]
            target.overflow -= pieces
            source.loose[household_id] = pieces
            source.overflow += pieces
        self.journal.append(back)

    def swap(self, first: _Convoy, first_bus: _Bus, a: _Entry,
             second: _Convoy, second_bus: _Bus, b: _Entry) -> None:
        """Exchange two households of the same size between buses (of one convoy or two)."""
        first_bus.changed = second_bus.changed = True
        i, j = first_bus.entries.index(a), second_bus.entries.index(b)
        first_bus.entries[i], second_bus.entries[j] = b, a
        self._luggage(first, first_bus, b.luggage - a.luggage)
        self._luggage(second, second_bus, a.luggage - b.luggage)
        if first is not second:
            size = len(a.persons)
            self._people(first, a.group, -size)
            self._people(first, b.group, size)
            self._people(second, b.group, -size)
            self._people(second, a.group, size)
        self.where[a.household_id] = (second, second_bus)
        self.where[b.household_id] = (first, first_bus)

        def back() -> None:
            first_bus.entries[i], second_bus.entries[j] = a, b
            self._luggage(first, first_bus, a.luggage - b.luggage)
            self._luggage(second, second_bus, b.luggage - a.luggage)
            if first is not second:
                size = len(a.persons)
                self._people(first, a.group, size)
                self._people(first, b.group, -size)
                self._people(second, b.group, size)
                self._people(second, a.group, -size)
            self.where[a.household_id] = (first, first_bus)
            self.where[b.household_id] = (second, second_bus)
        self.journal.append(back)

    def set_departure(self, convoy: _Convoy, minute: int) -> None:
        before = convoy.departure
        convoy.departure = minute
        convoy.changed = True

        def back() -> None:
            convoy.departure = before
        self.journal.append(back)

    def set_alive(self, convoy: _Convoy, alive: bool) -> None:
        before = convoy.alive
        convoy.alive = alive

        def back() -> None:
            convoy.alive = before
        self.journal.append(back)

    def pool(self, convoy: _Convoy, inside: bool) -> _Pool:
        """The convoy's households a swap may take (see ``_pool``), built again only after the
        convoy's people changed."""
        key = (convoy.index, inside)
        cached = self.pools.get(key)
        if cached is None or cached[0] != convoy.version:
            cached = (convoy.version, _pool(convoy, inside))
            self.pools[key] = cached
        return cached[1]

    # --- spare vehicles ---------------------------------------------------------------------

    def uses(self, convoy: _Convoy, vehicle_id: str, kind: VehicleKind) -> bool:
        """Whether the convoy, as it stands, takes this bus or truck along."""
        if not convoy.alive:
            return False
        if kind is VehicleKind.LUGGAGE_TRUCK:
            return vehicle_id in convoy.trucks[:self.trucks_needed(convoy)]
        bus = convoy.bus_of.get(vehicle_id)
        return bus is not None and bool(bus.entries)

    def _away(self, convoy: _Convoy) -> tuple[int, int]:
        """When the convoy's vehicles leave and when they are back and rested (minutes)."""
        leaves = convoy.day * MINUTES_A_DAY + convoy.departure
        return leaves, leaves + 2 * convoy.lane.travel_minutes + self.rest

    def _place(self, trips: list[_Convoy], convoy: _Convoy) -> int:
        """Where ``convoy`` goes in a vehicle's trips, in order of departure."""
        key = (convoy.day, convoy.departure)
        low, high = 0, len(trips)
        while low < high:
            middle = (low + high) // 2
            if (trips[middle].day, trips[middle].departure) < key:
                low = middle + 1
            else:
                high = middle
        return low

    def spare(self, convoy: _Convoy, kind: VehicleKind) -> str | None:
        """A vehicle of ``kind`` available that day and idle for the convoy's whole round trip.

        A vehicle's trips do not overlap, so only its nearest trips before and after count.
        """
        fleet = self.problem.buses if kind is VehicleKind.BUS else self.problem.trucks
        date = self.problem.day(convoy.day)
        leaves, back = self._away(convoy)
        for vehicle in fleet.vehicles:
            vehicle_id = vehicle.vehicle_id
            if vehicle_id in convoy.bus_of or vehicle_id in convoy.trucks or \
                    not vehicle.available_on(date):
                continue
            trips = self.vehicle_convoys[vehicle_id]
            place = self._place(trips, convoy)
            before = next((other for other in reversed(trips[:place])
                           if self.uses(other, vehicle_id, kind)), None)
            if before is not None and self._away(before)[1] > leaves:
                continue
            after = next((other for other in trips[place:]
                          if other is not convoy and self.uses(other, vehicle_id, kind)), None)
            if after is not None and self._away(after)[0] < back:
                continue
            return vehicle_id
        return None

    def lend_truck(self, convoy: _Convoy) -> bool:
        """Add a spare luggage truck to the convoy, if there is one."""
        vehicle_id = self._lend(convoy, VehicleKind.LUGGAGE_TRUCK)
        if vehicle_id is None:
            return False
        convoy.changed = True
        convoy.trucks.append(vehicle_id)

        def back() -> None:
            convoy.trucks.remove(vehicle_id)
        self.journal.append(back)
        return True

    def lend_bus(self, convoy: _Convoy) -> _Bus | None:
        """Add a spare bus to the convoy (empty), if there is one."""
        vehicle_id = self._lend(convoy, VehicleKind.BUS)
        if vehicle_id is None:
            return None
        bus = _Bus(vehicle_id, [])
        convoy.buses.append(bus)
        convoy.bus_of[vehicle_id] = bus

        def back() -> None:
            convoy.buses.remove(bus)
            del convoy.bus_of[vehicle_id]
        self.journal.append(back)
        return bus

    def _lend(self, convoy: _Convoy, kind: VehicleKind) -> str | None:
        vehicle_id = self.spare(convoy, kind)
        if vehicle_id is None:
            return None
        leaves, back = self._away(convoy)
        trips = self.vehicle_convoys[vehicle_id]
        # Convoys that list the truck without needing it now must not take it back later.
        for other in list(trips):
            other_leaves, other_back = self._away(other)
            if vehicle_id in other.trucks and not (other_back <= leaves or back <= other_leaves):
                self._drop_truck(other, vehicle_id)
        trips.insert(self._place(trips, convoy), convoy)

        def back_out() -> None:
            trips.remove(convoy)
        self.journal.append(back_out)
        return vehicle_id

    def _drop_truck(self, convoy: _Convoy, vehicle_id: str) -> None:
        position = convoy.trucks.index(vehicle_id)
        del convoy.trucks[position]
        convoy.changed = True

        def back() -> None:
            convoy.trucks.insert(position, vehicle_id)
        self.journal.append(back)

    # --- rules a move must keep ------------------------------------------------------------

    def retime(self, day: int) -> bool:
        """Departures of ``day`` after the checkpoint's new counts; False if one cannot leave."""
        problem = self.problem
        people = vehicles = 0
        previous = -1
        for convoy in self.by_day[day]:
            if not convoy.alive:
                continue
            people += convoy.people
            vehicles += self.trips(convoy)
            cleared = problem.opens + max(people / problem.people_per_minute,
                                          vehicles / problem.vehicles_per_minute)
            departure = max(convoy.departure, ceil(cleared - 1e-9), previous + 1)
            if departure > convoy.lane.latest:
                return False
            if departure != convoy.departure:
                if not self._back_in_time(convoy, departure):
                    return False
                self.set_departure(convoy, departure)
            previous = departure
        return True

    def _back_in_time(self, convoy: _Convoy, departure: int) -> bool:
        """Whether every vehicle of the convoy is back for its next trip if it leaves later."""
        back = convoy.day * MINUTES_A_DAY + departure + 2 * convoy.lane.travel_minutes + \
            self.rest
        vehicles = [bus.vehicle_id for bus in convoy.buses] + \
            [a.vehicle_id for a in convoy.ambulances] + convoy.trucks
        for vehicle_id in vehicles:
            trips = self.vehicle_convoys[vehicle_id]
            position = trips.index(convoy)
            for later in trips[position + 1:]:
                if later.alive:
                    if later.day * MINUTES_A_DAY + later.departure < back:
                        return False
                    break
        return True

    def room_for(self, convoy: _Convoy, group: Group, persons: int, source: _Convoy) -> bool:
        """Whether ``persons`` people of ``group`` may join ``convoy`` from ``source``."""
        if convoy.arrival != source.arrival:
            if group.pinned_day is not None:
                return False
            if group.priority is Priority.MEDICAL and convoy.arrival > source.arrival:
                return False
        if self.reception[convoy.lane.destination, convoy.arrival] + persons > \
                convoy.lane.reception_per_day:
            return False
        phase = self.problem.phase_of_day[convoy.day]
        if phase is not None and phase != self.problem.phase_of_day[source.day]:
            quota = self.problem.phase_quotas[phase]
            if quota is not None and self.quota_used[phase] + persons > quota:
                return False
        return True


# --- 1. luggage: take trucks out by swapping heavy households for light ones ----------------


def _shed_luggage(state: _State, convoys: list[_Convoy]) -> None:
    """Convoys whose trucks carry least lose a truck each while swaps allow."""
    load = state.truck_load
    by_arrival = sorted((c for c in convoys if c.alive),
                        key=lambda c: (c.arrival, c.departure, c.index))
    position = {convoy.index: place for place, convoy in enumerate(by_arrival)}
    donors = sorted((c for c in by_arrival if state.trucks_needed(c)),
                    key=lambda c: (c.overflow - load * (state.trucks_needed(c) - 1), c.index))
    for convoy in donors:
        place = position[convoy.index]
        near = by_arrival[max(0, place - NEIGHBOURS):place + NEIGHBOURS + 1]
        while convoy.alive and state.trucks_needed(convoy):
            target = load * (state.trucks_needed(convoy) - 1)
            mark = state.mark()
            if not _shed(state, convoy, target, near):
                state.undo(mark)
                break


def _pool(convoy: _Convoy, inside: bool) -> _Pool:
    """The households of a convoy that a swap may take: any movable one within the convoy
    (``inside``, all under one class key), else those that may change convoys."""
    pool: _Pool = defaultdict(list)
    order = 0
    for bus in convoy.buses:
        for entry in bus.entries:
            if entry.movable if inside else entry.swappable:
                key = (len(entry.persons), Priority.OTHER if inside else entry.group.priority)
                pool[key].append((entry.luggage, order, entry.household_id))
                order += 1
    for candidates in pool.values():
        candidates.sort()
    return pool


def _shed(state: _State, convoy: _Convoy, target: int, convoys: list[_Convoy]) -> bool:
    """Swap luggage out of ``convoy`` until what its holds cannot take is at most ``target``.

    Partners come from the convoy's own other buses (any household of the same size) and from
    the convoys of the destination with most room on their trucks (households of the same size
    that may change convoys). Swaps between convoys of different days may move a household of a
    higher priority later and one of a lower priority earlier, as long as the priority-weighted
    arrival days they add stay within what the truck saved is worth.
    """
    load = state.truck_load
    # The convoys whose last truck is fuller than this one's take its luggage, those with most
    # room first: they keep their trucks and fill them.
    share = convoy.overflow - load * (state.trucks_needed(convoy) - 1)
    # Convoys of the same main priority class first: their households swap at no cost.
    main = _main_class(state, convoy)
    receivers = sorted((c for c in convoys if c is not convoy and c.alive and
                        load * state.trucks_needed(c) > c.overflow and
                        c.overflow - load * (state.trucks_needed(c) - 1) >= share),
                       key=lambda c: (_main_class(state, c) != main,
                                      c.overflow - load * state.trucks_needed(c), c.index))
    receivers = receivers[:RECEIVERS]
    room = sum(load * state.trucks_needed(c) - c.overflow for c in receivers) + \
        sum(max(0, state.hold - bus.luggage) for bus in convoy.buses if bus.entries)
    if room < convoy.overflow - target:
        return False
    pools = [(other, state.pool(other, inside=False)) for other in receivers]
    inside = state.pool(convoy, inside=True)
    budget = state.completion + state.trip_cost
    checks = 0
    hopeless: set[str] = set()  # no partner now: the pools only lose light households
    while convoy.overflow > target:
        found = False
        for bus in sorted((b for b in convoy.buses if b.luggage > state.hold),
                          key=lambda b: -b.luggage):
            for entry in sorted((e for e in bus.entries if e.movable and e.luggage
                                 and e.household_id not in hopeless),
                                key=lambda e: -e.luggage):
                choice, checks = _partner(state, convoy, bus, entry, inside, pools,
                                          budget - state.completion, checks)
                if choice is None:
                    hopeless.add(entry.household_id)
                else:
                    other, pool, key, item = choice
                    other_bus = state.where[item[2]][1]
                    state.swap(convoy, bus, entry, other, other_bus, state.entries[item[2]])
                    if other is not convoy:  # within the convoy, the pools stay as they are
                        pool[key].remove(item)
                        mine = inside[len(entry.persons), Priority.OTHER]
                        mine.remove(next(i for i in mine if i[2] == entry.household_id))
                        insort(mine, item)
                    found = True
                    break
                if checks > SHED_CHECKS:
                    return False
            if found:
                break
        if not found:
            return False
    return True


def _main_class(state: _State, convoy: _Convoy) -> Priority:
    """The priority class of most of the convoy's households that may change convoys."""
    counts: dict[Priority, int] = defaultdict(int)
    for (_, priority), households in state.pool(convoy, inside=False).items():
        counts[priority] += len(households)
    return max(sorted(counts), key=lambda priority: counts[priority], default=Priority.OTHER)


def _partner(state: _State, convoy: _Convoy, bus: _Bus, entry: _Entry, inside: _Pool,
             pools: list[tuple[_Convoy, _Pool]], allowance: float, checks: int,
             ) -> tuple[tuple[_Convoy, _Pool, tuple[int, Priority], tuple[int, int, str]]
                        | None, int]:
    """The best swap partner for ``entry``: the one that takes most of its bus's excess away
    (ties: the least luggage moved, its own convoy first, then the receivers in order)."""
    size = len(entry.persons)
    hold = state.hold
    excess = bus.luggage - hold
    wanted = max(0, entry.luggage - excess)  # a partner this light takes all the excess
    weight = entry.group.priority.weight(state.weights)
    best: tuple[tuple[int, int, int], tuple[_Convoy, _Pool, tuple[int, Priority],
                                            tuple[int, int, str]]] | None = None
    sources: list[tuple[int, _Convoy, _Pool, list[Priority]]] = [
        (0, convoy, inside, [Priority.OTHER])]
    if entry.swappable:
        classes = [entry.group.priority,
                   *(c for c in Priority if c is not entry.group.priority)]
        sources += [(rank + 1, other, pool, classes) for rank, (other, pool) in enumerate(pools)]
    for rank, other, pool, classes in sources:
        if not other.alive:
            continue
        room = state.truck_load * state.trucks_needed(other) - other.overflow
        later = other.arrival - convoy.arrival  # for the entry; its partner goes back as much
        for priority in classes:
            candidates = pool.get((size, priority))
            if not candidates:
                continue
            if other is not convoy:
                if later > 0 and entry.group.priority is Priority.MEDICAL:
                    break  # a medical emergency never leaves later
                if later < 0 and priority is Priority.MEDICAL:
                    continue
                cost = size * later * (weight - priority.weight(state.weights))
                if cost > allowance + 1e-9:
                    continue
            # The partners just light enough, then lighter, then heavier but lighter than it.
            at = bisect_right(candidates, (wanted, 1 << 62, ""))
            for item in [*reversed(candidates[max(0, at - NEAREST):at]),
                         *candidates[at:at + NEAREST]]:
                checks += 1
                luggage = item[0]
                if luggage >= entry.luggage:
                    break
                other_bus = state.where[item[2]][1]
                if other_bus is bus:
                    continue
                delta = entry.luggage - luggage
                gain = min(delta, excess)
                added = max(0, other_bus.luggage + delta - hold) - \
                    max(0, other_bus.luggage - hold)
                if other is convoy:
                    if added >= gain:
                        continue
                    gain -= added
                elif added > room:
                    continue
                score = (-gain, delta, rank)
                if best is None or score < best[0]:
                    best = (score, (other, pool, (size, priority), item))
                break
    return (best[1] if best is not None else None), checks


# --- 2. vehicles: empty a bus or an ambulance, or a whole convoy ----------------------------


def _empty_vehicles(state: _State, convoys: list[_Convoy]) -> None:
    """Empty the emptiest bus (or an extra ambulance) of each convoy, smallest convoys first."""
    by_arrival = sorted((c for c in convoys if c.alive),
                        key=lambda c: (c.arrival, c.departure, c.index))
    position = {convoy.index: place for place, convoy in enumerate(by_arrival)}
    # Smallest first, the later of two as small first: its people then leave earlier.
    for convoy in sorted(by_arrival, key=lambda c: (c.people, -c.arrival, c.index)):
        # The whole convoy elsewhere first: its ambulances and trucks stay home too.
        if _empty_vehicle(state, convoy, None, by_arrival, position):
            continue
        while convoy.alive:
            candidates: list[_Bus | _Ambulance] = []
            buses = [bus for bus in convoy.buses if bus.entries]
            if buses:
                candidates.append(min(buses, key=lambda b: (b.used, b.luggage)))
            if state.ambulances_kept(convoy) > state.fewest_ambulances:
                extra = [a for a in convoy.ambulances if not a.empty]
                extra.sort(key=lambda a: -(a.seats_free + a.stretchers_free))
                candidates.extend(extra)
            if not any(_empty_vehicle(state, convoy, vehicle, by_arrival, position)
                       for vehicle in candidates):
                break


def _empty_vehicle(state: _State, convoy: _Convoy, vehicle: _Bus | _Ambulance | None,
                   by_arrival: list[_Convoy], position: dict[int, int]) -> bool:
    """Move everyone off ``vehicle`` (None: out of the convoy); keep the moves only if they save
    trips and the priority-weighted arrival days they add are worth less than those trips."""
    if not _may_fit(state, convoy, vehicle, by_arrival, position):
        return False
    touched: dict[int, tuple[_Convoy, int]] = {convoy.index: (convoy, state.trips(convoy))}
    completion = state.completion
    mark = state.mark()
    if vehicle is None:
        groups = [entry.group for bus in convoy.buses for entry in bus.entries] + \
            [state.groups[line.household_id] for a in convoy.ambulances for line in a.lines] + \
            [entry.group for a in convoy.ambulances for entry in a.seated]
    elif isinstance(vehicle, _Bus):
        groups = [entry.group for entry in vehicle.entries]
    else:
        groups = [state.groups[line.household_id] for line in vehicle.lines] + \
            [entry.group for entry in vehicle.seated]
    done: set[int] = set()
    for group in groups:
        if group.group_id in done:
            continue
        done.add(group.group_id)
        # Spare vehicles join other convoys only when this whole convoy stays home: a bus
        # for a bus or a truck for a bus saves nothing.
        if not ((vehicle is not None and _within(state, convoy, vehicle, group)) or
                _elsewhere(state, convoy, group, by_arrival, position, touched,
                           may_lend=vehicle is None)):
            state.undo(mark)
            return False
    if not convoy.people:
        state.set_alive(convoy, False)
    # Luggage the holds left cannot take goes to other convoys' trucks, swapped for lighter.
    for other, _ in list(touched.values()):
        if other.alive and state.trucks_needed(other) > len(other.trucks):
            place = position[other.index]
            _shed(state, other, state.truck_load * len(other.trucks),
                  by_arrival[max(0, place - NEIGHBOURS):place + NEIGHBOURS + 1])
    if not all(state.retime(day) for day in sorted({c.day for c, _ in touched.values()})):
        state.undo(mark)
        return False
    most = state.problem.operation.convoy_rules.max_vehicles_per_convoy
    saved = sum(before - state.trips(c) for c, before in touched.values())
    if saved <= 0 or state.completion - completion > state.trip_cost * saved + 1e-6 or \
            any(state.trucks_needed(c) > len(c.trucks) or state.trips(c) > most
                for c, _ in touched.values()):
        state.undo(mark)
        return False
    return True


def _may_fit(state: _State, convoy: _Convoy, vehicle: _Bus | _Ambulance | None,
             by_arrival: list[_Convoy], position: dict[int, int]) -> bool:
    """Whether the people on ``vehicle`` (None: the whole convoy) could have room at all: free
    seats on the convoy's other vehicles in use, and on the nearby convoys' within the reception
    left on their arrival days. A convoy of at most two busloads may also go on spare vehicles
    joining the nearby convoys: for it, the reception left is enough."""
    if vehicle is None:
        people, room = convoy.people, 0
    elif isinstance(vehicle, _Bus):
        people = vehicle.used
        room = _free_seats(state, convoy, avoid=vehicle)
    else:
        return True  # stretchers go to ambulances with room; they are few
    small = vehicle is None and people <= 2 * state.seats
    place = position[convoy.index]
    left: dict[tuple[str, int], int] = {}
    seats: dict[tuple[str, int], int] = defaultdict(int)
    for other in by_arrival[max(0, place - NEIGHBOURS):place + NEIGHBOURS + 1]:
        if other.alive and other is not convoy:
            day = (other.lane.destination, other.arrival)
            left[day] = max(0, other.lane.reception_per_day - state.reception[day])
            seats[day] += _free_seats(state, other, avoid=None)
    room += sum(reception if small else min(reception, seats[day])
                for day, reception in left.items())
    return room >= people


def _free_seats(state: _State, convoy: _Convoy, avoid: _Bus | None) -> int:
    """Free seats on the buses in use and the ambulances that go."""
    return sum(state.seats - bus.used for bus in convoy.buses
               if bus.entries and bus is not avoid) + \
        sum(a.seats_free for a in state.kept_ambulances(convoy))


def _within(state: _State, convoy: _Convoy, vehicle: _Bus | _Ambulance, group: Group) -> bool:
    """Put the group's people on ``vehicle`` on the convoy's other vehicles in use."""
    mark = state.mark()
    if isinstance(vehicle, _Bus):
        entries = [e for e in vehicle.entries if e.group is group]
        for entry in sorted(entries, key=lambda e: -len(e.persons)):
            state.take_from_bus(convoy, vehicle, entry)
            if not _seat(state, convoy, entry, avoid=vehicle):
                state.undo(mark)
                return False
        return True
    ids = {h.household_id for h in group.households}
    for line in [line for line in vehicle.lines if line.household_id in ids]:
        cases, seated = len(line.on_stretcher), len(line.persons) - len(line.on_stretcher)
        other = next((a for a in convoy.ambulances if a is not vehicle and not a.empty
                      and a.stretchers_free >= cases and a.seats_free >= seated), None)
        if other is None:
            state.undo(mark)
            return False
        state.move_line(convoy, vehicle, line, convoy, other, group)
    for entry in [e for e in vehicle.seated if e.group is group]:
        state.unseat_from_ambulance(convoy, vehicle, entry)
        if not _seat(state, convoy, entry, avoid=vehicle):
            state.undo(mark)
            return False
    return True


def _seat(state: _State, convoy: _Convoy, entry: _Entry, avoid: _Bus | _Ambulance,
          lend: bool = False) -> bool:
    """Seat a rider on a bus of ``convoy`` in use (the fullest that has room), else in the seats
    of an ambulance that goes anyway (a whole household with nobody on a stretcher), else, with
    ``lend``, on a spare bus that joins the convoy."""
    size = len(entry.persons)
    best: _Bus | None = None
    for bus in convoy.buses:
        if bus is avoid or not bus.entries or state.seats - bus.used < size:
            continue
        if best is None or (bus.used, -bus.luggage) > (best.used, -best.luggage):
            best = bus
    if best is not None:
        state.put_on_bus(convoy, best, entry)
        return True
    if not entry.movable and not lend:
        return False
    seat = None if not entry.movable else next((a for a in state.kept_ambulances(convoy)
                 if a is not avoid and a.seats_free >= size), None)
    if seat is not None:
        state.seat_in_ambulance(convoy, seat, entry)
        return True
    spare = state.lend_bus(convoy) if lend else None
    if spare is None:
        return False
    state.put_on_bus(convoy, spare, entry)
    return True


def _elsewhere(state: _State, convoy: _Convoy, group: Group, by_arrival: list[_Convoy],
               position: dict[int, int], touched: dict[int, tuple[_Convoy, int]],
               may_lend: bool) -> bool:
    """Move the whole travel group to another convoy of the destination with room for it (with
    ``may_lend``, spare vehicles may join that convoy)."""
    if group.pinned_day is not None:
        return False
    riders: list[tuple[_Bus, _Entry]] = []
    seated: list[tuple[_Ambulance, _Entry]] = []
    lines: list[tuple[_Ambulance, ManifestLine]] = []
    ids = {h.household_id for h in group.households}
    for bus in convoy.buses:
        for entry in bus.entries:
            if entry.group is group:
                if not entry.movable and not group.stretcher_cases:
                    return False  # a household larger than a bus stays where it is
                riders.append((bus, entry))
    for ambulance in convoy.ambulances:
        lines.extend((ambulance, line) for line in ambulance.lines if line.household_id in ids)
        seated.extend((ambulance, entry) for entry in ambulance.seated if entry.group is group)
    persons = sum(len(e.persons) for _, e in riders) + sum(len(e.persons) for _, e in seated) \
        + sum(len(line.persons) for _, line in lines)
    if persons != group.people:
        return False  # part of the group has already moved in this attempt
    place = position[convoy.index]
    near = [c for c in by_arrival[max(0, place - NEIGHBOURS):place + NEIGHBOURS + 1]
            if c is not convoy and c.alive]
    # Earlier convoys first (nearest first), then later ones (nearest first).
    earlier = [c for c in near if c.arrival <= convoy.arrival]
    near = earlier[::-1] + [c for c in near if c.arrival > convoy.arrival]
    # Convoys with room in the vehicles they take anyway first, then with a spare vehicle.
    for lend in (False, True) if may_lend else (False,):
        for target in near:
            if not state.room_for(target, group, persons, convoy):
                continue
            before = state.trips(target)
            mark = state.mark()
            if _move_group(state, convoy, target, riders, seated, lines, ids, lend) and \
                    (lend or state.trips(target) <= before):
                touched.setdefault(target.index, (target, before))
                return True
            state.undo(mark)
    return False


def _move_group(state: _State, source: _Convoy, target: _Convoy,
                riders: list[tuple[_Bus, _Entry]], seated: list[tuple[_Ambulance, _Entry]],
                lines: list[tuple[_Ambulance, ManifestLine]], ids: set[str],
                lend: bool) -> bool:
    """Put the group on the target's vehicles in use (with ``lend``, spare ones joining it);
    False if it does not fit."""
    for ambulance, line in lines:
        cases, sitting = len(line.on_stretcher), len(line.persons) - len(line.on_stretcher)
        to = next((a for a in state.kept_ambulances(target)
                   if a.stretchers_free >= cases and a.seats_free >= sitting), None)
        if to is None:
            return False
        state.move_line(source, ambulance, line, target, to, state.groups[line.household_id])
    for bus, entry in sorted(riders, key=lambda pair: -len(pair[1].persons)):
        state.take_from_bus(source, bus, entry)
        if not _seat(state, target, entry, avoid=bus, lend=lend):
            return False
    for ambulance, entry in seated:
        state.unseat_from_ambulance(source, ambulance, entry)
        if not _seat(state, target, entry, avoid=ambulance, lend=lend):
            return False
    for household_id in sorted(ids):
        state.move_loose(source, target, household_id)
    while lend and state.trucks_needed(target) > len(target.trucks):
        if not state.lend_truck(target):
            return False
    return state.trucks_needed(target) <= len(target.trucks)


def consolidate(problem: Problem, realised: Realised) -> Realised:
    """The realised plan with fewer vehicle trips, no more days and no one worse placed."""
    if not realised.convoys:
        return realised
    state = _State(problem, realised)
    by_destination: dict[str, list[_Convoy]] = defaultdict(list)
    for convoy in state.convoys:
        by_destination[convoy.lane.destination].append(convoy)
    for _ in range(ROUNDS):
        before = sum(state.trips(c) for c in state.convoys)
        for destination in sorted(by_destination):
            _shed_luggage(state, by_destination[destination])
            _empty_vehicles(state, by_destination[destination])
        state.journal.clear()
        if sum(state.trips(c) for c in state.convoys) >= before:
            break
    return _realised(state, realised)


def _realised(state: _State, realised: Realised) -> Realised:
    """Convoys of named vehicles again, with luggage in holds first and the rest on trucks."""
    problem = state.problem
    convoys: list[Convoy] = []
    last_arrival = -1
    for convoy in state.convoys:
        if not convoy.alive or not convoy.people:
            continue
        last_arrival = max(last_arrival, convoy.arrival)
        if not convoy.changed and convoy.original is not None:
            convoys.append(convoy.original)
            continue
        trips: list[VehicleTrip] = []
        on_trucks: list[tuple[str, int]] = []
        # A vehicle no move touched keeps its manifest as realised (the holds fill the same way).
        was = {trip.vehicle_id: trip for trip in convoy.original.trips} \
            if convoy.original is not None else {}
        for bus in convoy.buses:
            if not bus.entries:
                continue
            room = state.hold
            lines = []
            for entry in bus.entries:
                pieces = min(room, entry.luggage)
                room -= pieces
                if entry.luggage > pieces:
                    on_trucks.append((entry.household_id, entry.luggage - pieces))
                if bus.changed and (entry.persons or pieces):
                    lines.append(ManifestLine(entry.household_id, entry.persons, (), pieces))
            trips.append(VehicleTrip(bus.vehicle_id, VehicleKind.BUS, tuple(lines))
                         if bus.changed or bus.vehicle_id not in was else was[bus.vehicle_id])
        for ambulance in state.kept_ambulances(convoy):
            if not ambulance.changed and ambulance.vehicle_id in was:
                trips.append(was[ambulance.vehicle_id])
                continue
            lines = list(ambulance.lines)
            for entry in ambulance.seated:
                lines.append(ManifestLine(entry.household_id, entry.persons, (), 0))
            trips.append(VehicleTrip(ambulance.vehicle_id, VehicleKind.AMBULANCE, tuple(lines)))
        on_trucks.extend(sorted(convoy.loose.items()))
        loads: list[list[ManifestLine]] = []
        room = 0
        for household_id, pieces in on_trucks:
            left = pieces
            while left > 0:
                if room == 0:
                    loads.append([])
                    room = state.truck_load
                taken = min(room, left)
                loads[-1].append(ManifestLine(household_id, (), (), taken))
                room -= taken
                left -= taken
        assert len(loads) <= len(convoy.trucks)  # every move kept the luggage within them
        for vehicle_id, lines in zip(convoy.trucks, loads, strict=False):
            trips.append(VehicleTrip(vehicle_id, VehicleKind.LUGGAGE_TRUCK, tuple(lines)))
        day = problem.day(convoy.day)
        moment = datetime.combine(day, datetime.min.time()) + timedelta(minutes=convoy.departure)
        convoys.append(Convoy(convoy.convoy_id, day, moment, convoy.lane.destination,
                              tuple(trips)))
    return Realised(convoys, realised.unplanned, last_arrival)
