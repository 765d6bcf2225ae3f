"""Accounts, grants, sessions and device tokens, and signing in with a rate limit.

Passwords are kept as Argon2id hashes (:class:`corridor.security.passwords.Passwords`), rehashed
at the next sign-in when the parameters change. A session or a device token is shown once and kept
only as its SHA-256 digest; each can be revoked on its own. Failed sign-ins are counted per name
(known or not, so that the answer never tells which names exist) and throttled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from corridor.domain.errors import (
    AlreadyExists,
    InvalidValue,
    NotFound,
    NotSignedIn,
    RateLimited,
    SignInRefused,
)
from corridor.security.passwords import Passwords, check_new_password
from corridor.security.permissions import ANY_OPERATION, Grant, Principal, Role
from corridor.security.tokens import Throttle, token_digest
from corridor.security.tokens import new_token as make_token
from corridor.store.database import Database, stored_utc, stored_utc_or_none
from corridor.store.tables import credentials, grants, sign_in_failures, users

SESSION_HOURS = 12
"""How long a sign-in session lasts: one shift at the crossing."""

SITE_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class Account:
    """A user as an administrator sees it: name, grants, whether it is disabled."""

    name: str
    grants: tuple[Grant, ...]
    created_at: datetime
    disabled: bool


@dataclass(frozen=True, slots=True)
class Credential:
    """A session or device token as its owner sees it (never the token itself)."""

    token_id: str
    user_name: str
    kind: str
    device: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked: bool



def _check_name(name: str) -> None:
    if not (0 < len(name) <= 64) or not all(c.isalnum() or c in "._-" for c in name):
        raise InvalidValue(f"{name!r} is not a user name: use 1 to 64 letters, digits, '.', '_' "
                           "or '-'", "name")


class Accounts:
    """The accounts of one corridor database."""

    def __init__(self, database: Database, passwords: Passwords | None = None,
                 throttle: Throttle | None = None) -> None:
        self._db = database
        self._passwords = passwords or Passwords()
        self._throttle = throttle or Throttle()

    # -- accounts ---------------------------------------------------------------------------------

    def any_account(self) -> bool:
        """Whether any account exists (the first is made by ``corridor init --admin``)."""
        with self._db._errors(), self._db._reading() as connection:
            self._db._require_schema(connection)
            return connection.execute(select(users.c.name).limit(1)).first() is not None

    def add(self, name: str, password: str, roles: Iterable[Grant], *, actor: str) -> None:
        """Create an account with ``roles``; audited as done by ``actor``."""
        _check_name(name)
        check_new_password(password, name)
        hashed = self._passwords.hash(password)
        custody = self._db.custody
        with self._db._errors(), self._db._writing() as connection:
            self._db._require_schema(connection)
            try:
                connection.execute(insert(users).values(
                    name=name, password_hash=hashed, created_at=custody.clock(),
                    disabled_at=None))
            except IntegrityError:
                raise AlreadyExists(f"there is an account {name} already") from None
            for grant in roles:
                _insert_grant(connection, name, grant)
            record = custody.audit(connection, actor, "users.add", f"user {name}",
                                   "account created")
        custody.publish_head(record)

    def grant(self, name: str, grant: Grant, *, actor: str) -> None:
        """Give ``name`` one more role (replacing the same role for the same operation)."""
        custody = self._db.custody
        with self._db._errors(), self._db._writing() as connection:
            self._db._require_schema(connection)
            _require_user(connection, name)
            connection.execute(delete(grants).where(
                grants.c.user_name == name, grants.c.role == grant.role.value,
                grants.c.operation_id == grant.operation_id))
            _insert_grant(connection, name, grant)
            record = custody.audit(connection, actor, "users.grant", f"user {name}",
                                   f"{grant.role.value} for {grant.operation_id}")
        custody.publish_head(record)

    def disable(self, name: str, *, actor: str) -> None:
        """Disable an account and revoke all its sessions and tokens."""
        custody = self._db.custody
        now = custody.clock()
        with self._db._errors(), self._db._writing() as connection:
            self._db._require_schema(connection)
            _require_user(connection, name)
            connection.execute(update(users).where(users.c.name == name)
                               .values(disabled_at=now))
            connection.execute(update(credentials).where(
                credentials.c.user_name == name, credentials.c.revoked_at.is_(None))
                .values(revoked_at=now))
            record = custody.audit(connection, actor, "users.disable", f"user {name}",
                                   "account disabled, credentials revoked")
        custody.publish_head(record)

    def accounts(self) -> list[Account]:
        """Every account, by name."""
        with self._db._errors(), self._db._reading() as connection:
            self._db._require_schema(connection)
            held = _grants_by_user(connection)
            return [Account(row.name, tuple(held.get(row.name, ())),
                            stored_utc(row.created_at), row.disabled_at is not None)
                    for row in connection.execute(select(users).order_by(users.c.name))]

    # -- signing in -------------------------------------------------------------------------------

    def sign_in(self, name: str, password: str, *, device: str | None = None,
                kind: str = "session") -> str:
        """Check the password and return a new token (a session, or a device token).

        Raises :class:`RateLimited` after too many failures for this name, and
        :class:`SignInRefused` for a wrong name or password (the same sentence for both).
        """
        custody = self._db.custody
        now = custody.clock()
        since = now - self._throttle.window - self._throttle.lockout
        with self._db._errors(), self._db._writing() as connection:
            self._db._require_schema(connection)
            failures = [stored_utc(at) for at in connection.execute(
                select(sign_in_failures.c.at).where(sign_in_failures.c.user_name == name,
                                                    sign_in_failures.c.at >= since)).scalars()]
            wait = self._throttle.retry_after(failures, now)
            if wait:
                raise RateLimited(f"too many failed sign-ins for {name}: try again in "
                                  f"{-(-wait // 60)} minutes", wait)
            row = connection.execute(select(users).where(users.c.name == name)).first()
            good = (row is not None and row.disabled_at is None
                    and self._passwords.verify(row.password_hash, password))
            if not good:
                connection.execute(insert(sign_in_failures).values(user_name=name, at=now))
                record = custody.audit(connection, name, "auth.refused", f"user {name}",
                                       "wrong name or password, or a disabled account")
            else:
                assert row is not None
                if self._passwords.needs_rehash(row.password_hash):
                    connection.execute(update(users).where(users.c.name == name).values(
                        password_hash=self._passwords.hash(password)))
                connection.execute(delete(sign_in_failures)
                                   .where(sign_in_failures.c.user_name == name))
                token = self._issue(connection, name, kind, device, now)
                record = custody.audit(connection, name, "auth.sign_in", f"user {name}",
                                       kind if device is None else f"{kind} for {device}")
        custody.publish_head(record)
        if not good:
            raise SignInRefused("the name or the password is wrong")
        return token

    def issue_device_token(self, name: str, device: str, *, actor: str,
                           days: int | None = None) -> str:
        """A token for ``name``'s device or script, shown once; lasts ``days`` or until revoked."""
        if not device.strip():
            raise InvalidValue("name the device the token is for (for example phone-3)", "device")
        custody = self._db.custody
        now = custody.clock()
        with self._db._errors(), self._db._writing() as connection:
            self._db._require_schema(connection)
            _require_user(connection, name)
            token = self._issue(connection, name, "device", device, now,
                                None if days is None else now + timedelta(days=days))
            record = custody.audit(connection, actor, "tokens.create", f"user {name}",
                                   f"device {device}")
        custody.publish_head(record)
        return token

    def _issue(self, connection: Connection, name: str, kind: str, device: str | None,
               now: datetime, expires_at: datetime | None = None) -> str:
        token, digest = make_token(self._db.custody.random_bytes)
        if kind == "session" and expires_at is None:
            expires_at = now + timedelta(hours=SESSION_HOURS)
        connection.execute(insert(credentials).values(
            digest=digest, user_name=name, kind=kind, device=device, created_at=now,
            expires_at=expires_at, revoked_at=None))
        return str(token)

    def principal(self, token: str) -> Principal:
        """Who holds ``token``: raises :class:`NotSignedIn` unless it is valid now."""
        now = self._db.custody.clock()
        digest = token_digest(token)
        with self._db._errors(), self._db._statement() as connection:
            self._db._require_schema(connection)
            rows = connection.execute(_HOLDER, {"digest": digest}).all()
        if not rows:
            raise NotSignedIn("this token is not known: sign in with `corridor login`")
        row = rows[0]
        expires = stored_utc_or_none(row.expires_at)
        if row.revoked_at is not None or row.disabled_at is not None:
            raise NotSignedIn("this token was revoked: sign in again with `corridor login`")
        if expires is not None and expires <= now:
            raise NotSignedIn("the session has expired: sign in again with `corridor login`")
        held = tuple(_grant(role.role, role.operation_id, role.sites)
                     for role in rows if role.role is not None)
        return Principal(row.user_name, held, row.device)

    def revoke(self, token_id: str, *, actor: str, owner: str | None = None) -> None:
        """Revoke the credential whose id (digest prefix) is ``token_id``.

        With ``owner``, only that user's credentials can be found (users revoke their own).
        """
        if len(token_id) < 8:
            raise InvalidValue("give at least the first 8 characters of the token id", "token")
        custody = self._db.custody
        with self._db._errors(), self._db._writing() as connection:
            self._db._require_schema(connection)
            statement = select(credentials.c.digest, credentials.c.user_name).where(
                credentials.c.digest.startswith(token_id))
            if owner is not None:
                statement = statement.where(credentials.c.user_name == owner)
            found = connection.execute(statement).all()
            if len(found) != 1:
                raise NotFound(f"no single token has the id {token_id}: see "
                               "`corridor token list`")
            connection.execute(update(credentials).where(credentials.c.digest == found[0][0])
                               .values(revoked_at=custody.clock()))
            record = custody.audit(connection, actor, "tokens.revoke",
                                   f"user {found[0][1]}", f"token {token_id[:8]}")
        custody.publish_head(record)

    def revoke_token(self, token: str) -> None:
        """Revoke the credential ``token`` itself (signing out)."""
        with self._db._errors(), self._db._writing() as connection:
            connection.execute(update(credentials)
                               .where(credentials.c.digest == token_digest(token))
                               .values(revoked_at=self._db.custody.clock()))

    def credentials(self, owner: str | None = None) -> list[Credential]:
        """The sessions and tokens, of one user or of everyone, newest first."""
        statement = select(credentials).order_by(credentials.c.created_at.desc())
        if owner is not None:
            statement = statement.where(credentials.c.user_name == owner)
        with self._db._errors(), self._db._reading() as connection:
            self._db._require_schema(connection)
            return [Credential(row.digest[:12], row.user_name, row.kind, row.device,
                               stored_utc(row.created_at),
                               stored_utc_or_none(row.expires_at), row.revoked_at is not None)
                    for row in connection.execute(statement)]


def _require_user(connection: Connection, name: str) -> None:
    if connection.execute(select(users.c.name).where(users.c.name == name)).first() is None:
        raise NotFound(f"there is no account {name}: see `corridor user list`")


def _insert_grant(connection: Connection, name: str, grant: Grant) -> None:
    connection.execute(insert(grants).values(
        user_name=name, role=grant.role.value, operation_id=grant.operation_id,
        sites=SITE_SEPARATOR.join(sorted(grant.sites))))


_HOLDER = (select(credentials, users.c.disabled_at, grants.c.role, grants.c.operation_id,
                  grants.c.sites)
           .join(users, users.c.name == credentials.c.user_name)
           .outerjoin(grants, grants.c.user_name == credentials.c.user_name)
           .where(credentials.c.digest == bindparam("digest"))
           .order_by(grants.c.role, grants.c.operation_id))
"""A token's holder and their grants (a row a grant), in one statement."""
_GRANTS = select(grants).order_by(grants.c.user_name, grants.c.role, grants.c.operation_id)


def _grants_by_user(connection: Connection) -> dict[str, list[Grant]]:
    held: dict[str, list[Grant]] = {}
    for row in connection.execute(_GRANTS):
        held.setdefault(row.user_name, []).append(_grant(row.role, row.operation_id, row.sites))
    return held


def _grant(role: str, operation_id: str | None, sites: str) -> Grant:
    return Grant(Role(role), operation_id or ANY_OPERATION,
                 frozenset(site for site in sites.split(SITE_SEPARATOR) if site))
