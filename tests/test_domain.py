"""The domain refuses invalid values at construction, with one plain sentence."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from corridor.domain import (
    AgeBand,
    Checkpoint,
    ConvoyRules,
    CorridorError,
    DateRange,
    Destination,
    FleetEntry,
    InvalidValue,
    Phase,
    PriorityWeights,
    Problem,
    Scenario,
    ScenarioRejected,
    VehicleKind,
    Vulnerability,
)
from tests import builders


def test_every_error_has_a_stable_code() -> None:
    """Each error class in the tree carries its own code, so that edges can map it."""
    codes = {cls.code for cls in [CorridorError, *_subclasses(CorridorError)]}
    assert {"invalid_value", "invalid_scenario", "not_found", "already_exists",
            "database_not_initialised", "database_unreachable"} <= codes


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_problem_reads_as_file_row_column_and_reason() -> None:
    """A problem prints the way the issue asks: file, row, column, what is wrong."""
    problem = Problem("persons.csv", 17, "age", '"abc" is not a whole number')
    assert str(problem) == 'persons.csv row 17, column age: "abc" is not a whole number'
    assert str(Problem("operation.toml", None, "checkpoint.lanes", "x")) == \
        "operation.toml, checkpoint.lanes: x"


def test_rejected_scenario_counts_its_problems() -> None:
    """The summary sentence of a rejection says how many problems there are and the first."""
    error = ScenarioRejected([Problem("a.csv", 2, "b", "bad"), Problem("a.csv", 3, "b", "bad")])
    assert "2 problems" in str(error) and "a.csv row 2" in str(error)


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "  "}, "name"),
    ({"birth_year": None, "age": None}, "age"),
    ({"age": 130, "birth_year": None}, "age"),
    ({"birth_year": 1700}, "birth_year"),
    ({"needs_stretcher": True}, "needs_stretcher"),
    ({"luggage_pieces": -1}, "luggage_pieces"),
    ({"person_id": " P1"}, "person_id"),
])
def test_person_rejects_invalid_values(change: dict[str, object], field: str) -> None:
    """Each invalid person value raises InvalidValue naming its field."""
    with pytest.raises(InvalidValue) as raised:
        builders.person(**change)
    assert raised.value.field == field
    assert raised.value.message[0].islower() or raised.value.message[0].isupper()


def test_stretcher_case_is_a_medical_emergency() -> None:
    """A stretcher case with a medical emergency is valid."""
    person = builders.person(vulnerabilities=frozenset({Vulnerability.MEDICAL_EMERGENCY}),
                             needs_stretcher=True)
    assert person.needs_stretcher


@pytest.mark.parametrize(("change", "field"), [
    ({"linked_to": "H2"}, "link_kind"),
    ({"linked_to": "H1", "link_kind": "guardian"}, "linked_to"),
    ({"phone": "call me"}, "phone"),
    ({"assembly_point": ""}, "assembly_point"),
])
def test_household_rejects_invalid_values(change: dict[str, object], field: str) -> None:
    """Each invalid household value raises InvalidValue naming its field."""
    with pytest.raises(InvalidValue) as raised:
        builders.household("H1", **change)
    assert raised.value.field == field


def test_age_band_boundaries() -> None:
    """Ages fall in the reporting bands 0-4, 5-11, 12-17, 18-59, 60+."""
    assert [AgeBand.of(age) for age in (0, 4, 5, 11, 12, 17, 18, 59, 60, 99)] == [
        AgeBand.AGE_0_4, AgeBand.AGE_0_4, AgeBand.AGE_5_11, AgeBand.AGE_5_11, AgeBand.AGE_12_17,
        AgeBand.AGE_12_17, AgeBand.AGE_18_59, AgeBand.AGE_18_59, AgeBand.AGE_60_PLUS,
        AgeBand.AGE_60_PLUS]


def test_age_comes_from_birth_year_when_known() -> None:
    """A birth year gives the age in the operation's year; otherwise the registered age."""
    assert builders.person(birth_year=2000).age_in(2017) == 17
    assert builders.person(birth_year=None, age=7).age_in(2017) == 7


def test_checkpoint_capacity_per_day_binds_on_both_rates() -> None:
    """Two lanes of 150 people and 6 vehicles an hour, open 12 hours."""
    checkpoint = builders.checkpoint()
    assert checkpoint.people_per_day == 3600
    assert checkpoint.vehicles_per_day == 144
    with pytest.raises(InvalidValue, match="opens at 18:00"):
        replace(checkpoint, opens=time(18), closes=time(6))
    with pytest.raises(InvalidValue, match="lane"):
        Checkpoint("cp", "cp", 0, 1, 1, time(6), time(7))


def test_destination_needs_a_valid_pcode_and_capacity() -> None:
    """P-codes follow the OCHA shape; reception capacity is at least one person a day."""
    base = builders.destinations()[0]
    with pytest.raises(InvalidValue, match="P-code"):
        replace(base, pcode="jarablus")
    with pytest.raises(InvalidValue, match="reception capacity"):
        replace(base, reception_capacity_per_day=0)
    assert isinstance(base, Destination)


def test_agreement_rejects_phases_outside_window_or_overlapping() -> None:
    """Phases lie inside the window and do not overlap; they name only agreed destinations."""
    agreement = builders.agreement()
    outside = Phase("late", DateRange(date(2017, 4, 10), date(2017, 5, 1)))
    with pytest.raises(InvalidValue, match="not inside the window"):
        replace(agreement, phases=(outside,))
    overlapping = (Phase("a", DateRange(date(2017, 3, 18), date(2017, 3, 25))),
                   Phase("b", DateRange(date(2017, 3, 25), date(2017, 3, 30))))
    with pytest.raises(InvalidValue, match="overlap"):
        replace(agreement, phases=overlapping)
    with pytest.raises(InvalidValue, match="homs"):
        replace(agreement, phases=(Phase("a", DateRange(date(2017, 3, 18), date(2017, 3, 20)),
                                         None, ("homs",)),))
    assert agreement.phase_on(date(2017, 4, 2)) is not None
    assert agreement.phase_on(date(2017, 5, 2)) is None


def test_fleet_entry_names_its_vehicles_and_checks_kinds() -> None:
    """A fleet entry expands into named vehicles; a bus has no stretchers, an ambulance has."""
    entry = FleetEntry("BUS", VehicleKind.BUS, 3, seats=45, luggage_capacity=80)
    assert [vehicle.vehicle_id for vehicle in entry.vehicles()] == ["BUS-001", "BUS-002",
                                                                     "BUS-003"]
    with pytest.raises(InvalidValue, match="stretcher"):
        FleetEntry("AMB", VehicleKind.AMBULANCE, 1, seats=2)
    with pytest.raises(InvalidValue, match="no stretchers"):
        FleetEntry("BUS", VehicleKind.BUS, 1, seats=40, stretchers=1)


def test_vehicle_availability_by_day() -> None:
    """A vehicle with availability ranges is usable only on those days."""
    truck = next(builders.operation().fleet[2].vehicles())
    assert not truck.available_on(date(2017, 3, 19))
    assert truck.available_on(date(2017, 3, 20))
    bus = next(builders.operation().fleet[0].vehicles())
    assert bus.available_on(date(2017, 3, 19))


def test_convoy_rules_and_priorities_reject_nonsense() -> None:
    """Departure window in order; ambulances fewer than vehicles; weights not increasing."""
    with pytest.raises(InvalidValue, match="earliest departure"):
        ConvoyRules(60, 1, time(14), time(6), 8, 1)
    with pytest.raises(InvalidValue, match="ambulances"):
        ConvoyRules(2, 1, time(6), time(14), 8, 2)
    with pytest.raises(InvalidValue, match="weights"):
        PriorityWeights(1.0, 3.0, 1.0)


def test_operation_rejects_duplicate_sites_and_unknown_destinations() -> None:
    """Site ids are unique and the agreement's destinations are sites."""
    operation = builders.operation()
    with pytest.raises(InvalidValue, match="used twice"):
        replace(operation, checkpoint=replace(operation.checkpoint, site_id="ap-1"))
    with pytest.raises(InvalidValue, match="not sites"):
        replace(operation, destinations=operation.destinations[:1])


def test_scenario_rejects_references_that_do_not_resolve() -> None:
    """A person of an unknown household or a link to an unknown household is refused."""
    scenario = builders.scenario()
    with pytest.raises(InvalidValue, match="H9 does not exist"):
        Scenario(scenario.operation, scenario.households,
                 (*scenario.persons, builders.person("P9", "H9")))
    with pytest.raises(InvalidValue, match="no members"):
        Scenario(scenario.operation, (*scenario.households, builders.household("H4")),
                 scenario.persons)
    with pytest.raises(InvalidValue, match="not a destination"):
        Scenario(scenario.operation, (builders.household("H1",
                                                         destination_preference="homs"),
                                      *scenario.households[1:]), scenario.persons)
