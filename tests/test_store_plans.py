"""Plans go into the database whole and come back equal, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select, update

from corridor.domain import InvalidValue, NotFound, Plan, StoreError
from corridor.interop.plan_json import plan_to_json
from corridor.store import Database, PlanSummary
from corridor.store.tables import households, operations, persons, plans
from tests import builders
from tests.test_plan_json import plan as small_plan

MORNING = datetime(2017, 3, 17, 9, 0, tzinfo=UTC)


@pytest.fixture
def operation(database: Database) -> Database:
    """A database at head holding the builders' operation (al-waer-test) and its registry."""
    database.import_scenario(builders.scenario(), actor="tester")
    return database


def _other_operation() -> str:
    return "zabadani"


def _import_other(database: Database) -> None:
    original = builders.scenario()
    database.import_scenario(replace(original, operation=replace(
        original.operation, operation_id=_other_operation(), name="Zabadani test operation")),
            actor="tester")


def _plan_count(database: Database) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(plans)).scalar_one())


def test_plan_comes_back_equal(operation: Database) -> None:
    """Every convoy, trip and manifest line survives; by id, by operation or as the only one."""
    plan = small_plan()
    plan_id = operation.save_plan(plan)
    assert operation.load_plan(plan_id=plan_id) == plan
    assert operation.load_plan("al-waer-test") == plan
    assert operation.load_plan() == plan
    assert operation.load_plan("al-waer-test", plan_id) == plan


def test_the_stored_document_is_the_plan_json_text(operation: Database) -> None:
    """The document column holds plan.json exactly, readable without corridor."""
    plan_id = operation.save_plan(small_plan())
    with operation.engine.connect() as connection:
        document = connection.execute(
            select(plans.c.document).where(plans.c.plan_id == plan_id)).scalar_one()
    assert document == plan_to_json(small_plan())


def test_the_newest_plan_is_loaded_by_default(operation: Database) -> None:
    """The plan created last wins; an older one is still there by its id."""
    first = operation.save_plan(small_plan(), created_at=MORNING)
    later = replace(small_plan(), seed=8)
    second = operation.save_plan(later, created_at=MORNING + timedelta(hours=1))
    operation.save_plan(replace(small_plan(), seed=9), created_at=MORNING - timedelta(days=1))
    assert first < second
    assert operation.load_plan() == later
    assert operation.load_plan(plan_id=first) == small_plan()


def test_plans_made_at_the_same_moment_are_told_apart_by_id(operation: Database) -> None:
    """With equal created_at, the plan saved last is the newest."""
    operation.save_plan(small_plan(), created_at=MORNING)
    operation.save_plan(replace(small_plan(), seed=8), created_at=MORNING)
    assert operation.load_plan().seed == 8


def test_plans_lists_each_plan_with_its_figures(operation: Database) -> None:
    """A summary gives id, operation, creation time in UTC, days, trips, people and the seed."""
    damascus = timezone(timedelta(hours=3))
    plan_id = operation.save_plan(small_plan(),
                                  created_at=datetime(2017, 3, 17, 12, 0, tzinfo=damascus))
    assert operation.plans() == [PlanSummary(
        plan_id=plan_id, operation_id="al-waer-test", created_at=MORNING, days=3, trips=4,
        people=4, proven_optimal_days=True, seed=7)]


def test_plans_of_one_operation_or_of_all(operation: Database) -> None:
    """plans(operation) lists that operation's plans; plans() lists every plan, by operation."""
    _import_other(operation)
    waer = operation.save_plan(small_plan(), created_at=MORNING)
    other = replace(small_plan(), operation_id=_other_operation())
    zabadani_late = operation.save_plan(other, created_at=MORNING + timedelta(hours=2))
    zabadani_early = operation.save_plan(other, created_at=MORNING)
    assert [summary.plan_id for summary in operation.plans(_other_operation())] == [
        zabadani_early, zabadani_late]
    assert [summary.plan_id for summary in operation.plans()] == [
        waer, zabadani_early, zabadani_late]
    assert operation.load_plan(_other_operation()) == other


def test_an_operation_without_plans_lists_none(operation: Database) -> None:
    """No plan yet is an empty list, not an error."""
    assert operation.plans() == []
    assert operation.plans("al-waer-test") == []


def test_a_plan_of_an_unknown_operation_is_not_saved(operation: Database) -> None:
    """Saving needs the operation in the database; nothing is written otherwise."""
    with pytest.raises(NotFound, match="there is no operation zabadani in the database: import "
                                       "its scenario"):
        operation.save_plan(replace(small_plan(), operation_id=_other_operation()))
    assert _plan_count(operation) == 0


def test_loading_before_any_plan_says_to_run_corridor_plan(operation: Database) -> None:
    """An operation with no plan yet raises NotFound with one plain sentence naming the fix."""
    with pytest.raises(NotFound) as raised:
        operation.load_plan()
    assert raised.value.message == "operation al-waer-test has no plan yet: run `corridor plan`"


def test_unknown_plans_and_operations_are_not_found(operation: Database) -> None:
    """An unknown plan id, a plan of another operation, an unknown operation: NotFound."""
    plan_id = operation.save_plan(small_plan())
    _import_other(operation)
    with pytest.raises(NotFound, match=f"there is no plan {plan_id + 1} in the database"):
        operation.load_plan(plan_id=plan_id + 1)
    with pytest.raises(NotFound, match=f"there is no plan {plan_id} of operation zabadani"):
        operation.load_plan(_other_operation(), plan_id)
    with pytest.raises(NotFound, match="there is no operation homs"):
        operation.load_plan("homs")
    with pytest.raises(NotFound, match="there is no operation homs"):
        operation.plans("homs")


def test_several_operations_ask_which_plan_to_load(operation: Database) -> None:
    """With no operation named, a database of several operations names them."""
    _import_other(operation)
    with pytest.raises(NotFound, match="several operations; choose one of: al-waer-test, "
                                       "zabadani"):
        operation.load_plan()


def test_replacing_an_operation_deletes_its_plans(operation: Database) -> None:
    """Import --replace removes the plans of the old registry; other operations keep theirs."""
    _import_other(operation)
    operation.save_plan(small_plan())
    kept = operation.save_plan(replace(small_plan(), operation_id=_other_operation()))
    operation.import_scenario(builders.scenario(), replace=True, actor="tester")
    assert [summary.plan_id for summary in operation.plans()] == [kept]
    with pytest.raises(NotFound, match="no plan yet"):
        operation.load_plan("al-waer-test")


def test_deleting_an_operation_cascades_to_its_plans(operation: Database) -> None:
    """The foreign key itself deletes the plans with their operation, on both databases."""
    operation.save_plan(small_plan())
    with operation.engine.begin() as connection:
        for table in (persons, households, operations):
            connection.execute(delete(table))
    assert _plan_count(operation) == 0


def test_plan_ids_are_never_reused(operation: Database) -> None:
    """After the newest plan is deleted, the next plan still gets a new id."""
    first = operation.save_plan(small_plan())
    newest = operation.save_plan(small_plan())
    with operation.engine.begin() as connection:
        connection.execute(delete(plans).where(plans.c.plan_id == newest))
    assert operation.save_plan(small_plan()) > newest > first


def test_created_at_needs_a_time_zone(operation: Database) -> None:
    """A naive creation time is refused before anything is written."""
    with pytest.raises(InvalidValue, match="created_at needs a time zone"):
        operation.save_plan(small_plan(), created_at=datetime(2017, 3, 17, 9))
    assert _plan_count(operation) == 0


def test_a_seed_beyond_64_bits_is_refused(operation: Database) -> None:
    """The seed column is a signed 64-bit integer; a larger seed is an InvalidValue."""
    operation.save_plan(replace(small_plan(), seed=2**63 - 1))
    with pytest.raises(InvalidValue, match="seed"):
        operation.save_plan(replace(small_plan(), seed=2**63))
    assert [summary.seed for summary in operation.plans()] == [2**63 - 1]


def test_a_stored_document_that_cannot_be_read_is_a_store_error(operation: Database) -> None:
    """A document spoiled in the database is reported with its plan and JSON path."""
    plan_id = operation.save_plan(small_plan())
    with operation.engine.begin() as connection:
        document = plan_to_json(small_plan()).replace('"vehicle_id": "BUS-02", ', "")
        connection.execute(update(plans).values(document=document))
    with pytest.raises(StoreError, match=rf"plan {plan_id} of operation al-waer-test in the "
                                         r"database at .*convoys\[1\]\.trips\[0\]\.vehicle_id: "
                                         "is missing"):
        operation.load_plan()


def test_migrating_below_the_sealed_registry_is_refused_while_it_holds_records(
        operation: Database) -> None:
    """0003 sealed the registry; going back down would need the key, so it refuses, whole."""
    operation.save_plan(small_plan())
    with pytest.raises(StoreError, match="clear text"):
        operation.downgrade("0002")
    assert operation.current_revision() == operation.head_revision()
    assert operation.load_scenario(actor="tester", reason="test") == builders.scenario()
    assert len(operation.plans()) == 1


def test_migrating_down_and_up_again_drops_and_remakes_the_plans_table(
        database: Database) -> None:
    """Down to 0001 and up again on an empty registry: every table comes back, plans empty."""
    database.downgrade("0001")
    assert database.current_revision() == "0001"
    database.upgrade()
    assert database.current_revision() == database.head_revision()
    assert database.plans() == []


def test_a_large_plan_is_stored_whole(operation: Database) -> None:
    """Some thousands of manifest lines go in and come back in one piece."""
    plan: Plan = small_plan()
    first = plan.convoys[0]
    bus = first.trips[0]
    many = replace(bus, lines=tuple(replace(bus.lines[0], household_id=f"H{number}")
                                    for number in range(5_000)))
    large = replace(plan, convoys=(replace(first, trips=(many, *first.trips[1:])),
                                   *plan.convoys[1:]))
    operation.save_plan(large)
    assert operation.load_plan() == large
    assert operation.plans()[0].people == large.people == 5_003
