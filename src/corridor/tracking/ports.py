"""The port the store implements: the event log.

The store (SQLAlchemy, SQLite or PostgreSQL) implements :class:`EventLog`; the tests and the demo
use :class:`~corridor.tracking.memory_log.MemoryEventLog`. The use cases of
:mod:`corridor.tracking.scans` need nothing else from the store.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from corridor.domain.events import Event, EventKind


class EventLog(Protocol):
    """An operation's append-only log of events, idempotent by (operation, nonce).

    Semantics every implementation keeps:

    - ``append`` stores the event atomically unless an event of the same operation with the same
      nonce is stored already; it returns the stored event (with its ``event_id`` set), which for
      a repeated nonce is the *first* one, unchanged, whatever the new event says. Nothing is
      ever updated or deleted.
    - ``event_id`` numbers events in the order the store accepted them, strictly increasing
      within an operation; ``since`` pages by it.
    - ``lock_household`` is held by a use case while it reads a household's events, decides and
      appends: two concurrent scans of the same household (two phones boarding it at once) are
      decided one after the other, so exactly one is accepted and the other sees it. The SQL
      store implements it with a transaction-scoped advisory lock on the household on
      PostgreSQL or ``BEGIN IMMEDIATE`` on SQLite, and commits the append when the block
      ends; an exception inside the block rolls back. It is not re-entrant.
    """

    def append(self, event: Event) -> Event:
        """Store ``event`` unless its (operation, nonce) is stored; return the stored event."""
        ...

    def append_all(self, batch: Sequence[Event]) -> list[Event]:
        """``[append(event) for event in batch]``, atomically: all stored, or none.

        One stored event an item, in order (a nonce stored before, or earlier in the batch,
        gives the first event). A store may do it in far fewer round trips than one a event.
        """
        ...

    def find(self, operation_id: str, nonce: str) -> Event | None:
        """The stored event of the operation with that nonce, or None."""
        ...

    def events(self, operation_id: str, *, household_id: str | None = None,
               convoy_id: str | None = None, kinds: Collection[EventKind] | None = None,
               since: int | None = None) -> Sequence[Event]:
        """The operation's events in ``event_id`` order, filtered by every argument given.

        ``household_id``: events about that household (voids and decisions about its events
        included: they carry its id). ``convoy_id``: events naming that convoy. ``kinds``: only
        those kinds. ``since``: only events with an ``event_id`` above it.
        """
        ...

    def household_and_convoys(self, operation_id: str, household_id: str,
                              convoy_ids: Collection[str],
                              kinds: Collection[EventKind]) -> Sequence[Event]:
        """``events(household_id=...)`` followed by ``events(convoy_id=c, kinds=kinds)`` for
        each convoy, in ``event_id`` order within each part: what a decision about a household
        reads, which a store may fetch in one round trip."""
        ...

    def lock_household(self, operation_id: str,
                       household_id: str) -> AbstractContextManager[None]:
        """Hold the household while a decision about it is read, made and appended."""
        ...
