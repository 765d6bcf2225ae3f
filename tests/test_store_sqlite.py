"""SQLite as corridor sets it up: WAL, foreign keys, and writers that wait for each other."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from corridor.store import Database
from tests import builders
from tests.store_databases import custody_in


def test_sqlite_folder_is_made_and_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    """Opening makes the missing folder; the file is in WAL mode for any later reader."""
    path = tmp_path / "new" / "folder" / "corridor.db"
    with Database.open(f"sqlite:///{path}") as database:
        database.upgrade()
    assert path.is_file()
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_sqlite_connections_enforce_foreign_keys_and_wait_for_writers(tmp_path: Path) -> None:
    """Every connection has foreign keys on, synchronous NORMAL and a busy timeout."""
    with Database.open(f"sqlite:///{tmp_path / 'corridor.db'}") as database, \
            database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000



def test_an_import_waits_for_another_writer_instead_of_failing(tmp_path: Path) -> None:
    """While another program holds the write lock, the import waits for it, then succeeds."""
    path = tmp_path / "corridor.db"
    with Database.open(f"sqlite:///{path}", custody_in(tmp_path)) as database:
        database.upgrade()
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.5, other.execute, ("COMMIT",))
        release.start()
        started = time.monotonic()
        database.import_scenario(builders.scenario(), actor="tester")
        waited = time.monotonic() - started
        release.join()
        other.close()
        assert waited >= 0.4
        assert database.load_scenario(actor="tester", reason="test") == builders.scenario()
