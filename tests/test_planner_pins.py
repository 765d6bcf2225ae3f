"""Pins that cannot be kept are explained (household, day or convoy, constraint), never planned
into a plan that fails the checker; with drop_unmeetable_pins the plan is made without them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.checker import check_plan
from corridor.cli import console
from corridor.cli.app import ExitCode, run
from corridor.cli.identity import open_database
from corridor.cli.settings import Settings
from corridor.domain import (
    DateRange,
    FleetEntry,
    LinkKind,
    Phase,
    Pin,
    Plan,
    Scenario,
    VehicleKind,
    Vulnerability,
)
from corridor.interop.scenario_files import save_scenario
from corridor.planner import make_plan
from corridor.planner.pins import PinsUnmeetable, broken_pins
from tests import builders
from tests.test_cli import make_staff
from tests.test_planner import witnessed

START = date(2017, 3, 18)
FIRST = date(2017, 3, 20)  # phase "first": Jarablus only, quota 2,000
SECOND = date(2017, 4, 2)  # phase "second": both destinations, no quota


def _scenario(households: list[tuple[str, int, str | None]], stretcher: int = 0,
              **operation: Any) -> Scenario:
    """Households (id, leaving members, destination); the first ``stretcher`` of them have a
    stretcher case; the builders' operation with ``operation`` replaced."""
    made, persons = [], []
    for index, (household_id, size, destination) in enumerate(households):
        made.append(builders.household(household_id, destination_preference=destination))
        for member in range(size):
            case = index < stretcher and member == 0
            persons.append(builders.person(
                f"{household_id}-P{member}", household_id, needs_stretcher=case,
                vulnerabilities=frozenset({Vulnerability.MEDICAL_EMERGENCY}) if case
                else frozenset()))
    return Scenario(builders.operation(**operation), tuple(made), tuple(persons))


def _refused(scenario: Scenario, pins: tuple[Pin, ...], constraint: str,
             *words: str) -> PinsUnmeetable:
    """make_plan refuses with a conflict of ``constraint`` naming the pin and ``words``; with
    drop_unmeetable_pins it plans without the pin and the plan passes the checker."""
    with pytest.raises(PinsUnmeetable) as refused:
        make_plan(scenario, pins=pins)
    conflicts = refused.value.conflicts
    assert refused.value.code == "pins_unmeetable"
    assert any(c.constraint == constraint for c in conflicts), conflicts
    for conflict in conflicts:
        assert conflict.pin in pins
        assert f"household {conflict.pin.household_id} is pinned to {conflict.pin.day}" in \
            conflict.explanation
    text = " ".join(c.explanation for c in conflicts)
    for word in words:
        assert word in text, text
    dropped = make_plan(scenario, pins=pins, drop_unmeetable_pins=True)
    assert check_plan(scenario, dropped.plan) == []
    assert {c.pin for c in dropped.dropped_pins} == {c.pin for c in conflicts}
    assert set(dropped.plan.pins) == set(pins) - {c.pin for c in conflicts}
    return refused.value


def test_a_household_not_in_the_registry() -> None:
    scenario = _scenario([("H1", 3, "jarablus")])
    _refused(scenario, (Pin("H9", FIRST),), "pin", "H9", "not in the registry")


def test_a_household_that_stays_or_is_undecided() -> None:
    scenario = builders.scenario()  # H2's fighter stays; H3 is undecided
    _refused(scenario, (Pin("H2", FIRST),), "coverage", "nobody of it leaves")
    _refused(scenario, (Pin("H3", FIRST),), "coverage", "undecided")


def test_a_day_outside_the_window() -> None:
    scenario = _scenario([("H1", 3, "jarablus")])
    _refused(scenario, (Pin("H1", START - timedelta(days=1)),), "window",
             "2017-03-17", "the window runs from 2017-03-18 to 2017-04-14")


def test_a_day_whose_convoys_arrive_after_the_window() -> None:
    far = tuple(replace(site, travel_hours=20.0) for site in builders.destinations())
    scenario = _scenario([("H1", 3, "idlib")], destinations=far)
    _refused(scenario, (Pin("H1", date(2017, 4, 14)),), "window",
             "arrives on 2017-04-15 at the earliest")


def test_a_phase_that_takes_nobody_to_the_destination() -> None:
    scenario = _scenario([("H1", 3, "idlib")])
    _refused(scenario, (Pin("H1", FIRST),), "phase", "phase 'first' takes nobody to Idlib")


def test_a_day_in_no_phase() -> None:
    agreement = builders.agreement(phases=(Phase("only", DateRange(START, FIRST)),))
    scenario = _scenario([("H1", 3, "jarablus")], agreement=agreement)
    _refused(scenario, (Pin("H1", SECOND),), "phase", "in no phase")


def test_a_phase_quota() -> None:
    agreement = builders.agreement()
    phases = (replace(agreement.phases[0], quota=5), agreement.phases[1])
    scenario = _scenario([("H1", 3, "jarablus"), ("H2", 4, "jarablus")],
                         agreement=replace(agreement, phases=phases))
    refused = _refused(scenario, (Pin("H1", FIRST), Pin("H2", FIRST)), "quota",
                       "phase 'first' lets 5 people leave", "number 7 people")
    assert [c.pin.household_id for c in refused.conflicts] == ["H2"]  # H1 fits, in id order


def test_reception_on_the_arrival_day() -> None:
    small = tuple(replace(site, reception_capacity_per_day=10)
                  for site in builders.destinations())
    scenario = _scenario([("H1", 4, "jarablus"), ("H2", 4, "jarablus"), ("H3", 4, "jarablus")],
                         destinations=small)
    pins = tuple(Pin(h, FIRST) for h in ("H1", "H2", "H3"))
    refused = _refused(scenario, pins, "reception", "Jarablus (Zogra camp) receives 10 a day",
                       "the 3 households pinned to arrive there", "number 12 people")
    assert [c.pin.household_id for c in refused.conflicts] == ["H3"]


def test_the_checkpoint_of_the_day() -> None:
    slow = builders.checkpoint(people_per_hour_per_lane=2)
    scenario = _scenario([("H1", 20, "jarablus"), ("H2", 20, "jarablus")], checkpoint=slow)
    _refused(scenario, (Pin("H1", FIRST), Pin("H2", FIRST)), "checkpoint",
             "the checkpoint passes 32 people", "number 40 people")


def test_the_seats_of_the_fleet_available_that_day() -> None:
    fleet = (FleetEntry("BUS", VehicleKind.BUS, 1, seats=5, luggage_capacity=90),
             FleetEntry("AMB", VehicleKind.AMBULANCE, 2, seats=2, stretchers=1))
    rules = replace(builders.operation().convoy_rules, min_ambulances_per_convoy=1)
    scenario = _scenario([("H1", 5, "jarablus"), ("H2", 5, "jarablus")], fleet=fleet,
                         convoy_rules=rules)
    _refused(scenario, (Pin("H1", FIRST), Pin("H2", FIRST)), "seats",
             "seat 9", "seat 10 people")


def test_the_stretchers_of_the_ambulances_that_day() -> None:
    scenario = _scenario([(f"H{n}", 3, "jarablus") for n in range(1, 5)], stretcher=4)
    _refused(scenario, tuple(Pin(f"H{n}", FIRST) for n in range(1, 5)), "stretchers",
             "carry 3 stretchers", "4 stretcher cases")


def test_more_destinations_than_convoys_a_day() -> None:
    scenario = _scenario([("H1", 3, "jarablus"), ("H2", 3, "idlib")])
    _refused(scenario, (Pin("H1", SECOND), Pin("H2", SECOND)), "convoys_per_day",
             "at most 1 convoys leave a day", "2 destinations")


def test_linked_households_pinned_to_different_days() -> None:
    households = (builders.household("H1"), builders.household("H2", linked_to="H1",
                                                         link_kind=LinkKind.EXTENDED_FAMILY))
    persons = (builders.person("P1", "H1"), builders.person("P2", "H2"))
    scenario = Scenario(builders.operation(), households, persons)
    _refused(scenario, (Pin("H1", FIRST), Pin("H2", FIRST + timedelta(days=1))), "linked",
             "linked households travel in one convoy", "H2 is pinned to 2017-03-21")


def test_a_household_pinned_twice() -> None:
    scenario = _scenario([("H1", 3, "jarablus")])
    _refused(scenario, (Pin("H1", FIRST), Pin("H1", SECOND)), "pin", "pinned more than once")


def test_a_convoy_that_does_not_exist() -> None:
    scenario = _scenario([("H1", 3, "jarablus")])
    _refused(scenario, (Pin("H1", FIRST, "2017-03-20/4"),), "pin",
             "convoy 2017-03-20/4 does not exist", "2017-03-20/1 to 2017-03-20/1")
    _refused(scenario, (Pin("H1", FIRST, "2017-03-21/1"),), "pin", "does not exist")
    _refused(scenario, (Pin("H1", FIRST, "the red one"),), "pin", "does not exist")


def test_a_convoy_that_goes_elsewhere() -> None:
    rules = replace(builders.operation().convoy_rules, max_convoys_per_day=2)
    scenario = _scenario([("H1", 3, "jarablus"), ("H2", 3, "idlib")], convoy_rules=rules)
    _refused(scenario, (Pin("H1", SECOND, "2017-04-02/1"), Pin("H2", SECOND, "2017-04-02/1")),
             "pin", "convoy 2017-04-02/1 goes to one destination",
             "H2 goes to Idlib city")


def test_a_pin_only_the_planner_finds_it_cannot_keep() -> None:
    """Every pre-check passes (seats, reception, checkpoint), but a convoy of three vehicles
    cannot carry 100 people: the planner's own failure is explained, not handed to the checker."""
    rules = replace(builders.operation().convoy_rules, max_vehicles_per_convoy=3)
    scenario = _scenario([("H1", 50, "jarablus"), ("H2", 50, "jarablus")], convoy_rules=rules)
    refused = _refused(scenario, (Pin("H1", FIRST), Pin("H2", FIRST)), "planner",
                       "the planner")
    assert {c.constraint for c in refused.conflicts} == {"planner"}


def test_pins_that_can_be_kept_are_kept_and_convoys_named() -> None:
    rules = replace(builders.operation().convoy_rules, max_convoys_per_day=2)
    scenario = _scenario([("H1", 3, "jarablus"), ("H2", 4, "jarablus"), ("H3", 2, "jarablus"),
                          ("H4", 5, "idlib")], convoy_rules=rules)
    pins = (Pin("H1", FIRST, "2017-03-20/2"), Pin("H2", FIRST, "2017-03-20/2"),
            Pin("H3", FIRST + timedelta(days=2)), Pin("H4", SECOND, "2017-04-02/1"))
    result = make_plan(scenario, pins=pins)
    assert check_plan(scenario, result.plan) == []
    assert result.plan.pins == pins and result.dropped_pins == ()
    assert broken_pins(result.plan, pins) == ()
    convoy_of = {line.household_id: convoy.convoy_id for convoy in result.plan.convoys
                 for trip in convoy.trips for line in trip.lines}
    assert convoy_of["H1"] == convoy_of["H2"] == "2017-03-20/2"
    assert convoy_of["H4"] == "2017-04-02/1"


# --- the property: a plan that passes the checker, or an explanation naming a pin ------------

@st.composite
def pinned(draw: st.DrawFn) -> tuple[Scenario, Plan, tuple[Pin, ...]]:
    scenario, witness = draw(witnessed())
    window = scenario.operation.agreement.window
    chosen = draw(st.lists(st.sampled_from(scenario.households), max_size=6,
                           unique_by=lambda h: h.household_id))
    pins = []
    for household in chosen:
        day = window.start + timedelta(days=draw(st.integers(-2, window.days + 1)))
        convoy = draw(st.sampled_from([None, None, 1, 2, 3]))
        pins.append(Pin(household.household_id, day,
                        f"{day}/{convoy}" if convoy is not None else None))
    return scenario, witness, tuple(pins)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=pinned())
def test_random_pins_give_a_valid_plan_or_an_explanation_naming_a_pin(
        case: tuple[Scenario, Plan, tuple[Pin, ...]]) -> None:
    """Never a plan that fails the checker: with pins refused, every conflict names its pin;
    with them dropped, the plan passes and keeps every pin it names."""
    scenario, _witness, pins = case
    try:
        result = make_plan(scenario, seed=1, pins=pins)
    except PinsUnmeetable as refused:
        assert refused.conflicts
        for conflict in refused.conflicts:
            assert conflict.pin in pins
            assert conflict.pin.household_id in conflict.explanation
            assert str(conflict.pin.day) in conflict.explanation
    else:
        assert check_plan(scenario, result.plan) == []
        assert result.plan.pins == pins
    dropped = make_plan(scenario, seed=1, pins=pins, drop_unmeetable_pins=True)
    assert check_plan(scenario, dropped.plan) == []
    assert set(dropped.plan.pins) | {c.pin for c in dropped.dropped_pins} == set(pins)


# --- the command line ------------------------------------------------------------------------

@pytest.fixture
def plan_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with a coordinator signed in and a small scenario imported."""
    token = make_staff(tmp_path)
    monkeypatch.setenv("CORRIDOR_HOME", str(tmp_path))
    monkeypatch.setenv("CORRIDOR_TOKEN", token)
    monkeypatch.setattr(console.out, "width", 200)
    monkeypatch.setattr(console.err, "width", 200)
    households = [("H1", 3, "jarablus"), ("H2", 4, "jarablus"), ("H3", 2, "idlib")]
    save_scenario(_scenario(households), tmp_path / "scenario")
    assert run(["import", str(tmp_path / "scenario")]) == 0
    return tmp_path


def _stored_plans(home: Path) -> int:
    with open_database(Settings.from_environment({"CORRIDOR_HOME": str(home)})) as db:
        return len(db.plans())


@pytest.mark.parametrize(("pin", "words"), [
    ("H9=2017-03-20", ("household H9", "not in the registry")),
    ("H1=2017-03-17", ("household H1 is pinned to 2017-03-17", "the window runs")),
    ("H3=2017-03-20", ("household H3", "phase 'first' takes nobody to Idlib")),
    ("H1=2017-03-20/3", ("convoy 2017-03-20/3 does not exist",)),
])
def test_cli_refuses_an_unmeetable_pin_and_stores_nothing(
        plan_home: Path, capsys: pytest.CaptureFixture[str], pin: str,
        words: tuple[str, ...]) -> None:
    capsys.readouterr()
    assert run(["plan", "--pin", pin]) == ExitCode.INVALID_INPUT
    error = " ".join(capsys.readouterr().err.split())
    assert "pins_unmeetable" in error and "--drop-unmeetable-pins" in error
    for word in words:
        assert word in error
    assert _stored_plans(plan_home) == 0


def test_cli_two_pins_one_over_reception_and_one_kept(
        plan_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --drop-unmeetable-pins the plan is made without the pin, stored, and the pin listed;
    the pin that can be kept is kept (in the convoy it names)."""
    capsys.readouterr()
    assert run(["plan", "--pin", "H1=2017-03-17", "--pin", "H2=2017-03-21/1",
                "--drop-unmeetable-pins", "--output", str(plan_home / "plan.json")]) == 0
    output = capsys.readouterr()
    text = " ".join((output.out + output.err).split())
    assert "pin not kept (dropped)" in text and "household H1 is pinned to 2017-03-17" in text
    assert "passed check-plan and is stored" in text
    assert _stored_plans(plan_home) == 1
    plan = (plan_home / "plan.json").read_text()
    assert '"2017-03-21/1"' in plan


def test_cli_rejects_a_malformed_convoy_pin(plan_home: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["plan", "--pin", "H1=2017-03-20/first"]) == ExitCode.INVALID_INPUT
    assert "HOUSEHOLD=YYYY-MM-DD/N" in " ".join(capsys.readouterr().err.split())

