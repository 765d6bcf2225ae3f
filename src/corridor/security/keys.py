"""The keyring: the data keys that seal personal fields, the blind-index, audit and ticket keys.

A keyring lives in one key file, kept apart from the database (``Keyring.to_bytes`` gives its
content). Losing it makes the personal data unreadable for good; that is the point when a laptop
is seized without it. Pure: fresh keys come from a ``random_bytes`` callable that the edge passes
(``os.urandom``).

The key file is JSON (docs/security.md, "Formats")::

    {"format": "corridor-keyring", "version": 1, "active_key_id": "3f9c01ab",
     "data_keys": {"3f9c01ab": "<base64>"}, "index_key": "<base64>", "audit_key": "<base64>",
     "checksum": "<hex SHA-256 of the rest>"}

A key id is derived from its key (the first four bytes of a SHA-256 under a label), so a damaged
key is noticed when the file is read, and the checksum catches damage anywhere else.

The ticket key (the Ed25519 seed that signs households' tickets and revocation lists) came after
version 1 files were written, so it is optional: a file without ``"ticket_key"`` derives it from
the audit key with HKDF-SHA256 under its own label (the audit key is never rotated, so tickets
stay valid across rotations), and :func:`with_new_ticket_key` writes a fresh one into the file
when every ticket must be reissued.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from corridor.domain.errors import InvalidValue, KeyUnusable

RandomBytes = Callable[[int], bytes]
"""Where randomness comes from: ``os.urandom`` at the edges, a seeded stand-in in tests."""

KEY_FILE_FORMAT = "corridor-keyring"
KEY_FILE_VERSION = 1
KEY_SIZE = 32
"""Every key of a keyring is 32 bytes: AES-256 data keys, the BLAKE2b index key, the Ed25519
seeds of the audit and ticket keys."""

_KEY_ID_LABEL = b"corridor key id v1\x00"
_TICKET_KEY_LABEL = b"corridor ticket key v1"
_WHAT_TO_DO = ("restore the key file from its backup copy; without the right key file the "
               "personal data cannot be read")


def key_id_for(key: bytes) -> str:
    """The 8 lowercase hex digits that name ``key``: derived from it, so a damaged key shows."""
    return hashlib.sha256(_KEY_ID_LABEL + key).hexdigest()[:8]


@dataclass(frozen=True)
class Keyring:
    """The keys of one corridor database; build it with :func:`new_keyring` or ``from_bytes``.

    ``data_keys`` maps a key id to a 32-byte AES-256 key and holds every key that may still be
    needed to open a record; ``active_key_id`` names the one new records are sealed with.
    ``index_key`` keys the blind indexes; ``audit_key`` is the Ed25519 seed that signs the audit
    head. ``ticket_key`` is the Ed25519 seed that signs tickets, or ``None`` (every key file
    written before tickets): then :attr:`ticket_seed` derives it from the audit key. Keys never
    appear in ``repr``, so a traceback or a log line cannot leak them.
    """

    data_keys: Mapping[str, bytes] = field(repr=False)
    active_key_id: str
    index_key: bytes = field(repr=False)
    audit_key: bytes = field(repr=False)
    ticket_key: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.data_keys:
            raise InvalidValue("a keyring needs at least one data key", "data_keys")
        for key_id, key in self.data_keys.items():
            if not isinstance(key, bytes) or len(key) != KEY_SIZE:
                raise InvalidValue(f"data key {key_id} is not {KEY_SIZE} bytes long", "data_keys")
            if key_id != key_id_for(key):
                raise InvalidValue(f"data key {key_id} does not match its id", "data_keys")
        if self.active_key_id not in self.data_keys:
            raise InvalidValue(f"the active key {self.active_key_id} is not among the data keys",
                               "active_key_id")
        for name in ("index_key", "audit_key", "ticket_key"):
            value = getattr(self, name)
            if name == "ticket_key" and value is None:
                continue
            if not isinstance(value, bytes) or len(value) != KEY_SIZE:
                raise InvalidValue(f"the {name.replace('_', ' ')} is not {KEY_SIZE} bytes long",
                                   name)
        # A read-only copy: nobody holding the keyring can slip a key into it afterwards.
        object.__setattr__(self, "data_keys", MappingProxyType(dict(self.data_keys)))

    @property
    def active_key(self) -> bytes:
        """The data key new records are sealed with."""
        return self.data_keys[self.active_key_id]

    @property
    def retired_key_ids(self) -> tuple[str, ...]:
        """The ids of the data keys kept only to open older records, sorted."""
        return tuple(sorted(key_id for key_id in self.data_keys if key_id != self.active_key_id))

    def index_key_id(self) -> str:
        """The id of the blind-index key: stored beside the indexes, it says which key made them."""
        return key_id_for(self.index_key)

    def audit_public_key(self) -> bytes:
        """The 32-byte Ed25519 public key that verifies the signed audit head."""
        private = Ed25519PrivateKey.from_private_bytes(self.audit_key)
        return private.public_key().public_bytes_raw()

    @property
    def ticket_seed(self) -> bytes:
        """The 32-byte Ed25519 seed that signs tickets and revocation lists.

        The file's own ``ticket_key`` when it has one; otherwise HKDF-SHA256 of the audit key with
        the label ``corridor ticket key v1``: the same keyring always gives the same seed, and the
        seed tells nothing about the audit key.
        """
        if self.ticket_key is not None:
            return self.ticket_key
        return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None,
                    info=_TICKET_KEY_LABEL).derive(self.audit_key)

    def ticket_public_key(self) -> bytes:
        """The 32-byte Ed25519 public key a phone downloads to verify tickets offline."""
        private = Ed25519PrivateKey.from_private_bytes(self.ticket_seed)
        return private.public_key().public_bytes_raw()

    def to_bytes(self) -> bytes:
        """The content of the key file: JSON with the keys in base64 and a checksum."""
        body = _body(self)
        body["checksum"] = _checksum(body)
        return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode("ascii")

    @classmethod
    def from_bytes(cls, data: bytes, source: str) -> Keyring:
        """Read a key file's content; :class:`KeyUnusable` naming ``source`` if anything is off."""
        try:
            body = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _unusable(source, "is not a corridor key file") from None
        if not isinstance(body, dict) or body.get("format") != KEY_FILE_FORMAT:
            raise _unusable(source, "is not a corridor key file")
        if body.get("version") != KEY_FILE_VERSION:
            raise KeyUnusable(
                f"the key file {source} has version {body.get('version')!r}, and this corridor "
                f"reads version {KEY_FILE_VERSION} only; use the corridor that wrote it")
        checksum = body.pop("checksum", None)
        if checksum != _checksum(body):
            raise _unusable(source, "is damaged or was edited (its checksum does not match)")
        try:
            keyring = cls(
                data_keys={str(key_id): _decode(key) for key_id, key in
                           _mapping(body["data_keys"]).items()},
                active_key_id=str(body["active_key_id"]),
                index_key=_decode(body["index_key"]),
                audit_key=_decode(body["audit_key"]),
                ticket_key=(None if body.get("ticket_key") is None
                            else _decode(body["ticket_key"])),
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as error:
            detail = error.message if isinstance(error, InvalidValue) else "lacks a key"
            raise _unusable(source, f"is damaged ({detail})") from None
        return keyring


def new_keyring(random_bytes: RandomBytes) -> Keyring:
    """A keyring of fresh keys: one data key (active), an index key and an audit key."""
    data_key = _fresh_key(random_bytes)
    return Keyring(data_keys={key_id_for(data_key): data_key},
                   active_key_id=key_id_for(data_key),
                   index_key=_fresh_key(random_bytes),
                   audit_key=_fresh_key(random_bytes))


def rotated(keyring: Keyring, random_bytes: RandomBytes) -> Keyring:
    """A new active data key and a new index key; the old data keys stay, so old records open.

    The audit key stays: the signed audit head must keep verifying; so does the ticket key, so
    issued tickets stay valid. After a rotation the store re-seals the records and recomputes the
    blind indexes, then calls :func:`without_retired`.
    """
    data_key = _fresh_key(random_bytes)
    while key_id_for(data_key) in keyring.data_keys:  # a 1 in 4 billion clash of ids: redraw
        data_key = _fresh_key(random_bytes)
    return Keyring(data_keys={**keyring.data_keys, key_id_for(data_key): data_key},
                   active_key_id=key_id_for(data_key),
                   index_key=_fresh_key(random_bytes),
                   audit_key=keyring.audit_key,
                   ticket_key=keyring.ticket_key)


def without_retired(keyring: Keyring) -> Keyring:
    """The keyring with the active data key only, once every record was re-sealed with it."""
    return Keyring(data_keys={keyring.active_key_id: keyring.active_key},
                   active_key_id=keyring.active_key_id,
                   index_key=keyring.index_key,
                   audit_key=keyring.audit_key,
                   ticket_key=keyring.ticket_key)


def with_new_ticket_key(keyring: Keyring, random_bytes: RandomBytes) -> Keyring:
    """The keyring with a fresh ticket key, written into the key file from then on.

    Every ticket signed with the old key stops verifying: for when the ticket key may have leaked
    and every household must get a new ticket. The phones download the new public key.
    """
    return replace(keyring, ticket_key=_fresh_key(random_bytes))


def _fresh_key(random_bytes: RandomBytes) -> bytes:
    key = random_bytes(KEY_SIZE)
    if len(key) != KEY_SIZE:
        raise InvalidValue(f"the source of randomness gave {len(key)} bytes, not {KEY_SIZE}")
    return key


def _body(keyring: Keyring) -> dict[str, Any]:
    body: dict[str, Any] = {
        "format": KEY_FILE_FORMAT,
        "version": KEY_FILE_VERSION,
        "active_key_id": keyring.active_key_id,
        "data_keys": {key_id: _encode(key) for key_id, key in sorted(keyring.data_keys.items())},
        "index_key": _encode(keyring.index_key),
        "audit_key": _encode(keyring.audit_key),
    }
    if keyring.ticket_key is not None:  # absent otherwise: files stay as version 1 wrote them
        body["ticket_key"] = _encode(keyring.ticket_key)
    return body


def _checksum(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _encode(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _decode(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("a key is not text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _mapping(value: object) -> Mapping[object, object]:
    if not isinstance(value, dict):
        raise TypeError("data_keys is not a mapping")
    return value


def _unusable(source: str, what: str) -> KeyUnusable:
    return KeyUnusable(f"the key file {source} {what}; {_WHAT_TO_DO}")
