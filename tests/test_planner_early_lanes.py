"""Early lanes: a destination whose day of reception is more than the checkpoint clears before
the last departure that arrives the same day leaves 08:00 to 14:00 and arrives the next day;
some convoys may still leave early and arrive the same day, when that shortens the plan."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.checker import check_plan
from corridor.domain import (
    Coordinates,
    DateRange,
    Destination,
    FleetEntry,
    Phase,
    Pin,
    Plan,
    Scenario,
    VehicleKind,
    Vulnerability,
)
from corridor.planner import make_plan
from corridor.planner.problem import build_problem
from tests import builders

START = date(2017, 3, 18)


def _scenario(households: int, quota: int | None, reception: int, size: int = 5,
              people_an_hour: int = 50) -> Scenario:
    """Households of ``size`` for Jarablus (16 hours away), a first phase of two days with a
    quota, a checkpoint of ``people_an_hour`` from 06:00: by 07:59 (the last departure that
    arrives the same day) it clears fewer than the day's reception, so the lane is the late
    one. Without a quota, no phases."""
    operation = builders.operation()
    agreement = replace(
        operation.agreement, destinations=("jarablus",),
        window=DateRange(START, START + timedelta(days=13)),
        phases=(Phase("first", DateRange(START, START + timedelta(days=1)), quota,
                      ("jarablus",)),
                Phase("second", DateRange(START + timedelta(days=2),
                                          START + timedelta(days=13))))
        if quota is not None else ())
    jarablus = replace(operation.destinations[0], reception_capacity_per_day=reception)
    operation = replace(
        operation, agreement=agreement, destinations=(jarablus,),
        checkpoint=replace(operation.checkpoint, lanes=1,
                           people_per_hour_per_lane=people_an_hour,
                           vehicles_per_hour_per_lane=30),
        fleet=(FleetEntry("BUS", VehicleKind.BUS, 60, seats=10, luggage_capacity=20),
               FleetEntry("AMB", VehicleKind.AMBULANCE, 20, seats=2, stretchers=1)),
        convoy_rules=replace(operation.convoy_rules, max_convoys_per_day=3))
    found = [builders.household(f"H{n:03d}") for n in range(households)]
    persons = [builders.person(f"P{n:03d}-{m}", f"H{n:03d}", luggage_pieces=1)
               for n in range(households) for m in range(size)]
    return Scenario(operation, tuple(found), tuple(persons))


def _early(plan: Plan) -> list[str]:
    """Convoys that leave before 08:00 (and so arrive in Jarablus the same day)."""
    return [convoy.convoy_id for convoy in plan.convoys if convoy.departure.time() < time(8)]


def test_the_first_day_after_a_quota_gets_an_early_convoy_and_saves_a_day() -> None:
    """690 people, 200 in the first phase, 200 a day: with the late lane only, the 490 after
    the quota need three days of arrival from the day after the phase (6 days); a convoy that
    leaves before 08:00 on the phase's first day fills that day's reception with the 95 the
    checkpoint clears by then (5 days)."""
    scenario = _scenario(households=138, quota=200, reception=200)
    problem = build_problem(scenario, (), False)
    assert problem.lane("jarablus").arrival_offset == 1
    assert [lane.arrival_offset for lane in problem.early_lanes] == [0]
    plan = make_plan(scenario, seed=1).plan
    assert check_plan(scenario, plan) == []
    late_only = make_plan(scenario, seed=1, widest_lanes=True).plan
    assert check_plan(scenario, late_only) == []
    assert late_only.days == 6 and not _early(late_only)
    assert plan.days == 5
    early = [convoy for convoy in plan.convoys if convoy.convoy_id in _early(plan)]
    assert [convoy.day for convoy in early if convoy.day >= START + timedelta(days=2)] == \
        [START + timedelta(days=2)]


def test_no_early_convoy_when_it_saves_nothing() -> None:
    """Without a quota the late lane's days suffice: the plan takes none of the early lane's
    convoys (each would take a convoy's ambulances for part of a day's reception)."""
    scenario = _scenario(households=120, quota=None, reception=200)
    plan = make_plan(scenario, seed=1).plan
    assert check_plan(scenario, plan) == []
    assert not _early(plan)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(households=st.integers(20, 160), quota=st.none() | st.integers(1, 300),
       reception=st.integers(110, 400), size=st.integers(1, 8),
       people_an_hour=st.integers(30, 54))
def test_plans_with_early_lanes_pass_the_checker(households: int, quota: int | None,
                                                 reception: int, size: int,
                                                 people_an_hour: int) -> None:
    """Property: whatever the quota, reception and checkpoint, a plan that may use the early
    lane passes the checker (reception counted by day of arrival, the checkpoint, the fleet's
    round trips), is never longer than the plan with the late lane only, and leaves nobody."""
    scenario = _scenario(households, quota, reception, size, people_an_hour)
    plan = make_plan(scenario, seed=2).plan
    assert check_plan(scenario, plan) == []
    assert not [u for u in plan.unplanned if u.reason == "infeasible"]
    late_only = make_plan(scenario, seed=2, widest_lanes=True).plan
    assert plan.days <= late_only.days


def _random_scenario(seed: int) -> tuple[Scenario, tuple[Pin, ...]]:
    """A small random operation whose far destinations have early lanes: Jarablus (16 h), maybe
    Raqqa (16.5 or 17 h) and Idlib (12 h); a first phase with a quota or none; a slow or fast
    checkpoint; buses of 10, 20 or 45 seats, some unavailable on a day; 1 to 4 convoys a day;
    0 to 2 compulsory ambulances; trucks or none; stretcher cases; pins or none."""
    rng = random.Random(seed)
    window = rng.randint(8, 16)
    destinations = [Destination("jarablus", "Jarablus", "SY1", Coordinates(36.8, 38.0),
                                travel_hours=16.0,
                                reception_capacity_per_day=rng.randint(60, 400))]
    if rng.random() < 0.5:
        destinations.append(Destination("raqqa", "Raqqa", "SY2", Coordinates(35.9, 39.0),
                                        travel_hours=rng.choice([16.5, 17.0]),
                                        reception_capacity_per_day=rng.randint(60, 400)))
    if rng.random() < 0.6:
        destinations.append(Destination("idlib", "Idlib", "SY3", Coordinates(35.9, 36.6),
                                        travel_hours=12.0,
                                        reception_capacity_per_day=rng.randint(60, 400)))
    ids = tuple(site.site_id for site in destinations)
    phases: tuple[Phase, ...] = ()
    if rng.random() < 0.6:
        first = rng.randint(1, 4)
        chosen = tuple(rng.sample(ids, rng.randint(1, len(ids))))
        quota = rng.randint(20, 600)
        phases = (Phase("first", DateRange(START, START + timedelta(days=first - 1)), quota,
                        chosen),
                  Phase("second", DateRange(START + timedelta(days=first),
                                            START + timedelta(days=window - 1)),
                        rng.choice([None, None, rng.randint(200, 3000)])))
    operation = builders.operation()
    agreement = replace(operation.agreement, destinations=ids, phases=phases,
                        window=DateRange(START, START + timedelta(days=window - 1)))
    rate = rng.randint(25, 120)
    seats = rng.choice([10, 20, 45])
    buses, ambulances = rng.randint(3, 30), rng.randint(2, 12)
    fleet = [FleetEntry("BUS", VehicleKind.BUS, buses, seats=seats,
                        luggage_capacity=rng.choice([seats, 2 * seats])),
             FleetEntry("AMB", VehicleKind.AMBULANCE, ambulances, seats=2, stretchers=1)]
    if rng.random() < 0.5:
        fleet.append(FleetEntry("TRK", VehicleKind.LUGGAGE_TRUCK, rng.randint(1, 3), seats=0,
                                luggage_capacity=300))
    if rng.random() < 0.4:
        away = rng.randint(1, window - 2)  # some buses are away for a day
        fleet.append(FleetEntry("XB", VehicleKind.BUS, rng.randint(1, 10), seats=seats,
                                luggage_capacity=2 * seats,
                                available=(DateRange(START, START + timedelta(days=away - 1)),
                                           DateRange(START + timedelta(days=away + 1),
                                                     START + timedelta(days=window - 1)))))
    rules = replace(operation.convoy_rules, max_convoys_per_day=rng.randint(1, 4),
                    min_ambulances_per_convoy=rng.randint(0, 2),
                    rest_hours=rng.choice([4.0, 8.0]))
    operation = replace(operation, agreement=agreement, destinations=tuple(destinations),
                        checkpoint=replace(operation.checkpoint, lanes=1,
                                           people_per_hour_per_lane=rate,
                                           vehicles_per_hour_per_lane=rng.randint(10, 40)),
                        fleet=tuple(fleet), convoy_rules=rules)
    households, persons = [], []
    count = rng.randint(20, 200)
    for number in range(count):
        household_id = f"H{number:04d}"
        households.append(builders.household(household_id,
                                             destination_preference=rng.choice(ids)))
        for member in range(rng.randint(1, 8)):
            vulnerabilities: frozenset[Vulnerability] = frozenset()
            stretcher = False
            draw = rng.random()
            if draw < 0.03:
                vulnerabilities = frozenset({Vulnerability.MEDICAL_EMERGENCY})
                stretcher = rng.random() < 0.5
            elif draw < 0.1:
                vulnerabilities = frozenset({Vulnerability.ELDERLY})
            persons.append(builders.person(f"{household_id}-{member}", household_id,
                                           luggage_pieces=rng.randint(0, 3),
                                           vulnerabilities=vulnerabilities,
                                           needs_stretcher=stretcher))
    pins: tuple[Pin, ...] = ()
    if rng.random() < 0.4:
        pins = tuple(Pin(f"H{number:04d}", START + timedelta(days=rng.randint(0, window - 3)))
                     for number in rng.sample(range(count), rng.randint(1, 6)))
    return Scenario(operation, tuple(households), tuple(persons)), pins


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6))
def test_random_operations_with_early_lanes_are_planned_by_the_rules(seed: int) -> None:
    """Property: on random small operations (quotas, pins, slow checkpoints, buses away for a
    day, one to four convoys a day), every plan passes the checker, keeps the pins it names,
    and the same seed gives the same plan."""
    scenario, pins = _random_scenario(seed)
    first = make_plan(scenario, seed=1, pins=pins, drop_unmeetable_pins=True)
    assert check_plan(scenario, first.plan) == []
    assert make_plan(scenario, seed=1, pins=pins, drop_unmeetable_pins=True) == first


def test_the_only_convoy_of_a_full_day_takes_what_the_schedule_gives_it() -> None:
    """One convoy a day and a checkpoint that clears 36 people an hour: the day is full, and no
    later lane takes what is left of it. Its only convoy once took the whole checkpoint day as
    its allowance, chose 63 households, and left with the 31 people of the few that fit, so
    99 people were left behind; following the schedule leaves 53."""
    scenario, _ = _random_scenario(315)
    plan = make_plan(scenario, seed=1).plan
    assert check_plan(scenario, plan) == []
    assert scenario.operation.convoy_rules.max_convoys_per_day == 1
    assert sum(u.people for u in plan.unplanned if u.reason == "infeasible") <= 53
