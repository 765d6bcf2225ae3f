"""An in-memory event log for the tests and the demo; the store's log keeps the same contract."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from corridor.domain.events import Event, EventKind


class MemoryEventLog:
    """:class:`~corridor.tracking.ports.EventLog` in memory, safe to share between threads."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._by_nonce: dict[tuple[str, str], Event] = {}
        self._all: dict[str, list[Event]] = {}
        self._by_household: dict[tuple[str, str], list[Event]] = {}
        self._by_convoy: dict[tuple[str, str], list[Event]] = {}
        self._household_locks: dict[tuple[str, str], threading.Lock] = {}
        self._next_id = 1

    def append(self, event: Event) -> Event:
        """Store ``event`` unless its (operation, nonce) is stored; return the stored event."""
        key = (event.operation_id, event.nonce)
        with self._guard:
            first = self._by_nonce.get(key)
            if first is not None:
                return first
            stored = replace(event, event_id=self._next_id)
            self._next_id += 1
            self._by_nonce[key] = stored
            self._all.setdefault(event.operation_id, []).append(stored)
            if stored.household_id is not None:
                self._by_household.setdefault((event.operation_id, stored.household_id),
                                              []).append(stored)
            if stored.convoy_id is not None:
                self._by_convoy.setdefault((event.operation_id, stored.convoy_id),
                                           []).append(stored)
            return stored

    def append_all(self, batch: Sequence[Event]) -> list[Event]:
        """``append`` of each event in order (memory cannot fail half-way)."""
        return [self.append(event) for event in batch]

    def find(self, operation_id: str, nonce: str) -> Event | None:
        """The stored event of the operation with that nonce, or None."""
        with self._guard:
            return self._by_nonce.get((operation_id, nonce))

    def events(self, operation_id: str, *, household_id: str | None = None,
               convoy_id: str | None = None, kinds: Collection[EventKind] | None = None,
               since: int | None = None) -> Sequence[Event]:
        """The operation's events in ``event_id`` order, filtered by every argument given."""
        with self._guard:
            if household_id is not None:
                found = list(self._by_household.get((operation_id, household_id), ()))
            elif convoy_id is not None:
                found = list(self._by_convoy.get((operation_id, convoy_id), ()))
            else:
                found = list(self._all.get(operation_id, ()))
        return [event for event in found
                if (convoy_id is None or event.convoy_id == convoy_id)
                and (kinds is None or event.kind in kinds)
                and (since is None or (event.event_id or 0) > since)]

    def household_and_convoys(self, operation_id: str, household_id: str,
                              convoy_ids: Collection[str],
                              kinds: Collection[EventKind]) -> Sequence[Event]:
        """The household's events, then the convoys' events of ``kinds``."""
        found = list(self.events(operation_id, household_id=household_id))
        for convoy_id in sorted(set(convoy_ids)):
            found.extend(self.events(operation_id, convoy_id=convoy_id, kinds=kinds))
        return found

    @contextmanager
    def lock_household(self, operation_id: str, household_id: str) -> Iterator[None]:
        """Hold the household while a decision about it is read, made and appended."""
        with self._guard:
            lock = self._household_locks.setdefault((operation_id, household_id),
                                                    threading.Lock())
        with lock:
            yield
