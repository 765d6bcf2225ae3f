"""The registry: operations, households and persons.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the operations, households and persons tables."""
    op.create_table(
        "operations",
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("agreement_version", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("operation_id", name="pk_operations"),
    )
    op.create_table(
        "households",
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("assembly_point", sa.Text(), nullable=False),
        sa.Column("destination_preference", sa.Text(), nullable=True),
        sa.Column("linked_to", sa.String(64), nullable=True),
        sa.Column("link_kind", sa.String(32), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("operation_id", "household_id", name="pk_households"),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.operation_id"],
                                name="fk_households_operation_id_operations", ondelete="CASCADE"),
    )
    op.create_table(
        "persons",
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sex", sa.String(32), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("intent", sa.String(32), nullable=False),
        sa.Column("vulnerabilities", sa.Text(), nullable=False),
        sa.Column("needs_stretcher", sa.Boolean(), nullable=False),
        sa.Column("luggage_pieces", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("operation_id", "person_id", name="pk_persons"),
        sa.ForeignKeyConstraint(["operation_id", "household_id"],
                                ["households.operation_id", "households.household_id"],
                                name="fk_persons_operation_id_household_id_households",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_persons_operation_id_household_id", "persons",
                    ["operation_id", "household_id"])


def downgrade() -> None:
    """Drop the registry tables, children first."""
    op.drop_index("ix_persons_operation_id_household_id", table_name="persons")
    op.drop_table("persons")
    op.drop_table("households")
    op.drop_table("operations")
