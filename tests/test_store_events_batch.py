"""A batch appended at once (an offline upload) is the same as appending each event in turn, on
SQLite and PostgreSQL: same answers, repeated nonces answered with the first event, ids in the
batch's order, the audit chain whole, and nothing stored when the batch fails."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from corridor.domain.events import Event, EventKind
from corridor.store import Database
from corridor.store.events import StoreEventLog
from corridor.store.protection import audit_records, verify_audit
from corridor.store.tables import events
from corridor.tracking import MemoryEventLog
from tests import builders

T0 = datetime(2017, 3, 18, 6, 0)
OPERATION = "al-waer-test"


def _event(nonce: str, household: str | None = "H1", reason: str | None = None) -> Event:
    moment = T0 + timedelta(seconds=len(nonce))
    return Event(nonce, EventKind.CHECKED_IN, OPERATION, "phone-1", "officer-1", moment, moment,
                 household_id=household, reason=reason)


@pytest.fixture
def log(database: Database) -> StoreEventLog:
    """The event log of a database holding the builders' operation."""
    database.import_scenario(builders.scenario(), actor="tester")
    return StoreEventLog(database)


def _count(log: StoreEventLog) -> int:
    with log._db.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(events)).scalar_one())


def test_a_batch_answers_as_appending_each_event_would(log: StoreEventLog) -> None:
    """A nonce stored before and one repeated in the batch give the first event; new ones get
    increasing ids in the batch's order; one audit record each event about a household."""
    before = log.append(_event("old", reason="first words"))
    seq = max(record.seq for record in audit_records(log._db))
    batch = [_event("a"), _event("old", reason="other words"), _event("b", household=None),
             _event("a", household="H2"), _event("c", household="H3")]
    stored = log.append_all(batch)
    assert stored[1] == before and stored[3] == stored[0]
    assert [event.nonce for event in stored] == ["a", "old", "b", "a", "c"]
    ids = [stored[0].event_id, stored[2].event_id, stored[4].event_id]
    assert ids == sorted(ids) and ids[0] is not None and ids[0] > (before.event_id or 0)
    assert [replace(event, event_id=None) for event in (stored[0], stored[2], stored[4])] == [
        batch[0], batch[2], batch[4]]
    found = [log.find(OPERATION, nonce) for nonce in ("a", "b", "c")]
    assert [event.event_id if event else None for event in found] == ids
    assert [(r.entry.action, r.entry.subject) for r in audit_records(log._db, since=seq + 1)
            ] == [("event.checked_in", f"operation {OPERATION}: household H1"),
                  ("event.checked_in", f"operation {OPERATION}: household H3")]
    assert verify_audit(log._db) == []
    assert log.append_all([]) == []


def test_a_batch_that_fails_stores_nothing(log: StoreEventLog) -> None:
    """An event of an operation that is not stored fails the batch (a foreign key): no event
    and no audit record of the batch remain."""
    records = len(list(audit_records(log._db)))
    bad = replace(_event("z"), operation_id="nowhere")
    with pytest.raises(Exception):  # noqa: B017 - the store's error, whatever it is
        log.append_all([_event("x"), bad, _event("y")])
    with pytest.raises(RuntimeError), log.lock_household(OPERATION, ""):
        log.append_all([_event("x"), _event("y")])
        raise RuntimeError("the use case fails after the batch")
    assert _count(log) == 0 and len(list(audit_records(log._db))) == records


NONCES = st.lists(st.tuples(st.sampled_from(["n1", "n2", "n3", "n4", "n5"]),
                            st.sampled_from(["H1", "H2", "H3", None])), max_size=12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=NONCES, second=NONCES)
def test_batches_give_what_the_memory_log_gives(first: list[tuple[str, str | None]],
                                                second: list[tuple[str, str | None]],
                                                log: StoreEventLog) -> None:
    """Two batches, any nonces repeated within and across them: the store answers as the
    in-memory log does (ids aside), and holds each nonce once."""
    suffix = f"-{_count(log)}"
    memory = MemoryEventLog()
    for batch in (first, second):
        items = [_event(nonce + suffix, household) for nonce, household in batch]
        expected = memory.append_all(items)
        got = log.append_all(items)
        assert [(e.nonce, e.household_id) for e in got] == [
            (e.nonce, e.household_id) for e in expected]
        ids = {e.nonce: e.event_id for e in got}
        assert all(ids[e.nonce] == e.event_id for e in got)  # one id a nonce
    stored = {e.nonce for e in log.events(OPERATION)}
    assert {n + suffix for n, _h in first + second} <= stored
