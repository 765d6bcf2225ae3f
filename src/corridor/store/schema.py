"""Alembic, configured in code: which revision is head, which one a database is at, and moving it.

The migrations live in the package (``corridor/store/migrations``), so they ship with corridor and
no ``alembic.ini`` is needed at run time. Every function here takes a connection that is already
inside a transaction: a migration that fails leaves the schema as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from corridor.domain import InvalidValue

MIGRATIONS = Path(__file__).parent / "migrations"
"""The folder of the Alembic environment (``env.py``) and its ``versions``."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for corridor's migrations, running on ``connection`` if given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The revision this version of corridor needs."""
    head = _scripts().get_current_head()
    assert head is not None  # the package always ships at least one migration
    return head


def known_revisions() -> set[str]:
    """Every revision this version of corridor knows."""
    return {script.revision for script in _scripts().walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None when it has no corridor schema."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    _run(command.upgrade, connection, revision)


def downgrade(connection: Connection, revision: str) -> None:
    """Migrate the database down to ``revision`` (``"base"`` removes every table)."""
    _run(command.downgrade, connection, revision)


def _run(step: Callable[[Config, str], None], connection: Connection, revision: str) -> None:
    try:
        step(alembic_config(connection), revision)
    except CommandError as error:
        raise InvalidValue(f"cannot migrate to revision {revision!r}: {error}; the revisions "
                           f"are {', '.join(sorted(known_revisions()))}, head and base",
                           "revision") from error
