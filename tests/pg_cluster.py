"""A throwaway PostgreSQL cluster for the tests, started from the server binaries.

The cluster lives in its own temporary folder (data, log and unix socket), listens on a free
localhost port, trusts every local connection and is removed when the test session ends. Each
pytest-xdist worker starts its own, so workers never share a cluster, a folder or a port.

PostgreSQL refuses to run as root; when the tests run as root (as CI does), the folder is handed
to the ``postgres`` user and the server binaries run through ``runuser -u postgres --``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import psycopg

PG_BIN = Path(os.environ.get("CORRIDOR_PG_BIN", "/usr/lib/postgresql/15/bin"))
"""Where the server binaries are (Debian's postgresql-15 package by default)."""

START_ATTEMPTS = 3
"""Tries with a new port each, in case another process takes the free port first."""

# Durability is worthless for a cluster that is deleted at the end of the session; without it
# CREATE DATABASE and every commit are much faster.
SERVER_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off",
                   "max_connections=50", "shared_buffers=64MB")


class PostgresUnavailable(Exception):
    """No cluster can be started here; the message says why."""


def free_port() -> int:
    """A localhost TCP port that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresCluster:
    """A running cluster; :meth:`start` makes one, :meth:`stop` removes it."""

    folder: Path
    port: int
    run_as: list[str]
    _databases: count[int] = field(default_factory=lambda: count(1))

    @classmethod
    def start(cls) -> PostgresCluster:
        """Make and start a cluster in a new temporary folder."""
        for program in ("initdb", "pg_ctl", "postgres"):
            if not (PG_BIN / program).is_file():
                raise PostgresUnavailable(f"{PG_BIN / program} is missing; install the "
                                          "postgresql-15 package (apt-get install postgresql-15)")
        run_as: list[str] = []
        # A short path under /tmp: a unix socket path may not be longer than 107 bytes.
        folder = Path(tempfile.mkdtemp(prefix="corridor-pg-", dir="/tmp"))
        if os.geteuid() == 0:
            try:
                postgres = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(folder, ignore_errors=True)
                raise PostgresUnavailable("running as root, and there is no postgres user to "
                                          "run the server as") from None
            os.chown(folder, postgres.pw_uid, postgres.pw_gid)
            run_as = ["runuser", "-u", "postgres", "--"]
        cluster = cls(folder, 0, run_as)
        try:
            cluster._run("initdb", "--pgdata", str(cluster.data), "--username", "postgres",
                         "--auth", "trust", "--encoding", "UTF8", "--no-locale", "--no-sync")
            for _attempt in range(START_ATTEMPTS):
                cluster.port = free_port()
                if cluster._start_server():
                    return cluster
            raise PostgresUnavailable(f"the server did not start; its log is {cluster.log}:\n"
                                      f"{cluster._log_tail()}")
        except BaseException:
            cluster.stop()
            raise

    @property
    def data(self) -> Path:
        """The data directory."""
        return self.folder / "data"

    @property
    def log(self) -> Path:
        """The server log."""
        return self.folder / "server.log"

    def _run(self, program: str, *arguments: str) -> subprocess.CompletedProcess[str]:
        command = [*self.run_as, str(PG_BIN / program), *arguments]
        result = subprocess.run(command, cwd=self.folder, capture_output=True, text=True,
                                check=False, timeout=120)
        if result.returncode != 0 and program == "initdb":
            raise PostgresUnavailable(f"initdb failed: {result.stderr.strip()}")
        return result

    def _start_server(self) -> bool:
        options = " ".join([f"-p {self.port}", f"-k {self.folder}",
                            "-c listen_addresses=127.0.0.1",
                            *(f"-c {setting}" for setting in SERVER_SETTINGS)])
        started = self._run("pg_ctl", "--pgdata", str(self.data), "--log", str(self.log),
                            "--wait", "--timeout", "60", "--options", options, "start")
        return started.returncode == 0

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"

    def admin_url(self, database: str = "postgres") -> str:
        """A URL for ``database`` as the superuser, over TCP on localhost."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """Make a new empty database (from template0) and return its URL."""
        name = f"corridor_test_{next(self._databases)}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.admin_url(name)

    def dump(self, url: str) -> bytes:
        """What ``pg_dump`` writes of the database at ``url`` (plain SQL, data included)."""
        database = url.rsplit("/", 1)[-1]
        done = subprocess.run([str(PG_BIN / "pg_dump"), "-h", "127.0.0.1", "-p", str(self.port),
                               "-U", "postgres", "--no-password", database],
                              capture_output=True, check=True, timeout=120)
        return done.stdout

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "--pgdata", str(self.data), "--mode", "immediate", "--wait",
                      "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
