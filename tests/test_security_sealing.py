"""Sealed personal fields: round trips, wrong keys, tampering, rotation, blind indexes."""

from __future__ import annotations

import os
import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.domain.errors import InvalidValue, KeyUnusable
from corridor.security.keys import Keyring, new_keyring, rotated, without_retired
from corridor.security.sealing import Sealer, name_tokens, normalise_name

PERSON = "op-al-waer/person/P0000417"
OTHER_PERSON = "op-al-waer/person/P0000418"
PERSON_FIELDS = ("أحمد الحداد", "male", "1979", None, "civilian", "leave", "", "0", "2")

# Names as they are typed at a registration desk: Arabic with and without diacritics, Latin.
FIELD = st.one_of(
    st.none(),
    st.just(""),
    st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), max_size=20),
    st.text(max_size=20),
    st.sampled_from(["\x00", "\x01", "a\x00b", "\x01\x00", "None", "null"]),
)


def seeded(seed: int = 7) -> Callable[[int], bytes]:
    """A repeatable stand-in for os.urandom."""
    return random.Random(seed).randbytes


@pytest.fixture
def keyring() -> Keyring:
    """A keyring made from a fixed seed."""
    return new_keyring(seeded())


@pytest.fixture
def sealer(keyring: Keyring) -> Sealer:
    """A sealer with the keyring's active key."""
    return Sealer(keyring, seeded(8))


@given(fields=st.lists(FIELD, max_size=12))
def test_fields_round_trip(fields: list[str | None]) -> None:
    """Any fields, None, empty, Arabic or with control characters, open as they were sealed."""
    sealer = Sealer(new_keyring(seeded()), seeded(1))
    assert sealer.open(PERSON, sealer.seal(PERSON, fields)) == tuple(fields)


@given(rows=st.lists(st.lists(FIELD, max_size=6), max_size=20))
def test_seal_many_opens_like_seal(rows: list[list[str | None]]) -> None:
    """Each blob of seal_many opens on its own, to its own row."""
    sealer = Sealer(new_keyring(seeded()), seeded(1))
    ids = [f"record-{number}" for number in range(len(rows))]
    blobs = sealer.seal_many(ids, rows)
    assert [sealer.open(record_id, blob) for record_id, blob in zip(ids, blobs, strict=True)
            ] == [tuple(row) for row in rows]
    assert sealer.open_many(ids, blobs) == [tuple(row) for row in rows]


def test_none_and_empty_text_stay_apart(sealer: Sealer) -> None:
    """None and "" are different values after a round trip."""
    assert sealer.open(PERSON, sealer.seal(PERSON, [None, "", None])) == (None, "", None)
    assert sealer.open(PERSON, sealer.seal(PERSON, [""])) == ("",)
    assert sealer.open(PERSON, sealer.seal(PERSON, [None])) == (None,)
    assert sealer.open(PERSON, sealer.seal(PERSON, [])) == ()


def test_seal_many_asks_for_randomness_once(keyring: Keyring) -> None:
    """All the nonces of a batch come from one call to random_bytes."""
    calls: list[int] = []
    source = seeded(2)

    def counting(size: int) -> bytes:
        calls.append(size)
        return source(size)

    Sealer(keyring, counting).seal_many(["a", "b", "c"], [["1"], ["2"], ["3"]])
    assert calls == [36]


def test_every_blob_has_its_own_nonce(sealer: Sealer) -> None:
    """The same fields sealed twice give different blobs."""
    blobs = sealer.seal_many([PERSON] * 100, [PERSON_FIELDS] * 100)
    assert len({blob[5:17] for blob in blobs}) == 100


def test_blob_starts_with_version_and_key_id(sealer: Sealer, keyring: Keyring) -> None:
    """A blob carries the format version and the id of the key that sealed it."""
    blob = sealer.seal(PERSON, PERSON_FIELDS)
    assert blob[0] == 1
    assert blob[1:5].hex() == keyring.active_key_id == sealer.key_id_of(blob)


def test_blob_length_hides_the_exact_length_of_a_name(sealer: Sealer) -> None:
    """Names of 1 and 10 characters give blobs of the same length (16-byte padding)."""
    assert len(sealer.seal(PERSON, ["a"])) == len(sealer.seal(PERSON, ["abcdefghij"]))


def test_another_keyring_cannot_open_a_record(sealer: Sealer) -> None:
    """The key file of another database gives KeyUnusable that names the key, never garbage."""
    blob = sealer.seal(PERSON, PERSON_FIELDS)
    stranger = Sealer(new_keyring(seeded(99)), seeded(1))
    with pytest.raises(KeyUnusable, match=r"sealed with key [0-9a-f]{8}.*not the one this "
                                          r"database was encrypted with"):
        stranger.open(PERSON, blob)


def test_a_blob_of_another_key_under_a_known_id_does_not_open(sealer: Sealer,
                                                              keyring: Keyring) -> None:
    """A blob sealed with another key but labelled with a known key id fails authentication."""
    foreign = Sealer(new_keyring(seeded(99)), seeded(1)).seal(PERSON, PERSON_FIELDS)
    relabelled = foreign[:1] + bytes.fromhex(keyring.active_key_id) + foreign[5:]
    with pytest.raises(KeyUnusable, match=r"does not open .*key file is the wrong one"):
        sealer.open(PERSON, relabelled)


@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_any_altered_byte_is_refused(position: int, flip: int) -> None:
    """Changing any byte of a blob gives KeyUnusable."""
    sealer = Sealer(new_keyring(seeded()), seeded(1))
    blob = bytearray(sealer.seal(PERSON, PERSON_FIELDS))
    blob[position % len(blob)] ^= flip
    with pytest.raises(KeyUnusable):
        sealer.open(PERSON, bytes(blob))
    with pytest.raises(KeyUnusable):
        sealer.open_many([PERSON], [bytes(blob)])


@given(cut=st.integers(min_value=0))
def test_a_shortened_blob_is_refused(cut: int) -> None:
    """A blob cut anywhere gives KeyUnusable."""
    sealer = Sealer(new_keyring(seeded()), seeded(1))
    blob = sealer.seal(PERSON, PERSON_FIELDS)
    with pytest.raises(KeyUnusable):
        sealer.open(PERSON, blob[: cut % len(blob)])
    with pytest.raises(KeyUnusable):
        sealer.open_many([PERSON], [blob[: cut % len(blob)]])


def test_a_blob_moved_to_another_record_is_refused(sealer: Sealer) -> None:
    """A blob copied onto another record's row does not open there."""
    blob = sealer.seal(PERSON, PERSON_FIELDS)
    with pytest.raises(KeyUnusable, match=r"altered or moved from another record"):
        sealer.open(OTHER_PERSON, blob)
    with pytest.raises(KeyUnusable, match=r"altered or moved from another record"):
        sealer.open_many([PERSON, OTHER_PERSON], [blob, blob])


def test_records_of_the_old_key_open_after_rotation(keyring: Keyring) -> None:
    """After rotation, records sealed with the old key still open; new ones use the new key."""
    old_blob = Sealer(keyring, seeded(1)).seal(PERSON, PERSON_FIELDS)
    after = rotated(keyring, seeded(2))
    sealer = Sealer(after, seeded(3))
    assert sealer.open(PERSON, old_blob) == PERSON_FIELDS
    new_blob = sealer.seal(PERSON, PERSON_FIELDS)
    assert sealer.key_id_of(old_blob) == keyring.active_key_id
    assert sealer.key_id_of(new_blob) == after.active_key_id


def test_retired_keys_no_longer_open_old_records(keyring: Keyring) -> None:
    """Once the old key is retired, a record left sealed with it gives KeyUnusable."""
    old_blob = Sealer(keyring, seeded(1)).seal(PERSON, PERSON_FIELDS)
    retired = without_retired(rotated(keyring, seeded(2)))
    with pytest.raises(KeyUnusable, match=keyring.active_key_id):
        Sealer(retired, seeded(3)).open(PERSON, old_blob)


def test_ids_and_rows_must_pair_up(sealer: Sealer) -> None:
    """seal_many with more ids than rows raises InvalidValue."""
    with pytest.raises(InvalidValue):
        sealer.seal_many(["a", "b"], [["1"]])


def test_damaged_blob_reports_damage(sealer: Sealer) -> None:
    """A blob that is not corridor's says so rather than blaming the key."""
    with pytest.raises(KeyUnusable, match=r"damaged or was not written by this corridor"):
        sealer.open(PERSON, b"\x02" + bytes(60))


def test_blind_index_is_16_bytes_and_repeatable(sealer: Sealer) -> None:
    """A blind index is 16 bytes and the same name gives the same index."""
    assert len(sealer.blind_index("Amal Haddad")) == 16
    assert sealer.blind_index("Amal Haddad") == sealer.blind_index("Amal Haddad")
    assert sealer.blind_index("Amal Haddad") != sealer.blind_index("Amal Hadad")


@pytest.mark.parametrize(("typed", "registered"), [
    ("  amal   HADDAD ", "Amal Haddad"),
    ("أحمد", "احمد"),
    ("إبراهيم", "ابراهيم"),
    ("آمنة", "امنه"),
    ("مُحَمَّد", "محمد"),
    ("محـــمد", "محمد"),
    ("مصطفى", "مصطفي"),
    ("فاطمة", "فاطمه"),
    ("علی", "علي"),
    ("ﻣﺤﻤﺪ", "محمد"),  # presentation forms, as some old systems export
])
def test_blind_index_matches_spelling_variants(sealer: Sealer, typed: str,
                                               registered: str) -> None:
    """Names typed with other diacritics, hamza forms, spacing or case find the registered one."""
    assert sealer.blind_index(typed) == sealer.blind_index(registered)


def test_blind_index_depends_on_the_index_key(keyring: Keyring) -> None:
    """Another index key gives other indexes: they say nothing without the key."""
    assert (Sealer(keyring, seeded()).blind_index("Amal Haddad")
            != Sealer(rotated(keyring, seeded(2)), seeded()).blind_index("Amal Haddad"))


def test_token_indexes_find_a_name_by_any_part(sealer: Sealer) -> None:
    """Each word of a name has the index of that word alone."""
    assert sealer.token_indexes("Amal al-Haddad") == [
        sealer.blind_index("amal"), sealer.blind_index("al"), sealer.blind_index("haddad")]


def test_normalise_name_folds_arabic_and_latin() -> None:
    """normalise_name casefolds, strips diacritics and tatweel and unifies letter forms."""
    assert normalise_name("  Ａmal\tHADDAD  ") == "amal haddad"
    assert normalise_name("أَحْمَد ٱلحَـدّاد") == "احمد الحداد"
    assert normalise_name("عيسى حمزة") == "عيسي حمزه"
    assert normalise_name("") == ""


def test_name_tokens_are_distinct_words_in_order() -> None:
    """name_tokens splits on spaces and punctuation and drops repeats."""
    assert name_tokens("Muhammad bin Muhammad al-Haddad") == ["muhammad", "bin", "al", "haddad"]
    assert name_tokens("أحمد  الحداد") == ["احمد", "الحداد"]
    assert name_tokens("  ") == []


@given(st.text(max_size=30))
def test_normalise_name_is_idempotent(text: str) -> None:
    """Normalising a normalised name changes nothing."""
    once = normalise_name(text)
    assert normalise_name(once) == once


@given(st.lists(st.text(alphabet=st.sampled_from(list("أإآٱاىیکةـًٌٍَُِّْٰ abc ABC\u00a0\u3000ﷲﻻ-'")),
                        max_size=20), min_size=1, max_size=5))
def test_name_indexes_equal_the_blind_index_of_the_name_and_of_its_last_word(
        names: list[str]) -> None:
    """The fast word-by-word path gives exactly what blind_index gives name by name."""
    sealer = Sealer(new_keyring(os.urandom), os.urandom)
    for name, (whole, family) in zip(names, sealer.name_indexes(names), strict=True):
        assert whole == sealer.blind_index(name)
        assert family == sealer.blind_index(normalise_name(name).rpartition(" ")[2])
