"""Shared fixtures: databases of both kinds, made by the migrations, and a PostgreSQL cluster.

Every test that takes ``database`` runs twice, on a SQLite file and on a real PostgreSQL
database (marked ``postgres``). Without the PostgreSQL server binaries those runs are skipped,
except in CI (``CI=true``), where they fail: CI must prove both databases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from corridor.store import Database
from tests.pg_cluster import PostgresCluster, PostgresUnavailable
from tests.store_databases import DATABASE_KINDS, custody_in, new_database_url

pytest_plugins = ["tests.browser"]
"""The browser tests' fixtures (demo_site, chromium), for every test module."""


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of this test session (of this xdist worker), removed at the end."""
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL tests, but no cluster could be started: "
                        f"{reason}", pytrace=False)
        pytest.skip(f"no PostgreSQL server: {reason}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty database: no schema yet."""
    return new_database_url(request.param, tmp_path, request)


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[Database]:
    """A database with no schema, as a fresh install finds it (the tests' keys in custody)."""
    with Database.open(database_url, custody_in(tmp_path)) as database:
        yield database


@pytest.fixture
def database(empty_database: Database) -> Database:
    """A database whose schema the migrations brought to head."""
    empty_database.upgrade()
    return empty_database
