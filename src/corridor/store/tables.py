"""The tables of the corridor database, as typed SQLAlchemy 2 declarations.

These classes describe the schema; they never make it. The Alembic migrations in
``corridor/store/migrations/versions`` are the only way the schema is made, and a test proves that
the migrations at head give exactly this metadata on SQLite and on PostgreSQL. A change here
therefore always comes with a new migration.

Enumerations are stored as their string values (``"female"``, ``"leave"``...) so that the database
reads well without corridor. ``ordinal`` keeps the order of the registry (0, 1, 2... within an
operation): a scenario read back is then equal to the one written, record for record. Rows are
read back in whatever order the database likes and put in place by their ordinal, so the ordinal
needs no index of its own (an index would cost seconds on every import of millions of persons).

A plan is kept whole, as the text of its ``plan.json`` (:mod:`corridor.interop.plan_json`): it
is written and read as one piece, and the columns beside it are only the figures a list of plans
shows, so that listing plans never reads their documents.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints let later migrations alter them by name, SQLite batch mode included.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 64
"""The longest id the domain accepts (operation, household, person)."""

CODE_LENGTH = 32
"""Room for the string value of an enumeration."""


class Base(DeclarativeBase):
    """The declarative base of every corridor table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OperationRow(Base):
    """One operation; everything but the registry is kept as the text of its ``operation.toml``."""

    __tablename__ = "operations"

    operation_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    agreement_version: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HouseholdRow(Base):
    """One household of an operation's registry."""

    __tablename__ = "households"

    operation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("operations.operation_id", ondelete="CASCADE"),
        primary_key=True)
    household_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    assembly_point: Mapped[str] = mapped_column(Text)
    destination_preference: Mapped[str | None] = mapped_column(Text)
    linked_to: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    link_kind: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    phone: Mapped[str | None] = mapped_column(String(CODE_LENGTH))


class PersonRow(Base):
    """One person of an operation's registry; ``vulnerabilities`` are codes sorted, ';'-joined."""

    __tablename__ = "persons"

    operation_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    name: Mapped[str] = mapped_column(Text)
    sex: Mapped[str] = mapped_column(String(CODE_LENGTH))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    age: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(CODE_LENGTH))
    intent: Mapped[str] = mapped_column(String(CODE_LENGTH))
    vulnerabilities: Mapped[str] = mapped_column(Text)
    needs_stretcher: Mapped[bool] = mapped_column(Boolean)
    luggage_pieces: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        ForeignKeyConstraint(["operation_id", "household_id"],
                             ["households.operation_id", "households.household_id"],
                             ondelete="CASCADE"),
        Index(None, "operation_id", "household_id"),
    )


class PlanRow(Base):
    """One plan of an operation: its ``plan.json`` document, with the figures a list shows.

    ``plan_id`` is never reused, not even after the newest plan is deleted (``AUTOINCREMENT`` on
    SQLite), so that an id once shown always means the same plan. Replacing an operation deletes
    its plans: they name households of a registry that is gone.
    """

    __tablename__ = "plans"

    plan_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    operation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("operations.operation_id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seed: Mapped[int] = mapped_column(BigInteger)
    days: Mapped[int] = mapped_column(Integer)
    trips: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    proven_optimal_days: Mapped[bool] = mapped_column(Boolean)
    document: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        # Finds the newest plan of an operation, and its plans when the operation is deleted.
        Index(None, "operation_id", "created_at"),
        {"sqlite_autoincrement": True},
    )


metadata = Base.metadata
"""The metadata of every table; the migrations at head must match it exactly."""

operations: Table = metadata.tables["operations"]
households: Table = metadata.tables["households"]
persons: Table = metadata.tables["persons"]
plans: Table = metadata.tables["plans"]
