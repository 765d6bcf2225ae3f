"""Retention: what is past its period is purged, what is not stays, and the purge says what."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from corridor.domain.retention import Retention
from corridor.store import Database
from corridor.store.protection import audit_records
from corridor.store.retention import purge
from tests import builders


def _at(database: Database, moment: datetime) -> Database:
    custody = replace(database.custody, clock=lambda: moment)
    return Database(database.engine, database.display_url, custody)


def test_purge_deletes_the_registry_only_once_its_period_is_over(database: Database) -> None:
    """90 days after the window the registry and plans go; the operation stays; all audited."""
    scenario = builders.scenario()
    scenario = replace(scenario, operation=replace(
        scenario.operation, retention=Retention(registry_days=90, plans_days=30)))
    database.import_scenario(scenario, actor="tester")
    ended = scenario.operation.agreement.window.end
    before = _at(database, datetime.combine(ended + timedelta(days=20), datetime.min.time(),
                                            tzinfo=UTC))
    assert purge(before, actor="admin") == []
    later = _at(database, datetime.combine(ended + timedelta(days=60), datetime.min.time(),
                                           tzinfo=UTC))
    assert purge(later, actor="admin", dry_run=True) == []  # no plan stored: nothing due
    after = _at(database, datetime.combine(ended + timedelta(days=91), datetime.min.time(),
                                           tzinfo=UTC))
    due = purge(after, actor="admin", dry_run=True)
    assert [(p.dataset, p.rows) for p in due] == [("registry", 8)]
    assert after.load_scenario(actor="t", reason="r").persons  # a dry run deletes nothing
    assert [(p.dataset, p.rows) for p in purge(after, actor="admin")] == [("registry", 8)]
    assert after.load_scenario(actor="t", reason="r").persons == ()
    assert [o.operation_id for o in after.operations()] == [scenario.operation.operation_id]
    actions = [r.entry.action for r in audit_records(after)]
    assert "retention.dry_run" in actions and actions[-2] == "retention.purge"
