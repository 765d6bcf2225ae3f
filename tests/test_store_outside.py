"""Outside figures in the store: recorded with who and when, audited, listed by date."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.domain import NotFound
from corridor.domain.events import Stage
from corridor.reports.outside import OutsideFigure
from corridor.store import Database
from corridor.store.outside import add_outside_figure, outside_figures_of
from corridor.store.protection import audit_records
from tests import builders


@pytest.fixture
def operation(database: Database) -> str:
    """The builders' operation, stored."""
    scenario = builders.scenario()
    database.import_scenario(scenario, actor="tester")
    return scenario.operation.operation_id


def test_a_figure_is_kept_as_claimed_audited_and_listed_oldest_first(
        database: Database, operation: str) -> None:
    """Two claims come back as recorded, by date, with ids and who recorded them; each
    recording is in the audit log."""
    later = OutsideFigure("SANA", date(2017, 3, 20), Stage.ARRIVED, 1750, note="1,750 arrived",
                          url="https://example.org/sana/1")
    earlier = OutsideFigure("Homs media centre", date(2017, 3, 19), Stage.DEPARTED, 2000, 400,
                            "2,000 residents including 400 fighters")
    second = add_outside_figure(database, operation, later, actor="samir")
    first = add_outside_figure(database, operation, earlier, actor="huda")
    assert first > second
    stored = outside_figures_of(database, operation)
    assert [(f.source, f.people, f.combatants, f.stage, f.url, f.recorded_by)
            for f in stored] == [
        ("Homs media centre", 2000, 400, Stage.DEPARTED, None, "huda"),
        ("SANA", 1750, None, Stage.ARRIVED, "https://example.org/sana/1", "samir")]
    assert stored[0].figure_id == first and stored[0].reported_on == date(2017, 3, 19)
    assert [f.source for f in outside_figures_of(database, operation,
                                                 until=date(2017, 3, 19))] == [
        "Homs media centre"]
    records = [r.entry for r in audit_records(database) if r.entry.action == "outside.record"]
    assert [r.actor for r in records] == ["samir", "huda"]
    assert "2,000 people, 400 fighters departed up to 2017-03-19" in records[1].reason


def test_a_figure_for_an_unknown_operation_is_refused_and_nothing_kept(
        database: Database, operation: str) -> None:
    """Not found, and the operation that exists still has no figure."""
    figure = OutsideFigure("SANA", date(2017, 3, 20), Stage.ARRIVED, 10)
    with pytest.raises(NotFound, match="no operation elsewhere"):
        add_outside_figure(database, "elsewhere", figure, actor="samir")
    assert outside_figures_of(database, operation) == []
