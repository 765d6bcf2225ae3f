"""The end-to-end web tests' harness: the demo's data behind a real `corridor serve`, and
Debian's Chromium, headless, driven by Playwright (never a downloaded browser).

No tests here. ``demo_site`` runs `corridor demo` in a folder (a small al-Waer-like scenario,
its plan, the first convoy's field events), adds one account per role with a known password,
and starts `corridor serve` on a free port; ``chromium`` is one browser per test worker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserType, Page, sync_playwright

from corridor.cli.identity import custody_for
from corridor.cli.settings import Settings
from corridor.security.permissions import ANY_OPERATION, Grant, Role
from corridor.store import Database
from corridor.store.accounts import Accounts
from tests.pg_cluster import free_port
from tests.servers import serve

CHROMIUM = os.environ.get("CORRIDOR_CHROMIUM", "/usr/bin/chromium")
"""Debian's Chromium (`.ci/run` installs it)."""

CHROMIUM_FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage")
"""Headless Chromium as root on a machine with no outside network."""

DEMO_LEAVING = 2000
PASSWORD = "correct horse battery staple"

ACCOUNTS = {
    "coord": (Role.COORDINATOR,),
    "monitor": (Role.MONITOR,),
    "officer": (Role.CHECKPOINT_OFFICER, Role.CONVOY_LEAD),
    "protect": (Role.PROTECTION_OFFICER,),
}
"""The accounts of the demo site, by name, with their roles for every operation."""


@dataclass(frozen=True)
class DemoSite:
    """A running `corridor serve` over the demo's data."""

    base: str
    home: Path
    operation_id: str
    settings: Settings

    def database(self) -> Database:
        """The site's database, opened with its keys (close it after use)."""
        custody = custody_for(self.settings)
        assert custody is not None
        return Database.open(self.settings.database_url, custody)


def environment(home: Path) -> dict[str, str]:
    """The environment of a corridor process on ``home`` (no key or token inherited)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORRIDOR_")}
    return {**env, "CORRIDOR_HOME": str(home)}


def start_server(home: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    """`corridor serve` on ``home`` at ``port``, once it answers its health check."""
    return serve(list(extra), environment(home), port)


def make_demo(home: Path, leaving: int = DEMO_LEAVING) -> DemoSite:
    """Run the demo into ``home`` and add the accounts of :data:`ACCOUNTS`."""
    done = subprocess.run([sys.executable, "-m", "corridor", "demo", "--folder", str(home),
                           "--leaving", str(leaving)], env=environment(home),
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    settings = Settings.from_environment({"CORRIDOR_HOME": str(home)})
    custody = custody_for(settings)
    assert custody is not None
    with Database.open(settings.database_url, custody) as db:
        accounts = Accounts(db)
        for name, roles in ACCOUNTS.items():
            accounts.add(name, PASSWORD, [Grant(role, ANY_OPERATION) for role in roles],
                         actor="tests")
        operation_id = db.operations()[0].operation_id
    return DemoSite("", home, operation_id, settings)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """The demo behind `corridor serve`, for every browser test of a worker."""
    site = make_demo(tmp_path_factory.mktemp("demo-site"))
    port = free_port()
    server = start_server(site.home, port)
    try:
        yield DemoSite(f"http://127.0.0.1:{port}", site.home, site.operation_id,
                       site.settings)
    finally:
        server.terminate()
        server.wait(10)


def launch(browser_type: BrowserType, *extra: str) -> Browser:
    """Debian's Chromium, headless, with ``extra`` flags (a fake camera, say): another browser
    of the same Playwright (``chromium.browser_type`` in a test; one Playwright a process)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: install Debian's chromium (`.ci/run` "
                    "does) or set CORRIDOR_CHROMIUM")
    return browser_type.launch(executable_path=CHROMIUM, headless=True,
                               args=[*CHROMIUM_FLAGS, *extra])


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the worker's browser tests."""
    with sync_playwright() as playwright:
        browser = launch(playwright.chromium)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Page, base: str, name: str, *, then: str = "/") -> None:
    """Sign in on the sign-in page as ``name`` and wait for the page it leads to."""
    page.goto(f"{base}/signin?next={then}")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
