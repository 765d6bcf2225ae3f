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

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
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

INDEX_BYTES = 16
"""The length of a blind index (:meth:`corridor.security.sealing.Sealer.blind_index`)."""


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
    """One household of an operation's registry; ``sealed`` holds its and its members' personal
    fields."""

    __tablename__ = "households"

    operation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("operations.operation_id", ondelete="CASCADE"),
        primary_key=True)
    household_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    assembly_point: Mapped[str] = mapped_column(Text)
    linked_to: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    link_kind: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class PersonRow(Base):
    """One person of an operation's registry: ids only; the personal fields are sealed with the
    household (:data:`corridor.store.rows.MEMBER_SEALED`).

    ``name_index`` and ``family_index`` are blind indexes (keyed hashes) of the whole name and of
    the family name: a search by name finds the person without the name being stored.
    """

    __tablename__ = "persons"

    operation_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    name_index: Mapped[bytes] = mapped_column(LargeBinary(INDEX_BYTES))
    family_index: Mapped[bytes] = mapped_column(LargeBinary(INDEX_BYTES))

    __table_args__ = (
        ForeignKeyConstraint(["operation_id", "household_id"],
                             ["households.operation_id", "households.household_id"],
                             ondelete="CASCADE"),
        Index(None, "operation_id", "household_id"),
        Index(None, "operation_id", "name_index"),
        Index(None, "operation_id", "family_index"),
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


class VaultRow(Base):
    """Values the keys are checked against (``key_check``: a constant sealed under the key)."""

    __tablename__ = "vault"

    name: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)


class UserRow(Base):
    """An account: a name and an Argon2id hash of its password; disabled, never deleted."""

    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class GrantRow(Base):
    """A role of a user for an operation (``*``: every one), for some sites (';'-joined) or all."""

    __tablename__ = "grants"

    user_name: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.name", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    operation_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    sites: Mapped[str] = mapped_column(Text)


class CredentialRow(Base):
    """A session or a device token, kept only as the SHA-256 digest of the token."""

    __tablename__ = "credentials"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.name", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))
    device: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInFailureRow(Base):
    """A failed sign-in for a name (known or not), for rate limiting."""

    __tablename__ = "sign_in_failures"

    failure_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(String(ID_LENGTH))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index(None, "user_name", "at"),)


class AuditRow(Base):
    """One record of the hash-chained audit log (:mod:`corridor.security.audit`); append only."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ShareRow(Base):
    """A list asked for by another party: requested, approved by someone else, then exported.

    ``watermark`` is this share's random key for the reference printed on each row of the list,
    so that a leaked copy can be traced to the one recipient it was given to.
    """

    __tablename__ = "shares"

    share_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    operation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("operations.operation_id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(Text)
    fields: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    watermark: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = ({"sqlite_autoincrement": True},)


class DisclosureLedgerRow(Base):
    """What has been published of an operation's figures to one audience, sealed (it holds the
    true values of the hidden cells)."""

    __tablename__ = "disclosure_ledgers"

    operation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("operations.operation_id", ondelete="CASCADE"),
        primary_key=True)
    audience: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class EventRow(Base):
    """One field event (:class:`corridor.domain.events.Event`), never updated or deleted.

    Only what the log is searched by is in clear (ids, the kind); the event itself, with its
    officer, device, times, reasons and payload, is sealed.
    """

    __tablename__ = "events"

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    operation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("operations.operation_id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))
    household_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    convoy_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        UniqueConstraint("operation_id", "nonce"),
        Index(None, "operation_id", "household_id"),
        Index(None, "operation_id", "convoy_id"),
        {"sqlite_autoincrement": True},
    )


class TicketRow(Base):
    """A ticket issued to a household (:mod:`corridor.security.tickets`): ids and a serial only.

    The payload is not stored: it is signed again from these columns (Ed25519 signatures are
    deterministic), so the table tells no more than a revocation list does.
    """

    __tablename__ = "tickets"

    operation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("operations.operation_id", ondelete="CASCADE"),
        primary_key=True)
    household_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    serial: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[str] = mapped_column(Text)


class TicketRevocationRow(Base):
    """A ticket revoked: one serial of a household, or (``below``) every serial under it.

    Never updated or deleted (a revoked ticket stays revoked); ``revocation_id`` orders them and
    tells a server that its cached revocation list is out of date.
    """

    __tablename__ = "ticket_revocations"

    revocation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    operation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("operations.operation_id", ondelete="CASCADE"))
    household_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    serial: Mapped[int] = mapped_column(Integer)
    below: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index(None, "operation_id", "household_id"),
        {"sqlite_autoincrement": True},
    )


class OutsideFigureRow(Base):
    """A figure someone else reported (:class:`corridor.reports.outside.OutsideFigure`): who,
    as of which day, about which stage, how many people and fighters. Public claims, kept in
    clear; never updated or deleted."""

    __tablename__ = "outside_figures"

    figure_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    operation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("operations.operation_id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(Text)
    reported_on: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(CODE_LENGTH))
    people: Mapped[int] = mapped_column(Integer)
    combatants: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(None, "operation_id", "reported_on"),
        {"sqlite_autoincrement": True},
    )


metadata = Base.metadata
"""The metadata of every table; the migrations at head must match it exactly."""

operations: Table = metadata.tables["operations"]
households: Table = metadata.tables["households"]
persons: Table = metadata.tables["persons"]
plans: Table = metadata.tables["plans"]
vault: Table = metadata.tables["vault"]
users: Table = metadata.tables["users"]
grants: Table = metadata.tables["grants"]
credentials: Table = metadata.tables["credentials"]
sign_in_failures: Table = metadata.tables["sign_in_failures"]
audit_log: Table = metadata.tables["audit_log"]
shares: Table = metadata.tables["shares"]
disclosure_ledgers: Table = metadata.tables["disclosure_ledgers"]
events: Table = metadata.tables["events"]
tickets: Table = metadata.tables["tickets"]
ticket_revocations: Table = metadata.tables["ticket_revocations"]
outside_figures: Table = metadata.tables["outside_figures"]
