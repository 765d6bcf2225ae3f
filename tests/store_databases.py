"""New empty databases of each kind corridor supports, for the store's fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corridor.security.keys import Keyring, new_keyring
from corridor.store.custody import Custody
from tests.pg_cluster import PostgresCluster

TEST_KEYRING: Keyring = new_keyring(os.urandom)
"""One keyring for the whole test session: making keys is cheap, but there is no need."""


def custody_in(folder: Path, keyring: Keyring = TEST_KEYRING) -> Custody:
    """The keys of the tests, with the audit head kept in ``folder``."""
    return Custody(keyring, folder / "audit-head")

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
