"""Tickets in the store, on SQLite and PostgreSQL: issued once, reissued, revoked, listed, and
the revocation list a phone downloads built from what is stored; every action audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from corridor.domain.errors import AlreadyExists, InvalidValue, NotFound
from corridor.security.tickets import RevocationList, TicketRevoked, verify_ticket
from corridor.store import Database
from corridor.store.protection import audit_records
from corridor.store.tables import ticket_revocations, tickets
from corridor.store.tickets import (
    current_tickets,
    list_tickets,
    merged,
    registry_household_ids,
    reissue,
    revocation_list,
    revocation_marker,
    revocations,
    revoke,
)
from tests import builders
from tests.store_databases import TEST_KEYRING, custody_in

OPERATION = "al-waer-test"
ISSUED = datetime(2017, 3, 10, 8, 0, tzinfo=UTC)
LATER = ISSUED + timedelta(days=2)
KEY = TEST_KEYRING.ticket_public_key()


@pytest.fixture
def db(database: Database) -> Database:
    """The builders' three households (H1, H2, H3) stored."""
    database.import_scenario(builders.scenario(), actor="tester")
    return database


def _verify(db: Database, payload: str) -> tuple[str, int]:
    ticket = verify_ticket(payload, KEY, revocation_list(db, OPERATION, LATER), OPERATION)
    return ticket.household_id, ticket.serial


def _rows(db: Database) -> tuple[int, int]:
    with db.engine.connect() as connection:
        return (int(connection.execute(select(func.count()).select_from(tickets)).scalar_one()),
                int(connection.execute(select(func.count()).select_from(ticket_revocations))
                    .scalar_one()))


def test_the_first_ask_issues_serial_1_and_later_asks_give_the_same_ticket(db: Database) -> None:
    """Each household gets serial 1 once; asking again issues nothing and signs the same text."""
    first = current_tickets(db, OPERATION, ["H1", "H2", "H3"], actor="reg", issued_at=ISSUED)
    assert sorted(first) == ["H1", "H2", "H3"]
    assert {household: _verify(db, payload) for household, payload in first.items()} == {
        "H1": ("H1", 1), "H2": ("H2", 1), "H3": ("H3", 1)}
    again = current_tickets(db, OPERATION, ["H1", "H3"], actor="reg", issued_at=LATER)
    assert again == {"H1": first["H1"], "H3": first["H3"]}  # the stored day, not LATER
    assert _rows(db) == (3, 0)
    listed = list_tickets(db, OPERATION, actor="reg")
    assert [(t.household_id, t.serial, t.issued_at, t.issued_by, t.revoked) for t in listed] == [
        (h, 1, ISSUED, "reg", False) for h in ("H1", "H2", "H3")]


def test_the_store_keeps_ids_and_serials_never_a_name_or_a_payload(db: Database) -> None:
    """Nothing of the registry's names is in the ticket tables, nor the payloads."""
    payloads = current_tickets(db, OPERATION, ["H1"], actor="reg", issued_at=ISSUED)
    reissue(db, OPERATION, "H1", actor="reg", reason="lost at the gate", issued_at=LATER)
    with db.engine.connect() as connection:
        text = repr([*connection.execute(select(tickets)).all(),
                     *connection.execute(select(ticket_revocations)).all()])
    for person in builders.scenario().persons:
        assert person.name not in text
    assert payloads["H1"] not in text and payloads["H1"][4:40] not in text


def test_a_reissue_takes_the_next_serial_and_revokes_every_older_one(db: Database) -> None:
    """The old ticket is refused as revoked; the new one verifies; the list says so."""
    old = current_tickets(db, OPERATION, ["H1"], actor="reg", issued_at=ISSUED)["H1"]
    serial, new = reissue(db, OPERATION, "H1", actor="reg", reason="lost", issued_at=LATER)
    assert serial == 2 and _verify(db, new) == ("H1", 2)
    with pytest.raises(TicketRevoked, match="serial 2 or above"):
        _verify(db, old)
    assert current_tickets(db, OPERATION, ["H1"], actor="reg", issued_at=LATER) == {"H1": new}
    listed = revocation_list(db, OPERATION, LATER)
    assert dict(listed.revoked_below) == {"H1": 2} and not listed.revoked_serials
    assert listed.issued_at == LATER
    assert [(r.household_id, r.serial, r.below, r.reason, r.revoked_by)
            for r in revocations(db, OPERATION)] == [("H1", 2, True, "lost", "reg")]


def test_a_revoked_household_gets_no_ticket_until_it_is_reissued(db: Database) -> None:
    """A revocation with no replacement sticks: current_tickets leaves the household out."""
    current_tickets(db, OPERATION, ["H1", "H2"], actor="reg", issued_at=ISSUED)
    assert revoke(db, OPERATION, "H2", actor="po", reason="withdrawn", revoked_at=LATER) == 1
    assert current_tickets(db, OPERATION, ["H1", "H2"], actor="reg",
                           issued_at=LATER).keys() == {"H1"}
    assert _rows(db) == (2, 1)
    with pytest.raises(AlreadyExists, match="revoked already"):
        revoke(db, OPERATION, "H2", actor="po", reason="again", revoked_at=LATER, serial=1)
    with pytest.raises(NotFound, match="no valid ticket to revoke"):
        revoke(db, OPERATION, "H2", actor="po", reason="again", revoked_at=LATER)
    serial, payload = reissue(db, OPERATION, "H2", actor="reg", reason="back on the list",
                              issued_at=LATER)
    assert serial == 2 and _verify(db, payload) == ("H2", 2)
    assert [t.revoked for t in list_tickets(db, OPERATION, ["H2"], actor="reg")] == [True, False]


def test_bad_requests_are_refused_and_change_nothing(db: Database) -> None:
    """Unknown operation, household or serial; no reason; a time with no zone."""
    current_tickets(db, OPERATION, ["H1"], actor="reg", issued_at=ISSUED)
    before = _rows(db)
    with pytest.raises(NotFound, match="household H8, H9"):
        current_tickets(db, OPERATION, ["H1", "H9", "H8"], actor="reg", issued_at=ISSUED)
    with pytest.raises(NotFound, match="no operation elsewhere"):
        current_tickets(db, "elsewhere", ["H1"], actor="reg", issued_at=ISSUED)
    with pytest.raises(NotFound, match="household H9"):
        reissue(db, OPERATION, "H9", actor="reg", reason="lost", issued_at=ISSUED)
    with pytest.raises(NotFound, match="no ticket with serial 7"):
        revoke(db, OPERATION, "H1", actor="po", reason="x", revoked_at=LATER, serial=7)
    with pytest.raises(InvalidValue, match="say why"):
        reissue(db, OPERATION, "H1", actor="reg", reason="  ", issued_at=ISSUED)
    with pytest.raises(InvalidValue, match="time zone"):
        current_tickets(db, OPERATION, ["H1"], actor="reg", issued_at=ISSUED.replace(tzinfo=None))
    assert _rows(db) == before


def test_every_ticket_action_is_audited(db: Database) -> None:
    """Issue, reissue, revoke and list each leave a record naming the household, never a name."""
    since = max(record.seq for record in audit_records(db)) + 1
    current_tickets(db, OPERATION, ["H1", "H2"], actor="reg", issued_at=ISSUED)
    reissue(db, OPERATION, "H1", actor="reg", reason="lost", issued_at=LATER)
    revoke(db, OPERATION, "H2", actor="po", reason="withdrawn", revoked_at=LATER)
    list_tickets(db, OPERATION, ["H1"], actor="monitor-free")
    found = [(r.entry.actor, r.entry.action, r.entry.subject)
             for r in audit_records(db, since=since)]
    assert found == [
        ("reg", "tickets.issue", f"operation {OPERATION}: 2 households"),
        ("reg", "tickets.reissue", f"operation {OPERATION}: household H1"),
        ("po", "tickets.revoke", f"operation {OPERATION}: household H2"),
        ("monitor-free", "tickets.read", f"operation {OPERATION}: household H1")]


def test_tickets_and_revocations_outlive_a_replaced_registry(db: Database) -> None:
    """Importing the registry again keeps what was issued and revoked: no ticket comes back."""
    current_tickets(db, OPERATION, ["H1"], actor="reg", issued_at=ISSUED)
    reissue(db, OPERATION, "H1", actor="reg", reason="lost", issued_at=LATER)
    db.import_scenario(builders.scenario(), actor="tester", replace=True)
    assert dict(revocation_list(db, OPERATION, LATER).revoked_below) == {"H1": 2}
    assert _rows(db) == (2, 1)
    assert registry_household_ids(db, OPERATION) == ["H1", "H2", "H3"]


def test_the_marker_changes_with_every_revocation(db: Database) -> None:
    """A server's cached list is stale exactly when the marker moved."""
    assert revocation_marker(db, OPERATION) == (0, 0)
    current_tickets(db, OPERATION, ["H1"], actor="reg", issued_at=ISSUED)
    assert revocation_marker(db, OPERATION) == (0, 0)
    reissue(db, OPERATION, "H1", actor="reg", reason="lost", issued_at=LATER)
    first = revocation_marker(db, OPERATION)
    revoke(db, OPERATION, "H1", actor="po", reason="withdrawn", revoked_at=LATER)
    assert revocation_marker(db, OPERATION) > first > (0, 0)


def test_merged_lists_revoke_what_either_revokes() -> None:
    """Thresholds take the higher serial; singles add up; another operation's list is refused."""
    one = RevocationList(OPERATION, ISSUED, {"H1": 2}, frozenset({("H2", 1)}))
    two = RevocationList(OPERATION, LATER, {"H1": 3, "H3": 2}, frozenset({("H2", 4)}))
    both = merged(one, two)
    assert dict(both.revoked_below) == {"H1": 3, "H3": 2}
    assert both.revoked_serials == {("H2", 1), ("H2", 4)} and both.issued_at == LATER
    with pytest.raises(InvalidValue, match="cannot be merged"):
        merged(one, RevocationList("other", ISSUED))


ACTIONS = st.lists(st.tuples(st.sampled_from(["issue", "reissue", "revoke"]),
                             st.sampled_from(["H1", "H2", "H3"])), max_size=12)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_the_stored_list_agrees_with_the_pure_one(actions: list[tuple[str, str]],
                                                  tmp_path_factory: pytest.TempPathFactory,
                                                  ) -> None:
    """Any sequence of issues, reissues and revocations: the list built from the rows is the one
    RevocationList's own with_reissue/with_revoked give, and each household's current ticket is
    its highest serial that list does not revoke (SQLite)."""
    folder: Path = tmp_path_factory.mktemp("tickets-property")
    with Database.open(f"sqlite:///{folder / 'corridor.db'}", custody_in(folder)) as db:
        db.upgrade()
        db.import_scenario(builders.scenario(), actor="tester")
        expected = RevocationList(OPERATION, LATER)
        serials: dict[str, list[int]] = {}
        for action, household in actions:
            if action == "issue":
                current_tickets(db, OPERATION, [household], actor="a", issued_at=ISSUED)
                serials.setdefault(household, [1])
            elif action == "reissue":
                serial, _payload = reissue(db, OPERATION, household, actor="a", reason="r",
                                           issued_at=LATER)
                assert serial == max(serials.get(household, [0])) + 1
                serials.setdefault(household, []).append(serial)
                expected = expected.with_reissue(household, serial, LATER)
            else:
                valid = [s for s in serials.get(household, [])
                         if not expected.is_revoked(household, s)]
                if not valid:
                    with pytest.raises(NotFound):
                        revoke(db, OPERATION, household, actor="a", reason="r",
                               revoked_at=LATER)
                    continue
                assert revoke(db, OPERATION, household, actor="a", reason="r",
                              revoked_at=LATER) == max(valid)
                expected = expected.with_revoked(household, max(valid), LATER)
        stored = revocation_list(db, OPERATION, LATER)
        assert stored == expected
        current = current_tickets(db, OPERATION, ["H1", "H2", "H3"], actor="a",
                                  issued_at=ISSUED)
        for household in ("H1", "H2", "H3"):
            valid = [s for s in serials.get(household, [1])
                     if not expected.is_revoked(household, s)]
            if household not in serials:
                valid = [1]
            if valid:
                assert _verify(db, current[household]) == (household, max(valid))
            else:
                assert household not in current
