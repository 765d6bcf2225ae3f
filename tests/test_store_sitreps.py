"""Sitreps from the database: the plan in force at the end of the day, the ledger kept, files."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from corridor.domain.errors import Forbidden
from corridor.planner import make_plan
from corridor.reports.disclosure import DisclosurePolicy
from corridor.reports.sitrep import Audience, Readership
from corridor.security.permissions import Grant, Principal, Role
from corridor.store import Database
from corridor.store.protection import load_ledger
from corridor.store.sitreps import make_sitrep, plan_in_force, write_sitreps
from tests import builders

POLICY = DisclosurePolicy(5)


@pytest.fixture
def operation(database: Database) -> str:
    """The builders' operation with its plan, stored."""
    scenario = builders.scenario()
    database.import_scenario(scenario, actor="tester")
    database.save_plan(make_plan(scenario).plan,
                       created_at=datetime(2017, 3, 10, tzinfo=UTC))
    return scenario.operation.operation_id


def test_the_plan_in_force_is_the_newest_stored_before_the_end_of_the_day(
        database: Database, operation: str) -> None:
    """A plan stored on the 20th is not the plan of the 19th's sitrep; it is the 21st's."""
    first = database.load_plan(operation)
    second = replace(first, seed=99)
    database.save_plan(second, created_at=datetime(2017, 3, 20, 12, tzinfo=UTC))
    assert plan_in_force(database, operation, datetime(2017, 3, 20), "Asia/Damascus") == first
    assert plan_in_force(database, operation, datetime(2017, 3, 21), "Asia/Damascus") == second
    assert plan_in_force(database, operation, datetime(2017, 3, 1), "Asia/Damascus") == first


def test_a_public_sitrep_is_kept_in_the_monitors_ledger_and_an_internal_one_is_not(
        database: Database, operation: str) -> None:
    """Only a release outside adds to the ledger."""
    day = date(2017, 3, 18)
    make_sitrep(database, operation, day, Readership(Audience.INTERNAL), policy=POLICY,
                actor="samir", reason="test")
    assert load_ledger(database, operation, "monitors") is None
    sitrep = make_sitrep(database, operation, day, Readership.public(), policy=POLICY,
                         actor="samir", reason="test")
    assert sitrep.threshold == 5
    assert load_ledger(database, operation, "monitors") is not None


def test_the_demo_writes_the_days_internal_and_public_sitreps(
        database: Database, operation: str, tmp_path: Path) -> None:
    """Two audiences, HTML and PDF, in English: four files, whole, named by day and audience;
    a monitor may not have the internal one written for them."""
    coordinator = Principal("samir", (Grant(Role.COORDINATOR),))
    written = write_sitreps(database, operation, date(2017, 3, 18), tmp_path / "sitreps",
                            principal=coordinator, policy=POLICY, languages=("en",),
                            created_at=datetime(2017, 3, 19, tzinfo=UTC))
    assert [path.name for path in written] == [
        "sitrep-2017-03-18-internal-en.html", "sitrep-2017-03-18-internal-en.pdf",
        "sitrep-2017-03-18-public-en.html", "sitrep-2017-03-18-public-en.pdf"]
    assert all(path.stat().st_size > 1000 for path in written)
    assert "Public" in written[2].read_text() and written[1].read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in (tmp_path / "sitreps").iterdir()) == sorted(
        p.name for p in written)
    with pytest.raises(Forbidden):
        write_sitreps(database, operation, date(2017, 3, 18), tmp_path / "other",
                      principal=Principal("watcher", (Grant(Role.MONITOR),)), policy=POLICY,
                      languages=("en",))
