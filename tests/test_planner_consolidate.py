"""The trip-saving pass after the manifests: plans stay valid, never longer, never more trips;
no medical emergency later, no pinned household moved; the priority-weighted arrival days it adds
are paid for by the trips it saves; and it does save trips where it can."""

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
    LinkKind,
    ManifestLine,
    Phase,
    Pin,
    Plan,
    Scenario,
    VehicleKind,
    VehicleTrip,
    Vulnerability,
)
from corridor.planner import make_plan
from corridor.planner.consolidate import consolidate
from corridor.planner.manifests import Realised, realise
from corridor.planner.problem import Priority, Problem, build_problem
from corridor.planner.schedule import trip_cost
from corridor.synthetic import generate
from tests import builders

START = date(2017, 3, 18)


# --- small evacuations drawn at random -----------------------------------------------------------

@st.composite
def evacuations(draw: st.DrawFn) -> tuple[Scenario, tuple[Pin, ...]]:
    """A random evacuation to Jarablus and Idlib: households of all sizes (some larger than a
    bus), luggage, stretcher cases, other vulnerable people, linked households, households
    without a preference, a small fleet, tight reception, sometimes phases with a quota, and
    sometimes a pinned household."""
    seats = draw(st.integers(6, 16))
    count = draw(st.integers(8, 70))
    households, persons = [], []
    for index in range(count):
        household_id = f"H{index:03d}"
        size = draw(st.integers(1, seats + 2 if index % 9 == 0 else 6))
        preference = draw(st.sampled_from(["jarablus", "idlib", "idlib", "jarablus", None]))
        linked = index > 0 and draw(st.integers(0, 9)) == 0
        if linked:
            preference = households[-1].destination_preference
        households.append(builders.household(
            household_id, destination_preference=preference,
            linked_to=households[-1].household_id if linked else None,
            link_kind=LinkKind.EXTENDED_FAMILY if linked else None))
        stretcher = size >= 2 and draw(st.integers(0, 11)) == 0
        vulnerable = draw(st.integers(0, 4)) == 0
        for member in range(size):
            on_stretcher = stretcher and member == 0
            vulnerabilities = frozenset({Vulnerability.MEDICAL_EMERGENCY}) if on_stretcher \
                else frozenset({Vulnerability.ELDERLY}) if vulnerable and member == 0 \
                else frozenset()
            persons.append(builders.person(
                f"P{index:03d}-{member}", household_id, needs_stretcher=on_stretcher,
                vulnerabilities=vulnerabilities, luggage_pieces=draw(st.integers(0, 3))))
    base = builders.operation()
    phases: tuple[Phase, ...] = ()
    if draw(st.booleans()):
        phases = (Phase("first", DateRange(START, START + timedelta(days=4)),
                        draw(st.integers(20, 200))),
                  Phase("second", DateRange(START + timedelta(days=5), date(2017, 4, 14))))
    operation = replace(
        base,
        agreement=replace(base.agreement, phases=phases),
        destinations=tuple(replace(site, reception_capacity_per_day=draw(st.integers(25, 90)))
                           for site in base.destinations),
        fleet=(FleetEntry("BUS", VehicleKind.BUS, draw(st.integers(2, 6)), seats=seats,
                          luggage_capacity=draw(st.integers(seats // 2, 2 * seats))),
               FleetEntry("AMB", VehicleKind.AMBULANCE, draw(st.integers(2, 5)),
                          seats=draw(st.integers(1, 2)), stretchers=draw(st.integers(1, 2))),
               FleetEntry("TRK", VehicleKind.LUGGAGE_TRUCK, draw(st.integers(1, 3)), seats=0,
                          luggage_capacity=draw(st.integers(10, 40)))),
        convoy_rules=replace(base.convoy_rules, max_convoys_per_day=draw(st.integers(1, 3)),
                             min_ambulances_per_convoy=draw(st.integers(1, 2))))
    scenario = Scenario(operation, tuple(households), tuple(persons))
    pins: tuple[Pin, ...] = ()
    if draw(st.booleans()):
        pinned = households[draw(st.integers(0, count - 1))]
        pins = (Pin(pinned.household_id, START + timedelta(days=draw(st.integers(0, 6)))),)
    return scenario, pins


def as_plan(scenario: Scenario, problem: Problem, realised: Realised,
            pins: tuple[Pin, ...] = ()) -> Plan:
    """The realised convoys as a plan the checker reads."""
    days = realised.last_arrival_day + 1 if realised.convoys else 0
    return Plan(scenario.operation.operation_id, scenario.operation.agreement.version, 0,
                tuple(realised.convoys),
                tuple(sorted((*problem.unplanned, *realised.unplanned),
                             key=lambda u: u.household_id)),
                (), days, False, "test", pins, problem.split_households)


def arrivals(problem: Problem, realised: Realised) -> dict[str, int]:
    """The arrival day index of every planned household."""
    offsets = {lane.destination: lane.arrival_offset for lane in problem.lanes}
    return {line.household_id: (convoy.day - problem.start).days + offsets[convoy.destination]
            for convoy in realised.convoys for trip in convoy.trips for line in trip.lines
            if line.persons}


def weighted_arrivals(problem: Problem, realised: Realised) -> float:
    """Priority-weighted arrival days, person by person."""
    weights = problem.operation.priorities
    group = {h.household_id: g for g in problem.groups for h in g.households}
    offsets = {lane.destination: lane.arrival_offset for lane in problem.lanes}
    return sum(group[line.household_id].priority.weight(weights) * len(line.persons)
               * ((convoy.day - problem.start).days + offsets[convoy.destination])
               for convoy in realised.convoys for trip in convoy.trips for line in trip.lines)


def trips(realised: Realised) -> int:
    """Vehicle trips of a realised plan."""
    return sum(len(convoy.trips) for convoy in realised.convoys)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=evacuations(), larger_first=st.booleans())
def test_consolidation_keeps_every_rule_and_never_costs_days_trips_or_priority(
        case: tuple[Scenario, tuple[Pin, ...]], larger_first: bool) -> None:
    """Property: from a valid realised plan, the pass gives a valid plan with no more days and
    no more trips, the same people, no medical emergency or pinned household later, and no more
    priority-weighted arrival days than the trips it saves are worth."""
    scenario, pins = case
    problem = build_problem(scenario, pins)
    before = realise(problem, None, lambda done, total: None, larger_first)
    # A pin the manifests could not keep leaves the plan invalid before the pass; not its case.
    assume(check_plan(scenario, as_plan(scenario, problem, before, pins)) == [])
    after = consolidate(problem, before)
    assert check_plan(scenario, as_plan(scenario, problem, after, pins)) == []
    assert after.last_arrival_day <= before.last_arrival_day
    assert trips(after) <= trips(before)
    was, now = arrivals(problem, before), arrivals(problem, after)
    assert now.keys() == was.keys()
    for group in problem.groups:
        for household in group.households:
            if household.household_id not in was:
                continue
            if group.priority is Priority.MEDICAL:
                assert now[household.household_id] <= was[household.household_id]
            if group.pinned_day is not None:
                assert now[household.household_id] == was[household.household_id]
    saved = trips(before) - trips(after)
    assert weighted_arrivals(problem, after) <= \
        weighted_arrivals(problem, before) + trip_cost(problem) * saved + 1e-6


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=evacuations())
def test_plans_stay_valid_and_never_beat_their_bounds(
        case: tuple[Scenario, tuple[Pin, ...]]) -> None:
    """Property: the planner's plan passes the checker and no bound is above it. (Without the
    pins: a pin the planner cannot keep still makes an invalid plan, the planner's known limit.)"""
    scenario, _ = case
    plan = make_plan(scenario, seed=7).plan
    assert check_plan(scenario, plan) == []
    if any(u.reason == "infeasible" for u in plan.unplanned):
        return  # bounds speak of everyone leaving; a plan that leaves people behind is shorter
    for bound in plan.bounds:
        if bound.kind is BoundKind.TRIPS:
            assert bound.value <= plan.trips, bound
        else:
            assert bound.value <= plan.days, bound


def test_consolidation_is_deterministic() -> None:
    """The same realised plan gives the same consolidated plan."""
    scenario = generate(2_000, seed=11)
    problem = build_problem(scenario)
    realised = realise(problem, None, lambda done, total: None)
    assert consolidate(problem, realised) == consolidate(problem, realised)


def test_a_generated_scenario_loses_trips_and_no_days() -> None:
    """At 20,600 people the pass takes trucks out (the figure in benchmarks/README.md)."""
    scenario = generate(20_600, seed=2017)
    problem = build_problem(scenario)
    before = realise(problem, None, lambda done, total: None)
    after = consolidate(problem, before)
    assert trips(after) <= trips(before) - 10
    assert after.last_arrival_day <= before.last_arrival_day
    assert check_plan(scenario, as_plan(scenario, problem, after)) == []


# --- the moves, one at a time, on plans built by hand -------------------------------------------

def _idlib_operation(reception: int) -> Scenario:
    base = builders.operation()
    return Scenario(replace(
        base,
        agreement=replace(base.agreement, phases=(), destinations=("idlib",)),
        destinations=tuple(replace(d, reception_capacity_per_day=reception)
                           for d in base.destinations if d.site_id == "idlib"),
        fleet=(FleetEntry("BUS", VehicleKind.BUS, 2, seats=4, luggage_capacity=4),
               FleetEntry("AMB", VehicleKind.AMBULANCE, 2, seats=1, stretchers=1),
               FleetEntry("TRK", VehicleKind.LUGGAGE_TRUCK, 2, seats=0,
                          luggage_capacity=10))), (), ())


def _scenario(luggage: list[int], reception: int = 800) -> Scenario:
    """Single people to Idlib, one household each, with these pieces of luggage."""
    scenario = _idlib_operation(reception)
    households = tuple(builders.household(f"H{i}", destination_preference="idlib")
                       for i in range(len(luggage)))
    persons = tuple(builders.person(f"P{i}", f"H{i}", luggage_pieces=pieces)
                    for i, pieces in enumerate(luggage))
    return replace(scenario, households=households, persons=persons)


def _convoy(day: int, bus: str, ambulance: str, riders: list[tuple[int, int]], truck: str = "",
            on_truck: list[tuple[int, int]] | None = None) -> Convoy:
    """A convoy to Idlib at 08:00: riders as (household, pieces in the hold), pieces on a truck."""
    moment = datetime.combine(START + timedelta(days=day), time(8))
    trips = [VehicleTrip(bus, VehicleKind.BUS, tuple(
                 ManifestLine(f"H{i}", (f"P{i}",), (), pieces) for i, pieces in riders)),
             VehicleTrip(ambulance, VehicleKind.AMBULANCE, ())]
    if on_truck:
        trips.append(VehicleTrip(truck, VehicleKind.LUGGAGE_TRUCK, tuple(
            ManifestLine(f"H{i}", (), (), pieces) for i, pieces in on_truck)))
    return Convoy(f"{moment:%Y-%m-%d}/1", moment.date(), moment, "idlib", tuple(trips))


def test_heavy_luggage_swapped_for_light_takes_a_truck_out() -> None:
    """Two convoys (Idlib takes four people a day), each with a truck for a little luggage: two
    light people of the second convoy swap with two heavier ones of the first, whose holds then
    take all its luggage."""
    scenario = _scenario([2, 2, 1, 1, 4, 4, 1, 1], reception=4)
    problem = build_problem(scenario)
    before = Realised([
        _convoy(0, "BUS-001", "AMB-001", [(0, 2), (1, 2), (2, 0), (3, 0)], "TRK-001",
                [(2, 1), (3, 1)]),
        _convoy(2, "BUS-002", "AMB-002", [(4, 4), (5, 0), (6, 0), (7, 0)], "TRK-002",
                [(5, 4), (6, 1), (7, 1)]),
    ], [], 2)
    assert check_plan(scenario, as_plan(scenario, problem, before)) == []
    after = consolidate(problem, before)
    assert check_plan(scenario, as_plan(scenario, problem, after)) == []
    assert trips(before) == 6 and trips(after) == 5
    first = after.convoys[0]
    assert [t.kind for t in first.trips] == [VehicleKind.BUS, VehicleKind.AMBULANCE]
    assert sorted(line.luggage_pieces for line in first.trips[0].lines) == [1, 1, 1, 1]


def test_the_last_small_convoy_joins_an_earlier_one_with_room() -> None:
    """Two people on day 0 and two on day 2, each convoy a bus and an ambulance: the two of day 2
    fit the first bus, so they leave two days earlier and the plan is two days shorter."""
    scenario = _scenario([0, 0, 0, 0])
    problem = build_problem(scenario)
    before = Realised([_convoy(0, "BUS-001", "AMB-001", [(0, 0), (1, 0)]),
                       _convoy(2, "BUS-002", "AMB-002", [(2, 0), (3, 0)])], [], 2)
    assert check_plan(scenario, as_plan(scenario, problem, before)) == []
    after = consolidate(problem, before)
    assert check_plan(scenario, as_plan(scenario, problem, after)) == []
    assert trips(after) == 2 and after.last_arrival_day == 0
    assert [line.household_id for line in after.convoys[0].trips[0].lines] == \
        ["H0", "H1", "H2", "H3"]


def test_a_pinned_household_keeps_its_convoy() -> None:
    """The same two convoys, but a household of day 2 is pinned there: its convoy stays."""
    scenario = _scenario([0, 0, 0, 0])
    pins = (Pin("H3", START + timedelta(days=2)),)
    problem = build_problem(scenario, pins)
    before = Realised([_convoy(0, "BUS-001", "AMB-001", [(0, 0), (1, 0)]),
                       _convoy(2, "BUS-002", "AMB-002", [(2, 0), (3, 0)])], [], 2)
    after = consolidate(problem, before)
    assert check_plan(scenario, as_plan(scenario, problem, after, pins)) == []
    assert after.last_arrival_day == 2
    assert any(line.household_id == "H3" for convoy in after.convoys
               if convoy.day == START + timedelta(days=2)
               for trip in convoy.trips for line in trip.lines)
