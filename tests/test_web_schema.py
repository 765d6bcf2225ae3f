"""The OpenAPI document against the app: schemathesis sends what the document allows and what it
does not, and no answer is a server error or strays from the document; every route is in
docs/api.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.test_web_fixtures import OPERATION, Api, running_api
from tests.test_web_permissions import app_routes

ROOT = Path(__file__).resolve().parents[1]
API_DOC = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
EXAMPLES = 50


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The crossing behind the API (SQLite), shared by every generated request."""
    folder = tmp_path_factory.mktemp("web-schema")
    with running_api(f"sqlite:///{folder / 'corridor.db'}", folder) as running:
        yield running


def test_every_route_is_in_the_api_doc(api: Api) -> None:
    """docs/api.md names each route of the OpenAPI document (METHOD and path)."""
    documented = set(re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/api/v1/\S+?)`", API_DOC))
    documented = {f"{method} {path.split('?')[0]}" for method, path in documented}
    assert app_routes(api) <= documented


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=str)
def test_no_request_the_schema_allows_or_forbids_gets_a_server_error(
        mode: schemathesis.GenerationMode, api: Api) -> None:
    """A bounded, seeded schemathesis run over every operation of the OpenAPI document, half
    of it in the crossing's operation: no 5xx, and every answer as the document says."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy(mode)
        if "{operation_id}" in operation.path:
            strategy = strategies.one_of(strategy, operation.as_strategy(
                mode, path_parameters={"operation_id": OPERATION}))

        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=api.headers(), checks=checks)

        try:
            run()
        except Unsatisfiable:  # nothing to get wrong: a route with no parameter and no body
            assert mode is schemathesis.GenerationMode.NEGATIVE and "{" not in operation.path
