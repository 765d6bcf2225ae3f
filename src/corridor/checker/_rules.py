"""One function per rule of docs/planning-rules.md, each yielding that rule's violations.

Every function reads the gathered :class:`~corridor.checker._facts.Facts` and never raises on a
bad plan. A rule that needs something another rule already reports as unknown (a vehicle that is
not in the fleet, a destination that is not a site) leaves that part out, so that one mistake is
reported once, under the rule it breaks.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from corridor.checker._facts import Facts
from corridor.checker._violation import Violation
from corridor.domain import Convoy, Destination, Intent, UnplannedReason, VehicleKind

Rule = Callable[[Facts], Iterator[Violation]]


def _at(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _hours(hours: float) -> str:
    return f"{hours:g} h"


def _convoy(convoy: Convoy) -> str:
    return f"convoy {convoy.convoy_id}"


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


def _names(items: list[str]) -> str:
    return ", ".join(items)


def metadata(facts: Facts) -> Iterator[Violation]:
    """The plan names the operation and agreement version; convoy ids are unique; ``days``."""
    plan, operation = facts.plan, facts.operation
    agreement = operation.agreement
    if plan.operation_id != operation.operation_id:
        yield Violation("metadata", "plan", f"the plan names operation {plan.operation_id!r}, "
                        f"but the scenario's operation is {operation.operation_id!r}")
    if plan.agreement_version != agreement.version:
        yield Violation("metadata", "plan", f"the plan follows agreement version "
                        f"{plan.agreement_version!r}, but the scenario's agreement is version "
                        f"{agreement.version!r}")
    for convoy_id, count in Counter(c.convoy_id for c in plan.convoys).items():
        if count > 1:
            yield Violation("metadata", f"convoy {convoy_id}",
                            f"convoy id {convoy_id} is used by {count} convoys")
    arrivals = [convoy.arrival for convoy in facts.convoys]
    # A convoy to an unknown destination has no arrival; `destination` reports it, and the days
    # cannot be counted without it.
    if not arrivals:
        if plan.days != 0:
            yield Violation("metadata", "plan", f"the plan has no convoys but says it takes "
                            f"{plan.days} days instead of 0")
    elif all(arrival is not None for arrival in arrivals):
        last = max(arrival for arrival in arrivals if arrival is not None).date()
        days = (last - agreement.window.start).days + 1
        if plan.days != days:
            yield Violation("metadata", "plan", f"the plan says it takes {plan.days} days, but "
                            f"from the window's first day {agreement.window.start} to the last "
                            f"arrival on {last} is {days} days")


def coverage(facts: Facts) -> Iterator[Violation]:
    """Every leaver who may leave is planned once, in their household, unless it is unplanned."""
    for person in facts.missing:
        yield Violation("coverage", f"person {person.person_id}",
                        f"{person.person_id} of household {person.household_id} leaves and may "
                        "leave but is in no manifest line, and the household is not listed as "
                        "unplanned")
    for person_id, lines in facts.duplicates.items():
        yield Violation("coverage", f"person {person_id}",
                        f"{person_id} is in {len(lines)} manifest lines: "
                        f"{_names([facts.where(line) for line in lines])}")
    for person, line in facts.wrong_household.values():
        yield Violation("coverage", f"person {person.person_id}",
                        f"{person.person_id} of household {person.household_id} is in a manifest "
                        f"line of household {facts.line_household[line]} on {facts.where(line)}")
    for person_id, line in facts.unknown_persons.items():
        yield Violation("coverage", f"person {person_id}", f"{person_id} on {facts.where(line)} "
                        "is not a person of the registry")
    for person, line in facts.not_leaving:
        yield Violation("coverage", f"person {person.person_id}",
                        f"{person.person_id}, whose intent is {person.intent}, is planned on "
                        f"{facts.where(line)}")
    in_unplanned = Counter(person.household_id for person, _ in facts.in_unplanned)
    for household, count in in_unplanned.items():
        yield Violation("coverage", f"household {household}", f"household {household} is listed "
                        f"as unplanned, but {_count(count, 'person')} of it "
                        f"{'is' if count == 1 else 'are'} planned")
    unknown_lines: dict[str, int] = {}
    for line, household in enumerate(facts.line_household):
        if household not in facts.known_households:
            unknown_lines.setdefault(household, line)
    for household, line in unknown_lines.items():
        yield Violation("coverage", f"household {household}", f"a manifest line on "
                        f"{facts.where(line)} names household {household}, which is not in the "
                        "registry")
    listed = Counter(entry.household_id for entry in facts.plan.unplanned)
    for household, count in listed.items():
        if household not in facts.known_households:
            yield Violation("coverage", f"household {household}", f"household {household} is "
                            "listed as unplanned but is not in the registry")
        elif count > 1:
            yield Violation("coverage", f"household {household}", f"household {household} is "
                            f"listed as unplanned {count} times")
    # "Undecided" only for a household nobody of which leaves: a plan must not leave people
    # behind under that name (one planned all the same is reported above).
    undecided = {entry.household_id for entry in facts.plan.unplanned
                 if entry.reason is UnplannedReason.UNDECIDED}
    if undecided:
        may_leave = set(facts.operation.agreement.terms.may_leave)
        leaving = Counter(person.household_id for person in facts.scenario.persons
                          if person.household_id in undecided and person.intent is Intent.LEAVE
                          and person.category in may_leave
                          and person.person_id not in facts.placement)
        for household, count in sorted(leaving.items()):
            yield Violation("coverage", f"household {household}", f"household {household} is "
                            f"listed as unplanned because undecided, but "
                            f"{_count(count, 'person')} of it {'leaves' if count == 1 else 'leave'}"
                            " and may leave")


def category(facts: Facts) -> Iterator[Violation]:
    """Nobody whose category the terms do not let leave is planned."""
    for person, line in facts.not_allowed:
        yield Violation("category", f"person {person.person_id}",
                        f"{person.person_id} is a {person.category}, whom the terms do not let "
                        f"leave, but is planned on {facts.where(line)}")


def household_split(facts: Facts) -> Iterator[Violation]:
    """A household rides one convoy and one vehicle, but for stretcher cases and big families."""
    trips = facts.trips
    largest_bus = max((vehicle.seats for vehicle in facts.vehicles.values()
                       if vehicle.kind is VehicleKind.BUS), default=0)
    may_split = set(facts.plan.split_households)
    for household, ridden in facts.household_trips.items():
        if len(ridden) == 1:
            continue
        convoys = sorted({trips[trip].convoy for trip in ridden})
        if len(convoys) > 1:
            names = [facts.convoys[convoy].convoy.convoy_id for convoy in convoys]
            yield Violation("household_split", f"household {household}",
                            f"household {household} is in {len(names)} convoys: {_names(names)}")
            continue
        # An ambulance that carries one of the household's stretcher cases may take them (and
        # their seated companions) away from the vehicle of the rest of the household.
        with_stretcher = facts.stretcher_trips.get(household, set())
        others = sorted(trip for trip in ridden
                        if not (trips[trip].kind is VehicleKind.AMBULANCE
                                and trip in with_stretcher))
        if len(others) <= 1:
            continue
        members = facts.household_planned[household]
        vehicles = _names([trips[trip].trip.vehicle_id for trip in others])
        all_buses = all(trips[trip].kind is VehicleKind.BUS for trip in others)
        if members > largest_bus and all_buses:
            if household in may_split:
                continue
            yield Violation("household_split", f"household {household}",
                            f"household {household}'s {members} planned persons ride on "
                            f"{len(others)} buses ({vehicles}), which the largest bus "
                            f"({largest_bus} seats) allows, but the household is not listed in "
                            "split_households")
        else:
            yield Violation("household_split", f"household {household}",
                            f"household {household}'s {members} planned persons ride on "
                            f"{len(others)} vehicles ({vehicles}) although the largest bus has "
                            f"{largest_bus} seats")


def companion(facts: Facts) -> Iterator[Violation]:
    """A stretcher case has a seated member of their household in the same ambulance."""
    for household, cases in facts.stretcher_cases.items():
        # Only a member who can sit can be a companion: a household of stretcher cases alone
        # has nobody to send (see the report on this reading of the rule).
        seated_members = facts.household_planned.get(household, 0) - len(cases)
        if seated_members <= 0:
            continue
        for person_id in sorted(cases):
            line = facts.placement[person_id]
            trip = facts.trips[facts.line_trip[line]]
            if not any(other not in facts.lines[other_line].on_stretcher
                       and facts.household_of(other) == household
                       for other_line in range(trip.first_line, trip.end_line)
                       for other in facts.lines[other_line].persons):
                yield Violation("companion", f"person {person_id}",
                                f"{person_id} of household {household} rides on a stretcher on "
                                f"{facts.where(line)} with none of the {seated_members} seated "
                                "members of the household")


def linked(facts: Facts) -> Iterator[Violation]:
    """Linked households with planned members travel in the same convoy."""
    for household, other in facts.linked:
        if household not in facts.household_trips or other not in facts.household_trips:
            continue
        mine, theirs = facts.convoys_of(household), facts.convoys_of(other)
        if len(mine | theirs) > 1:
            def names(convoys: set[int]) -> str:
                return _names(sorted(facts.convoys[c].convoy.convoy_id for c in convoys))
            yield Violation("linked", f"household {household}",
                            f"household {household} is linked to household {other}, but travels "
                            f"in convoy {names(mine)} and household {other} in convoy "
                            f"{names(theirs)}")


def _trip_subject(facts: Facts, trip_index: int) -> str:
    trip = facts.trips[trip_index]
    return f"vehicle {trip.trip.vehicle_id} in convoy {facts.convoys[trip.convoy].convoy.convoy_id}"


def seats(facts: Facts) -> Iterator[Violation]:
    """Seated persons fit the seats; a luggage truck carries nobody."""
    for index, trip in enumerate(facts.trips):
        vehicle = trip.vehicle
        if vehicle is None:
            continue
        if vehicle.kind is VehicleKind.LUGGAGE_TRUCK:
            if trip.people:
                yield Violation("seats", _trip_subject(facts, index),
                                f"luggage truck {vehicle.vehicle_id} carries "
                                f"{_count(trip.people, 'person')}, and a luggage truck carries "
                                "none")
        elif trip.seated > vehicle.seats:
            yield Violation("seats", _trip_subject(facts, index),
                            f"{vehicle.vehicle_id} carries {trip.seated} seated persons but has "
                            f"{vehicle.seats} seats")


def stretchers(facts: Facts) -> Iterator[Violation]:
    """Persons on stretchers ride only in ambulances, within their stretchers."""
    for index, trip in enumerate(facts.trips):
        if not trip.on_stretchers:
            continue
        if trip.kind is not VehicleKind.AMBULANCE:
            yield Violation("stretchers", _trip_subject(facts, index),
                            f"{trip.trip.vehicle_id} is a {trip.kind.replace('_', ' ')}, not an "
                            f"ambulance, but carries {_count(trip.on_stretchers, 'person')} on a "
                            "stretcher")
        elif trip.vehicle is not None and trip.on_stretchers > trip.vehicle.stretchers:
            yield Violation("stretchers", _trip_subject(facts, index),
                            f"{trip.trip.vehicle_id} carries "
                            f"{_count(trip.on_stretchers, 'person')} on a stretcher but has "
                            f"{_count(trip.vehicle.stretchers, 'stretcher')}")
    for person, line in facts.seated_stretcher_cases:
        yield Violation("stretchers", f"person {person.person_id}",
                        f"{person.person_id} needs a stretcher but is seated on "
                        f"{facts.where(line)}")
    for person, line in facts.needless_stretchers:
        yield Violation("stretchers", f"person {person.person_id}",
                        f"{person.person_id} rides on a stretcher on {facts.where(line)} but "
                        "does not need one")


def hold(facts: Facts) -> Iterator[Violation]:
    """Luggage on a trip fits the vehicle's hold or load."""
    for index, trip in enumerate(facts.trips):
        vehicle = trip.vehicle
        if vehicle is not None and trip.luggage > vehicle.luggage_capacity:
            yield Violation("hold", _trip_subject(facts, index),
                            f"{vehicle.vehicle_id} carries {trip.luggage} pieces of luggage but "
                            f"takes {vehicle.luggage_capacity}")


def luggage(facts: Facts) -> Iterator[Violation]:
    """A household's luggage travels, all of it, with the household's vehicles or trucks."""
    trips, line_trip, lines = facts.trips, facts.line_trip, facts.lines
    carried = dict(facts.carried_luggage)
    misplaced: dict[str, list[int]] = defaultdict(list)
    for line_index in facts.loose_luggage_lines:
        household = facts.line_household[line_index]
        if household not in facts.known_households:
            continue  # coverage reports the unknown household
        trip_index = line_trip[line_index]
        trip = trips[trip_index]
        # Luggage without its people is in the right place on another vehicle of the household
        # (a hold) or on a luggage truck of the household's convoy.
        if (trip_index in facts.household_trips.get(household, ())
                or (trip.kind is VehicleKind.LUGGAGE_TRUCK
                    and trip.convoy in facts.convoys_of(household))):
            carried[household] = carried.get(household, 0) + lines[line_index].luggage_pieces
        else:
            misplaced[household].append(line_index)
    astray: dict[str, int] = {}
    for household, misplaced_lines in misplaced.items():
        pieces = sum(lines[line].luggage_pieces for line in misplaced_lines)
        astray[household] = pieces
        travel = "travels" if pieces == 1 else "travel"
        yield Violation("luggage", f"household {household}",
                        f"{_count(pieces, 'piece')} of household {household}'s luggage {travel} "
                        f"on {_names([facts.where(line) for line in misplaced_lines])}, away "
                        "from the household's vehicles and its convoy's luggage trucks")
    owed = facts.owed_luggage
    # Luggage that is all there but partly on the wrong vehicle was reported above, once.
    short = [(household, pieces) for household, pieces in owed.items()
             if carried.get(household, 0) + astray.get(household, 0) != pieces]
    short += [(household, 0) for household in carried if household not in owed]
    for household, pieces in short:
        yield Violation("luggage", f"household {household}",
                        f"household {household}'s planned persons have "
                        f"{_count(pieces, 'piece')} of luggage, but "
                        f"{carried.get(household, 0)} travel with the household")


def vehicle(facts: Facts) -> Iterator[Violation]:
    """Every trip names a vehicle of the fleet, of its kind, once per convoy."""
    for index, trip in enumerate(facts.trips):
        named = trip.trip
        if trip.vehicle is None:
            yield Violation("vehicle", _trip_subject(facts, index),
                            f"{named.vehicle_id} is not a vehicle of the fleet")
        elif trip.vehicle.kind is not named.kind:
            yield Violation("vehicle", _trip_subject(facts, index),
                            f"{named.vehicle_id} is a {trip.vehicle.kind.replace('_', ' ')} in "
                            f"the fleet, but the trip says {named.kind.replace('_', ' ')}")
    for convoy in facts.plan.convoys:
        for vehicle_id, count in Counter(t.vehicle_id for t in convoy.trips).items():
            if count > 1:
                yield Violation("vehicle", f"vehicle {vehicle_id} in {_convoy(convoy)}",
                                f"{vehicle_id} is listed {count} times in {_convoy(convoy)}")


def availability(facts: Facts) -> Iterator[Violation]:
    """A vehicle departs only on a day it is available."""
    for index, trip in enumerate(facts.trips):
        day = facts.convoys[trip.convoy].convoy.day
        if trip.vehicle is not None and not trip.vehicle.available_on(day):
            yield Violation("availability", _trip_subject(facts, index),
                            f"{trip.vehicle.vehicle_id} departs on {day}, a day it is not "
                            "available")


def circulation(facts: Facts) -> Iterator[Violation]:
    """A vehicle departs again only after its round trip and rest."""
    rules = facts.operation.convoy_rules
    rest = timedelta(minutes=rules.rest_minutes)
    departures: dict[str, set[int]] = defaultdict(set)
    for trip in facts.trips:
        if trip.vehicle is not None:
            # A vehicle twice in one convoy is the `vehicle` rule's; here it departs once.
            departures[trip.vehicle.vehicle_id].add(trip.convoy)
    for vehicle_id, convoys in departures.items():
        ordered = sorted(convoys, key=lambda c: (facts.convoys[c].convoy.departure, c))
        for before, after in pairwise(ordered):
            first, then = facts.convoys[before], facts.convoys[after]
            if first.destination is None:
                continue  # `destination` reports it; its travel hours are unknown
            back = first.convoy.departure + 2 * first.destination.travel + rest
            if then.convoy.departure < back:
                yield Violation("circulation", f"vehicle {vehicle_id}",
                                f"{vehicle_id} departs at {_at(then.convoy.departure)} in "
                                f"{_convoy(then.convoy)}, before {_at(back)}: it left at "
                                f"{_at(first.convoy.departure)} in {_convoy(first.convoy)} for "
                                f"{first.destination.site_id} (2 x "
                                f"{_hours(first.destination.travel_minutes / 60)} and "
                                f"{_hours(rules.rest_minutes / 60)} rest)")


def convoy_size(facts: Facts) -> Iterator[Violation]:
    """A convoy has at most ``max_vehicles_per_convoy`` vehicles."""
    most = facts.operation.convoy_rules.max_vehicles_per_convoy
    for convoy in facts.plan.convoys:
        if len(convoy.trips) > most:
            yield Violation("convoy_size", _convoy(convoy), f"{_convoy(convoy)} has "
                            f"{len(convoy.trips)} vehicles, more than the {most} allowed")


def ambulances(facts: Facts) -> Iterator[Violation]:
    """A convoy has at least ``min_ambulances_per_convoy`` ambulances."""
    fewest = facts.operation.convoy_rules.min_ambulances_per_convoy
    counts = Counter(trip.convoy for trip in facts.trips if trip.kind is VehicleKind.AMBULANCE)
    for index, convoy in enumerate(facts.convoys):
        if counts[index] < fewest:
            yield Violation("ambulances", _convoy(convoy.convoy), f"{_convoy(convoy.convoy)} has "
                            f"{_count(counts[index], 'ambulance')}, fewer than the {fewest} "
                            "required")


def departure_window(facts: Facts) -> Iterator[Violation]:
    """Every departure is between the earliest and the latest departure time."""
    rules = facts.operation.convoy_rules
    for convoy in facts.plan.convoys:
        if not rules.departure_earliest <= convoy.departure.time() <= rules.departure_latest:
            yield Violation("departure_window", _convoy(convoy),
                            f"{_convoy(convoy)} departs at {convoy.departure:%H:%M}, outside "
                            f"{rules.departure_earliest:%H:%M} to {rules.departure_latest:%H:%M}")


def convoys_per_day(facts: Facts) -> Iterator[Violation]:
    """At most ``max_convoys_per_day`` convoys depart on a day."""
    most = facts.operation.convoy_rules.max_convoys_per_day
    for day, count in Counter(convoy.day for convoy in facts.plan.convoys).items():
        if count > most:
            yield Violation("convoys_per_day", str(day), f"{count} convoys depart on {day}, more "
                            f"than the {most} allowed")


_MICROSECONDS_AN_HOUR = 3_600_000_000


def _microseconds(moment: time) -> int:
    return (((moment.hour * 60) + moment.minute) * 60 + moment.second) * 1_000_000 \
        + moment.microsecond


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def checkpoint(facts: Facts) -> Iterator[Violation]:
    """Everyone on a day's convoys so far has passed the checkpoint when a convoy leaves."""
    site = facts.operation.checkpoint
    opens, closes = _microseconds(site.opens), _microseconds(site.closes)
    people_rate = site.lanes * site.people_per_hour_per_lane
    vehicle_rate = site.lanes * site.vehicles_per_hour_per_lane
    by_day: dict[date, list[int]] = defaultdict(list)
    for index, gathered in enumerate(facts.convoys):
        by_day[gathered.convoy.day].append(index)
    for day, indexes in by_day.items():
        indexes.sort(key=lambda i: facts.convoys[i].convoy.departure)
        people = vehicles = 0
        # Convoys that leave in the same minute are screened before it together, so each of
        # them counts all of them (see the report on this reading of "earlier"; seconds do not
        # split a minute: 06:00:30 and 06:00:45 are one minute).
        cumulative: dict[datetime, tuple[int, int]] = {}
        for index in indexes:
            people += facts.convoys[index].people
            vehicles += len(facts.convoys[index].convoy.trips)
            cumulative[_minute(facts.convoys[index].convoy.departure)] = (people, vehicles)
        for index in indexes:
            convoy = facts.convoys[index].convoy
            people, vehicles = cumulative[_minute(convoy.departure)]
            after_opening = _microseconds(convoy.departure.time()) - opens
            # Integer arithmetic: the comparison is exact, with no rounding at the boundary.
            if (after_opening * people_rate < _MICROSECONDS_AN_HOUR * people
                    or after_opening * vehicle_rate < _MICROSECONDS_AN_HOUR * vehicles):
                hours = max(people / people_rate, vehicles / vehicle_rate)
                ready = datetime.combine(day, site.opens) + timedelta(hours=hours)
                yield Violation("checkpoint", _convoy(convoy),
                                f"{_convoy(convoy)} departs at {convoy.departure:%H:%M}, before "
                                f"the {people} people and {vehicles} vehicles of the day so far "
                                f"can pass the checkpoint (from {site.opens:%H:%M}, at "
                                f"{people_rate} people and {vehicle_rate} vehicles an hour: "
                                f"{_at(ready)})")
            if _microseconds(convoy.departure.time()) > closes:
                yield Violation("checkpoint", _convoy(convoy),
                                f"{_convoy(convoy)} departs at {convoy.departure:%H:%M}, after "
                                f"the checkpoint closes at {site.closes:%H:%M}")


def reception(facts: Facts) -> Iterator[Violation]:
    """People arriving at a destination on a calendar day fit its reception capacity."""
    arriving: Counter[tuple[date, Destination]] = Counter()
    for convoy in facts.convoys:
        if convoy.arrival is not None and convoy.destination is not None:
            arriving[convoy.arrival.date(), convoy.destination] += convoy.people
    for (day, site), people in arriving.items():
        site_id, capacity = site.site_id, site.reception_capacity_per_day
        if people > capacity:
            yield Violation("reception", f"{day} at {site_id}", f"{people} people arrive at "
                            f"{site_id} on {day}, more than its reception capacity of {capacity}")


def window(facts: Facts) -> Iterator[Violation]:
    """Departures on or after the window's first day, arrivals on or before its last."""
    span = facts.operation.agreement.window
    for convoy in facts.convoys:
        if convoy.convoy.day < span.start:
            yield Violation("window", _convoy(convoy.convoy), f"{_convoy(convoy.convoy)} departs "
                            f"on {convoy.convoy.day}, before the window opens on {span.start}")
        if convoy.arrival is not None and convoy.arrival.date() > span.end:
            yield Violation("window", _convoy(convoy.convoy), f"{_convoy(convoy.convoy)} arrives "
                            f"at {_at(convoy.arrival)}, after the window closes on {span.end}")
        elif convoy.arrival is None and convoy.convoy.day > span.end:
            yield Violation("window", _convoy(convoy.convoy), f"{_convoy(convoy.convoy)} departs "
                            f"on {convoy.convoy.day}, after the window closes on {span.end}")


def phase(facts: Facts) -> Iterator[Violation]:
    """Departures lie in a phase, to the phase's destinations when it names some."""
    agreement = facts.operation.agreement
    if not agreement.phases:
        return
    for convoy in facts.plan.convoys:
        current = agreement.phase_on(convoy.day)
        if current is None:
            yield Violation("phase", _convoy(convoy), f"{_convoy(convoy)} departs on "
                            f"{convoy.day}, which is in no phase of the agreement")
        elif current.destinations and convoy.destination not in current.destinations:
            yield Violation("phase", _convoy(convoy), f"{_convoy(convoy)} goes to "
                            f"{convoy.destination}, but phase {current.name!r} takes convoys "
                            f"only to {_names(list(current.destinations))}")


def quota(facts: Facts) -> Iterator[Violation]:
    """People departing during a phase with a quota are at most the quota."""
    for current in facts.operation.agreement.phases:
        if current.quota is None:
            continue
        people = sum(convoy.people for convoy in facts.convoys
                     if convoy.convoy.day in current.dates)
        if people > current.quota:
            yield Violation("quota", f"phase {current.name}", f"{people} people depart during "
                            f"phase {current.name!r}, more than its quota of {current.quota}")


def destination(facts: Facts) -> Iterator[Violation]:
    """Convoys go to destinations of the agreement; households go where they prefer."""
    allowed = facts.operation.agreement.destinations
    for convoy in facts.plan.convoys:
        if convoy.destination not in allowed:
            yield Violation("destination", _convoy(convoy), f"{_convoy(convoy)} goes to "
                            f"{convoy.destination!r}, which is not a destination of the "
                            "agreement")
    trips = facts.trips
    for household, ridden in facts.household_trips.items():
        preference = facts.preferences.get(household)
        if preference is None:
            continue
        convoys = ({trips[next(iter(ridden))].convoy} if len(ridden) == 1
                   else facts.convoys_of(household))
        for index in sorted(convoys):
            convoy = facts.convoys[index].convoy
            if convoy.destination != preference:
                yield Violation("destination", f"household {household}",
                                f"household {household} prefers {preference} but travels to "
                                f"{convoy.destination} in {_convoy(convoy)}")


def eligibility(facts: Facts) -> Iterator[Violation]:
    """A combatant goes only to a destination that accepts combatants."""
    for person, line in facts.misrouted_combatants:
        convoy = facts.convoys[facts.trips[facts.line_trip[line]].convoy].convoy
        yield Violation("eligibility", f"person {person.person_id}",
                        f"{person.person_id} is a combatant but goes to {convoy.destination}, "
                        f"which does not accept combatants, in {_convoy(convoy)}")


def pin(facts: Facts) -> Iterator[Violation]:
    """A pinned household departs on its pinned day, in its pinned convoy when one is named."""
    for decision in facts.plan.pins:
        household = decision.household_id
        subject = f"household {household}"
        wanted = f"{decision.day}" + (f" in convoy {decision.convoy_id}"
                                      if decision.convoy_id is not None else "")
        if household not in facts.known_households:
            yield Violation("pin", subject, f"household {household} is pinned to {wanted} but "
                            "is not in the registry")
            continue
        convoys = sorted(facts.convoys_of(household))
        if not convoys:
            yield Violation("pin", subject, f"household {household} is pinned to {wanted} but "
                            "is in no convoy")
        for index in convoys:
            convoy = facts.convoys[index].convoy
            if convoy.day != decision.day or (decision.convoy_id is not None
                                              and convoy.convoy_id != decision.convoy_id):
                yield Violation("pin", subject, f"household {household} is pinned to {wanted} "
                                f"but travels in {_convoy(convoy)} on {convoy.day}")


# Keyed by code, so that a rule in the doc without a function (or the reverse) is caught.
CHECKS: dict[str, Rule] = {
    "metadata": metadata,
    "coverage": coverage,
    "category": category,
    "household_split": household_split,
    "companion": companion,
    "linked": linked,
    "seats": seats,
    "stretchers": stretchers,
    "hold": hold,
    "luggage": luggage,
    "vehicle": vehicle,
    "availability": availability,
    "circulation": circulation,
    "convoy_size": convoy_size,
    "ambulances": ambulances,
    "departure_window": departure_window,
    "convoys_per_day": convoys_per_day,
    "checkpoint": checkpoint,
    "reception": reception,
    "window": window,
    "phase": phase,
    "quota": quota,
    "destination": destination,
    "eligibility": eligibility,
    "pin": pin,
}
