"""Why a plan has more trips than the trip bound: the causes, destination by destination."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.checker import check_plan
from corridor.domain import (
    BoundKind,
    Convoy,
    ManifestLine,
    Plan,
    UnplannedReason,
    VehicleKind,
    VehicleTrip,
)
from corridor.planner import PlanResult, make_plan
from corridor.planner.bounds import TripBounds
from corridor.planner.gap import trip_gaps
from corridor.planner.problem import build_problem
from corridor.synthetic import generate
from tests import builders
from tests.test_planner_early_lanes import _random_scenario

DAY = date(2017, 3, 18)


def _trip(kind: VehicleKind, number: int, seated: int = 0, stretchers: int = 0,
          luggage: int = 0) -> VehicleTrip:
    persons = tuple(f"P{number}-{i}" for i in range(seated + stretchers))
    lines = (ManifestLine(f"H{number}", persons, persons[:stretchers], luggage),) \
        if persons or luggage else ()
    return VehicleTrip(f"{kind}-{number}", kind, lines)


def _convoy(number: int, day: date, *trips: VehicleTrip) -> Convoy:
    return Convoy(f"C{number}", day, datetime.combine(day, time(8)), "jarablus", trips)


def test_a_hand_made_plan_is_split_by_cause() -> None:
    """Two convoys on the first day, one on the next after the only stretcher case: each
    cause counted by hand."""
    problem = build_problem(builders.scenario())
    rules = problem.operation.convoy_rules
    seats = max(v.seats for v in problem.buses.vehicles)
    assert rules.min_ambulances_per_convoy == 1 and seats == 45  # what the counts below assume
    bus, ambulance, truck = VehicleKind.BUS, VehicleKind.AMBULANCE, VehicleKind.LUGGAGE_TRUCK
    next_day = date(2017, 3, 19)
    plan = Plan("al-waer-test", "1", 0, convoys=(
        # Day 1: 45 + 10 + 20 riders (2 busloads at the least, 3 buses); the stretcher case.
        _convoy(1, DAY, _trip(bus, 1, 45), _trip(bus, 2, 10), _trip(truck, 3, luggage=5),
                _trip(ambulance, 4, seated=1, stretchers=1)),
        _convoy(2, DAY, _trip(bus, 5, 20), _trip(ambulance, 6)),
        # Day 2, after the last stretcher case: 40 riders, and two empty ambulances.
        _convoy(3, next_day, _trip(bus, 7, 40), _trip(ambulance, 8), _trip(ambulance, 9)),
    ), unplanned=(), bounds=(), days=2, proven_optimal_days=True, binding_constraint="")
    bound = TripBounds(buses={"jarablus": 2}, ambulances={"jarablus": 1},
                       trucks={"jarablus": 0}, bounds=(), total=3)
    (gap,) = trip_gaps(problem, bound, plan)
    assert (gap.destination, gap.convoys, gap.after_stretchers) == ("jarablus", 3, 1)
    assert gap.plan == (4, 4, 1) and gap.bound == (2, 1, 0)
    assert gap.busloads == 1  # 75 riders on day 1 and 40 on day 2 fill 3 buses, the bound 2
    assert gap.packing == 1  # day 1's two convoys' buses take 3 where 2 would seat them
    assert gap.more_convoys == 2  # 3 convoys, 1 compulsory ambulance each; the bound has 1
    assert gap.compulsory == 1  # day 2's second ambulance
    assert gap.trucks == 1
    assert gap.above == 6


def _assert_accounted(result: PlanResult) -> None:
    """The gaps count every trip of the plan, destination by destination; a valid plan never
    has fewer buses than its days' whole busloads, nor fewer ambulances than its convoys and
    stretcher cases need, nor (when nobody is left behind) fewer convoys than the bound's.
    Trucks and busloads may be below the bound (holds of more buses; riders in the
    ambulances' seats)."""
    plan = result.plan
    counted = Counter((convoy.destination, trip.kind) for convoy in plan.convoys
                      for trip in convoy.trips)
    assert {gap.destination for gap in result.trip_gaps} == {c.destination for c in plan.convoys}
    for gap in result.trip_gaps:
        k = gap.destination
        assert gap.plan == (counted[k, VehicleKind.BUS], counted[k, VehicleKind.AMBULANCE],
                            counted[k, VehicleKind.LUGGAGE_TRUCK])
        assert gap.convoys == sum(1 for c in plan.convoys if c.destination == k)
        assert gap.packing >= 0 and gap.compulsory >= 0
        if not any(u.reason is UnplannedReason.INFEASIBLE for u in plan.unplanned):
            assert gap.more_convoys >= 0  # everyone who chose k left: the forced convoys ran
    assert sum(sum(gap.plan) for gap in result.trip_gaps) == plan.trips


def test_the_al_waer_sized_plan_is_accounted_for() -> None:
    """2,000 people, three destinations: every trip accounted for, and causes that no valid
    plan can have below zero are not."""
    scenario = generate(2_000, seed=2017)
    result = make_plan(scenario, seed=2017)
    assert check_plan(scenario, result.plan) == []
    _assert_accounted(result)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), ambulance_hold=st.sampled_from([0, 3, 12]),
       most_vehicles=st.sampled_from([None, 3, 5]))
def test_random_operations_have_their_trips_accounted_for(
        seed: int, ambulance_hold: int, most_vehicles: int | None) -> None:
    """Property: on random small operations (some with luggage room in the ambulances, some
    with small convoys), every trip is accounted for, the causes are never negative where no
    valid plan can be below the bound, and no trip bound exceeds the plan's trips."""
    scenario, pins = _random_scenario(seed)
    operation = scenario.operation
    operation = replace(
        operation,
        fleet=tuple(replace(entry, luggage_capacity=ambulance_hold)
                    if entry.kind is VehicleKind.AMBULANCE else entry
                    for entry in operation.fleet),
        convoy_rules=replace(operation.convoy_rules, max_vehicles_per_convoy=max(
            most_vehicles or operation.convoy_rules.max_vehicles_per_convoy,
            operation.convoy_rules.min_ambulances_per_convoy + 1)))
    scenario = replace(scenario, operation=operation)
    result = make_plan(scenario, seed=1, pins=pins, drop_unmeetable_pins=True)
    assert check_plan(scenario, result.plan) == []
    _assert_accounted(result)
    for bound in result.plan.bounds:
        if bound.kind is BoundKind.TRIPS and not any(
                u.reason is UnplannedReason.INFEASIBLE for u in result.plan.unplanned):
            assert bound.value <= result.plan.trips, bound
