"""Sharing a list with another party: only what the agreement names, only once approved."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from corridor.domain import Intent, InvalidValue, Scenario
from corridor.domain.errors import Forbidden
from corridor.store import Database
from corridor.store.protection import audit_records
from corridor.store.shares import approve_share, request_share, share_list, trace
from tests import builders

FIELDS = ("name", "birth_year", "destination")


def _scenario() -> Scenario:
    scenario = builders.scenario()
    agreement = scenario.operation.agreement
    terms = replace(agreement.terms, shared_fields=FIELDS)
    return replace(scenario, operation=replace(scenario.operation,
                                               agreement=replace(agreement, terms=terms)))


@pytest.fixture
def operation(database: Database) -> str:
    """A stored operation whose agreement names three fields to share."""
    scenario = _scenario()
    database.import_scenario(scenario, actor="tester")
    return scenario.operation.operation_id


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_a_share_is_exported_only_once_another_person_approved_it(
        database: Database, operation: str) -> None:
    """Unapproved: refused; approved by its requester: refused; by someone else: written."""
    share_id = request_share(database, operation, FIELDS, "screening committee", "clause 4",
                             actor="samir")
    with pytest.raises(Forbidden, match="not approved"):
        share_list(database, share_id, actor="samir")
    with pytest.raises(Forbidden, match="requested by you"):
        approve_share(database, share_id, approver="samir", actor="samir")
    approve_share(database, share_id, approver="huda", actor="huda")
    share, content = share_list(database, share_id, actor="samir")
    rows = _rows(content)
    assert share.state == "approved" and set(rows[0]) == {"reference", *FIELDS}
    leaving = [p for p in _scenario().persons if p.intent is Intent.LEAVE]
    assert sorted(r["name"] for r in rows) == sorted(p.name for p in leaving)
    actions = [r.entry.action for r in audit_records(database)]
    assert actions[-4:] == ["share.request", "share.approve", "registry.read", "share.export"]


def test_each_recipient_gets_its_own_references_and_a_leak_is_traced(
        database: Database, operation: str) -> None:
    """The same person carries a different reference on each share; trace finds the share."""
    lists = {}
    for recipient in ("committee A", "committee B"):
        share_id = request_share(database, operation, FIELDS, recipient, "clause 4",
                                 actor="samir")
        approve_share(database, share_id, approver="huda", actor="huda")
        lists[recipient] = {r["name"]: r["reference"]
                            for r in _rows(share_list(database, share_id, actor="samir")[1])}
    name = next(iter(lists["committee A"]))
    assert lists["committee A"][name] != lists["committee B"][name]
    share, _person = trace(database, lists["committee B"][name], actor="huda")
    assert share.recipient == "committee B"


def test_nothing_is_shared_when_the_agreement_names_no_field(database: Database) -> None:
    """An agreement without shared fields makes every request fail with a sentence."""
    database.import_scenario(builders.scenario(), actor="tester")
    with pytest.raises(InvalidValue, match="names no field to share"):
        request_share(database, "al-waer-test", (), "committee", "why", actor="samir")
