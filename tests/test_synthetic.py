"""The seeded synthetic scenario generator: determinism, calibration, references, feasibility."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from corridor import synthetic
from corridor.domain import (
    Category,
    Intent,
    InvalidValue,
    LinkKind,
    Person,
    Scenario,
    Sex,
    VehicleKind,
    Vulnerability,
    reference_problems,
)
from corridor.synthetic import (
    CapacityCheck,
    capacity_checks,
    demand_of,
    expected_demand,
    generate,
    operation_for,
    scale_for,
)
from tests.imports import foreign_imports

MID_SIZE = 20_600  # al-Waer's registered leavers
YEAR = 2017
SYNTHETIC_SOURCES = Path(synthetic.__file__).parent
ARABIC_NAME = re.compile(r"^[\u0600-\u06FF]+( [\u0600-\u06FF]+)+$")
SYNTHETIC_PHONE = re.compile(r"^\+963 90\d \d{3} \d{3}$")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The al-Waer-sized scenario with the default seed."""
    return generate(MID_SIZE)


@pytest.fixture(scope="module")
def leavers(scenario: Scenario) -> list[Person]:
    """Everyone in the al-Waer-sized scenario who intends to leave."""
    return list(scenario.leaving())


@pytest.fixture(scope="module")
def members(scenario: Scenario) -> dict[str, list[Person]]:
    """The persons of each household, by household id."""
    by_household: dict[str, list[Person]] = {}
    for person in scenario.persons:
        by_household.setdefault(person.household_id, []).append(person)
    return by_household


def share(part: int, whole: int) -> float:
    """``part`` as a percentage of ``whole``."""
    return 100 * part / whole


def failed(checks: tuple[CapacityCheck, ...]) -> list[str]:
    """The checks that do not hold, with their figures, for a readable assertion."""
    return [f"{check.name}: needs {check.needed}, has {check.available}"
            for check in checks if not check.holds]


# --- the API ---------------------------------------------------------------------------------


def test_public_names_are_exactly_those_exported() -> None:
    """__all__ lists every public name of corridor.synthetic and nothing it lacks."""
    public = {name for name in vars(synthetic) if not name.startswith("_")}
    assert set(synthetic.__all__) == public
    assert all(hasattr(synthetic, name) for name in synthetic.__all__)


def test_generator_imports_only_the_standard_library_and_the_domain() -> None:
    """The synthetic package stays a pure core: no third-party or edge imports."""
    allowed = ("corridor.domain", "corridor.synthetic", "corridor.memory")
    assert foreign_imports(SYNTHETIC_SOURCES, allowed) == []


@pytest.mark.parametrize("leaving", [0, -5, 1_999, 1_000_001, 10**9])
def test_out_of_range_leaving_is_rejected_with_a_sentence(leaving: int) -> None:
    """A number of leavers outside 2,000 to 1,000,000 raises InvalidValue naming the range."""
    with pytest.raises(InvalidValue, match="between 2,000 and 1,000,000") as raised:
        generate(leaving)
    assert raised.value.code == "invalid_value"
    assert raised.value.field == "leaving"


@pytest.mark.parametrize("leaving", [True, 2_000.0, "2000"])
def test_leaving_that_is_not_a_whole_number_is_rejected(leaving: object) -> None:
    """Booleans, floats and strings are refused rather than coerced."""
    with pytest.raises(InvalidValue, match="whole number"):
        scale_for(leaving)  # type: ignore[arg-type]


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_gives_the_same_scenario() -> None:
    """Two runs with the same number and seed build equal scenarios."""
    assert generate(2_000, seed=7) == generate(2_000, seed=7)


def test_different_seeds_give_different_registries() -> None:
    """Another seed draws other people for the same operation."""
    first, second = generate(2_000, seed=1), generate(2_000, seed=2)
    assert first.persons != second.persons
    assert first.operation.fleet == second.operation.fleet


def test_progress_counts_persons_up_to_the_total() -> None:
    """The progress callback rises steadily and ends at (total, total)."""
    calls: list[tuple[int, int]] = []
    scenario = generate(2_000, progress=lambda done, total: calls.append((done, total)))
    total = len(scenario.persons)
    assert calls[-1] == (total, total)
    assert all(seen_total == total for _, seen_total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert 50 <= len(calls) <= 200


# --- counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("leaving", [2_000, 2_001, 7_777, 12_345])
def test_exactly_the_requested_number_intend_to_leave(leaving: int) -> None:
    """The registry holds exactly ``leaving`` persons whose intent is leave."""
    assert sum(1 for _ in generate(leaving, seed=leaving).leaving()) == leaving


def test_stayers_and_undecided_match_the_chosen_size(scenario: Scenario) -> None:
    """Stayers and undecided are exactly the numbers scale_for announces."""
    size = scale_for(MID_SIZE)
    intents = Counter(person.intent for person in scenario.persons)
    assert intents == {Intent.LEAVE: MID_SIZE, Intent.STAY: size.staying,
                       Intent.UNDECIDED: size.undecided}


def test_stayers_are_about_2_64_per_leaver(scenario: Scenario) -> None:
    """As in al-Waer (75,000 residents, 20,600 leaving), 2.5 to 2.8 people stay per leaver."""
    staying = sum(1 for person in scenario.persons if person.intent is Intent.STAY)
    assert 2.5 <= staying / MID_SIZE <= 2.8


def test_undecided_households_are_a_few_percent(members: dict[str, list[Person]]) -> None:
    """Between 1 and 6 % of households are wholly undecided."""
    undecided = sum(1 for people in members.values()
                    if all(person.intent is Intent.UNDECIDED for person in people))
    assert 1 <= share(undecided, len(members)) <= 6


# --- calibration on al-Waer ------------------------------------------------------------------


def test_children_are_36_to_42_percent_of_leavers(leavers: list[Person]) -> None:
    """Children under 18 are within the 36-42 % reported for the al-Waer convoys."""
    children = sum(1 for person in leavers if person.age_in(YEAR) < 18)
    assert 36 <= share(children, len(leavers)) <= 42


def test_combatants_are_about_a_fifth_of_leavers(leavers: list[Person]) -> None:
    """Fighters are 15 to 25 % of leavers, all men of 16 to 55."""
    fighters = [person for person in leavers if person.category is Category.COMBATANT]
    assert 15 <= share(len(fighters), len(leavers)) <= 25
    assert all(person.sex is Sex.MALE and 16 <= person.age_in(YEAR) <= 55 for person in fighters)


def test_about_1150_fighters_stay_for_3700_who_leave(scenario: Scenario) -> None:
    """Fighters staying under the settlement are 0.25 to 0.37 of those leaving (0.31 in 2017)."""
    fighters = Counter(person.intent for person in scenario.persons
                       if person.category is Category.COMBATANT)
    assert 0.25 <= fighters[Intent.STAY] / fighters[Intent.LEAVE] <= 0.37


def test_destination_split_follows_the_registrations(scenario: Scenario,
                                                     leavers: list[Person]) -> None:
    """Leavers split 12,000 / 6,200 / 2,400 between Jarablus, Idlib and rural Homs, +-2 points."""
    preference = {household.household_id: household.destination_preference
                  for household in scenario.households}
    split = Counter(preference[person.household_id] for person in leavers)
    assert split.keys() == {"jarablus", "idlib", "rural-homs"}
    for destination, expected in (("jarablus", 58.3), ("idlib", 30.1), ("rural-homs", 11.6)):
        assert abs(share(split[destination], len(leavers)) - expected) <= 2


def test_families_have_about_five_people(members: dict[str, list[Person]]) -> None:
    """Leaving families (adults with children) have 4.5 to 5.5 leavers, like batch 2's 370."""
    families = [[person for person in people if person.intent is Intent.LEAVE]
                for people in members.values()]
    families = [people for people in families
                if any(person.age_in(YEAR) < 18 for person in people)
                and any(person.age_in(YEAR) >= 18 for person in people)]
    mean = sum(len(people) for people in families) / len(families)
    assert 4.5 <= mean <= 5.5


def test_single_fighters_and_small_households_leave_too(
        members: dict[str, list[Person]]) -> None:
    """Among leaving households there are lone fighters and households of one or two."""
    leaving = [people for people in members.values()
               if any(person.intent is Intent.LEAVE for person in people)]
    lone_fighters = sum(1 for people in leaving
                        if len(people) == 1 and people[0].category is Category.COMBATANT)
    small = sum(1 for people in leaving if len(people) <= 2)
    assert share(lone_fighters, len(leaving)) >= 20
    assert share(small, len(leaving)) >= 40


def test_households_are_headed_by_an_adult(members: dict[str, list[Person]]) -> None:
    """Every household but those of unaccompanied or separated children starts with an adult."""
    alone = {Vulnerability.UNACCOMPANIED_CHILD, Vulnerability.SEPARATED_CHILD}
    for people in members.values():
        if not alone & people[0].vulnerabilities:
            assert people[0].age_in(YEAR) >= 17, people[0]


def test_vulnerabilities_occur_at_plausible_rates(leavers: list[Person]) -> None:
    """Medical 2-4 % (a third on stretchers), disability 2-4 %, pregnancy 3-7 % of women 15-45,
    most people over 60 elderly, unaccompanied or separated children 0.1-0.6 %."""
    def having(vulnerability: Vulnerability, people: list[Person]) -> list[Person]:
        return [person for person in people if vulnerability in person.vulnerabilities]

    medical = having(Vulnerability.MEDICAL_EMERGENCY, leavers)
    assert 2 <= share(len(medical), len(leavers)) <= 4
    assert 20 <= share(sum(person.needs_stretcher for person in medical), len(medical)) <= 45
    assert 2 <= share(len(having(Vulnerability.DISABILITY, leavers)), len(leavers)) <= 4
    women = [person for person in leavers
             if person.sex is Sex.FEMALE and 15 <= person.age_in(YEAR) <= 45]
    assert 3 <= share(len(having(Vulnerability.PREGNANCY, women)), len(women)) <= 7
    elderly = [person for person in leavers if person.age_in(YEAR) >= 60]
    assert 60 <= share(len(having(Vulnerability.ELDERLY, elderly)), len(elderly)) <= 95
    children_alone = (having(Vulnerability.UNACCOMPANIED_CHILD, leavers)
                      + having(Vulnerability.SEPARATED_CHILD, leavers))
    assert 0.1 <= share(len(children_alone), len(leavers)) <= 0.6
    assert all(person.age_in(YEAR) < 18 for person in children_alone)
    assert not any(Vulnerability.ELDERLY in person.vulnerabilities
                   for person in leavers if person.age_in(YEAR) < 60)


def test_luggage_is_within_the_allowance_and_children_carry_less(
        scenario: Scenario, leavers: list[Person]) -> None:
    """Nobody exceeds 2 suitcases and a backpack; children carry less than adults; stayers
    pack nothing."""
    allowance = scenario.operation.agreement.terms.luggage_allowance_per_person
    assert allowance == 3
    assert all(0 <= person.luggage_pieces <= allowance for person in leavers)
    adults = [person.luggage_pieces for person in leavers if person.age_in(YEAR) >= 18]
    children = [person.luggage_pieces for person in leavers if person.age_in(YEAR) < 18]
    assert sum(children) / len(children) < sum(adults) / len(adults)
    assert all(person.luggage_pieces == 0 for person in scenario.persons
               if person.intent is Intent.STAY)


def test_names_are_synthetic_arabic_and_phones_synthetic(scenario: Scenario) -> None:
    """Names are three words in Arabic script; phones, when given, are +963 90x numbers."""
    assert all(ARABIC_NAME.match(person.name) for person in scenario.persons[:5_000])
    phones = [household.phone for household in scenario.households]
    assert all(SYNTHETIC_PHONE.match(phone) for phone in phones if phone is not None)
    assert 40 <= share(sum(phone is not None for phone in phones), len(phones)) <= 80


def test_repeated_values_are_shared_objects(scenario: Scenario) -> None:
    """Names and empty vulnerability sets are shared, which keeps a million people small."""
    empty = [person.vulnerabilities for person in scenario.persons if not person.vulnerabilities]
    assert len({id(vulnerabilities) for vulnerabilities in empty}) == 1
    names = [person.name for person in scenario.persons]
    assert len({id(name) for name in names}) == len(set(names))


# --- references and links --------------------------------------------------------------------


def test_every_reference_resolves_and_every_household_has_members(scenario: Scenario) -> None:
    """The domain finds no dangling reference, repeated id or empty household."""
    problems = list(reference_problems(scenario.operation, scenario.households,
                                       scenario.persons))
    assert problems == []


def test_every_generated_person_passes_the_domain_checks(scenario: Scenario) -> None:
    """Re-building each person through its constructor raises nothing and changes nothing."""
    for person in scenario.persons:
        assert dataclasses.replace(person) == person


def test_links_point_back_and_share_the_destination(scenario: Scenario) -> None:
    """Linked households point to an earlier household with the same preference and point."""
    position = {household.household_id: index
                for index, household in enumerate(scenario.households)}
    linked = [household for household in scenario.households if household.linked_to]
    kinds = Counter(household.link_kind for household in linked)
    assert 3 <= share(kinds[LinkKind.EXTENDED_FAMILY], len(scenario.households)) <= 7
    for household in linked:
        anchor = scenario.households[position[household.linked_to or ""]]
        assert position[anchor.household_id] < position[household.household_id]
        assert anchor.destination_preference == household.destination_preference
        assert anchor.assembly_point == household.assembly_point


def test_children_alone_are_linked_to_a_guardian_household(
        scenario: Scenario, members: dict[str, list[Person]]) -> None:
    """Each household of unaccompanied or separated children has a guardian link to adults."""
    alone = {Vulnerability.UNACCOMPANIED_CHILD, Vulnerability.SEPARATED_CHILD}
    households = {household.household_id: household for household in scenario.households}
    child_households = [household_id for household_id, people in members.items()
                        if alone & people[0].vulnerabilities]
    assert child_households
    for household_id in child_households:
        household = households[household_id]
        assert household.link_kind is LinkKind.GUARDIAN
        guardians = members[household.linked_to or ""]
        assert any(person.age_in(YEAR) >= 18 for person in guardians)


def test_stayers_have_no_destination_and_leavers_always_one(scenario: Scenario,
                                                            members: dict[str, list[Person]]
                                                            ) -> None:
    """A household of stayers names no destination; a household with a leaver names one."""
    for household in scenario.households:
        intents = {person.intent for person in members[household.household_id]}
        if intents == {Intent.STAY}:
            assert household.destination_preference is None
        if Intent.LEAVE in intents:
            assert household.destination_preference is not None


# --- the operation ---------------------------------------------------------------------------


def test_operation_follows_the_al_waer_agreement(scenario: Scenario) -> None:
    """Parties, guarantor, monitors, terms, window start, first quota and destinations."""
    operation = scenario.operation
    agreement = operation.agreement
    assert [party.role for party in agreement.parties] == ["government", "armed opposition"]
    assert agreement.guarantor == "Russian Federation"
    assert {"SARC", "UN OCHA"} <= set(agreement.monitors)
    assert agreement.terms.may_leave == {Category.CIVILIAN, Category.COMBATANT}
    assert agreement.terms.settlement_option
    assert agreement.window.start == date(2017, 3, 18)
    assert agreement.phases[0].quota == 2_000
    assert len(agreement.phases) >= 2
    travel = {site.site_id: site.travel_hours for site in operation.destinations}
    assert travel == {"jarablus": 16.0, "idlib": 12.0, "rural-homs": 3.0}
    assert all(re.match(r"^SY\d{6}$", site.pcode) for site in operation.destinations)
    assert operation.checkpoint.open_hours == 12
    rules = operation.convoy_rules
    assert (rules.max_vehicles_per_convoy, rules.min_ambulances_per_convoy) == (60, 2)


def test_fleet_needs_luggage_trucks_at_about_one_per_7_to_13_buses(scenario: Scenario) -> None:
    """Bus holds take under two pieces a seat, and trucks come at 1 per 7 to 13 buses."""
    fleet = {entry.kind: entry for entry in scenario.operation.fleet}
    bus = fleet[VehicleKind.BUS]
    assert bus.luggage_capacity < 2 * bus.seats
    assert 7 <= bus.count / fleet[VehicleKind.LUGGAGE_TRUCK].count <= 13
    assert 1 <= fleet[VehicleKind.AMBULANCE].stretchers <= 2


def test_scale_grows_with_the_population() -> None:
    """Window, buses, lanes, reception and assembly points never shrink as leavers grow, and
    the window stays between two weeks and five months."""
    sizes = [scale_for(leaving) for leaving in (2_000, 20_600, 100_000, 1_000_000)]
    assert sizes[0].window_days == 14
    assert sizes[-1].window_days <= 150
    for smaller, larger in pairwise(sizes):
        assert smaller.window_days < larger.window_days
        assert smaller.buses < larger.buses
        assert smaller.checkpoint_lanes <= larger.checkpoint_lanes
        assert smaller.assembly_points <= larger.assembly_points
        assert all(small <= large for (_, small), (_, large)
                   in zip(smaller.reception_capacity_per_day, larger.reception_capacity_per_day,
                          strict=True))


# --- feasibility -----------------------------------------------------------------------------


@pytest.mark.parametrize("leaving", [2_000, 20_600, 100_000])
def test_generated_scenario_has_the_capacity_to_move_everyone(leaving: int) -> None:
    """Checkpoint, reception, seats, stretchers, ambulances, luggage and convoys all suffice."""
    scenario = generate(leaving)
    assert failed(capacity_checks(scenario.operation, demand_of(scenario))) == []


@pytest.mark.parametrize("leaving", [2_000, 20_600, 100_000, 1_000_000])
def test_sizing_keeps_slack_on_the_expected_demand(leaving: int) -> None:
    """On the expected demand, every aggregate capacity has at least 1.4 times the need."""
    checks = capacity_checks(operation_for(leaving), expected_demand(leaving))
    assert [check.name for check in checks if check.slack < 1.4] == []


def test_capacity_check_reports_a_fleet_too_small() -> None:
    """With a tenth of the buses and one ambulance, seat-days and ambulance checks fail."""
    scenario = generate(2_000)
    operation = scenario.operation
    fleet = tuple(dataclasses.replace(entry, count=max(1, entry.count // 10))
                  if entry.kind is VehicleKind.BUS
                  else dataclasses.replace(entry, count=1) if entry.kind is VehicleKind.AMBULANCE
                  else entry for entry in operation.fleet)
    shrunk = dataclasses.replace(operation, fleet=fleet)
    names = {check.name for check in capacity_checks(shrunk, demand_of(scenario))
             if not check.holds}
    assert {"bus_seat_days", "ambulances_per_convoy"} <= names


@pytest.mark.slow
def test_a_million_leavers_are_generated_exactly_and_feasibly() -> None:
    """At 1,000,000 leavers the count is exact and every capacity check holds."""
    scenario = generate(1_000_000)
    demand = demand_of(scenario)
    assert demand.leaving == 1_000_000
    assert failed(capacity_checks(scenario.operation, demand)) == []
