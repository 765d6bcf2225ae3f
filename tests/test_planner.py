"""The planner's plans pass the independent checker, take no more days than a witness, and
explain what binds; bounds are sound."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.checker import check_plan
from corridor.domain import (
    BoundKind,
    Category,
    Convoy,
    DateRange,
    FleetEntry,
    Household,
    Intent,
    ManifestLine,
    Person,
    Plan,
    Scenario,
    Sex,
    VehicleKind,
    VehicleTrip,
    Vulnerability,
)
from corridor.planner import l2_bound, make_plan
from corridor.synthetic import generate
from tests import builders

WINDOW_START = date(2017, 3, 18)


# --- scenarios feasible by construction, each with a witness plan ------------------------------

@st.composite
def witnessed(draw: st.DrawFn) -> tuple[Scenario, Plan]:
    """A small scenario and a valid plan for it built by hand: one household a bus, in chunks.

    The fleet has a vehicle for every trip the witness makes, so no vehicle is used twice; each
    day's chunk stays within the reception capacity of its destination.
    """
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=24))
    destinations = [draw(st.sampled_from(["jarablus", "idlib"])) for _ in sizes]
    stretcher = [draw(st.booleans()) and size >= 3 and index % 5 == 0
                 for index, size in enumerate(sizes)]
    largest = max(sizes)
    reception = draw(st.integers(largest, max(largest, 3 * largest)))
    households, persons = [], []
    for index, (size, destination) in enumerate(zip(sizes, destinations, strict=True)):
        household_id = f"H{index:03d}"
        households.append(Household(household_id, "ap-1", destination))
        for member in range(size):
            emergency = stretcher[index] and member == 0
            persons.append(Person(
                f"P{index:03d}-{member}", household_id, f"Person {index} {member}",
                Sex.FEMALE if member % 2 else Sex.MALE,
                Category.COMBATANT if member == 1 and size > 2 else Category.CIVILIAN,
                Intent.LEAVE, birth_year=1980 + member,
                vulnerabilities=frozenset({Vulnerability.MEDICAL_EMERGENCY}) if emergency
                else frozenset(),
                needs_stretcher=emergency, luggage_pieces=1))
    operation = builders.operation()
    operation = replace(
        operation,
        agreement=replace(operation.agreement, phases=()),
        destinations=tuple(replace(site, reception_capacity_per_day=reception)
                           for site in operation.destinations),
        checkpoint=replace(operation.checkpoint, people_per_hour_per_lane=2000,
                           vehicles_per_hour_per_lane=200),
        fleet=(FleetEntry("BUS", VehicleKind.BUS, len(sizes), seats=6, luggage_capacity=6),
               FleetEntry("AMB", VehicleKind.AMBULANCE, 2 * len(sizes) + 2, seats=1,
                          stretchers=1),
               FleetEntry("TRK", VehicleKind.LUGGAGE_TRUCK, 1, seats=0, luggage_capacity=10)),
        convoy_rules=replace(operation.convoy_rules, max_convoys_per_day=2,
                             min_ambulances_per_convoy=1, max_vehicles_per_convoy=60))
    scenario = Scenario(operation, tuple(households), tuple(persons))
    return scenario, _witness_plan(scenario, reception)


def _witness_plan(scenario: Scenario, reception: int) -> Plan:
    """Day by day, destination by destination: households in order while reception allows."""
    operation = scenario.operation
    members: dict[str, list[Person]] = {}
    for person in scenario.persons:
        members.setdefault(person.household_id, []).append(person)
    buses = iter(v for v in operation.vehicles() if v.kind is VehicleKind.BUS)
    ambulances = iter(v for v in operation.vehicles() if v.kind is VehicleKind.AMBULANCE)
    convoys: list[Convoy] = []
    day = 0
    last_arrival = WINDOW_START
    pending = {k: [h for h in scenario.households if h.destination_preference == k]
               for k in ("idlib", "jarablus")}
    while any(pending.values()):
        departure = datetime.combine(WINDOW_START + timedelta(days=day), time(8, 0))
        number = 0
        for destination in ("idlib", "jarablus"):
            load, trips = 0, []
            while pending[destination] and \
                    load + len(members[pending[destination][0].household_id]) <= reception:
                household = pending[destination].pop(0)
                people = members[household.household_id]
                load += len(people)
                on_stretcher = [p for p in people if p.needs_stretcher]
                seated = [p for p in people if not p.needs_stretcher]
                if on_stretcher:
                    companion = seated.pop(0)
                    trips.append(VehicleTrip(next(ambulances).vehicle_id, VehicleKind.AMBULANCE,
                                             (ManifestLine(household.household_id,
                                                           (on_stretcher[0].person_id,
                                                            companion.person_id),
                                                           (on_stretcher[0].person_id,)),)))
                    luggage = on_stretcher[0].luggage_pieces + companion.luggage_pieces
                else:
                    luggage = 0
                luggage += sum(p.luggage_pieces for p in seated)
                trips.append(VehicleTrip(next(buses).vehicle_id, VehicleKind.BUS, (
                    ManifestLine(household.household_id, tuple(p.person_id for p in seated),
                                 (), luggage),)) if seated else
                    VehicleTrip(next(buses).vehicle_id, VehicleKind.BUS, (
                        ManifestLine(household.household_id, (), (), luggage),)))
            if not trips:
                continue
            if not any(trip.kind is VehicleKind.AMBULANCE for trip in trips):
                trips.append(VehicleTrip(next(ambulances).vehicle_id, VehicleKind.AMBULANCE, ()))
            number += 1
            moment = departure + timedelta(minutes=number)
            convoys.append(Convoy(f"{moment:%Y-%m-%d}/{number}", moment.date(), moment,
                                  destination, tuple(trips)))
            travel = operation.destination(destination).travel_hours
            last_arrival = max(last_arrival, (moment + timedelta(hours=travel)).date())
        day += 1
    days = (last_arrival - WINDOW_START).days + 1
    return Plan(operation.operation_id, operation.agreement.version, 0, tuple(convoys), (), (),
                days, False, "witness")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=witnessed())
def test_plan_passes_the_checker_and_is_no_longer_than_a_witness(
        case: tuple[Scenario, Plan]) -> None:
    """Property: on scenarios feasible by construction, the plan is valid and as short."""
    scenario, witness = case
    assert check_plan(scenario, witness) == [], "the witness itself must be valid"
    plan = make_plan(scenario, seed=1).plan
    assert check_plan(scenario, plan) == []
    assert not [u for u in plan.unplanned if u.reason == "infeasible"]
    assert plan.days <= witness.days
    best = plan.best_bound(BoundKind.DAYS)
    assert best is not None and best.value <= plan.days


def test_same_seed_same_plan() -> None:
    """Planning the same scenario twice with the same seed gives the same plan."""
    scenario = generate(2_000, seed=3)
    assert make_plan(scenario, seed=5).plan == make_plan(scenario, seed=5).plan


def test_al_waer_first_convoy_plan_is_valid_and_explained() -> None:
    """A generated 2,000-person scenario is planned in full, checked, with bounds and a reason."""
    scenario = generate(2_000, seed=1)
    result = make_plan(scenario, seed=1)
    plan = result.plan
    assert check_plan(scenario, plan) == []
    leaving = sum(1 for p in scenario.persons if p.intent is Intent.LEAVE)
    unplanned = sum(u.people for u in plan.unplanned if u.reason == "infeasible")
    assert plan.people + unplanned == leaving
    assert unplanned == 0
    assert plan.best_bound(BoundKind.TRIPS) is not None
    assert plan.days >= plan.best_bound(BoundKind.DAYS).value  # type: ignore[union-attr]
    assert plan.binding_constraint


def test_a_cut_capacity_is_named_in_the_explanation() -> None:
    """Lowering Idlib's reception makes the scenario infeasible; the explanation names it."""
    scenario = generate(2_000, seed=1)
    operation = scenario.operation
    cut = tuple(replace(site, reception_capacity_per_day=5) if site.site_id == "idlib" else site
                for site in operation.destinations)
    scenario = replace(scenario, operation=replace(operation, destinations=cut))
    result = make_plan(scenario, seed=1)
    assert any("cannot arrive within the window" in sentence and "Idlib" in sentence
               and "receives 5 a day" in sentence for sentence in result.infeasibility)
    assert check_plan(scenario, result.plan) == []
    assert any(u.reason == "infeasible" for u in result.plan.unplanned)


def test_undecided_and_staying_people_are_not_planned() -> None:
    """Only people who leave are planned; undecided households are reported."""
    scenario = builders.scenario()
    plan = make_plan(scenario).plan
    planned = {p for c in plan.convoys for t in c.trips for line in t.lines for p in line.persons}
    assert planned == {"P1", "P2", "P3"}
    assert [(u.household_id, u.reason) for u in plan.unplanned] == [("H3", "undecided")]
    assert check_plan(scenario, plan) == []


def test_stretcher_case_rides_an_ambulance_with_a_companion() -> None:
    """The builders' stretcher case is in an ambulance with a member of the household."""
    scenario = builders.scenario()
    plan = make_plan(scenario).plan
    ambulance_lines = [line for c in plan.convoys for t in c.trips
                       if t.kind is VehicleKind.AMBULANCE for line in t.lines]
    assert [(line.persons, line.on_stretcher) for line in ambulance_lines] == [
        (("P2", "P1"), ("P2",))]


def test_pinned_household_leaves_on_its_day() -> None:
    """A coordinator's pin moves a household to the pinned day."""
    from corridor.domain import Pin

    scenario = generate(2_000, seed=2)
    target = next(h for h in scenario.households if any(
        p.intent is Intent.LEAVE and p.household_id == h.household_id for p in scenario.persons))
    pin = Pin(target.household_id, WINDOW_START + timedelta(days=3))
    plan = make_plan(scenario, pins=(pin,)).plan
    assert check_plan(scenario, plan) == []
    days = {c.day for c in plan.convoys for t in c.trips for line in t.lines
            if line.household_id == target.household_id}
    assert days == {pin.day}


@pytest.mark.parametrize(("weights", "capacity", "expected"), [
    ([], 10, 0),
    ([6, 6, 6], 10, 3),          # every item above half a bin
    ([5, 5, 5, 5], 10, 2),
    ([4, 4, 4, 4, 4, 4], 10, 3),  # L1 = 3 as well
    ([7, 3, 3, 3], 10, 2),
    ([99, 51, 51, 50, 50], 100, 4),
])
def test_l2_bound_known_values(weights: list[int], capacity: int, expected: int) -> None:
    """Martello-Toth L2 on small cases worked by hand."""
    assert l2_bound(weights, capacity) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=1, max_size=12), st.integers(20, 30))
def test_l2_bound_never_exceeds_an_exact_packing(weights: list[int], capacity: int) -> None:
    """Property: L2 is at most the bins of first-fit decreasing and at least the L1 bound."""
    bins: list[int] = []
    for weight in sorted(weights, reverse=True):
        for index, load in enumerate(bins):
            if load + weight <= capacity:
                bins[index] += weight
                break
        else:
            bins.append(weight)
    bound = l2_bound(weights, capacity)
    assert -(-sum(weights) // capacity) <= bound <= len(bins)


def test_bounds_are_not_above_the_window_on_a_feasible_scenario() -> None:
    """The generated scenarios are feasible: no day bound exceeds the window."""
    scenario = generate(2_000, seed=4)
    plan = make_plan(scenario).plan
    window = scenario.operation.agreement.window
    assert all(bound.value <= window.days for bound in plan.bounds
               if bound.kind is BoundKind.DAYS)
    assert isinstance(window, DateRange)
