"""Properties that must always hold: replaying events in any order, with any repetition, gives
the same projection; no one is ever counted twice; counts never grow along the stages; a
repeated nonce returns the identical first answer."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.domain import (
    Convoy,
    Intent,
    ManifestLine,
    Plan,
    Scenario,
    VehicleKind,
    VehicleTrip,
)
from corridor.domain.events import (
    SCAN_KINDS,
    ConflictResolution,
    Event,
    EventKind,
    IntentChange,
    Payload,
    RefusalReason,
    ScanOutcome,
    Screening,
    ScreeningDecision,
    Source,
    Stage,
)
from corridor.tracking.cases import follow_up_cases
from corridor.tracking.memory_log import MemoryEventLog
from corridor.tracking.projections import GROUPINGS, Projection, StageCounts, project
from corridor.tracking.roster import Roster
from corridor.tracking.scans import board, check_in, mark_no_show, screen
from tests.builders import household, operation, person
from tests.test_tracking_fixtures import OPENING, Field, crossing_roster, phone

ROSTER = crossing_roster()
MEMBERS = {"H1": ("P1", "P2", "P3"), "H2": ("P4",), "H3": ("P5", "P6"), "H4": ("P7",)}
TRIPS = (("C1", "BUS-001"), ("C1", "BUS-002"), ("C2", "BUS-001"))
HOUSEHOLD_KINDS = (EventKind.CHECKED_IN, EventKind.SCREENED, EventKind.BOARDED,
                   EventKind.BOARDED, EventKind.NO_SHOW, EventKind.INTENT_CHANGED,
                   EventKind.DISEMBARKED, EventKind.SEPARATION_REPORTED)
CONVOY_KINDS = (EventKind.CONVOY_DEPARTED, EventKind.CONVOY_ARRIVED)


def _event(nonce: str, kind: EventKind, minute: int, **fields: Any) -> Event:
    return Event(nonce=nonce, kind=kind, operation_id=ROSTER.operation_id,
                 device=fields.pop("device", "phone-1"), officer="officer-amal",
                 device_time=OPENING + timedelta(minutes=minute), server_time=OPENING,
                 **fields)


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    """Distinct events of every kind that changes a status, refusals, voids, forces and
    decisions among them, with device times that often tie."""
    events: list[Event] = []
    for number in range(draw(st.integers(1, 40))):
        nonce, minute = f"e{number:03d}", draw(st.integers(0, 20))
        device = draw(st.sampled_from(("phone-1", "phone-2", "phone-3")))
        choice = draw(st.integers(0, 9))
        if choice <= 6:
            household_id = draw(st.sampled_from(sorted(MEMBERS)))
            persons = tuple(draw(st.lists(st.sampled_from(MEMBERS[household_id]), min_size=1,
                                          unique=True)))
            kind = draw(st.sampled_from(HOUSEHOLD_KINDS))
            convoy_id, vehicle_id = draw(st.sampled_from(TRIPS))
            payload: Payload | None = None
            if kind is EventKind.SCREENED:
                payload = Screening(draw(st.sampled_from(list(ScreeningDecision))))
            elif kind is EventKind.INTENT_CHANGED:
                payload = IntentChange(draw(st.sampled_from((Intent.STAY, Intent.LEAVE))))
            refused = kind in SCAN_KINDS and draw(st.integers(0, 5)) == 0
            supervised = not refused and draw(st.integers(0, 7)) == 0
            events.append(_event(
                nonce, kind, minute, device=device, household_id=household_id,
                person_ids=persons, convoy_id=convoy_id,
                vehicle_id=vehicle_id if kind is EventKind.BOARDED else None, payload=payload,
                outcome=ScanOutcome.REFUSED if refused else ScanOutcome.ACCEPTED,
                refusal=RefusalReason.WRONG_VEHICLE if refused else None,
                offline=draw(st.booleans()),
                source=Source.SUPERVISOR if supervised else Source.SCAN,
                overrides="e000" if supervised else None))
        elif choice == 7:
            convoy_id, vehicle_id = draw(st.sampled_from(TRIPS))
            events.append(_event(nonce, draw(st.sampled_from(CONVOY_KINDS)), minute,
                                 convoy_id=convoy_id,
                                 vehicle_id=draw(st.sampled_from((None, vehicle_id)))))
        elif choice == 8 and events:
            target = draw(st.sampled_from([e for e in events if e.kind is not EventKind.VOIDED]
                                          or events))
            if target.kind is not EventKind.VOIDED:
                events.append(_event(nonce, EventKind.VOIDED, minute, voids=target.nonce,
                                     household_id=target.household_id,
                                     convoy_id=target.convoy_id, source=Source.SUPERVISOR,
                                     reason="wrong scan"))
        else:
            household_id = draw(st.sampled_from(sorted(MEMBERS)))
            boardings = sorted(e.nonce for e in events if e.kind is EventKind.BOARDED
                               and e.household_id == household_id)
            if boardings:
                kept = draw(st.sampled_from(boardings))
                events.append(_event(nonce, EventKind.CONFLICT_RESOLVED, minute,
                                     household_id=household_id,
                                     person_ids=MEMBERS[household_id],
                                     payload=ConflictResolution(kept, tuple(boardings)),
                                     source=Source.SUPERVISOR, reason="driver's list"))
    return events


def _replays(events: list[Event]) -> st.SearchStrategy[list[Event]]:
    """The same events in any order, some of them more than once (offline batches resent)."""
    if not events:
        return st.just([])
    return st.lists(st.sampled_from(events), max_size=len(events)).flatmap(
        lambda again: st.permutations(events + again))


def _summary(view: Projection) -> tuple[object, ...]:
    """Everything a projection answers, in a comparable form."""
    return (dict(view.persons), view.conflicts, view.counts(), view.reconcile("C1"),
            view.reconcile("C2"), follow_up_cases(view))


def _never_double_counts(view: Projection, persons: int) -> None:
    total = view.total()
    assert total.registered == persons
    assert sum(view.counts(GROUPINGS).values(), StageCounts()) == total
    stages = list(Stage)
    for row in [total, *view.counts().values()]:
        counted = [row.at(stage) for stage in stages]
        assert counted == sorted(counted, reverse=True), row
    for status in view.persons.values():
        reached = [status.reached(stage) for stage in stages]
        assert reached == sorted(reached, reverse=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_order_and_repetition_gives_the_same_projection(data: st.DataObject) -> None:
    """Shuffled, with events repeated, the projection is the same."""
    events = data.draw(histories())
    replayed = data.draw(_replays(events))
    assert _summary(project(ROSTER, replayed)) == _summary(project(ROSTER, events))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_replaying_into_a_log_gives_the_same_projection(data: st.DataObject) -> None:
    """Appending the events to a log in any order, some twice, ends in the same projection."""
    events = data.draw(histories())
    log = MemoryEventLog()
    for event in data.draw(_replays(events)):
        log.append(event)
    stored = log.events(ROSTER.operation_id)
    assert len(stored) == len(events)
    assert _summary(project(ROSTER, stored)) == _summary(project(ROSTER, events))


@settings(max_examples=150, deadline=None)
@given(histories())
def test_no_one_is_counted_twice_and_counts_never_grow_along_the_stages(
        events: list[Event]) -> None:
    """Every person once in the counts; at every stage no more than at the stage before."""
    _never_double_counts(project(ROSTER, events), len(ROSTER.persons))


SCANS = st.tuples(st.sampled_from(("check_in", "screen", "board", "no_show")),
                  st.sampled_from(sorted(MEMBERS)), st.sampled_from(TRIPS),
                  st.sampled_from([f"n{i}" for i in range(6)]), st.integers(0, 30))


@settings(max_examples=150, deadline=None)
@given(st.lists(SCANS, max_size=30))
def test_a_repeated_nonce_returns_the_identical_first_answer(
        calls: list[tuple[str, str, tuple[str, str], str, int]]) -> None:
    """Whatever a retry asks, its nonce's first stored answer comes back, and nothing is added."""
    field = Field()
    first: dict[str, Event] = {}
    for action, household_id, (convoy_id, vehicle_id), nonce, minute in calls:
        context = phone(field.roster)
        when = field.at(minute)
        if action == "check_in":
            answer = check_in(field.log, context, household_id, convoy_id, nonce=nonce,
                              device_time=when)
        elif action == "screen":
            answer = screen(field.log, context, household_id, ScreeningDecision.CLEARED,
                            nonce=nonce, device_time=when)
        elif action == "board":
            answer = board(field.log, context, household_id, convoy_id, vehicle_id,
                           nonce=nonce, device_time=when)
        else:
            answer = mark_no_show(field.log, context, household_id, convoy_id, nonce=nonce,
                                  device_time=when)
        assert answer == first.setdefault(nonce, answer)
    assert len(field.all()) == len(first)


def _large_crossing(households: int, rng: random.Random) -> Roster:
    """``households`` households of 1 to 6 persons on 4 convoys of 10 buses."""
    homes, persons, lines = [], [], []
    for number in range(households):
        household_id = f"H{number:04d}"
        homes.append(household(household_id))
        members = tuple(f"P{number:04d}-{m}" for m in range(rng.randint(1, 6)))
        persons += [person(p, household_id) for p in members]
        lines.append(ManifestLine(household_id, members))
    convoys = []
    for index in range(4):
        day = date(2017, 3, 20) + timedelta(days=index)
        trips = tuple(VehicleTrip(f"BUS-{bus:03d}", VehicleKind.BUS,
                                  tuple(lines[i] for i in range(len(lines))
                                        if i % 40 == index * 10 + bus - 1))
                      for bus in range(1, 11))
        convoys.append(Convoy(f"C{index + 1}", day, datetime.combine(day, datetime.min.time())
                              + timedelta(hours=9), "jarablus", trips))
    plan = Plan("al-waer-test", "2017-03-13", 1, tuple(convoys), (), (), 4, True, "fleet")
    return Roster(Scenario(operation(), tuple(homes), tuple(persons)), plan)


def test_ten_thousand_events_replayed_never_double_count() -> None:
    """10,000 uploads (resent batches, two phones on one household, voids) count each person
    once, whatever their order."""
    rng = random.Random(2017)
    roster = _large_crossing(1600, rng)
    unique: list[Event] = []
    double_boarded: set[str] = set()

    def add(kind: EventKind, household_id: str | None, persons: tuple[str, ...], minute: int,
            **fields: Any) -> Event:
        event = replace(_event(f"u{len(unique):05d}", kind, minute, household_id=household_id,
                               person_ids=persons, offline=True, **fields),
                        operation_id=roster.operation_id)
        unique.append(event)
        return event

    for convoy in roster.plan.convoys:
        for trip in convoy.trips:
            for line in trip.lines:
                people, where = line.persons, {"convoy_id": convoy.convoy_id}
                add(EventKind.CHECKED_IN, line.household_id, people, rng.randint(0, 60), **where)
                held = rng.random() < 0.05
                decision = ScreeningDecision.HELD if held else ScreeningDecision.CLEARED
                add(EventKind.SCREENED, line.household_id, people, rng.randint(60, 120),
                    payload=Screening(decision), reason="held" if held else "")
                if held:
                    continue
                boarded = add(EventKind.BOARDED, line.household_id, people,
                              rng.randint(120, 180), vehicle_id=trip.vehicle_id, **where)
                if rng.random() < 0.05:
                    other = convoy.trips[(convoy.trips.index(trip) + 1) % len(convoy.trips)]
                    add(EventKind.BOARDED, line.household_id, people, rng.randint(120, 180),
                        vehicle_id=other.vehicle_id, device="phone-2", **where)
                    double_boarded.update(people)
                if rng.random() < 0.03:
                    add(EventKind.VOIDED, line.household_id, people, 200, voids=boarded.nonce,
                        source=Source.SUPERVISOR, reason="wrong scan", **where)
                if rng.random() < 0.9:
                    add(EventKind.DISEMBARKED, line.household_id, people, 1400, **where)
        add(EventKind.CONVOY_DEPARTED, None, (), 240, convoy_id=convoy.convoy_id)
    replayed = unique + rng.choices(unique, k=10_000 - len(unique))
    rng.shuffle(replayed)
    assert len(replayed) == 10_000 and len(unique) > 5_000
    log = MemoryEventLog()
    for event in replayed:
        log.append(event)
    view = project(roster, log.events(roster.operation_id))
    assert _summary(view)[:3] == _summary(project(roster, unique))[:3]
    _never_double_counts(view, len(roster.persons))
    on_board = [s for s in view.persons.values() if s.reached(Stage.BOARDED)]
    assert view.total().boarded == len(on_board) <= len(roster.persons)
    assert len({s.person_id for s in on_board}) == len(on_board)
    assert view.conflicts and {c.person_id for c in view.conflicts} <= double_boarded
