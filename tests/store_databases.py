"""New empty databases of each kind corridor supports, for the store's fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pg_cluster import PostgresCluster

DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""The parameters of a fixture that runs its tests once on each kind of database."""


def new_database_url(kind: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """The URL of a new, empty database of ``kind`` (a file in ``folder`` for SQLite).

    PostgreSQL databases are made in the session's cluster (the ``postgres_cluster`` fixture).
    """
    if kind == "sqlite":
        return f"sqlite:///{folder / 'corridor.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database()
