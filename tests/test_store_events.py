"""The event log in SQLite and PostgreSQL: idempotent, sealed, race-free, never double counting."""

from __future__ import annotations

import multiprocessing
import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from corridor.domain import Plan, Scenario
from corridor.domain.events import Event, EventKind, Position, ScreeningDecision
from corridor.planner import make_plan
from corridor.security.keys import Keyring
from corridor.store import Database
from corridor.store.events import StoreEventLog
from corridor.store.protection import audit_records, verify_audit
from corridor.tracking import MemoryEventLog, Roster, ScanContext, board, check_in, project, screen
from tests import builders
from tests.store_databases import TEST_KEYRING, custody_in

T0 = datetime(2017, 3, 18, 6, 0)


@pytest.fixture(scope="module")
def planned() -> tuple[Scenario, Plan]:
    """The builders' registry and its plan."""
    scenario = builders.scenario()
    return scenario, make_plan(scenario).plan


@pytest.fixture
def log(database: Database, planned: tuple[Scenario, Plan]) -> StoreEventLog:
    """The event log of a database holding the builders' operation."""
    database.import_scenario(planned[0], actor="tester")
    return StoreEventLog(database)


def _context(roster: Roster, device: str = "phone-1") -> ScanContext:
    return ScanContext(roster, "officer-1", device, T0, lambda action: True)


def _first_trip(plan: Plan) -> tuple[str, str, str]:
    convoy = plan.convoys[0]
    trip = convoy.trips[0]
    return trip.lines[0].household_id, convoy.convoy_id, trip.vehicle_id


def _event(number: int, household: str = "H1") -> Event:
    moment = T0 + timedelta(seconds=number)
    return Event(f"n-{number}", EventKind.CHECKED_IN, "al-waer-test", "phone-1", "officer-1",
                 moment, moment, household_id=household)


def test_a_repeated_nonce_returns_the_first_event_and_stores_nothing(log: StoreEventLog) -> None:
    """The second append of a nonce, whatever it says, gives back the first, unchanged."""
    first = log.append(_event(1))
    again = log.append(replace(_event(1), device="phone-9", reason="retry"))
    assert again == first and first.event_id is not None
    assert [e.nonce for e in log.events("al-waer-test")] == ["n-1"]


def test_events_round_trip_sealed_and_filtered(
        log: StoreEventLog, database: Database) -> None:
    """What goes in comes out equal; the officer and device are not in clear in the row."""
    stored = [log.append(_event(n, household=f"H{n % 3 + 1}")) for n in range(6)]
    assert list(log.events("al-waer-test")) == stored
    assert [e.nonce for e in log.events("al-waer-test", household_id="H2")] == ["n-1", "n-4"]
    assert [e.nonce for e in log.events("al-waer-test", since=stored[3].event_id)] == [
        "n-4", "n-5"]
    with database.engine.connect() as connection:
        blob = b"".join(row[0] for row in connection.exec_driver_sql(
            "select sealed from events"))
    assert b"officer-1" not in blob and b"phone-1" not in blob
    assert "event.checked_in" in {r.entry.action for r in audit_records(database)}
    assert verify_audit(database) == []


def test_a_decisions_read_is_the_household_then_its_convoys_state(log: StoreEventLog) -> None:
    """``household_and_convoys`` (one statement) gives what its two kinds of ``events`` calls
    give, in the same order, as the in-memory log does: the household's events, then each
    convoy's events of the kinds asked (an event in both parts is in both)."""
    memory = MemoryEventLog()
    rng = random.Random(5)
    kinds = [EventKind.CHECKED_IN, EventKind.CONVOY_DEPARTED, EventKind.VEHICLE_OUT_OF_SERVICE]
    for number in range(60):
        kind = rng.choice(kinds)
        moment = T0 + timedelta(seconds=number)
        household = None if kind is not EventKind.CHECKED_IN else rng.choice(["H1", "H2"])
        event = Event(f"n-{number}", kind, "al-waer-test", "phone-1", "officer-1", moment,
                      moment, household_id=household, convoy_id=rng.choice(["C1", "C2", "C3"]),
                      vehicle_id="BUS-1" if kind is EventKind.VEHICLE_OUT_OF_SERVICE else None)
        log.append(event)
        memory.append(event)
    state = {EventKind.CONVOY_DEPARTED, EventKind.VEHICLE_OUT_OF_SERVICE}
    for convoys in ([], ["C1"], ["C2", "C1"], ["C9"]):
        expected = [e.nonce for e in log.events("al-waer-test", household_id="H1")] + [
            e.nonce for c in sorted(convoys)
            for e in log.events("al-waer-test", convoy_id=c, kinds=state)]
        assert [e.nonce for e in log.household_and_convoys(
            "al-waer-test", "H1", convoys, state)] == expected
        assert [e.nonce for e in memory.household_and_convoys(
            "al-waer-test", "H1", convoys, state)] == expected
        if convoys == ["C2", "C1"]:  # the data exercise both parts
            assert len(expected) > len(log.events("al-waer-test", household_id="H1")) > 0


def test_ten_thousand_replayed_events_are_never_double_counted(
        log: StoreEventLog, planned: tuple[Scenario, Plan]) -> None:
    """A shuffled replay of every scan, each up to three times, projects as the clean log."""
    scenario, plan = planned
    roster = Roster(scenario, plan)
    memory = MemoryEventLog()
    household, convoy, vehicle = _first_trip(plan)
    context = _context(roster)
    originals = [check_in(memory, context, household, convoy, nonce="ci", device_time=T0),
                 screen(memory, context, household, ScreeningDecision.CLEARED, nonce="sc",
                        device_time=T0),
                 board(memory, context, household, convoy, vehicle, nonce="bo", device_time=T0)]
    filler = [replace(_event(n, household="H3"), kind=EventKind.POSITION_REPORTED,
                      household_id=None, convoy_id=convoy, payload=_position())
              for n in range(4_000)]
    replay = (originals + filler) * 3
    random.Random(7).shuffle(replay)
    # The store numbers events in its own order: compare the projection, not the ids.
    for event in replay[:10_000]:
        log.append(replace(event, event_id=None))
    stored = log.events(scenario.operation.operation_id)
    assert len(stored) == len({e.nonce for e in replay[:10_000]})
    clean = project(roster, memory.events(scenario.operation.operation_id)).total()
    assert project(roster, stored).total() == clean


def _position() -> Position:
    return Position(34.73, 36.68)


def _race(url: str, folder: str, key_file: bytes, household: str, convoy: str, vehicle: str,
          worker: int, scans: int) -> int:
    scenario = builders.scenario()
    keyring = Keyring.from_bytes(key_file, "the test key")
    database = Database.open(url, custody_in(Path(folder), keyring))
    plan = database.load_plan(scenario.operation.operation_id)
    roster = Roster(scenario, plan)
    log = StoreEventLog(database)
    context = _context(roster, device=f"phone-{worker}")
    accepted = 0
    for number in range(scans):
        event = board(log, context, household, convoy, vehicle, nonce=f"w{worker}-{number}",
                      device_time=T0 + timedelta(seconds=number))
        accepted += event.accepted
    database.close()
    return accepted


@pytest.mark.slow
def test_two_processes_boarding_one_household_a_thousand_times_board_it_once(
        log: StoreEventLog, database: Database, planned: tuple[Scenario, Plan],
        database_url: str, tmp_path: Path) -> None:
    """Two phones (two processes) scan the same household 1,000 times each: one boarding."""
    scenario, plan = planned
    database.save_plan(plan)
    roster = Roster(scenario, plan)
    household, convoy, vehicle = _first_trip(plan)
    context = _context(roster)
    check_in(log, context, household, convoy, nonce="ci", device_time=T0)
    screen(log, context, household, ScreeningDecision.CLEARED, nonce="sc", device_time=T0)
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(2) as pool:
        results = pool.starmap(_race, [(database_url, str(tmp_path), TEST_KEYRING.to_bytes(),
                                        household, convoy, vehicle, worker, 1_000)
                                       for worker in (1, 2)])
    assert sum(results) == 1
    boardings = log.events(scenario.operation.operation_id, household_id=household,
                           kinds={EventKind.BOARDED})
    assert len(boardings) == 2_000 and sum(e.accepted for e in boardings) == 1
