"""Re-planning: the remainder of a plan after what happened, changing as little as it can.

``replan(scenario, previous, disruption, seed)`` is pure and deterministic. It works in three
steps:

1. **The past and the locked.** Convoys that departed before ``as_of`` (or are listed as
   departed) and locked convoys are copied unchanged; no-shows are only taken off the manifests of
   departed convoys (they did not board).
2. **Repair.** Every other convoy of the previous plan is kept where it stays feasible. Only the
   households touched by the disruption move, each to the nearest place that keeps the rules:
   another vehicle of the same convoy with room, a spare vehicle in the out-of-service one's
   place, then the earliest later convoy to the same destination with room (seats, stretchers,
   holds and trucks, reception on its arrival day, the checkpoint's day, the phase's quota).
   Linked households move together. New registrations and no-shows go into a convoy with room
   after the published 24 hours.
3. **Re-plan the tail.** Households that no repair can place make the planner re-plan the convoys
   from a day ``R`` on (never before the day the published 24 hours end, nor before a locked
   convoy): ``make_plan`` runs unchanged on a scenario reduced to those days, those households and
   the vehicles back by then (out-of-service days removed, a closed destination's day left out of
   the phases, a held convoy's households pinned to the day it may leave).

Every household whose convoy, day or vehicles changed is reported as a
:class:`~corridor.domain.disruption.Change` with a reason code and a sentence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from corridor.domain import (
    Convoy,
    DateRange,
    FleetEntry,
    InvalidValue,
    ManifestLine,
    Operation,
    Phase,
    Pin,
    Plan,
    Scenario,
    Unplanned,
    UnplannedReason,
    Vehicle,
    VehicleKind,
    VehicleTrip,
)
from corridor.domain.disruption import Assignment, Change, ChangeReason, Disruption
from corridor.planner.manifests import _split_household
from corridor.planner.problem import Group, Problem, Traveller, build_problem
from corridor.planner.solve import Progress, make_plan, no_progress

PUBLISHED_HOURS = 24
"""Manifests departing this long after ``as_of`` are published: they change only to repair."""

MOST_EXTRA_WAIT_DAYS = 7
"""Households no convoy has room for may wait this many days longer than planned, in new convoys
after the last one, before the planner re-plans the tail instead (which moves others)."""


@dataclass(frozen=True, slots=True)
class ReplanResult:
    """The new plan, every household whose place changed and why, and what was done, in words.

    ``replanned_from`` is the first day the planner re-planned (None: repairs were enough).
    """

    plan: Plan
    changes: tuple[Change, ...]
    explanation: tuple[str, ...]
    replanned_from: date | None = None


@dataclass
class _Trip:
    vehicle: Vehicle
    lines: list[ManifestLine]

    @property
    def kind(self) -> VehicleKind:
        return self.vehicle.kind

    def seats_free(self) -> int:
        used = sum(len(line.persons) - len(line.on_stretcher) for line in self.lines)
        return self.vehicle.seats - used

    def stretchers_free(self) -> int:
        return self.vehicle.stretchers - sum(len(line.on_stretcher) for line in self.lines)

    def hold_free(self) -> int:
        return self.vehicle.luggage_capacity - sum(line.luggage_pieces for line in self.lines)

    def add(self, line: ManifestLine) -> None:
        """Add a line, merged with the household's line already on this vehicle."""
        for index, existing in enumerate(self.lines):
            if existing.household_id == line.household_id:
                self.lines[index] = ManifestLine(
                    line.household_id, (*existing.persons, *line.persons),
                    (*existing.on_stretcher, *line.on_stretcher),
                    existing.luggage_pieces + line.luggage_pieces)
                return
        self.lines.append(line)


@dataclass
class _Convoy:
    convoy_id: str
    day: date
    departure: datetime
    destination: str
    trips: list[_Trip]
    arrival: date
    fixed: bool  # departed or locked: never changed (but for no-shows of departed ones)
    locked: bool = False

    @property
    def people(self) -> int:
        return sum(len(line.persons) for trip in self.trips for line in trip.lines)

    def households(self) -> set[str]:
        return {line.household_id for trip in self.trips for line in trip.lines}

    def ambulances(self) -> int:
        return sum(1 for trip in self.trips if trip.kind is VehicleKind.AMBULANCE)


@dataclass
class _Unit:
    """Households that move together (a travel group), why, and from when they may leave."""

    households: list[Traveller]
    destination: str
    reason: ChangeReason
    cause: str
    earliest: date
    origin_day: date | None = None
    pinned_day: date | None = None
    pinned_convoy: str | None = None
    priority: int = 2

    @property
    def people(self) -> int:
        return sum(household.size for household in self.households)

    @property
    def ids(self) -> list[str]:
        return [household.household_id for household in self.households]


@dataclass
class _State:
    """The plan being repaired, with what the rules need to look up quickly."""

    scenario: Scenario
    disruption: Disruption
    convoys: list[_Convoy]
    vehicles: dict[str, Vehicle]
    travel_minutes: dict[str, int]
    reasons: dict[str, tuple[ChangeReason, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unplanned: dict[str, Unplanned] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    appended_from: date | None = None
    held: dict[str, date] = field(default_factory=dict)

    @property
    def operation(self) -> Operation:
        return self.scenario.operation

    def cause(self, household_id: str, reason: ChangeReason, sentence: str) -> None:
        """Record why a household moves (the first cause found is the one reported)."""
        self.reasons.setdefault(household_id, (reason, sentence))

    def busy(self, vehicle_id: str, start: datetime, destination: str,
             ignore: _Trip | None = None) -> bool:
        """Whether the vehicle is on a trip (or resting) between ``start`` and its return."""
        rest = timedelta(minutes=self.operation.convoy_rules.rest_minutes)
        end = start + timedelta(minutes=2 * self.travel_minutes[destination]) + rest
        for convoy in self.convoys:
            for trip in convoy.trips:
                if trip.vehicle.vehicle_id != vehicle_id or trip is ignore:
                    continue
                other_end = convoy.departure + timedelta(
                    minutes=2 * self.travel_minutes[convoy.destination]) + rest
                if convoy.departure < end and start < other_end:
                    return True
        return False


def _arrival(convoy_departure: datetime, travel_minutes: int) -> date:
    return (convoy_departure + timedelta(minutes=travel_minutes)).date()


def _is_past(convoy: Convoy, disruption: Disruption, held: set[str]) -> bool:
    return convoy.convoy_id not in held and (convoy.departure < disruption.as_of
                                             or convoy.convoy_id in disruption.departed)


def _check_references(scenario: Scenario, previous: Plan, disruption: Disruption) -> None:
    convoys = {convoy.convoy_id for convoy in previous.convoys}
    vehicles = {vehicle.vehicle_id for vehicle in scenario.operation.vehicles()}
    households = {household.household_id for household in scenario.households}
    destinations = set(scenario.operation.agreement.destinations)
    for convoy_id in (*disruption.departed, *disruption.locks,
                      *(hold.convoy_id for hold in disruption.holds)):
        if convoy_id not in convoys:
            raise InvalidValue(f"convoy {convoy_id} is not in the plan", "convoy_id")
    for item in disruption.vehicles_out:
        if item.vehicle_id not in vehicles:
            raise InvalidValue(f"vehicle {item.vehicle_id} is not in the fleet", "vehicle_id")
    for household_id in (*disruption.no_shows, *(pin.household_id for pin in disruption.pins)):
        if household_id not in households:
            raise InvalidValue(f"household {household_id} is not in the registry", "household_id")
    for closure in disruption.closures:
        if closure.destination_id not in destinations:
            raise InvalidValue(f"destination {closure.destination_id} is not in the agreement",
                               "destination_id")
    if previous.operation_id != scenario.operation.operation_id:
        raise InvalidValue(f"the plan is for operation {previous.operation_id}, not "
                           f"{scenario.operation.operation_id}", "operation_id")


def replan(scenario: Scenario, previous: Plan, disruption: Disruption, seed: int = 0,
           progress: Progress = no_progress) -> ReplanResult:
    """Re-plan what remains of ``previous`` after ``disruption``; deterministic for a seed."""
    _check_references(scenario, previous, disruption)
    progress("repair", 0, 1)
    operation = scenario.operation
    vehicles = {vehicle.vehicle_id: vehicle for vehicle in operation.vehicles()}
    travel = {site.site_id: site.travel_minutes for site in operation.destinations}
    pins = _merged_pins(previous.pins, disruption.pins)
    problem = build_problem(scenario, pins)
    group_of: dict[str, Group] = {}
    traveller_of: dict[str, Traveller] = {}
    for group in problem.groups:
        for household in group.households:
            group_of[household.household_id] = group
            traveller_of[household.household_id] = household
    held = {hold.convoy_id: hold.until for hold in disruption.holds}
    locks = set(disruption.locks)
    state = _State(scenario, disruption, [], vehicles, travel)
    for convoy in previous.convoys:
        past = _is_past(convoy, disruption, set(held))
        locked = convoy.locked or convoy.convoy_id in locks
        trips = [_Trip(vehicles.get(trip.vehicle_id) or Vehicle(trip.vehicle_id, trip.kind, 0, 0,
                                                                  0), list(trip.lines))
                 for trip in convoy.trips]
        state.convoys.append(_Convoy(convoy.convoy_id, convoy.day, convoy.departure,
                                     convoy.destination, trips,
                                     _arrival(convoy.departure, travel.get(convoy.destination, 0)),
                                     fixed=past or locked, locked=locked))
    horizon = disruption.as_of + timedelta(hours=PUBLISHED_HOURS)
    after_published = horizon.date() + timedelta(days=1)
    units: list[_Unit] = []
    _no_shows(state, units, group_of, traveller_of, after_published)
    _holds_and_closures(state, units, group_of, traveller_of, held)
    _vehicles_out(state, units, group_of, traveller_of)
    _registry_changes(state, units, group_of, traveller_of, after_published, previous)
    _new_pins(state, units, group_of, traveller_of, disruption.pins)
    leftovers = _place_units(state, units, pins)
    progress("repair", 1, 1)
    replanned_from: date | None = None
    tail_ids: set[str] = set()
    if leftovers:
        replanned_from, tail_ids = _plan_leftovers(state, leftovers, after_published, pins,
                                                   seed, progress)
    plan = _assemble(state, previous, problem, pins, seed, scenario)
    changes = _changes(previous, plan, state, tail_ids, replanned_from)
    explanation = _explain(state, changes, replanned_from, horizon)
    return ReplanResult(plan, tuple(changes), tuple(explanation), replanned_from)


def _merged_pins(old: tuple[Pin, ...], new: tuple[Pin, ...]) -> tuple[Pin, ...]:
    by_household = {pin.household_id: pin for pin in old}
    by_household.update({pin.household_id: pin for pin in new})
    return tuple(sorted(by_household.values(), key=lambda pin: pin.household_id))


def _where(state: _State) -> dict[str, _Convoy]:
    return {line.household_id: convoy for convoy in state.convoys for trip in convoy.trips
            for line in trip.lines}


def _take_off(state: _State, convoy: _Convoy, household_ids: Iterable[str]) -> None:
    """Remove households' lines from a convoy; drop vehicles and convoys left with nothing."""
    gone = set(household_ids)
    for trip in convoy.trips:
        trip.lines = [line for line in trip.lines if line.household_id not in gone]
    if convoy.fixed:
        return
    _tidy(state, convoy)


def _tidy(state: _State, convoy: _Convoy) -> None:
    minimum = state.operation.convoy_rules.min_ambulances_per_convoy
    kept: list[_Trip] = []
    empty_ambulances = 0
    for trip in convoy.trips:
        if trip.lines:
            kept.append(trip)
        elif trip.kind is VehicleKind.AMBULANCE:
            empty_ambulances += 1
    carrying = sum(1 for trip in kept if trip.kind is VehicleKind.AMBULANCE)
    for trip in convoy.trips:
        if not trip.lines and trip.kind is VehicleKind.AMBULANCE and carrying < minimum:
            kept.append(trip)
            carrying += 1
    order = {id(trip): index for index, trip in enumerate(convoy.trips)}
    convoy.trips = sorted(kept, key=lambda trip: order[id(trip)])
    if convoy.people == 0:
        state.convoys.remove(convoy)


def _unit_for(state: _State, household_ids: Iterable[str], group_of: dict[str, Group],
              traveller_of: dict[str, Traveller], destination: str, reason: ChangeReason,
              cause: str, earliest: date, origin_day: date | None) -> _Unit:
    seen: dict[str, Traveller] = {}
    priority = 2
    for household_id in household_ids:
        group = group_of.get(household_id)
        members = group.households if group else ((traveller_of[household_id],)
                                                   if household_id in traveller_of else ())
        if group is not None:
            priority = min(priority, int(group.priority))
        for member in members:
            seen.setdefault(member.household_id, member)
    pinned = _pins_of(state, seen)
    unit = _Unit(list(seen.values()), destination, reason, cause, earliest, origin_day,
                 priority=priority)
    if pinned:
        unit.pinned_day = min(pin.day for pin in pinned)
        unit.pinned_convoy = next((pin.convoy_id for pin in pinned if pin.convoy_id), None)
    return unit


def _pins_of(state: _State, households: Iterable[str]) -> list[Pin]:
    wanted = set(households)
    return [pin for pin in state.disruption.pins if pin.household_id in wanted]


def _no_shows(state: _State, units: list[_Unit], group_of: dict[str, Group],
              traveller_of: dict[str, Traveller], after_published: date) -> None:
    where = _where(state)
    for household_id in state.disruption.no_shows:
        convoy = where.get(household_id)
        if convoy is None:
            state.notes.append(f"no-show {household_id} was in no convoy: nothing to free")
            continue
        if convoy.locked and not _departed(state, convoy):
            state.notes.append(f"no-show {household_id} is in locked convoy {convoy.convoy_id}: "
                               "unlock it to free the seats")
            continue
        group = group_of.get(household_id)
        partners = [h.household_id for h in group.households] if group else [household_id]
        sentence = f"did not come to convoy {convoy.convoy_id}"
        if convoy.fixed:
            # Departed without them: only they come off its manifest.
            _take_off(state, convoy, [household_id])
            state.counts["no-show seats freed"] += len(traveller_of[household_id].persons) \
                if household_id in traveller_of else 0
            left_with = [p for p in partners if p != household_id and p in convoy.households()]
            if left_with or household_id not in traveller_of:
                people = traveller_of[household_id].size if household_id in traveller_of else 0
                state.unplanned[household_id] = Unplanned(
                    household_id, people, UnplannedReason.INFEASIBLE,
                    f"did not board convoy {convoy.convoy_id}, which left with its linked "
                    f"households ({', '.join(left_with)}): plan them by hand with those families")
                state.cause(household_id, ChangeReason.NO_SHOW, sentence + "; its linked "
                            "households left without it, so it is not planned again")
                continue
            state.cause(household_id, ChangeReason.NO_SHOW, sentence + "; planned again")
            units.append(_unit_for(state, [household_id], group_of, traveller_of,
                                   convoy.destination, ChangeReason.NO_SHOW, sentence,
                                   after_published, None))
            continue
        state.counts["no-show seats freed"] += sum(
            len(line.persons) for trip in convoy.trips for line in trip.lines
            if line.household_id == household_id)
        # Never back into the convoy they did not come to.
        unit = _unit_for(state, partners, group_of, traveller_of, convoy.destination,
                         ChangeReason.NO_SHOW, sentence,
                         max(after_published, convoy.day + timedelta(days=1)), None)
        _take_off(state, convoy, unit.ids)
        for member in unit.ids:
            state.cause(member, ChangeReason.NO_SHOW if member == household_id else
                        ChangeReason.KNOCK_ON,
                        sentence + "; planned again" if member == household_id else
                        f"linked to no-show {household_id}, travels with it")
        units.append(unit)


def _departed(state: _State, convoy: _Convoy) -> bool:
    return convoy.departure < state.disruption.as_of or \
        convoy.convoy_id in state.disruption.departed


def _displace_convoy(state: _State, convoy: _Convoy, units: list[_Unit],
                     group_of: dict[str, Group], traveller_of: dict[str, Traveller],
                     reason: ChangeReason, sentence: str, earliest: date) -> None:
    households = sorted(convoy.households())
    done: set[str] = set()
    for household_id in households:
        if household_id in done:
            continue
        unit = _unit_for(state, [household_id], group_of, traveller_of, convoy.destination,
                         reason, sentence, earliest, convoy.day)
        done.update(unit.ids)
        done.add(household_id)
        for member in unit.ids or [household_id]:
            state.cause(member, reason, sentence)
        if unit.households:
            units.append(unit)
    state.counts[f"{reason.value} households"] += len(done)
    state.convoys.remove(convoy)


def _holds_and_closures(state: _State, units: list[_Unit], group_of: dict[str, Group],
                        traveller_of: dict[str, Traveller], held: dict[str, date]) -> None:
    for convoy in list(state.convoys):
        until = held.get(convoy.convoy_id)
        if until is not None:
            if convoy.locked:
                state.notes.append(f"convoy {convoy.convoy_id} is held but locked: it stays as "
                                   "it is; unlock it to move its households")
                continue
            for household_id in convoy.households():
                state.held[household_id] = until
            _displace_convoy(state, convoy, units, group_of, traveller_of,
                             ChangeReason.CONVOY_HELD,
                             f"convoy {convoy.convoy_id} is held until {until}",
                             max(until, convoy.day))
            continue
        if state.disruption.closed(convoy.destination, convoy.arrival) and not convoy.fixed:
            _displace_convoy(state, convoy, units, group_of, traveller_of,
                             ChangeReason.DESTINATION_CLOSED,
                             f"{convoy.destination} receives no one on {convoy.arrival}, when "
                             f"convoy {convoy.convoy_id} was to arrive", convoy.day)
        elif state.disruption.closed(convoy.destination, convoy.arrival) and convoy.locked:
            state.notes.append(f"locked convoy {convoy.convoy_id} arrives at the closed "
                               f"{convoy.destination} on {convoy.arrival}: unlock it to move it")


def _vehicles_out(state: _State, units: list[_Unit], group_of: dict[str, Group],
                  traveller_of: dict[str, Traveller]) -> None:
    for convoy in list(state.convoys):
        broken = [trip for trip in convoy.trips
                  if state.disruption.out_of_service(trip.vehicle.vehicle_id, convoy.day)]
        if not broken:
            continue
        if convoy.fixed:
            if convoy.locked and not _departed(state, convoy):
                state.notes.append(f"locked convoy {convoy.convoy_id} uses "
                                   f"{', '.join(t.vehicle.vehicle_id for t in broken)}, out of "
                                   "service that day: unlock it to repair it")
            continue
        for trip in broken:
            _repair_trip(state, convoy, trip, units, group_of, traveller_of)


def _repair_trip(state: _State, convoy: _Convoy, trip: _Trip, units: list[_Unit],
                 group_of: dict[str, Group], traveller_of: dict[str, Traveller]) -> None:
    """Re-seat a broken vehicle's households: the same convoy, a spare, or they move on."""
    vehicle_id = trip.vehicle.vehicle_id
    sentence = f"{vehicle_id} is out of service on {convoy.day}"
    convoy.trips.remove(trip)
    others = convoy.trips
    left: list[ManifestLine] = []
    by_household: dict[str, list[ManifestLine]] = defaultdict(list)
    for line in trip.lines:
        by_household[line.household_id].append(line)
    for household_id, lines in by_household.items():
        placed = _reseat(others, lines)
        if placed:
            state.cause(household_id, ChangeReason.VEHICLE_OUT_OF_SERVICE,
                        sentence + "; moved to another vehicle of the same convoy")
            state.counts["re-seated in their convoy"] += 1
        else:
            left.extend(lines)
    spare = _spare(state, convoy, trip.vehicle.kind, left) if left or (
        trip.kind is VehicleKind.AMBULANCE and convoy.ambulances() <
        state.operation.convoy_rules.min_ambulances_per_convoy) else None
    if spare is not None:
        convoy.trips.append(_Trip(spare, list(left)))
        for household_id in {line.household_id for line in left}:
            state.cause(household_id, ChangeReason.VEHICLE_OUT_OF_SERVICE,
                        sentence + f"; spare {spare.kind.value} {spare.vehicle_id} takes its "
                        "place")
            state.counts["on a spare vehicle"] += 1
        left = []
    if convoy.ambulances() < state.operation.convoy_rules.min_ambulances_per_convoy:
        # Without its compulsory ambulances the convoy cannot leave at all.
        convoy.trips.append(_Trip(trip.vehicle, list(left)))
        _displace_convoy(state, convoy, units, group_of, traveller_of, ChangeReason.KNOCK_ON,
                         sentence + f"; convoy {convoy.convoy_id} has too few ambulances without "
                         "it and no spare is free", convoy.day)
        for line in trip.lines:
            state.reasons[line.household_id] = (ChangeReason.VEHICLE_OUT_OF_SERVICE, sentence)
        return
    moving = {line.household_id for line in left}
    if not moving:
        _tidy(state, convoy)
        return
    done: set[str] = set()
    for household_id in sorted(moving):
        if household_id in done:
            continue
        unit = _unit_for(state, [household_id], group_of, traveller_of, convoy.destination,
                         ChangeReason.VEHICLE_OUT_OF_SERVICE, sentence, convoy.day, convoy.day)
        done.update(unit.ids)
        _take_off(state, convoy, unit.ids)
        for member in unit.ids:
            if member in moving:
                state.cause(member, ChangeReason.VEHICLE_OUT_OF_SERVICE,
                            sentence + "; no room in its convoy and no spare")
            else:
                state.cause(member, ChangeReason.KNOCK_ON,
                            f"travels with {household_id}, whose {vehicle_id} is out of service "
                            f"on {convoy.day}")
        units.append(unit)
    if convoy in state.convoys:
        _tidy(state, convoy)


def _reseat(trips: list[_Trip], lines: list[ManifestLine]) -> bool:
    """Put a household's lines on the convoy's other vehicles, all or nothing."""
    plan: list[tuple[_Trip, ManifestLine]] = []
    seats = {id(trip): trip.seats_free() for trip in trips}
    stretchers = {id(trip): trip.stretchers_free() for trip in trips}
    hold = {id(trip): trip.hold_free() for trip in trips}
    for line in lines:
        seated = len(line.persons) - len(line.on_stretcher)
        cases = len(line.on_stretcher)
        pieces = line.luggage_pieces
        if line.persons:
            fitting = [trip for trip in trips if trip.kind is not VehicleKind.LUGGAGE_TRUCK and
                       seats[id(trip)] >= seated and stretchers[id(trip)] >= cases and
                       (cases == 0 or trip.kind is VehicleKind.AMBULANCE)]
            if not fitting:
                return False
            target = max(fitting, key=lambda trip: (hold[id(trip)] >= pieces, hold[id(trip)]))
            in_hold = min(pieces, max(0, hold[id(target)]))
            seats[id(target)] -= seated
            stretchers[id(target)] -= cases
            hold[id(target)] -= in_hold
            plan.append((target, ManifestLine(line.household_id, line.persons,
                                              line.on_stretcher, in_hold)))
            pieces -= in_hold
        while pieces > 0:
            trucks = [trip for trip in trips if trip.kind is VehicleKind.LUGGAGE_TRUCK and
                      hold[id(trip)] > 0]
            if not trucks:
                return False
            truck = max(trucks, key=lambda trip: hold[id(trip)])
            taken = min(pieces, hold[id(truck)])
            hold[id(truck)] -= taken
            pieces -= taken
            plan.append((truck, ManifestLine(line.household_id, (), (), taken)))
    for trip, line in plan:
        trip.add(line)
    return True


def _spare(state: _State, convoy: _Convoy, kind: VehicleKind, lines: list[ManifestLine],
           taken: set[str] | None = None) -> Vehicle | None:
    """A vehicle of ``kind`` free for the convoy's whole round trip and large enough."""
    seated = sum(len(line.persons) - len(line.on_stretcher) for line in lines)
    cases = sum(len(line.on_stretcher) for line in lines)
    pieces = sum(line.luggage_pieces for line in lines)
    used = {trip.vehicle.vehicle_id for trip in convoy.trips} | (taken or set())
    for vehicle in sorted(state.vehicles.values(), key=lambda v: v.vehicle_id):
        if (vehicle.kind is not kind or vehicle.vehicle_id in used
                or not vehicle.available_on(convoy.day)
                or state.disruption.out_of_service(vehicle.vehicle_id, convoy.day)
                or vehicle.seats < seated or vehicle.stretchers < cases
                or vehicle.luggage_capacity < pieces):
            continue
        if not state.busy(vehicle.vehicle_id, convoy.departure, convoy.destination):
            return vehicle
    return None


def _registry_changes(state: _State, units: list[_Unit], group_of: dict[str, Group],
                      traveller_of: dict[str, Traveller], after_published: date,
                      previous: Plan) -> None:
    """Households whose leaving members changed move; new ones are planned."""
    planned: dict[str, set[str]] = defaultdict(set)
    for convoy in state.convoys:
        for trip in convoy.trips:
            for line in trip.lines:
                planned[line.household_id].update(line.persons)
    where = _where(state)
    moved: set[str] = set()
    for household_id, persons in sorted(planned.items()):
        traveller = traveller_of.get(household_id)
        if traveller is not None and set(traveller.persons) == persons:
            continue
        convoy = where[household_id]
        if convoy.fixed or household_id in moved:
            continue
        sentence = "its leaving members changed in the registry"
        if traveller is None:
            _take_off(state, convoy, [household_id])
            state.cause(household_id, ChangeReason.REGISTRATION_CHANGED,
                        "nobody of it leaves any more (registry)")
            continue
        unit = _unit_for(state, [household_id], group_of, traveller_of, convoy.destination,
                         ChangeReason.REGISTRATION_CHANGED, sentence, after_published, None)
        moved.update(unit.ids)
        _take_off(state, convoy, unit.ids)
        for member in unit.ids:
            state.cause(member, ChangeReason.REGISTRATION_CHANGED if member == household_id
                        else ChangeReason.KNOCK_ON, sentence if member == household_id else
                        f"travels with {household_id}, whose members changed")
        units.append(unit)
    waiting = {h for unit in units for h in unit.ids} | set(state.unplanned)
    before_unplanned = {item.household_id for item in previous.unplanned}
    seen: set[int] = set()
    for household_id in sorted(traveller_of):
        if household_id in planned or household_id in waiting:
            continue
        group = group_of[household_id]
        if group.group_id in seen:
            continue
        seen.add(group.group_id)
        members = [h.household_id for h in group.households]
        new = [m for m in members if m not in planned and m not in waiting]
        partners = [m for m in members if m in planned]
        sentence = ("was not planned before" if household_id in before_unplanned
                    else "registered since the plan was made")
        if partners:
            home = where.get(partners[0])
            if home is None or home.fixed:
                for member in new:
                    state.unplanned[member] = Unplanned(
                        member, traveller_of[member].size, UnplannedReason.INFEASIBLE,
                        f"its linked household {partners[0]} has left or is in a locked convoy")
                    state.cause(member, ChangeReason.NEW_REGISTRATION, sentence)
                continue
            unit = _unit_for(state, members, group_of, traveller_of, home.destination,
                             ChangeReason.NEW_REGISTRATION, sentence, after_published, None)
            if _fit(state, home, [traveller_of[m] for m in new]):
                for member in new:
                    state.cause(member, ChangeReason.NEW_REGISTRATION,
                                sentence + f"; joins its linked household in {home.convoy_id}")
                continue
            _take_off(state, home, partners)
            for member in partners:
                state.cause(member, ChangeReason.KNOCK_ON, f"linked to newly registered "
                            f"{', '.join(new)}, with whom there was no room in its convoy")
            for member in new:
                state.cause(member, ChangeReason.NEW_REGISTRATION, sentence)
            units.append(unit)
            continue
        for member in new:
            state.cause(member, ChangeReason.NEW_REGISTRATION, sentence)
        units.append(_unit_for(state, members, group_of, traveller_of, group.destination,
                               ChangeReason.NEW_REGISTRATION, sentence, after_published, None))
        state.counts["new households"] += len(new)


def _new_pins(state: _State, units: list[_Unit], group_of: dict[str, Group],
              traveller_of: dict[str, Traveller], pins: tuple[Pin, ...]) -> None:
    """Households pinned by this disruption to another day (or convoy) move there."""
    waiting = {h for unit in units for h in unit.ids}
    where = _where(state)
    for pin in pins:
        convoy = where.get(pin.household_id)
        if pin.household_id in waiting or convoy is None:
            continue
        if convoy.day == pin.day and pin.convoy_id in (None, convoy.convoy_id):
            continue
        if convoy.fixed:
            state.notes.append(f"pin of {pin.household_id} to {pin.day} not kept: its convoy "
                               f"{convoy.convoy_id} has left or is locked")
            continue
        sentence = f"pinned to {pin.day}" + (f" in {pin.convoy_id}" if pin.convoy_id else "")
        unit = _unit_for(state, [pin.household_id], group_of, traveller_of, convoy.destination,
                         ChangeReason.PINNED, sentence, pin.day, convoy.day)
        _take_off(state, convoy, unit.ids)
        for member in unit.ids:
            state.cause(member, ChangeReason.PINNED if member == pin.household_id
                        else ChangeReason.KNOCK_ON, sentence)
        units.append(unit)
        waiting.update(unit.ids)


def _fit(state: _State, convoy: _Convoy, households: list[Traveller]) -> bool:
    """Put households on a convoy's vehicles if its room and every rule of the day allow it.

    When the convoy's vehicles are full, spare vehicles (free for the whole round trip) join it,
    as long as the convoy's size, the checkpoint and the fleet allow.
    """
    people = sum(household.size for household in households)
    if not _day_allows(state, convoy, people):
        return False
    trips = list(convoy.trips)
    added: list[_Trip] = []

    def spare(kind: VehicleKind) -> _Trip | None:
        if len(trips) >= state.operation.convoy_rules.max_vehicles_per_convoy:
            return None
        vehicle = _spare(state, convoy, kind, [], {trip.vehicle.vehicle_id for trip in trips})
        if vehicle is None:
            return None
        trip = _Trip(vehicle, [])
        trips.append(trip)
        added.append(trip)
        seats[id(trip)] = vehicle.seats
        stretchers[id(trip)] = vehicle.stretchers
        hold[id(trip)] = vehicle.luggage_capacity
        return trip

    seats = {id(trip): trip.seats_free() for trip in trips}
    stretchers = {id(trip): trip.stretchers_free() for trip in trips}
    hold = {id(trip): trip.hold_free() for trip in trips}
    placed: list[tuple[_Trip, ManifestLine]] = []
    largest_bus = max((v.seats for v in state.vehicles.values() if v.kind is VehicleKind.BUS),
                      default=0)
    for household in households:
        parts, riders = _split_household(household)
        for cases, seated in parts:
            ambulance = next((trip for trip in trips if trip.kind is VehicleKind.AMBULANCE and
                              stretchers[id(trip)] >= len(cases) and
                              seats[id(trip)] >= len(seated)), None) or \
                spare(VehicleKind.AMBULANCE)
            if ambulance is None or stretchers[id(ambulance)] < len(cases) or \
                    seats[id(ambulance)] < len(seated):
                return False
            stretchers[id(ambulance)] -= len(cases)
            seats[id(ambulance)] -= len(seated)
            placed.append((ambulance, ManifestLine(household.household_id,
                                                   (*cases, *seated), tuple(cases))))
        pieces = household.luggage_pieces
        chunks = [riders] if len(riders) <= largest_bus else \
            [riders[i:i + largest_bus] for i in range(0, len(riders), largest_bus)]
        for chunk in chunks:
            if not chunk:
                continue
            buses = [trip for trip in trips if trip.kind is VehicleKind.BUS and
                     seats[id(trip)] >= len(chunk)]
            if not buses:
                extra = spare(VehicleKind.BUS)
                if extra is None or seats[id(extra)] < len(chunk):
                    return False
                buses = [extra]
            bus = max(buses, key=lambda trip: (hold[id(trip)] >= pieces, hold[id(trip)]))
            in_hold = min(pieces, max(0, hold[id(bus)]))
            seats[id(bus)] -= len(chunk)
            hold[id(bus)] -= in_hold
            pieces -= in_hold
            placed.append((bus, ManifestLine(household.household_id, tuple(chunk), (), in_hold)))
        while pieces > 0:
            trucks = [trip for trip in trips if trip.kind is VehicleKind.LUGGAGE_TRUCK and
                      hold[id(trip)] > 0]
            if not trucks:
                extra = spare(VehicleKind.LUGGAGE_TRUCK)
                if extra is None:
                    return False
                trucks = [extra]
            truck = max(trucks, key=lambda trip: hold[id(trip)])
            taken = min(pieces, hold[id(truck)])
            hold[id(truck)] -= taken
            pieces -= taken
            placed.append((truck, ManifestLine(household.household_id, (), (), taken)))
    if added and not _day_allows(state, convoy, people, len(added)):
        return False
    convoy.trips.extend(added)
    for trip, line in placed:
        trip.add(line)
    return True


def _day_allows(state: _State, convoy: _Convoy, extra: int, extra_vehicles: int = 0) -> bool:
    """Reception on its arrival day, the checkpoint on its day and the phase's quota."""
    operation = state.operation
    site = operation.destination(convoy.destination)
    arriving = sum(other.people for other in state.convoys
                   if other.destination == convoy.destination and other.arrival == convoy.arrival)
    if arriving + extra > site.reception_capacity_per_day:
        return False
    checkpoint = operation.checkpoint
    people_a_minute = checkpoint.lanes * checkpoint.people_per_hour_per_lane / 60
    vehicles_a_minute = checkpoint.lanes * checkpoint.vehicles_per_hour_per_lane / 60
    opens = checkpoint.opens.hour * 60 + checkpoint.opens.minute
    today = sorted((other for other in state.convoys if other.day == convoy.day),
                   key=lambda other: other.departure)
    for other in today:
        earlier = [c for c in today if c.departure <= other.departure]
        people = sum(c.people for c in earlier) + (extra if convoy.departure <= other.departure
                                                   else 0)
        vehicles = sum(len(c.trips) for c in earlier) + (
            extra_vehicles if convoy.departure <= other.departure else 0)
        needed = opens + max(people / people_a_minute, vehicles / vehicles_a_minute)
        leaves = other.departure.hour * 60 + other.departure.minute
        if leaves + 1e-9 < needed:
            return False
    phase = operation.agreement.phase_on(convoy.day)
    if phase is not None and phase.quota is not None:
        sent = sum(other.people for other in state.convoys if other.day in phase.dates)
        if sent + extra > phase.quota:
            return False
    return True


def _place_units(state: _State, units: list[_Unit], pins: tuple[Pin, ...]) -> list[_Unit]:
    """Each unit into the earliest later convoy with room; what does not fit is returned."""
    leftovers = []
    for unit in sorted(units, key=lambda u: (u.priority, u.earliest, u.ids)):
        if not unit.households:
            continue
        candidates = sorted((convoy for convoy in state.convoys
                             if not convoy.fixed and convoy.destination == unit.destination
                             and convoy.day >= unit.earliest
                             and (unit.pinned_day is None or convoy.day == unit.pinned_day)
                             and (unit.pinned_convoy is None
                                  or convoy.convoy_id == unit.pinned_convoy)),
                            key=lambda convoy: (convoy.departure, convoy.convoy_id))
        home = next((convoy for convoy in candidates if _fit(state, convoy, unit.households)),
                    None)
        if home is None:
            leftovers.append(unit)
        else:
            state.counts["moved to a later convoy"] += len(unit.households)
    return leftovers


# --- Re-planning the tail with the planner --------------------------------------------------------


def _plan_leftovers(state: _State, leftovers: list[_Unit], after_published: date,
                    pins: tuple[Pin, ...], seed: int,
                    progress: Progress) -> tuple[date | None, set[str]]:
    """New convoys after the last one for the leftovers, when nobody waits more than
    ``MOST_EXTRA_WAIT_DAYS`` longer than planned; else the tail is re-planned from day R."""
    last = max((convoy.day for convoy in state.convoys), default=after_published)
    after_all = max(after_published, last + timedelta(days=1))
    # New convoys start after the last one at the earliest: when that is already too long a
    # wait for someone, appending cannot do, and the tail is re-planned straight away.
    if any(unit.origin_day is not None
           and (after_all - unit.origin_day).days > MOST_EXTRA_WAIT_DAYS for unit in leftovers):
        return _replan_tail(state, leftovers, after_published, pins, seed, progress)
    before = (list(state.convoys), dict(state.unplanned), list(state.notes))
    start, planned = _replan_tail(state, leftovers, after_all, pins, seed, progress,
                                  only_leftovers=True)
    waits = [(convoy.day - unit.origin_day).days for unit in leftovers
             if unit.origin_day is not None for convoy in state.convoys
             if set(unit.ids) & convoy.households()]
    complete = not any(h in state.unplanned for unit in leftovers for h in unit.ids)
    if start is not None and complete and max(waits, default=0) <= MOST_EXTRA_WAIT_DAYS:
        state.appended_from = start
        return None, planned
    state.convoys, state.unplanned, state.notes = before
    return _replan_tail(state, leftovers, after_published, pins, seed, progress)


def _replan_tail(state: _State, leftovers: list[_Unit], after_published: date,
                 pins: tuple[Pin, ...], seed: int, progress: Progress,
                 only_leftovers: bool = False) -> tuple[date | None, set[str]]:
    """Re-plan every convoy from day R on with ``make_plan``, the leftovers with them."""
    operation = state.operation
    window = operation.agreement.window
    last_day = {convoy.destination: convoy.day for convoy in
                sorted(state.convoys, key=lambda c: c.day) if not convoy.fixed}
    starts = []
    for unit in leftovers:
        if unit.origin_day is not None:
            starts.append(unit.origin_day)
        else:
            starts.append(last_day.get(unit.destination, after_published))
    locked_days = [convoy.day for convoy in state.convoys if convoy.fixed]
    start = max([after_published, min(starts), *(day + timedelta(days=1)
                                                    for day in locked_days)])
    tail = [] if only_leftovers else [convoy for convoy in state.convoys
                                      if not convoy.fixed and convoy.day >= start]
    tail_households = {h for convoy in tail for h in convoy.households()}
    for convoy in tail:
        state.convoys.remove(convoy)
    for unit in leftovers:
        tail_households.update(unit.ids)
    if start > window.end:
        for unit in leftovers:
            for household in unit.households:
                state.unplanned[household.household_id] = Unplanned(
                    household.household_id, household.size, UnplannedReason.INFEASIBLE,
                    f"no room on a convoy before the window closes ({unit.cause})")
        return None, set()
    # A held convoy's households never leave before its day, wherever the repair put them.
    extra_pins = [Pin(household_id, until) for household_id, until in sorted(state.held.items())
                  if household_id in tail_households and until > start]
    kept_pins = [Pin(pin.household_id, pin.day) for pin in pins
                 if pin.household_id in tail_households and pin.day >= start]
    dropped = [pin for pin in pins if pin.household_id in tail_households and pin.day < start]
    for pin in dropped:
        state.notes.append(f"pin of {pin.household_id} to {pin.day} could not be kept: the "
                           f"convoys from {start} on were re-planned")
    sub = _tail_scenario(state, start, tail_households)
    if sub is None:
        return None, set()
    by_household = {pin.household_id: pin for pin in (*kept_pins, *extra_pins)}
    sub_pins = tuple(sorted(by_household.values(), key=lambda pin: pin.household_id))
    result = make_plan(sub, seed=seed, pins=sub_pins, progress=progress, widest_lanes=True,
                       check_pins=False)
    # A held convoy's id keeps naming the held convoy: a new convoy of that day takes another.
    used = {convoy.convoy_id for convoy in state.convoys} | {
        hold.convoy_id for hold in state.disruption.holds}
    for made in result.plan.convoys:
        convoy_id = made.convoy_id
        while convoy_id in used:
            convoy_id += "r"
        used.add(convoy_id)
        # The tail's fleet names each vehicle {id}-001: the suffix goes.
        trips = [_Trip(state.vehicles[made_trip.vehicle_id[:-4]], list(made_trip.lines))
                 for made_trip in made.trips]
        state.convoys.append(_Convoy(convoy_id, made.day, made.departure, made.destination,
                                     trips, _arrival(made.departure,
                                                     state.travel_minutes[made.destination]),
                                     fixed=False))
    for item in result.plan.unplanned:
        if item.reason is UnplannedReason.INFEASIBLE:
            state.unplanned[item.household_id] = item
    for sentence in result.infeasibility:
        state.notes.append(sentence)
    return start, tail_households


def _tail_scenario(state: _State, start: date, households: set[str]) -> Scenario | None:
    """The scenario of the days from ``start`` on: those households, the vehicles back by then."""
    scenario = state.scenario
    operation = state.operation
    agreement = operation.agreement
    window = DateRange(start, agreement.window.end)
    chosen = tuple(household if household.linked_to is None or household.linked_to in households
                   else replace(household, linked_to=None, link_kind=None)
                   for household in scenario.households if household.household_id in households)
    persons = tuple(person for person in scenario.persons if person.household_id in households)
    fleet = _tail_fleet(state, window)
    if not fleet:
        return None
    phases = _tail_phases(state, window)
    new_agreement = replace(agreement, window=window, phases=phases)
    new_operation = replace(operation, agreement=new_agreement, fleet=fleet)
    return Scenario(new_operation, chosen, persons)


def _tail_fleet(state: _State, window: DateRange) -> tuple[FleetEntry, ...]:
    """One entry a vehicle (named ``{id}-001``), available where it is free and in service."""
    rest = timedelta(minutes=state.operation.convoy_rules.rest_minutes)
    earliest = state.operation.convoy_rules.departure_earliest
    back: dict[str, datetime] = {}
    for convoy in state.convoys:
        for trip in convoy.trips:
            returns = convoy.departure + timedelta(
                minutes=2 * state.travel_minutes[convoy.destination]) + rest
            vehicle_id = trip.vehicle.vehicle_id
            back[vehicle_id] = max(back.get(vehicle_id, returns), returns)
    entries = []
    for vehicle in sorted(state.vehicles.values(), key=lambda v: v.vehicle_id):
        days = []
        for offset in range(window.days):
            day = window.start + timedelta(days=offset)
            busy_until = back.get(vehicle.vehicle_id)
            if busy_until is not None and busy_until > datetime.combine(day, earliest):
                continue
            if vehicle.available_on(day) and not state.disruption.out_of_service(
                    vehicle.vehicle_id, day):
                days.append(day)
        if not days:
            continue
        entries.append(FleetEntry(vehicle.vehicle_id, vehicle.kind, 1, vehicle.seats,
                                  vehicle.luggage_capacity, vehicle.stretchers,
                                  _ranges(days)))
    return tuple(entries)


def _ranges(days: list[date]) -> tuple[DateRange, ...]:
    spans: list[DateRange] = []
    for day in days:
        if spans and spans[-1].end + timedelta(days=1) == day:
            spans[-1] = DateRange(spans[-1].start, day)
        else:
            spans.append(DateRange(day, day))
    return tuple(spans)


def _tail_phases(state: _State, window: DateRange) -> tuple[Phase, ...]:
    """The agreement's phases over the tail, quotas less what left already; a closed
    destination's departures left out of their day's phase."""
    agreement = state.operation.agreement
    everywhere = tuple(agreement.destinations)
    closed_departures: dict[date, set[str]] = defaultdict(set)
    for closure in state.disruption.closures:
        minutes = state.travel_minutes[closure.destination_id]
        for offset in range(0, minutes // (24 * 60) + 2):
            closed_departures[closure.day - timedelta(days=offset)].add(closure.destination_id)
    if not agreement.phases and not closed_departures:
        return ()
    used: dict[str, int] = defaultdict(int)
    for convoy in state.convoys:
        phase = agreement.phase_on(convoy.day)
        if phase is not None:
            used[phase.name] += convoy.people
    # Day by day: (phase, destinations allowed); runs of equal days become one phase.
    runs: list[tuple[Phase | None, tuple[str, ...], list[date]]] = []
    for offset in range(window.days):
        day = window.start + timedelta(days=offset)
        phase = agreement.phase_on(day) if agreement.phases else None
        if agreement.phases and phase is None:
            continue
        allowed = tuple(phase.destinations or everywhere) if phase else everywhere
        allowed = tuple(d for d in allowed if not _arrives_closed(state, d, day,
                                                                  closed_departures))
        if not allowed:
            continue
        if runs and runs[-1][0] == phase and runs[-1][1] == allowed and \
                runs[-1][2][-1] + timedelta(days=1) == day:
            runs[-1][2].append(day)
        else:
            runs.append((phase, allowed, [day]))
    phases = []
    for index, (phase, allowed, days) in enumerate(runs):
        quota = None
        if phase is not None and phase.quota is not None:
            left = phase.quota - used[phase.name]
            share = sum(len(d) for p, _, d in runs if p == phase)
            quota = left * len(days) // share
            if quota <= 0:
                continue
        name = f"{phase.name if phase else 'tail'} {index + 1}"
        phases.append(Phase(name, DateRange(days[0], days[-1]), quota,
                            () if allowed == everywhere else allowed))
    return tuple(phases)


def _arrives_closed(state: _State, destination: str, day: date,
                    closed_departures: dict[date, set[str]]) -> bool:
    """Whether a convoy leaving on ``day`` for ``destination`` could arrive on a closed day."""
    if destination not in closed_departures.get(day, set()):
        return False
    rules = state.operation.convoy_rules
    minutes = state.travel_minutes[destination]
    first = _arrival(datetime.combine(day, rules.departure_earliest), minutes)
    last = _arrival(datetime.combine(day, rules.departure_latest), minutes)
    return any(state.disruption.closed(destination, first + timedelta(days=n))
               for n in range((last - first).days + 1))


# --- The plan and its changes ---------------------------------------------------------------------


def _assemble(state: _State, previous: Plan, problem: Problem, pins: tuple[Pin, ...],
              seed: int, scenario: Scenario) -> Plan:
    convoys = []
    for repaired in sorted(state.convoys, key=lambda c: (c.departure, c.convoy_id)):
        trips = tuple(VehicleTrip(trip.vehicle.vehicle_id, trip.kind, tuple(trip.lines))
                      for trip in repaired.trips)
        if not trips:
            continue
        convoys.append(Convoy(repaired.convoy_id, repaired.day, repaired.departure,
                              repaired.destination, trips, repaired.locked))
    planned: dict[str, tuple[Convoy, set[str]]] = {}
    for convoy in convoys:
        for trip in convoy.trips:
            for line in trip.lines:
                entry = planned.setdefault(line.household_id, (convoy, set()))
                entry[1].update(line.persons)
    unplanned: dict[str, Unplanned] = {item.household_id: item for item in problem.unplanned}
    unplanned.update(state.unplanned)
    for group in problem.groups:
        for household in group.households:
            if household.household_id not in planned and household.household_id not in unplanned:
                unplanned[household.household_id] = Unplanned(
                    household.household_id, household.size, UnplannedReason.INFEASIBLE,
                    "no room on a convoy before the window closes")
    for household_id in list(unplanned):
        if household_id in planned:
            del unplanned[household_id]
    kept_pins = []
    for pin in pins:
        found = planned.get(pin.household_id)
        if found is not None and found[0].day == pin.day and pin.convoy_id in (
                None, found[0].convoy_id):
            kept_pins.append(pin)
        elif found is not None:
            state.notes.append(f"pin of {pin.household_id} to {pin.day} is not kept: it now "
                               f"leaves on {found[0].day}")
    start = scenario.operation.agreement.window.start
    destinations = {site.site_id: site for site in scenario.operation.destinations}
    last = max((convoy.departure + destinations[convoy.destination].travel
                for convoy in convoys if convoy.destination in destinations), default=None)
    days = (last.date() - start).days + 1 if last is not None else 0
    best = max((bound.value for bound in previous.bounds if bound.kind.value == "days"),
               default=None)
    proven = best is not None and days == best and not any(
        item.reason is UnplannedReason.INFEASIBLE for item in unplanned.values())
    return Plan(
        operation_id=previous.operation_id,
        agreement_version=scenario.operation.agreement.version,
        seed=seed,
        convoys=tuple(convoys),
        unplanned=tuple(sorted(unplanned.values(), key=lambda u: u.household_id)),
        bounds=previous.bounds,
        days=days,
        proven_optimal_days=proven,
        binding_constraint=f"re-planned from plan of {previous.days} days; "
                           f"{previous.binding_constraint}",
        pins=tuple(kept_pins),
        split_households=tuple(h for h in problem.split_households if h in planned),
    )


def assignments(plan: Plan) -> dict[str, Assignment]:
    """Where each planned household travels in ``plan``."""
    vehicles: dict[str, set[str]] = defaultdict(set)
    convoy_of: dict[str, Convoy] = {}
    for convoy in plan.convoys:
        for trip in convoy.trips:
            for line in trip.lines:
                vehicles[line.household_id].add(trip.vehicle_id)
                convoy_of[line.household_id] = convoy
    return {household_id: Assignment(convoy.convoy_id, convoy.day, convoy.departure,
                                     convoy.destination, tuple(sorted(vehicles[household_id])))
            for household_id, convoy in convoy_of.items()}


def _changes(previous: Plan, plan: Plan, state: _State, tail: set[str],
             replanned_from: date | None) -> list[Change]:
    before = assignments(previous)
    after = assignments(plan)
    causes = sorted({reason.value for reason, _ in state.reasons.values()})
    changes = []
    for household_id in sorted(set(before) | set(after) | set(state.reasons)):
        old, new = before.get(household_id), after.get(household_id)
        if old == new:
            continue
        cause = state.reasons.get(household_id)
        if cause is not None:
            reason, sentence = cause
        elif household_id in tail and old is not None and new is not None and new.day < old.day:
            reason, sentence = ChangeReason.CAPACITY_FREED, (
                f"leaves earlier: the convoys from {replanned_from} on were re-planned "
                f"({', '.join(causes)})")
        else:
            reason, sentence = ChangeReason.KNOCK_ON, (
                f"the convoys from {replanned_from} on were re-planned to make room for "
                f"households that no repair could place ({', '.join(causes)})"
                if household_id in tail else "re-packed with its convoy")
        changes.append(Change(household_id, old, new, reason, sentence))
    return changes


def _explain(state: _State, changes: list[Change], replanned_from: date | None,
             horizon: datetime) -> list[str]:
    disruption = state.disruption
    sentences = [f"As of {disruption.as_of:%Y-%m-%d %H:%M}: convoys that left before are kept "
                 f"as they were; manifests up to {horizon:%Y-%m-%d %H:%M} are published and "
                 "change only where they must."]
    for item in disruption.vehicles_out:
        sentences.append(f"{item.vehicle_id} out of service {item.first_day} to "
                         f"{item.last_day}.")
    for hold in disruption.holds:
        sentences.append(f"Convoy {hold.convoy_id} held until {hold.until}.")
    for closure in disruption.closures:
        sentences.append(f"{closure.destination_id} receives no one on {closure.day}.")
    if disruption.no_shows:
        sentences.append(f"{len(disruption.no_shows)} no-show households.")
    for name, count in sorted(state.counts.items()):
        if count:
            sentences.append(f"{name}: {count:,}.")
    by_reason: dict[ChangeReason, int] = defaultdict(int)
    for change in changes:
        by_reason[change.reason] += 1
    for reason, count in sorted(by_reason.items()):
        sentences.append(f"{count:,} households changed place: {reason.value}.")
    if replanned_from is not None:
        sentences.append(f"Some households could not be placed by a repair: the convoys from "
                         f"{replanned_from} on were re-planned by the planner, and the "
                         "households of those convoys whose place changed are listed as "
                         "knock_on (or capacity_freed when they now leave earlier).")
    elif state.appended_from is not None:
        sentences.append(f"Households that no convoy had room for leave in new convoys from "
                         f"{state.appended_from} on; no other household moved.")
    elif changes:
        sentences.append("Repairs were enough: no other household moved.")
    else:
        sentences.append("Nothing to change.")
    sentences.extend(state.notes)
    return sentences


__all__ = ["PUBLISHED_HOURS", "ReplanResult", "assignments", "replan"]
