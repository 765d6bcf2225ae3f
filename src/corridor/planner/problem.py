"""The planning problem: a scenario reduced to what the planner needs, counted not enumerated.

Households that must travel together (linked households) form a travel group. Each group has one
destination, a priority class, and its people, stretcher cases and luggage. Times are minutes
from midnight; days are indexes from the window's first day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from enum import IntEnum

from corridor.domain import (
    Category,
    Household,
    Intent,
    Operation,
    Person,
    Pin,
    PriorityWeights,
    Scenario,
    Unplanned,
    UnplannedReason,
    Vehicle,
    VehicleKind,
)

MINUTES_A_DAY = 24 * 60


class Priority(IntEnum):
    """Who goes first: medical emergencies, then other vulnerable people, then the rest."""

    MEDICAL = 0
    VULNERABLE = 1
    OTHER = 2

    def weight(self, weights: PriorityWeights) -> float:
        """The scenario's weight of this class."""
        return (weights.medical_emergency, weights.vulnerable, weights.other)[self]


@dataclass(frozen=True, slots=True)
class Traveller:
    """One household's people who leave: seated persons, stretcher cases, luggage."""

    household_id: str
    persons: tuple[str, ...]
    on_stretcher: tuple[str, ...]
    luggage_pieces: int

    @property
    def size(self) -> int:
        """People who leave."""
        return len(self.persons)


@dataclass(frozen=True, slots=True)
class Group:
    """Households that must travel in one convoy, bound for one destination."""

    group_id: int
    destination: str
    priority: Priority
    households: tuple[Traveller, ...]
    pinned_day: int | None = None
    chosen_by_planner: bool = False
    # Totals counted once: the manifests ask for them for every household they look at.
    people: int = field(init=False, compare=False)
    """People who leave in this group."""
    stretcher_cases: int = field(init=False, compare=False)
    """People of the group on stretchers."""
    luggage_pieces: int = field(init=False, compare=False)
    """Pieces of luggage of the group."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "people", sum(len(h.persons) for h in self.households))
        object.__setattr__(self, "stretcher_cases",
                           sum(len(h.on_stretcher) for h in self.households))
        object.__setattr__(self, "luggage_pieces",
                           sum(h.luggage_pieces for h in self.households))


@dataclass(frozen=True, slots=True)
class Lane:
    """When convoys to one destination may leave so that they all arrive on the same day.

    Reception is counted by calendar day of arrival; departures between ``earliest`` and
    ``latest`` (minutes from midnight) arrive ``arrival_offset`` days after their departure day.
    """

    destination: str
    name: str
    travel_minutes: int
    earliest: int
    latest: int
    arrival_offset: int
    reception_per_day: int
    round_trip_days: int


@dataclass(frozen=True, slots=True)
class FleetKind:
    """The vehicles of one kind, with the smallest capacity the planner counts on."""

    kind: VehicleKind
    vehicles: tuple[Vehicle, ...]
    seats: int
    stretchers: int
    luggage_capacity: int
    available_per_day: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything the planner needs, derived once from a scenario."""

    operation: Operation
    start: date
    window_days: int
    groups: tuple[Group, ...]
    unplanned: tuple[Unplanned, ...]
    lanes: tuple[Lane, ...]
    buses: FleetKind
    ambulances: FleetKind
    trucks: FleetKind
    opens: int
    closes: int
    people_per_minute: float
    vehicles_per_minute: float
    phase_of_day: tuple[int | None, ...]
    phase_quotas: tuple[int | None, ...]
    phase_destinations: tuple[frozenset[str], ...]
    split_households: tuple[str, ...]
    early_lanes: tuple[Lane, ...] = ()
    """Second lanes: for a destination whose lane is not its earliest arrival day (its
    reception a day is more than the checkpoint clears by then), the departure times that
    arrive a day earlier, for convoys that carry part of a day's reception (see
    ``early_lanes_of``)."""

    def day(self, index: int) -> date:
        """The date of a day index."""
        return self.start + timedelta(days=index)

    def lane(self, destination: str) -> Lane:
        """The lane of a destination."""
        for lane in self.lanes:
            if lane.destination == destination:
                return lane
        raise KeyError(destination)

    def lane_at(self, destination: str, departure: int) -> Lane:
        """The lane of a convoy to ``destination`` leaving at ``departure`` (minutes from
        midnight): the early lane when it has one and the convoy leaves within it."""
        for lane in self.early_lanes:
            if lane.destination == destination and departure <= lane.latest:
                return lane
        return self.lane(destination)

    def cleared(self, minutes_open: int, vehicles: bool = False) -> int:
        """People (or vehicles) the checkpoint clears in ``minutes_open``, whole, in exact
        integer arithmetic (21 an hour for 360 minutes is 126, where the rate a minute in
        floating point makes 125.99999999999999)."""
        checkpoint = self.operation.checkpoint
        per_hour = checkpoint.vehicles_per_hour_per_lane if vehicles else \
            checkpoint.people_per_hour_per_lane
        return checkpoint.lanes * per_hour * max(0, minutes_open) // 60

    @property
    def people(self) -> int:
        """People to plan."""
        return sum(group.people for group in self.groups)


def minutes(moment: time) -> int:
    """Minutes from midnight."""
    return moment.hour * 60 + moment.minute


def _lane(operation: Operation, destination_id: str, earliest: int, latest: int,
          return_earliest: int, widest: bool = False, soonest: bool = False) -> Lane:
    """The departure times of one arrival day for a destination.

    The earliest arrival day whose departure times let the checkpoint clear a full day's
    reception there (its people, and its vehicles: whole buses of the smallest, the compulsory
    ambulances and a luggage truck) before the last of them; when none does, or with
    ``widest``, the widest window; with ``soonest``, the earliest arrival day whatever the
    checkpoint clears by then. (Jarablus, 16 hours away: leaving 06:00 to 07:59 arrives the
    same day, 08:00 to 14:00 the next; a day earlier for the whole plan when its reception is
    what holds the plan back.)
    """
    destination = operation.destination(destination_id)
    travel = destination.travel_minutes
    checkpoint = operation.checkpoint
    opens = minutes(checkpoint.opens)
    reception = destination.reception_capacity_per_day
    seats = min((v.seats for v in operation.vehicles() if v.kind is VehicleKind.BUS), default=0)
    vehicles = (-(-reception // seats) if seats else 0) + \
        operation.convoy_rules.min_ambulances_per_convoy + 1
    best: tuple[int, int, int] | None = None
    for offset in range((earliest + travel) // MINUTES_A_DAY,
                        (latest + travel) // MINUTES_A_DAY + 1):
        low = max(earliest, offset * MINUTES_A_DAY - travel)
        high = min(latest, (offset + 1) * MINUTES_A_DAY - travel - 1)
        if high < low:
            continue
        hours = (high - opens) / 60
        if soonest:
            best = (low, high, offset)
            break
        if not widest and \
                hours * checkpoint.lanes * checkpoint.people_per_hour_per_lane >= reception and \
                hours * checkpoint.lanes * checkpoint.vehicles_per_hour_per_lane >= vehicles:
            best = (low, high, offset)
            break
        if best is None or high - low > best[1] - best[0]:
            best = (low, high, offset)
    assert best is not None  # the departure window is not empty, so some offset fits
    low, high, offset = best
    rest = operation.convoy_rules.rest_minutes
    # The latest departure here, then the earliest departure anywhere: the longest wait.
    cycle = 2 * travel + rest + high - return_earliest
    round_trip_days = max(1, -(-cycle // MINUTES_A_DAY))
    return Lane(destination_id, destination.name, travel, low, high, offset,
                destination.reception_capacity_per_day, round_trip_days)


def _fleet_kind(operation: Operation, kind: VehicleKind, start: date, days: int) -> FleetKind:
    vehicles = tuple(vehicle for vehicle in operation.vehicles() if vehicle.kind is kind)
    available = tuple(sum(vehicle.available_on(start + timedelta(days=day))
                          for vehicle in vehicles) for day in range(days))
    if not vehicles:
        return FleetKind(kind, (), 0, 0, 0, available)
    return FleetKind(kind, vehicles, min(v.seats for v in vehicles),
                     min(v.stretchers for v in vehicles),
                     min(v.luggage_capacity for v in vehicles), available)


def _priority(persons: Iterable[Person]) -> Priority:
    best = Priority.OTHER
    for person in persons:
        if person.needs_stretcher or "medical_emergency" in person.vulnerabilities:
            return Priority.MEDICAL
        if person.vulnerabilities:
            best = Priority.VULNERABLE
    return best


class _Links:
    """Union-find over household ids: linked households end in one travel group."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        root = item
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while item != root:  # path compression keeps later look-ups short
            self.parent[item], item = root, self.parent.get(item, item)
        return root

    def union(self, first: str, second: str) -> None:
        a, b = self.find(first), self.find(second)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def early_lanes_of(operation: Operation, lanes: tuple[Lane, ...]) -> tuple[Lane, ...]:
    """For each lane that does not arrive on the earliest day its destination can be reached
    (its reception a day is more than the checkpoint clears before the last departure that
    arrives then), the departure times that do: a convoy there carries part of a day's
    reception a day earlier. (At 100,000 people Jarablus receives 1,100 a day, its lane leaves
    08:00 to 14:00 and arrives the next day; a convoy leaving 06:10 to 07:59 arrives the same
    day, so the first day after a quota, whose arrivals no convoy of the day before can fill,
    can receive people there too.)"""
    earliest, latest = _departure_window(operation)
    early = (_lane(operation, lane.destination, earliest, latest, earliest, soonest=True)
             for lane in lanes)
    return tuple(soon for soon, lane in zip(early, lanes, strict=True)
                 if soon.arrival_offset < lane.arrival_offset)


def _departure_window(operation: Operation) -> tuple[int, int]:
    """The earliest and latest departure of a day (minutes), no later than the checkpoint
    closes."""
    rules = operation.convoy_rules
    return (minutes(rules.departure_earliest),
            min(minutes(rules.departure_latest), minutes(operation.checkpoint.closes)))


def lanes_of(operation: Operation, widest: bool = False) -> tuple[Lane, ...]:
    """Each destination's lane (see ``_lane``), in the agreement's order."""
    earliest, latest = _departure_window(operation)
    return tuple(_lane(operation, d, earliest, latest, earliest, widest)
                 for d in operation.agreement.destinations)


def build_problem(scenario: Scenario, pins: tuple[Pin, ...] = (),
                  widest_lanes: bool = False) -> Problem:
    """Reduce a scenario to the planning problem (groups, lanes, fleet, checkpoint, phases).

    Each destination's lane is the earliest arrival day a day's reception can make, or with
    ``widest_lanes`` the widest window of departure times (see ``_lane``).
    """
    operation = scenario.operation
    agreement = operation.agreement
    start, window_days = agreement.window.start, agreement.window.days
    may_leave = agreement.terms.may_leave
    members: dict[str, list[Person]] = defaultdict(list)
    for person in scenario.persons:
        members[person.household_id].append(person)
    links = _Links()
    for household in scenario.households:
        if household.linked_to is not None:
            links.union(household.household_id, household.linked_to)
    # Households pinned to one convoy travel together, as linked households do.
    first_of_convoy: dict[str, str] = {}
    for pin in pins:
        if pin.convoy_id is not None:
            links.union(first_of_convoy.setdefault(pin.convoy_id, pin.household_id),
                        pin.household_id)
    pinned = {pin.household_id: (pin.day - start).days for pin in pins}
    unplanned: list[Unplanned] = []
    travellers: dict[str, list[tuple[Household, Traveller, list[Person]]]] = defaultdict(list)
    accepts = {site.site_id: site.accepts_combatants for site in operation.destinations}
    for household in scenario.households:
        people = members[household.household_id]
        leaving = [p for p in people if p.intent is Intent.LEAVE and p.category in may_leave]
        undecided = [p for p in people if p.intent is Intent.UNDECIDED]
        if not leaving:
            if undecided:
                unplanned.append(Unplanned(household.household_id, len(undecided),
                                           UnplannedReason.UNDECIDED,
                                           f"{len(undecided)} undecided: ask again before the "
                                           "next plan"))
            continue
        traveller = Traveller(household.household_id, tuple(p.person_id for p in leaving),
                              tuple(p.person_id for p in leaving if p.needs_stretcher),
                              sum(p.luggage_pieces for p in leaving))
        travellers[links.find(household.household_id)].append((household, traveller, leaving))
    groups: list[Group] = []
    eligible = list(agreement.destinations)
    flexible: dict[int, list[str]] = {}
    for root in sorted(travellers, key=lambda r: min(h.household_id for h, _, _ in
                                                        travellers[r])):
        entries = travellers[root]
        preferences = {h.destination_preference for h, _, _ in entries
                       if h.destination_preference is not None}
        combatants = any(p.category is Category.COMBATANT for _, _, ps in entries for p in ps)
        ids = ", ".join(h.household_id for h, _, _ in entries)
        if len(preferences) > 1:
            for household, traveller, _ in entries:
                unplanned.append(Unplanned(household.household_id, traveller.size,
                                           UnplannedReason.NOT_ELIGIBLE,
                                           f"linked households {ids} prefer different "
                                           f"destinations ({', '.join(sorted(preferences))})"))
            continue
        options: list[str] = sorted(preferences) or [d for d in eligible
                                           if accepts[d] or not combatants]
        destination = options[0] if options else None
        if not preferences and len(options) > 1:
            flexible[len(groups)] = options
        if destination is None or (combatants and not accepts[destination]):
            for household, traveller, _ in entries:
                unplanned.append(Unplanned(household.household_id, traveller.size,
                                           UnplannedReason.NOT_ELIGIBLE,
                                           "combatants travel with the household and no "
                                           "wanted destination accepts combatants"))
            continue
        pinned_days = {pinned[h.household_id] for h, _, _ in entries if h.household_id in pinned}
        groups.append(Group(len(groups), destination,
                            _priority(p for _, _, ps in entries for p in ps),
                            tuple(t for _, t, _ in entries),
                            min(pinned_days) if pinned_days else None))
    opens, closes = minutes(operation.checkpoint.opens), minutes(operation.checkpoint.closes)
    lanes = lanes_of(operation, widest_lanes)
    _spread_open_choices(groups, flexible, lanes)
    checkpoint = operation.checkpoint
    phase_of_day: list[int | None] = []
    for index in range(window_days):
        day = start + timedelta(days=index)
        phase_of_day.append(next((n for n, phase in enumerate(agreement.phases)
                                  if day in phase.dates), None))
    buses = _fleet_kind(operation, VehicleKind.BUS, start, window_days)
    largest_bus = max((v.seats for v in buses.vehicles), default=0)
    split = tuple(t.household_id for g in groups for t in g.households
                  if t.size - len(t.on_stretcher) > largest_bus)
    return Problem(
        operation=operation, start=start, window_days=window_days, groups=tuple(groups),
        unplanned=tuple(sorted(unplanned, key=lambda u: u.household_id)), lanes=lanes,
        buses=buses,
        ambulances=_fleet_kind(operation, VehicleKind.AMBULANCE, start, window_days),
        trucks=_fleet_kind(operation, VehicleKind.LUGGAGE_TRUCK, start, window_days),
        opens=opens, closes=closes,
        people_per_minute=checkpoint.lanes * checkpoint.people_per_hour_per_lane / 60,
        vehicles_per_minute=checkpoint.lanes * checkpoint.vehicles_per_hour_per_lane / 60,
        phase_of_day=tuple(phase_of_day),
        phase_quotas=tuple(phase.quota for phase in agreement.phases),
        phase_destinations=tuple(frozenset(phase.destinations or agreement.destinations)
                                 for phase in agreement.phases),
        split_households=split,
        early_lanes=() if widest_lanes else early_lanes_of(operation, lanes),
    )


def _spread_open_choices(groups: list[Group], flexible: dict[int, list[str]],
                         lanes: tuple[Lane, ...]) -> None:
    """Send groups without a preference where reception has the most room for them.

    In group order, each goes to the eligible destination whose people so far, with this group,
    are the smallest share of its reception capacity a day; the same scenario always gives the
    same choice.
    """
    capacity = {lane.destination: lane.reception_per_day for lane in lanes}
    load: dict[str, int] = defaultdict(int)
    for index, group in enumerate(groups):
        if index not in flexible:
            load[group.destination] += group.people
    for index, options in flexible.items():
        group = groups[index]
        best = min(options, key=lambda d: ((load[d] + group.people) / capacity[d], d))
        load[best] += group.people
        groups[index] = replace(group, destination=best, chosen_by_planner=True)
