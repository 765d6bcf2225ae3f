"""Writing millions of rows inside the caller's transaction, as fast as each database allows.

SQLite gets one prepared ``INSERT`` run by the driver's ``executemany`` over each batch of tuples
(through :meth:`sqlalchemy.engine.Connection.exec_driver_sql`, which hands the tuples to the driver
as they are). PostgreSQL gets ``COPY ... FROM STDIN`` on the same connection, several times faster
than any ``INSERT``; being the same connection, it is in the same transaction, so a failure rolls
back everything the import wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

Rows = list[tuple[Any, ...]]

_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def insert_rows(connection: Connection, table: Table, columns: Sequence[str],
                batches: Iterable[Rows], written: Callable[[int], None]) -> None:
    """Write every batch of rows (tuples in the order of ``columns``) into ``table``.

    ``written`` is called with the number of rows of each batch once it has been sent.
    """
    if connection.dialect.name == "postgresql":
        _copy(connection, table, columns, batches, written)
    else:
        _executemany(connection, table, columns, batches, written)


DEFERRED_INDEX_ROWS = 50_000
"""From how many rows on an import into SQLite builds its random-key indexes afterwards."""


@contextmanager
def indexes_deferred(connection: Connection, table: Table, names: Sequence[str],
                     rows: int) -> Iterator[None]:
    """Inside the caller's transaction: drop ``names`` of ``table``, and make them again after.

    A blind index's keys are random, so inserting millions of rows into it one by one touches a
    different page each time (several times slower than the rows themselves); building it once
    the rows are in sorts them instead. Only for SQLite and large imports: SQLite's DDL is part
    of the transaction and its readers keep their snapshot, while on PostgreSQL dropping an index
    would lock the table against readers for the whole import.
    """
    if connection.dialect.name != "sqlite" or rows < DEFERRED_INDEX_ROWS:
        yield
        return
    definitions = [index for index in table.indexes if index.name in names]
    for index in definitions:
        connection.exec_driver_sql(f"DROP INDEX {index.name}")
    yield
    for index in definitions:
        columns = ", ".join(column.name for column in index.columns)
        connection.exec_driver_sql(f"CREATE INDEX {index.name} ON {table.name} ({columns})")


def _column_list(connection: Connection, table: Table, columns: Sequence[str]) -> str:
    quote = connection.dialect.identifier_preparer.quote
    return f"{quote(table.name)} ({', '.join(quote(name) for name in columns)})"


def _executemany(connection: Connection, table: Table, columns: Sequence[str],
                 batches: Iterable[Rows], written: Callable[[int], None]) -> None:
    placeholder = _PLACEHOLDERS[connection.dialect.paramstyle]
    statement = (f"INSERT INTO {_column_list(connection, table, columns)} "
                 f"VALUES ({', '.join([placeholder] * len(columns))})")
    for batch in batches:
        if batch:
            connection.exec_driver_sql(statement, batch)
            written(len(batch))


def _copy(connection: Connection, table: Table, columns: Sequence[str],
          batches: Iterable[Rows], written: Callable[[int], None]) -> None:
    statement = f"COPY {_column_list(connection, table, columns)} FROM STDIN"
    driver_connection: Any = connection.connection.driver_connection
    with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for batch in batches:
            for row in batch:
                copy.write_row(row)
            written(len(batch))
