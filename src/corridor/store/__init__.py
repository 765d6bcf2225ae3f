"""The store: corridor's database (SQLite or PostgreSQL), its schema and its migrations.

Open a database with :meth:`Database.open`, make its schema with :meth:`Database.upgrade`, then
import and load scenarios, and save and load their plans. The tables are in
:mod:`corridor.store.tables`; the Alembic migrations that make them are in
``corridor/store/migrations``.
"""

from corridor.store.database import (
    BATCH_SIZE,
    Database,
    OperationSummary,
    PlanSummary,
    Progress,
    no_progress,
)

__all__ = ["BATCH_SIZE", "Database", "OperationSummary", "PlanSummary", "Progress", "no_progress"]
