"""Keys, sign-in and permissions at the command line's edge.

The key file and the session are read here and nowhere else; every command that touches the
database goes through :func:`open_database`, and every command that needs a permission through
:func:`permitted`, which asks :mod:`corridor.security.permissions` (the one place the policy
lives) and raises :class:`~corridor.domain.errors.Forbidden` otherwise.
"""

from __future__ import annotations

import base64
import binascii
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import typer

from corridor.cli.options import settings_for
from corridor.cli.settings import Settings
from corridor.domain.errors import InvalidValue, KeyUnusable, NotSignedIn
from corridor.security.keys import Keyring, new_keyring
from corridor.security.permissions import Action, Principal, authorize
from corridor.store import Database
from corridor.store.accounts import Accounts
from corridor.store.custody import Custody


def read_keyring(settings: Settings) -> Keyring | None:
    """The keyring from CORRIDOR_KEY or the key file, or None when there is neither."""
    if settings.key_text is not None:
        try:
            data = base64.b64decode(settings.key_text, validate=True)
        except (binascii.Error, ValueError):
            raise KeyUnusable("CORRIDOR_KEY is not base64: set it to the base64 of the key "
                              "file's content") from None
        return Keyring.from_bytes(data, "CORRIDOR_KEY")
    try:
        data = settings.key_file.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise KeyUnusable(f"cannot read the key file {settings.key_file}: "
                          f"{error.strerror}") from None
    return Keyring.from_bytes(data, str(settings.key_file))


def write_private(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write ``data`` to ``path`` readable by its owner only; never over a file unless ``replace``.

    With ``replace``, the new content goes to a ``.partial`` file first and then takes the old
    one's place in one step, so that a crash never leaves half a key file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path.with_name(path.name + ".partial") if replace else path
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    if replace and target.exists():
        target.unlink()
    descriptor = os.open(target, flags, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    if replace:
        target.replace(path)


def ensure_keyring(settings: Settings) -> tuple[Keyring, bool]:
    """The keyring, made and written to the key file if there is none yet; and whether it is new."""
    existing = read_keyring(settings)
    if existing is not None:
        return existing, False
    keyring = new_keyring(os.urandom)
    write_private(settings.key_file, keyring.to_bytes())
    return keyring, True


def custody_for(settings: Settings, keyring: Keyring | None = None) -> Custody | None:
    """The custody of this installation's keys, or None when there is no key."""
    keyring = keyring if keyring is not None else read_keyring(settings)
    if keyring is None:
        return None
    source = ("CORRIDOR_KEY" if settings.key_text is not None
              else f"the key file {settings.key_file}")
    return Custody(keyring, settings.audit_head, source=source)


def open_database(settings: Settings, keyring: Keyring | None = None) -> Database:
    """The database of these settings, with the keys when there are any."""
    return Database.open(settings.database_url, custody_for(settings, keyring))


def current_token(settings: Settings) -> str | None:
    """The token in force: CORRIDOR_TOKEN, else the session of `corridor login`."""
    if settings.token is not None:
        return settings.token
    try:
        return settings.session_file.read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None


def signed_in(database: Database, settings: Settings) -> Principal:
    """Who is signed in; :class:`NotSignedIn` when nobody is."""
    token = current_token(settings)
    if token is None:
        raise NotSignedIn("nobody is signed in: run `corridor login NAME`, or set "
                          "CORRIDOR_TOKEN to a device token")
    return Accounts(database).principal(token)


def permitted(database: Database, settings: Settings, action: Action,
              operation_id: str | None = None) -> Principal:
    """The signed-in principal, once the policy allows them ``action`` on ``operation_id``."""
    principal = signed_in(database, settings)
    authorize(principal, action, operation_id)
    return principal


class Acting(NamedTuple):
    """A command's database, settings, chosen operation and the principal allowed to act."""

    db: Database
    settings: Settings
    operation_id: str
    principal: Principal


@contextmanager
def acting(database: str | None, operation: str | None, action: Action) -> Iterator[Acting]:
    """Open the command's database (``--db``), choose its operation (``--operation``) and check
    that the signed-in principal may take ``action`` there; the database closes after."""
    settings = settings_for(database)
    with open_database(settings) as db:
        chosen = db.choose_operation(operation)
        yield Acting(db, settings, chosen, permitted(db, settings, action, chosen))


def ask_secret(given: str | None, prompt: str, setting: str, *, confirm: bool = False) -> str:
    """A password or passphrase: from its setting, else asked on the terminal without echo."""
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise InvalidValue(f"{prompt.lower()} is needed and there is no terminal to ask on: "
                           f"set {setting}", setting)
    answer: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return answer
