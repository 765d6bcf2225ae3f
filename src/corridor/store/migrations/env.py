"""Alembic's entry point for corridor: runs the migrations on the connection it is handed.

corridor configures Alembic in code (see :mod:`corridor.store.schema`), with no ``alembic.ini``:
the caller opens a connection inside a transaction and passes it as
``config.attributes["connection"]``, so that a failed migration leaves nothing behind (SQLite and
PostgreSQL both have transactional DDL).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from corridor.store.tables import metadata


def run_migrations(connection: Connection) -> None:
    """Run the migrations Alembic was asked for on ``connection``."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters a table by copying it; batch mode lets later migrations do so.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


_connection = context.config.attributes.get("connection")
if context.is_offline_mode() or not isinstance(_connection, Connection):
    raise RuntimeError("corridor's migrations run through corridor.store.Database (for example "
                       "`corridor init`), which hands them an open connection")
run_migrations(_connection)
