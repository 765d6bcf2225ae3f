"""Signed tickets and revocation lists: what a phone verifies offline, and what a ticket reveals."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import struct
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from corridor.domain import Category
from corridor.domain.errors import CorridorError, InvalidValue, SecurityError
from corridor.security.keys import (
    Keyring,
    _checksum,
    new_keyring,
    rotated,
    with_new_ticket_key,
    without_retired,
)
from corridor.security.tickets import (
    TICKET_PREFIX,
    BadSignature,
    NotATicket,
    OtherOperation,
    RevocationList,
    RevocationListRefused,
    Ticket,
    TicketRefused,
    TicketRevoked,
    issue_ticket,
    operation_tag,
    verify_ticket,
)
from tests.builders import household, person

OPERATION = "op-al-waer"
ISSUED = datetime(2017, 3, 17, 16, 30, tzinfo=UTC)
HOUSEHOLD = "H000000000000417"  # 16 characters, the size the payload budget is set for


def seeded(seed: int = 7) -> Callable[[int], bytes]:
    """A repeatable stand-in for os.urandom."""
    return random.Random(seed).randbytes


@pytest.fixture
def keyring() -> Keyring:
    """The coordinator's keyring, from a fixed seed."""
    return new_keyring(seeded())


@pytest.fixture
def public_key(keyring: Keyring) -> bytes:
    """The ticket public key the checkpoint's phones download."""
    return keyring.ticket_public_key()


@pytest.fixture
def no_revocations() -> RevocationList:
    """The operation's revocation list before any ticket was reissued."""
    return RevocationList(OPERATION, ISSUED)


@pytest.fixture
def ticket(keyring: Keyring) -> str:
    """The first ticket of a household with a 16-character id."""
    return issue_ticket(keyring, OPERATION, HOUSEHOLD, 1, ISSUED)


def body_of(payload: str) -> bytes:
    """The bytes a payload carries (base64url after the prefix)."""
    encoded = payload.removeprefix(TICKET_PREFIX)
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def payload_of(data: bytes) -> str:
    """The payload that carries ``data``."""
    return TICKET_PREFIX + base64.urlsafe_b64encode(data).decode().rstrip("=")


# Tickets


def test_a_ticket_round_trips(ticket: str, public_key: bytes,
                              no_revocations: RevocationList) -> None:
    """A ticket verifies and says whose it is, which serial and the day it was issued."""
    assert verify_ticket(ticket, public_key, no_revocations, OPERATION) == Ticket(
        OPERATION, HOUSEHOLD, 1, date(2017, 3, 17))


def test_the_same_ticket_is_issued_the_same_way(keyring: Keyring, ticket: str) -> None:
    """Issuing is deterministic: the same household, serial and day give the same payload."""
    later_that_day = ISSUED + timedelta(hours=7)
    assert issue_ticket(keyring, OPERATION, HOUSEHOLD, 1, later_that_day) == ticket


def test_a_ticket_is_120_characters_for_a_16_character_household_id(ticket: str,
                                                                   keyring: Keyring) -> None:
    """The payload stays QR-friendly: 120 characters for a 16-character id, whatever the serial."""
    assert len(ticket) == 120
    assert len(issue_ticket(keyring, OPERATION, HOUSEHOLD, 65535, ISSUED)) == 120
    assert len(issue_ticket(keyring, OPERATION, "H0000417", 1, ISSUED)) == 110
    assert len(issue_ticket(keyring, OPERATION, "H" * 64, 1, ISSUED)) == 184


def test_a_ticket_is_plain_qr_text(ticket: str) -> None:
    """The payload is the prefix and URL-safe base64, nothing a scanner or a URL would mangle."""
    assert ticket.startswith("CT1.")
    assert set(ticket[4:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789-_")


def test_the_phones_recipe_verifies_a_ticket(ticket: str, public_key: bytes) -> None:
    """docs/security.md's recipe, by hand: tag, layout, and Ed25519 over label, operation, body."""
    data = body_of(ticket)
    body, signature = data[:-64], data[-64:]
    assert body[:3] == hashlib.sha256(b"corridor-operation-tag-v1\n" + OPERATION.encode()
                                      ).digest()[:3]
    day, serial = struct.unpack(">HH", body[3:7])
    assert date(1970, 1, 1) + timedelta(days=day) == date(2017, 3, 17)
    assert serial == 1
    assert body[7:].decode() == HOUSEHOLD
    message = b"corridor-ticket-v1\n" + OPERATION.encode() + b"\n" + body
    Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)


def test_tampering_with_any_byte_is_refused(ticket: str, public_key: bytes,
                                            no_revocations: RevocationList) -> None:
    """Every byte of a ticket, changed, makes it fail: the tag as another operation, the rest
    as a bad signature."""
    data = body_of(ticket)
    for index in range(len(data)):
        for flip in (0x01, 0x80):
            altered = bytearray(data)
            altered[index] ^= flip
            expected = OtherOperation if index < 3 else BadSignature
            with pytest.raises(expected):
                verify_ticket(payload_of(bytes(altered)), public_key, no_revocations, OPERATION)


def test_tampering_with_any_character_is_refused(ticket: str, public_key: bytes,
                                                 no_revocations: RevocationList) -> None:
    """Every character of the payload, changed, gives a refusal (never a valid ticket)."""
    for index, character in enumerate(ticket):
        replacement = "B" if character != "B" else "C"
        with pytest.raises(TicketRefused):
            verify_ticket(ticket[:index] + replacement + ticket[index + 1:], public_key,
                          no_revocations, OPERATION)


def test_a_ticket_cut_short_or_lengthened_is_refused(ticket: str, public_key: bytes,
                                                     no_revocations: RevocationList) -> None:
    """Characters dropped from or added to the end make the ticket fail."""
    for variant in (ticket[:-1], ticket[:-4], ticket[:40], ticket + "A", ticket + "AAAA"):
        with pytest.raises(TicketRefused):
            verify_ticket(variant, public_key, no_revocations, OPERATION)


@pytest.mark.parametrize("scanned", ["", "CT1.", "CT1.!", "hello", "https://example.org/x",
                                     "CT2.6WDjQ1sAAUgwMDAwMDAw", "ct1.6WDjQ1sAAUgw",
                                     "CT1.6WDjQ1sAAUgwMDAwMDAw", "CT1.a+b/", "CT1.AAAAA"])
def test_something_else_than_a_ticket_is_not_a_ticket(
        scanned: str, public_key: bytes, no_revocations: RevocationList) -> None:
    """Another QR code, a prefix alone, a short or malformed body: not_a_ticket."""
    with pytest.raises(NotATicket) as refusal:
        verify_ticket(scanned, public_key, no_revocations, OPERATION)
    assert refusal.value.code == "not_a_ticket"


def test_a_ticket_spelled_another_way_is_not_a_ticket(keyring: Keyring, public_key: bytes,
                                                      no_revocations: RevocationList) -> None:
    """Base64 that decodes to the same bytes but is not the canonical spelling is refused."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    ticket = issue_ticket(keyring, OPERATION, "H1", 1, ISSUED)  # 73 bytes: 4 bits left over
    sloppy = ticket[:-1] + alphabet[alphabet.index(ticket[-1]) ^ 0b1]
    assert sloppy != ticket and body_of(sloppy) == body_of(ticket)
    with pytest.raises(NotATicket):
        verify_ticket(sloppy, public_key, no_revocations, OPERATION)


def test_a_scanners_line_break_is_ignored(ticket: str, public_key: bytes,
                                          no_revocations: RevocationList) -> None:
    """Scanners that append a newline or spaces still read the ticket."""
    assert verify_ticket(f"  {ticket}\r\n", public_key, no_revocations, OPERATION).serial == 1


def test_another_operations_ticket_is_refused(keyring: Keyring, public_key: bytes) -> None:
    """A ticket of another operation, signed with the same key, is refused as such."""
    other = issue_ticket(keyring, "op-madaya", HOUSEHOLD, 1, ISSUED)
    with pytest.raises(OtherOperation) as refusal:
        verify_ticket(other, public_key, RevocationList(OPERATION, ISSUED), OPERATION)
    assert refusal.value.code == "other_operation"


def test_the_operation_is_signed_not_only_tagged(keyring: Keyring, public_key: bytes) -> None:
    """Even with another operation's tag copied in, the signature binds the whole operation id."""
    data = bytearray(body_of(issue_ticket(keyring, "op-madaya", HOUSEHOLD, 1, ISSUED)))
    data[:3] = operation_tag(OPERATION)
    with pytest.raises(BadSignature):
        verify_ticket(payload_of(bytes(data)), public_key, RevocationList(OPERATION, ISSUED),
                      OPERATION)


def test_a_ticket_signed_with_another_key_is_refused(ticket: str,
                                                     no_revocations: RevocationList) -> None:
    """A ticket made by another corridor installation (another key) has a bad signature."""
    stranger = new_keyring(seeded(99)).ticket_public_key()
    with pytest.raises(BadSignature) as refusal:
        verify_ticket(ticket, stranger, no_revocations, OPERATION)
    assert refusal.value.code == "bad_signature"


def test_a_reissued_ticket_revokes_the_earlier_ones(keyring: Keyring, public_key: bytes,
                                                    no_revocations: RevocationList) -> None:
    """After a reissue with serial 3, serials 1 and 2 are revoked and serial 3 passes."""
    revocations = no_revocations.with_reissue(HOUSEHOLD, 3, ISSUED + timedelta(days=1))
    for serial in (1, 2):
        old = issue_ticket(keyring, OPERATION, HOUSEHOLD, serial, ISSUED)
        with pytest.raises(TicketRevoked) as refusal:
            verify_ticket(old, public_key, revocations, OPERATION)
        assert refusal.value.code == "revoked"
        assert refusal.value.ticket.serial == serial
        assert "newer ticket" in refusal.value.message
    new = issue_ticket(keyring, OPERATION, HOUSEHOLD, 3, ISSUED + timedelta(days=1))
    assert verify_ticket(new, public_key, revocations, OPERATION).serial == 3


def test_a_ticket_revoked_on_its_own_is_refused(keyring: Keyring, public_key: bytes,
                                                no_revocations: RevocationList) -> None:
    """A single revoked ticket is refused; the household's other serials and others pass."""
    revocations = no_revocations.with_revoked(HOUSEHOLD, 2, ISSUED)
    with pytest.raises(TicketRevoked, match="it was revoked"):
        verify_ticket(issue_ticket(keyring, OPERATION, HOUSEHOLD, 2, ISSUED), public_key,
                      revocations, OPERATION)
    for household_id, serial in ((HOUSEHOLD, 1), (HOUSEHOLD, 3), ("H2", 2)):
        payload = issue_ticket(keyring, OPERATION, household_id, serial, ISSUED)
        assert verify_ticket(payload, public_key, revocations, OPERATION).serial == serial


def test_a_later_reissue_never_lowers_the_bar(no_revocations: RevocationList) -> None:
    """Recording an older reissue after a newer one keeps the newer threshold."""
    revocations = (no_revocations.with_reissue(HOUSEHOLD, 5, ISSUED)
                   .with_reissue(HOUSEHOLD, 3, ISSUED))
    assert revocations.revoked_below[HOUSEHOLD] == 5
    assert revocations.is_revoked(HOUSEHOLD, 4)


def test_another_operations_revocation_list_is_refused(ticket: str, public_key: bytes) -> None:
    """Checking with the wrong operation's list is refused rather than passing revoked tickets."""
    with pytest.raises(RevocationListRefused, match="op-madaya"):
        verify_ticket(ticket, public_key, RevocationList("op-madaya", ISSUED), OPERATION)


def test_refusals_have_stable_codes_in_the_security_tree() -> None:
    """Every refusal is a SecurityError with its own code, so the edges translate them."""
    codes = {error.code for error in (NotATicket, OtherOperation, BadSignature, TicketRevoked,
                                      RevocationListRefused)}
    assert codes == {"not_a_ticket", "other_operation", "bad_signature", "revoked",
                     "revocation_list_refused"}
    assert all(issubclass(error, SecurityError) for error in (TicketRefused,
                                                               RevocationListRefused))


@pytest.mark.parametrize(("household_id", "serial", "issued_at"), [
    ("", 1, ISSUED), ("H" * 65, 1, ISSUED), (HOUSEHOLD, -1, ISSUED), (HOUSEHOLD, 65536, ISSUED),
    (HOUSEHOLD, True, ISSUED), (HOUSEHOLD, 1, datetime(2017, 3, 17)),
    (HOUSEHOLD, 1, datetime(1969, 12, 31, tzinfo=UTC)),
])
def test_a_ticket_that_cannot_be_made_says_why(keyring: Keyring, household_id: str, serial: int,
                                               issued_at: datetime) -> None:
    """An empty or too long id, a serial out of 0..65535, a time without zone: InvalidValue."""
    with pytest.raises(InvalidValue):
        issue_ticket(keyring, OPERATION, household_id, serial, issued_at)


def test_a_public_key_of_the_wrong_size_is_refused(ticket: str,
                                                   no_revocations: RevocationList) -> None:
    """A phone configured with something that is not a 32-byte key is told so."""
    with pytest.raises(InvalidValue, match="32 bytes"):
        verify_ticket(ticket, b"\x00" * 31, no_revocations, OPERATION)


names = st.text(st.characters(categories=["L"]), min_size=6, max_size=12)


@given(given_name=names, family_name=names, category=st.sampled_from(Category),
       number=st.integers(0, 999_999), serial=st.integers(0, 65535))
def test_a_ticket_holds_no_name_or_category(given_name: str, family_name: str,
                                            category: Category, number: int, serial: int) -> None:
    """Whatever the household's members are called and whoever fights, none of it is on the
    ticket: not in the text, not in the bytes it carries."""
    home = household(f"H{number:06d}", phone="+963 944 000 001")
    member = person("P1", home.household_id, name=f"{given_name} {family_name}",
                    category=category)
    payload = issue_ticket(new_keyring(seeded()), OPERATION, home.household_id, serial, ISSUED)
    carried = body_of(payload)
    for secret in (member.name, given_name, family_name, category.value, "963944000001"):
        assert secret not in payload
        assert secret.encode() not in carried
        assert secret.casefold().encode() not in carried.lower()
    assert carried[7:-64] == home.household_id.encode()  # the id is the only thing said


# Revocation lists


@pytest.fixture
def revocations(no_revocations: RevocationList) -> RevocationList:
    """A list after two reissues and one revocation, a day later."""
    later = ISSUED + timedelta(days=1, microseconds=250)
    return (no_revocations.with_reissue(HOUSEHOLD, 2, later).with_reissue("H2", 4, later)
            .with_revoked("H-٣", 1, later))


def test_a_revocation_list_round_trips(revocations: RevocationList, keyring: Keyring,
                                       public_key: bytes) -> None:
    """Signed to bytes and read back, a list is the same list, to the second."""
    read = RevocationList.from_bytes(revocations.to_bytes(keyring), public_key)
    assert read == revocations
    assert read.issued_at == datetime(2017, 3, 18, 16, 30, tzinfo=UTC)


def test_the_phones_recipe_reads_a_revocation_list(revocations: RevocationList,
                                                   keyring: Keyring, public_key: bytes) -> None:
    """docs/security.md's layout, by hand: header, two groups of entries, signature."""
    data = revocations.to_bytes(keyring)
    Ed25519PublicKey.from_public_bytes(public_key).verify(
        data[-64:], b"corridor-revocations-v1\n" + data[:-64])
    magic, version, seconds, length = struct.unpack(">4sBQH", data[:15])
    assert (magic, version) == (b"CTRV", 1)
    assert datetime.fromtimestamp(seconds, UTC) == revocations.issued_at
    assert data[15:15 + length] == OPERATION.encode()
    offset, groups = 15 + length, []
    for _ in range(2):
        (count,) = struct.unpack(">I", data[offset:offset + 4])
        offset += 4
        group = []
        for _ in range(count):
            (size,) = struct.unpack(">H", data[offset:offset + 2])
            household_id = data[offset + 2:offset + 2 + size].decode()
            (serial,) = struct.unpack(">H", data[offset + 2 + size:offset + 4 + size])
            group.append((household_id, serial))
            offset += 4 + size
        groups.append(group)
    assert offset == len(data) - 64
    assert groups == [[(HOUSEHOLD, 2), ("H2", 4)], [("H-٣", 1)]]


def test_the_same_list_gives_the_same_bytes(revocations: RevocationList,
                                            keyring: Keyring) -> None:
    """Entries are written sorted and Ed25519 is deterministic: one list, one file."""
    rebuilt = RevocationList(OPERATION, revocations.issued_at,
                             dict(reversed(list(revocations.revoked_below.items()))),
                             revocations.revoked_serials)
    assert rebuilt.to_bytes(keyring) == revocations.to_bytes(keyring)


def test_a_revocation_list_with_a_bad_signature_is_refused(revocations: RevocationList,
                                                           keyring: Keyring,
                                                           public_key: bytes) -> None:
    """Any byte of a downloaded list changed, the signature's included, and it is refused."""
    data = revocations.to_bytes(keyring)
    for index in range(len(data)):
        altered = bytearray(data)
        altered[index] ^= 0x04
        with pytest.raises(RevocationListRefused):
            RevocationList.from_bytes(bytes(altered), public_key)


def test_a_revocation_list_signed_with_another_key_is_refused(
        revocations: RevocationList, keyring: Keyring) -> None:
    """A list signed by another installation, or by the audit key, does not verify here."""
    stranger = new_keyring(seeded(99)).ticket_public_key()
    with pytest.raises(RevocationListRefused, match="signature does not verify"):
        RevocationList.from_bytes(revocations.to_bytes(keyring), stranger)
    with pytest.raises(RevocationListRefused, match="signature does not verify"):
        RevocationList.from_bytes(revocations.to_bytes(keyring), keyring.audit_public_key())


@pytest.mark.parametrize("content", [b"", b"CTRV", b"not a list at all" * 10, b"\x00" * 100])
def test_something_else_than_a_revocation_list_is_refused(content: bytes,
                                                          public_key: bytes) -> None:
    """A file that is not a revocation list is refused, never read as an empty list."""
    with pytest.raises(RevocationListRefused):
        RevocationList.from_bytes(content, public_key)


def test_a_ticket_is_never_taken_for_a_revocation_list(ticket: str, public_key: bytes) -> None:
    """Signatures are made under different labels: a ticket's bytes do not pass as a list."""
    with pytest.raises(RevocationListRefused):
        RevocationList.from_bytes(b"CTRV" + body_of(ticket)[4:], public_key)


def test_a_revocation_list_needs_a_time_zone() -> None:
    """A list's issue time without a zone is refused (a phone shows how old its list is)."""
    with pytest.raises(InvalidValue, match="time zone"):
        RevocationList(OPERATION, datetime(2017, 3, 18))


# The ticket key in the keyring


def version_1_key_file(keyring: Keyring) -> bytes:
    """A key file exactly as corridor wrote it before tickets: no ticket_key field."""
    body = {"format": "corridor-keyring", "version": 1, "active_key_id": keyring.active_key_id,
            "data_keys": {key_id: base64.b64encode(key).decode()
                          for key_id, key in keyring.data_keys.items()},
            "index_key": base64.b64encode(keyring.index_key).decode(),
            "audit_key": base64.b64encode(keyring.audit_key).decode()}
    body["checksum"] = _checksum(body)
    return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()


def test_a_key_file_without_a_ticket_key_still_loads(keyring: Keyring) -> None:
    """Key files written before tickets load, derive their ticket key, and are written back
    unchanged."""
    old_file = version_1_key_file(keyring)
    loaded = Keyring.from_bytes(old_file, "/media/usb/corridor.key")
    assert loaded.ticket_key is None
    assert loaded.to_bytes() == old_file
    assert loaded.ticket_seed == Keyring.from_bytes(old_file, "again").ticket_seed
    assert len(loaded.ticket_public_key()) == 32


def test_the_ticket_key_is_its_own(keyring: Keyring) -> None:
    """The derived ticket key is neither the audit key nor any other key of the keyring."""
    assert keyring.ticket_seed not in (keyring.audit_key, keyring.index_key, keyring.active_key)
    assert keyring.ticket_public_key() != keyring.audit_public_key()


def test_tickets_survive_key_rotation(keyring: Keyring, ticket: str,
                                      no_revocations: RevocationList) -> None:
    """Rotating the data keys leaves the ticket key alone: issued tickets still verify."""
    after = without_retired(rotated(keyring, seeded(8)))
    assert verify_ticket(ticket, after.ticket_public_key(), no_revocations, OPERATION)


def test_a_new_ticket_key_is_written_and_revokes_every_ticket(
        keyring: Keyring, ticket: str, no_revocations: RevocationList) -> None:
    """A fresh ticket key goes into the key file, survives rotation, and old tickets fail."""
    renewed = with_new_ticket_key(keyring, seeded(11))
    assert renewed.ticket_key is not None
    assert json.loads(renewed.to_bytes())["ticket_key"]
    assert Keyring.from_bytes(renewed.to_bytes(), "k") == renewed
    assert rotated(renewed, seeded(12)).ticket_key == renewed.ticket_key
    with pytest.raises(BadSignature):
        verify_ticket(ticket, renewed.ticket_public_key(), no_revocations, OPERATION)
    again = issue_ticket(renewed, OPERATION, HOUSEHOLD, 2, ISSUED)
    assert verify_ticket(again, renewed.ticket_public_key(), no_revocations, OPERATION)


def test_a_damaged_ticket_key_in_the_file_is_refused(keyring: Keyring) -> None:
    """A ticket key of the wrong size, checksum or not, makes the key file refuse to load."""
    body = json.loads(with_new_ticket_key(keyring, seeded(11)).to_bytes())
    del body["checksum"]
    body["ticket_key"] = "AAAA"
    body["checksum"] = _checksum(body)
    with pytest.raises(CorridorError, match="ticket key is not 32 bytes"):
        Keyring.from_bytes(json.dumps(body).encode(), "k")


def test_the_ticket_key_never_shows(keyring: Keyring) -> None:
    """repr shows neither a written ticket key nor the derived seed."""
    renewed = with_new_ticket_key(keyring, seeded(11))
    assert renewed.ticket_seed.hex() not in repr(renewed)
    assert keyring.ticket_seed.hex() not in repr(keyring)


def test_the_signature_check_is_ed25519(ticket: str, public_key: bytes) -> None:
    """A cross-check with cryptography alone: a tampered message fails the raw verification."""
    data = body_of(ticket)
    with pytest.raises(InvalidSignature):
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            data[-64:], b"corridor-ticket-v1\nop-madaya\n" + data[:-64])
