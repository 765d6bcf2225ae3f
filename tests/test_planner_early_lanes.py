"""Early lanes: a destination whose day of reception is more than the checkpoint clears before
the last departure that arrives the same day leaves 08:00 to 14:00 and arrives the next day;
some convoys may still leave early and arrive the same day, when that shortens the plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.checker import check_plan
from corridor.domain import (
    DateRange,
    FleetEntry,
    Phase,
    Plan,
    Scenario,
    VehicleKind,
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
