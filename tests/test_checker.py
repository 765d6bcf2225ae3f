"""The plan checker accepts a valid plan and reports each broken rule under its own code."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor import checker
from corridor.checker import RULES, Violation, check_plan
from corridor.checker._rules import CHECKS
from corridor.domain import (
    Category,
    Convoy,
    ConvoyRules,
    DateRange,
    Destination,
    FleetEntry,
    Household,
    Intent,
    InvalidValue,
    LinkKind,
    ManifestLine,
    Person,
    Phase,
    Pin,
    Plan,
    Scenario,
    Sex,
    Terms,
    Unplanned,
    UnplannedReason,
    VehicleKind,
    VehicleTrip,
    Vulnerability,
)
from tests import builders
from tests.imports import foreign_imports

ROOT = Path(__file__).resolve().parents[1]
RULES_DOC = (ROOT / "docs" / "planning-rules.md").read_text(encoding="utf-8")
CHECKER_SOURCES = ROOT / "src" / "corridor" / "checker"

BUS, AMBULANCE, TRUCK = VehicleKind.BUS, VehicleKind.AMBULANCE, VehicleKind.LUGGAGE_TRUCK
DAY = date(2017, 3, 18)
CONVOY = "2017-03-18/1"
NINE = datetime(2017, 3, 18, 9)


# --- a small evacuation and a plan that keeps every rule ----------------------------------------


def evacuation() -> Scenario:
    """Six households: three leave together, one stays, one is undecided, one cannot be planned.

    H1 has a stretcher case (P2) and a child; H2 is a family with a fighter (combatants may
    leave); H3 is linked to H1; P8 stays, P9 is undecided, P10 leaves but H6 is unplanned. Buses
    have small holds so that luggage overflows to the truck.
    """
    fleet = (FleetEntry("BUS", BUS, 3, seats=45, luggage_capacity=8),
             FleetEntry("AMB", AMBULANCE, 2, seats=2, stretchers=1),
             FleetEntry("TRK", TRUCK, 1, seats=0, luggage_capacity=300))
    households = (
        builders.household("H1"),
        builders.household("H2", destination_preference=None),
        builders.household("H3", linked_to="H1", link_kind=LinkKind.EXTENDED_FAMILY),
        builders.household("H4"),
        builders.household("H5"),
        builders.household("H6"),
    )
    persons = (
        builders.person("P1", "H1"),
        builders.person("P2", "H1", name="Omar Haddad", sex=Sex.MALE, birth_year=1950,
                        vulnerabilities=frozenset({Vulnerability.MEDICAL_EMERGENCY,
                                                   Vulnerability.ELDERLY}),
                        needs_stretcher=True),
        builders.person("P3", "H1", name="Lina Haddad", birth_year=None, age=4,
                        luggage_pieces=0),
        builders.person("P4", "H2", name="Khaled Nasser", sex=Sex.MALE,
                        category=Category.COMBATANT, birth_year=1990),
        builders.person("P5", "H2", name="Huda Nasser"),
        builders.person("P6", "H2", name="Sami Nasser", sex=Sex.MALE, birth_year=2009),
        builders.person("P7", "H3", name="Rana Haddad", luggage_pieces=0),
        builders.person("P8", "H4", name="Yusuf Darwish", intent=Intent.STAY, luggage_pieces=0),
        builders.person("P9", "H5", name="Maya Saleh", intent=Intent.UNDECIDED),
        builders.person("P10", "H6", name="Ziad Khoury"),
    )
    return Scenario(builders.operation(fleet=fleet), households, persons)


def line(household: str, *persons: str, stretcher: tuple[str, ...] = (),
         luggage: int = 0) -> ManifestLine:
    """A manifest line of a household."""
    return ManifestLine(household, persons, stretcher, luggage)


def trip(vehicle_id: str, *lines: ManifestLine) -> VehicleTrip:
    """A trip of a vehicle, its kind read from the prefix of its id."""
    kinds = {"BUS": BUS, "AMB": AMBULANCE, "TRK": TRUCK}
    return VehicleTrip(vehicle_id, kinds.get(vehicle_id.split("-", maxsplit=1)[0], BUS), lines)


def ambulance_with_stretcher_case() -> VehicleTrip:
    """P2 on the stretcher, P1 (same household) seated beside him."""
    return trip("AMB-001", line("H1", "P1", "P2", stretcher=("P2",)))


def bus_with_families() -> VehicleTrip:
    """The rest of H1 with H1's four pieces, H2 with four of its six, H3."""
    return trip("BUS-001", line("H1", "P3", luggage=4), line("H2", "P4", "P5", "P6", luggage=4),
                line("H3", "P7"))


def truck_with_overflow() -> VehicleTrip:
    """H2's two pieces that do not fit the bus's hold."""
    return trip("TRK-001", line("H2", luggage=2))


def convoy(*trips: VehicleTrip, convoy_id: str = CONVOY, departure: datetime = NINE,
           destination: str = "jarablus") -> Convoy:
    """A convoy; the base one by default."""
    if not trips:
        trips = (ambulance_with_stretcher_case(), bus_with_families(), truck_with_overflow())
    return Convoy(convoy_id, departure.date(), departure, destination, trips)


def next_day_convoy(*trips: VehicleTrip) -> Convoy:
    """A second convoy on 19 March at 09:00."""
    return convoy(*trips, convoy_id="2017-03-19/1", departure=NINE + timedelta(days=1))


def evacuation_plan(*convoys: Convoy, days: int = 2) -> Plan:
    """A plan of the evacuation: one convoy at 09:00 on 18 March to Jarablus, arriving 01:00."""
    return Plan(
        operation_id="al-waer-test", agreement_version="2017-03-13", seed=0,
        convoys=convoys or (convoy(),),
        unplanned=(Unplanned("H6", 1, UnplannedReason.INFEASIBLE, "no seat left"),),
        bounds=(), days=days, proven_optimal_days=False, binding_constraint="reception",
        pins=(Pin("H2", DAY, CONVOY),),
    )


@pytest.fixture
def scenario() -> Scenario:
    """The small evacuation."""
    return evacuation()


@pytest.fixture
def plan() -> Plan:
    """A plan of the small evacuation that keeps every rule."""
    return evacuation_plan()


def operation_of(scenario: Scenario, **changes: Any) -> Scenario:
    """The scenario with changes to its operation."""
    return replace(scenario, operation=replace(scenario.operation, **changes))


def agreement_of(scenario: Scenario, **changes: Any) -> Scenario:
    """The scenario with changes to its agreement."""
    return operation_of(scenario, agreement=replace(scenario.operation.agreement, **changes))


def rules_of(scenario: Scenario, **changes: Any) -> Scenario:
    """The scenario with changes to its convoy rules."""
    return operation_of(scenario, convoy_rules=replace(scenario.operation.convoy_rules,
                                                       **changes))


def jarablus_of(scenario: Scenario, **changes: Any) -> Scenario:
    """The scenario with changes to Jarablus."""
    jarablus, idlib = scenario.operation.destinations
    return operation_of(scenario, destinations=(replace(jarablus, **changes), idlib))


def fleet_of(scenario: Scenario, prefix: str, **changes: Any) -> Scenario:
    """The scenario with changes to one fleet entry."""
    return operation_of(scenario, fleet=tuple(replace(entry, **changes)
                                              if entry.prefix == prefix else entry
                                              for entry in scenario.operation.fleet))


def households_of(scenario: Scenario, household_id: str, **changes: Any) -> Scenario:
    """The scenario with changes to one household."""
    return replace(scenario, households=tuple(
        replace(household, **changes) if household.household_id == household_id else household
        for household in scenario.households))


def without_unplanned(plan: Plan, *convoys: Convoy, days: int) -> Plan:
    """The plan with other convoys and H6 planned (no household left unplanned)."""
    return replace(plan, convoys=convoys, unplanned=(), days=days)


def test_valid_plan_is_accepted(scenario: Scenario, plan: Plan) -> None:
    """The hand-made plan keeps every rule, so the checker reports nothing."""
    assert check_plan(scenario, plan) == []


def test_plan_with_no_convoys_and_everyone_unplanned_is_accepted(scenario: Scenario) -> None:
    """A plan with no convoys takes 0 days and is valid when every leaver is listed unplanned."""
    unplanned = tuple(Unplanned(h, 1, UnplannedReason.INFEASIBLE, "no bus")
                      for h in ("H1", "H2", "H3", "H6"))
    empty = Plan("al-waer-test", "2017-03-13", 0, (), unplanned, (), 0, False, "fleet")
    assert check_plan(scenario, empty) == []
    assert [v.rule for v in check_plan(scenario, replace(empty, days=1))] == ["metadata"]


# --- every rule, broken on its own -----------------------------------------------------------

Change = Callable[[Scenario, Plan], tuple[Scenario, Plan]]


def _plan(change: Callable[[Plan], Plan]) -> Change:
    return lambda scenario, plan: (scenario, change(plan))


def _scenario(change: Callable[[Scenario], Scenario]) -> Change:
    return lambda scenario, plan: (change(scenario), plan)


def _trips(*trips: VehicleTrip) -> Change:
    return _plan(lambda plan: replace(plan, convoys=(convoy(*trips),)))


AMBULANCE_H1 = ambulance_with_stretcher_case
BUS_H1_H2_H3 = bus_with_families
TRUCK_H2 = truck_with_overflow

BROKEN: list[tuple[str, str, Change]] = [
    ("metadata", "plan", _plan(lambda plan: replace(plan, days=3))),
    ("metadata", "plan", _plan(lambda plan: replace(plan, operation_id="al-waer-other"))),
    ("metadata", "plan", _plan(lambda plan: replace(plan, agreement_version="2017-01-01"))),
    ("coverage", "person P7", _trips(
        AMBULANCE_H1(), trip("BUS-001", line("H1", "P3", luggage=4),
                             line("H2", "P4", "P5", "P6", luggage=4)), TRUCK_H2())),
    ("coverage", "person P8", _trips(
        AMBULANCE_H1(), trip("BUS-001", *BUS_H1_H2_H3().lines, line("H4", "P8")), TRUCK_H2())),
    ("coverage", "person P7", _trips(
        AMBULANCE_H1(), trip("BUS-001", *BUS_H1_H2_H3().lines, line("H3", "P7")), TRUCK_H2())),
    ("coverage", "person P7", _trips(
        AMBULANCE_H1(), trip("BUS-001", line("H1", "P3", luggage=4),
                             line("H2", "P4", "P5", "P6", "P7", luggage=4)), TRUCK_H2())),
    ("coverage", "person P99", _trips(
        AMBULANCE_H1(), trip("BUS-001", *BUS_H1_H2_H3().lines, line("H3", "P99")), TRUCK_H2())),
    ("coverage", "household H3", _plan(lambda plan: replace(plan, unplanned=(
        *plan.unplanned, Unplanned("H3", 1, UnplannedReason.UNDECIDED, "asked to wait"))))),
    ("coverage", "household H9", _plan(lambda plan: replace(plan, unplanned=(
        *plan.unplanned, Unplanned("H9", 1, UnplannedReason.UNDECIDED, "not registered"))))),
    ("category", "person P4", _scenario(lambda scenario: agreement_of(
        scenario, terms=Terms(frozenset({Category.CIVILIAN}), True, 3)))),
    ("household_split", "household H2", _trips(
        AMBULANCE_H1(), trip("BUS-001", line("H1", "P3", luggage=4),
                             line("H2", "P4", "P5", luggage=4), line("H3", "P7")),
        trip("BUS-002", line("H2", "P6")), TRUCK_H2())),
    ("companion", "person P2", _trips(
        trip("AMB-001", line("H1", "P2", stretcher=("P2",))),
        trip("BUS-001", line("H1", "P1", "P3", luggage=4), *BUS_H1_H2_H3().lines[1:]),
        TRUCK_H2())),
    ("linked", "household H3", lambda scenario, plan: (scenario, replace(plan, days=3, convoys=(
        convoy(AMBULANCE_H1(), trip("BUS-001", *BUS_H1_H2_H3().lines[:2]), TRUCK_H2()),
        next_day_convoy(trip("AMB-002"), trip("BUS-002", line("H3", "P7"))))))),
    ("seats", "vehicle BUS-001 in convoy 2017-03-18/1",
     _scenario(lambda scenario: fleet_of(scenario, "BUS", seats=4))),
    ("seats", "vehicle TRK-001 in convoy 2017-03-18/1", _trips(
        AMBULANCE_H1(), trip("BUS-001", *BUS_H1_H2_H3().lines[:2]),
        trip("TRK-001", line("H2", luggage=2), line("H3", "P7")))),
    ("stretchers", "vehicle BUS-001 in convoy 2017-03-18/1", _trips(
        trip("AMB-001"),
        trip("BUS-001", line("H1", "P1", "P2", "P3", stretcher=("P2",), luggage=4),
             *BUS_H1_H2_H3().lines[1:]), TRUCK_H2())),
    ("stretchers", "person P2", _trips(
        trip("AMB-001"), trip("BUS-001", line("H1", "P1", "P2", "P3", luggage=4),
                              *BUS_H1_H2_H3().lines[1:]), TRUCK_H2())),
    ("hold", "vehicle BUS-001 in convoy 2017-03-18/1", _trips(
        AMBULANCE_H1(), trip("BUS-001", line("H1", "P3", luggage=4),
                             line("H2", "P4", "P5", "P6", luggage=6), line("H3", "P7")),
        trip("TRK-001"))),
    ("luggage", "household H2", _trips(AMBULANCE_H1(), BUS_H1_H2_H3(), trip("TRK-001"))),
    ("luggage", "household H2", _trips(
        AMBULANCE_H1(), BUS_H1_H2_H3(), trip("BUS-002", line("H2", luggage=2)))),
    ("vehicle", "vehicle BUS-999 in convoy 2017-03-18/1", _trips(
        AMBULANCE_H1(), trip("BUS-999", *BUS_H1_H2_H3().lines), TRUCK_H2())),
    ("vehicle", "vehicle TRK-001 in convoy 2017-03-18/1", _trips(
        AMBULANCE_H1(), BUS_H1_H2_H3(), trip("TRK-001", line("H2", luggage=1)),
        trip("TRK-001", line("H2", luggage=1)))),
    ("vehicle", "vehicle BUS-001 in convoy 2017-03-18/1", _trips(
        AMBULANCE_H1(), VehicleTrip("BUS-001", TRUCK, BUS_H1_H2_H3().lines), TRUCK_H2())),
    ("availability", "vehicle TRK-001 in convoy 2017-03-18/1", _scenario(
        lambda scenario: fleet_of(scenario, "TRK", available=(
            DateRange(date(2017, 3, 20), date(2017, 4, 14)),)))),
    ("circulation", "vehicle BUS-001", lambda scenario, plan: (scenario, without_unplanned(
        plan, convoy(), next_day_convoy(trip("AMB-002"),
                                        trip("BUS-001", line("H6", "P10", luggage=2))), days=3))),
    ("convoy_size", "convoy 2017-03-18/1",
     _scenario(lambda scenario: rules_of(scenario, max_vehicles_per_convoy=2))),
    ("ambulances", "convoy 2017-03-18/1",
     _scenario(lambda scenario: rules_of(scenario, min_ambulances_per_convoy=2))),
    ("departure_window", "convoy 2017-03-18/1", lambda scenario, plan: (scenario, replace(
        plan, pins=(Pin("H2", DAY),), convoys=(convoy(departure=NINE.replace(hour=15)),)))),
    ("convoys_per_day", "2017-03-18", lambda scenario, plan: (scenario, without_unplanned(
        plan, convoy(), convoy(trip("AMB-002"), trip("BUS-002", line("H6", "P10", luggage=2)),
                               convoy_id="2017-03-18/2", departure=NINE.replace(hour=10)),
        days=2))),
    ("checkpoint", "convoy 2017-03-18/1", _plan(lambda plan: replace(  # arrives 22:10: 1 day
        plan, days=1, convoys=(convoy(departure=NINE.replace(hour=6, minute=10)),)))),
    ("checkpoint", "convoy 2017-03-18/1", _scenario(lambda scenario: operation_of(
        scenario, checkpoint=replace(scenario.operation.checkpoint, closes=time(8))))),
    ("reception", "2017-03-19 at jarablus",
     _scenario(lambda scenario: jarablus_of(scenario, reception_capacity_per_day=6))),
    ("window", "convoy 2017-03-18/1", _scenario(lambda scenario: agreement_of(
        scenario, window=DateRange(DAY, DAY),
        phases=(Phase("first", DateRange(DAY, DAY), 2000, ("jarablus",)),)))),
    ("phase", "convoy 2017-03-18/1", _scenario(lambda scenario: agreement_of(
        scenario, phases=(Phase("later", DateRange(date(2017, 3, 20), date(2017, 3, 31))),)))),
    ("phase", "convoy 2017-03-18/1", _scenario(lambda scenario: agreement_of(
        scenario, phases=(Phase("first", DateRange(DAY, date(2017, 3, 31)), None,
                                ("idlib",)),)))),
    ("quota", "phase first", _scenario(lambda scenario: agreement_of(
        scenario, phases=(Phase("first", DateRange(DAY, date(2017, 3, 31)), 6),)))),
    ("destination", "household H2", _scenario(
        lambda scenario: households_of(scenario, "H2", destination_preference="idlib"))),
    ("eligibility", "person P4",
     _scenario(lambda scenario: jarablus_of(scenario, accepts_combatants=False))),
    ("pin", "household H2", _plan(lambda plan: replace(plan, pins=(Pin("H2", DAY.replace(
        day=19)),)))),
    ("pin", "household H2", _plan(lambda plan: replace(plan, pins=(Pin("H2", DAY,
                                                                       "2017-03-18/2"),)))),
    ("pin", "household H9", _plan(lambda plan: replace(plan, pins=(Pin("H9", DAY),)))),
]


@pytest.mark.parametrize(("rule", "subject", "change"), BROKEN,
                         ids=[f"{rule}-{n}" for n, (rule, _, _) in enumerate(BROKEN)])
def test_breaking_one_rule_reports_that_rule_alone(scenario: Scenario, plan: Plan, rule: str,
                                                  subject: str, change: Change) -> None:
    """One change that breaks one rule is reported once, under that rule's code and subject."""
    broken_scenario, broken_plan = change(scenario, plan)
    violations = check_plan(broken_scenario, broken_plan)
    assert [(v.rule, v.subject) for v in violations] == [(rule, subject)], violations


def test_every_rule_has_a_test_that_breaks_it() -> None:
    """The cases above break every rule of the doc, so that no rule goes unchecked."""
    assert {rule for rule, _, _ in BROKEN} == set(RULES)


def test_convoy_to_a_destination_outside_the_agreement_is_reported(
        scenario: Scenario, plan: Plan) -> None:
    """A convoy to a place that is not a destination of the agreement breaks `destination`."""
    scenario = agreement_of(scenario, phases=())
    elsewhere = replace(plan, convoys=(replace(plan.convoys[0], destination="aleppo"),))
    violations = check_plan(scenario, elsewhere)
    assert Violation("destination", "convoy 2017-03-18/1", "convoy 2017-03-18/1 goes to "
                     "'aleppo', which is not a destination of the agreement") in violations
    assert {v.rule for v in violations} == {"destination"}


def test_seats_message_gives_the_figures(scenario: Scenario, plan: Plan) -> None:
    """The sentence says how many sit and how many seats there are."""
    violations = check_plan(fleet_of(scenario, "BUS", seats=4), plan)
    assert [v.message for v in violations] == ["BUS-001 carries 5 seated persons but has 4 seats"]


# --- the rules' finer points ------------------------------------------------------------------


def big_family() -> Scenario:
    """One household of 50 leavers: more than the largest bus (45 seats) can take."""
    persons = tuple(builders.person(f"P{n}", "H1", luggage_pieces=0) for n in range(50))
    base = builders.operation(convoy_rules=replace(builders.operation().convoy_rules,
                                                   min_ambulances_per_convoy=0))
    return Scenario(base, (builders.household("H1"),), persons)


def big_family_plan(split: tuple[str, ...]) -> Plan:
    """The big family on two buses, 09:00 on 18 March."""
    ids = [f"P{n}" for n in range(50)]
    trips = (trip("BUS-001", line("H1", *ids[:45])), trip("BUS-002", line("H1", *ids[45:])))
    return Plan("al-waer-test", "2017-03-13", 0, (convoy(*trips),), (), (), 2, False, "seats",
                split_households=split)


def test_household_bigger_than_a_bus_may_spread_over_buses_when_listed() -> None:
    """A household with more members than the largest bus has seats may fill several buses."""
    assert check_plan(big_family(), big_family_plan(("H1",))) == []


def test_household_bigger_than_a_bus_must_be_listed_to_spread() -> None:
    """Spreading a big household without listing it in split_households is reported."""
    violations = check_plan(big_family(), big_family_plan(()))
    assert [(v.rule, v.subject) for v in violations] == [("household_split", "household H1")]
    assert "split_households" in violations[0].message


def test_household_that_fits_a_bus_may_not_spread_even_when_listed(scenario: Scenario) -> None:
    """Listing a small household in split_households does not let it use two buses."""
    split = replace(evacuation_plan(convoy(
        AMBULANCE_H1(), trip("BUS-001", line("H1", "P3", luggage=4),
                             line("H2", "P4", "P5", luggage=4), line("H3", "P7")),
        trip("BUS-002", line("H2", "P6")), TRUCK_H2())), split_households=("H2",))
    assert [v.rule for v in check_plan(scenario, split)] == ["household_split"]


def test_household_in_two_convoys_is_split(scenario: Scenario) -> None:
    """Members of one household in two convoys break household_split, naming both convoys."""
    two = replace(evacuation_plan(
        convoy(AMBULANCE_H1(), trip("BUS-001", line("H1", "P3", luggage=4),
                                    line("H2", "P4", "P5", luggage=4), line("H3", "P7")),
               TRUCK_H2()),
        next_day_convoy(trip("AMB-002"), trip("BUS-002", line("H2", "P6"))), days=3), pins=())
    violations = check_plan(scenario, two)
    assert [(v.rule, v.subject, v.message) for v in violations] == [
        ("household_split", "household H2",
         "household H2 is in 2 convoys: 2017-03-18/1, 2017-03-19/1")]


def test_person_in_another_households_line_counts_for_their_own(scenario: Scenario) -> None:
    """A person filed under another household counts for their own household, not the line's."""
    misfiled = evacuation_plan(
        convoy(AMBULANCE_H1(), trip("BUS-001", line("H1", "P3", luggage=4),
                                    line("H2", "P4", "P5", "P6", luggage=4)), TRUCK_H2()),
        next_day_convoy(trip("AMB-002"), trip("BUS-002", line("H1", "P7"))), days=3)
    rules = [(v.rule, v.subject) for v in check_plan(scenario, misfiled)]
    assert ("coverage", "person P7") in rules
    assert ("household_split", "household H1") not in rules
    assert ("linked", "household H3") in rules  # P7's household H3 rides apart from H1


def checkpoint_scenario() -> Scenario:
    """The evacuation through a checkpoint of one lane, 6 vehicles an hour, two convoys a day."""
    scenario = operation_of(evacuation(), checkpoint=builders.checkpoint(
        lanes=1, vehicles_per_hour_per_lane=6))
    return rules_of(scenario, max_convoys_per_day=2)


@pytest.mark.parametrize(("minute", "valid"), [(30, True), (29, False)])
def test_checkpoint_boundary_is_exact(minute: int, valid: bool) -> None:
    """Three vehicles at 6 an hour are through at 06:30 exactly: a convoy may leave then."""
    plan = evacuation_plan(convoy(departure=NINE.replace(hour=6, minute=minute)), days=1)
    rules = [v.rule for v in check_plan(checkpoint_scenario(), plan)]
    assert rules == ([] if valid else ["checkpoint"])


def test_checkpoint_counts_the_earlier_convoys_of_the_day() -> None:
    """A second convoy waits for the vehicles of the first as well as its own."""
    second = convoy(trip("AMB-002"), trip("BUS-002", line("H6", "P10", luggage=2)),
                    convoy_id="2017-03-18/2", departure=NINE.replace(hour=6, minute=45))
    first = convoy(departure=NINE.replace(hour=6, minute=30))
    plan = without_unplanned(evacuation_plan(), first, second, days=1)
    violations = check_plan(checkpoint_scenario(), plan)
    # Alone, the second convoy's 2 vehicles need 20 minutes; after the first's 3, 50 minutes.
    assert [(v.rule, v.subject) for v in violations] == [("checkpoint", "convoy 2017-03-18/2")]
    assert check_plan(checkpoint_scenario(), replace(plan, convoys=(
        first, replace(second, departure=NINE.replace(hour=6, minute=50))))) == []


def test_reception_adds_up_the_convoys_arriving_on_one_day() -> None:
    """Two convoys that each fit the reception capacity can overflow it together."""
    scenario = jarablus_of(rules_of(evacuation(), max_convoys_per_day=2),
                           reception_capacity_per_day=7)
    second = convoy(trip("AMB-002"), trip("BUS-002", line("H6", "P10", luggage=2)),
                    convoy_id="2017-03-18/2", departure=NINE.replace(hour=10))
    plan = without_unplanned(evacuation_plan(), convoy(), second, days=2)
    assert [(v.rule, v.subject) for v in check_plan(scenario, plan)] == [
        ("reception", "2017-03-19 at jarablus")]


def test_circulation_allows_a_departure_after_the_round_trip_and_rest(scenario: Scenario) -> None:
    """BUS-001 back from Jarablus (2 x 16 h) and rested (16 h) may leave 48 hours later."""
    scenario = rules_of(scenario, rest_hours=16.0)
    back = next_day_convoy(trip("AMB-002"), trip("BUS-001", line("H6", "P10", luggage=2)))
    for hours, rules in ((48, []), (47, ["circulation"])):
        later = replace(back, departure=NINE + timedelta(hours=hours),
                        day=(NINE + timedelta(hours=hours)).date())
        plan = without_unplanned(evacuation_plan(), convoy(), later, days=4)
        assert [v.rule for v in check_plan(scenario, plan)] == rules


def test_unknown_ids_are_reported_not_raised(scenario: Scenario, plan: Plan) -> None:
    """Unknown vehicles, households, persons and destinations give violations, not exceptions."""
    garbage = replace(plan, convoys=(convoy(
        trip("XYZ-1", line("H77", "P77", luggage=3)), trip("AMB-001", line("H1", "P2", "P8",
                                                                         stretcher=("P2", "P8"))),
        destination="nowhere"),), pins=(Pin("H88", DAY, "none"),))
    violations = check_plan(scenario, garbage)
    assert {"coverage", "vehicle", "destination", "pin"} <= {v.rule for v in violations}


def test_violations_come_in_doc_order_then_subject(scenario: Scenario, plan: Plan) -> None:
    """The list is sorted by the rule's place in the doc, then by subject, and is repeatable."""
    broken = replace(plan, days=9, convoys=(convoy(
        trip("AMB-001"), trip("BUS-001", line("H1", "P1", "P2", "P3", stretcher=("P2",))),
        departure=NINE.replace(hour=23)),))
    violations = check_plan(scenario, broken)
    keys = [(RULES.index(v.rule), v.subject, v.message) for v in violations]
    assert keys == sorted(keys) and len(violations) > 3
    assert check_plan(scenario, broken) == violations


# --- properties: valid by construction, one mutation rejected ---------------------------------

WINDOW = DateRange(date(2017, 3, 18), date(2017, 4, 14))


def roomy_operation_scenario(sizes: list[list[int]]) -> Scenario:
    """Households of the given luggage per member, with an ample fleet, checkpoint and camp."""
    operation = builders.operation(
        agreement=builders.agreement(phases=(), window=WINDOW),
        checkpoint=builders.checkpoint(lanes=10, people_per_hour_per_lane=1000,
                                       vehicles_per_hour_per_lane=100),
        destinations=(Destination("jarablus", "Jarablus", "SY020400",
                                  builders.destinations()[0].coordinates, 16.0, 100_000),
                      builders.destinations()[1]),
        fleet=(FleetEntry("BUS", BUS, 60, seats=45, luggage_capacity=90),
               FleetEntry("AMB", AMBULANCE, 10, seats=2, stretchers=1)),
        convoy_rules=ConvoyRules(60, 1, time(6), time(14), 8.0, 1))
    households = tuple(Household(f"H{h}", "ap-1") for h in range(len(sizes)))
    persons = tuple(Person(f"P{h}-{m}", f"H{h}", "Someone", Sex.FEMALE, Category.CIVILIAN,
                           Intent.LEAVE, age=30, luggage_pieces=pieces)
                    for h, members in enumerate(sizes) for m, pieces in enumerate(members))
    return Scenario(operation, households, persons)


def packed_plan(scenario: Scenario, days: list[int]) -> Plan:
    """One household a bus, each household on its day (every other day), each bus used once."""
    by_household: dict[str, list[Person]] = {}
    for person in scenario.persons:
        by_household.setdefault(person.household_id, []).append(person)
    convoys = []
    bus = 0
    for number, day in enumerate(sorted(set(days))):
        trips = [trip(f"AMB-{number + 1:03d}")]
        for household, offset in zip(by_household, days, strict=True):
            if offset == day:
                bus += 1
                members = by_household[household]
                trips.append(trip(f"BUS-{bus:03d}", line(
                    household, *(p.person_id for p in members),
                    luggage=sum(p.luggage_pieces for p in members))))
        convoys.append(convoy(*trips, convoy_id=f"C{day}",
                              departure=NINE + timedelta(days=2 * day)))
    last_arrival = (convoys[-1].departure + timedelta(hours=16)).date()
    return Plan("al-waer-test", "2017-03-13", 0, tuple(convoys), (), (),
                (last_arrival - WINDOW.start).days + 1, False, "none")


@st.composite
def packed_evacuations(draw: st.DrawFn) -> tuple[Scenario, Plan]:
    """A random registry of 1 to 12 households of 2 to 6 leavers and a plan valid by design."""
    luggage = st.lists(st.integers(0, 4), min_size=2, max_size=6)
    sizes = draw(st.lists(luggage, min_size=1, max_size=12))
    days = draw(st.lists(st.integers(0, 4), min_size=len(sizes), max_size=len(sizes)))
    scenario = roomy_operation_scenario(sizes)
    return scenario, packed_plan(scenario, days)


@settings(max_examples=60, deadline=None)
@given(packed_evacuations())
def test_plans_valid_by_construction_are_accepted(evacuation: tuple[Scenario, Plan]) -> None:
    """Whatever the households and days, one household a bus with room to spare is valid."""
    scenario, plan = evacuation
    assert check_plan(scenario, plan) == []


def _replace_trip(plan: Plan, at: tuple[int, int], new: VehicleTrip | None) -> Plan:
    convoys = list(plan.convoys)
    trips = list(convoys[at[0]].trips)
    if new is None:
        del trips[at[1]]
    else:
        trips[at[1]] = new
    convoys[at[0]] = replace(convoys[at[0]], trips=tuple(trips))
    return replace(plan, convoys=tuple(convoys))


def _bus_trips(plan: Plan) -> list[tuple[int, int]]:
    return [(c, t) for c, convoy_ in enumerate(plan.convoys)
            for t, trip_ in enumerate(convoy_.trips) if trip_.kind is BUS]


def move_a_person(scenario: Scenario, plan: Plan, data: st.DataObject) -> tuple[Scenario, Plan]:
    """A person leaves their household's bus for another vehicle (any convoy)."""
    source = data.draw(st.sampled_from(_bus_trips(plan)))
    old = plan.convoys[source[0]].trips[source[1]]
    person = data.draw(st.sampled_from(old.lines[0].persons))
    plan = _replace_trip(plan, source, replace(old, lines=(replace(
        old.lines[0], persons=tuple(p for p in old.lines[0].persons if p != person)),)))
    targets = [(c, t) for c, convoy_ in enumerate(plan.convoys)
               for t in range(len(convoy_.trips)) if (c, t) != source]
    target = data.draw(st.sampled_from(targets))
    new = plan.convoys[target[0]].trips[target[1]]
    moved = replace(new, lines=(*new.lines, line(old.lines[0].household_id, person)))
    return scenario, _replace_trip(plan, target, moved)


def overfill_a_bus(scenario: Scenario, plan: Plan, data: st.DataObject) -> tuple[Scenario, Plan]:
    """The contracted buses turn out to have one seat fewer than the fullest bus needs."""
    fullest = max(plan.convoys[c].trips[t].seated for c, t in _bus_trips(plan))
    return fleet_of(scenario, "BUS", seats=fullest - 1), plan


def depart_at_night(scenario: Scenario, plan: Plan, data: st.DataObject) -> tuple[Scenario, Plan]:
    """One convoy's departure is shifted to 23:00."""
    index = data.draw(st.integers(0, len(plan.convoys) - 1))
    convoys = list(plan.convoys)
    convoys[index] = replace(convoys[index], departure=convoys[index].departure.replace(hour=23))
    return scenario, replace(plan, convoys=tuple(convoys))


def drop_a_person(scenario: Scenario, plan: Plan, data: st.DataObject) -> tuple[Scenario, Plan]:
    """A person is left off their household's line."""
    at = data.draw(st.sampled_from(_bus_trips(plan)))
    old = plan.convoys[at[0]].trips[at[1]]
    persons = old.lines[0].persons
    dropped = data.draw(st.sampled_from(persons))
    kept = replace(old.lines[0], persons=tuple(p for p in persons if p != dropped))
    return scenario, _replace_trip(plan, at, replace(old, lines=(kept,)))


MUTATIONS = [(move_a_person, "household_split"), (overfill_a_bus, "seats"),
             (depart_at_night, "departure_window"), (drop_a_person, "coverage")]


@settings(max_examples=80, deadline=None)
@given(packed_evacuations(), st.sampled_from(MUTATIONS), st.data())
def test_one_mutation_of_a_valid_plan_is_rejected(
        evacuation: tuple[Scenario, Plan],
        mutation: tuple[Callable[[Scenario, Plan, st.DataObject], tuple[Scenario, Plan]], str],
        data: st.DataObject) -> None:
    """Moving a person, overfilling a bus, leaving at night or dropping a person is caught."""
    change, rule = mutation
    scenario, plan = change(*evacuation, data)
    assert rule in {v.rule for v in check_plan(scenario, plan)}


# --- the API and the doc ------------------------------------------------------------------------


def test_rules_are_the_codes_of_the_doc_in_its_order() -> None:
    """RULES equals the code column of docs/planning-rules.md, so that the two cannot drift."""
    documented = tuple(re.findall(r"^\| `([a-z_]+)` \|", RULES_DOC, re.M))
    assert documented == RULES


def test_every_rule_has_exactly_one_check_in_doc_order() -> None:
    """The checker runs one check per rule code, in the doc's order."""
    assert tuple(CHECKS) == RULES


def test_public_names_are_exactly_those_exported() -> None:
    """__all__ lists every public name of corridor.checker and nothing it lacks."""
    public = {name for name in vars(checker) if not name.startswith("_")}
    assert set(checker.__all__) == public == {"RULES", "Violation", "check_plan"}


def test_checker_imports_only_the_standard_library_and_the_domain() -> None:
    """The checker shares no code with the planner: standard library and corridor.domain only."""
    allowed = ("corridor.domain", "corridor.checker", "corridor.memory")
    assert foreign_imports(CHECKER_SOURCES, allowed) == []


def test_relatives_put_on_stretchers_do_not_excuse_a_lone_stretcher_case() -> None:
    """P2 needs a stretcher; P1 and P3 can sit. With P1 and P3 on stretchers in two more
    ambulances, P2 rides alone and the household is on three vehicles: every rule it breaks
    is reported (once, only a missing companion was, and this plan passed)."""
    scenario = fleet_of(evacuation(), "AMB", count=3)
    bus = trip("BUS-001", line("H2", "P4", "P5", "P6", luggage=4), line("H3", "P7"))
    truck = trip("TRK-001", line("H2", luggage=2), line("H1", luggage=4))
    ambulances = (trip("AMB-001", line("H1", "P2", stretcher=("P2",))),
                  trip("AMB-002", line("H1", "P1", stretcher=("P1",))),
                  trip("AMB-003", line("H1", "P3", stretcher=("P3",))))
    found = check_plan(scenario, evacuation_plan(convoy(*ambulances, bus, truck)))
    assert {(v.rule, v.subject) for v in found} == {
        ("household_split", "household H1"), ("companion", "person P2"),
        ("stretchers", "person P1"), ("stretchers", "person P3")}
    assert "does not need one" in next(v.message for v in found if v.subject == "person P1")


def test_convoys_in_the_same_minute_count_each_other_at_the_checkpoint() -> None:
    """One lane, 6 s a person and a vehicle: A (4 people, 2 vehicles) at 06:00:30 and B (3, 2)
    at 06:00:45 leave in one minute, so A counts B too and cannot leave before 06:00:42 (the
    seconds once split the minute and the plan passed)."""
    scenario = rules_of(evacuation(), max_convoys_per_day=2)
    scenario = operation_of(scenario, checkpoint=replace(
        scenario.operation.checkpoint, lanes=1, people_per_hour_per_lane=600,
        vehicles_per_hour_per_lane=600))
    six = datetime(2017, 3, 18, 6, 0)

    def plan_at(a_at: datetime, b_at: datetime) -> Plan:
        first = convoy(trip("AMB-001", line("H1", "P1", "P2", stretcher=("P2",))),
                       trip("BUS-001", line("H1", "P3", luggage=4), line("H3", "P7")),
                       convoy_id="A", departure=a_at)
        second = convoy(trip("AMB-002"), trip("BUS-002", line("H2", "P4", "P5", "P6", luggage=6)),
                        convoy_id="B", departure=b_at)
        return replace(evacuation_plan(first, second, days=1), pins=())

    same_minute = check_plan(scenario, plan_at(six + timedelta(seconds=30),
                                               six + timedelta(seconds=45)))
    assert [(v.rule, v.subject) for v in same_minute] == [("checkpoint", "convoy A")]
    apart = check_plan(scenario, plan_at(six + timedelta(minutes=1), six + timedelta(minutes=2)))
    assert [v for v in apart if v.rule == "checkpoint"] == []


def test_a_person_listed_twice_on_a_line_is_refused() -> None:
    """A stretcher case listed twice on a line once made the seats look one emptier."""
    with pytest.raises(InvalidValue, match="lists P2 twice in on_stretcher"):
        ManifestLine("H1", ("P1", "P2", "P3"), ("P2", "P2"))
    with pytest.raises(InvalidValue, match="lists P1 twice in persons"):
        ManifestLine("H1", ("P1", "P1"))


def test_a_household_that_leaves_cannot_be_left_behind_as_undecided() -> None:
    """H3 (P7 leaves) listed as unplanned because undecided, and in no convoy: the plan once
    passed, leaving P7 behind under a false name."""
    scenario, base = evacuation(), evacuation_plan(convoy(
        ambulance_with_stretcher_case(), trip("BUS-001", line("H1", "P3"),
                                              line("H2", "P4", "P5", "P6", luggage=6)),
        trip("TRK-001", line("H1", luggage=4))))
    plan = replace(base, unplanned=(*base.unplanned, Unplanned(
        "H3", 1, UnplannedReason.UNDECIDED, "undecided")))
    found = [(v.rule, v.subject) for v in check_plan(scenario, plan)]
    assert ("coverage", "household H3") in found
    message = next(v.message for v in check_plan(scenario, plan) if v.subject == "household H3")
    assert "because undecided, but 1 person of it leaves" in message
