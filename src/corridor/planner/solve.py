"""``make_plan``: a scenario in, a plan with its bounds and explanations out. Pure and seeded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from corridor.domain import Bound, BoundKind, Pin, Plan, Scenario
from corridor.planner.bounds import day_bounds, trip_bounds
from corridor.planner.consolidate import consolidate
from corridor.planner.gap import TripGap, trip_gaps
from corridor.planner.manifests import Realised, ambulance_caps, realise
from corridor.planner.pins import (
    PinConflict,
    PinsUnmeetable,
    broken_pins,
    name_pinned_convoys,
    unmeetable_pins,
    without,
)
from corridor.planner.problem import (
    MINUTES_A_DAY,
    Priority,
    Problem,
    build_problem,
    lanes_of,
    minutes,
)
from corridor.planner.schedule import Schedule, smallest_horizon, solve_schedule

WHOLE_SLOTS = 60
"""Days of the window x destinations up to which a schedule of whole convoys and vehicles is
tried when the plan is longer than the best day bound (2,000 people: 14 x 3 = 42; 20,600: 174)."""

WHOLE_SOLUTION_LIMITS = (5, 50)
"""Improving solutions the whole schedule stops after, tried in turn (counts, not time)."""

Progress = Callable[[str, int, int], None]
"""Progress callback: (stage, done, total)."""


def no_progress(stage: str, done: int, total: int) -> None:
    """The default progress callback: ignore it."""


@dataclass(frozen=True, slots=True)
class PlanResult:
    """A plan, what the aggregate schedule promised, and why people could not all be planned.

    ``dropped_pins``: pins that could not be kept, each with its reason, when ``make_plan`` was
    asked to plan without them (the plan's own ``pins`` are the ones it keeps).
    """

    plan: Plan
    schedule_days: int | None
    infeasibility: tuple[str, ...]
    dropped_pins: tuple[PinConflict, ...] = ()
    trip_gaps: tuple[TripGap, ...] = ()
    """The plan's trips above the trip bound, by destination and cause (``gap.trip_gaps``)."""


def _pinned_people(problem: Problem) -> dict[tuple[int, str, Priority], int]:
    pinned: dict[tuple[int, str, Priority], int] = defaultdict(int)
    for group in problem.groups:
        if group.pinned_day is not None:
            pinned[group.pinned_day, group.destination, group.priority] += group.people
    return pinned


def _infeasibility(problem: Problem, bounds: tuple[Bound, ...]) -> tuple[str, ...]:
    """Sentences for every bound that the window cannot meet, with the people left over."""
    window = problem.window_days
    earliest = minutes(problem.operation.convoy_rules.departure_earliest)
    people_by_destination: dict[str, int] = defaultdict(int)
    for group in problem.groups:
        people_by_destination[group.destination] += group.people
    sentences = []
    for bound in bounds:
        if bound.kind is not BoundKind.DAYS or bound.value <= window:
            continue
        if bound.name.startswith("reception at "):
            lane = next(lane for lane in problem.lanes
                        if bound.name.startswith(f"reception at {lane.name}"))
            offset = (earliest + lane.travel_minutes) // MINUTES_A_DAY
            room = lane.reception_per_day * max(0, window - offset)
            excess = people_by_destination[lane.destination] - room
            sentences.append(f"{excess:,} people cannot arrive within the window: {lane.name} "
                             f"receives {lane.reception_per_day:,} a day")
        else:
            sentences.append(f"the window of {window} days is too short: {bound.explanation} "
                             f"({bound.value} days)")
    quotas = problem.phase_quotas
    if quotas and all(quota is not None for quota in quotas):
        room = sum(quota or 0 for quota in quotas)
        if room < problem.people:
            sentences.append(f"{problem.people - room:,} people cannot leave: the phases' "
                             f"quotas add up to {room:,}")
    return tuple(sentences)


def _quality(realised: Realised) -> tuple[int, int, int]:
    """People left behind, then days, then trips: smaller is better."""
    return (sum(u.people for u in realised.unplanned), realised.last_arrival_day,
            sum(len(convoy.trips) for convoy in realised.convoys))


def _priority_quality(problem: Problem, realised: Realised) -> tuple[int, int, float, int]:
    """People left behind, days, priority-weighted arrival days, then trips: the schedule's
    own order of objectives (smaller is better)."""
    weights = problem.operation.priorities
    priority = {household.household_id: group.priority.weight(weights)
                for group in problem.groups for household in group.households}
    weighted = sum(sum(priority.get(line.household_id, 0.0)
                       for trip in convoy.trips for line in trip.lines) * (
        (convoy.day - problem.start).days + 1 + problem.lane_at(
            convoy.destination, convoy.departure.hour * 60 + convoy.departure.minute,
        ).arrival_offset) for convoy in realised.convoys)
    left, days, trips = _quality(realised)
    return (left, days, weighted, trips)


def _fill(problem: Problem, seed: int, best_day_bound: int, progress: Progress,
          schedule: Schedule | None = None, to_beat: Realised | None = None,
          ) -> tuple[Realised, Schedule | None]:
    """The schedule (unless given), the manifests that follow it (the best of several
    fillings) and the trip-saving pass over them.

    With ``to_beat`` (a second schedule, competing with that plan), only the first filling is
    made (at 1,000,000 people each takes 5 to 9 s; no other filling, no whole-convoy
    schedule), keeping the schedule's split of the quotas exactly (``realise(exact_quotas=
    True)``: that schedule has no day to spare), and the pass only when it leaves fewer people
    or takes fewer days than ``to_beat`` (else the plan is not kept: ``_make_plan``)."""
    progress("schedule", 0, 1)
    if schedule is None and problem.groups:
        low = max(1, min(best_day_bound, problem.window_days))
        schedule = smallest_horizon(problem, low, problem.window_days, seed,
                                    _pinned_people(problem))
    progress("schedule", 1, 1)
    # Whole households and whole buses can fall behind the fractional schedule. Other ways of
    # filling the days (as far as each goes; larger households first) are sometimes shorter:
    # they are tried only then, and the best plan is kept.
    alone = to_beat is not None
    realised = realise(problem, schedule, lambda d, t: progress("manifests", d, t),
                       exact_quotas=alone)
    tried = [realised]
    # Convoys held to their compulsory ambulances (manifests.ambulance_caps) save a day on a
    # small fleet of ambulances, or do not and may cost a trip: both are tried, the better kept.
    fewest = problem.operation.convoy_rules.min_ambulances_per_convoy
    if schedule is not None and fewest in ambulance_caps(problem).values() and not alone:
        other = realise(problem, schedule, lambda d, t: progress("manifests", d, t),
                        cap_ambulances=False)
        tried.append(other)
        if _quality(other) < _quality(realised):
            realised = other
    for guided, larger_first in ((True, True), (False, False), (False, True)):
        if schedule is None or alone or (
                not realised.unplanned and realised.last_arrival_day + 1 <= schedule.days):
            break
        other = realise(problem, schedule if guided else None,
                        lambda d, t: progress("manifests", d, t), larger_first)
        tried.append(other)
        if _quality(other) < _quality(realised):
            realised = other
    # Whole convoys: on a small problem whose plan is longer than the bound, a schedule with
    # whole convoys and vehicles (a mixed-integer programme at the bound's horizon), followed
    # convoy by convoy, heavy luggage on the trucks and light households in the other convoys.
    # (At 2,000 people this reaches the bound of 8 days where the others take 10: their last
    # convoys carried remainders of 30 to 40 people that the trucks' timing left behind.)
    horizon = max(1, best_day_bound)
    if schedule is not None and not alone and horizon < realised.last_arrival_day + 1 and \
            horizon <= problem.window_days and \
            problem.window_days * len(problem.lanes) <= WHOLE_SLOTS:
        for solutions in WHOLE_SOLUTION_LIMITS:
            whole = solve_schedule(problem, horizon, seed, _pinned_people(problem), solutions)
            if whole is None:
                break
            # Two fillings of it: heavy luggage first whatever the priority, and the same but
            # never before a lighter household of a higher priority; of the two, the fewer
            # days, then the earlier priority-weighted arrival, then fewer trips (the
            # schedule's own order), so medical emergencies wait only where it saves a day.
            fillings = [realise(problem, whole, lambda d, t: progress("manifests", d, t),
                                follow=True, light_first=True, keep_priority=keep)
                        for keep in (True, False)]
            tried.extend(fillings)
            other = min(fillings, key=_quality)
            if _quality(other) < _quality(realised):
                realised = other
            if not fillings[0].unplanned and fillings[0].last_arrival_day + 1 <= horizon:
                break  # at the bound with priority order kept: nothing better to search for
    # Fewer trips from the same days: households moved between vehicles and convoys (part of
    # the manifests stage for the progress bar). Every filling as short as the best gets the
    # pass, and the one with fewest trips after it is kept (the first on a tie).
    shortest = _quality(realised)[:2]
    if to_beat is not None and shortest >= _quality(to_beat)[:2]:
        return realised, schedule
    realised = min((consolidate(problem, candidate) for candidate in tried
                    if _quality(candidate)[:2] == shortest),
                   key=lambda candidate: _priority_quality(problem, candidate))
    return realised, schedule


def make_plan(scenario: Scenario, seed: int = 0, pins: tuple[Pin, ...] = (),
              progress: Progress = no_progress, widest_lanes: bool = False,
              drop_unmeetable_pins: bool = False, check_pins: bool = True) -> PlanResult:
    """Plan every household that leaves onto a vehicle, a convoy and a day.

    Pins are checked first (``pins.unmeetable_pins``) and the plan after (``pins.broken_pins``):
    a pin that cannot be kept raises :class:`PinsUnmeetable` (nothing is planned), or with
    ``drop_unmeetable_pins`` the plan is made without it and the pin is listed in
    ``dropped_pins`` with its reason. So a returned plan keeps every pin it names. With
    ``check_pins=False`` (the re-planner, which reports unkept pins itself) pins are planned as
    far as they go, unchecked.

    With ``widest_lanes``, only the widest window of departures for each destination (the
    re-planned tail of a plan: its first convoys must not arrive on the day that the kept
    convoys of the day before arrive).
    """
    if not check_pins or not pins:
        return _make_plan(scenario, seed, pins, progress, widest_lanes)
    day_pins = tuple(Pin(pin.household_id, pin.day) for pin in pins)
    dropped = unmeetable_pins(scenario, build_problem(scenario, day_pins, widest_lanes), pins)
    while True:
        if dropped and not drop_unmeetable_pins:
            raise PinsUnmeetable(dropped)
        kept = without(pins, dropped)
        result = _make_plan(scenario, seed, kept, progress, widest_lanes)
        broken = broken_pins(result.plan, kept)
        if not broken:
            return replace(result, dropped_pins=dropped)
        dropped = (*dropped, *broken)


def _make_plan(scenario: Scenario, seed: int, pins: tuple[Pin, ...], progress: Progress,
               widest_lanes: bool) -> PlanResult:
    """``make_plan`` with pins taken as they are."""
    progress("problem", 0, 1)
    problem = build_problem(scenario, pins, widest_lanes)
    trips = trip_bounds(problem)
    days = day_bounds(problem, trips)
    bounds = (*days, *trips.bounds)
    best_day_bound = max((bound.value for bound in days), default=0)
    # Early lanes (problem.early_lanes: departures that arrive a day before the lane's) only
    # when they shorten the schedule: each early convoy takes a convoy's ambulances for part
    # of a day's reception. (At 100,000 people, Jarablus's first day after the quota: 59 days
    # instead of 60.)
    plain = replace(problem, early_lanes=())
    realised, schedule = _fill(plain, seed, best_day_bound, progress)
    if problem.early_lanes and schedule is not None and \
            realised.last_arrival_day + 1 > best_day_bound:
        early = smallest_horizon(problem, max(1, min(best_day_bound, schedule.days - 1)),
                                 schedule.days - 1, seed, _pinned_people(problem)) \
            if schedule.days > best_day_bound else None
        if early is not None:
            other, other_schedule = _fill(problem, seed, best_day_bound, progress, early,
                                          realised)
            if _quality(other)[:2] < _quality(realised)[:2]:  # fewer left, or fewer days
                realised, schedule = other, other_schedule
    # Lanes that arrive a day earlier (a narrower window of departures, see problem._lane)
    # shorten the plan when one of them has the last arrival; when none has, the widest lanes
    # are planned as well and the better plan kept (fewer days, then fewer trips).
    wide = replace(plain, lanes=lanes_of(problem.operation, widest=True))
    narrowed = {lane.destination for lane, other in zip(problem.lanes, wide.lanes, strict=True)
                if lane != other}
    if narrowed and not widest_lanes and realised.convoys and not any(
            convoy.destination in narrowed and (convoy.day - problem.start).days +
            problem.lane(convoy.destination).arrival_offset == realised.last_arrival_day
            for convoy in realised.convoys):
        other, other_schedule = _fill(wide, seed, best_day_bound, progress)
        if _quality(other) < _quality(realised):
            realised, schedule = other, other_schedule
    plan_days = realised.last_arrival_day + 1 if realised.convoys else 0
    binding = max(days, key=lambda bound: bound.value) if days else None
    proven = binding is not None and plan_days == binding.value and not realised.unplanned
    if binding is None:
        sentence = "nobody to plan"
    elif proven:
        sentence = binding.explanation
    else:
        sentence = (f"{binding.explanation}; the plan takes {plan_days} days, "
                    f"{plan_days - binding.value} more than this bound")
    plan = Plan(
        operation_id=scenario.operation.operation_id,
        agreement_version=scenario.operation.agreement.version,
        seed=seed,
        convoys=name_pinned_convoys(tuple(realised.convoys), pins),
        unplanned=tuple(sorted((*problem.unplanned, *realised.unplanned),
                               key=lambda u: u.household_id)),
        bounds=bounds,
        days=plan_days,
        proven_optimal_days=proven,
        binding_constraint=sentence,
        pins=pins,
        split_households=tuple(h for h in problem.split_households
                               if h not in {u.household_id for u in realised.unplanned}),
    )
    return PlanResult(plan, schedule.days if schedule else None,
                      _infeasibility(problem, bounds), trip_gaps=trip_gaps(problem, trips, plan))
