"""Shares of a list with another party, and the disclosure ledgers of published figures.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the shares and disclosure_ledgers tables."""
    op.create_table(
        "shares",
        sa.Column("share_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("watermark", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("share_id", name="pk_shares"),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.operation_id"],
                                name="fk_shares_operation_id_operations", ondelete="CASCADE"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "disclosure_ledgers",
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("audience", sa.String(32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("operation_id", "audience", name="pk_disclosure_ledgers"),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.operation_id"],
                                name="fk_disclosure_ledgers_operation_id_operations",
                                ondelete="CASCADE"),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("disclosure_ledgers")
    op.drop_table("shares")
