"""Small operations with a hand-made valid plan that once beat a "proven" bound (a review's
counterexamples, 2026-11-27): every bound now stays at or below the witness, and the rules count
time in whole minutes for the planner and the checker alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time

import pytest

from corridor.checker import check_plan
from corridor.domain import (
    BoundKind,
    Convoy,
    FleetEntry,
    InvalidValue,
    ManifestLine,
    Operation,
    Person,
    Plan,
    Scenario,
    VehicleKind,
    VehicleTrip,
)
from corridor.planner import make_plan
from corridor.planner.bounds import day_bounds, trip_bounds
from corridor.planner.problem import build_problem
from tests import builders

DAY = date(2017, 3, 18)
BUS, AMBULANCE = VehicleKind.BUS, VehicleKind.AMBULANCE


def _idlib_only(reception: int = 800, travel: float = 12.0, **changes: object) -> Operation:
    base = builders.operation()
    destinations = tuple(replace(d, reception_capacity_per_day=reception, travel_hours=travel)
                         for d in base.destinations if d.site_id == "idlib")
    return replace(base, agreement=replace(base.agreement, phases=(), destinations=("idlib",)),
                   destinations=destinations, **changes)  # type: ignore[arg-type]


def _alone(count: int, luggage: int = 0) -> tuple[tuple[str, ...], list[Person]]:
    """``count`` households of one person each, going to Idlib."""
    ids = tuple(f"H{i:03d}" for i in range(count))
    return ids, [builders.person(f"{h}P0", h, luggage_pieces=luggage) for h in ids]


def _scenario(operation: Operation, ids: tuple[str, ...], persons: list[Person]) -> Scenario:
    households = tuple(builders.household(h, destination_preference="idlib") for h in ids)
    return Scenario(operation, households, tuple(persons))


def _line(household_id: str, count: int = 1, luggage: int = 0) -> ManifestLine:
    return ManifestLine(household_id, tuple(f"{household_id}P{i}" for i in range(count)), (),
                        luggage)


def _trip(vehicle_id: str, kind: VehicleKind, *lines: ManifestLine) -> VehicleTrip:
    return VehicleTrip(vehicle_id, kind, lines)


def _witness(operation: Operation, *convoys: Convoy, split: tuple[str, ...] = ()) -> Plan:
    return Plan(operation.operation_id, operation.agreement.version, 0, convoys, (), (), 1,
                False, "witness", (), split)


def _convoy(name: str, at: time, *trips: VehicleTrip) -> Convoy:
    return Convoy(name, DAY, datetime.combine(DAY, at), "idlib", trips)


def _small_convoys() -> tuple[Scenario, Plan]:
    """Convoys of two vehicles at most: 93 people alone, in a bus and an ambulance twice (4
    trips). The bound once counted the buses first and then added the ambulances the convoys
    force, whose seats it never used (5)."""
    operation = _idlib_only(
        fleet=(FleetEntry("BUS", BUS, 3, seats=45, luggage_capacity=90),
               FleetEntry("AMB", AMBULANCE, 2, seats=2, stretchers=1)),
        convoy_rules=replace(builders.operation().convoy_rules, max_vehicles_per_convoy=2,
                             max_convoys_per_day=2, min_ambulances_per_convoy=1))
    ids, persons = _alone(93)
    first = _convoy("c1", time(8), _trip("BUS-001", BUS, *map(_line, ids[:45])),
                    _trip("AMB-001", AMBULANCE, *map(_line, ids[45:47])))
    second = _convoy("c2", time(9), _trip("BUS-002", BUS, *map(_line, ids[47:92])),
                     _trip("AMB-002", AMBULANCE, _line(ids[92])))
    return _scenario(operation, ids, persons), _witness(operation, first, second)


def _large_ambulance_holds() -> tuple[Scenario, Plan]:
    """Buses of 4 seats and no hold, ambulances of 4 seats and a hold of 80: two families of 4
    with 80 pieces each ride two ambulances (2 trips); the bound once said 3."""
    operation = _idlib_only(fleet=(FleetEntry("BUS", BUS, 2, seats=4),
                                   FleetEntry("AMB", AMBULANCE, 2, seats=4, stretchers=1,
                                              luggage_capacity=80)))
    persons = [builders.person(f"{h}P{i}", h, luggage_pieces=20) for h in ("H1", "H2")
               for i in range(4)]
    convoy = _convoy("c1", time(8), _trip("AMB-001", AMBULANCE, _line("H1", 4, 80)),
                     _trip("AMB-002", AMBULANCE, _line("H2", 4, 80)))
    return _scenario(operation, ("H1", "H2"), persons), _witness(operation, convoy)


def _luggage_in_an_ambulance_hold() -> tuple[Scenario, Plan]:
    """A household of 44 with 90 pieces fills a bus and its hold; a traveller alone rides the
    compulsory ambulance with their piece in its hold of 10: 2 trips, no truck. The bound once
    left the ambulances' holds out and sent that piece to a truck: 3."""
    operation = _idlib_only(fleet=(
        FleetEntry("BUS", BUS, 1, seats=45, luggage_capacity=90),
        FleetEntry("AMB", AMBULANCE, 1, seats=2, stretchers=1, luggage_capacity=10),
        FleetEntry("TRK", VehicleKind.LUGGAGE_TRUCK, 1, seats=0, luggage_capacity=300)))
    persons = [builders.person(f"H1P{i}", "H1", luggage_pieces=4 if i == 0 else 2)
               for i in range(44)]
    persons.append(builders.person("H2P0", "H2", luggage_pieces=1))
    convoy = _convoy("c1", time(8), _trip("BUS-001", BUS, _line("H1", 44, 90)),
                     _trip("AMB-001", AMBULANCE, _line("H2", 1, 1)))
    return _scenario(operation, ("H1", "H2"), persons), _witness(operation, convoy)


def _ambulances_for_buses() -> tuple[Scenario, Plan]:
    """One bus and 30 ambulances: 100 people alone leave on one day, 45 in the bus and 55 in
    28 ambulances. "Fleet of buses" once took the bus trips of the fewest ambulances (3) as
    trips the one bus must make: 4 days."""
    operation = _idlib_only(fleet=(FleetEntry("BUS", BUS, 1, seats=45, luggage_capacity=90),
                                   FleetEntry("AMB", AMBULANCE, 30, seats=2, stretchers=1)))
    ids, persons = _alone(100)
    ambulances = [_trip(f"AMB-{a + 1:03d}", AMBULANCE, *map(_line, ids[45 + 2 * a:47 + 2 * a]))
                  for a in range(28)]
    convoy = _convoy("c1", time(8, 30), _trip("BUS-001", BUS, *map(_line, ids[:45])),
                     *ambulances)
    return _scenario(operation, ids, persons), _witness(operation, convoy)


def _luggage_fills_the_buses() -> tuple[Scenario, Plan]:
    """No trucks, holds of 20: 10 people alone with 20 pieces each need a bus each (11 trips
    with the ambulance); the arrival-day bound once allowed a day no more buses than its
    reception's seats need (1) and said 20."""
    operation = _idlib_only(reception=10,
                            fleet=(FleetEntry("BUS", BUS, 10, seats=45, luggage_capacity=20),
                                   FleetEntry("AMB", AMBULANCE, 1, seats=2, stretchers=1)))
    ids, persons = _alone(10, luggage=20)
    buses = [_trip(f"BUS-{i + 1:03d}", BUS, _line(h, 1, 20)) for i, h in enumerate(ids)]
    convoy = _convoy("c1", time(8), *buses, _trip("AMB-001", AMBULANCE))
    return _scenario(operation, ids, persons), _witness(operation, convoy)


def _split_household() -> tuple[Scenario, Plan]:
    """Households of 46, 24, 24 and 24 in buses of 45: the 46 split 21 + 21 + 4 beside the
    others fill 3 buses (4 trips); the bound once cut the 46 into 45 + 1 and said 5."""
    operation = _idlib_only(fleet=(FleetEntry("BUS", BUS, 4, seats=45, luggage_capacity=90),
                                   FleetEntry("AMB", AMBULANCE, 1, seats=2, stretchers=1)))
    sizes = {"HA": 46, "HB": 24, "HC": 24, "HD": 24}
    persons = [builders.person(f"{h}P{i}", h, luggage_pieces=0) for h, n in sizes.items()
               for i in range(n)]
    big = [f"HAP{i}" for i in range(46)]
    convoy = _convoy(
        "c1", time(8),
        _trip("BUS-001", BUS, _line("HB", 24), ManifestLine("HA", tuple(big[:21]))),
        _trip("BUS-002", BUS, _line("HC", 24), ManifestLine("HA", tuple(big[21:42]))),
        _trip("BUS-003", BUS, _line("HD", 24), ManifestLine("HA", tuple(big[42:]))),
        _trip("AMB-001", AMBULANCE))
    return _scenario(operation, tuple(sizes), persons), _witness(operation, convoy,
                                                                 split=("HA",))


def _exact_checkpoint() -> tuple[Scenario, Plan]:
    """One lane of 21 people an hour clears 126 people from 06:00 to 12:00 (0.35 a minute x
    360 minutes, which floating point makes 125.99999999999999); "checkpoint people" once
    said 2 days."""
    operation = _idlib_only(
        travel=6.0,
        checkpoint=builders.checkpoint(lanes=1, people_per_hour_per_lane=21, closes=time(12)),
        fleet=(FleetEntry("BUS", BUS, 1, seats=130, luggage_capacity=90),
               FleetEntry("AMB", AMBULANCE, 1, seats=2, stretchers=1)))
    ids, persons = _alone(126)
    convoy = _convoy("c1", time(12), _trip("BUS-001", BUS, *map(_line, ids)),
                     _trip("AMB-001", AMBULANCE))
    return _scenario(operation, ids, persons), _witness(operation, convoy)


@pytest.mark.parametrize("case", [_small_convoys, _large_ambulance_holds,
                                  _luggage_in_an_ambulance_hold, _ambulances_for_buses,
                                  _luggage_fills_the_buses, _split_household,
                                  _exact_checkpoint])
def test_no_bound_beats_a_valid_plan(case: Callable[[], tuple[Scenario, Plan]]) -> None:
    scenario, witness = case()
    assert check_plan(scenario, witness) == [], "the witness itself must be valid"
    problem = build_problem(scenario)
    trips = trip_bounds(problem)
    for bound in (*trips.bounds, *day_bounds(problem, trips)):
        limit = witness.trips if bound.kind is BoundKind.TRIPS else witness.days
        assert bound.value <= limit, bound


def test_times_with_seconds_are_refused_with_the_field_named() -> None:
    """Departure and checkpoint times are whole minutes: the rules count minutes."""
    rules = builders.operation().convoy_rules
    with pytest.raises(InvalidValue, match="06:00:59 must be a whole minute") as raised:
        replace(rules, departure_latest=time(6, 0, 59))
    assert raised.value.field == "departure_latest"
    with pytest.raises(InvalidValue, match="whole minute") as raised:
        builders.checkpoint(opens=time(5, 59, 30))
    assert raised.value.field == "opens"


def test_travel_counts_in_whole_minutes_for_planner_and_checker_alike() -> None:
    """17.995 hours is 1,080 minutes: a convoy leaving at 06:00 arrives at midnight, the next
    day, for the planner, its bounds and the checker (the planner's plan once said 1 day and
    the checker, counting 17 h 59 min 42 s, 2)."""
    operation = _idlib_only(travel=17.995, checkpoint=builders.checkpoint(opens=time(5)),
                            fleet=(FleetEntry("BUS", BUS, 1, seats=45, luggage_capacity=90),
                                   FleetEntry("AMB", AMBULANCE, 1, seats=2, stretchers=1)))
    assert operation.destinations[0].travel_minutes == 1_080
    ids, persons = _alone(1)
    scenario = _scenario(operation, ids, persons)
    plan = make_plan(scenario).plan
    assert check_plan(scenario, plan) == []
    convoy = plan.convoys[0]
    arrival = convoy.departure + operation.destinations[0].travel
    assert plan.days == (arrival.date() - DAY).days + 1
    best = plan.best_bound(BoundKind.DAYS)
    assert best is not None and best.value <= plan.days
