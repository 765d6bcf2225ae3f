"""The dashboard of the al-Waer-sized demo (20,600 people leaving) over loopback HTTP.

Runs `corridor demo` into FOLDER (unless it is there already), adds a coordinator and a monitor,
starts `corridor serve` in its own process, signs in, and measures in the same run:
  - the server's answer to the dashboard page (HTML, first request and warm), for a coordinator
    and for a monitor (disclosure control on every request);
  - the baseline: the health route, which touches the database and nothing else;
  - a full page load in headless Chromium (navigation to the load event, the chart drawn).
Target (issue 7): a page load of the dashboard in at most 1 s.

    .venv/bin/python benchmarks/dashboard_load.py /tmp/corridor-bench-dashboard [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import (  # noqa: E402 - the harness of the web tests, reused
    PASSWORD,
    launch,
    make_demo,
    sign_in,
    start_server,
)
from tests.pg_cluster import free_port  # noqa: E402


def _timed(client: httpx.Client, path: str, repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(path)
        seconds.append(time.perf_counter() - started)
        answer.raise_for_status()
    return seconds


def _line(label: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (f"{label:<38} first {seconds[0] * 1000:7.1f} ms  median "
            f"{statistics.median(seconds[1:] or seconds) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--leaving", type=int, default=20_600)
    arguments = parser.parse_args()
    home = arguments.folder
    if not (home / "corridor.db").exists():
        started = time.perf_counter()
        make_demo(home, arguments.leaving)
        took = time.perf_counter() - started
        print(f"demo of {arguments.leaving:,} leaving made in {took:.1f} s")
    port = free_port()
    server = start_server(home, port)
    base = f"http://127.0.0.1:{port}"
    try:
        results = []
        for name in ("coord", "monitor"):
            with httpx.Client(base_url=base, timeout=60) as client:
                client.post("/api/v1/session", json={"name": name, "password": PASSWORD},
                            headers={"X-Corridor-Page": "1"}).raise_for_status()
                first = client.get("/", follow_redirects=False).headers["location"]
                results.append(_line(f"health (baseline), {name}",
                                     _timed(client, "/api/v1/health", arguments.repeat)))
                results.append(_line(f"dashboard page HTML, {name}",
                                     _timed(client, first, arguments.repeat)))
        with sync_playwright() as playwright:
            browser = launch(playwright.chromium)
            page = browser.new_page()
            sign_in(page, base, "coord")
            loads = []
            for _ in range(max(3, arguments.repeat // 4)):
                started = time.perf_counter()
                page.reload(wait_until="load")
                page.wait_for_selector("#burnup canvas")
                loads.append(time.perf_counter() - started)
            browser.close()
        results.append(_line("dashboard in Chromium (load + chart)", loads))
    finally:
        server.terminate()
        server.wait(10)
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"machine: {load}")
    for line in results:
        print(line)


if __name__ == "__main__":
    main()
