"""Crash safety: `corridor serve` killed with SIGKILL in the middle of a load of scans loses none
that it acknowledged. Every scan that got a 200 is in the log after the restart, on SQLite and
on PostgreSQL, and the restarted server answers its nonce with the same stored event."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from corridor.store import Database
from corridor.store.events import StoreEventLog
from tests.pg_cluster import free_port
from tests.servers import key_file_environment, serve
from tests.store_databases import TEST_KEYRING, custody_in
from tests.test_web_fixtures import EVERY_ROLE, OPERATION, prepare

CLIENTS = 4
ACKNOWLEDGED_BEFORE_THE_KILL = 60


def _start(home: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    return serve(["--db", url], key_file_environment(home), port)


def _load(base: str, token: str, client: int, acknowledged: list[str],
          stop: threading.Event) -> None:
    """Scans, one after another, until the server goes away; the nonces that got a 200."""
    households = ("H1", "H3", "H4")
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=5) as http:
        for number in range(100_000):
            if stop.is_set():
                return
            nonce = f"crash-{client}-{number}"
            household = households[number % len(households)]
            try:
                response = http.post(f"/api/v1/operations/{OPERATION}/scans/check-in", json={
                    "nonce": nonce, "household_id": household, "device_time":
                    "2017-03-20T06:00:00", "convoy_id": "C2" if household == "H4" else "C1"})
            except httpx.TransportError:
                return
            if response.status_code == 200:
                acknowledged.append(nonce)


def test_every_acknowledged_scan_survives_a_sigkill(database_url: str, tmp_path: Path) -> None:
    """SIGKILL mid-load, restart: each nonce answered with 200 is stored, answered the same."""
    (tmp_path / "corridor.key").write_bytes(TEST_KEYRING.to_bytes())
    custody = custody_in(tmp_path)
    token = prepare(database_url, custody)[EVERY_ROLE]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(tmp_path, database_url, port)
    acknowledged: list[str] = []
    stop = threading.Event()
    clients = [threading.Thread(target=_load, args=(base, token, n, acknowledged, stop))
               for n in range(CLIENTS)]
    try:
        for client in clients:
            client.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < ACKNOWLEDGED_BEFORE_THE_KILL and time.monotonic() < deadline:
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    finally:
        stop.set()
        for client in clients:
            client.join(10)
        if server.poll() is None:
            server.kill()
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_THE_KILL
    server = _start(tmp_path, database_url, port)
    try:
        with Database.open(database_url, custody) as db:
            log = StoreEventLog(db)
            missing = [nonce for nonce in acknowledged if log.find(OPERATION, nonce) is None]
            assert not missing, f"{len(missing)} acknowledged scans were lost: {missing[:5]}"
            first = log.find(OPERATION, acknowledged[-1])
        assert first is not None
        again = httpx.post(f"{base}/api/v1/operations/{OPERATION}/scans/check-in", json={
            "nonce": acknowledged[-1], "household_id": "H1", "device_time":
            "2017-03-20T06:00:00", "convoy_id": "C1"},
            headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert again.status_code == 200 and again.json()["event_id"] == first.event_id
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The load goes to localhost, never through a proxy of the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
