"""Scenarios go into the database whole and come back equal, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from corridor.domain import AlreadyExists, NotFound, Scenario
from corridor.store import Database, OperationSummary
from corridor.store.tables import households, operations, persons
from tests import builders


class ProgressStopped(Exception):
    """Raised by a progress callback to break an import half-way."""


def _row_counts(database: Database) -> tuple[int, int, int]:
    with database.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (operations, households, persons))


def _smaller_scenario() -> Scenario:
    """The builders' scenario without its third household, with another agreement version."""
    original = builders.scenario()
    operation = replace(original.operation,
                        agreement=replace(original.operation.agreement, version="2017-04-01"))
    return Scenario(operation, original.households[:2],
                    tuple(p for p in original.persons if p.household_id != "H3"))


def _other_operation() -> Scenario:
    original = builders.scenario()
    return replace(original, operation=replace(original.operation, operation_id="zabadani",
                                               name="Zabadani test operation"))


def test_scenario_comes_back_equal(database: Database) -> None:
    """Every field of the operation, households and persons survives, in registry order."""
    scenario = builders.scenario()
    database.import_scenario(scenario, actor="tester")
    assert database.load_scenario("al-waer-test", actor="tester", reason="test") == scenario
    assert database.load_scenario(actor="tester", reason="test") == scenario


def test_registry_order_is_kept_even_when_ids_do_not_sort(database: Database) -> None:
    """Records come back in the order they were imported, not in the order of their ids."""
    original = builders.scenario()
    shuffled = Scenario(original.operation, original.households[::-1], original.persons[::-1])
    database.import_scenario(shuffled, actor="tester")
    assert database.load_scenario(actor="tester", reason="test") == shuffled


def test_operations_lists_each_operation_with_the_size_of_its_registry(
        database: Database) -> None:
    """The summary counts households and persons per operation, sorted by id."""
    imported_at = datetime(2017, 3, 18, 6, 30, tzinfo=UTC)
    database.import_scenario(_other_operation(), imported_at=imported_at, actor="tester")
    database.import_scenario(_smaller_scenario(), imported_at=imported_at, actor="tester")
    assert database.operations() == [
        OperationSummary("al-waer-test", "al-Waer test operation", "2017-04-01", 2, 4,
                         imported_at),
        OperationSummary("zabadani", "Zabadani test operation", "2017-03-13", 3, 5, imported_at),
    ]


def test_import_time_is_kept_as_the_same_instant_in_utc(database: Database) -> None:
    """A time in Damascus time is stored and given back as the same instant, in UTC."""
    damascus = timezone(timedelta(hours=3))
    database.import_scenario(builders.scenario(),
                             imported_at=datetime(2017, 3, 18, 9, 0, tzinfo=damascus),
                                 actor="tester")
    [summary] = database.operations()
    assert summary.imported_at == datetime(2017, 3, 18, 6, 0, tzinfo=UTC)
    assert summary.imported_at.tzinfo == UTC


def test_empty_database_lists_no_operations(database: Database) -> None:
    """An initialised database with nothing imported has an empty list of operations."""
    assert database.operations() == []


def test_importing_an_operation_twice_is_refused_with_the_way_out(database: Database) -> None:
    """The second import raises AlreadyExists naming --replace, and changes nothing."""
    database.import_scenario(builders.scenario(), actor="tester")
    with pytest.raises(AlreadyExists, match="--replace") as raised:
        database.import_scenario(_smaller_scenario(), actor="tester")
    assert raised.value.code == "already_exists"
    assert database.load_scenario(actor="tester", reason="test") == builders.scenario()


def test_replace_swaps_the_operation_and_its_whole_registry(database: Database) -> None:
    """With replace the new registry replaces the old one entirely; no old row is left."""
    database.import_scenario(builders.scenario(), actor="tester")
    database.import_scenario(_smaller_scenario(), replace=True, actor="tester")
    assert database.load_scenario(actor="tester", reason="test") == _smaller_scenario()
    assert _row_counts(database) == (1, 2, 4)


def test_replace_leaves_other_operations_alone(database: Database) -> None:
    """Replacing one operation does not touch the registry of another."""
    database.import_scenario(_other_operation(), actor="tester")
    database.import_scenario(builders.scenario(), actor="tester")
    database.import_scenario(_smaller_scenario(), replace=True, actor="tester")
    assert database.load_scenario("zabadani", actor="tester", reason="test") == _other_operation()


def test_failed_import_writes_nothing(database: Database,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure half-way through the persons leaves the database as it was: empty."""
    monkeypatch.setattr("corridor.store.database.BATCH_SIZE", 2)
    calls: list[tuple[int, int]] = []

    def fail_in_the_persons(done: int, total: int) -> None:
        calls.append((done, total))
        if done >= 5:  # the 3 households and the first batch of persons are written by now
            raise ProgressStopped

    with pytest.raises(ProgressStopped):
        database.import_scenario(builders.scenario(), progress=fail_in_the_persons, actor="tester")
    assert calls[-1] == (5, 8)
    assert _row_counts(database) == (0, 0, 0)
    assert database.operations() == []


def test_failed_replace_keeps_the_old_registry(database: Database,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A replace that fails half-way keeps the operation that was there before, whole."""
    monkeypatch.setattr("corridor.store.database.BATCH_SIZE", 1)
    database.import_scenario(builders.scenario(), actor="tester")

    def fail_late(done: int, total: int) -> None:
        if done == total - 1:
            raise ProgressStopped

    with pytest.raises(ProgressStopped):
        database.import_scenario(_smaller_scenario(), replace=True, progress=fail_late,
            actor="tester")
    assert database.load_scenario(actor="tester", reason="test") == builders.scenario()
    assert _row_counts(database) == (1, 3, 5)


def test_progress_counts_every_record_up_to_the_total(database: Database,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Import and load report (done, total) in batches, rising to (total, total)."""
    monkeypatch.setattr("corridor.store.database.BATCH_SIZE", 2)
    written: list[tuple[int, int]] = []
    read: list[tuple[int, int]] = []
    database.import_scenario(builders.scenario(),
                             progress=lambda done, total: written.append((done, total)),
                                 actor="tester")
    database.load_scenario(progress=lambda done, total: read.append((done, total)),
        actor="tester", reason="test")
    # 3 households in batches of 2, then 5 persons in batches of 2.
    assert written == [(0, 8), (2, 8), (3, 8), (5, 8), (7, 8), (8, 8)]
    assert read[0] == (0, 8)
    assert read[-1] == (8, 8)
    assert [done for done, _ in read] == sorted(done for done, _ in read)


def test_loading_with_no_operation_is_not_found(database: Database) -> None:
    """With nothing imported, loading says there is no operation yet."""
    with pytest.raises(NotFound, match="no operation yet"):
        database.load_scenario(actor="tester", reason="test")


def test_loading_an_unknown_operation_names_the_known_ones(database: Database) -> None:
    """An unknown id raises NotFound naming the operations there are."""
    database.import_scenario(builders.scenario(), actor="tester")
    with pytest.raises(NotFound,
                       match="no operation homs in the database; the operations are: al-waer-test"):
        database.load_scenario("homs", actor="tester", reason="test")


def test_loading_without_an_id_needs_a_choice_among_several(database: Database) -> None:
    """With two operations and no id, NotFound names both to choose from."""
    database.import_scenario(builders.scenario(), actor="tester")
    database.import_scenario(_other_operation(), actor="tester")
    with pytest.raises(NotFound, match="choose one of: al-waer-test, zabadani"):
        database.load_scenario(actor="tester", reason="test")
    assert database.load_scenario("zabadani", actor="tester", reason="test") == _other_operation()
