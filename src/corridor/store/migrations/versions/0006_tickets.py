"""Tickets issued to households and tickets revoked: ids and serials only, no name.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the tickets and ticket_revocations tables."""
    op.create_table(
        "tickets",
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("serial", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("operation_id", "household_id", "serial", name="pk_tickets"),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.operation_id"],
                                name="fk_tickets_operation_id_operations", ondelete="CASCADE"),
    )
    op.create_table(
        "ticket_revocations",
        sa.Column("revocation_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("below", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("revocation_id", name="pk_ticket_revocations"),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.operation_id"],
                                name="fk_ticket_revocations_operation_id_operations",
                                ondelete="CASCADE"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_ticket_revocations_operation_id_household_id", "ticket_revocations",
                    ["operation_id", "household_id"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_ticket_revocations_operation_id_household_id",
                  table_name="ticket_revocations")
    op.drop_table("ticket_revocations")
    op.drop_table("tickets")
