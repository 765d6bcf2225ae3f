"""Data protection: the registry sealed at rest, accounts, credentials, and the audit log.

The personal fields of households and persons leave their clear-text columns for one ``sealed``
column of each household, which holds its members too (AES-GCM under a key kept outside the
database, see docs/security.md); persons keep their ids and blind indexes to find them by name.
A migration cannot hold the key, so it cannot seal a registry that is already there: it refuses,
and says how to carry the registry over.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from corridor.domain import StoreError

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

INDEX_BYTES = 16


def _refuse_if_registry() -> None:
    records = op.get_bind().execute(sa.text("SELECT count(*) FROM households")).scalar_one()
    if records:
        raise StoreError(
            f"the database holds a registry ({records} households) whose personal fields are in "
            "clear text; export it with the previous corridor version, run `corridor init` on a "
            "new database and import the folder again (then delete the old database)")


def _registry_tables(sealed: bool) -> None:
    op.create_table(
        "households",
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("assembly_point", sa.Text(), nullable=False),
        *([] if sealed else [sa.Column("destination_preference", sa.Text(), nullable=True)]),
        sa.Column("linked_to", sa.String(64), nullable=True),
        sa.Column("link_kind", sa.String(32), nullable=True),
        *([sa.Column("sealed", sa.LargeBinary(), nullable=False)] if sealed
          else [sa.Column("phone", sa.String(32), nullable=True)]),
        sa.PrimaryKeyConstraint("operation_id", "household_id", name="pk_households"),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.operation_id"],
                                name="fk_households_operation_id_operations", ondelete="CASCADE"),
    )
    personal = (
        [sa.Column("name_index", sa.LargeBinary(INDEX_BYTES), nullable=False),
         sa.Column("family_index", sa.LargeBinary(INDEX_BYTES), nullable=False)]
        if sealed else
        [sa.Column("name", sa.Text(), nullable=False),
         sa.Column("sex", sa.String(32), nullable=False),
         sa.Column("birth_year", sa.Integer(), nullable=True),
         sa.Column("age", sa.Integer(), nullable=True),
         sa.Column("category", sa.String(32), nullable=False),
         sa.Column("intent", sa.String(32), nullable=False),
         sa.Column("vulnerabilities", sa.Text(), nullable=False),
         sa.Column("needs_stretcher", sa.Boolean(), nullable=False),
         sa.Column("luggage_pieces", sa.Integer(), nullable=False)])
    op.create_table(
        "persons",
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        *personal,
        sa.PrimaryKeyConstraint("operation_id", "person_id", name="pk_persons"),
        sa.ForeignKeyConstraint(["operation_id", "household_id"],
                                ["households.operation_id", "households.household_id"],
                                name="fk_persons_operation_id_household_id_households",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_persons_operation_id_household_id", "persons",
                    ["operation_id", "household_id"])


def _drop_registry_tables() -> None:
    op.drop_index("ix_persons_operation_id_household_id", table_name="persons")
    op.drop_table("persons")
    op.drop_table("households")


def upgrade() -> None:
    """Seal the registry's personal fields; add accounts, credentials and the audit log."""
    _refuse_if_registry()
    _drop_registry_tables()
    _registry_tables(sealed=True)
    # Blind indexes are created after a bulk import would be faster, but a search must never
    # scan millions of rows: the indexes are part of the schema.
    op.create_index("ix_persons_operation_id_name_index", "persons",
                    ["operation_id", "name_index"])
    op.create_index("ix_persons_operation_id_family_index", "persons",
                    ["operation_id", "family_index"])
    op.create_table(
        "vault",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_vault"),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
    )
    op.create_table(
        "grants",
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("operation_id", sa.String(64), nullable=False),
        sa.Column("sites", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("user_name", "role", "operation_id", name="pk_grants"),
        sa.ForeignKeyConstraint(["user_name"], ["users.name"],
                                name="fk_grants_user_name_users", ondelete="CASCADE"),
    )
    op.create_table(
        "credentials",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("device", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("digest", name="pk_credentials"),
        sa.ForeignKeyConstraint(["user_name"], ["users.name"],
                                name="fk_credentials_user_name_users", ondelete="CASCADE"),
    )
    op.create_index("ix_credentials_user_name", "credentials", ["user_name"])
    op.create_table(
        "sign_in_failures",
        sa.Column("failure_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("failure_id", name="pk_sign_in_failures"),
    )
    op.create_index("ix_sign_in_failures_user_name_at", "sign_in_failures", ["user_name", "at"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )


def downgrade() -> None:
    """Back to clear-text registry columns (refused while a sealed registry is there)."""
    _refuse_if_registry()
    for table in ("audit_log", "sign_in_failures", "credentials", "grants", "users", "vault"):
        for index in sa.inspect(op.get_bind()).get_indexes(table):
            if index["name"] is not None:
                op.drop_index(index["name"], table_name=table)
        op.drop_table(table)
    op.drop_index("ix_persons_operation_id_name_index", table_name="persons")
    op.drop_index("ix_persons_operation_id_family_index", table_name="persons")
    _drop_registry_tables()
    _registry_tables(sealed=False)
