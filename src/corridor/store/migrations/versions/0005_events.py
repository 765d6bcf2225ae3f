"""The field event log: append-only, one row an event, unique by (operation, nonce).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the events table."""
    op.create_table(
        "events",
        sa.Column("event_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("household_id", sa.String(64), nullable=True),
        sa.Column("convoy_id", sa.String(64), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_events"),
        sa.UniqueConstraint("operation_id", "nonce", name="uq_events_operation_id_nonce"),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.operation_id"],
                                name="fk_events_operation_id_operations", ondelete="CASCADE"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_operation_id_household_id", "events",
                    ["operation_id", "household_id"])
    op.create_index("ix_events_operation_id_convoy_id", "events", ["operation_id", "convoy_id"])


def downgrade() -> None:
    """Drop the events table."""
    op.drop_index("ix_events_operation_id_convoy_id", table_name="events")
    op.drop_index("ix_events_operation_id_household_id", table_name="events")
    op.drop_table("events")
