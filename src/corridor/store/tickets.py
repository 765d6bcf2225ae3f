"""Households' tickets in the database: issued once, reissued, revoked, and the revocation list.

A ticket is kept as what it is made of (operation, household, serial, when and by whom it was
issued), never as its payload and never with a name: the payload is signed again from these
columns when it is asked for (Ed25519 signatures are deterministic, so it is the same text).
Revocations are kept one row each, never updated or deleted: one serial of a household, or
(``below``) every serial under one, which is what a reissue does. The signed revocation list a
phone downloads (:class:`corridor.security.tickets.RevocationList`) is built from those rows.

Every action here is audited in the transaction that stores it, as the store's other actions on
households are: the issue of a batch of tickets (one record), a reissue, a revocation, a listing.
On PostgreSQL the writes of one operation's tickets take turns under a transaction-scoped
advisory lock, so that two coordinators issuing at once never give a household two serial 1s;
SQLite's ``BEGIN IMMEDIATE`` does the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from corridor.domain.errors import AlreadyExists, InvalidValue, NotFound
from corridor.security.tickets import MAX_SERIAL, RevocationList, issue_ticket
from corridor.store.database import Database, _choose_operation, stored_utc
from corridor.store.tables import households, ticket_revocations, tickets

FIRST_SERIAL = 1
"""The serial of a household's first ticket."""

MAX_REASON_CHARS = 500

_CHUNK = 1_000
"""Household ids asked for in one ``IN (...)``."""


@dataclass(frozen=True, slots=True)
class IssuedTicket:
    """One ticket as the store keeps it, and whether it is still valid."""

    operation_id: str
    household_id: str
    serial: int
    issued_at: datetime
    issued_by: str
    revoked: bool


@dataclass(frozen=True, slots=True)
class Revocation:
    """One stored revocation: ``serial`` alone, or (``below``) every serial under it."""

    revocation_id: int
    operation_id: str
    household_id: str
    serial: int
    below: bool
    reason: str
    revoked_at: datetime
    revoked_by: str


# -- issuing ---------------------------------------------------------------------------------


def current_tickets(database: Database, operation_id: str, household_ids: Iterable[str], *,
                    actor: str, issued_at: datetime) -> dict[str, str]:
    """Household id -> the QR payload of its newest valid ticket; serial 1 issued the first time.

    A household that has never had a ticket gets serial 1, issued at ``issued_at`` (with a time
    zone) by ``actor``, stored in the same transaction. A household whose tickets are all
    revoked (withdrawn, not reissued) is left out of the answer: it has no valid ticket and gets
    none until someone runs :func:`reissue`. :class:`NotFound` for an unknown operation or a
    household that is not in its registry (nothing is issued then). Audited as one record.
    """
    wanted = sorted(set(household_ids))
    when = _aware(issued_at, "issued_at")
    custody = database.custody
    with _changing(database, operation_id, wanted) as connection:
        revoked = _revocation_list(connection, operation_id, when)
        issued = _issued(connection, operation_id, wanted)
        newest: dict[str, tuple[int, datetime]] = {}
        fresh: list[dict[str, object]] = []
        for household_id in wanted:
            serials = issued.get(household_id, {})
            valid = [s for s in serials if not revoked.is_revoked(household_id, s)]
            if valid:
                serial = max(valid)
                newest[household_id] = (serial, serials[serial])
            elif not serials:
                newest[household_id] = (FIRST_SERIAL, when)
                fresh.append({"operation_id": operation_id, "household_id": household_id,
                              "serial": FIRST_SERIAL, "issued_at": when, "issued_by": actor})
        for start in range(0, len(fresh), _CHUNK):
            connection.execute(insert(tickets), fresh[start:start + _CHUNK])
        subject = (f"operation {operation_id}: household {wanted[0]}" if len(wanted) == 1
                   else f"operation {operation_id}: {len(wanted)} households")
        record = custody.audit(connection, actor, "tickets.issue", subject,
                               f"{len(fresh)} issued, {len(newest) - len(fresh)} current, "
                               f"{len(wanted) - len(newest)} revoked with no new ticket")
    custody.publish_head(record)
    keyring = custody.keyring
    return {household_id: issue_ticket(keyring, operation_id, household_id, serial, at)
            for household_id, (serial, at) in newest.items()}


def reissue(database: Database, operation_id: str, household_id: str, *, actor: str,
            reason: str, issued_at: datetime) -> tuple[int, str]:
    """A new ticket for a household (lost, damaged, taken): the next serial; older ones revoked.

    Returns the new serial and its QR payload. ``reason`` is kept with the revocation and in
    the audit log (say what happened, never who: no names). :class:`NotFound` for an unknown
    operation or household; :class:`InvalidValue` with no reason, or past serial 65535.
    """
    why = _reason(reason)
    when = _aware(issued_at, "issued_at")
    custody = database.custody
    with _changing(database, operation_id, [household_id]) as connection:
        highest = connection.execute(
            select(func.max(tickets.c.serial)).where(tickets.c.operation_id == operation_id,
                                                     tickets.c.household_id == household_id)
        ).scalar_one_or_none()
        serial = FIRST_SERIAL if highest is None else int(highest) + 1
        if serial > MAX_SERIAL:
            raise InvalidValue(f"household {household_id} has had {MAX_SERIAL} tickets; no "
                               "serial is left for another", "serial")
        connection.execute(insert(tickets).values(
            operation_id=operation_id, household_id=household_id, serial=serial,
            issued_at=when, issued_by=actor))
        connection.execute(insert(ticket_revocations).values(
            operation_id=operation_id, household_id=household_id, serial=serial, below=True,
            reason=why, revoked_at=when, revoked_by=actor))
        record = custody.audit(connection, actor, "tickets.reissue",
                               f"operation {operation_id}: household {household_id}",
                               f"serial {serial}, every earlier one revoked: {why}")
    custody.publish_head(record)
    return serial, issue_ticket(custody.keyring, operation_id, household_id, serial, when)


def revoke(database: Database, operation_id: str, household_id: str, *, actor: str,
           reason: str, revoked_at: datetime, serial: int | None = None) -> int:
    """Revoke one ticket of a household with no replacement (a household withdrawn, say).

    ``serial`` defaults to the household's newest valid ticket. Returns the serial revoked.
    :class:`NotFound` for an unknown operation, household or serial (or a household with no
    valid ticket to revoke); :class:`AlreadyExists` when that ticket is revoked already;
    :class:`InvalidValue` with no reason.
    """
    why = _reason(reason)
    when = _aware(revoked_at, "revoked_at")
    custody = database.custody
    with _changing(database, operation_id, [household_id]) as connection:
        revoked = _revocation_list(connection, operation_id, when)
        serials = _issued(connection, operation_id, [household_id]).get(household_id, {})
        if serial is None:
            valid = [s for s in serials if not revoked.is_revoked(household_id, s)]
            if not valid:
                raise NotFound(f"household {household_id} has no valid ticket to revoke; "
                               "`corridor tickets list` shows its tickets")
            serial = max(valid)
        elif serial not in serials:
            raise NotFound(f"household {household_id} has no ticket with serial {serial}; "
                           "`corridor tickets list` shows its tickets")
        elif revoked.is_revoked(household_id, serial):
            raise AlreadyExists(f"ticket {serial} of household {household_id} is revoked "
                                "already; nothing was changed")
        connection.execute(insert(ticket_revocations).values(
            operation_id=operation_id, household_id=household_id, serial=serial, below=False,
            reason=why, revoked_at=when, revoked_by=actor))
        record = custody.audit(connection, actor, "tickets.revoke",
                               f"operation {operation_id}: household {household_id}",
                               f"serial {serial}: {why}")
    custody.publish_head(record)
    return serial


# -- reading ---------------------------------------------------------------------------------


def revocation_list(database: Database, operation_id: str, now: datetime) -> RevocationList:
    """The operation's revocation list, issued at ``now``, from every revocation stored.

    Holds household ids and serials only (no personal field), so it is not audited; sign it
    with ``RevocationList.to_bytes(keyring)`` for a phone. :class:`NotFound` for an unknown
    operation.
    """
    when = _aware(now, "now")
    with database._errors(), database._reading() as connection:
        database._require_schema(connection)
        _choose_operation(connection, operation_id)
        return _revocation_list(connection, operation_id, when)


def revocation_marker(database: Database, operation_id: str) -> tuple[int, int]:
    """(how many revocations, the highest id) of an operation: changes with every revocation
    stored, so a server knows its cached list is out of date with one small query."""
    with database._errors(), database._reading() as connection:
        database._require_schema(connection)
        count, highest = connection.execute(
            select(func.count(), func.max(ticket_revocations.c.revocation_id))
            .where(ticket_revocations.c.operation_id == operation_id)).one()
    return int(count), int(highest or 0)


def list_tickets(database: Database, operation_id: str,
                 household_ids: Collection[str] | None = None, *,
                 actor: str) -> list[IssuedTicket]:
    """The tickets issued in an operation (or to some households), by household then serial,
    each marked revoked or not. Audited as a read of the households' tickets."""
    custody = database.custody
    with database._errors(), database._writing() as connection:
        database._require_schema(connection)
        _choose_operation(connection, operation_id)
        revoked = _revocation_list(connection, operation_id, custody.clock())
        statement = (select(tickets).where(tickets.c.operation_id == operation_id)
                     .order_by(tickets.c.household_id, tickets.c.serial))
        if household_ids is not None:
            statement = statement.where(tickets.c.household_id.in_(sorted(household_ids)))
        rows = connection.execute(statement).all()
        which = ("every household" if household_ids is None
                 else f"household {', '.join(sorted(household_ids))}")
        record = custody.audit(connection, actor, "tickets.read",
                               f"operation {operation_id}: {which}", f"{len(rows)} tickets")
    custody.publish_head(record)
    return [IssuedTicket(row.operation_id, row.household_id, int(row.serial),
                         stored_utc(row.issued_at), row.issued_by,
                         revoked.is_revoked(row.household_id, int(row.serial)))
            for row in rows]


def revocations(database: Database, operation_id: str) -> list[Revocation]:
    """Every revocation stored for an operation, oldest first."""
    with database._errors(), database._reading() as connection:
        database._require_schema(connection)
        _choose_operation(connection, operation_id)
        rows = connection.execute(
            select(ticket_revocations).where(ticket_revocations.c.operation_id == operation_id)
            .order_by(ticket_revocations.c.revocation_id)).all()
    return [Revocation(int(row.revocation_id), row.operation_id, row.household_id,
                       int(row.serial), bool(row.below), row.reason, stored_utc(row.revoked_at),
                       row.revoked_by) for row in rows]


def merged(first: RevocationList, second: RevocationList) -> RevocationList:
    """One list revoking whatever either revokes (the same operation), issued at the later time."""
    if first.operation_id != second.operation_id:
        raise InvalidValue(f"revocation lists of operations {first.operation_id} and "
                           f"{second.operation_id} cannot be merged", "operation_id")
    below: dict[str, int] = dict(first.revoked_below)
    for household_id, serial in second.revoked_below.items():
        below[household_id] = max(serial, below.get(household_id, 0))
    return RevocationList(first.operation_id, max(first.issued_at, second.issued_at), below,
                          first.revoked_serials | second.revoked_serials)


# -- helpers ---------------------------------------------------------------------------------


@contextmanager
def _changing(database: Database, operation_id: str,
              household_ids: list[str]) -> Iterator[Connection]:
    """A write transaction on the operation's tickets: the operation's ticket lock held, and
    every household checked to be in its registry (:class:`NotFound` otherwise)."""
    with database._errors(), database._writing() as connection:
        database._require_schema(connection)
        _choose_operation(connection, operation_id)
        _lock(connection, operation_id)
        _require_households(connection, operation_id, household_ids)
        yield connection


def _lock(connection: Connection, operation_id: str) -> None:
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.blake2b(f"tickets/{operation_id}".encode(),
                                             digest_size=8).digest(), "big", signed=True)
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (key,))


def _require_households(connection: Connection, operation_id: str,
                        wanted: list[str]) -> None:
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        found.update(connection.execute(select(households.c.household_id).where(
            households.c.operation_id == operation_id,
            households.c.household_id.in_(wanted[start:start + _CHUNK]))).scalars())
    missing = [household_id for household_id in wanted if household_id not in found]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more"
                                           if len(missing) > 10 else "")
        raise NotFound(f"not in the registry of operation {operation_id}: household {shown}; "
                       "nothing was issued or revoked")


def _issued(connection: Connection, operation_id: str,
            wanted: list[str]) -> dict[str, dict[int, datetime]]:
    found: dict[str, dict[int, datetime]] = {}
    for start in range(0, len(wanted), _CHUNK):
        for household_id, serial, at in connection.execute(
                select(tickets.c.household_id, tickets.c.serial, tickets.c.issued_at).where(
                    tickets.c.operation_id == operation_id,
                    tickets.c.household_id.in_(wanted[start:start + _CHUNK]))):
            found.setdefault(household_id, {})[int(serial)] = stored_utc(at)
    return found


def _revocation_list(connection: Connection, operation_id: str,
                     when: datetime) -> RevocationList:
    below: dict[str, int] = {}
    singles: set[tuple[str, int]] = set()
    for household_id, serial, is_below in connection.execute(
            select(ticket_revocations.c.household_id, ticket_revocations.c.serial,
                   ticket_revocations.c.below)
            .where(ticket_revocations.c.operation_id == operation_id)):
        if is_below:
            below[household_id] = max(int(serial), below.get(household_id, 0))
        else:
            singles.add((household_id, int(serial)))
    return RevocationList(operation_id, when, below, frozenset(singles))


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(f"{name} needs a time zone (UTC)", name)
    return moment.astimezone(UTC)


def _reason(reason: str) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > MAX_REASON_CHARS:
        raise InvalidValue(f"say why in 1 to {MAX_REASON_CHARS} characters (what happened, "
                           "never a name): it is kept with the revocation", "reason")
    return text



def registry_household_ids(database: Database, operation_id: str) -> list[str]:
    """Every household id of an operation's registry, in registry order (ids are in clear)."""
    with database._errors(), database._reading() as connection:
        database._require_schema(connection)
        _choose_operation(connection, operation_id)
        return list(connection.execute(
            select(households.c.household_id).where(households.c.operation_id == operation_id)
            .order_by(households.c.ordinal)).scalars())
