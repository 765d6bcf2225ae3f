"""Signed tickets: a household's QR payload that a phone verifies offline, and revocation lists.

A ticket says only what a guard needs to look the household up: the operation (a 3-byte tag),
the household id, the ticket's serial and the day it was issued, signed with the keyring's ticket
key (Ed25519). It holds no name, no category, no count of people: a photographed or lost ticket
tells whoever holds it a household id of some operation, nothing more. The phone downloads two
things: the ticket public key (32 bytes) and the signed revocation list of its operation; with
them it verifies every scan without a network. docs/security.md ("Tickets") gives the byte
formats and the exact bytes a phone verifies.

Reissuing a ticket (lost, damaged, taken) gives it the next serial and revokes every serial
below it for that household; a ticket can also be revoked on its own (a household withdrawn).

Refusals, each with a stable code (the edges show them; the scan is recorded either way)::

    SecurityError                      (corridor.domain.errors)
    ├── TicketRefused                  ticket_refused        the base of the four below
    │   ├── NotATicket                 not_a_ticket          not a corridor ticket at all
    │   ├── OtherOperation             other_operation       a ticket of another operation
    │   ├── BadSignature               bad_signature         damaged, altered or not signed by
    │   │                                                    this operation's key
    │   └── TicketRevoked              revoked               reissued with a higher serial, or
    │                                                        revoked on its own
    └── RevocationListRefused          revocation_list_refused  a list that does not verify, is
                                                            damaged or is another operation's

Pure: the keyring, the time and the lists come in as arguments.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from corridor.domain.errors import InvalidValue, SecurityError
from corridor.security.keys import Keyring

TICKET_PREFIX = "CT1."
"""How every ticket payload starts: "corridor ticket", format 1."""

TAG_SIZE = 3
SIGNATURE_SIZE = 64
PUBLIC_KEY_SIZE = 32
MAX_SERIAL = 0xFFFF
MAX_HOUSEHOLD_ID_CHARS = 64
"""As the domain allows for a household id; a 16-character id gives a 120-character payload."""

REVOCATIONS_MAGIC = b"CTRV"
REVOCATIONS_VERSION = 1

_EPOCH = date(1970, 1, 1)
_TAG_LABEL = b"corridor-operation-tag-v1\n"
_TICKET_LABEL = b"corridor-ticket-v1\n"
_REVOCATIONS_LABEL = b"corridor-revocations-v1\n"
_HEADER = struct.Struct(">3sHH")  # operation tag, issue day, serial
_LIST_HEADER = struct.Struct(">4sBQH")  # magic, version, issued_at, length of the operation id
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class TicketRefused(SecurityError):
    """A scanned ticket is refused; the subclass and its ``code`` say why."""

    code = "ticket_refused"


class NotATicket(TicketRefused):
    """The text scanned is not a corridor ticket (another QR code, or cut short)."""

    code = "not_a_ticket"


class OtherOperation(TicketRefused):
    """The ticket is one of another operation (or damaged where it names its operation)."""

    code = "other_operation"


class BadSignature(TicketRefused):
    """The signature does not verify: damaged, altered, or not signed with this ticket key."""

    code = "bad_signature"


class TicketRevoked(TicketRefused):
    """A genuine ticket that was revoked; ``ticket`` is what it says (verified)."""

    code = "revoked"

    def __init__(self, message: str, ticket: Ticket) -> None:
        super().__init__(message)
        self.ticket = ticket


class RevocationListRefused(SecurityError):
    """A revocation list does not verify, is damaged, or is another operation's."""

    code = "revocation_list_refused"


@dataclass(frozen=True)
class Ticket:
    """What a verified ticket says: whose it is, which issue, and on which day (UTC)."""

    operation_id: str
    household_id: str
    serial: int
    issued_on: date


def operation_tag(operation_id: str) -> bytes:
    """The 3 bytes that name an operation in its tickets: SHA-256 under a label, cut short."""
    return hashlib.sha256(_TAG_LABEL + _operation_bytes(operation_id)).digest()[:TAG_SIZE]


def issue_ticket(keyring: Keyring, operation_id: str, household_id: str, serial: int,
                 issued_at: datetime) -> str:
    """The QR payload of a household's ticket: ``CT1.`` then base64url, signed with the ticket key.

    ``serial`` is 0 to 65535; a reissued ticket takes a higher serial than every earlier one
    (and :meth:`RevocationList.with_reissue` revokes those). Nothing but the operation's tag, the
    household id, the serial and the issue day is in it.
    """
    household = _household_bytes(household_id)
    _check_serial(serial)
    day = (_utc(issued_at, "issued_at").date() - _EPOCH).days
    if not 0 <= day <= 0xFFFF:
        raise InvalidValue("a ticket is issued between 1970 and 2149", "issued_at")
    body = _HEADER.pack(operation_tag(operation_id), day, serial) + household
    signature = Ed25519PrivateKey.from_private_bytes(keyring.ticket_seed).sign(
        _ticket_message(operation_id, body))
    return TICKET_PREFIX + _base64url(body + signature)


def verify_ticket(payload: str, public_key: bytes, revoked: RevocationList,
                  operation_id: str) -> Ticket:
    """The ticket ``payload`` holds, once verified for ``operation_id``; a refusal otherwise.

    In this order: :class:`NotATicket`, :class:`OtherOperation`, :class:`BadSignature`,
    :class:`TicketRevoked`. ``revoked`` must be ``operation_id``'s list
    (:class:`RevocationListRefused` otherwise): an empty list revokes nothing.
    """
    key = _public_key(public_key)
    data = _decode_payload(payload)
    body, signature = data[:-SIGNATURE_SIZE], data[-SIGNATURE_SIZE:]
    tag, day, serial = _HEADER.unpack_from(body)
    if tag != operation_tag(operation_id):
        raise OtherOperation(f"this ticket is not one of operation {operation_id}: another "
                             "operation's, or damaged")
    try:
        key.verify(signature, _ticket_message(operation_id, body))
    except InvalidSignature:
        raise BadSignature("the ticket's signature does not verify: it was damaged or altered, "
                           "or it was not issued with this operation's ticket key; find the "
                           "household in the registry instead") from None
    ticket = Ticket(operation_id, body[_HEADER.size:].decode("utf-8"), serial,
                    _EPOCH + timedelta(days=day))
    if revoked.operation_id != operation_id:
        raise RevocationListRefused(f"the revocation list is operation {revoked.operation_id}'s, "
                                    f"not {operation_id}'s; download this operation's list")
    if revoked.is_revoked(ticket.household_id, ticket.serial):
        newest = revoked.revoked_below.get(ticket.household_id)
        why = (f"a newer ticket (serial {newest} or above) was issued" if newest is not None
               and ticket.serial < newest else "it was revoked")
        raise TicketRevoked(f"the ticket of household {ticket.household_id} (serial "
                            f"{ticket.serial}) is no longer valid: {why}", ticket)
    return ticket


@dataclass(frozen=True)
class RevocationList:
    """The tickets of one operation no longer valid, as of ``issued_at`` (UTC, whole seconds).

    ``revoked_below`` maps a household id to a serial: every ticket of that household with a
    lower serial is revoked (what a reissue does). ``revoked_serials`` holds single tickets,
    (household id, serial), revoked with no replacement. A phone gets the list as
    :meth:`to_bytes`, signed with the ticket key, and reads it with :meth:`from_bytes`, which
    refuses a list that does not verify.
    """

    operation_id: str
    issued_at: datetime
    revoked_below: Mapping[str, int] = field(default_factory=dict)
    revoked_serials: frozenset[tuple[str, int]] = frozenset()

    def __post_init__(self) -> None:
        _operation_bytes(self.operation_id)
        moment = _utc(self.issued_at, "issued_at").replace(microsecond=0)
        if moment.timestamp() < 0:
            raise InvalidValue("a revocation list is issued after 1970", "issued_at")
        object.__setattr__(self, "issued_at", moment)
        for household_id, serial in (*self.revoked_below.items(), *self.revoked_serials):
            _household_bytes(household_id)
            _check_serial(serial)
        object.__setattr__(self, "revoked_below", MappingProxyType(dict(self.revoked_below)))
        object.__setattr__(self, "revoked_serials", frozenset(self.revoked_serials))

    def is_revoked(self, household_id: str, serial: int) -> bool:
        """Whether the ticket ``serial`` of ``household_id`` is revoked by this list."""
        below = self.revoked_below.get(household_id)
        return (below is not None and serial < below) or (
            (household_id, serial) in self.revoked_serials)

    def with_reissue(self, household_id: str, serial: int, issued_at: datetime) -> RevocationList:
        """The list issued at ``issued_at`` once ticket ``serial`` replaced every earlier one."""
        below = max(serial, self.revoked_below.get(household_id, 0))
        return RevocationList(self.operation_id, issued_at,
                              {**self.revoked_below, household_id: below}, self.revoked_serials)

    def with_revoked(self, household_id: str, serial: int, issued_at: datetime) -> RevocationList:
        """The list issued at ``issued_at`` with ticket ``serial`` of ``household_id`` revoked."""
        return RevocationList(self.operation_id, issued_at, self.revoked_below,
                              self.revoked_serials | {(household_id, serial)})

    def to_bytes(self, keyring: Keyring) -> bytes:
        """The list as a phone downloads it, signed with ``keyring``'s ticket key."""
        operation = _operation_bytes(self.operation_id)
        parts = [_LIST_HEADER.pack(REVOCATIONS_MAGIC, REVOCATIONS_VERSION,
                                   int(self.issued_at.timestamp()), len(operation)), operation]
        for entries in (sorted(self.revoked_below.items()), sorted(self.revoked_serials)):
            parts.append(struct.pack(">I", len(entries)))
            parts.extend(_entry(household_id, serial) for household_id, serial in entries)
        body = b"".join(parts)
        signature = Ed25519PrivateKey.from_private_bytes(keyring.ticket_seed).sign(
            _REVOCATIONS_LABEL + body)
        return body + signature

    @classmethod
    def from_bytes(cls, data: bytes, public_key: bytes) -> RevocationList:
        """The list in ``data`` once its signature verifies; :class:`RevocationListRefused` if not.

        The signature is checked before anything else is read, so a list that was not signed
        with the ticket key is never parsed.
        """
        key = _public_key(public_key)
        if len(data) < _LIST_HEADER.size + SIGNATURE_SIZE or not data.startswith(
                REVOCATIONS_MAGIC):
            raise RevocationListRefused("this is not a corridor revocation list")
        body, signature = data[:-SIGNATURE_SIZE], data[-SIGNATURE_SIZE:]
        try:
            key.verify(signature, _REVOCATIONS_LABEL + body)
        except InvalidSignature:
            raise RevocationListRefused(
                "the revocation list's signature does not verify: it was damaged or altered, or "
                "it was not signed with this ticket key; download it again") from None
        try:
            return _parse_list(body)
        except (struct.error, UnicodeDecodeError, ValueError) as error:
            detail = error.message if isinstance(error, InvalidValue) else "cannot be read"
            raise RevocationListRefused(
                f"the revocation list is signed but damaged ({detail}); it was written by "
                "another version of corridor or a faulty one") from None


def _parse_list(body: bytes) -> RevocationList:
    _magic, version, seconds, length = _LIST_HEADER.unpack_from(body)
    if version != REVOCATIONS_VERSION:
        raise InvalidValue(f"version {version}, and this corridor reads version "
                           f"{REVOCATIONS_VERSION} only")
    offset = _LIST_HEADER.size
    operation_id = body[offset:offset + length].decode("utf-8")
    offset += length
    groups: list[list[tuple[str, int]]] = []
    for _ in range(2):
        (count,) = struct.unpack_from(">I", body, offset)
        offset += 4
        group = []
        for _ in range(count):
            (size,) = struct.unpack_from(">H", body, offset)
            household = body[offset + 2:offset + 2 + size]
            if len(household) != size:
                raise ValueError("cut short")
            (serial,) = struct.unpack_from(">H", body, offset + 2 + size)
            group.append((household.decode("utf-8"), serial))
            offset += 4 + size
        groups.append(group)
    if offset != len(body):
        raise ValueError("bytes after the last entry")
    below, singles = groups
    if len({household for household, _ in below}) != len(below):
        raise InvalidValue("a household listed twice among the reissues")
    return RevocationList(operation_id, datetime.fromtimestamp(seconds, UTC), dict(below),
                          frozenset(singles))


def _entry(household_id: str, serial: int) -> bytes:
    household = household_id.encode("utf-8")
    return struct.pack(">H", len(household)) + household + struct.pack(">H", serial)


def _ticket_message(operation_id: str, body: bytes) -> bytes:
    return _TICKET_LABEL + _operation_bytes(operation_id) + b"\n" + body


def _decode_payload(payload: str) -> bytes:
    text = payload.strip() if isinstance(payload, str) else ""
    encoded = text.removeprefix(TICKET_PREFIX)
    if encoded == text or not _BASE64URL.fullmatch(encoded):
        raise NotATicket("this is not a corridor ticket")
    try:
        data = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise NotATicket("this is not a corridor ticket (it is damaged or cut short)") from None
    # Only the canonical spelling is a ticket: one ticket, one payload, however it is scanned.
    if _base64url(data) != encoded or len(data) < _HEADER.size + 1 + SIGNATURE_SIZE:
        raise NotATicket("this is not a corridor ticket (it is damaged or cut short)")
    return data


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _public_key(public_key: bytes) -> Ed25519PublicKey:
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_SIZE:
        raise InvalidValue(f"a ticket public key is {PUBLIC_KEY_SIZE} bytes", "public_key")
    return Ed25519PublicKey.from_public_bytes(public_key)


def _operation_bytes(operation_id: str) -> bytes:
    if not isinstance(operation_id, str) or not operation_id or "\n" in operation_id:
        raise InvalidValue(f"operation id {operation_id!r} cannot name a ticket's operation",
                           "operation_id")
    encoded = operation_id.encode("utf-8")
    if len(encoded) > 0xFFFF:
        raise InvalidValue("an operation id is at most 65535 bytes", "operation_id")
    return encoded


def _household_bytes(household_id: str) -> bytes:
    if not isinstance(household_id, str) or not 1 <= len(household_id) <= MAX_HOUSEHOLD_ID_CHARS:
        raise InvalidValue(f"a household id on a ticket is 1 to {MAX_HOUSEHOLD_ID_CHARS} "
                           "characters", "household_id")
    return household_id.encode("utf-8")


def _check_serial(serial: int) -> None:
    if type(serial) is not int or not 0 <= serial <= MAX_SERIAL:
        raise InvalidValue(f"a ticket serial is a whole number from 0 to {MAX_SERIAL}", "serial")


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(f"{name} needs a time zone (UTC)", name)
    return moment.astimezone(UTC)

