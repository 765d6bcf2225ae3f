"""The store speaks corridor's error tree, never SQLAlchemy's, and never shows a password."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from corridor.domain import (
    DatabaseNotInitialised,
    DatabaseUnreachable,
    InvalidValue,
    StoreError,
)
from corridor.store import Database
from tests import builders
from tests.pg_cluster import free_port
from tests.test_plan_json import plan as small_plan

UNINITIALISED_CALLS: dict[str, Callable[[Database], Any]] = {
    "require_current": lambda database: database.require_current(),
    "import_scenario": lambda database: database.import_scenario(builders.scenario(),
        actor="tester"),
    "load_scenario": lambda database: database.load_scenario(actor="tester", reason="test"),
    "operations": lambda database: database.operations(),
    "save_plan": lambda database: database.save_plan(small_plan()),
    "load_plan": lambda database: database.load_plan(),
    "plans": lambda database: database.plans(),
}


@pytest.mark.parametrize("call", UNINITIALISED_CALLS.values(), ids=UNINITIALISED_CALLS.keys())
def test_uninitialised_database_asks_for_corridor_init(empty_database: Database,
                                                       call: Callable[[Database], Any]) -> None:
    """Each use of a database with no schema raises DatabaseNotInitialised naming the fix."""
    with pytest.raises(DatabaseNotInitialised, match="run `corridor init`") as raised:
        call(empty_database)
    assert raised.value.code == "database_not_initialised"


def test_database_at_an_older_revision_asks_for_corridor_init(database: Database) -> None:
    """When corridor ships a newer migration, a database at the older one must be upgraded."""
    head = database.head_revision()
    database.downgrade("0001")
    assert head != "0001"
    with pytest.raises(DatabaseNotInitialised,
                       match=f"at schema revision 0001 and this corridor needs {head}: run "
                             "`corridor init` to upgrade it"):
        database.load_scenario(actor="tester", reason="test")


def test_database_at_an_unknown_revision_asks_for_a_newer_corridor(database: Database) -> None:
    """A schema newer than this corridor knows is refused, not misread."""
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match=r"revision 9999.*upgrade corridor"):
        database.operations()


def test_unreachable_postgresql_is_named_without_its_password() -> None:
    """A server that does not answer raises DatabaseUnreachable; the password is not shown."""
    port = free_port()  # nobody listens there
    url = f"postgresql://corridor:s3cret-Pa55@127.0.0.1:{port}/corridor?password=s3cret-Pa55"
    with pytest.raises(DatabaseUnreachable) as raised:
        Database.open(url)
    assert raised.value.code == "database_unreachable"
    assert f"postgresql://corridor@127.0.0.1:{port}/corridor" in raised.value.message
    assert "s3cret" not in raised.value.message
    assert "s3cret" not in repr(raised.value)
    assert raised.value.__cause__ is None


def test_sqlite_file_in_a_folder_that_cannot_be_made_is_unreachable(tmp_path: Path) -> None:
    """When the folder of the file cannot be made, DatabaseUnreachable names the URL."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    url = f"sqlite:///{blocker}/corridor.db"
    with pytest.raises(DatabaseUnreachable, match=f"at {url}"):
        Database.open(url)


def test_file_that_is_not_a_database_is_unreachable(tmp_path: Path) -> None:
    """A file that is not SQLite raises DatabaseUnreachable, not a driver error."""
    path = tmp_path / "corridor.db"
    path.write_bytes(b"this is no SQLite file, just some text long enough to fill a header" * 20)
    with pytest.raises(DatabaseUnreachable, match="not a database"):
        Database.open(f"sqlite:///{path}")


@pytest.mark.parametrize("url", ["mysql://corridor@localhost/corridor", "corridor.db",
                                 "postgresql+psycopg2://corridor@localhost/corridor"])
def test_url_corridor_cannot_use_is_invalid(url: str) -> None:
    """Only SQLite and PostgreSQL through psycopg 3 are accepted, with an example of each."""
    with pytest.raises(InvalidValue, match="postgresql://user@host/database"):
        Database.open(url)


def test_a_person_without_a_household_is_refused_by_the_schema(database: Database) -> None:
    """The foreign key from persons to households holds on both databases."""
    database.import_scenario(builders.scenario(), actor="tester")
    insert = text("INSERT INTO persons (operation_id, person_id, ordinal, household_id, "
                  "name_index, family_index) VALUES ('al-waer-test', 'P9', 5, 'H9', :blob, "
                  ":blob)").bindparams(blob=b"0123456789abcdef")
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"), \
            database.engine.begin() as connection:
        connection.execute(insert)
