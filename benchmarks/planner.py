"""Time the planner on seeded scenarios against two baselines; check every plan (issue 3).

    .venv/bin/python benchmarks/planner.py --sizes 2000,20600,100000 [--with-million]

For each size the scenario is generated (seed 2017, not timed), then each method plans it in its
own process, so that the peak memory (max RSS, taken right after planning and before the check)
is that method's own, the scenario included. Every plan then goes through ``check_plan``: a
figure counts only when the plan passes.

* corridor: ``make_plan``.
* ffd: plain first-fit decreasing, day by day, written here independently of the planner.
* cpsat: a direct CP-SAT model assigning each household to a (day, destination, bus) slot, with a
  time limit (``--cpsat-seconds``) and 2 workers; its assignment is then turned into convoys like
  the ffd baseline's, and checked.

The day and trip bounds in the table are the corridor plan's (they belong to the scenario).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from corridor.domain import (
    Category,
    Convoy,
    Intent,
    ManifestLine,
    Plan,
    Scenario,
    Unplanned,
    UnplannedReason,
    Vehicle,
    VehicleKind,
    VehicleTrip,
)

METHODS = ("corridor", "ffd", "cpsat")
MAX_CPSAT_VARIABLES = 5_000_000


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _minutes(moment: Any) -> int:
    return int(moment.hour) * 60 + int(moment.minute)


# --- The registry reduced to what the baselines need ---------------------------------------------


@dataclass(slots=True)
class Household:
    """A household's leaving members: who rides a bus, who rides an ambulance, and luggage."""

    household_id: str
    order: int
    seated: tuple[str, ...]  # on a bus
    chunks: list[tuple[tuple[str, ...], tuple[str, ...]]]  # ambulance: (stretchers, companions)
    luggage: int

    @property
    def people(self) -> int:
        return len(self.seated) + sum(len(s) + len(c) for s, c in self.chunks)


@dataclass(slots=True)
class Unit:
    """Households that must travel in one convoy (linked), bound for one destination."""

    households: list[Household]
    destination: str
    order: int

    @property
    def people(self) -> int:
        return sum(household.people for household in self.households)


@dataclass(slots=True)
class Prepared:
    units: list[Unit]
    unplanned: list[Unplanned]


def prepare(scenario: Scenario) -> Prepared:
    """Leavers per household, linked households as units, a destination for each unit."""
    operation = scenario.operation
    may_leave = operation.agreement.terms.may_leave
    vehicles = list(operation.vehicles())
    largest_bus = max(v.seats for v in vehicles if v.kind is VehicleKind.BUS)
    ambulances = [v for v in vehicles if v.kind is VehicleKind.AMBULANCE]
    stretchers = min((v.stretchers for v in ambulances), default=0)
    ambulance_seats = min((v.seats for v in ambulances), default=0)
    members: dict[str, list[Any]] = defaultdict(list)
    for person in scenario.persons:
        members[person.household_id].append(person)
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        while parent.get(item, item) != item:
            item = parent[item]
        return item

    for household in scenario.households:
        if household.linked_to is not None:
            a, b = find(household.household_id), find(household.linked_to)
            if a != b:
                parent[a] = b
    unplanned: list[Unplanned] = []
    grouped: dict[str, list[tuple[Any, Household, bool, bool]]] = defaultdict(list)
    for order, household in enumerate(scenario.households):
        people = members[household.household_id]
        leaving = [p for p in people if p.intent is Intent.LEAVE and p.category in may_leave]
        if not leaving:
            undecided = sum(p.intent is Intent.UNDECIDED for p in people)
            if undecided:
                unplanned.append(Unplanned(household.household_id, undecided,
                                           UnplannedReason.UNDECIDED, "undecided"))
            continue
        on_stretcher = [p.person_id for p in leaving if p.needs_stretcher]
        others = [p.person_id for p in leaving if not p.needs_stretcher]
        chunks = []
        for start in range(0, len(on_stretcher), max(1, stretchers)):
            chunk = tuple(on_stretcher[start:start + max(1, stretchers)])
            companion = (others.pop(0),) if others else ()
            chunks.append((chunk, companion))
        companions_short = (on_stretcher and any(not c for _, c in chunks)
                            and any(c for _, c in chunks))
        fits = (len(others) <= largest_bus and not companions_short
                and (not on_stretcher or stretchers >= 1)
                and all(len(c) <= ambulance_seats for _, c in chunks))
        combatants = any(p.category is Category.COMBATANT for p in leaving)
        grouped[find(household.household_id)].append(
            (household, Household(household.household_id, order, tuple(others), chunks,
                                  sum(p.luggage_pieces for p in leaving)), fits, combatants))
    reception = {d.site_id: d.reception_capacity_per_day for d in operation.destinations}
    accepts = {d.site_id: d.accepts_combatants for d in operation.destinations}
    load: dict[str, int] = defaultdict(int)
    entries = sorted(grouped.values(), key=lambda e: min(h.order for _, h, _, _ in e))
    units: list[Unit] = []
    open_choice: list[Unit] = []
    for entry in entries:
        households = [h for _, h, _, _ in entry]
        preferences = {raw.destination_preference for raw, _, _, _ in entry
                       if raw.destination_preference is not None}
        combatants = any(c for _, _, _, c in entry)
        options = sorted(preferences) if preferences else [
            d for d in operation.agreement.destinations if accepts[d] or not combatants]
        reason = None
        if len(preferences) > 1:
            reason = "linked households prefer different destinations"
        elif not options or (combatants and not accepts[options[0]]):
            reason = "no wanted destination accepts combatants"
        elif not all(fits for _, _, fits, _ in entry):
            reason = "a household does not fit the baseline's vehicles"
        if reason is not None:
            kind = (UnplannedReason.INFEASIBLE if reason.startswith("a household")
                    else UnplannedReason.NOT_ELIGIBLE)
            unplanned.extend(Unplanned(h.household_id, h.people, kind, reason)
                             for h in households)
            continue
        unit = Unit(households, options[0], households[0].order)
        units.append(unit)
        if preferences:
            load[unit.destination] += unit.people
        else:
            open_choice.append(unit)
            unit.destination = ",".join(options)  # chosen below
    for unit in open_choice:
        options = unit.destination.split(",")
        best = min(options, key=lambda d: ((load[d] + unit.people) / reception[d], d))
        unit.destination = best
        load[best] += unit.people
    return Prepared(units, unplanned)


# --- Convoys from groups of households: vehicles, luggage, departure ------------------------------


@dataclass(slots=True)
class Loads:
    """What a convoy carries, per vehicle, before vehicles are named."""

    buses: list[list[tuple[Household, int]]]  # (household, pieces in this bus's hold)
    ambulances: list[list[tuple[str, tuple[str, ...], tuple[str, ...]]]]
    trucks: list[list[tuple[str, int]]]

    @property
    def vehicles(self) -> int:
        return len(self.buses) + len(self.ambulances) + len(self.trucks)

    @property
    def people(self) -> int:
        return (sum(len(h.seated) for bus in self.buses for h, _ in bus)
                + sum(len(s) + len(c) for amb in self.ambulances for _, s, c in amb))


@dataclass(slots=True)
class Fleet:
    seats: int
    hold: int
    amb_stretchers: int
    amb_seats: int
    truck_load: int
    min_ambulances: int


def ffd_buses(households: list[Household], fleet: Fleet, truck_room: int,
              max_buses: int) -> list[list[Household]]:
    """First-fit decreasing by seats; a bus whose hold takes the luggage is tried first."""
    bins: list[list[Any]] = []  # [seats left, hold left, households]
    overflow = 0
    items = sorted((h for h in households if h.seated),
                   key=lambda h: (-len(h.seated), -h.luggage, h.order))
    for household in items:
        need, pieces = len(household.seated), household.luggage
        chosen = None
        for candidate in bins:
            if candidate[0] >= need and candidate[1] >= pieces:
                chosen = candidate
                break
        if chosen is None:
            for candidate in bins:
                if candidate[0] >= need and overflow + pieces - candidate[1] <= truck_room:
                    chosen = candidate
                    break
        if chosen is None:
            if len(bins) >= max_buses:
                return [*(b[2] for b in bins), [household]]  # too many: the caller sees it
            chosen = [fleet.seats, fleet.hold, []]
            bins.append(chosen)
        overflow += max(0, pieces - chosen[1])
        chosen[0] -= need
        chosen[1] = max(0, chosen[1] - pieces)
        chosen[2].append(household)
    return [b[2] for b in bins]


def loads_for(households: list[Household], bus_groups: list[list[Household]],
              fleet: Fleet) -> Loads:
    """Holds filled bus by bus, the rest on trucks; stretcher chunks first-fit into ambulances."""
    buses: list[list[tuple[Household, int]]] = []
    loose: list[tuple[str, int]] = []
    for group in bus_groups:
        room = fleet.hold
        bus = []
        for household in group:
            in_hold = min(room, household.luggage)
            room -= in_hold
            bus.append((household, in_hold))
            if household.luggage > in_hold:
                loose.append((household.household_id, household.luggage - in_hold))
        buses.append(bus)
    for household in households:
        if not household.seated and household.luggage:
            loose.append((household.household_id, household.luggage))
    trucks: list[list[tuple[str, int]]] = []
    room = 0
    for household_id, pieces in loose:
        owed = pieces
        while owed:
            if room == 0:
                trucks.append([])
                room = fleet.truck_load
            take = min(room, owed)
            trucks[-1].append((household_id, take))
            room -= take
            owed -= take
    chunks = sorted(((h.household_id, s, c) for h in households for s, c in h.chunks),
                    key=lambda x: (-len(x[1]), -len(x[2])))
    ambulances: list[list[Any]] = []  # [stretchers left, seats left, chunks]
    for chunk in chunks:
        for amb in ambulances:
            if amb[0] >= len(chunk[1]) and amb[1] >= len(chunk[2]):
                break
        else:
            amb = [fleet.amb_stretchers, fleet.amb_seats, []]
            ambulances.append(amb)
        amb[0] -= len(chunk[1])
        amb[1] -= len(chunk[2])
        amb[2].append(chunk)
    amb_loads = [a[2] for a in ambulances]
    while len(amb_loads) < fleet.min_ambulances:
        amb_loads.append([])
    return Loads(buses, amb_loads, trucks)


@dataclass
class Builder:
    """Convoys day by day, with the state every rule needs: vehicles, checkpoint, reception."""

    scenario: Scenario
    fleet: Fleet = field(init=False)
    convoys: list[Convoy] = field(default_factory=list)

    def __post_init__(self) -> None:
        op = self.scenario.operation
        self.op = op
        self.rules = op.convoy_rules
        self.start = op.agreement.window.start
        self.end = op.agreement.window.end
        vehicles = list(op.vehicles())
        self.by_kind: dict[VehicleKind, list[Vehicle]] = {
            kind: [v for v in vehicles if v.kind is kind] for kind in VehicleKind}
        buses = self.by_kind[VehicleKind.BUS]
        ambs = self.by_kind[VehicleKind.AMBULANCE]
        trucks = self.by_kind[VehicleKind.LUGGAGE_TRUCK]
        self.fleet = Fleet(min(v.seats for v in buses), min(v.luggage_capacity for v in buses),
                           min((v.stretchers for v in ambs), default=0),
                           min((v.seats for v in ambs), default=0),
                           min((v.luggage_capacity for v in trucks), default=0),
                           self.rules.min_ambulances_per_convoy)
        self.back: dict[str, datetime] = {}
        self.received: Counter[tuple[str, date]] = Counter()
        self.travel = {d.site_id: d.travel_hours for d in op.destinations}
        self.reception = {d.site_id: d.reception_capacity_per_day for d in op.destinations}
        cp = op.checkpoint
        self.opens = _minutes(cp.opens)
        self.people_rate = cp.lanes * cp.people_per_hour_per_lane
        self.vehicle_rate = cp.lanes * cp.vehicles_per_hour_per_lane
        self.earliest = _minutes(self.rules.departure_earliest)
        self.latest = min(_minutes(self.rules.departure_latest), _minutes(cp.closes))
        self.phase_people: Counter[str] = Counter()
        self.day: date | None = None

    def begin_day(self, day: date) -> None:
        self.day = day
        self.cp_people = self.cp_vehicles = 0
        self.previous: int | None = None
        self.count = 0

    def _at(self, minute: int) -> datetime:
        assert self.day is not None
        return datetime.combine(self.day, datetime.min.time()) + timedelta(minutes=minute)

    def _ready(self, people: int, vehicles: int) -> int:
        need = max(-(-60 * people // self.people_rate), -(-60 * vehicles // self.vehicle_rate))
        ready = max(self.earliest, self.opens + need)
        return ready if self.previous is None else max(ready, self.previous + 1)

    def limits(self, destination: str) -> tuple[int, int, int, int] | None:
        """Lower bound of the departure, last departure, people and vehicles a convoy may take."""
        assert self.day is not None
        if self.count >= self.rules.max_convoys_per_day:
            return None
        phase = self.op.agreement.phase_on(self.day)
        if self.op.agreement.phases and (phase is None or (
                phase.destinations and destination not in phase.destinations)):
            return None
        travel = timedelta(hours=self.travel[destination])
        t0 = self._ready(self.cp_people, self.cp_vehicles)
        last_arrival = datetime.combine(self.end + timedelta(days=1), datetime.min.time())
        latest = min(self.latest,
                     math.floor((last_arrival - travel - self._at(0)).total_seconds() / 60) - 1)
        if t0 > latest:
            return None
        first_day = (self._at(t0) + travel).date()
        last_day = (self._at(latest) + travel).date()
        room = min(self.reception[destination] - self.received[destination, first_day + timedelta(
            days=k)] for k in range((last_day - first_day).days + 1))
        people = min(room, self.people_rate * (latest - self.opens) // 60 - self.cp_people)
        if phase is not None and phase.quota is not None:
            people = min(people, phase.quota - self.phase_people[phase.name])
        vehicles = min(self.rules.max_vehicles_per_convoy,
                       self.vehicle_rate * (latest - self.opens) // 60 - self.cp_vehicles)
        if people <= 0 or vehicles <= 0:
            return None
        return t0, latest, people, vehicles

    def free(self, kind: VehicleKind, t0: int) -> list[Vehicle]:
        assert self.day is not None
        moment = self._at(t0)
        return [v for v in self.by_kind[kind]
                if v.available_on(self.day) and self.back.get(v.vehicle_id, moment) <= moment]

    def fits(self, loads: Loads, limits: tuple[int, int, int, int],
             free: dict[VehicleKind, list[Vehicle]]) -> bool:
        _, latest, people, vehicles = limits
        return (loads.people <= people and loads.vehicles <= vehicles
                and len(loads.buses) <= len(free[VehicleKind.BUS])
                and len(loads.ambulances) <= len(free[VehicleKind.AMBULANCE])
                and len(loads.trucks) <= len(free[VehicleKind.LUGGAGE_TRUCK])
                and self._ready(self.cp_people + loads.people,
                                self.cp_vehicles + loads.vehicles) <= latest)

    def commit(self, destination: str, loads: Loads,
               free: dict[VehicleKind, list[Vehicle]]) -> None:
        assert self.day is not None
        people, count = loads.people, loads.vehicles
        departure_minute = self._ready(self.cp_people + people, self.cp_vehicles + count)
        departure = self._at(departure_minute)
        trips: list[VehicleTrip] = []
        for vehicle, bus in zip(free[VehicleKind.BUS], loads.buses, strict=False):
            trips.append(VehicleTrip(vehicle.vehicle_id, VehicleKind.BUS, tuple(
                ManifestLine(h.household_id, h.seated, (), pieces) for h, pieces in bus)))
        for vehicle, amb in zip(free[VehicleKind.AMBULANCE], loads.ambulances, strict=False):
            trips.append(VehicleTrip(vehicle.vehicle_id, VehicleKind.AMBULANCE, tuple(
                ManifestLine(hid, s + c, s, 0) for hid, s, c in amb)))
        for vehicle, truck in zip(free[VehicleKind.LUGGAGE_TRUCK], loads.trucks, strict=False):
            trips.append(VehicleTrip(vehicle.vehicle_id, VehicleKind.LUGGAGE_TRUCK, tuple(
                ManifestLine(hid, (), (), pieces) for hid, pieces in truck)))
        self.count += 1
        self.convoys.append(Convoy(f"{self.day:%Y-%m-%d}/{self.count}", self.day, departure,
                                   destination, tuple(trips)))
        travel = self.travel[destination]
        back = departure + timedelta(hours=2 * travel + self.rules.rest_hours)
        for trip in trips:
            self.back[trip.vehicle_id] = back
        self.received[destination, (departure + timedelta(hours=travel)).date()] += people
        self.cp_people += people
        self.cp_vehicles += count
        self.previous = departure_minute
        phase = self.op.agreement.phase_on(self.day)
        if phase is not None:
            self.phase_people[phase.name] += people

    def try_convoy(self, destination: str, households: list[Household],
                   bus_groups: list[list[Household]] | None) -> bool:
        """Form and commit a convoy of ``households`` if every rule allows it now."""
        limits = self.limits(destination)
        if limits is None or not households:
            return False
        free = {kind: self.free(kind, limits[0]) for kind in VehicleKind}
        if bus_groups is None:
            trucks = min(len(free[VehicleKind.LUGGAGE_TRUCK]), limits[3])
            bus_groups = ffd_buses(households, self.fleet, trucks * self.fleet.truck_load,
                                   min(len(free[VehicleKind.BUS]), limits[3]))
        loads = loads_for(households, bus_groups, self.fleet)
        if not self.fits(loads, limits, free):
            return False
        self.commit(destination, loads, free)
        return True

    def plan(self, unplanned: list[Unplanned], left: list[Household], reason: str) -> Plan:
        op = self.op
        everyone = [*unplanned, *(Unplanned(h.household_id, h.people,
                                            UnplannedReason.INFEASIBLE, reason) for h in left)]
        last = max((c.departure + timedelta(hours=self.travel[c.destination])).date()
                   for c in self.convoys) if self.convoys else None
        return Plan(op.operation_id, op.agreement.version, 0, tuple(self.convoys),
                    tuple(sorted(everyone, key=lambda u: u.household_id)), (),
                    (last - self.start).days + 1 if last else 0, False, "baseline")


def _households(units: list[Unit]) -> list[Household]:
    return [h for unit in units for h in unit.households]


def ffd_plan(scenario: Scenario) -> Plan:
    """Baseline 1: day by day, destination by destination, first-fit decreasing into buses."""
    prepared = prepare(scenario)
    builder = Builder(scenario)
    pending: dict[str, list[Unit]] = defaultdict(list)
    for unit in prepared.units:
        pending[unit.destination].append(unit)
    remaining = {d: sum(u.people for u in units) for d, units in pending.items()}
    day = builder.start
    while day <= builder.end and any(pending.values()):
        builder.begin_day(day)
        # The destination with the most days of reception left to fill goes first.
        order = sorted((d for d in pending if pending[d]),
                       key=lambda d: (-remaining[d] / builder.reception[d], d))
        for destination in order:
            limits = builder.limits(destination)
            if limits is None:
                continue
            queue = pending[destination]
            taken, people = 0, 0
            while taken < len(queue) and people + queue[taken].people <= limits[2]:
                people += queue[taken].people
                taken += 1
            while taken > 0:
                if builder.try_convoy(destination, _households(queue[:taken]), None):
                    remaining[destination] -= sum(u.people for u in queue[:taken])
                    del queue[:taken]
                    break
                taken = taken - 1 if taken < 10 else taken * 9 // 10
        day += timedelta(days=1)
    left = [h for units in pending.values() for h in _households(units)]
    return builder.plan(prepared.unplanned, left, "not planned within the window by first-fit")


# --- Baseline 2: CP-SAT --------------------------------------------------------------------------


def cpsat_plan(scenario: Scenario, seconds: float) -> dict[str, Any]:
    """Baseline 2: households to (day, destination, bus) slots; minimise the last day."""
    from ortools.sat.python import cp_model

    prepared = prepare(scenario)
    builder = Builder(scenario)
    op, fleet = scenario.operation, builder.fleet
    agreement = op.agreement
    days = agreement.window.days
    rules = op.convoy_rules
    destinations = list(agreement.destinations)
    offset, round_trip, slots = {}, {}, {}
    for d in destinations:
        travel = builder.travel[d]
        offset[d] = int((builder.earliest / 60 + travel) // 24)
        round_trip[d] = max(1, math.ceil((2 * travel + rules.rest_hours
                                          + (builder.latest - builder.earliest) / 60) / 24))
        slots[d] = min(len(builder.by_kind[VehicleKind.BUS]),
                       math.ceil(builder.reception[d] / fleet.seats) + 1)
    open_days: dict[str, list[int]] = {}
    for d in destinations:
        open_days[d] = []
        for k in range(days):
            phase = agreement.phase_on(builder.start + timedelta(days=k))
            if agreement.phases and (phase is None or (phase.destinations
                                                       and d not in phase.destinations)):
                continue
            if k + offset[d] < days:
                open_days[d].append(k)
    households = [(h, u.destination, u) for u in prepared.units for h in u.households]
    variables = sum(len(open_days[d]) * (slots[d] if h.seated else 1) for h, d, _ in households)
    figures: dict[str, Any] = {"variables": variables}
    if variables > MAX_CPSAT_VARIABLES:
        figures["status"] = f"model not built: {variables:,} variables > {MAX_CPSAT_VARIABLES:,}"
        return figures
    model = cp_model.CpModel()
    x: dict[tuple[int, int, int], Any] = {}
    by_slot: dict[tuple[str, int, int], list[tuple[int, Any]]] = defaultdict(list)
    for index, (household, d, _) in enumerate(households):
        choices = []
        for k in open_days[d]:
            for b in range(slots[d] if household.seated else 1):
                var = model.new_bool_var("")
                x[index, k, b] = var
                choices.append(var)
                by_slot[d, k, b].append((index, var))
        model.add_exactly_one(choices)
    # Linked households leave on the same day.
    on_day: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for (index, k, _), var in x.items():
        on_day[index, k].append(var)
    position = {id(h): i for i, (h, _, _) in enumerate(households)}
    for unit in prepared.units:
        first = position[id(unit.households[0])]
        for other in unit.households[1:]:
            for k in open_days[unit.destination]:
                model.add(sum(on_day[first, k]) == sum(on_day[position[id(other)], k]))
    used: dict[tuple[str, int, int], Any] = {}
    convoy: dict[tuple[str, int], Any] = {}
    trucks: dict[tuple[str, int], Any] = {}
    ambulances: dict[tuple[str, int], Any] = {}
    people_on: dict[tuple[str, int], list[Any]] = defaultdict(list)
    buses = len(builder.by_kind[VehicleKind.BUS])
    ambs = len(builder.by_kind[VehicleKind.AMBULANCE])
    truck_count = len(builder.by_kind[VehicleKind.LUGGAGE_TRUCK])
    most_luggage = sum(h.luggage for h, _, _ in households)
    for d in destinations:
        for k in open_days[d]:
            on = convoy[d, k] = model.new_bool_var("")
            overflow, stretchers = [], []
            for b in range(slots[d]):
                members = by_slot.get((d, k, b), [])
                u = used[d, k, b] = model.new_bool_var("")
                seated = [len(households[i][0].seated) * v for i, v in members
                          if households[i][0].seated]
                model.add(sum(seated) <= fleet.seats * u)
                people_on[d, k].extend(households[i][0].people * v for i, v in members)
                stretchers.extend(sum(len(c) for c, _ in households[i][0].chunks) * v
                                  for i, v in members if households[i][0].chunks)
                # Luggage above a bus's hold rides the convoy's trucks; a household with nobody
                # on a bus (slot 0 only) sends all of its luggage there.
                in_bus = [households[i][0].luggage * v for i, v in members
                          if households[i][0].seated and households[i][0].luggage]
                if in_bus:
                    over = model.new_int_var(0, most_luggage, "")
                    model.add(over >= sum(in_bus) - fleet.hold * u)
                    overflow.append(over)
                overflow.extend(households[i][0].luggage * v for i, v in members
                                if not households[i][0].seated)
                if b:
                    model.add(used[d, k, b - 1] >= u)
                for _, v in members:
                    model.add_implication(v, on)
            model.add(used[d, k, 0] >= on)
            model.add(sum(people_on[d, k]) <= builder.reception[d])
            trucks[d, k] = model.new_int_var(0, truck_count, "")
            model.add(fleet.truck_load * trucks[d, k] >= sum(overflow))
            ambulances[d, k] = model.new_int_var(0, ambs, "")
            model.add(ambulances[d, k] >= rules.min_ambulances_per_convoy * on)
            if stretchers:
                model.add(max(1, fleet.amb_stretchers) * ambulances[d, k] >= sum(stretchers))
            model.add(sum(used[d, k, b] for b in range(slots[d])) + trucks[d, k]
                      + ambulances[d, k] <= rules.max_vehicles_per_convoy)
    cp_people = builder.people_rate * (builder.latest - builder.opens) // 60
    cp_vehicles = builder.vehicle_rate * (builder.latest - builder.opens) // 60
    for k in range(days):
        today = [(d, k) for d in destinations if (d, k) in convoy]
        if not today:
            continue
        model.add(sum(sum(people_on[key]) for key in today) <= cp_people)
        model.add(sum(convoy[key] for key in today) <= rules.max_convoys_per_day)
        model.add(sum(used[d, k, b] for d, _ in today for b in range(slots[d]))
                  + sum(ambulances[key] + trucks[key] for key in today) <= cp_vehicles)
        # Fleet circulation: a vehicle that left within its round trip is still away.
        away_buses, away_ambs, away_trucks = [], [], []
        for d in destinations:
            for j in range(max(0, k - round_trip[d] + 1), k + 1):
                if (d, j) in convoy:
                    away_buses.extend(used[d, j, b] for b in range(slots[d]))
                    away_ambs.append(ambulances[d, j])
                    away_trucks.append(trucks[d, j])
        model.add(sum(away_buses) <= buses)
        model.add(sum(away_ambs) <= ambs)
        model.add(sum(away_trucks) <= truck_count)
    for phase in agreement.phases:
        if phase.quota is not None:
            inside = [key for key in convoy
                      if builder.start + timedelta(days=key[1]) in phase.dates]
            model.add(sum(sum(people_on[key]) for key in inside) <= phase.quota)
    last = model.new_int_var(0, days, "last")
    for (d, k), var in convoy.items():
        model.add(last >= (k + offset[d] + 1) * var)
    model.minimize(last * (len(used) + 1) + sum(used.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    figures["solve_s"] = solver.wall_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        figures["status"] = f"no solution in {seconds:g} s ({solver.status_name(status)})"
        return figures
    figures["status"] = solver.status_name(status)
    figures["model_days"] = int(solver.value(last))
    figures["model_bus_trips"] = sum(int(solver.value(v)) for v in used.values())
    # The assignment as convoys: the model's day, destination and buses; then vehicles, luggage,
    # ambulances and departures as in the ffd baseline. A bus the rules refuse stays behind.
    plan_groups: dict[tuple[int, str], dict[int, list[Household]]] = defaultdict(
        lambda: defaultdict(list))
    for (index, k, b), var in x.items():
        if solver.value(var):
            household, d, _ = households[index]
            plan_groups[k, d][b].append(household)
    left: list[Household] = []
    for k in range(days):
        builder.begin_day(builder.start + timedelta(days=k))
        for d in destinations:
            groups = plan_groups.get((k, d))
            if not groups:
                continue
            bus_groups = [[h for h in groups[b] if h.seated] for b in sorted(groups)]
            bus_groups = [group for group in bus_groups if group]
            extra = [h for b in groups for h in groups[b] if not h.seated]
            while bus_groups:
                members = [h for g in bus_groups for h in g] + extra
                if builder.try_convoy(d, members, bus_groups):
                    break
                left.extend(bus_groups.pop())
            else:
                left.extend(extra)
    # A household whose linked household stayed behind stays behind too.
    staying = {h.household_id for h in left}
    unit_of = {h.household_id: u for u in prepared.units for h in u.households}
    broken = {other.household_id for hid in staying for other in unit_of[hid].households}
    if broken - staying:
        figures["status"] += " (linked households left behind together)"
        kept = []
        for c in builder.convoys:
            trips = []
            for trip in c.trips:
                lines = tuple(line for line in trip.lines if line.household_id not in broken)
                if lines or trip.kind is VehicleKind.AMBULANCE:
                    trips.append(VehicleTrip(trip.vehicle_id, trip.kind, lines))
            kept.append(Convoy(c.convoy_id, c.day, c.departure, c.destination, tuple(trips)))
        builder.convoys = kept
        left = [h for u in prepared.units for h in u.households if h.household_id in broken]
    figures["plan"] = builder.plan(prepared.unplanned, left,
                                   "the CP-SAT assignment could not be realised")
    return figures


# --- Phases, each in its own process -------------------------------------------------------------


def _summary(plan: Plan) -> dict[str, Any]:
    unplanned: Counter[str] = Counter()
    for entry in plan.unplanned:
        unplanned[str(entry.reason)] += entry.people
    return {"days": plan.days, "trips": plan.trips, "people": plan.people,
            "convoys": len(plan.convoys), "unplanned": dict(unplanned)}


def run_method(method: str, leaving: int, seed: int, cpsat_seconds: float) -> dict[str, Any]:
    from corridor.checker import check_plan
    from corridor.domain import BoundKind
    from corridor.planner import make_plan
    from corridor.synthetic import generate

    scenario = generate(leaving, seed=seed)
    figures: dict[str, Any] = {"scenario_mib": _peak_mib()}
    started = time.perf_counter()
    plan: Plan | None
    if method == "corridor":
        plan = make_plan(scenario, seed=seed).plan
    elif method == "ffd":
        plan = ffd_plan(scenario)
    else:
        result = cpsat_plan(scenario, cpsat_seconds)
        plan = result.pop("plan", None)
        figures.update(result)
    figures["time_s"] = time.perf_counter() - started
    figures["peak_mib"] = _peak_mib()
    if plan is None:
        return figures
    figures.update(_summary(plan))
    if method == "corridor":
        day_bound = plan.best_bound(BoundKind.DAYS)
        trip_bound = next((b for b in plan.bounds if b.name == "all vehicle trips"), None)
        figures.update(day_bound=day_bound.value if day_bound else None,
                       day_bound_name=day_bound.name if day_bound else None,
                       trip_bound=trip_bound.value if trip_bound else None,
                       proven_optimal_days=plan.proven_optimal_days)
    started = time.perf_counter()
    violations = check_plan(scenario, plan)
    figures["check_s"] = time.perf_counter() - started
    figures["violations"] = len(violations)
    figures["violation_rules"] = dict(Counter(v.rule for v in violations))
    figures["first_violations"] = [f"{v.rule}: {v.message}" for v in violations[:5]]
    return figures


def _run(method: str, leaving: int, seed: int, cpsat_seconds: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", method, "--sizes", str(leaving),
               "--seed", str(seed), "--cpsat-seconds", str(cpsat_seconds)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not lines[-1].startswith("{"):
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit {done.returncode}: {tail}"}
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def _check(figures: dict[str, Any]) -> str:
    if "error" in figures:
        return "error"
    if "violations" not in figures:
        return str(figures.get("status", "no plan"))
    return "PASS" if figures["violations"] == 0 else f"FAIL ({figures['violations']})"


def _left(figures: dict[str, Any]) -> int:
    """People who could leave but are in no convoy (the undecided are not counted)."""
    return sum(p for r, p in figures.get("unplanned", {}).items() if r != "undecided")


def _cell(value: Any, form: str = ",") -> str:
    return "-" if value is None else format(value, form)


def main() -> None:
    """Plan every size with every method, each in its own process, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20600,100000",
                        help="people leaving, comma-separated")
    parser.add_argument("--with-million", action="store_true",
                        help="also 1,000,000 leaving, corridor only")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--cpsat-seconds", type=float, default=60.0)
    parser.add_argument("--phase", choices=METHODS, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    sizes = [int(s) for s in arguments.sizes.split(",") if s]
    if arguments.phase:
        print(json.dumps(run_method(arguments.phase, sizes[0], arguments.seed,
                                    arguments.cpsat_seconds)))
        return
    machine = (f"machine: {platform.machine()}, {platform.python_implementation()} "
               f"{platform.python_version()}, {subprocess.getoutput('nproc')} cores")
    print(machine, flush=True)
    runs = [(n, m) for n in sizes for m in arguments.methods.split(",")]
    if arguments.with_million:
        runs.append((1_000_000, "corridor"))
    results: dict[tuple[int, str], dict[str, Any]] = {}
    for n, method in runs:
        figures = results[n, method] = _run(method, n, arguments.seed, arguments.cpsat_seconds)
        print(f"{n:>9,} {method:<8} {json.dumps(figures)}", flush=True)
    print()
    header = (f"{'N':>9} {'method':<8} {'days':>5} {'day bound':>9} {'trips':>7} "
              f"{'trip bound':>10} {'% above':>7} {'left':>6} {'time s':>8} {'peak MiB':>8}  "
              "check")
    print(header)
    print("-" * len(header))
    for n, method in runs:
        figures = results[n, method]
        bounds = results.get((n, "corridor"), {})
        day_bound, trip_bound = bounds.get("day_bound"), bounds.get("trip_bound")
        trips = figures.get("trips", figures.get("model_bus_trips"))
        days = figures.get("days", figures.get("model_days"))
        above = (f"{100 * (trips - trip_bound) / trip_bound:.1f}"
                 if trips is not None and trip_bound else "-")
        left = _left(figures) if "unplanned" in figures else None
        check = _check(figures)
        if "trips" not in figures and "model_bus_trips" in figures:
            check = "not checked (model figures)"
        print(f"{n:>9,} {method:<8} {_cell(days):>5} {_cell(day_bound):>9} {_cell(trips):>7} "
              f"{_cell(trip_bound):>10} {above:>7} {_cell(left):>6} "
              f"{_cell(figures.get('time_s'), ',.2f'):>8} "
              f"{_cell(figures.get('peak_mib'), ',.0f'):>8}  {check}")
    print()
    for n in dict.fromkeys(n for n, _ in runs):
        corridor = results.get((n, "corridor"), {})
        if "days" in corridor:
            print(f"{n:,} corridor: {corridor['days']} days (bound {corridor['day_bound']}, "
                  f"{corridor['day_bound_name']}), proven optimal days: "
                  f"{corridor['proven_optimal_days']}; unplanned people by reason: "
                  f"{corridor['unplanned'] or 'none'}; check {corridor.get('check_s', 0):.2f} s")
        for other in ("ffd", "cpsat"):
            figures = results.get((n, other), {})
            if "time_s" in corridor and "days" in figures:
                print(f"{n:,} corridor / {other} time: "
                      f"{corridor['time_s'] / figures['time_s']:.2f}x"
                      + ("" if _check(figures) == "PASS" else f" ({other}: {_check(figures)})")
                      + (f"; {other} left {_left(figures):,} people behind, so its days and "
                         "trips are not comparable" if _left(figures) else ""))
            elif "time_s" in corridor and figures:
                print(f"{n:,} corridor / {other} time: n/a ({other}: {_check(figures)})")
    print(machine)


if __name__ == "__main__":
    main()
