"""`corridor serve --workers 2`, on SQLite and PostgreSQL: two server processes scanning the same
household at once still record exactly one check-in, every answer is a 200, and the audit log
verifies afterwards (each process publishes the signed head)."""

from __future__ import annotations

import os
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from corridor.cli.app import ExitCode, run
from corridor.store import Database
from corridor.store.protection import verify_audit
from tests.pg_cluster import free_port
from tests.servers import key_file_environment, serve
from tests.store_databases import TEST_KEYRING, custody_in
from tests.test_web_fixtures import EVERY_ROLE, OPERATION, prepare

SCANS = 60


def _serve(home: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    return serve(["--db", url, "--workers", "2"], key_file_environment(home), port,
                 own_group=True)


def test_two_worker_processes_check_a_household_in_once(database_url: str,
                                                         tmp_path: Path) -> None:
    """60 check-ins of H1 with distinct nonces from 12 clients: one accepted, 59 refused
    already_checked_in, all stored and audited; the chain and its head verify."""
    custody = custody_in(tmp_path)
    tokens = prepare(database_url, custody)
    (tmp_path / "corridor.key").write_bytes(TEST_KEYRING.to_bytes())
    port = free_port()
    server = _serve(tmp_path, database_url, port)
    try:
        def scan(number: int) -> tuple[int, str | None]:
            response = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/operations/{OPERATION}/scans/check-in",
                json={"nonce": f"two-{number}", "household_id": "H1", "convoy_id": "C1",
                      "device_time": "2017-03-20T06:00:00"},
                headers={"Authorization": f"Bearer {tokens[EVERY_ROLE]}"}, timeout=30)
            return response.status_code, response.json().get("refusal")

        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(scan, range(SCANS)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    assert {status for status, _refusal in answers} == {200}
    refusals = sorted(str(refusal) for _status, refusal in answers)
    assert refusals == ["None"] + ["already_checked_in"] * (SCANS - 1)
    with Database.open(database_url, custody) as db:
        assert verify_audit(db) == []


def test_workers_out_of_range_are_refused(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """--workers 0 is exit 3 before anything starts."""
    monkeypatch.setenv("CORRIDOR_HOME", str(tmp_path))
    assert run(["serve", "--workers", "0"]) == ExitCode.INVALID_INPUT
