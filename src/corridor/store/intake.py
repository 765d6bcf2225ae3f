"""Households from a KoBoToolbox or ODK Central export added to a stored registry.

The export is read and checked by :mod:`corridor.interop.kobo`; this module finds out what the
registry holds of its ids, lets :func:`corridor.interop.kobo.decide` judge, and appends the new
households and persons in one transaction, sealed and audited exactly as ``corridor import``
seals them (:mod:`corridor.store.rows`), after the registry's last ordinals. A batch with any
problem stores nothing (unless the caller asks to skip the bad submissions); a submission whose
household is registered already with the same answers is counted, not stored twice.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from corridor.domain import Household, NotFound, Operation, Person, StoreError
from corridor.interop.kobo import (
    IntakeBatch,
    IntakeDecision,
    IntakeRejected,
    Record,
    Registered,
    RowProblem,
    Skipped,
    decide,
)
from corridor.interop.operation_toml import operation_from_toml
from corridor.memory import cyclic_gc_paused
from corridor.security.permissions import Field, visible_household, visible_person
from corridor.store import bulk
from corridor.store.database import BATCH_SIZE, Database, Progress, no_progress
from corridor.store.rows import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_READ,
    PERSON_COLUMNS,
    RegistryDecoder,
    chunks,
    household_rows,
    person_rows,
    vulnerability_codes,
)
from corridor.store.tables import households, operations, persons

IN_LIST = 500
"""Ids looked up at a time (an ``IN`` list of bounded length)."""


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    """What an intake import did: stored, left out on purpose, and skipped for problems."""

    operation_id: str
    households: int
    persons: int
    skipped: tuple[Skipped, ...]
    problems: tuple[RowProblem, ...]


def load_operation(db: Database, operation_id: str) -> Operation:
    """The stored operation (agreement, sites, fleet, rules), without its registry."""
    with db._errors(), db._reading() as connection:
        db._require_schema(connection)
        document = connection.execute(select(operations.c.document).where(
            operations.c.operation_id == operation_id)).scalar_one_or_none()
    if document is None:
        raise NotFound(f"there is no operation {operation_id} in the database")
    return operation_from_toml(document, f"operation {operation_id} in the database at "
                                         f"{db.display_url}")


def _batches(ids: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), IN_LIST):
        yield ordered[start:start + IN_LIST]


def _stored_households(connection: Connection, operation_id: str,
                       ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for part in _batches(ids):
        found.update(connection.execute(select(households.c.household_id).where(
            households.c.operation_id == operation_id,
            households.c.household_id.in_(part))).scalars())
    return found


def _stored_persons(connection: Connection, operation_id: str,
                    ids: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in _batches(ids):
        for person_id, household_id in connection.execute(
                select(persons.c.person_id, persons.c.household_id).where(
                    persons.c.operation_id == operation_id, persons.c.person_id.in_(part))):
            found[person_id] = household_id
    return found


def registered_facts(db: Database, operation_id: str, batch: IntakeBatch, *, actor: str,
                     reason: str) -> Registered:
    """What the registry holds of the batch's ids; households found are opened, audited."""
    custody = db.custody
    with db._errors(), db._writing() as connection:
        db._require_schema(connection)
        custody.check_key(connection)
        found = _stored_households(connection, operation_id, batch.household_ids)
        linked = _stored_households(connection, operation_id, batch.linked_ids)
        owners = _stored_persons(connection, operation_id, batch.person_ids)
        opened: dict[str, tuple[Household, tuple[Person, ...]]] = {}
        record = None
        if found:
            decode = RegistryDecoder(operation_id, custody.sealer)
            for part in _batches(found):
                for row in connection.execute(
                        select(*(households.c[name] for name in HOUSEHOLD_READ)).where(
                            households.c.operation_id == operation_id,
                            households.c.household_id.in_(part))):
                    household, members = decode(row)
                    opened[household.household_id] = (household,
                                                      tuple(person for _o, person in members))
            record = custody.audit(connection, actor, "registry.read",
                                   f"operation {operation_id}: {len(opened)} households "
                                   f"compared with an intake export", reason)
    if record is not None:
        custody.publish_head(record)
    return Registered(opened, frozenset(linked), owners)


class _AfterRegistry(Sequence[Person]):
    """The new persons, indexed by the ordinals they get after the registry's ``offset``."""

    def __init__(self, new: Sequence[Person], offset: int) -> None:
        self._new = new
        self._offset = offset

    @overload
    def __getitem__(self, index: int) -> Person: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Person]: ...

    def __getitem__(self, index: int | slice) -> Person | Sequence[Person]:
        if isinstance(index, slice):
            raise TypeError("the persons after the registry are read one at a time")
        return self._new[index - self._offset]

    def __len__(self) -> int:
        return self._offset + len(self._new)


def _lock_operation(connection: Connection, operation_id: str) -> None:
    """Hold the operation until the end of the transaction: ordinals are counted, then used.

    SQLite's ``BEGIN IMMEDIATE`` holds the whole database already; on PostgreSQL the row lock
    makes a second import (or a replacement of the operation) wait.
    """
    statement = select(operations.c.operation_id).where(
        operations.c.operation_id == operation_id)
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    if connection.execute(statement).first() is None:
        raise NotFound(f"operation {operation_id} was deleted meanwhile; nothing was stored")


def _count(connection: Connection, table: Table, operation_id: str) -> int:
    return int(connection.execute(select(func.count()).select_from(table).where(
        table.c.operation_id == operation_id)).scalar_one())


def _still_true(connection: Connection, operation_id: str, decision: IntakeDecision,
                registered: Registered) -> None:
    """Refuse when the registry changed since the batch was judged (another import ran)."""
    new_households = {h.household_id for h in decision.households}
    new_persons = {p.person_id for p in decision.persons}
    linked = {h.linked_to for h in decision.households if h.linked_to is not None}
    if (_stored_households(connection, operation_id, new_households)
            or _stored_persons(connection, operation_id, new_persons)
            or not (linked - new_households) <= _stored_households(connection, operation_id,
                                                                   linked)
            or not set(registered.linked) <= _stored_households(connection, operation_id,
                                                                registered.linked)):
        raise StoreError("the registry changed while the export was being checked (another "
                         "import ran); nothing was stored: run the import again")


def append(db: Database, operation_id: str, decision: IntakeDecision, registered: Registered,
           *, actor: str, reason: str, source: str, progress: Progress = no_progress) -> None:
    """Store the decision's new households and persons after the registry, in one transaction."""
    new_households = decision.households
    new_persons = decision.persons
    total = len(new_households) + len(new_persons)
    done = 0

    def written(count: int) -> None:
        nonlocal done
        done += count
        progress(done, total)

    custody = db.custody
    with db._errors(), cyclic_gc_paused(), db._writing() as connection:
        db._require_schema(connection)
        custody.check_key(connection)
        _lock_operation(connection, operation_id)
        _still_true(connection, operation_id, decision, registered)
        household_start = _count(connection, households, operation_id)
        person_start = _count(connection, persons, operation_id)
        members: dict[str, list[int]] = {}
        for ordinal, person in enumerate(new_persons, start=person_start):
            members.setdefault(person.household_id, []).append(ordinal)
        everyone = _AfterRegistry(new_persons, person_start)
        codes = vulnerability_codes()
        progress(0, total)
        bulk.insert_rows(
            connection, households, HOUSEHOLD_COLUMNS,
            (household_rows(operation_id, chunk, household_start + start, custody.sealer,
                            everyone, members, codes)
             for start, chunk in chunks(new_households, BATCH_SIZE)), written)
        bulk.insert_rows(
            connection, persons, PERSON_COLUMNS,
            (person_rows(operation_id, chunk, person_start + start, custody.sealer)
             for start, chunk in chunks(new_persons, BATCH_SIZE)), written)
        record = custody.audit(connection, actor, "registry.intake",
                               f"operation {operation_id}: {len(new_households)} households, "
                               f"{len(new_persons)} persons from {source}", reason)
    custody.publish_head(record)


def _same_in(fields: frozenset[Field]) -> Callable[[Record, Record], bool]:
    """Whether two records agree in ``fields`` (and their ids and assembly point)."""
    def seen(record: Record) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        household, persons = record
        return (visible_household(household, fields),
                sorted((visible_person(person, fields) for person in persons),
                       key=lambda shown: str(shown["person_id"])))

    return lambda stored, submitted: seen(stored) == seen(submitted)


def import_intake(db: Database, operation_id: str, batch: IntakeBatch, *, actor: str,
                  reason: str = "intake import", sites: frozenset[str] | None = None,
                  skip_invalid: bool = False, progress: Progress = no_progress,
                  fields: frozenset[Field] | None = None) -> IntakeOutcome:
    """Check ``batch`` against the stored operation and registry and store what is new.

    Raises :class:`~corridor.interop.kobo.IntakeRejected` with every problem, storing nothing,
    when any submission has a problem, unless ``skip_invalid``: then the good submissions are
    stored and the problems of the others returned. ``sites`` limits the assembly points the
    importer may register households of (None: all); ``fields`` the personal fields they may
    see (None: all): a submission of a registered household is compared with it in those
    fields only, so that the answer tells nothing of the others.
    """
    operation = load_operation(db, operation_id)
    registered = registered_facts(db, operation_id, batch, actor=actor, reason=reason)
    decision = decide(batch, operation, registered, sites=sites, skip_invalid=skip_invalid,
                      same=operator.eq if fields is None else _same_in(fields))
    skipped = (*batch.skipped, *decision.already)
    if decision.problems and not skip_invalid:
        raise IntakeRejected(decision.problems, skipped)
    if decision.new:
        append(db, operation_id, decision, registered, actor=actor, reason=reason,
               source=Path(batch.source).name, progress=progress)
    return IntakeOutcome(operation_id, len(decision.households), len(decision.persons),
                         skipped, decision.problems)
