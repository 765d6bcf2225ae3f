"""Scans over HTTP, on SQLite and PostgreSQL: accepted, every refusal stored and answered with its
code and sentence, a repeated nonce answered as the first time, a whole household in one request;
bad requests refused with a 4xx, a code and a message, and nothing stored; and a cap on the
database statements one scan costs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from corridor.domain.events import REFUSALS, RefusalReason
from corridor.security.tickets import RevocationList, issue_ticket
from corridor.tracking.uploads import MAX_BATCH
from tests.store_databases import TEST_KEYRING
from tests.test_web_fixtures import OPERATION, Api, running_api

OP = f"/api/v1/operations/{OPERATION}"
ISSUED = datetime(2017, 3, 10, tzinfo=UTC)
H4_TICKET_OLD = issue_ticket(TEST_KEYRING, OPERATION, "H4", 0, ISSUED)
H4_TICKET_NEW = issue_ticket(TEST_KEYRING, OPERATION, "H4", 1, ISSUED)
REVOCATIONS = {OPERATION: RevocationList(OPERATION, ISSUED).with_reissue("H4", 1, ISSUED)}

STATEMENTS_PER_SCAN = 10
"""The most SQL statements one online scan may send, on a warm app (roster built), on either
database: the token with its grants (1) and the newest plan (1), each a statement on its own
(SQLite counts a BEGIN before them), the lock (1), the nonce (1), the household's events with
its convoy's state (1), the insert (1) and the audit record (2 or 3); SQLite counts its BEGINs,
PostgreSQL its advisory locks. The schema is checked once per database, not per statement
group. A screen and a board measure 10 on SQLite and 9 on PostgreSQL (13 before the token and
its grants became one statement, both reads autocommit on PostgreSQL, and a decision's reads
one statement)."""


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """The crossing behind the API, on each kind of database."""
    with running_api(database_url, tmp_path, REVOCATIONS) as running:
        yield running


def _offline(api: Api, kind: str, **fields: Any) -> None:
    item = {"nonce": api.nonce(), "kind": kind, "device_time": "2017-03-20T06:01:00", **fields}
    response = api.upload([item])
    assert response.status_code == 200, response.text


def _refusal(response: Any) -> str | None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["outcome"] == "refused") == (body["refusal"] is not None)
    if body["refusal"] is not None:
        assert body["message"] == REFUSALS[RefusalReason(body["refusal"])]
    refusal: str | None = body["refusal"]
    return refusal


def test_a_household_checks_in_is_screened_and_boards_whole(api: Api) -> None:
    """Three requests take all of H1 from the gate to its bus; each names every member."""
    for action, extra in (("check-in", {"convoy_id": "C1"}), ("screen", {"decision": "cleared"}),
                          ("board", {"convoy_id": "C1", "vehicle_id": "BUS-001"})):
        response = api.scan(action, household_id="H1", **extra)
        assert _refusal(response) is None
        assert response.json()["person_ids"] == ["P1", "P2", "P3"]
    body = response.json()
    assert body["kind"] == "boarded" and body["message"]
    assert body["server_time"] == "2017-03-20T06:00:00"
    assert [p["person_id"] for p in body["persons"]] == ["P1", "P2", "P3"]
    assert api.stored() == 3


def test_the_answer_shows_the_household_as_the_callers_role_may_see_it(api: Api) -> None:
    """A checkpoint officer gets names, not categories; everything else stays in the registry."""
    response = api.scan("check-in", "u-checkpoint_officer", household_id="H1", convoy_id="C1")
    person = response.json()["persons"][0]
    assert "name" in person and "category" not in person and "vulnerabilities" not in person
    assert "phone" not in response.json()["household"]


def test_every_refusal_of_a_scan_is_reachable_stored_and_explained(api: Api) -> None:
    """Each refusal code a scan route can give comes back as a 200 with its code and sentence,
    and is stored like an accepted scan."""
    seen = []

    def refused(action: str, **body: Any) -> None:
        before = api.stored()
        seen.append(_refusal(api.scan(action, **body)))
        assert api.stored() == before + 1

    def accepted(action: str, **body: Any) -> None:
        assert _refusal(api.scan(action, **body)) is None

    refused("check-in", household_id="H1", convoy_id="C9")
    refused("check-in", household_id="H1", convoy_id="C1", person_ids=["P7"])
    refused("check-in", household_id="H2", convoy_id="C1")
    refused("check-in", household_id="H1", convoy_id="C2")
    refused("board", household_id="H1", convoy_id="C1", vehicle_id="BUS-001")
    accepted("check-in", household_id="H1", convoy_id="C1")
    refused("check-in", household_id="H1", convoy_id="C1")
    refused("board", household_id="H1", convoy_id="C1", vehicle_id="BUS-001")
    refused("board", household_id="H1", convoy_id="C1", vehicle_id="BUS-002")
    accepted("check-in", household_id="H3", convoy_id="C1")
    accepted("screen", household_id="H3", decision="held", reason="document check")
    refused("board", household_id="H3", convoy_id="C1", vehicle_id="BUS-002")
    accepted("screen", household_id="H1", decision="cleared")
    accepted("board", household_id="H1", convoy_id="C1", vehicle_id="BUS-001")
    refused("board", household_id="H1", convoy_id="C1", vehicle_id="BUS-001")
    refused("check-in", ticket=H4_TICKET_OLD, convoy_id="C2")
    _offline(api, "intent_changed", household_id="H2", person_ids=["P4"],
             payload={"intent": "leave"})
    refused("check-in", household_id="H2", convoy_id="C1")
    _offline(api, "vehicle_out_of_service", convoy_id="C2", vehicle_id="BUS-001")
    accepted("check-in", ticket=H4_TICKET_NEW, convoy_id="C2")
    accepted("screen", ticket=H4_TICKET_NEW, decision="cleared")
    refused("board", household_id="H4", convoy_id="C2", vehicle_id="BUS-001")
    _offline(api, "convoy_departed", convoy_id="C1")
    refused("board", household_id="H3", convoy_id="C1", vehicle_id="BUS-002")
    assert seen == ["unknown_convoy", "not_registered", "stays", "wrong_convoy",
                    "not_checked_in", "already_checked_in", "not_screened", "wrong_vehicle",
                    "held_at_checkpoint", "already_boarded", "revoked", "not_on_manifest",
                    "vehicle_out_of_service", "convoy_departed"]


def test_a_repeated_nonce_gets_the_first_answer_and_stores_nothing(api: Api) -> None:
    """The same nonce again, even asking something else, answers exactly as the first time."""
    first = api.scan("check-in", household_id="H1", convoy_id="C1", nonce="phone-1/0001")
    again = api.scan("check-in", household_id="H3", convoy_id="C1", nonce="phone-1/0001",
                     device_time="2017-03-20T07:00:00")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert api.stored() == 1


def test_a_no_show_and_a_disembarkation_are_stored(api: Api) -> None:
    """The other two scan routes take the household and the convoy like the rest."""
    assert _refusal(api.scan("no-show", household_id="H4", convoy_id="C2")) is None
    response = api.scan("disembark", household_id="H1", convoy_id="C1")
    assert _refusal(response) is None and response.json()["kind"] == "disembarked"


def test_an_upload_counts_what_was_new(api: Api) -> None:
    """A batch sent twice is stored once: the second answer says every event was there."""
    items = [{"nonce": f"off-{n}", "kind": "checked_in", "device_time": "2017-03-20T05:00:00",
              "household_id": household, "convoy_id": "C1"}
             for n, household in enumerate(("H1", "H3"))]
    assert api.upload(items).json() == {"received": 2, "stored": 2, "repeated": 0}
    assert api.upload(items).json() == {"received": 2, "stored": 0, "repeated": 2}
    assert api.stored() == 2


BAD_SCANS = {
    "malformed JSON": (b'{"nonce": "a", "household_id": ', 422, "invalid_request"),
    "not an object": (b"[1, 2, 3]", 422, "invalid_request"),
    "wrong type": (b'{"nonce": 7, "household_id": ["H1"], "convoy_id": "C1", '
                   b'"device_time": "yesterday"}', 422, "invalid_request"),
    "unknown field": (b'{"nonce": "a", "household_id": "H1", "convoy_id": "C1", '
                      b'"device_time": "2017-03-20T06:00:00", "seats": 3}', 422,
                      "invalid_request"),
    "unknown household": (b'{"nonce": "a", "household_id": "H99", "convoy_id": "C1", '
                          b'"device_time": "2017-03-20T06:00:00"}', 404, "not_found"),
    "no household": (b'{"nonce": "a", "convoy_id": "C1", "device_time": '
                     b'"2017-03-20T06:00:00"}', 422, "invalid_value"),
    "no convoy": (b'{"nonce": "a", "household_id": "H1", "device_time": '
                  b'"2017-03-20T06:00:00"}', 422, "invalid_value"),
    "not a ticket": (b'{"nonce": "a", "ticket": "hello", "convoy_id": "C1", '
                     b'"device_time": "2017-03-20T06:00:00"}', 422, "not_a_ticket"),
}


@pytest.mark.parametrize("case", sorted(BAD_SCANS))
def test_a_bad_scan_is_a_4xx_with_a_code_and_a_message_and_stores_nothing(
        case: str, api: Api) -> None:
    """Malformed JSON, wrong types, unknown households...: a 4xx, never a 500, nothing kept."""
    body, status, code = BAD_SCANS[case]
    response = api.client.post(f"{OP}/scans/check-in", content=body, headers={
        **api.headers(), "Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert response.json()["code"] == code and response.json()["message"]
    assert api.stored() == 0


def test_an_unknown_operation_or_action_is_a_404(api: Api) -> None:
    """Neither a scan of another operation nor an action that does not exist stores anything."""
    body = {"nonce": "a", "household_id": "H1", "convoy_id": "C1",
            "device_time": "2017-03-20T06:00:00"}
    other = api.client.post("/api/v1/operations/elsewhere/scans/check-in", json=body,
                            headers=api.headers())
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    action = api.client.post(f"{OP}/scans/teleport", json=body, headers=api.headers())
    assert action.status_code == 422 and action.json()["code"] == "invalid_request"
    assert api.stored() == 0


def test_an_oversized_batch_is_refused_whole(api: Api) -> None:
    """One event over MAX_BATCH: 422 naming the limit, and none of the batch is stored."""
    item = {"kind": "checked_in", "device_time": "2017-03-20T05:00:00", "household_id": "H1",
            "convoy_id": "C1"}
    response = api.upload([{**item, "nonce": f"n{n}"} for n in range(MAX_BATCH + 1)])
    assert response.status_code == 422, response.text
    assert str(MAX_BATCH) in response.json()["message"]
    assert api.stored() == 0


def test_a_batch_with_one_bad_event_stores_none_of_it(api: Api) -> None:
    """A good event and a bad one: 422 saying what is wrong, and the good one not kept."""
    good = {"nonce": "g", "kind": "checked_in", "device_time": "2017-03-20T05:00:00",
            "household_id": "H1", "convoy_id": "C1"}
    bad = {**good, "nonce": "b", "kind": "screened"}  # a screening needs its decision
    response = api.upload([good, bad])
    assert response.status_code == 422 and "Screening" in response.json()["message"]
    assert api.stored() == 0


def test_a_body_over_the_byte_limit_is_refused_before_it_is_read(api: Api) -> None:
    """413 too_large, by the declared length, before any parsing; nothing stored."""
    response = api.client.post(f"{OP}/events:upload", content=b" " * (9 * 1024 * 1024),
                               headers={**api.headers(), "Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert api.stored() == 0


def test_a_scan_sends_no_more_than_its_cap_of_statements(api: Api) -> None:
    """Counted with a listener on the app's engine, on a warm app (roster built)."""
    engine = api.client.app.state.desk.database.engine  # type: ignore[attr-defined]
    api.scan("check-in", household_id="H1", convoy_id="C1")
    statements: list[str] = []

    def count(*arguments: Any) -> None:
        statements.append(arguments[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        for action, extra in (("screen", {"decision": "cleared"}),
                              ("board", {"convoy_id": "C1", "vehicle_id": "BUS-001"})):
            statements.clear()
            assert _refusal(api.scan(action, household_id="H1", **extra)) is None
            assert len(statements) <= STATEMENTS_PER_SCAN, statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
