"""The corridor database: open it, make or migrate its schema, keep scenarios and their plans.

SQLite (one file, the default for one crossing) and PostgreSQL (for a team) run the same code.
Every error that comes out of here is a :class:`corridor.domain.CorridorError`: SQLAlchemy's and
the drivers' errors are translated at this edge, and no message ever shows a password.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import psycopg
from sqlalchemy import Table, bindparam, create_engine, delete, event, func, insert, select
from sqlalchemy.engine import URL, Connection, Engine, Row, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DisconnectionError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.pool import ConnectionPoolEntry

from corridor.domain import (
    AlreadyExists,
    CorridorError,
    DatabaseNotInitialised,
    DatabaseUnreachable,
    Household,
    InvalidValue,
    NotFound,
    Person,
    Plan,
    Scenario,
    ScenarioRejected,
    StoreError,
)
from corridor.interop.plan_json import plan_from_json, plan_to_json
from corridor.interop.scenario_files import operation_from_toml, operation_to_toml
from corridor.memory import cyclic_gc_paused
from corridor.store import bulk, schema
from corridor.store.custody import Custody, missing_custody
from corridor.store.rows import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_READ,
    PERSON_COLUMNS,
    OrderedRecords,
    RegistryDecoder,
    chunks,
    household_rows,
    members_by_household,
    person_rows,
    vulnerability_codes,
)
from corridor.store.tables import (
    disclosure_ledgers,
    events,
    households,
    operations,
    persons,
    plans,
    shares,
    ticket_revocations,
    tickets,
)

Progress = Callable[[int, int], None]
"""Told ``(done, total)`` records every few thousand records; it must not block for long."""

BATCH_SIZE = 10_000
"""Records written or read at a time, and how often progress is reported."""

SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long SQLite waits for another writer before it gives up."""

SQLITE_WAL_SIZE_LIMIT = 64 * 2**20
"""Bytes of write-ahead log SQLite keeps on disk once it has been checkpointed."""

SQLITE_CHECKPOINT_EVERY_S = 1.0
"""How often a server's own thread checkpoints SQLite's write-ahead log
(:meth:`Database.checkpoint_in_background`)."""

POSTGRESQL_CONNECT_TIMEOUT_S = 10

POSTGRESQL_PING_AFTER_IDLE_S = 5.0
"""A pooled PostgreSQL connection idle for longer is pinged before use (a restarted server or
a dropped link is found before the request); one in steady use is not, which saves a round trip
on each of a scan's three connections. A connection that broke while in use fails its request
(the phone retries with the same nonce) and the pool drops it."""

SEED_RANGE = range(-(2**63), 2**63)
"""The seeds a plan can be stored with (the column is a signed 64-bit integer)."""

BLIND_INDEXES = ("ix_persons_operation_id_name_index", "ix_persons_operation_id_family_index")
"""The indexes of random keys that a large import builds after its rows, not row by row."""

WRITE_OPTION = "corridor_writes"
"""The execution option that marks a connection whose transaction will write."""


def no_progress(done: int, total: int) -> None:
    """The default progress callback: does nothing."""


@dataclass(frozen=True, slots=True)
class OperationSummary:
    """One operation in the database, with the size of its registry."""

    operation_id: str
    name: str
    agreement_version: str
    households: int
    persons: int
    imported_at: datetime


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """One stored plan, with the figures that tell plans apart, without its convoys."""

    plan_id: int
    operation_id: str
    created_at: datetime
    days: int
    trips: int
    people: int
    proven_optimal_days: bool
    seed: int


class Database:
    """A corridor database at a URL (``sqlite:///path/corridor.db`` or ``postgresql://...``).

    Open it with :meth:`open`, and :meth:`close` it (or use it as a context manager). Every method
    runs in its own transaction. Any method but the schema ones raises
    :class:`~corridor.domain.DatabaseNotInitialised` until :meth:`upgrade` has made the schema.
    """

    def __init__(self, engine: Engine, display_url: str, custody: Custody | None = None) -> None:
        """Wrap ``engine``; use :meth:`open` rather than this."""
        self._engine = engine
        self._display_url = display_url
        self._custody = custody
        self._schema_current = False
        # SQLite has one writer at a time; threads of this process queue here rather than in
        # SQLite's busy handler, which sleeps up to 100 ms between tries (a scan's p99).
        self._sqlite_writer = threading.Lock() if engine.dialect.name == "sqlite" else None
        self._checkpointer: _Checkpointer | None = None

    # -- opening and closing ------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, custody: Custody | None = None) -> Database:
        """Open the database at ``url`` and check that it can be reached.

        ``custody`` holds the keys: without it, nothing personal can be written or read (the
        registry is sealed at rest, every read of it audited).

        ``postgresql://`` URLs use the psycopg 3 driver. For SQLite the folder of the file is made
        if it is missing, and every connection runs in WAL mode with foreign keys on.

        Raises :class:`~corridor.domain.InvalidValue` for a URL that is not a database URL
        corridor supports, :class:`~corridor.domain.DatabaseUnreachable` when the database cannot
        be opened or reached.
        """
        parsed, display = _parse_url(url)
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed, display)
        else:
            engine = create_engine(parsed,
                                   connect_args={"connect_timeout": POSTGRESQL_CONNECT_TIMEOUT_S})
            event.listen(engine, "checkout", _ping_if_idle)
            event.listen(engine, "checkin", _note_idle)
        database = cls(engine, display, custody)
        try:
            with database._errors(opening=True), engine.connect():
                pass
        except CorridorError:
            engine.dispose()
            raise
        return database

    @property
    def display_url(self) -> str:
        """The URL of the database without its password, fit for messages and logs."""
        return self._display_url

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for the store's own repositories and for tests."""
        return self._engine

    @property
    def custody(self) -> Custody:
        """The keys this database was opened with; :class:`KeyUnusable` when there are none."""
        if self._custody is None:
            raise missing_custody("reading or writing personal data")
        return self._custody

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def checkpoint_in_background(self, every_s: float = SQLITE_CHECKPOINT_EVERY_S) -> None:
        """SQLite: copy the write-ahead log into the database from a thread of its own, every
        ``every_s`` seconds, instead of in the commit that fills it (PostgreSQL: nothing to do).

        SQLite checkpoints in the commit that takes the log past 1,000 pages, and that commit
        waits for the copy and its fsync (about 150 ms here): every writer queued behind it
        waits too, which was the p99 of scans. A server calls this once; a passive checkpoint
        neither waits for writers nor makes them wait. :meth:`close` stops the thread.
        """
        if self.dialect != "sqlite" or self._checkpointer is not None:
            return
        self._checkpointer = _Checkpointer(self._engine, every_s)
        event.listen(self._engine, "connect", _no_autocheckpoint)
        self._engine.dispose()  # the pooled connections were made with autocheckpoint on
        self._checkpointer.start()

    def close(self) -> None:
        """Close every connection to the database."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({self._display_url!r})"

    # -- schema -------------------------------------------------------------------------------

    def current_revision(self) -> str | None:
        """The schema revision the database is at, or None when it has no corridor schema."""
        with self._errors(), self._engine.connect() as connection:
            return schema.current_revision(connection)

    def head_revision(self) -> str:
        """The schema revision this version of corridor needs."""
        return schema.head_revision()

    def require_current(self) -> None:
        """Raise :class:`~corridor.domain.DatabaseNotInitialised` unless the schema is at head.

        A schema newer than this corridor knows raises :class:`~corridor.domain.StoreError`.
        """
        with self._errors(), self._engine.connect() as connection:
            self._require_schema(connection)

    def upgrade(self, revision: str = "head") -> None:
        """Make or migrate the schema up to ``revision`` (by default the newest), in one go."""
        self._schema_current = False
        with self._errors(), self._writing() as connection:
            schema.upgrade(connection, revision)

    def check_key(self) -> None:
        """Raise :class:`KeyUnusable` unless the custody's key opens this database's records."""
        custody = self.custody
        with self._errors(), self._writing() as connection:
            self._require_schema(connection)
            custody.check_key(connection)

    def record(self, actor: str, action: str, subject: str, reason: str) -> None:
        """Append one record to the audit log (for what happens outside the store: exports)."""
        custody = self.custody
        with self._errors(), self._writing() as connection:
            self._require_schema(connection)
            record = custody.audit(connection, actor, action, subject, reason)
        custody.publish_head(record)

    def choose_operation(self, operation_id: str | None = None) -> str:
        """``operation_id`` once it is known to exist, or the only operation when it is None.

        Raises :class:`~corridor.domain.NotFound` when there is no such operation, or no
        operation, or several to choose from (the message names them).
        """
        with self._errors(), self._reading() as connection:
            self._require_schema(connection)
            return _choose_operation(connection, operation_id)

    def downgrade(self, revision: str) -> None:
        """Migrate the schema down to ``revision``; ``"base"`` drops every corridor table."""
        self._schema_current = False
        with self._errors(), self._writing() as connection:
            schema.downgrade(connection, revision)

    # -- scenarios ----------------------------------------------------------------------------

    def import_scenario(self, scenario: Scenario, *, actor: str, reason: str = "import",
                        replace: bool = False, progress: Progress = no_progress,
                        imported_at: datetime | None = None) -> None:
        """Write the operation, households and persons of ``scenario`` in one transaction.

        The personal fields are sealed with the custody's key; the import is audited as done by
        ``actor`` for ``reason``, in the same transaction.

        If the operation is there already, raise :class:`~corridor.domain.AlreadyExists` unless
        ``replace``, which deletes the old operation and its registry in the same transaction.
        Whatever fails (a progress callback that raises included), nothing is written.
        ``imported_at`` (with a time zone) defaults to now.
        """
        operation = scenario.operation
        operation_id = operation.operation_id
        when = datetime.now(UTC) if imported_at is None else imported_at
        if when.tzinfo is None:
            raise InvalidValue("imported_at needs a time zone", "imported_at")
        document = operation_to_toml(operation)
        total = len(scenario.households) + len(scenario.persons)
        done = 0

        def written(count: int) -> None:
            nonlocal done
            done += count
            progress(done, total)

        custody = self.custody
        sealer = custody.sealer
        with self._errors(), cyclic_gc_paused(), self._writing() as connection:
            self._require_schema(connection)
            custody.check_key(connection)
            replaced = _operation_exists(connection, operation_id)
            kept: dict[Table, list[dict[str, Any]]] = {}
            if replaced:
                if not replace:
                    raise AlreadyExists(f"operation {operation_id} is in the database already; "
                                        "pass --replace to replace it and its registry")
                # What was shared or published, the field log and the tickets (a revoked
                # ticket stays revoked) stay on record across a new registry.
                kept = {table: [dict(row._mapping) for row in connection.execute(
                            select(table).where(table.c.operation_id == operation_id))]
                        for table in (shares, disclosure_ledgers, events, tickets,
                                      ticket_revocations)}
                _delete_operation(connection, operation_id)
            try:
                connection.execute(insert(operations).values(
                    operation_id=operation_id, name=operation.name,
                    agreement_version=operation.agreement.version, document=document,
                    imported_at=when.astimezone(UTC)))
            except IntegrityError as error:  # another import of the same operation won the race
                raise AlreadyExists(f"operation {operation_id} was imported by someone else "
                                    "meanwhile; pass --replace to replace it") from error
            for table, rows in kept.items():
                if rows:
                    connection.execute(insert(table), rows)
            progress(0, total)
            members = members_by_household(scenario.persons)
            codes = vulnerability_codes()
            bulk.insert_rows(
                connection, households, HOUSEHOLD_COLUMNS,
                (household_rows(operation_id, chunk, start, sealer, scenario.persons, members,
                                codes)
                 for start, chunk in chunks(scenario.households, BATCH_SIZE)), written)
            del members
            with bulk.indexes_deferred(connection, persons, BLIND_INDEXES,
                                       len(scenario.persons)):
                bulk.insert_rows(
                    connection, persons, PERSON_COLUMNS,
                    (person_rows(operation_id, chunk, start, sealer)
                     for start, chunk in chunks(scenario.persons, BATCH_SIZE)), written)
            record = custody.audit(
                connection, actor, "registry.replace" if replaced else "registry.import",
                f"operation {operation_id}: {len(scenario.households)} households, "
                f"{len(scenario.persons)} persons", reason)
        custody.publish_head(record)

    def load_scenario(self, operation_id: str | None = None, *, actor: str, reason: str,
                      progress: Progress = no_progress) -> Scenario:
        """Read an operation and its registry back, in the order it was imported.

        The read is audited as done by ``actor`` for ``reason`` before any record is opened.

        With no ``operation_id``, read the only operation in the database. Raises
        :class:`~corridor.domain.NotFound` for an unknown id, or when there is no operation or
        several to choose from (the message names them).
        """
        custody = self.custody
        with self._errors(), self._writing() as connection:
            self._require_schema(connection)
            custody.check_key(connection)
            chosen = _choose_operation(connection, operation_id)
            record = custody.audit(connection, actor, "registry.read",
                                   f"operation {chosen}: whole registry", reason)
        custody.publish_head(record)
        with self._errors(), cyclic_gc_paused(), self._reading() as connection:
            document = connection.execute(
                select(operations.c.document).where(operations.c.operation_id == chosen),
            ).scalar_one()
            operation = operation_from_toml(
                document, source=f"operation {chosen} in the database at {self._display_url}")
            household_count = _count(connection, households, chosen)
            person_count = _count(connection, persons, chosen)
            total = household_count + person_count
            progress(0, total)

            household_records: OrderedRecords[Household] = OrderedRecords(household_count,
                                                                          "household")
            person_records: OrderedRecords[Person] = OrderedRecords(person_count, "person")
            decode = RegistryDecoder(chosen, custody.sealer)
            done = 0
            for partition in _stream(connection, households, HOUSEHOLD_READ, chosen):
                for row in partition:
                    household, members = decode(row)
                    household_records.put(row[0], household)
                    for ordinal, person in members:
                        person_records.put(ordinal, person)
                    done += 1 + len(members)
                progress(done, total)

            try:
                return Scenario(operation, household_records.result(), person_records.result())
            except InvalidValue as error:
                raise StoreError(f"the registry of operation {chosen} in the database is not "
                                 f"consistent: {error.message}") from error

    def operations(self) -> list[OperationSummary]:
        """Every operation in the database with the size of its registry, by id."""
        household_counts = (select(households.c.operation_id,
                                   func.count().label("records"))
                            .group_by(households.c.operation_id).subquery())
        person_counts = (select(persons.c.operation_id, func.count().label("records"))
                         .group_by(persons.c.operation_id).subquery())
        statement = (
            select(operations.c.operation_id, operations.c.name,
                   operations.c.agreement_version,
                   func.coalesce(household_counts.c.records, 0),
                   func.coalesce(person_counts.c.records, 0),
                   operations.c.imported_at)
            .outerjoin(household_counts,
                       household_counts.c.operation_id == operations.c.operation_id)
            .outerjoin(person_counts, person_counts.c.operation_id == operations.c.operation_id)
            .order_by(operations.c.operation_id))
        with self._errors(), self._reading() as connection:
            self._require_schema(connection)
            return [OperationSummary(row[0], row[1], row[2], row[3], row[4], stored_utc(row[5]))
                    for row in connection.execute(statement)]

    # -- plans --------------------------------------------------------------------------------

    def save_plan(self, plan: Plan, *, created_at: datetime | None = None) -> int:
        """Store ``plan`` as a new plan of its operation, in one transaction; return its id.

        The plan is stored as it is given: checking it is the checker's job, before this.
        Raises :class:`~corridor.domain.NotFound` when the plan's operation is not in the
        database. ``created_at`` (with a time zone) defaults to now. Plan ids only grow.
        """
        when = datetime.now(UTC) if created_at is None else created_at
        if when.tzinfo is None:
            raise InvalidValue("created_at needs a time zone", "created_at")
        if plan.seed not in SEED_RANGE:
            raise InvalidValue(f"the seed {plan.seed} is too large to store: use a seed "
                               "between -2**63 and 2**63 - 1", "seed")
        # Written before the transaction: at a million people it takes a second, and SQLite
        # holds its write lock for as long as the transaction lasts.
        document = plan_to_json(plan)
        operation_id = plan.operation_id
        missing = NotFound(f"there is no operation {operation_id} in the database: import its "
                           "scenario before saving a plan for it")
        with self._errors(), self._writing() as connection:
            self._require_schema(connection)
            if not _operation_exists(connection, operation_id):
                raise missing
            try:
                result = connection.execute(insert(plans).values(
                    operation_id=operation_id, created_at=when.astimezone(UTC), seed=plan.seed,
                    days=plan.days, trips=plan.trips, people=plan.people,
                    proven_optimal_days=plan.proven_optimal_days, document=document))
            except IntegrityError as error:  # the operation was deleted meanwhile
                raise missing from error
            key = result.inserted_primary_key
            if key is None:  # only for a table without a primary key, which plans is not
                raise StoreError("the database gave the new plan no id")
            return int(key[0])

    def load_plan(self, operation_id: str | None = None, plan_id: int | None = None) -> Plan:
        """Read a stored plan back: plan ``plan_id``, or else the newest plan of the operation.

        With neither, read the newest plan of the only operation in the database. The newest
        plan is the one created last (by ``created_at``, then by id). Raises
        :class:`~corridor.domain.NotFound` for an unknown plan or operation, when the
        operation has no plan yet, or when there are several operations to choose from.
        """
        with self._errors(), self._reading() as connection:
            self._require_schema(connection)
            if plan_id is not None:
                statement = select(plans.c.plan_id, plans.c.operation_id,
                                   plans.c.document).where(plans.c.plan_id == plan_id)
                if operation_id is not None:
                    statement = statement.where(plans.c.operation_id == operation_id)
                row = connection.execute(statement).first()
                if row is None:
                    of = f" of operation {operation_id}" if operation_id is not None else ""
                    raise NotFound(f"there is no plan {plan_id}{of} in the database")
            else:
                chosen = _choose_operation(connection, operation_id)
                row = connection.execute(
                    select(plans.c.plan_id, plans.c.operation_id, plans.c.document)
                    .where(plans.c.operation_id == chosen)
                    .order_by(plans.c.created_at.desc(), plans.c.plan_id.desc())
                    .limit(1)).first()
                if row is None:
                    raise NotFound(f"operation {chosen} has no plan yet: run `corridor plan`")
        found_id, found_operation, document = row
        source = (f"plan {found_id} of operation {found_operation} in the database at "
                  f"{self._display_url}")
        try:
            return plan_from_json(document, source)
        except ScenarioRejected as rejected:
            raise StoreError(f"a stored plan cannot be read ({len(rejected.problems)} "
                             f"problems); the first: {rejected.problems[0]}") from rejected

    def newest_plan_id(self, operation_id: str) -> int | None:
        """The id of the operation's newest plan (as :meth:`load_plan` chooses it), or None when
        it has none or there is no such operation: one statement, for a check on every scan."""
        with self._errors(), self._statement() as connection:
            self._require_schema(connection)
            found = connection.execute(_NEWEST_PLAN, {"operation_id": operation_id}
                                       ).scalar_one_or_none()
        return None if found is None else int(found)

    def plans(self, operation_id: str | None = None) -> list[PlanSummary]:
        """The stored plans, of one operation or of all, by operation then oldest first.

        Raises :class:`~corridor.domain.NotFound` for an operation that is not in the database.
        """
        statement = (
            select(plans.c.plan_id, plans.c.operation_id, plans.c.created_at, plans.c.days,
                   plans.c.trips, plans.c.people, plans.c.proven_optimal_days, plans.c.seed)
            .order_by(plans.c.operation_id, plans.c.created_at, plans.c.plan_id))
        if operation_id is not None:
            statement = statement.where(plans.c.operation_id == operation_id)
        with self._errors(), self._reading() as connection:
            self._require_schema(connection)
            if operation_id is not None:
                _choose_operation(connection, operation_id)
            return [PlanSummary(row[0], row[1], stored_utc(row[2]), row[3], row[4], row[5],
                                bool(row[6]), row[7])
                    for row in connection.execute(statement)]

    # -- plumbing -----------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A connection in a transaction that will write."""
        writer = self._sqlite_writer
        if writer is not None and not writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise StoreError(f"the database at {self._display_url} is busy (another request "
                             "of this server is writing to it); try again")
        try:
            with self._engine.connect() as connection:
                # SQLite: take the write lock at BEGIN (see _begin_sqlite_transaction).
                connection.execution_options(**{WRITE_OPTION: True})
                with connection.begin():
                    yield connection
        finally:
            if writer is not None:
                writer.release()

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection in a transaction that sees one snapshot from its first read to its end."""
        with self._engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # READ COMMITTED would let an import that commits between two of our queries
                # show us counts of one registry and rows of another.
                connection.execution_options(isolation_level="REPEATABLE READ")
            # SQLite in WAL mode: a read transaction is a snapshot already.
            with connection.begin():
                yield connection

    @contextmanager
    def _statement(self) -> Iterator[Connection]:
        """A connection for one read statement, which sees one snapshot on its own: on
        PostgreSQL in autocommit, so that it is one round trip rather than three (BEGIN, the
        statement, the end of the transaction). For the reads of every request."""
        with self._engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    def _require_schema(self, connection: Connection) -> None:
        # Checked once per Database: the schema changes only through upgrade and downgrade
        # (which forget the check) or another corridor, which a running server must not meet.
        if self._schema_current:
            return
        revision = schema.current_revision(connection)
        head = schema.head_revision()
        if revision == head:
            self._schema_current = True
            return
        if revision is None:
            raise DatabaseNotInitialised(f"the database at {self._display_url} has no corridor "
                                         "schema yet: run `corridor init`")
        if revision in schema.known_revisions():
            raise DatabaseNotInitialised(f"the database at {self._display_url} is at schema "
                                         f"revision {revision} and this corridor needs {head}: "
                                         "run `corridor init` to upgrade it")
        raise StoreError(f"the database at {self._display_url} is at schema revision "
                         f"{revision}, which this corridor does not know (it needs {head}): "
                         "upgrade corridor")

    @contextmanager
    def _errors(self, *, opening: bool = False) -> Iterator[None]:
        """Translate the errors of SQLAlchemy and the drivers into corridor's error tree.

        While ``opening``, any database error means the database cannot be opened (a file that
        is not SQLite, say). The driver's errors are not chained: their text may quote rows,
        that is personal data, which must not reach a log.
        """
        try:
            yield
        except CorridorError:
            raise
        except (SQLAlchemyError, psycopg.Error) as error:
            detail = _detail(error)
            if opening or isinstance(error, OperationalError | psycopg.OperationalError):
                self._raise_operational(detail)
            raise StoreError(f"the database at {self._display_url} refused the request: "
                             f"{detail}") from None

    def _raise_operational(self, detail: str) -> NoReturn:
        if "locked" in detail or "busy" in detail:
            raise StoreError(f"the database at {self._display_url} is busy (another program "
                             f"is writing to it); try again: {detail}") from None
        raise DatabaseUnreachable(f"cannot open or reach the database at "
                                  f"{self._display_url}: {detail}") from None


# -- helpers -------------------------------------------------------------------------------------


def _parse_url(url: str) -> tuple[URL, str]:
    """The URL to connect to, and the URL to show (as given, without its password)."""
    try:
        given = make_url(url)
    except ArgumentError:
        given = None
    backend, _, driver = given.drivername.partition("+") if given is not None else ("", "", "")
    if given is None or backend not in {"sqlite", "postgresql", "postgres"}:
        raise InvalidValue("the database URL must look like sqlite:///path/to/corridor.db or "
                           "postgresql://user@host/database", "url")
    display = _display(given)
    if backend == "sqlite":
        return given, display
    if driver not in {"", "psycopg"}:
        raise InvalidValue("corridor reaches PostgreSQL through psycopg 3: write the URL as "
                           f"postgresql://user@host/database, not {backend}+{driver}://", "url")
    return given.set(drivername="postgresql+psycopg"), display


def _display(url: URL) -> str:
    """``url`` with no password anywhere in it, for messages."""
    # URL.set() takes None to mean "unchanged", hence the named tuple's own _replace.
    without = url._replace(password=None).difference_update_query(["password"])
    return without.render_as_string(hide_password=False)


def _detail(error: BaseException) -> str:
    """The driver's own first line about ``error``, which never holds the password."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def _sqlite_engine(url: URL, display: str) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseUnreachable(f"cannot make the folder of the database at {display}: "
                                      f"{error.strerror}") from None
    engine = create_engine(url)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # The driver's own transaction handling starts transactions late and never for DDL; we turn
    # it off and begin them ourselves (see below), so migrations and imports are atomic.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # WAL lets the dashboard read while an import or a check-in writes.
        cursor.execute("PRAGMA journal_mode = WAL")
        # After a large import the write-ahead log would otherwise keep its size on disk.
        cursor.execute(f"PRAGMA journal_size_limit = {SQLITE_WAL_SIZE_LIMIT}")
        # NORMAL is durable in WAL mode except for the last commits before a power cut.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


_NEWEST_PLAN = (select(plans.c.plan_id).where(plans.c.operation_id == bindparam("operation_id"))
                .order_by(plans.c.created_at.desc(), plans.c.plan_id.desc()).limit(1))
"""Built once: every scan asks it."""


def _no_autocheckpoint(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    finally:
        cursor.close()


class _Checkpointer(threading.Thread):
    """A daemon thread that checkpoints a SQLite database's write-ahead log, passively."""

    def __init__(self, engine: Engine, every_s: float) -> None:
        super().__init__(name="corridor-sqlite-checkpoint", daemon=True)
        self._engine = engine
        self._every_s = every_s
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self._every_s):
            self.checkpoint()
        self.checkpoint()  # what the last commits wrote, before the connections close

    def checkpoint(self) -> None:
        try:
            connection = self._engine.raw_connection()
        except SQLAlchemyError:  # the database went away: the next tick tries again
            return
        try:
            cursor = connection.cursor()
            try:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                cursor.close()
        except sqlite3.Error:  # busy or closing: the next tick tries again
            pass
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopping.set()
        self.join()


def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is not None and time.monotonic() - idle_since < POSTGRESQL_PING_AFTER_IDLE_S:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except psycopg.Error:
        raise DisconnectionError("the pooled connection is gone") from None


def _note_idle(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


def _begin_sqlite_transaction(connection: Connection) -> None:
    # A transaction that reads first and writes later cannot wait for another writer once it
    # has read (SQLite answers "database is locked" at once); one that will write takes the
    # write lock up front instead, waiting up to the busy timeout for it.
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def _operation_exists(connection: Connection, operation_id: str) -> bool:
    found = connection.execute(select(operations.c.operation_id)
                               .where(operations.c.operation_id == operation_id)).first()
    return found is not None


def _delete_operation(connection: Connection, operation_id: str) -> None:
    # Children first, so that no cascade has to find them row by row. Plans go too: they name
    # households of the registry being replaced.
    for table in (ticket_revocations, tickets, events, shares, disclosure_ledgers, plans, persons,
                  households, operations):
        connection.execute(delete(table).where(table.c.operation_id == operation_id))


def _choose_operation(connection: Connection, operation_id: str | None) -> str:
    if operation_id is not None:
        if not _operation_exists(connection, operation_id):
            known = _operation_ids(connection)
            choices = ", ".join(known) if known else "none"
            raise NotFound(f"there is no operation {operation_id} in the database; the "
                           f"operations are: {choices}")
        return operation_id
    known = _operation_ids(connection)
    if not known:
        raise NotFound("the database holds no operation yet: import a scenario first")
    if len(known) > 1:
        raise NotFound("the database holds several operations; choose one of: "
                       f"{', '.join(known)}")
    return known[0]


def _operation_ids(connection: Connection) -> list[str]:
    statement = select(operations.c.operation_id).order_by(operations.c.operation_id)
    return list(connection.execute(statement).scalars())


def _count(connection: Connection, table: Table, operation_id: str) -> int:
    statement = select(func.count()).select_from(table).where(
        table.c.operation_id == operation_id)
    return int(connection.execute(statement).scalar_one())


def _stream(connection: Connection, table: Table, columns: tuple[str, ...],
            operation_id: str) -> Iterator[Sequence[Row[Any]]]:
    """The rows of one operation in batches, never all of them in memory at once.

    On PostgreSQL ``yield_per`` reads through a server-side cursor; SQLite's driver steps
    through the rows as they are fetched anyway.
    """
    statement = (select(*(table.c[name] for name in columns))
                 .where(table.c.operation_id == operation_id)
                 .execution_options(yield_per=BATCH_SIZE))
    yield from connection.execute(statement).partitions()


def stored_utc(moment: datetime) -> datetime:
    """A stored time in UTC; SQLite hands back the UTC time it was given with no time zone."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def stored_utc_or_none(moment: datetime | None) -> datetime | None:
    """:func:`stored_utc` of a time that may be missing."""
    return None if moment is None else stored_utc(moment)
