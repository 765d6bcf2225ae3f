"""Re-planning after a disruption: the past and locked convoys stay, only what must move moves,
every moved household says why, and the result keeps every rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.checker import check_plan
from corridor.domain import Convoy, Household, Plan, Scenario, VehicleKind
from corridor.domain.disruption import (
    ChangeReason,
    ConvoyHeld,
    DestinationClosed,
    Disruption,
    VehicleOutOfService,
)
from corridor.interop.disruption_toml import (
    DisruptionRejected,
    disruption_from_toml,
    disruption_to_toml,
)
from corridor.planner import make_plan
from corridor.planner.replan import ReplanResult, assignments, replan
from corridor.synthetic import generate


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The seeded al-Waer-like scenario with 2,000 people leaving."""
    return generate(2000, seed=2017)


@pytest.fixture(scope="module")
def plan(scenario: Scenario) -> Plan:
    """Its plan: 11 convoys over 10 days."""
    return make_plan(scenario).plan


def _as_of(plan: Plan, convoys_gone: int) -> datetime:
    """A moment just after the first ``convoys_gone`` convoys left."""
    return plan.convoys[convoys_gone - 1].departure + timedelta(minutes=1)


def _future(plan: Plan, moment: datetime) -> list[Convoy]:
    return [convoy for convoy in plan.convoys if convoy.departure >= moment]


def _checked(scenario: Scenario, result: ReplanResult) -> ReplanResult:
    assert check_plan(scenario, result.plan) == []
    return result


def _households_on(convoy: Convoy, vehicle_id: str | None = None) -> set[str]:
    return {line.household_id for trip in convoy.trips for line in trip.lines
            if vehicle_id is None or trip.vehicle_id == vehicle_id}


def _kept(previous: Plan, result: ReplanResult, convoy_ids: set[str]) -> None:
    new = {convoy.convoy_id: convoy for convoy in result.plan.convoys}
    for convoy in previous.convoys:
        if convoy.convoy_id in convoy_ids:
            assert new[convoy.convoy_id] == replace(convoy, locked=new[convoy.convoy_id].locked)


def test_one_bus_out_of_service_moves_only_its_households(scenario: Scenario, plan: Plan) -> None:
    """Only the households of the broken bus change place (their linked households with them)."""
    moment = _as_of(plan, 2)
    convoy = _future(plan, moment)[3]
    bus = next(trip.vehicle_id for trip in convoy.trips if trip.kind is VehicleKind.BUS)
    on_bus = _households_on(convoy, bus)
    disruption = Disruption(moment, vehicles_out=(VehicleOutOfService(bus, convoy.day,
                                                                      convoy.day),))
    result = _checked(scenario, replan(scenario, plan, disruption))
    assert result.changes
    for change in result.changes:
        if change.household_id in on_bus:
            assert change.reason is ChangeReason.VEHICLE_OUT_OF_SERVICE
            assert bus in change.explanation
        else:  # anyone else must say why: they travel with a household of that bus
            assert change.reason is ChangeReason.KNOCK_ON and bus in change.explanation
    assert not any(trip.vehicle_id == bus for c in result.plan.convoys if c.day == convoy.day
                   for trip in c.trips)
    assert result.replanned_from is None


def test_the_past_never_changes(scenario: Scenario, plan: Plan) -> None:
    """Convoys that left before as_of are copied as they were, whatever else happens."""
    moment = _as_of(plan, 4)
    past = {convoy.convoy_id for convoy in plan.convoys if convoy.departure < moment}
    future = _future(plan, moment)
    disruption = Disruption(moment, closures=(DestinationClosed(
        future[0].destination, (future[0].departure + timedelta(hours=16)).date()),),
        holds=(ConvoyHeld(future[1].convoy_id, future[1].day + timedelta(days=2)),))
    result = _checked(scenario, replan(scenario, plan, disruption))
    _kept(plan, result, past)
    for change in result.changes:
        assert change.before is None or change.before.departure >= moment


def test_locked_convoys_never_change(scenario: Scenario, plan: Plan) -> None:
    """A locked convoy keeps its manifest even when its bus breaks; the report says so."""
    moment = _as_of(plan, 2)
    convoy = _future(plan, moment)[2]
    bus = next(trip.vehicle_id for trip in convoy.trips if trip.kind is VehicleKind.BUS)
    disruption = Disruption(moment, locks=(convoy.convoy_id,), vehicles_out=(
        VehicleOutOfService(bus, convoy.day, convoy.day),))
    result = _checked(scenario, replan(scenario, plan, disruption))
    _kept(plan, result, {convoy.convoy_id})
    assert next(c for c in result.plan.convoys if c.convoy_id == convoy.convoy_id).locked
    assert any("locked" in sentence and bus in sentence for sentence in result.explanation)
    assert not result.changes


def test_no_shows_free_their_seats(scenario: Scenario, plan: Plan) -> None:
    """A no-show leaves its convoy (seats freed) and is planned again later, saying so."""
    moment = _as_of(plan, 2)
    convoy = _future(plan, moment)[1]
    no_show = sorted(_households_on(convoy))[0]
    result = _checked(scenario, replan(scenario, plan, Disruption(moment, no_shows=(no_show,))))
    new = next(c for c in result.plan.convoys if c.convoy_id == convoy.convoy_id)
    assert no_show not in _households_on(new)
    assert new.people < convoy.people
    change = next(c for c in result.changes if c.household_id == no_show)
    assert change.reason is ChangeReason.NO_SHOW and change.after is not None
    assert change.after.day > convoy.day


def test_a_no_show_on_a_departed_convoy_comes_off_it_only(scenario: Scenario,
                                                          plan: Plan) -> None:
    """The departed convoy loses just that household's lines; it is planned again."""
    moment = _as_of(plan, 3)
    gone = plan.convoys[0]
    no_show = sorted(_households_on(gone))[0]
    result = _checked(scenario, replan(scenario, plan, Disruption(moment, no_shows=(no_show,))))
    new = next(c for c in result.plan.convoys if c.convoy_id == gone.convoy_id)
    assert [t.vehicle_id for t in new.trips] == [t.vehicle_id for t in gone.trips]
    assert _households_on(new) == _households_on(gone) - {no_show}
    assert {c.household_id for c in result.changes} <= {no_show} | {
        u.household_id for u in result.plan.unplanned}


def test_a_new_registration_is_planned(scenario: Scenario, plan: Plan) -> None:
    """A household registered after the plan gets a place, and only it changes."""
    newcomer = Household("H9999", scenario.households[0].assembly_point, "idlib")
    template = next(p for p in scenario.persons if p.intent.value == "leave"
                    and not p.needs_stretcher)
    persons = tuple(replace(template, person_id=f"P9999-{n}", household_id="H9999",
                            vulnerabilities=frozenset()) for n in range(3))
    grown = Scenario(scenario.operation, (*scenario.households, newcomer),
                     (*scenario.persons, *persons))
    moment = _as_of(plan, 2)
    result = _checked(grown, replan(grown, plan, Disruption(moment)))
    assert "H9999" in assignments(result.plan)
    [change] = result.changes
    assert change.household_id == "H9999" and change.reason is ChangeReason.NEW_REGISTRATION
    assert change.before is None and change.after is not None
    assert change.after.departure >= moment + timedelta(hours=24)


def test_a_held_convoy_moves_its_households_and_says_so(scenario: Scenario, plan: Plan) -> None:
    """Nobody of a held convoy leaves before the day it is held to; each says convoy_held."""
    moment = _as_of(plan, 2)
    held = _future(plan, moment)[0]
    until = held.day + timedelta(days=2)
    result = _checked(scenario, replan(scenario, plan, Disruption(
        moment, holds=(ConvoyHeld(held.convoy_id, until),))))
    after = assignments(result.plan)
    reasons = {c.household_id: c for c in result.changes}
    for household_id in _households_on(held):
        assert reasons[household_id].reason is ChangeReason.CONVOY_HELD
        assert held.convoy_id in reasons[household_id].explanation
        assert household_id not in after or after[household_id].day >= until
    assert held.convoy_id not in {c.convoy_id for c in result.plan.convoys}
    for change in result.changes:
        assert change.reason in {ChangeReason.CONVOY_HELD, ChangeReason.KNOCK_ON,
                                 ChangeReason.CAPACITY_FREED}


def test_a_closed_destinations_day_moves(scenario: Scenario, plan: Plan) -> None:
    """No convoy arrives at a destination on the day it is closed; its people moved, saying so."""
    moment = _as_of(plan, 2)
    target = _future(plan, moment)[2]
    travel = {site.site_id: site.travel_hours for site in scenario.operation.destinations}
    arrival = (target.departure + timedelta(hours=travel[target.destination])).date()
    result = _checked(scenario, replan(scenario, plan, Disruption(
        moment, closures=(DestinationClosed(target.destination, arrival),))))
    for convoy in result.plan.convoys:
        if convoy.destination == target.destination:
            assert (convoy.departure + timedelta(hours=travel[convoy.destination])).date() \
                != arrival
    moved = {c.household_id: c for c in result.changes}
    for household_id in _households_on(target):
        assert moved[household_id].reason is ChangeReason.DESTINATION_CLOSED


def test_same_seed_same_result(scenario: Scenario, plan: Plan) -> None:
    """A re-plan is deterministic: the same inputs and seed give the same plan and changes."""
    moment = _as_of(plan, 2)
    held = _future(plan, moment)[0]
    disruption = Disruption(moment, holds=(ConvoyHeld(held.convoy_id,
                                                      held.day + timedelta(days=2)),))
    assert replan(scenario, plan, disruption, seed=3) == replan(scenario, plan, disruption,
                                                                seed=3)


@st.composite
def disruptions(draw: st.DrawFn, plan: Plan, scenario: Scenario) -> Disruption:
    """Small random disruptions of a plan: a moment, buses out, no-shows, a closure, a hold."""
    convoys = plan.convoys
    gone = draw(st.integers(0, len(convoys) - 1))
    moment = convoys[gone].departure - timedelta(minutes=1)
    future = [c for c in convoys if c.departure >= moment]
    buses = sorted({t.vehicle_id for c in convoys for t in c.trips})
    out = draw(st.lists(st.tuples(st.sampled_from(buses), st.sampled_from(future)),
                        max_size=2, unique_by=lambda item: item[0]))
    households = sorted({h for c in convoys for h in _households_on(c)})
    no_shows = draw(st.lists(st.sampled_from(households), max_size=3, unique=True))
    closures = ()
    if draw(st.booleans()):
        convoy = draw(st.sampled_from(future))
        travel = {s.site_id: s.travel_hours for s in scenario.operation.destinations}
        closures = (DestinationClosed(convoy.destination, (convoy.departure + timedelta(
            hours=travel[convoy.destination])).date()),)
    holds = ()
    if draw(st.booleans()):
        convoy = draw(st.sampled_from(future))
        holds = (ConvoyHeld(convoy.convoy_id, convoy.day + timedelta(
            days=draw(st.integers(0, 3)))),)
    locks = tuple(draw(st.lists(st.sampled_from([c.convoy_id for c in future]), max_size=1)))
    return Disruption(moment, no_shows=tuple(no_shows),
                      vehicles_out=tuple(VehicleOutOfService(bus, c.day, c.day)
                                         for bus, c in out),
                      closures=closures, holds=holds, locks=locks)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_small_disruption_gives_a_valid_replan(scenario: Scenario, plan: Plan,
                                                   data: st.DataObject) -> None:
    """The re-plan passes the checker, keeps departed and locked convoys (no-shows aside),
    keeps out-of-service buses, closed days and holds, and every changed household has a reason."""
    disruption = data.draw(disruptions(plan, scenario))
    result = replan(scenario, plan, disruption)
    assert check_plan(scenario, result.plan) == []
    new = {convoy.convoy_id: convoy for convoy in result.plan.convoys}
    no_shows = set(disruption.no_shows)
    for convoy in plan.convoys:
        if convoy.departure < disruption.as_of and convoy.convoy_id not in {
                h.convoy_id for h in disruption.holds}:
            kept = new[convoy.convoy_id]
            assert [t.vehicle_id for t in kept.trips] == [t.vehicle_id for t in convoy.trips]
            assert _households_on(kept) == _households_on(convoy) - no_shows
        elif convoy.convoy_id in disruption.locks:
            assert new[convoy.convoy_id] == replace(convoy, locked=True)
    for convoy in result.plan.convoys:
        if convoy.convoy_id in disruption.locks or convoy.departure < disruption.as_of:
            continue
        for trip in convoy.trips:
            assert not disruption.out_of_service(trip.vehicle_id, convoy.day)
        travel = {s.site_id: s.travel_hours for s in scenario.operation.destinations}
        arrival = (convoy.departure + timedelta(hours=travel[convoy.destination])).date()
        assert not disruption.closed(convoy.destination, arrival)
    before, after = assignments(plan), assignments(result.plan)
    changed = {h for h in set(before) | set(after) if before.get(h) != after.get(h)}
    assert changed == {change.household_id for change in result.changes}
    assert all(change.explanation for change in result.changes)
    held = {h.convoy_id: h.until for h in disruption.holds if h.convoy_id not in disruption.locks}
    for convoy_id, until in held.items():
        old = next(c for c in plan.convoys if c.convoy_id == convoy_id)
        for household_id in _households_on(old):
            if household_id in after and household_id not in no_shows:
                assert after[household_id].day >= until


def test_a_disruption_file_reads_back(scenario: Scenario, plan: Plan) -> None:
    """disruption_to_toml and disruption_from_toml agree."""
    convoy = plan.convoys[3]
    disruption = Disruption(datetime(2017, 3, 20, 6), no_shows=("H0001",), vehicles_out=(
        VehicleOutOfService("BUS-001", date(2017, 3, 22), date(2017, 3, 23)),),
        closures=(DestinationClosed("idlib", date(2017, 3, 24)),),
        holds=(ConvoyHeld(convoy.convoy_id, date(2017, 3, 25)),))
    text = disruption_to_toml(disruption)
    assert disruption_from_toml(text, scenario, plan) == disruption


def test_a_bad_disruption_file_names_file_and_key(scenario: Scenario, plan: Plan) -> None:
    """Every problem is listed with the file, the key and what to do; nothing is half-read."""
    text = """
as_of = 2017-03-20T06:00:00+02:00
no_shows = ["H0001", "NOBODY"]
colour = "red"

[[vehicles_out]]
vehicle = "BUS-999"
from = 2017-03-22

[[holds]]
convoy = "2017-01-01/9"
until = "soon"
"""
    with pytest.raises(DisruptionRejected) as caught:
        disruption_from_toml(text, scenario, plan, "disruption.toml")
    shown = [str(problem) for problem in caught.value.problems]
    assert any(s.startswith("disruption.toml, as_of: has a time zone") for s in shown)
    assert any("no_shows" in s and "'NOBODY' is not in the registry" in s for s in shown)
    assert any("colour: is not a known setting" in s for s in shown)
    assert any("vehicles_out[1].vehicle" in s and "BUS-999" in s for s in shown)
    assert any("holds[1].convoy" in s and "not in the plan" in s for s in shown)
    assert any("holds[1].until" in s for s in shown)
    assert caught.value.code == "invalid_disruption"
    with pytest.raises(DisruptionRejected, match="is not valid TOML"):
        disruption_from_toml("as_of = ", scenario, plan)


def test_unknown_references_are_refused_by_replan(scenario: Scenario, plan: Plan) -> None:
    """replan itself refuses a convoy the plan does not have (one plain sentence)."""
    with pytest.raises(ValueError, match="not in the plan"):
        replan(scenario, plan, Disruption(datetime(2017, 3, 20), holds=(
            ConvoyHeld("nope", date(2017, 3, 22)),)))

