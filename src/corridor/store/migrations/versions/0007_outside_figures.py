"""Figures that others report (a media centre, a news agency), kept beside corridor's own.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the outside_figures table."""
    op.create_table(
        "outside_figures",
        sa.Column("figure_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("combatants", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("figure_id", name="pk_outside_figures"),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.operation_id"],
                                name="fk_outside_figures_operation_id_operations",
                                ondelete="CASCADE"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outside_figures_operation_id_reported_on", "outside_figures",
                    ["operation_id", "reported_on"])


def downgrade() -> None:
    """Drop the outside_figures table."""
    op.drop_index("ix_outside_figures_operation_id_reported_on", table_name="outside_figures")
    op.drop_table("outside_figures")
