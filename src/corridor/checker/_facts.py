"""What the rules need to know, gathered from the scenario and the plan in one pass over each.

A million planned people must be checked in seconds, so the registry is walked once and the plan
once, with dicts and lists indexed by position: nothing in here is quadratic in people. Nothing
in here raises on a bad plan either: unknown vehicles, households and persons are recorded for
the rules to report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from corridor.domain import (
    Category,
    Convoy,
    Destination,
    Intent,
    ManifestLine,
    Operation,
    Person,
    Plan,
    Scenario,
    Vehicle,
    VehicleKind,
    VehicleTrip,
)


@dataclass(slots=True)
class TripFacts:
    """One vehicle trip: where it is in the plan, the fleet's vehicle, and what it carries.

    ``kind`` is the fleet's kind of the vehicle when the vehicle is known (what physically
    travels), else the kind the trip declares. Its lines are ``lines[first_line:end_line]``.
    """

    convoy: int
    trip: VehicleTrip
    vehicle: Vehicle | None
    kind: VehicleKind
    first_line: int
    end_line: int
    people: int
    seated: int
    on_stretchers: int
    luggage: int


@dataclass(slots=True)
class ConvoyFacts:
    """One convoy with its destination site (None when unknown), arrival and people."""

    convoy: Convoy
    destination: Destination | None
    arrival: datetime | None
    people: int


@dataclass(slots=True)
class Facts:
    """The scenario and the plan, indexed for the rules."""

    scenario: Scenario
    plan: Plan
    vehicles: dict[str, Vehicle]
    convoys: list[ConvoyFacts] = field(default_factory=list)
    trips: list[TripFacts] = field(default_factory=list)
    # Lines are numbered in plan order; a line's trip and household are kept side by side.
    lines: list[ManifestLine] = field(default_factory=list)
    line_trip: list[int] = field(default_factory=list)
    line_household: list[str] = field(default_factory=list)
    # Planned person id -> the (last) line it is in; persons in several lines are in duplicates.
    placement: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, list[int]] = field(default_factory=dict)
    stretcher_lines: list[int] = field(default_factory=list)
    # From the registry.
    known_households: set[str] = field(default_factory=set)
    linked: list[tuple[str, str]] = field(default_factory=list)
    preferences: dict[str, str] = field(default_factory=dict)
    unplanned: set[str] = field(default_factory=set)
    # From the walk over the persons: who is where they should not be.
    missing: list[Person] = field(default_factory=list)
    not_leaving: list[tuple[Person, int]] = field(default_factory=list)
    not_allowed: list[tuple[Person, int]] = field(default_factory=list)
    in_unplanned: list[tuple[Person, int]] = field(default_factory=list)
    wrong_household: dict[str, tuple[Person, int]] = field(default_factory=dict)
    unknown_persons: dict[str, int] = field(default_factory=dict)
    misrouted_combatants: list[tuple[Person, int]] = field(default_factory=list)
    seated_stretcher_cases: list[tuple[Person, int]] = field(default_factory=list)
    needless_stretchers: list[tuple[Person, int]] = field(default_factory=list)
    """Persons on a stretcher who do not need one."""
    owed_luggage: dict[str, int] = field(default_factory=dict)
    # Luggage on lines that also carry members of the household, per household; and the lines
    # whose luggage travels without any of its household's members (the luggage rule sorts them).
    carried_luggage: dict[str, int] = field(default_factory=dict)
    loose_luggage_lines: list[int] = field(default_factory=list)
    # Per household with planned members: the trips its members ride and how many they are.
    household_trips: dict[str, set[int]] = field(default_factory=dict)
    household_planned: dict[str, int] = field(default_factory=dict)
    # Per household: its persons on stretchers, and the trips they ride.
    stretcher_cases: dict[str, set[str]] = field(default_factory=dict)
    stretcher_trips: dict[str, set[int]] = field(default_factory=dict)
    _household_convoys: dict[str, set[int]] = field(default_factory=dict)

    @property
    def operation(self) -> Operation:
        """The scenario's operation."""
        return self.scenario.operation

    def household_of(self, person_id: str) -> str | None:
        """The registry's household of a planned person (None when the person is unknown)."""
        if person_id in self.unknown_persons:
            return None
        wrong = self.wrong_household.get(person_id)
        if wrong is not None:
            return wrong[0].household_id
        line = self.placement.get(person_id)
        return None if line is None else self.line_household[line]

    def convoys_of(self, household_id: str) -> set[int]:
        """The convoys (by position) in which members of a household ride."""
        convoys = self._household_convoys.get(household_id)
        if convoys is None:
            trips = self.trips
            convoys = {trips[trip].convoy for trip in self.household_trips.get(household_id, ())}
            self._household_convoys[household_id] = convoys
        return convoys

    def where(self, line: int) -> str:
        """A line's vehicle and convoy, as a sentence ends: "BUS-001 in convoy 2017-03-18/1"."""
        trip = self.trips[self.line_trip[line]]
        return f"{trip.trip.vehicle_id} in convoy {self.convoys[trip.convoy].convoy.convoy_id}"


def gather(scenario: Scenario, plan: Plan) -> Facts:
    """Index the plan, then walk the registry once against it."""
    operation = scenario.operation
    facts = Facts(scenario, plan, {vehicle.vehicle_id: vehicle for vehicle in operation.vehicles()})
    _index_plan(facts)
    _walk_households(facts)
    _walk_persons(facts)
    _sum_households(facts)
    return facts


def _index_plan(facts: Facts) -> None:
    destinations = {site.site_id: site for site in facts.operation.destinations}
    vehicles = facts.vehicles
    trips, lines, line_trip, line_household = (facts.trips, facts.lines, facts.line_trip,
                                               facts.line_household)
    placed = 0
    for convoy_index, convoy in enumerate(facts.plan.convoys):
        destination = destinations.get(convoy.destination)
        arrival = (convoy.departure + destination.travel if destination is not None
                   else None)
        convoy_people = 0
        for trip in convoy.trips:
            trip_index = len(trips)
            vehicle = vehicles.get(trip.vehicle_id)
            first_line = len(lines)
            people = on_stretchers = luggage = 0
            for line in trip.lines:
                line_index = len(lines)
                lines.append(line)
                line_trip.append(trip_index)
                line_household.append(line.household_id)
                people += len(line.persons)
                if line.on_stretcher:
                    on_stretchers += len(line.on_stretcher)
                    facts.stretcher_lines.append(line_index)
                luggage += line.luggage_pieces
            trips.append(TripFacts(convoy_index, trip, vehicle,
                                   vehicle.kind if vehicle is not None else trip.kind,
                                   first_line, len(lines), people, people - on_stretchers,
                                   on_stretchers, luggage))
            convoy_people += people
            placed += people
        facts.convoys.append(ConvoyFacts(convoy, destination, arrival, convoy_people))
    # One comprehension over every planned person: the cheapest way to a million-entry index.
    facts.placement = placement = {person: line_index for line_index, line in enumerate(lines)
                                   for person in line.persons}
    if placed != len(placement):
        # Someone is in two lines (or twice in one): the rare, slow path finds who and where.
        seen: dict[str, list[int]] = {}
        for line_index, line in enumerate(lines):
            for person_id in line.persons:
                seen.setdefault(person_id, []).append(line_index)
        facts.duplicates = {person: where for person, where in seen.items() if len(where) > 1}
    facts.unplanned = {entry.household_id for entry in facts.plan.unplanned}


def _walk_households(facts: Facts) -> None:
    # Comprehensions (measured faster than one loop or attrgetter maps): a million households.
    households = facts.scenario.households
    facts.known_households = {household.household_id for household in households}
    facts.preferences = {household.household_id: household.destination_preference
                         for household in households
                         if household.destination_preference is not None}
    facts.linked = [(household.household_id, household.linked_to) for household in households
                    if household.linked_to is not None]


def _walk_persons(facts: Facts) -> None:
    # This walk visits every registered person (millions), so the common case is kept cheap:
    # only leavers are looked up in the plan. Whether anyone else is planned follows from the
    # count: if the leavers found are fewer than the persons planned, a second, rare walk finds
    # the non-leavers in the plan and the persons who are not in the registry at all.
    placement = facts.placement
    placement_get = placement.get
    line_household = facts.line_household
    allowed = tuple(facts.operation.agreement.terms.may_leave)
    unplanned = facts.unplanned
    leave, combatant = Intent.LEAVE, Category.COMBATANT
    accepts = [convoy.destination is None or convoy.destination.accepts_combatants
               for convoy in facts.convoys]
    trips, line_trip = facts.trips, facts.line_trip
    on_stretcher = {person for line in facts.stretcher_lines
                    for person in facts.lines[line].on_stretcher}
    owed = facts.owed_luggage

    def record(person: Person, line: int) -> None:
        household = person.household_id
        if household != line_household[line]:
            facts.wrong_household[person.person_id] = (person, line)
        if person.intent is not leave:
            facts.not_leaving.append((person, line))
        if person.category not in allowed:
            facts.not_allowed.append((person, line))
        if household in unplanned:
            facts.in_unplanned.append((person, line))
        if person.luggage_pieces:
            owed[household] = owed.get(household, 0) + person.luggage_pieces
        if person.needs_stretcher and person.person_id not in on_stretcher:
            facts.seated_stretcher_cases.append((person, line))
        if not person.needs_stretcher and person.person_id in on_stretcher:
            facts.needless_stretchers.append((person, line))
        if person.category is combatant and not accepts[trips[line_trip[line]].convoy]:
            facts.misrouted_combatants.append((person, line))

    found = 0
    persons = facts.scenario.persons
    for person in persons:
        if person.intent is not leave:
            continue
        line = placement_get(person.person_id)
        if line is None:
            if person.category in allowed and person.household_id not in unplanned:
                facts.missing.append(person)
        else:
            found += 1
            record(person, line)
    if found == len(placement):
        return
    for person in persons:
        if person.intent is not leave:
            line = placement_get(person.person_id)
            if line is not None:
                found += 1
                record(person, line)
    if found != len(placement):
        registered = {person.person_id for person in persons if person.person_id in placement}
        facts.unknown_persons = {person: line for person, line in placement.items()
                                 if person not in registered}


def _sum_households(facts: Facts) -> None:
    # Members are counted per line (a household's line usually holds all of it), then corrected
    # for the few persons who are in another household's line or not in the registry.
    foreign: dict[int, int] = {}
    for place in [*(place for _, place in facts.wrong_household.values()),
                  *facts.unknown_persons.values()]:
        foreign[place] = foreign.get(place, 0) + 1
    household_trips, household_planned = facts.household_trips, facts.household_planned
    line_trip = facts.line_trip

    def add(household: str, trip: int, members: int) -> None:
        trips = household_trips.get(household)
        if trips is None:
            household_trips[household] = {trip}
            household_planned[household] = members
        else:
            trips.add(trip)
            household_planned[household] += members

    carried, loose = facts.carried_luggage, facts.loose_luggage_lines
    for line_index, (line, household) in enumerate(zip(facts.lines, facts.line_household,
                                                       strict=True)):
        members = len(line.persons)
        if foreign and members:
            members -= foreign.get(line_index, 0)
        if members > 0:
            # add() written out: this runs once per line, hundreds of thousands of times.
            trips = household_trips.get(household)
            if trips is None:
                household_trips[household] = {line_trip[line_index]}
                household_planned[household] = members
            else:
                trips.add(line_trip[line_index])
                household_planned[household] += members
            if line.luggage_pieces:
                # Luggage in the hold of a vehicle that carries the household travels with it.
                carried[household] = carried.get(household, 0) + line.luggage_pieces
        elif line.luggage_pieces:
            loose.append(line_index)
    for person, line_index in facts.wrong_household.values():
        add(person.household_id, line_trip[line_index], 1)
    needless = {person.person_id for person, _ in facts.needless_stretchers}
    for line_index in facts.stretcher_lines:
        for person_id in facts.lines[line_index].on_stretcher:
            own = facts.household_of(person_id)
            # Only a person who needs a stretcher is a stretcher case (a relative put on one
            # does not excuse the household's split or the case's companion: `stretchers`).
            if own is not None and person_id not in needless:
                facts.stretcher_cases.setdefault(own, set()).add(person_id)
                facts.stretcher_trips.setdefault(own, set()).add(line_trip[line_index])
