"""What the store is given to keep personal data: the keys, and where the audit head lives.

The keys never enter the database. The edge (the CLI, the web app) reads the key file or the
environment and hands a :class:`Custody` to :meth:`corridor.store.Database.open`. The signed head
of the audit log is a small file kept beside the key file, outside the database, so that someone
who deletes the last audit records (or the whole table) is found out by ``corridor audit verify``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from corridor.domain.errors import AuditBroken, KeyUnusable, StoreError
from corridor.security.audit import AuditEntry, AuditHead, AuditRecord, append, sign_head
from corridor.security.keys import Keyring
from corridor.security.sealing import Sealer
from corridor.store.tables import audit_log, vault

KEY_CHECK = "key_check"
"""The vault entry sealed under the active key when the database is first given a key."""

_KEY_CHECK_RECORD = "vault/key_check"
_KEY_CHECK_TEXT = "corridor key check"


_LAST_RECORD = select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)
_APPEND_RECORD = insert(audit_log)
"""Built once: an audit record is appended for every scan."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Custody:
    """The keyring, the file that keeps the audit log's signed head, randomness and the clock."""

    keyring: Keyring
    head_path: Path
    random_bytes: Callable[[int], bytes] = os.urandom
    clock: Callable[[], datetime] = _now
    source: str = "the key file"
    sealer: Sealer = field(init=False)
    _heads: _HeadState = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sealer", Sealer(self.keyring, self.random_bytes))
        object.__setattr__(self, "_heads", _HeadState())

    # -- the key check ----------------------------------------------------------------------------

    def check_key(self, connection: Connection) -> None:
        """Raise :class:`KeyUnusable` unless this keyring opens this database's records.

        The first time a database meets a key, the key's check value is written, so that a wrong
        key file later gives one clear sentence instead of a failure deep inside a load.
        """
        stored = connection.execute(select(vault.c.value).where(vault.c.name == KEY_CHECK)
                                    ).scalar_one_or_none()
        if stored is None:
            connection.execute(insert(vault).values(
                name=KEY_CHECK, value=self.sealer.seal(_KEY_CHECK_RECORD, (_KEY_CHECK_TEXT,))))
            return
        try:
            opened = self.sealer.open(_KEY_CHECK_RECORD, stored)
        except KeyUnusable as error:
            raise KeyUnusable(f"{self.source} does not hold the key this database was "
                              f"encrypted with ({error.message}); use the right key file, or "
                              "restore it from its backup") from None
        if opened != (_KEY_CHECK_TEXT,):
            raise KeyUnusable(f"the key check of this database is damaged; {self.source} "
                              "cannot be trusted with it")

    def reseal_key_check(self, connection: Connection) -> None:
        """Seal the check value again under the active key (after a key rotation)."""
        connection.execute(vault.delete().where(vault.c.name == KEY_CHECK))
        connection.execute(insert(vault).values(
            name=KEY_CHECK, value=self.sealer.seal(_KEY_CHECK_RECORD, (_KEY_CHECK_TEXT,))))

    # -- the audit log ----------------------------------------------------------------------------

    def audit(self, connection: Connection, actor: str, action: str, subject: str,
              reason: str, *, after: AuditRecord | None = None) -> AuditRecord:
        """Append one record to the audit log inside the caller's transaction.

        The head is signed and written by :meth:`publish_head` once the transaction commits.
        On PostgreSQL an advisory lock makes concurrent appends wait for each other, so that the
        chain never forks; SQLite writers are serialised by ``BEGIN IMMEDIATE`` already.
        ``after``: the record this transaction appended last, if any; the lock is held since,
        so the chain's end need not be read again (a batch of events appends thousands).
        """
        if after is not None:
            previous: AuditRecord | None = after
        else:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(20170318)")
            last = connection.execute(_LAST_RECORD).first()
            previous = None if last is None else record_of(last._mapping)
        record = append(previous, AuditEntry(self.clock(), actor, action, subject, reason))
        connection.execute(_APPEND_RECORD, {
            "seq": record.seq, "at": record.entry.at, "actor": actor, "action": action,
            "subject": subject, "reason": reason, "prev_hash": record.prev_hash,
            "hash": record.hash})
        return record

    def audit_all(self, connection: Connection,
                  entries: Sequence[tuple[str, str, str, str]], *,
                  after: AuditRecord | None = None) -> list[AuditRecord]:
        """:meth:`audit` of each ``(actor, action, subject, reason)`` in order, chained in memory
        and inserted in one statement (a batch of offline events appends thousands)."""
        if not entries:
            return []
        actor, action, subject, reason = entries[0]
        records = [self.audit(connection, actor, action, subject, reason, after=after)]
        rows = []
        for actor, action, subject, reason in entries[1:]:
            record = append(records[-1], AuditEntry(self.clock(), actor, action, subject, reason))
            records.append(record)
            rows.append({"seq": record.seq, "at": record.entry.at, "actor": actor,
                         "action": action, "subject": subject, "reason": reason,
                         "prev_hash": record.prev_hash, "hash": record.hash})
        if rows:
            connection.execute(_APPEND_RECORD, rows)
        return records

    def publish_head(self, record: AuditRecord, *, force: bool = False) -> None:
        """Sign ``record`` as the head of the chain and write it, atomically, beside the key.

        A head that went further already is kept, unless ``force`` (a restored log). Threads of
        one process that publish at once are served by one write (group commit): each call
        returns once the head on disk covers its record, and the writer signs the newest record
        any of them committed, so a burst of scans writes the file a few times, not once each.
        Every record handed here is committed, and the chain is appended under a lock, so the
        newest one vouches for all before it.
        """
        state = self._heads
        if force:
            with state.writing:
                self._write_head(record, force=True)
                state.latest = record
                state.written = (record.seq, self._stamp())
            return
        with state.pending:
            if state.latest is None or record.seq > state.latest.seq:
                state.latest = record
        with state.writing:
            written = state.written
            if written is not None and written[0] >= record.seq and written[1] == self._stamp():
                with state.pending:  # our own head, still the file's, covers this record
                    if state.latest is not None and state.latest.seq <= written[0]:
                        state.latest = None
                return
            with state.pending:  # the newest record not covered yet: ours, or a later one
                newest = state.latest if state.latest is not None else record
                state.latest = None
            if newest.seq < record.seq:
                newest = record
            self._write_head(newest, force=False)
            state.written = (newest.seq, self._stamp())

    def _stamp(self) -> tuple[int, int] | None:
        try:
            status = self.head_path.stat()
        except OSError:
            return None
        return status.st_ino, status.st_mtime_ns

    def _write_head(self, record: AuditRecord, *, force: bool) -> None:
        head = sign_head(record, self.keyring.audit_key)
        try:
            self._heads.journal.append(self.head_path, head, force=force)
        except OSError as error:
            raise StoreError(f"cannot write the audit head {self.head_path}: "
                             f"{error.strerror}") from None

    def head(self) -> AuditHead | None:
        """The signed head written last, or None when there is none."""
        if not self.head_path.exists():
            return None
        return AuditHead.from_bytes(self.head_path.read_bytes(), str(self.head_path))


def record_of(row: object) -> AuditRecord:
    """The audit record of a row of ``audit_log`` (a mapping of its columns)."""
    values = dict(row)  # type: ignore[call-overload]  # a RowMapping
    at = values["at"]
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return AuditRecord(int(values["seq"]),
                       AuditEntry(at.astimezone(UTC), values["actor"], values["action"],
                                  values["subject"], values["reason"]),
                       values["prev_hash"], values["hash"])


def missing_custody(what: str) -> KeyUnusable:
    """The error for a request that needs the keys when none were given."""
    return KeyUnusable(f"{what} needs the data key: set CORRIDOR_KEY_FILE (or CORRIDOR_KEY), or "
                       "run `corridor init` to make one")


class _HeadState:
    """What one process knows of the head it publishes: the newest committed record handed to
    :meth:`Custody.publish_head`, and the head it wrote last with the file's identity then."""

    def __init__(self) -> None:
        self.pending = threading.Lock()
        self.writing = threading.Lock()
        self.latest: AuditRecord | None = None
        self.written: tuple[int, tuple[int, int] | None] | None = None
        self.journal = _HeadJournal()


HEAD_JOURNAL_LIMIT = 64 * 1024
"""The head file's size past which it starts again from its last head (one rename per few
hundred heads instead of one per head)."""

_TAIL = 4096
"""How much of the head file's end is read for its last head (a head is about 200 bytes)."""


class _HeadJournal:
    """The head file of one process, kept open: heads appended a line each under a lock that
    other processes take too, so that the head never goes back.

    Appending costs a write; replacing the file (write a copy, rename it over) cost a flush of
    the disk on ext4 each time, about a millisecond here, for every scan. The file is read only
    when someone else wrote it since this process did, and it starts again from its last head
    (one rename) past :data:`HEAD_JOURNAL_LIMIT`. Used under :attr:`_HeadState.writing`.
    """

    def __init__(self) -> None:
        self._lock: int | None = None
        self._file: int | None = None
        self._identity: tuple[int, int] | None = None  # (device, inode) of _file
        self._size: int | None = None  # the file's size after this process wrote it last
        self._open_descriptors: list[int] = []  # closed when this object goes
        weakref.finalize(self, _close_all, self._open_descriptors)

    def append(self, path: Path, head: AuditHead, *, force: bool) -> None:
        """Append ``head`` unless the file has a newer one already (or ``force``)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            self._lock = self._keep(os.open(path.with_name(path.name + ".lock"),
                                            os.O_RDWR | os.O_CREAT, 0o600))
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            status = self._open(path)
            assert self._file is not None
            line = head.to_bytes()
            if status.st_size and status.st_size != self._size:
                # Another process wrote since this one did (or this one never did): go no
                # further back than its head, and start on a line of our own after a line
                # cut short by a crash.
                tail = os.pread(self._file, _TAIL, max(0, status.st_size - _TAIL))
                try:
                    current = AuditHead.from_bytes(tail, str(path)).seq
                except AuditBroken:
                    current = 0  # damaged: write the head again after it
                if current >= head.seq and not force:
                    return
                if not tail.endswith(b"\n"):
                    line = b"\n" + line
            os.write(self._file, line)
            self._size = status.st_size + len(line)
            if self._size > HEAD_JOURNAL_LIMIT:
                self._start_again(path, line)
        finally:
            fcntl.flock(self._lock, fcntl.LOCK_UN)

    def _open(self, path: Path) -> os.stat_result:
        """The file at ``path`` open for appending (again, if it was replaced or removed)."""
        try:
            status = path.stat()
        except FileNotFoundError:
            status = None
        if status is None or (status.st_dev, status.st_ino) != self._identity:
            self._forget()
            self._file = self._keep(os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT,
                                            0o600))
            status = os.fstat(self._file)
            self._identity = (status.st_dev, status.st_ino)
        return status

    def _start_again(self, path: Path, line: bytes) -> None:
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)
        partial.replace(path)
        self._open(path)
        self._size = len(line)

    def _keep(self, descriptor: int) -> int:
        self._open_descriptors.append(descriptor)
        return descriptor

    def _forget(self) -> None:
        if self._file is not None:
            self._open_descriptors.remove(self._file)
            os.close(self._file)
        self._file, self._identity, self._size = None, None, None


def _close_all(descriptors: list[int]) -> None:
    for descriptor in descriptors:
        with contextlib.suppress(OSError):
            os.close(descriptor)
