"""Plans: each plan of an operation as its plan.json document.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the plans table."""
    op.create_table(
        "plans",
        sa.Column("plan_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("trips", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("proven_optimal_days", sa.Boolean(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name="pk_plans"),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.operation_id"],
                                name="fk_plans_operation_id_operations", ondelete="CASCADE"),
        # Plan ids are never reused on SQLite either, not even the newest after a delete.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_plans_operation_id_created_at", "plans", ["operation_id", "created_at"])


def downgrade() -> None:
    """Drop the plans table; the registry stays as it was."""
    op.drop_index("ix_plans_operation_id_created_at", table_name="plans")
    op.drop_table("plans")
