"""Reading the sealed registry by name, rotating the keys, the audit log, backup and restore.

Every function here that opens personal records writes its audit record first, in the same
transaction: a read that is not audited cannot happen through the store.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from corridor.domain import Household, InvalidValue, NotFound, Person
from corridor.domain.errors import StoreError
from corridor.memory import cyclic_gc_paused
from corridor.reports.disclosure import Ledger
from corridor.security.audit import AuditFinding, AuditRecord, verify_chain
from corridor.security.sealing import Sealer
from corridor.store import schema
from corridor.store.custody import Custody, record_of
from corridor.store.database import Database, Progress, no_progress
from corridor.store.rows import (
    HOUSEHOLD_READ,
    MEMBER_SEALED,
    RegistryDecoder,
    household_record_id,
)
from corridor.store.tables import (
    audit_log,
    credentials,
    disclosure_ledgers,
    events,
    grants,
    households,
    operations,
    outside_figures,
    persons,
    plans,
    shares,
    sign_in_failures,
    ticket_revocations,
    tickets,
    users,
    vault,
)

MAX_MATCHES = 200
"""The most households a name search returns: a search is for finding someone, not a list."""

BACKUP_FORMAT = "corridor-backup"
BACKUP_VERSION = 1
BACKUP_TABLES: tuple[Table, ...] = (operations, households, persons, plans, shares,
                                    disclosure_ledgers, events, tickets, ticket_revocations,
                                    outside_figures, vault, users, grants, credentials,
                                    sign_in_failures, audit_log)
"""Every table, parents first: the order a restore writes them in."""


@dataclass(frozen=True, slots=True)
class FoundHousehold:
    """A household and its members, opened for one reader."""

    household: Household
    members: tuple[Person, ...]


def find_households(db: Database, operation_id: str, name: str, *, actor: str, reason: str,
                    sites: frozenset[str] | None = None) -> list[FoundHousehold]:
    """The households with a member whose whole name or family name is ``name``.

    The search goes through the blind indexes: the name is never stored or logged in clear.
    ``sites`` limits the answer to households of those assembly points (None: every site).
    """
    if not name.strip():
        raise InvalidValue("give a name to search for", "name")
    custody = db.custody
    sealer = custody.sealer
    wanted = sealer.blind_index(name)
    with db._errors(), db._writing() as connection:
        db._require_schema(connection)
        custody.check_key(connection)
        household_ids = list(connection.execute(
            select(persons.c.household_id).distinct()
            .where(persons.c.operation_id == operation_id,
                   or_(persons.c.name_index == wanted, persons.c.family_index == wanted))
            .order_by(persons.c.household_id).limit(MAX_MATCHES)).scalars())
        found = _households(connection, operation_id, household_ids, sealer, sites)
        record = custody.audit(connection, actor, "registry.search",
                               f"operation {operation_id}: {len(found)} households by name",
                               reason)
    custody.publish_head(record)
    return found


def read_household(db: Database, operation_id: str, household_id: str, *, actor: str,
                   reason: str, sites: frozenset[str] | None = None) -> FoundHousehold:
    """One household and its members; :class:`NotFound` when it is not there (or not yours)."""
    custody = db.custody
    with db._errors(), db._writing() as connection:
        db._require_schema(connection)
        custody.check_key(connection)
        found = _households(connection, operation_id, [household_id], custody.sealer, sites)
        if not found:
            raise NotFound(f"operation {operation_id} has no household {household_id}"
                           + (" at your sites" if sites is not None else ""))
        record = custody.audit(connection, actor, "registry.read",
                               f"operation {operation_id}: household {household_id}", reason)
    custody.publish_head(record)
    return found[0]


def read_households(db: Database, operation_id: str, household_ids: list[str], *, actor: str,
                    reason: str, sites: frozenset[str] | None = None) -> list[FoundHousehold]:
    """Several households and their members at once (a convoy's manifest), in one audited
    read that names them all; those not there (or not at ``sites``) are left out."""
    custody = db.custody
    with db._errors(), db._writing() as connection:
        db._require_schema(connection)
        custody.check_key(connection)
        found = _households(connection, operation_id, household_ids, custody.sealer, sites)
        record = custody.audit(connection, actor, "registry.read",
                               f"operation {operation_id}: {len(found)} households: "
                               + ", ".join(f.household.household_id for f in found), reason)
    custody.publish_head(record)
    return found


def _households(connection: Connection, operation_id: str, household_ids: list[str],
                sealer: Sealer, sites: frozenset[str] | None) -> list[FoundHousehold]:
    if not household_ids:
        return []
    decode = RegistryDecoder(operation_id, sealer)
    rows = connection.execute(
        select(*(households.c[name] for name in HOUSEHOLD_READ))
        .where(households.c.operation_id == operation_id,
               households.c.household_id.in_(household_ids))
        .order_by(households.c.household_id)).all()
    found = []
    for row in rows:
        if sites is None or row.assembly_point in sites:
            household, members = decode(row)
            found.append(FoundHousehold(household, tuple(person for _o, person in members)))
    return found


# -- keys ----------------------------------------------------------------------------------------


def rotate_keys(db: Database, new: Custody, *, actor: str,
                progress: Progress = no_progress) -> int:
    """Seal every record again under ``new``'s active key, with new blind indexes.

    ``new.keyring`` must still hold the old data keys (:func:`corridor.security.keys.rotated`):
    each record is opened with whichever key sealed it. All in one transaction: a failure leaves
    every record as it was. Returns the number of records sealed again.
    """
    old = db.custody
    sealer = new.sealer
    with db._errors(), cyclic_gc_paused(), db._writing() as connection:
        db._require_schema(connection)
        old.check_key(connection)
        total = sum(int(connection.execute(select(_count()).select_from(t)).scalar_one())
                    for t in (households, persons))
        done = 0
        progress(0, total)
        width = len(MEMBER_SEALED)
        for row in connection.execute(select(households.c.operation_id,
                                             households.c.household_id,
                                             households.c.sealed)).all():
            record_id = household_record_id(row.operation_id, row.household_id)
            fields = sealer.open(record_id, row.sealed)
            connection.execute(
                update(households).where(households.c.operation_id == row.operation_id,
                                         households.c.household_id == row.household_id)
                .values(sealed=sealer.seal(record_id, fields)))
            members = [fields[at:at + width] for at in range(2, len(fields), width)]
            for (whole, family), member in zip(
                    sealer.name_indexes([m[2] or "" for m in members]), members, strict=True):
                connection.execute(
                    update(persons).where(persons.c.operation_id == row.operation_id,
                                          persons.c.person_id == member[0])
                    .values(name_index=whole, family_index=family))
            done += 1 + len(members)
            if done // 10_000 != (done - 1 - len(members)) // 10_000:
                progress(done, total)
        progress(done, total)
        new.reseal_key_check(connection)
        record = new.audit(connection, actor, "keys.rotate", "every sealed record",
                           f"{done} records sealed under key {new.keyring.active_key_id}")
    new.publish_head(record)
    return done


def _count() -> Any:
    from sqlalchemy import func

    return func.count()


# -- audit ---------------------------------------------------------------------------------------


def audit_records(db: Database, *, since: int = 0, limit: int | None = None
                  ) -> Iterator[AuditRecord]:
    """The audit records from number ``since`` on, in order."""
    statement = select(audit_log).where(audit_log.c.seq >= since).order_by(audit_log.c.seq)
    if limit is not None:
        statement = statement.limit(limit)
    with db._errors(), db._reading() as connection:
        db._require_schema(connection)
        rows = connection.execute(statement).all()
    for row in rows:
        yield record_of(row._mapping)


def verify_audit(db: Database) -> list[AuditFinding]:
    """Everything wrong with the audit log and its signed head; empty when it verifies."""
    custody = db.custody
    return verify_chain(audit_records(db), custody.head(), custody.keyring.audit_public_key())


# -- backup and restore --------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime | date):
        return {"time": value.isoformat()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        if "b64" in value:
            return base64.b64decode(value["b64"])
        if "time" in value:
            return datetime.fromisoformat(value["time"])
    return value


def dump(db: Database, progress: Progress = no_progress) -> bytes:
    """Every table as JSON lines (sealed columns stay sealed), at one snapshot."""
    lines: list[str] = []
    with db._errors(), cyclic_gc_paused(), db._reading() as connection:
        db._require_schema(connection)
        revision = schema.current_revision(connection)
        lines.append(json.dumps({"format": BACKUP_FORMAT, "version": BACKUP_VERSION,
                                 "schema": revision}))
        for table in BACKUP_TABLES:
            names = [c.name for c in table.columns]
            lines.append(json.dumps({"table": table.name, "columns": names}))
            for row in connection.execute(select(table)):
                lines.append(json.dumps([_plain(v) for v in row]))
            progress(len(lines), 0)
    return ("\n".join(lines) + "\n").encode("utf-8")


def restore(db: Database, data: bytes, source: str, *, actor: str,
            written: Callable[[int], None] = lambda count: None) -> int:
    """Load a :func:`dump` into this database, which must hold no operation yet.

    The accounts, credentials and audit log of the backup replace the new database's own (made
    by ``corridor init``); the records stay sealed, so the key file they were sealed with must be
    the one in custody (checked before anything is kept). All in one transaction; returns the
    number of rows written.
    """
    lines = data.decode("utf-8").splitlines()
    try:
        header = json.loads(lines[0])
    except (IndexError, json.JSONDecodeError):
        raise InvalidValue(f"{source} holds no corridor backup", "backup") from None
    if header.get("format") != BACKUP_FORMAT or header.get("version") != BACKUP_VERSION:
        raise InvalidValue(f"{source} is not a corridor backup of version {BACKUP_VERSION}",
                           "backup")
    by_name = {t.name: t for t in BACKUP_TABLES}
    custody = db.custody
    count = 0
    with db._errors(), cyclic_gc_paused(), db._writing() as connection:
        db._require_schema(connection)
        if schema.current_revision(connection) != header.get("schema"):
            raise InvalidValue(f"{source} was made at schema {header.get('schema')} and this "
                               f"database is at {schema.current_revision(connection)}; restore "
                               "it with the corridor version that made it", "backup")
        if connection.execute(select(operations.c.operation_id).limit(1)).first() is not None:
            raise StoreError("the database holds operations already: restore into a new "
                             "database made by `corridor init`")
        for emptied in reversed(BACKUP_TABLES):
            connection.execute(delete(emptied))
        table: Table | None = None
        columns: list[str] = []
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            nonlocal count
            if table is not None and batch:
                connection.execute(insert(table), batch)
                count += len(batch)
                written(count)
                batch.clear()

        for line in lines[1:]:
            item = json.loads(line)
            if isinstance(item, dict):
                flush()
                table = by_name[item["table"]]
                columns = item["columns"]
                continue
            batch.append(dict(zip(columns, (_typed(v) for v in item), strict=True)))
            if len(batch) >= 10_000:
                flush()
        flush()
        custody.check_key(connection)
        record = custody.audit(connection, actor, "backup.restore", f"{count} rows",
                               f"restored from {source}")
    custody.publish_head(record, force=True)
    return count


# -- disclosure ledgers --------------------------------------------------------------------------


def _ledger_record(operation_id: str, audience: str) -> str:
    return f"{operation_id}/ledger/{audience}"


def load_ledger(db: Database, operation_id: str, audience: str) -> object | None:
    """The JSON data of what was published of ``operation_id`` to ``audience``, or None."""
    custody = db.custody
    with db._errors(), db._reading() as connection:
        db._require_schema(connection)
        blob = connection.execute(select(disclosure_ledgers.c.sealed).where(
            disclosure_ledgers.c.operation_id == operation_id,
            disclosure_ledgers.c.audience == audience)).scalar_one_or_none()
    if blob is None:
        return None
    (text_,) = custody.sealer.open(_ledger_record(operation_id, audience), blob)
    data: object = json.loads(text_ or "null")
    return data


T = TypeVar("T")

PUBLISH_ATTEMPTS = 5
"""How many times :func:`publish` makes its release again when another publisher changed the
ledger meanwhile."""


def publish(db: Database, operation_id: str, audience: str,
            release: Callable[[Ledger], tuple[T, Ledger]], *, actor: str, subject: str,
            record_unchanged: bool = True) -> T:
    """Make a release against what ``audience`` was shown of ``operation_id`` and keep the
    ledger it returns, as one step that no other publisher can interleave with.

    ``release`` gets the ledger and returns what it made with the new ledger; it runs outside
    any transaction (protecting a release can take a while, scans must not wait for it). The
    new ledger is then kept only if the stored one is still the one ``release`` saw (a compare
    and swap on the sealed blob, which changes at every save); otherwise ``release`` runs again
    on the newer ledger, up to :data:`PUBLISH_ATTEMPTS` times. Two publishers (the server's
    dashboard and `corridor report sitrep`, say) therefore never lose each other's figures. A
    release that adds nothing to the ledger is kept only when ``record_unchanged`` (the audit
    then says it was shown again); if ``release`` raises, nothing is kept.
    """
    custody = db.custody
    name = _ledger_record(operation_id, audience)
    where = (disclosure_ledgers.c.operation_id == operation_id,
             disclosure_ledgers.c.audience == audience)
    for _attempt in range(PUBLISH_ATTEMPTS):
        with db._errors(), db._reading() as connection:
            db._require_schema(connection)
            seen = connection.execute(select(disclosure_ledgers.c.sealed)
                                      .where(*where)).scalar_one_or_none()
        ledger = Ledger() if seen is None else Ledger.from_json(
            json.loads(custody.sealer.open(name, seen)[0] or "null"))
        made, kept = release(ledger)
        data = kept.to_json()
        if not record_unchanged and data == ledger.to_json():
            return made
        blob = custody.sealer.seal(name, (json.dumps(data, sort_keys=True),))
        with db._errors(), db._writing() as connection:
            if seen is None:  # the first release: insert, unless another got there first
                first = (postgresql_insert if connection.dialect.name == "postgresql"
                         else sqlite_insert)(disclosure_ledgers).values(
                    operation_id=operation_id, audience=audience, sealed=blob)
                taken = connection.execute(first.on_conflict_do_nothing().returning(
                    disclosure_ledgers.c.audience)).first() is None
            else:
                taken = connection.execute(
                    update(disclosure_ledgers).where(*where, disclosure_ledgers.c.sealed == seen)
                    .values(sealed=blob)).rowcount != 1
            if taken:
                continue  # another publisher kept a release meanwhile: make ours again
            record = custody.audit(connection, actor, "figures.publish",
                                   f"operation {operation_id} to {audience}", subject)
        custody.publish_head(record)
        return made
    raise StoreError(f"the figures published to {audience} of operation {operation_id} kept "
                     "changing while this release was made; nothing was kept; try again")
