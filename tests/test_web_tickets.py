"""Tickets over HTTP, on SQLite and PostgreSQL: the key and the signed revocation list a phone
downloads, built from the store; a ticket revoked in the store is refused as `revoked` by the
next scan, with no restart."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from corridor.security.tickets import RevocationList, issue_ticket, verify_ticket
from corridor.store.tickets import current_tickets, reissue, revoke
from tests.store_databases import TEST_KEYRING
from tests.test_web_fixtures import OPERATION, Api, running_api

OP = f"/api/v1/operations/{OPERATION}"
ISSUED = datetime(2017, 3, 10, tzinfo=UTC)
KEY = TEST_KEYRING.ticket_public_key()
SETTINGS_LIST = {OPERATION: RevocationList(OPERATION, ISSUED).with_reissue("H4", 3, ISSUED)}
"""A list given in the settings too: the server revokes what it and the store revoke."""


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """The crossing behind the API, on each kind of database."""
    with running_api(database_url, tmp_path, SETTINGS_LIST) as running:
        yield running


def _downloaded(api: Api, user: str = "u-checkpoint_officer") -> tuple[RevocationList, Any]:
    """What a phone does: fetch the key and the list, verify the list with the key."""
    key = api.client.get(f"{OP}/tickets/key", headers=api.headers(user))
    assert key.status_code == 200, key.text
    assert key.json()["algorithm"] == "Ed25519"
    raw = base64.urlsafe_b64decode(key.json()["public_key"] + "==")
    assert raw == KEY
    answer = api.client.get(f"{OP}/tickets/revocations", headers=api.headers(user))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    listed = RevocationList.from_bytes(base64.b64decode(body["revocation_list"]), raw)
    assert listed.operation_id == body["operation_id"] == OPERATION
    assert datetime.fromisoformat(body["issued_at"].replace("Z", "+00:00")) == listed.issued_at
    assert (body["revoked_below"], body["revoked_serials"]) == (
        len(listed.revoked_below), len(listed.revoked_serials))
    return listed, body


def test_a_phone_downloads_a_list_that_verifies_and_follows_the_store(api: Api) -> None:
    """The list holds the settings' revocations and the stored ones, and is built again (and
    only then) when a revocation is stored."""
    listed, first = _downloaded(api)
    assert dict(listed.revoked_below) == {"H4": 3} and not listed.revoked_serials
    _again, second = _downloaded(api)
    assert second == first  # cached: the same signed bytes
    current_tickets(api.database, OPERATION, ["H1", "H3"], actor="reg", issued_at=ISSUED)
    reissue(api.database, OPERATION, "H1", actor="reg", reason="lost", issued_at=ISSUED)
    revoke(api.database, OPERATION, "H3", actor="po", reason="withdrawn", revoked_at=ISSUED)
    listed, third = _downloaded(api)
    assert dict(listed.revoked_below) == {"H4": 3, "H1": 2}
    assert listed.revoked_serials == {("H3", 1)}
    assert third["revocation_list"] != first["revocation_list"]


def test_a_ticket_revoked_in_the_store_is_refused_as_revoked_over_http(api: Api) -> None:
    """Scan with H1's first ticket (accepted), reissue it in the store, scan the old ticket
    again: refused `revoked` and stored; the new ticket goes through."""
    old = current_tickets(api.database, OPERATION, ["H1"], actor="reg", issued_at=ISSUED)["H1"]
    first = api.scan("check-in", ticket=old, convoy_id="C1", person_ids=["P1"])
    assert first.status_code == 200 and first.json()["outcome"] == "accepted", first.text
    _serial, new = reissue(api.database, OPERATION, "H1", actor="reg", reason="lost",
                           issued_at=ISSUED)
    stored = api.stored()
    refused = api.scan("check-in", ticket=old, convoy_id="C1", person_ids=["P2"])
    assert refused.status_code == 200, refused.text
    assert (refused.json()["outcome"], refused.json()["refusal"]) == ("refused", "revoked")
    assert refused.json()["household_id"] == "H1" and api.stored() == stored + 1
    accepted = api.scan("check-in", ticket=new, convoy_id="C1", person_ids=["P2"])
    assert accepted.json()["outcome"] == "accepted", accepted.text
    listed, _body = _downloaded(api)
    with pytest.raises(Exception, match="no longer valid"):
        verify_ticket(old, KEY, listed, OPERATION)
    revoke(api.database, OPERATION, "H1", actor="po", reason="withdrawn", revoked_at=ISSUED)
    again = api.scan("check-in", ticket=new, convoy_id="C1", person_ids=["P3"])
    assert again.json()["refusal"] == "revoked"


def test_the_ticket_routes_refuse_strangers_and_unknown_operations(api: Api) -> None:
    """A monitor may not (403, naming who may); an unknown operation is a 404; no token 401."""
    for route in ("key", "revocations"):
        denied = api.client.get(f"{OP}/tickets/{route}", headers=api.headers("u-monitor"))
        assert denied.status_code == 403 and "tickets.read" in denied.json()["message"]
        unknown = api.client.get(f"/api/v1/operations/nowhere/tickets/{route}",
                                 headers=api.headers())
        assert unknown.status_code == 404, unknown.text
        assert api.client.get(f"{OP}/tickets/{route}").status_code == 401


NOBLE = Path(__file__).resolve().parents[1] / "node_modules" / "@noble" / "ed25519" / "index.js"


def _documented_js() -> str:
    text = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    start = text.index("```js\n", text.index("### Tickets")) + len("```js\n")
    return text[start:text.index("```", start)]


@pytest.mark.skipif(shutil.which("node") is None or not NOBLE.exists(),
                    reason="needs Node and node_modules/@noble/ed25519")
def test_the_browser_code_in_docs_api_md_verifies_what_the_server_signs(
        api: Api, tmp_path: Path) -> None:
    """The JavaScript of docs/api.md, run under Node with @noble/ed25519, on a downloaded key and
    list: a valid ticket, a reissued one, a revoked one, another operation's, an altered one and
    not a ticket at all each get the server's own verdict."""
    given = current_tickets(api.database, OPERATION, ["H1", "H3"], actor="reg",
                            issued_at=ISSUED)
    _serial, new = reissue(api.database, OPERATION, "H1", actor="reg", reason="lost",
                           issued_at=ISSUED)
    revoke(api.database, OPERATION, "H3", actor="po", reason="withdrawn", revoked_at=ISSUED)
    body = api.client.get(f"{OP}/tickets/revocations", headers=api.headers()).json()
    key = api.client.get(f"{OP}/tickets/key", headers=api.headers()).json()["public_key"]
    other = issue_ticket(TEST_KEYRING, "elsewhere", "H1", 1, ISSUED)
    altered = new[:-6] + ("A" if new[-6] != "A" else "B") + new[-5:]
    cases = {"new": new, "reissued": given["H1"], "withdrawn": given["H3"], "other": other,
             "altered": altered, "junk": "hello", "h4_below_3": issue_ticket(
                 TEST_KEYRING, OPERATION, "H4", 2, ISSUED)}
    script = tmp_path / "verify.mjs"
    script.write_text(_documented_js().replace('"@noble/ed25519"', json.dumps(NOBLE.as_uri()))
                      + """
const [key, list, operation, cases] = process.argv.slice(2);
const publicKey = b64url(key);
const bytes = Uint8Array.from(atob(list), (c) => c.charCodeAt(0));
const revoked = await readRevocations(bytes, publicKey, operation);
const out = { issuedAt: revoked.issuedAt.toISOString() };
for (const [name, text] of Object.entries(JSON.parse(cases))) {
  const verdict = await verifyTicket(text, publicKey, revoked, operation);
  out[name] = typeof verdict === "string" ? verdict
    : `${verdict.householdId}/${verdict.serial}/${verdict.issuedOn.toISOString().slice(0, 10)}`;
}
console.log(JSON.stringify(out));
""", encoding="utf-8")
    done = subprocess.run(["node", str(script), key, body["revocation_list"], OPERATION,
                           json.dumps(cases)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    verdicts = json.loads(done.stdout)
    assert verdicts == {"issuedAt": body["issued_at"].replace("Z", ".000Z"),
                        "new": "H1/2/2017-03-10", "reissued": "revoked",
                        "withdrawn": "revoked", "other": "other_operation",
                        "altered": "bad_signature", "junk": "not_a_ticket",
                        "h4_below_3": "revoked"}
