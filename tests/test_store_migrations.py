"""The schema is made by the migrations alone, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from corridor.store import Database
from corridor.store.tables import metadata

REGISTRY_TABLES = {"operations", "households", "persons"}
PROTECTION_TABLES = {"vault", "users", "grants", "credentials", "sign_in_failures", "audit_log"}
TABLES_AT = {"0001": REGISTRY_TABLES, "0002": REGISTRY_TABLES | {"plans"},
             "0003": REGISTRY_TABLES | {"plans"} | PROTECTION_TABLES,
             "0004": REGISTRY_TABLES | {"plans"} | PROTECTION_TABLES
             | {"shares", "disclosure_ledgers"},
             "0005": REGISTRY_TABLES | {"plans"} | PROTECTION_TABLES
             | {"shares", "disclosure_ledgers", "events"},
             "0006": REGISTRY_TABLES | {"plans"} | PROTECTION_TABLES
             | {"shares", "disclosure_ledgers", "events", "tickets", "ticket_revocations"},
             "0007": REGISTRY_TABLES | {"plans"} | PROTECTION_TABLES
             | {"shares", "disclosure_ledgers", "events", "tickets", "ticket_revocations",
                "outside_figures"}}
"""The corridor tables at each revision, oldest first; a new migration adds its line here."""
HEAD = list(TABLES_AT)[-1]


def _tables(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names()) - {"alembic_version"}


def test_new_database_has_no_schema(empty_database: Database) -> None:
    """A database nobody initialised has no revision and no corridor tables."""
    assert empty_database.current_revision() is None
    assert _tables(empty_database) == set()


def test_migrations_make_exactly_the_tables_of_the_code(database: Database) -> None:
    """At head, Alembic finds no difference between the database and tables.py."""
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []
    assert _tables(database) == TABLES_AT[HEAD]


def test_migrations_go_down_to_nothing_and_up_again(database: Database) -> None:
    """Upgrade, downgrade to base and upgrade again each leave the schema they promise."""
    assert database.current_revision() == database.head_revision() == HEAD
    database.downgrade("base")
    assert database.current_revision() is None
    assert _tables(database) == set()
    database.upgrade()
    assert database.current_revision() == HEAD
    assert _tables(database) == TABLES_AT[HEAD]


def test_each_revision_goes_down_and_up_one_step_at_a_time(database: Database) -> None:
    """Every migration's downgrade undoes exactly its upgrade, step by step, down and up."""
    revisions = list(TABLES_AT)
    for newer, older in zip(revisions[::-1], [*revisions[-2::-1], None], strict=True):
        database.downgrade(older or "base")
        assert database.current_revision() == older
        assert _tables(database) == (TABLES_AT[older] if older else set()), newer
    for revision in revisions:
        database.upgrade(revision)
        assert database.current_revision() == revision
        assert _tables(database) == TABLES_AT[revision]


def test_upgrading_twice_changes_nothing(database: Database) -> None:
    """`corridor init` may be run again on a database that is up to date."""
    database.upgrade()
    assert database.current_revision() == database.head_revision()
    assert _tables(database) == TABLES_AT[HEAD]
