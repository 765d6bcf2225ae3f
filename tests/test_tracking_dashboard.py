"""The dashboard's figures: they add up to the projection, never count a person twice, and the
monitors' version publishes no figure below the threshold, the same figure every time."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from hypothesis import HealthCheck, given, settings

from corridor.domain import BoundKind
from corridor.domain.events import Event
from corridor.planner import make_plan
from corridor.reports.disclosure import DisclosurePolicy, Ledger
from corridor.synthetic import generate
from corridor.tracking import Roster
from corridor.tracking.dashboard import dashboard, protected_dashboard
from corridor.tracking.projections import GROUPINGS, CountKey, StageCounts, project
from tests.test_tracking_properties import ROSTER, histories

AFTER = datetime(2017, 3, 25, 12, 0)
"""A moment after both convoys' days: every day of the crossing is closed."""


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_counts_are_the_sum_of_each_persons_share(events: list[Event]) -> None:
    """The fast tally of :meth:`Projection.counts` is, row by row, the sum of
    :meth:`StageCounts.of` of the persons in that row."""
    view = project(ROSTER, events)
    expected: dict[CountKey, StageCounts] = defaultdict(StageCounts)
    for status in view.persons.values():
        key = CountKey(status.convoy_id, status.vehicle_id, status.destination, status.day)
        expected[key] += StageCounts.of(status)
    assert view.counts(GROUPINGS) == dict(expected)
    assert view.total() == sum(expected.values(), StageCounts())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_the_dashboard_adds_up(events: list[Event]) -> None:
    """Stages are the projection's totals; convoys' people add up to the planned people; the
    days' departures add up to the departed of convoys on those days, cumulatives run."""
    view = project(ROSTER, events)
    board = dashboard(view, AFTER)
    total = view.total()
    assert board.stages == {stage: total.at(stage) for stage in
                            (s for s in type(next(iter(view.persons.values())).stage))}
    assert board.planned_people == sum(c.planned for c in board.convoys) == 6
    assert sum(line.planned for line in board.days if line.planned) == 6
    running = 0
    for line in board.days:
        running += line.departed or 0
        assert line.departed_cumulative == running
    departed_on_trips = sum(c.departed or 0 for c in board.convoys)
    assert board.days[-1].departed_cumulative == departed_on_trips
    for convoy in board.convoys:
        assert convoy.planned == sum(t.planned for t in convoy.trips)
        assert (convoy.boarded or 0) >= sum(t.boarded for t in convoy.trips) - 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), histories())
def test_monitors_never_see_a_small_figure_and_what_was_shown_stays(
        first: list[Event], later: list[Event]) -> None:
    """No published figure is between 1 and the threshold - 1; a second release with more
    events keeps every figure already published (the ledger)."""
    policy = DisclosurePolicy(5)
    shown, ledger = protected_dashboard(project(ROSTER, first), AFTER, policy, Ledger())
    figures = [shown.planned_people, *shown.stages.values()]
    for line in shown.days:
        figures += [line.planned, line.planned_cumulative, line.departed,
                    line.departed_cumulative, line.arrived]
    # A convoy's planned people cut a day's figure finer (a review recovered a withheld day
    # from them): monitors see none.
    figures += [line.planned for line in (*shown.convoys, *shown.next_hours)]
    assert all(value is None or value == 0 or value >= 5 for value in figures), figures
    assert shown.medical == () and shown.discrepancies == ()
    assert all(c.boarded is None and c.trips == () for c in shown.convoys)
    again, kept = protected_dashboard(project(ROSTER, first + later), AFTER, policy, ledger)
    for key, value in ledger.published.items():
        assert kept.published.get(key) == value, f"{key} was published as {value}"
    for line_before, line_after in zip(shown.days, again.days, strict=True):
        assert line_after.planned == line_before.planned  # the same plan: the same figures


def test_the_binding_constraint_is_named_and_its_sentence_kept_from_monitors() -> None:
    """The dashboard names the constraint of the best day bound and that bound; the monitors'
    version keeps the name but not the planner's sentence (it carries registry counts, such as
    how many people go to a destination) nor the bound."""
    scenario = generate(2000, seed=11)
    plan = make_plan(scenario).plan
    best = max((b for b in plan.bounds if b.kind is BoundKind.DAYS), key=lambda b: b.value)
    view = project(Roster(scenario, plan), [])
    board = dashboard(view, AFTER)
    assert (board.binding_kind, board.day_bound) == (best.constraint, best.value)
    assert board.binding_constraint == plan.binding_constraint != ""
    shown, _ledger = protected_dashboard(view, AFTER, DisclosurePolicy(5), Ledger())
    assert (shown.binding_kind, shown.day_bound, shown.binding_constraint) == (
        best.constraint, None, "")
