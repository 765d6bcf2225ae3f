"""`corridor serve` in its own process for the tests: started, awaited, stopped.

No tests here. :func:`serve` starts the command with the given arguments and environment and
returns once its health route answers; :func:`key_file_environment` is the environment of a
server over a test database whose key file and audit head are in ``home``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

START_SECONDS = 60


def key_file_environment(home: Path) -> dict[str, str]:
    """This process's environment, with the key file and audit head of ``home`` and no key,
    database or token of its own."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("CORRIDOR_KEY", "CORRIDOR_DB", "CORRIDOR_TOKEN")}
    return {**environment, "CORRIDOR_HOME": str(home),
            "CORRIDOR_KEY_FILE": str(home / "corridor.key"),
            "CORRIDOR_AUDIT_HEAD": str(home / "audit-head")}


def serve(arguments: list[str], environment: dict[str, str], port: int, *,
          own_group: bool = False) -> subprocess.Popen[bytes]:
    """`corridor serve --port PORT ARGUMENTS`, once it answers its health check; with
    ``own_group`` in a process group of its own (its worker processes with it), so that the
    caller can kill the whole group."""
    server = subprocess.Popen([sys.executable, "-m", "corridor", "serve", "--port", str(port),
                               *arguments], env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=own_group)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            raise AssertionError(server.stderr.read().decode() if server.stderr else "exited")
        time.sleep(0.1)
    if own_group:
        os.killpg(server.pid, signal.SIGKILL)
    else:
        server.kill()
    raise AssertionError(f"corridor serve {' '.join(arguments)} did not answer in time")
