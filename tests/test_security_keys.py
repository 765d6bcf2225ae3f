"""The keyring: fresh keys, the key file, rotation and retirement."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest

from corridor.domain.errors import InvalidValue, KeyUnusable
from corridor.security.keys import (
    KEY_SIZE,
    Keyring,
    _checksum,
    key_id_for,
    new_keyring,
    rotated,
    without_retired,
)

KEY_FILE = "/media/usb/corridor.key"


def seeded(seed: int = 7) -> Callable[[int], bytes]:
    """A repeatable stand-in for os.urandom."""
    return random.Random(seed).randbytes


@pytest.fixture
def keyring() -> Keyring:
    """A keyring made from a fixed seed."""
    return new_keyring(seeded())


def test_new_keyring_has_one_active_data_key_and_32_byte_keys(keyring: Keyring) -> None:
    """A new keyring holds one data key, active, and every key is 32 bytes."""
    assert list(keyring.data_keys) == [keyring.active_key_id]
    assert all(len(key) == KEY_SIZE for key in
               (keyring.active_key, keyring.index_key, keyring.audit_key))
    assert len({keyring.active_key, keyring.index_key, keyring.audit_key}) == 3


def test_key_id_is_eight_hex_digits_derived_from_the_key(keyring: Keyring) -> None:
    """A key id is 8 lowercase hex digits that follow from the key itself."""
    assert keyring.active_key_id == key_id_for(keyring.active_key)
    assert len(keyring.active_key_id) == 8
    assert keyring.active_key_id == keyring.active_key_id.lower()
    int(keyring.active_key_id, 16)


def test_same_randomness_gives_the_same_keyring() -> None:
    """Keys come only from random_bytes: the same seed gives the same keyring."""
    assert new_keyring(seeded(3)).to_bytes() == new_keyring(seeded(3)).to_bytes()
    assert new_keyring(seeded(3)).to_bytes() != new_keyring(seeded(4)).to_bytes()


def test_key_file_round_trips(keyring: Keyring) -> None:
    """A keyring written to a key file reads back equal, retired keys included."""
    two = rotated(keyring, seeded(9))
    assert Keyring.from_bytes(two.to_bytes(), KEY_FILE) == two


def test_key_file_says_what_it_is(keyring: Keyring) -> None:
    """The key file is JSON that names its format and version."""
    body = json.loads(keyring.to_bytes())
    assert body["format"] == "corridor-keyring"
    assert body["version"] == 1


def test_repr_never_shows_a_key(keyring: Keyring) -> None:
    """A keyring printed in a log or a traceback shows no key."""
    shown = repr(keyring)
    for key in (keyring.active_key, keyring.index_key, keyring.audit_key):
        assert key.hex() not in shown
        assert repr(key) not in shown


def test_data_keys_cannot_be_changed_afterwards(keyring: Keyring) -> None:
    """The keyring's data keys are read-only."""
    with pytest.raises(TypeError):
        keyring.data_keys["00000000"] = bytes(32)  # type: ignore[index]


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"not json", b"[1, 2]",
                                     b'{"format": "something-else", "version": 1}'])
def test_something_else_than_a_key_file_is_refused(content: bytes) -> None:
    """Any file that is not a corridor key file gives KeyUnusable naming the file."""
    with pytest.raises(KeyUnusable, match=r"/media/usb/corridor.key is not a corridor key file"):
        Keyring.from_bytes(content, KEY_FILE)


def test_a_changed_key_is_noticed(keyring: Keyring) -> None:
    """A key file whose key was changed, even by one character, is refused."""
    body = json.loads(keyring.to_bytes())
    key = body["index_key"]
    body["index_key"] = ("B" if key[0] != "B" else "C") + key[1:]
    with pytest.raises(KeyUnusable, match=r"damaged or was edited.*restore the key file"):
        Keyring.from_bytes(json.dumps(body).encode(), KEY_FILE)


def test_a_truncated_key_file_is_refused(keyring: Keyring) -> None:
    """A key file cut short gives KeyUnusable naming it."""
    data = keyring.to_bytes()
    with pytest.raises(KeyUnusable, match=KEY_FILE):
        Keyring.from_bytes(data[: len(data) // 2], KEY_FILE)


def test_a_key_file_with_a_consistent_but_wrong_key_is_refused(keyring: Keyring) -> None:
    """A key file rewritten with a checksum but a key of the wrong length is refused."""
    body = json.loads(keyring.to_bytes())
    del body["checksum"]
    body["audit_key"] = "AAAA"
    body["checksum"] = _checksum(body)  # the writer's own checksum, to get past that check
    with pytest.raises(KeyUnusable, match=r"is damaged .*audit key is not 32 bytes"):
        Keyring.from_bytes(json.dumps(body).encode(), KEY_FILE)


def test_a_newer_key_file_version_is_refused(keyring: Keyring) -> None:
    """A key file of another version says which version and what to do."""
    body = json.loads(keyring.to_bytes())
    body["version"] = 2
    with pytest.raises(KeyUnusable, match=r"has version 2.*use the corridor that wrote it"):
        Keyring.from_bytes(json.dumps(body).encode(), KEY_FILE)


def test_a_keyring_of_a_short_key_cannot_be_built(keyring: Keyring) -> None:
    """Building a keyring with a key that is not 32 bytes raises InvalidValue."""
    with pytest.raises(InvalidValue, match=r"index key is not 32 bytes"):
        Keyring(keyring.data_keys, keyring.active_key_id, b"short", keyring.audit_key)


def test_the_active_key_must_be_in_the_keyring(keyring: Keyring) -> None:
    """An active key id that names no data key raises InvalidValue."""
    with pytest.raises(InvalidValue, match=r"active key"):
        Keyring(keyring.data_keys, "00000000", keyring.index_key, keyring.audit_key)


def test_rotation_makes_a_new_active_key_and_a_new_index_key(keyring: Keyring) -> None:
    """Rotation adds a data key, makes it active and replaces the index key."""
    after = rotated(keyring, seeded(11))
    assert after.active_key_id != keyring.active_key_id
    assert after.retired_key_ids == (keyring.active_key_id,)
    assert after.data_keys[keyring.active_key_id] == keyring.active_key
    assert after.index_key != keyring.index_key
    assert after.index_key_id() != keyring.index_key_id()


def test_rotation_keeps_the_audit_key(keyring: Keyring) -> None:
    """The audit key survives rotation, so the signed audit head keeps verifying."""
    assert rotated(keyring, seeded(11)).audit_public_key() == keyring.audit_public_key()


def test_rotating_twice_keeps_every_older_key(keyring: Keyring) -> None:
    """Every data key of every rotation stays until the keys are retired."""
    twice = rotated(rotated(keyring, seeded(11)), seeded(12))
    assert len(twice.data_keys) == 3
    assert keyring.active_key_id in twice.retired_key_ids


def test_retiring_leaves_only_the_active_key(keyring: Keyring) -> None:
    """After re-encryption, without_retired keeps the active key and nothing older."""
    after = without_retired(rotated(keyring, seeded(11)))
    assert list(after.data_keys) == [after.active_key_id]
    assert after.retired_key_ids == ()
    assert after.index_key == rotated(keyring, seeded(11)).index_key


def test_audit_public_key_is_32_bytes_and_stable(keyring: Keyring) -> None:
    """The audit public key is 32 bytes and follows from the audit key."""
    assert len(keyring.audit_public_key()) == 32
    assert keyring.audit_public_key() == keyring.audit_public_key()
