"""At 2,000 people the plan reaches its day bound: a schedule of whole convoys, followed."""

from __future__ import annotations

import pytest

from corridor.checker import check_plan
from corridor.domain import BoundKind
from corridor.planner import make_plan
from corridor.planner.consolidate import consolidate
from corridor.planner.manifests import Realised, realise
from corridor.planner.problem import build_problem
from corridor.planner.schedule import solve_schedule
from corridor.planner.solve import _priority_quality
from corridor.synthetic import generate


@pytest.mark.parametrize("seed", [2017, 2])
def test_two_thousand_people_take_the_bound_of_eight_days(seed: int) -> None:
    """Before the whole schedule these plans took 10 days (remainders of 30 to 40 people on
    convoys of their own); now 8, the fleet-circulation bound, with fewer trips than 76."""
    scenario = generate(2_000, seed=seed)
    plan = make_plan(scenario).plan
    assert check_plan(scenario, plan) == []
    bound = plan.best_bound(BoundKind.DAYS)
    assert bound is not None and bound.value == 8
    assert plan.days == 8 and plan.proven_optimal_days
    assert plan.trips <= 76
    assert make_plan(scenario).plan == plan  # same seed, same plan


def test_the_whole_schedule_has_whole_vehicles_and_none_below_the_bound() -> None:
    """The mixed-integer schedule finds a horizon of 8 days and none of 7 (the bound holds)."""
    problem = build_problem(generate(2_000, seed=2017))
    assert solve_schedule(problem, 8, 0, None, 5) is not None
    assert solve_schedule(problem, 7, 0, None, 5) is None


def test_of_the_plans_at_the_bound_the_earliest_for_priorities_is_kept() -> None:
    """The first whole schedule (5 improving solutions), filled heavy luggage first, reaches
    the bound already; the search goes on (50 solutions, and the filling that keeps priority
    order) and keeps the 8-day plan whose medical emergencies and other vulnerable households
    arrive earliest (priority-weighted arrival days), at no more trips."""
    scenario = generate(2_000, seed=2017)
    problem = build_problem(scenario)
    plan = make_plan(scenario).plan
    chosen = _priority_quality(problem, Realised(list(plan.convoys), [], plan.days - 1))
    first = solve_schedule(problem, 8, 0, None, 5)
    assert first is not None
    quick = _priority_quality(problem, consolidate(problem, realise(
        problem, first, lambda done, total: None, follow=True, light_first=True)))
    assert quick[:2] == chosen[:2] == (0, 7)  # both 8 days, nobody left
    assert chosen[2] < quick[2] and chosen[3] <= quick[3], (chosen, quick)
