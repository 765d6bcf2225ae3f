"""The whole-day circulation bound on days: exact on small fleets, never above a valid plan.

A vehicle (or a chain of convoys sharing the compulsory ambulances) is back for another
departure only whole days later; the bound counts those days. Each exact case has a hand-built
plan that the checker accepts and that takes exactly the bound's days, so the bound can neither
be too high (the plan would beat it) nor drop unnoticed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from corridor.checker import check_plan
from corridor.domain import (
    BoundKind,
    Convoy,
    DateRange,
    FleetEntry,
    ManifestLine,
    Phase,
    Plan,
    Scenario,
    VehicleKind,
    VehicleTrip,
    Vulnerability,
)
from corridor.planner import make_plan
from corridor.planner.bounds import day_bounds, trip_bounds, turnarounds
from corridor.planner.manifests import ambulance_caps
from corridor.planner.problem import build_problem
from tests import builders

START = date(2017, 3, 18)
CIRCULATION = "fleet circulation in whole days"


def _scenario(people: int, buses: int, ambulances: int, *, min_ambulances: int = 1,
              reception: int = 800, destination: str = "idlib",
              phases: tuple[Phase, ...] = ()) -> Scenario:
    """``people`` people alone, without luggage, all for ``destination``."""
    base = builders.operation()
    operation = replace(
        base,
        agreement=replace(base.agreement, phases=phases, destinations=(destination,)),
        destinations=tuple(replace(d, reception_capacity_per_day=reception)
                           for d in base.destinations if d.site_id == destination),
        fleet=(FleetEntry("BUS", VehicleKind.BUS, buses, seats=45, luggage_capacity=90),
               FleetEntry("AMB", VehicleKind.AMBULANCE, ambulances, seats=1, stretchers=1)),
        convoy_rules=replace(base.convoy_rules, min_ambulances_per_convoy=min_ambulances,
                             max_convoys_per_day=2))
    households = tuple(builders.household(f"H{i:03d}", destination_preference=destination)
                       for i in range(people))
    persons = tuple(builders.person(f"P{i:03d}", f"H{i:03d}", luggage_pieces=0)
                    for i in range(people))
    return Scenario(operation, households, persons)


def _witness(scenario: Scenario, convoys: list[tuple[int, int, list[str], list[str]]]) -> Plan:
    """Convoys (day, number of people, buses, ambulances) at 08:00 + number minutes, households
    in order, 45 to a bus, one more in each ambulance's seat once the buses are full."""
    operation = scenario.operation
    destination = operation.agreement.destinations[0]
    travel = operation.destination(destination).travel_hours
    made, first, last_arrival = [], 0, START
    for number, (day, count, buses, ambulances) in enumerate(convoys):
        ids = [f"H{i:03d}" for i in range(first, first + count)]
        first += count
        trips = []
        for index, bus in enumerate(buses):
            lines = tuple(ManifestLine(h, (f"P{h[1:]}",)) for h in ids[45 * index:45 * index + 45])
            trips.append(VehicleTrip(bus, VehicleKind.BUS, lines))
        rest = ids[45 * len(buses):]
        for index, ambulance in enumerate(ambulances):
            lines = tuple(ManifestLine(h, (f"P{h[1:]}",)) for h in rest[index:index + 1])
            trips.append(VehicleTrip(ambulance, VehicleKind.AMBULANCE, lines))
        moment = datetime.combine(START + timedelta(days=day), time(8, number % 60))
        made.append(Convoy(f"{moment:%Y-%m-%d}/{number + 1}", moment.date(), moment,
                           destination, tuple(trips)))
        last_arrival = max(last_arrival, (moment + timedelta(hours=travel)).date())
    return Plan(operation.operation_id, operation.agreement.version, 0, tuple(made), (), (),
                (last_arrival - START).days + 1, False, "witness")


def _bounds(scenario: Scenario) -> dict[str, int]:
    problem = build_problem(scenario)
    return {bound.name: bound.value for bound in day_bounds(problem, trip_bounds(problem))}


def test_a_lone_bus_is_back_every_other_day_and_the_bound_is_exact() -> None:
    """135 people, one bus of 45 to Idlib (12 h away, 8 h rest: a 32 h round trip). The first
    convoy clears the checkpoint at 06:10 at the earliest (two vehicles at twelve an hour) and
    the last leaves at 14:00, so the bus leaves again two days later: days 0, 2 and 4, five
    days. The busy-time bound in minutes saw four; a plan with five exists."""
    scenario = _scenario(135, buses=1, ambulances=1)
    witness = _witness(scenario, [(0, 45, ["BUS-001"], ["AMB-001"]),
                                  (2, 45, ["BUS-001"], ["AMB-001"]),
                                  (4, 45, ["BUS-001"], ["AMB-001"])])
    assert check_plan(scenario, witness) == [], "the witness itself must be valid"
    bounds = _bounds(scenario)
    assert bounds[CIRCULATION] == 5 == witness.days
    assert bounds["fleet of buses"] < 5
    plan = make_plan(scenario).plan
    assert check_plan(scenario, plan) == []
    assert plan.days == 5 and plan.proven_optimal_days


def test_convoys_sharing_the_compulsory_ambulances_turn_round_like_one_vehicle() -> None:
    """Three ambulances and two a convoy: never two convoys on the road at once. Reception of
    50 a day makes 100 people need two convoys, two days apart: three days, though there are
    buses enough and the ambulances' trips alone fit in two."""
    scenario = _scenario(100, buses=4, ambulances=3, min_ambulances=2, reception=50)
    witness = _witness(scenario, [(0, 50, ["BUS-001", "BUS-002"], ["AMB-001", "AMB-002"]),
                                  (2, 50, ["BUS-001", "BUS-002"], ["AMB-001", "AMB-002"])])
    assert check_plan(scenario, witness) == [], "the witness itself must be valid"
    bounds = _bounds(scenario)
    assert bounds[CIRCULATION] == 3 == witness.days
    assert max(value for name, value in bounds.items() if name != CIRCULATION) < 3
    plan = make_plan(scenario).plan
    assert check_plan(scenario, plan) == [] and plan.days >= 3


def test_a_quota_that_opens_the_window_holds_the_fleet_back() -> None:
    """The first two days let one person leave; the lone bus then carries 134 or more from day
    2 on: days 2, 4 and 6, seven days. A plan that leaves nobody in the first phase has seven."""
    window = builders.agreement().window
    phases = (Phase("first", DateRange(START, START + timedelta(days=1)), 1),
              Phase("second", DateRange(START + timedelta(days=2), window.end)))
    scenario = _scenario(135, buses=1, ambulances=1, phases=phases)
    witness = _witness(scenario, [(2, 45, ["BUS-001"], ["AMB-001"]),
                                  (4, 45, ["BUS-001"], ["AMB-001"]),
                                  (6, 45, ["BUS-001"], ["AMB-001"])])
    assert check_plan(scenario, witness) == [], "the witness itself must be valid"
    bounds = _bounds(scenario)
    assert bounds[f"{CIRCULATION} after 2 days of quota"] == 7 == witness.days
    assert bounds[CIRCULATION] == 5
    assert max(value for name, value in bounds.items() if "circulation" not in name) < 7


def test_the_turnaround_comes_from_the_rules() -> None:
    """Idlib: 32 h round trip and rest; Jarablus: 40 h; departures 06:10 to 14:00: two days
    each. A Jarablus convoy that leaves at 06:10 arrives at 22:10 the same day (offset 0)."""
    for destination in ("idlib", "jarablus"):
        problem = build_problem(_scenario(10, buses=1, ambulances=1, destination=destination))
        turn = turnarounds(problem)[destination]
        assert (turn.gap, turn.offset) == (2, 0)
    scenario = _scenario(10, buses=1, ambulances=1)
    short = replace(scenario.operation, destinations=tuple(
        replace(d, travel_hours=2.0) for d in scenario.operation.destinations))
    # 2 h there and back and 8 h rest: back at 18:10 from 06:10, next day again.
    assert turnarounds(build_problem(replace(scenario, operation=short)))["idlib"].gap == 1


@st.composite
def cycled(draw: st.DrawFn) -> tuple[Scenario, Plan]:
    """A small fleet used again and again: convoys every other day (or two a day), each with
    every bus and the compulsory ambulances, households in order while reception allows."""
    people = draw(st.integers(1, 400))
    buses = draw(st.integers(1, 3))
    minimum = draw(st.integers(1, 2))
    ambulances = draw(st.integers(minimum, 5))
    reception = draw(st.integers(45, 300))
    destination = draw(st.sampled_from(["idlib", "jarablus"]))
    scenario = _scenario(people, buses, ambulances, min_ambulances=minimum,
                         reception=reception, destination=destination)
    teams = ambulances // minimum
    # Two convoys a day when two teams of ambulances and two buses allow it, else one.
    per_day = 2 if teams >= 2 and buses >= 2 else 1
    bus_ids = [f"BUS-{i + 1:03d}" for i in range(buses)]
    convoys: list[tuple[int, int, list[str], list[str]]] = []
    left, day = people, 0
    while left > 0:
        room = reception
        for slot in range(per_day):
            if left <= 0 or room <= 0:
                break
            mine = bus_ids[slot::per_day]
            ambulance_ids = [f"AMB-{slot * minimum + i + 1:03d}" for i in range(minimum)]
            count = min(left, room, 45 * len(mine) + len(ambulance_ids))
            convoys.append((day, count, mine, ambulance_ids))
            left -= count
            room -= count
        day += 2
    witness = _witness(scenario, convoys)
    assume(check_plan(scenario, witness) == [])
    return scenario, witness


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cycled())
def test_no_day_bound_exceeds_a_plan_that_reuses_its_fleet(
        case: tuple[Scenario, Plan]) -> None:
    """Property: on a small fleet used over and over, every day bound (the whole-day
    circulation bound among them) is at most the days of a valid hand-built plan."""
    scenario, witness = case
    for name, value in _bounds(scenario).items():
        assert value <= witness.days, (name, value, witness.days)


def test_every_day_bound_is_at_most_the_planners_days_on_small_fleets() -> None:
    """The planner's own valid plans are witnesses too (every kind of bound, here binding)."""
    for people, buses, ambulances, minimum in ((300, 2, 3, 2), (500, 3, 5, 2), (90, 1, 1, 1)):
        scenario = _scenario(people, buses, ambulances, min_ambulances=minimum, reception=200)
        plan = make_plan(scenario).plan
        assert check_plan(scenario, plan) == []
        best = plan.best_bound(BoundKind.DAYS)
        assert best is not None and best.value <= plan.days


def test_a_convoy_to_jarablus_leaves_early_enough_to_arrive_the_same_day() -> None:
    """Jarablus is 16 hours away: leaving at 08:00 or later arrives the next day, leaving before
    arrives the same evening. 90 people (reception 100) clear the checkpoint by 06:18, so the
    plan takes one day, as the reception bound says, not two."""
    scenario = _scenario(90, buses=2, ambulances=1, reception=100, destination="jarablus")
    plan = make_plan(scenario).plan
    assert check_plan(scenario, plan) == []
    assert [convoy.departure.time() < time(8) for convoy in plan.convoys] == [True]
    assert plan.days == 1 and plan.proven_optimal_days


def test_a_large_reception_keeps_the_widest_departure_window() -> None:
    """With 1,000 people a day to receive, the checkpoint (300 an hour) cannot clear them before
    08:00: Jarablus's convoys leave from 08:00 to 14:00 and arrive the next day."""
    scenario = _scenario(900, buses=20, ambulances=2, reception=1000, destination="jarablus")
    lane = build_problem(scenario).lane("jarablus")
    assert (lane.earliest, lane.latest, lane.arrival_offset) == (480, 840, 1)
    plan = make_plan(scenario).plan
    assert check_plan(scenario, plan) == []
    assert all(convoy.departure.time() >= time(8) for convoy in plan.convoys)


def test_convoys_keep_to_their_compulsory_ambulances_only_when_the_fleet_is_that_small() -> None:
    """Two convoys a day on two-day round trips need four ambulance pairs away at once: with
    five ambulances a convoy takes its two (the spare one cannot make a third pair), with
    twelve it may take two and the four spare; a destination whose stretcher cases the
    compulsory ambulances of its convoys cannot carry is never held to its minimum."""
    small = build_problem(_scenario(400, buses=4, ambulances=5, min_ambulances=2,
                                    reception=200))
    assert ambulance_caps(small) == {"idlib": 2}
    large = build_problem(_scenario(400, buses=4, ambulances=12, min_ambulances=2,
                                    reception=200))
    assert ambulance_caps(large) == {"idlib": 6}
    base = _scenario(40, buses=4, ambulances=5, min_ambulances=2, reception=200)
    cases = tuple(replace(person, needs_stretcher=True,
                          vulnerabilities=frozenset({Vulnerability.MEDICAL_EMERGENCY}))
                  if index % 4 == 0 else person for index, person in enumerate(base.persons))
    # Ten stretcher cases, one convoy (40 people, reception 200): two ambulances of one
    # stretcher each cannot carry them, so the convoy takes what it needs.
    assert ambulance_caps(build_problem(replace(base, persons=cases))) == {}
    plan = make_plan(replace(base, persons=cases)).plan
    assert check_plan(replace(base, persons=cases), plan) == []
