"""The field event log in the database: :class:`corridor.tracking.ports.EventLog` for real.

Every event is one row, sealed like the registry (its officer, device, times, reasons and payload
can name or describe people); the operation, nonce, kind, household and convoy stay in clear so
that the log can be searched. ``(operation_id, nonce)`` is unique, and an append that meets its
nonce already stored returns the first event unchanged (``INSERT ... ON CONFLICT DO NOTHING``,
then a read): a phone that retries never records twice.

``lock_household`` opens one write transaction for a decision: on SQLite ``BEGIN IMMEDIATE``
(one writer at a time), on PostgreSQL a transaction-scoped advisory lock on the household, so
that two phones boarding one household are decided one after the other. Every accepted or
refused scan about a household is audited in the same transaction as its append.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from corridor.domain.errors import StoreError
from corridor.domain.events import Event, EventKind
from corridor.interop.event_json import event_from_dict, event_to_dict
from corridor.security.audit import AuditRecord
from corridor.store.database import Database
from corridor.store.tables import events


def _record_id(operation_id: str, nonce: str) -> str:
    return f"{operation_id}/event/{nonce}"


# The statements of a scan, built once with their parameters bound at execution: building a
# statement and its cache key again for every scan was a tenth of a scan's time.
_ROW = (events.c.event_id, events.c.nonce, events.c.sealed)
_FIND = select(*_ROW).where(events.c.operation_id == bindparam("operation_id"),
                            events.c.nonce == bindparam("nonce"))
_APPEND = {dialect: insert_of(events).on_conflict_do_nothing(
    index_elements=["operation_id", "nonce"]).returning(events.c.event_id)
    for dialect, insert_of in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))}
_FILTERS = {
    "household_id": events.c.household_id == bindparam("household_id"),
    "convoy_id": events.c.convoy_id == bindparam("convoy_id"),
    "kinds": events.c.kind.in_(bindparam("kinds", expanding=True)),
    "since": events.c.event_id > bindparam("since"),
}


_HOUSEHOLD_AND_CONVOYS: Select[tuple[int, str, bytes]] = (
    select(*_ROW).where(events.c.operation_id == bindparam("operation_id"),
                        or_(events.c.household_id == bindparam("household_id"),
                            and_(events.c.convoy_id.in_(bindparam("convoy_ids", expanding=True)),
                                 events.c.kind.in_(bindparam("kinds", expanding=True)))))
    .order_by(events.c.event_id))
"""What a decision about a household reads: its events and its convoys' state, at once."""


@lru_cache(maxsize=len(_FILTERS) ** 2 * 4)
def _events_query(filters: tuple[str, ...]) -> Select[tuple[int, str, bytes]]:
    """The operation's events in id order, with the ``filters`` named (keys of _FILTERS)."""
    return (select(*_ROW).where(events.c.operation_id == bindparam("operation_id"),
                                *(_FILTERS[name] for name in filters))
            .order_by(events.c.event_id))


class StoreEventLog:
    """The event log of one database; share it between the threads of one process."""

    CACHED_EVENTS = 500_000
    """Decoded events kept: an event never changes, so a decision re-reading a household's
    events opens only the ones it has not seen (scans of one household would otherwise cost
    more with every scan)."""

    def __init__(self, database: Database, *, audited: bool = True) -> None:
        self._db = database
        self._audited = audited
        self._local = threading.local()
        self._decoded: dict[tuple[str, int], Event] = {}

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def _connection(self, *, write: bool = True) -> Iterator[Connection]:
        held: Connection | None = getattr(self._local, "connection", None)
        if held is not None:
            yield held
            return
        if not write:
            with self._db._errors(), self._db._reading() as connection:
                yield connection
            return
        with self._db._errors(), self._db._writing() as connection:
            records: list[AuditRecord] = []
            self._local.records = records
            try:
                yield connection
            finally:
                self._local.records = None
        self._publish(records)

    def _publish(self, records: list[AuditRecord]) -> None:
        if records:
            self._db.custody.publish_head(records[-1])

    @contextmanager
    def lock_household(self, operation_id: str, household_id: str) -> Iterator[None]:
        """Hold the household while a decision about it is read, made and appended."""
        if getattr(self._local, "connection", None) is not None:
            raise StoreError("lock_household is not re-entrant")
        records: list[AuditRecord] = []
        with self._db._errors(), self._db._writing() as connection:
            if connection.dialect.name == "postgresql":
                key = int.from_bytes(hashlib.blake2b(
                    f"{operation_id}/{household_id}".encode(), digest_size=8).digest(),
                    "big", signed=True)
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (key,))
            self._local.connection = connection
            self._local.records = records
            try:
                yield
            finally:
                self._local.connection = None
                self._local.records = None
        self._publish(records)

    # -- the port ----------------------------------------------------------------------------

    def append(self, event: Event) -> Event:
        """Store ``event`` unless its (operation, nonce) is stored; return the stored event."""
        sealer = self._db.custody.sealer
        body = event_to_dict(replace(event, event_id=None))
        blob = sealer.seal(_record_id(event.operation_id, event.nonce),
                           (json.dumps(body, sort_keys=True, ensure_ascii=False),))
        with self._connection() as connection:
            event_id = connection.execute(_APPEND[connection.dialect.name], {
                "operation_id": event.operation_id, "nonce": event.nonce,
                "kind": event.kind.value, "household_id": event.household_id,
                "convoy_id": event.convoy_id, "sealed": blob}).scalar_one_or_none()
            if event_id is None:
                first = self._find(connection, event.operation_id, event.nonce)
                assert first is not None  # the conflict says it is there
                return first
            if self._audited and event.household_id is not None:
                records: list[AuditRecord] | None = getattr(self._local, "records", None)
                record = self._db.custody.audit(
                    connection, f"{event.officer}@{event.device}", f"event.{event.kind.value}",
                    f"operation {event.operation_id}: household {event.household_id}",
                    event.reason or event.outcome.value,
                    after=records[-1] if records else None)
                if records is not None:
                    records.append(record)
            return replace(event, event_id=int(event_id))

    def append_all(self, batch: Sequence[Event]) -> list[Event]:
        """:meth:`append` of each event, in order, in one transaction: all stored, or none.

        The events not stored yet are sealed first, then inserted in a few multi-row
        statements, and their audit records chained in memory and inserted in one: a batch of
        10,000 offline events costs a few dozen round trips, not 20,000. A nonce stored before,
        or earlier in the batch, gives the first event, as :meth:`append` does.
        """
        stored: list[Event] = []
        with self._connection() as connection:
            start = 0
            while start < len(batch):  # runs of one operation, in the batch's order
                end = start + 1
                while end < len(batch) and batch[end].operation_id == batch[start].operation_id:
                    end += 1
                stored.extend(self._append_run(connection, batch[start:end]))
                start = end
        return stored

    def _append_run(self, connection: Connection, run: Sequence[Event]) -> list[Event]:
        operation_id = run[0].operation_id
        first: dict[str, Event] = {}
        wanted = sorted({event.nonce for event in run})
        for start in range(0, len(wanted), 1_000):
            for row in connection.execute(
                    select(events.c.event_id, events.c.nonce, events.c.sealed).where(
                        events.c.operation_id == operation_id,
                        events.c.nonce.in_(wanted[start:start + 1_000]))):
                first[row[1]] = self._decode(operation_id, row)
        fresh: list[Event] = []
        seen = set(first)
        for event in run:
            if event.nonce not in seen:
                seen.add(event.nonce)
                fresh.append(event)
        sealer = self._db.custody.sealer
        rows = [{"operation_id": operation_id, "nonce": event.nonce, "kind": event.kind.value,
                 "household_id": event.household_id, "convoy_id": event.convoy_id,
                 "sealed": sealer.seal(_record_id(operation_id, event.nonce), (json.dumps(
                     event_to_dict(replace(event, event_id=None)), sort_keys=True,
                     ensure_ascii=False),))} for event in fresh]
        if rows:
            ids = connection.execute(
                insert(events).returning(events.c.event_id, sort_by_parameter_order=True),
                rows).scalars().all()
            for event, event_id in zip(fresh, ids, strict=True):
                first[event.nonce] = replace(event, event_id=int(event_id))
        if self._audited:
            records: list[AuditRecord] | None = getattr(self._local, "records", None)
            made = self._db.custody.audit_all(connection, [
                (f"{event.officer}@{event.device}", f"event.{event.kind.value}",
                 f"operation {operation_id}: household {event.household_id}",
                 event.reason or event.outcome.value)
                for event in fresh if event.household_id is not None],
                after=records[-1] if records else None)
            if records is not None:
                records.extend(made)
        return [first[event.nonce] for event in run]

    def stored_nonces(self, operation_id: str, nonces: Collection[str]) -> set[str]:
        """Which of ``nonces`` the operation's log holds already (one query a thousand)."""
        wanted = sorted(set(nonces))
        found: set[str] = set()
        with self._connection(write=False) as connection:
            for start in range(0, len(wanted), 1_000):
                found.update(connection.execute(select(events.c.nonce).where(
                    events.c.operation_id == operation_id,
                    events.c.nonce.in_(wanted[start:start + 1_000]))).scalars())
        return found

    def find(self, operation_id: str, nonce: str) -> Event | None:
        """The stored event of the operation with that nonce, or None."""
        with self._connection(write=False) as connection:
            return self._find(connection, operation_id, nonce)

    def _find(self, connection: Connection, operation_id: str, nonce: str,
              ) -> Event | None:
        row = connection.execute(_FIND, {"operation_id": operation_id, "nonce": nonce}).first()
        return None if row is None else self._decode(operation_id, row)

    def events(self, operation_id: str, *, household_id: str | None = None,
               convoy_id: str | None = None, kinds: Collection[EventKind] | None = None,
               since: int | None = None) -> Sequence[Event]:
        """The operation's events in ``event_id`` order, filtered by every argument given."""
        given: dict[str, Any] = {"household_id": household_id, "convoy_id": convoy_id,
                                 "kinds": None if kinds is None else [k.value for k in kinds],
                                 "since": since}
        filters = tuple(name for name, value in given.items() if value is not None)
        parameters = {name: given[name] for name in filters}
        parameters["operation_id"] = operation_id
        with self._connection(write=False) as connection:
            rows = connection.execute(_events_query(filters), parameters).all()
        return [self._decode(operation_id, row) for row in rows]

    def household_and_convoys(self, operation_id: str, household_id: str,
                              convoy_ids: Collection[str],
                              kinds: Collection[EventKind]) -> Sequence[Event]:
        """The household's events, then the convoys' events of ``kinds``, in one statement."""
        wanted = sorted(set(convoy_ids))
        parameters: dict[str, Any] = {"operation_id": operation_id,
                                      "household_id": household_id}
        if wanted:
            statement = _HOUSEHOLD_AND_CONVOYS
            parameters |= {"convoy_ids": wanted, "kinds": sorted(k.value for k in kinds)}
        else:
            statement = _events_query(("household_id",))
        with self._connection(write=False) as connection:
            rows = connection.execute(statement, parameters).all()
        household: list[Event] = []
        convoys: dict[str, list[Event]] = {convoy_id: [] for convoy_id in wanted}
        for row in rows:
            event = self._decode(operation_id, row)
            if event.household_id == household_id:
                household.append(event)
            if event.convoy_id in convoys and event.kind in kinds:
                convoys[event.convoy_id].append(event)
        return household + [event for convoy_id in wanted for event in convoys[convoy_id]]

    def _decode(self, operation_id: str, row: Sequence[Any]) -> Event:
        event_id: int = row[0]
        nonce: str = row[1]
        blob: bytes = row[2]
        known = self._decoded.get((operation_id, event_id))
        if known is not None:
            return known
        (text,) = self._db.custody.sealer.open(_record_id(operation_id, nonce), blob)
        event = replace(event_from_dict(json.loads(text or "{}"), "the event log",
                                        f"event {event_id}"), event_id=int(event_id))
        if len(self._decoded) >= self.CACHED_EVENTS:
            self._decoded.clear()
        self._decoded[(operation_id, int(event_id))] = event
        return event
