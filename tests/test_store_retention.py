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


def test_the_registry_goes_with_its_field_events_and_tickets(database: Database) -> None:
    """What is keyed by the registry's households is purged with it: events and tickets."""
    from sqlalchemy import func, select

    from corridor.store.events import StoreEventLog
    from corridor.store.tables import events, tickets
    from corridor.store.tickets import current_tickets
    from corridor.tracking import Roster, check_in
    from tests.test_tracking_fixtures import OPENING, crossing, crossing_plan, phone

    scenario = crossing()
    scenario = replace(scenario, operation=replace(
        scenario.operation, retention=Retention(registry_days=90, plans_days=30)))
    database.import_scenario(scenario, actor="tester")
    database.save_plan(crossing_plan())
    log = StoreEventLog(database)
    check_in(log, phone(Roster(scenario, crossing_plan())), "H1", "C1", nonce="n1",
             device_time=OPENING)
    current_tickets(database, scenario.operation.operation_id, ["H1", "H3"], actor="tester",
                    issued_at=datetime(2017, 3, 1, tzinfo=UTC))

    def rows(table: object) -> int:
        with database.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

    assert rows(events) == 1 and rows(tickets) == 2
    ended = scenario.operation.agreement.window.end
    after = _at(database, datetime.combine(ended + timedelta(days=91), datetime.min.time(),
                                           tzinfo=UTC))
    purged = {p.dataset: p.rows for p in purge(after, actor="admin")}
    assert purged["registry"] == len(scenario.persons) + len(scenario.households) + 3
    assert rows(events) == 0 and rows(tickets) == 0
