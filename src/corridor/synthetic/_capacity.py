"""Aggregate capacity: what the leavers need carried, and whether an operation can carry it.

The checks are necessary conditions, counted in unit-days over the whole window (a bus seat used
for a round trip of two days is two seat-days), so they hold for any plan that exists; when one
fails, no plan can move everyone in the window. They are cheap enough to run on a million people.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from corridor.domain import (
    DateRange,
    FleetEntry,
    Intent,
    Operation,
    Scenario,
    VehicleKind,
)


@dataclass(frozen=True, slots=True)
class DestinationDemand:
    """What the leavers bound for one destination need carried."""

    people: int
    stretcher_cases: int
    luggage_pieces: int

    @property
    def seated(self) -> int:
        """People who travel on a seat: all but the stretcher cases."""
        return self.people - self.stretcher_cases


@dataclass(frozen=True, slots=True)
class Demand:
    """What the leavers of a scenario need carried, by destination preference.

    ``without_preference`` counts leavers whose household named no destination yet.
    """

    by_destination: Mapping[str, DestinationDemand]
    without_preference: DestinationDemand = DestinationDemand(0, 0, 0)

    @property
    def leaving(self) -> int:
        """Everyone who leaves."""
        return self.without_preference.people + sum(
            demand.people for demand in self.by_destination.values())


@dataclass(frozen=True, slots=True)
class CapacityCheck:
    """One aggregate capacity compared with what is needed, in the unit ``name`` says."""

    name: str
    needed: float
    available: float

    @property
    def holds(self) -> bool:
        """Whether the capacity covers the need."""
        return self.needed <= self.available

    @property
    def slack(self) -> float:
        """Available over needed (infinite when nothing is needed)."""
        return self.available / self.needed if self.needed else math.inf


@dataclass(frozen=True, slots=True)
class TripNeeds:
    """The fewest trips and convoys one destination needs, and how long a round trip takes."""

    round_trip_days: int
    bus_trips: int
    ambulance_trips: int
    convoys: int


def round_trip_days(travel_hours: float, rest_hours: float) -> int:
    """Whole days a vehicle is away: there and back plus the drivers' rest, at least one day."""
    return max(1, math.ceil((2 * travel_hours + rest_hours) / 24))


def trip_needs(demand: DestinationDemand, *, travel_hours: float, rest_hours: float,
               people_per_bus: int, stretchers_per_ambulance: int, max_vehicles_per_convoy: int,
               min_ambulances_per_convoy: int, reception_capacity_per_day: int) -> TripNeeds:
    """The trips and convoys that carrying ``demand`` to one destination takes at the least.

    Convoys are bounded twice: by the vehicles a convoy may hold once its ambulances are in, and
    by the destination, which cannot receive more than its daily capacity on the day a convoy
    arrives. Every convoy takes its minimum of ambulances, which also carry the stretcher cases.
    """
    if demand.people <= 0:
        return TripNeeds(round_trip_days(travel_hours, rest_hours), 0, 0, 0)
    bus_trips = math.ceil(demand.seated / people_per_bus)
    stretcher_trips = math.ceil(demand.stretcher_cases / stretchers_per_ambulance)
    vehicles_per_convoy = max(1, max_vehicles_per_convoy - min_ambulances_per_convoy)
    convoys = max(1, math.ceil(bus_trips / vehicles_per_convoy),
                  math.ceil(demand.people / reception_capacity_per_day))
    ambulance_trips = max(stretcher_trips, convoys * min_ambulances_per_convoy)
    return TripNeeds(round_trip_days(travel_hours, rest_hours), bus_trips, ambulance_trips,
                     convoys)


def demand_of(scenario: Scenario) -> Demand:
    """Count the leavers of ``scenario`` by destination preference, with their stretcher cases
    and luggage."""
    preference = {household.household_id: household.destination_preference
                  for household in scenario.households}
    counts: dict[str | None, list[int]] = {}
    for person in scenario.persons:
        if person.intent is not Intent.LEAVE:
            continue
        tally = counts.get(preference[person.household_id])
        if tally is None:
            tally = counts[preference[person.household_id]] = [0, 0, 0]
        tally[0] += 1
        tally[1] += person.needs_stretcher
        tally[2] += person.luggage_pieces
    by_destination = {destination: DestinationDemand(*tally)
                      for destination, tally in counts.items() if destination is not None}
    without = counts.get(None, [0, 0, 0])
    return Demand(by_destination, DestinationDemand(*without))


def _available_days(entry: FleetEntry, window: DateRange) -> int:
    """Days of the window on which a fleet entry is available."""
    if not entry.available:
        return window.days
    days = 0
    for span in entry.available:
        start: date = max(span.start, window.start)
        end: date = min(span.end, window.end)
        days += max(0, (end - start).days + 1)
    return days


def _unit_days(fleet: Iterable[FleetEntry], window: DateRange, kind: VehicleKind,
               per_vehicle: Callable[[FleetEntry], int]) -> int:
    """Seats, pieces, stretchers or vehicles (``per_vehicle``) of one kind, times their days."""
    return sum(entry.count * per_vehicle(entry) * _available_days(entry, window)
               for entry in fleet if entry.kind is kind)


def _seats(entry: FleetEntry) -> int:
    return entry.seats


def _luggage(entry: FleetEntry) -> int:
    return entry.luggage_capacity


def _stretchers(entry: FleetEntry) -> int:
    return entry.stretchers


def _one(entry: FleetEntry) -> int:
    return 1


def capacity_checks(operation: Operation, demand: Demand) -> tuple[CapacityCheck, ...]:
    """Compare what ``demand`` needs with what ``operation`` offers over its whole window.

    Checks, by name: ``checkpoint_people`` and ``checkpoint_vehicles`` (screenings in the
    window), ``reception:<destination>`` (people a destination can receive in the window) and
    ``reception_total``, ``bus_seat_days``, ``stretcher_days``, ``ambulance_days`` (ambulances
    escorting every convoy), ``luggage_piece_days`` (bus holds and trucks), ``convoys``,
    ``ambulances_per_convoy`` and, when phases have quotas, ``after_quota_phases`` (the people
    beyond the quotas through the checkpoint on the days outside those phases). Leavers without
    a destination preference are counted at the longest round trip.
    """
    agreement = operation.agreement
    window = agreement.window
    days = window.days
    rules = operation.convoy_rules
    checkpoint = operation.checkpoint
    fleet = operation.fleet
    buses = [entry for entry in fleet if entry.kind is VehicleKind.BUS]
    ambulances = [entry for entry in fleet if entry.kind is VehicleKind.AMBULANCE]
    people_per_bus = max((entry.seats for entry in buses), default=1)
    stretchers_per_ambulance = max((entry.stretchers for entry in ambulances), default=1)
    ambulance_count = sum(entry.count for entry in ambulances)
    reception = {site.site_id: site.reception_capacity_per_day
                 for site in operation.destinations}
    travel = {site.site_id: site.travel_hours for site in operation.destinations}
    loads: list[tuple[DestinationDemand, float, int]] = [
        (load, travel[destination], reception[destination])
        for destination, load in demand.by_destination.items()]
    if demand.without_preference.people:
        loads.append((demand.without_preference, max(travel.values()),
                      sum(reception.values())))

    seat_days = stretcher_days = ambulance_days = piece_days = 0
    vehicle_trips = convoys = 0
    for load, travel_hours, reception_per_day in loads:
        needs = trip_needs(load, travel_hours=travel_hours, rest_hours=rules.rest_hours,
                           people_per_bus=people_per_bus,
                           stretchers_per_ambulance=stretchers_per_ambulance,
                           max_vehicles_per_convoy=rules.max_vehicles_per_convoy,
                           min_ambulances_per_convoy=rules.min_ambulances_per_convoy,
                           reception_capacity_per_day=reception_per_day)
        seat_days += load.seated * needs.round_trip_days
        stretcher_days += load.stretcher_cases * needs.round_trip_days
        ambulance_days += needs.ambulance_trips * needs.round_trip_days
        piece_days += load.luggage_pieces * needs.round_trip_days
        vehicle_trips += needs.bus_trips + needs.ambulance_trips
        convoys += needs.convoys

    checks = [
        CapacityCheck("checkpoint_people", demand.leaving, checkpoint.people_per_day * days),
        CapacityCheck("checkpoint_vehicles", vehicle_trips, checkpoint.vehicles_per_day * days),
    ]
    checks += [CapacityCheck(f"reception:{destination}", load.people,
                             reception[destination] * days)
               for destination, load in sorted(demand.by_destination.items())]
    checks += [
        CapacityCheck("reception_total", demand.leaving, sum(reception.values()) * days),
        CapacityCheck("bus_seat_days", seat_days,
                      _unit_days(fleet, window, VehicleKind.BUS, _seats)),
        CapacityCheck("stretcher_days", stretcher_days,
                      _unit_days(fleet, window, VehicleKind.AMBULANCE, _stretchers)),
        CapacityCheck("ambulance_days", ambulance_days,
                      _unit_days(fleet, window, VehicleKind.AMBULANCE, _one)),
        CapacityCheck("luggage_piece_days", piece_days,
                      _unit_days(fleet, window, VehicleKind.BUS, _luggage)
                      + _unit_days(fleet, window, VehicleKind.LUGGAGE_TRUCK, _luggage)),
        CapacityCheck("convoys", convoys, rules.max_convoys_per_day * days),
        CapacityCheck("ambulances_per_convoy", rules.min_ambulances_per_convoy,
                      ambulance_count),
    ]
    quota_phases = [phase for phase in agreement.phases if phase.quota is not None]
    if quota_phases:
        beyond = max(0, demand.leaving - sum(phase.quota or 0 for phase in quota_phases))
        free_days = days - sum(phase.dates.days for phase in quota_phases)
        checks.append(CapacityCheck("after_quota_phases", beyond,
                                    checkpoint.people_per_day * free_days))
    return tuple(checks)
