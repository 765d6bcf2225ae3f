"""The signed audit head under load: threads that publish at once share writes (group commit),
yet each returns only once the head on disk covers its record; the head never goes back; a
head file replaced or removed behind the process's back is written again."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from corridor.domain.errors import AuditBroken
from corridor.security.audit import AuditEntry, AuditRecord, append
from corridor.store.custody import HEAD_JOURNAL_LIMIT, Custody
from tests.store_databases import TEST_KEYRING

AT = datetime(2017, 3, 20, tzinfo=UTC)


def _chain(length: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for number in range(length):
        records.append(append(records[-1] if records else None,
                              AuditEntry(AT, "officer", "event.checked_in", f"s{number}", "r")))
    return records


def test_each_publisher_returns_once_the_head_covers_its_record(tmp_path: Path) -> None:
    """200 records published from 8 threads in a shuffled order: after every call the file's
    head is at least that record, and at the end it is the last one."""
    custody = Custody(TEST_KEYRING, tmp_path / "audit-head")
    records = _chain(200)
    order = records[:]
    random.Random(7).shuffle(order)
    late: list[tuple[int, int]] = []
    writes = 0
    original = custody._write_head

    def counted(record: AuditRecord, *, force: bool) -> None:
        nonlocal writes
        writes += 1
        original(record, force=force)

    object.__setattr__(custody, "_write_head", counted)
    start = threading.Barrier(8)

    def publish(share: list[AuditRecord]) -> None:
        start.wait()
        for record in share:
            custody.publish_head(record)
            head = custody.head()
            if head is None or head.seq < record.seq:
                late.append((record.seq, head.seq if head else 0))

    threads = [threading.Thread(target=publish, args=(order[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert late == []
    head = custody.head()
    assert head is not None and head.seq == 200 and head.hash == records[-1].hash
    assert 1 <= writes <= 200  # one write a record at most; fewer when the threads overlapped


def test_a_head_never_goes_back_and_is_rewritten_when_removed(tmp_path: Path) -> None:
    """An older record after a newer one writes nothing; a removed file is written again with
    the record asked for; a forced (restored) head goes back."""
    custody = Custody(TEST_KEYRING, tmp_path / "audit-head")
    records = _chain(5)
    custody.publish_head(records[3])
    custody.publish_head(records[1])
    assert (custody.head() or records[0]).seq == 4
    (tmp_path / "audit-head").unlink()
    custody.publish_head(records[2])
    assert (custody.head() or records[0]).seq == 3
    other = Custody(TEST_KEYRING, tmp_path / "audit-head")  # another process, in effect
    other.publish_head(records[4])
    custody.publish_head(records[3])
    assert (custody.head() or records[0]).seq == 5
    custody.publish_head(records[0], force=True)
    assert (custody.head() or records[4]).seq == 1
    custody.publish_head(records[1])
    assert (custody.head() or records[0]).seq == 2


def test_heads_are_appended_and_the_file_starts_again_past_its_limit(tmp_path: Path) -> None:
    """Each head is a line appended to the file (no rename a head); past the limit the file
    holds the last head alone, and the head read back is always the newest."""
    path = tmp_path / "audit-head"
    custody = Custody(TEST_KEYRING, path)
    records = _chain(3)
    custody.publish_head(records[0])
    inode = path.stat().st_ino
    custody.publish_head(records[1])
    custody.publish_head(records[2])
    assert path.stat().st_ino == inode  # appended, not replaced
    assert len(path.read_bytes().splitlines()) == 3
    assert (custody.head() or records[0]).hash == records[2].hash
    many = _chain(HEAD_JOURNAL_LIMIT // 150)
    for record in many:
        custody.publish_head(record)
    assert path.stat().st_size <= HEAD_JOURNAL_LIMIT
    assert path.stat().st_ino != inode  # started again once
    head = custody.head()
    assert head is not None and (head.seq, head.hash) == (many[-1].seq, many[-1].hash)
    assert not list(tmp_path.glob("*.partial"))


def test_a_head_cut_short_by_a_crash_is_passed_over_and_written_after(tmp_path: Path) -> None:
    """A last line cut short (a crash in the middle of a write) reads as the head before it;
    the next head (here from another process) goes on a line of its own after it."""
    path = tmp_path / "audit-head"
    records = _chain(3)
    Custody(TEST_KEYRING, path).publish_head(records[0])
    with path.open("ab") as damaged:
        damaged.write(b'{"format": "corridor-audit-head", "hash": "ab')  # no end of line
    other = Custody(TEST_KEYRING, path)
    assert (other.head() or records[2]).seq == 1
    other.publish_head(records[1])
    assert (other.head() or records[0]).seq == 2
    Custody(TEST_KEYRING, path).publish_head(records[2])
    assert (other.head() or records[0]).seq == 3
    assert len(path.read_bytes().splitlines()) == 4


def test_a_file_with_no_head_in_it_is_damaged(tmp_path: Path) -> None:
    """A head file in which no line is a head is reported, not taken as no head."""
    path = tmp_path / "audit-head"
    path.write_bytes(b"not a head\n{}\n")
    with pytest.raises(AuditBroken, match="damaged"):
        Custody(TEST_KEYRING, path).head()
