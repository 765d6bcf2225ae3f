"""A server's SQLite database checkpoints its write-ahead log from a thread of its own, not in
the commit that fills the log (which made every writer queued behind it wait)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from corridor.store import Database
from tests.store_databases import custody_in


def _fill(database: Database, rows: int) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS filler (body BLOB)"))
        connection.execute(text("INSERT INTO filler (body) VALUES (:body)"),
                           [{"body": bytes(2000)} for _ in range(rows)])


def test_commits_leave_the_log_to_the_checkpoint_thread(tmp_path: Path) -> None:
    """With the thread on, a connection's own autocheckpoint is off, and what a commit wrote
    into the log reaches the database file within a few of the thread's ticks."""
    path = tmp_path / "corridor.db"
    database = Database.open(f"sqlite:///{path}", custody_in(tmp_path))
    try:
        database.checkpoint_in_background(every_s=0.05)
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        before = path.stat().st_size
        _fill(database, 1500)  # about 3 MB: past SQLite's own 1,000-page checkpoint
        deadline = time.monotonic() + 5
        while path.stat().st_size < before + 2_000_000 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert path.stat().st_size >= before + 2_000_000
    finally:
        database.close()
    assert not any(thread.name == "corridor-sqlite-checkpoint" and thread.is_alive()
                   for thread in threading.enumerate())


def test_without_the_thread_the_commit_checkpoints_as_sqlite_does(tmp_path: Path) -> None:
    """The command line keeps SQLite's own checkpoints (no thread outlives a command)."""
    database = Database.open(f"sqlite:///{tmp_path / 'corridor.db'}", custody_in(tmp_path))
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    finally:
        database.close()
