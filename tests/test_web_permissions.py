"""The API's permission matrix: every route against every role, written out by hand.

Like tests/test_permissions.py for the CLI, the expected answers are a second opinion on
corridor.security.permissions, not derived from it. A route that exists without a row here fails
the test, and so does a row for a route that is gone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from corridor.security.permissions import Role
from corridor.web.schemas import ScanAction
from tests.test_web_fixtures import OPERATION, PASSWORD, Api, running_api

R = Role
EVERYONE = frozenset(Role)
CROSSING_STAFF = frozenset({R.CHECKPOINT_OFFICER, R.CONVOY_LEAD})
EXACT_FIGURES = frozenset({R.COORDINATOR, R.REGISTRAR, R.MEDICAL_OFFICER, R.PROTECTION_OFFICER})
TICKET_READERS = frozenset({R.COORDINATOR, R.REGISTRAR, R.CHECKPOINT_OFFICER, R.CONVOY_LEAD,
                            R.PROTECTION_OFFICER})
REGISTRY_READERS = frozenset({R.COORDINATOR, R.REGISTRAR, R.CHECKPOINT_OFFICER, R.CONVOY_LEAD,
                              R.MEDICAL_OFFICER, R.PROTECTION_OFFICER})
OP = f"/api/v1/operations/{OPERATION}"

ROUTES: dict[str, frozenset[Role]] = {
    "POST /api/v1/operations/{operation_id}/scans/check-in": CROSSING_STAFF,
    "POST /api/v1/operations/{operation_id}/scans/screen": frozenset({R.CHECKPOINT_OFFICER}),
    "POST /api/v1/operations/{operation_id}/scans/board": CROSSING_STAFF,
    "POST /api/v1/operations/{operation_id}/scans/no-show": CROSSING_STAFF,
    "POST /api/v1/operations/{operation_id}/scans/disembark": frozenset({R.CONVOY_LEAD}),
    "POST /api/v1/operations/{operation_id}/events:upload": CROSSING_STAFF,  # a check-in batch
    "GET /api/v1/operations/{operation_id}/status": EXACT_FIGURES,
    "GET /api/v1/operations/{operation_id}/convoys/{convoy_id}/reconciliation": EXACT_FIGURES,
    "GET /api/v1/operations/{operation_id}/cases": frozenset({R.PROTECTION_OFFICER}),
    "GET /api/v1/operations/{operation_id}/households/{household_id}/card": REGISTRY_READERS,
    "GET /api/v1/operations/{operation_id}/tickets/key": TICKET_READERS,
    "GET /api/v1/operations/{operation_id}/tickets/revocations": TICKET_READERS,
    "GET /api/v1/tickets/public-key": EVERYONE,  # any signed-in caller
    "GET /api/v1/operations/{operation_id}/dashboard": EXACT_FIGURES | {R.MONITOR},
    "POST /api/v1/session": EVERYONE,  # signing in needs a name and password, no token
    "POST /api/v1/session:end": EVERYONE,
    "GET /api/v1/health": EVERYONE,  # and callers with no token at all
}
"""Who may use each route (``METHOD path``; the scans route once for each action), by role."""

OPEN_ROUTES = {"GET /api/v1/health", "POST /api/v1/session"}
"""Routes that need no token."""


def _requests(api: Api, user: str) -> dict[str, Callable[[], Any]]:
    def scan(action: str, **body: Any) -> Callable[[], Any]:
        return lambda: api.scan(action, user, household_id="H1", **body)

    def sign_in() -> Any:
        """Sign in as ``user`` (or, with no account, as a monitor: no token is needed)."""
        name = user if user.startswith("u-") else "u-monitor"
        answer = api.client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
        api.client.cookies.clear()
        return answer

    def sign_out() -> Any:
        """End a session: a new one of ``user``'s by its cookie, or whatever is sent."""
        if user.startswith("u-"):
            api.client.post("/api/v1/session", json={"name": user, "password": PASSWORD})
        answer = api.client.post("/api/v1/session:end", headers={
            **api.headers(user), "X-Corridor-Page": "1"})
        api.client.cookies.clear()
        return answer

    return {
        "POST /api/v1/session": sign_in,
        "POST /api/v1/session:end": sign_out,
        "GET /api/v1/operations/{operation_id}/dashboard": lambda: api.client.get(
            f"{OP}/dashboard", headers=api.headers(user)),
        "POST /api/v1/operations/{operation_id}/scans/check-in": scan("check-in", convoy_id="C1"),
        "POST /api/v1/operations/{operation_id}/scans/screen": scan("screen",
                                                                     decision="cleared"),
        "POST /api/v1/operations/{operation_id}/scans/board": scan("board", convoy_id="C1",
                                                                    vehicle_id="BUS-001"),
        "POST /api/v1/operations/{operation_id}/scans/no-show": scan("no-show", convoy_id="C1"),
        "POST /api/v1/operations/{operation_id}/scans/disembark": scan("disembark",
                                                                        convoy_id="C1"),
        "POST /api/v1/operations/{operation_id}/events:upload": lambda: api.upload(
            [{"nonce": api.nonce(), "kind": "checked_in", "device_time": "2017-03-20T05:00:00",
              "household_id": "H3", "convoy_id": "C1"}], user),
        "GET /api/v1/operations/{operation_id}/status": lambda: api.client.get(
            f"{OP}/status?by=convoy", headers=api.headers(user)),
        "GET /api/v1/operations/{operation_id}/convoys/{convoy_id}/reconciliation":
            lambda: api.client.get(f"{OP}/convoys/C1/reconciliation", headers=api.headers(user)),
        "GET /api/v1/operations/{operation_id}/cases": lambda: api.client.get(
            f"{OP}/cases", headers=api.headers(user)),
        "GET /api/v1/operations/{operation_id}/households/{household_id}/card":
            lambda: api.client.get(f"{OP}/households/H1/card", headers=api.headers(user)),
        "GET /api/v1/operations/{operation_id}/tickets/key": lambda: api.client.get(
            f"{OP}/tickets/key", headers=api.headers(user)),
        "GET /api/v1/operations/{operation_id}/tickets/revocations": lambda: api.client.get(
            f"{OP}/tickets/revocations", headers=api.headers(user)),
        "GET /api/v1/tickets/public-key": lambda: api.client.get(
            "/api/v1/tickets/public-key", headers=api.headers(user)),
        "GET /api/v1/health": lambda: api.client.get("/api/v1/health",
                                                     headers=api.headers(user)),
    }


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One crossing for the whole matrix (SQLite): the scans' nonces never repeat."""
    folder: Path = tmp_path_factory.mktemp("web-matrix")
    with running_api(f"sqlite:///{folder / 'corridor.db'}", folder) as running:
        yield running


def app_routes(api: Api) -> set[str]:
    """Every ``METHOD path`` of the app's OpenAPI document, the scans route once an action."""
    found = set()
    for path, operations in api.client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        paths = ([path.replace("{action}", a.value) for a in ScanAction]
                 if "{action}" in path else [path])
        found |= {f"{method.upper()} {each}" for method in operations for each in paths}
    return found


def test_every_route_has_a_row_in_the_matrix(api: Api) -> None:
    """A new route without a decision here fails; so does a row for a route that is gone."""
    assert app_routes(api) == set(ROUTES)


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_role_may_use_exactly_its_routes(route: str, role: Role, api: Api) -> None:
    """Allowed: the route answers 200; denied: 403 with the code forbidden and who may."""
    response = _requests(api, f"u-{role.value}")[route]()
    if role in ROUTES[route]:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "forbidden"
        assert "may not" in response.json()["message"]


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_without_a_token_only_the_open_routes_answer(route: str, api: Api) -> None:
    """No token, or a token nobody holds: 401 not_signed_in on every route but health."""
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        api.tokens["nobody"] = headers.get("Authorization", "Bearer ").removeprefix("Bearer ")
        response = _requests(api, "nobody")[route]()
        if route in OPEN_ROUTES:
            assert response.status_code == 200
        else:
            assert response.status_code == 401, response.text
            assert response.json()["code"] == "not_signed_in"
            assert response.headers["WWW-Authenticate"] == "Bearer"
