"""The crossing of the tracking tests behind the HTTP API: a database, a token a role, an app.

No tests here: the tests/test_web_*.py modules build their fixtures from these functions.
Households: H1 (P1, P2, P3) on BUS-001 of convoy C1; H2 (P4) stays and is on no manifest; H3
(P5, P6) on BUS-002 of C1; H4 (P7) on BUS-001 of C2, the next day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from corridor.security.passwords import Passwords
from corridor.security.permissions import Grant, Role
from corridor.security.tickets import RevocationList
from corridor.store import Database
from corridor.store.accounts import Accounts
from corridor.store.custody import Custody
from corridor.store.tables import events
from corridor.web import WebSettings, create_app
from tests.store_databases import custody_in
from tests.test_tracking_fixtures import OPENING, crossing, crossing_plan

OPERATION = "al-waer-test"
PASSWORD = "a test password, not a real one"
FAST = Passwords(time_cost=1, memory_cost=8 * 1024, parallelism=1)
EVERY_ROLE = "u-all"
"""An account holding every role, for the tests that are not about permissions."""


def frozen_clock() -> datetime:
    """The server's clock in these tests: 06:00 on 20 March 2017 at the crossing."""
    return OPENING.replace(tzinfo=ZoneInfo("Asia/Damascus"))


def prepare(url: str, custody: Custody) -> dict[str, str]:
    """Make the schema, store the crossing and its plan, and give each role a device token.

    Returns the tokens by user name: ``u-ROLE`` for each role and ``u-all`` for every role.
    """
    tokens: dict[str, str] = {}
    with Database.open(url, custody) as db:
        db.upgrade()
        db.import_scenario(crossing(), actor="test set-up")
        db.save_plan(crossing_plan())
        accounts = Accounts(db, FAST)
        staff = {f"u-{role.value}": [Grant(role)] for role in Role}
        staff[EVERY_ROLE] = [Grant(role) for role in Role]
        for name, grants in staff.items():
            accounts.add(name, PASSWORD, grants, actor="test set-up")
            tokens[name] = accounts.issue_device_token(name, f"phone-{name}",
                                                       actor="test set-up")
    return tokens


@dataclass
class Api:
    """A test client of the app over a prepared database, and a way to count its events."""

    client: TestClient
    tokens: dict[str, str]
    database: Database
    _nonces: count[int]

    def nonce(self) -> str:
        """A nonce not used yet."""
        return f"w{next(self._nonces):05d}"

    def headers(self, user: str = EVERY_ROLE) -> dict[str, str]:
        """The Authorization header of ``user``'s token."""
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def scan(self, action: str, user: str = EVERY_ROLE, **body: Any) -> Any:
        """POST one scan; the body gets a fresh nonce and a device time unless given."""
        body.setdefault("nonce", self.nonce())
        body.setdefault("device_time", "2017-03-20T06:05:00")
        return self.client.post(f"/api/v1/operations/{OPERATION}/scans/{action}", json=body,
                                headers=self.headers(user))

    def upload(self, items: list[dict[str, Any]], user: str = EVERY_ROLE) -> Any:
        """POST a batch of recorded events."""
        return self.client.post(f"/api/v1/operations/{OPERATION}/events:upload",
                                json={"events": items}, headers=self.headers(user))

    def stored(self) -> int:
        """How many events the database holds."""
        with self.database.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(events)).scalar_one())


@contextmanager
def running_api(url: str, folder: Path,
                revocations: Mapping[str, RevocationList] | None = None) -> Iterator[Api]:
    """The app over a prepared database at ``url``, started and stopped around the block."""
    custody = custody_in(folder)
    tokens = prepare(url, custody)
    app = create_app(WebSettings(url, custody, revocations or {}, clock=frozen_clock))
    with Database.open(url, custody) as db, TestClient(app) as client:
        yield Api(client, tokens, db, count(1))
