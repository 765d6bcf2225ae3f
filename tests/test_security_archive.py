"""Encrypted archives: round trips, the clear header, expiry, wrong passphrases, tampering."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.domain.errors import ArchiveUnusable, InvalidValue
from corridor.security.archive import (
    DEFAULT_ARCHIVE_KDF,
    MAGIC,
    ArchiveHeader,
    ArchiveKdf,
    open_archive,
    read_header,
    seal_archive,
)

MADE = datetime(2017, 3, 18, 9, 0, tzinfo=UTC)
EXPIRES = MADE + timedelta(days=7)
DURING = MADE + timedelta(days=1)
PASSPHRASE = "olive trees of al-Waer"
SOURCE = "/media/usb/convoy-3.corridor"
FAST = ArchiveKdf(time_cost=1, memory_cost=64, parallelism=1)
MANIFEST = "person_id,name,convoy\nP0000417,أحمد الحداد,3\n".encode()


def seeded(seed: int = 7) -> Callable[[int], bytes]:
    """A repeatable stand-in for os.urandom."""
    return random.Random(seed).randbytes


def header(members: tuple[str, ...] = ("manifest.csv",),
           expires_at: datetime | None = EXPIRES) -> ArchiveHeader:
    """An export for UNHCR made on the first convoy day."""
    return ArchiveHeader("export", MADE, expires_at, "UNHCR Gaziantep", "convoy 3 manifest",
                         members)


def sealed(members: dict[str, bytes] | None = None, chunk_size: int = 1 << 20,
           expires_at: datetime | None = EXPIRES) -> bytes:
    """An archive of ``members`` (the manifest by default) with fast Argon2."""
    members = {"manifest.csv": MANIFEST} if members is None else members
    return seal_archive(members, header(tuple(members), expires_at), PASSPHRASE, seeded(),
                        kdf=FAST, chunk_size=chunk_size)


@settings(max_examples=25, deadline=None)
@given(members=st.dictionaries(st.sampled_from(["a.csv", "b.csv", "persons.csv", "notes.txt"]),
                               st.binary(max_size=300), max_size=4),
       chunk_size=st.integers(min_value=1, max_value=400))
def test_members_round_trip(members: dict[str, bytes], chunk_size: int) -> None:
    """Any files, in chunks of any size, come out as they went in."""
    data = sealed(members, chunk_size=chunk_size)
    opened_header, opened = open_archive(data, PASSPHRASE, DURING, SOURCE)
    assert opened == members
    assert list(opened) == list(members)
    assert opened_header == header(tuple(members))


def test_an_archive_starts_with_its_magic_line() -> None:
    """The first line says what the file is."""
    assert sealed().startswith(MAGIC)


def test_the_header_is_readable_without_the_passphrase() -> None:
    """Kind, expiry, recipient, note and file names read without the passphrase."""
    assert read_header(sealed(), SOURCE) == header()


def test_the_header_records_the_kdf_and_never_the_content() -> None:
    """The clear header holds the Argon2id parameters and salt, and no personal data."""
    data = sealed()
    line = data[len(MAGIC):data.index(b"\n", len(MAGIC))]
    meta = json.loads(line)
    assert meta["kdf"]["algorithm"] == "argon2id"
    assert meta["kdf"]["memory_cost"] == FAST.memory_cost
    assert len(bytes.fromhex(meta["kdf"]["salt"])) == 16
    assert "أحمد".encode() not in data
    assert b"P0000417" not in data


def test_the_same_randomness_gives_the_same_archive() -> None:
    """Sealing is pure: the same inputs and seed give the same bytes."""
    assert sealed() == sealed()


def test_a_wrong_passphrase_is_refused() -> None:
    """A wrong passphrase gives ArchiveUnusable naming the file."""
    with pytest.raises(ArchiveUnusable, match=r"convoy-3\.corridor does not open: the "
                                              r"passphrase is wrong"):
        open_archive(sealed(), "olive trees of Homs", DURING, SOURCE)


def test_an_expired_archive_is_refused_with_its_date() -> None:
    """From its expiry on, the archive is refused with the date and what to do."""
    with pytest.raises(ArchiveUnusable, match=r"expired on 2017-03-25 09:00 UTC.*make a new "
                                              r"export"):
        open_archive(sealed(), PASSPHRASE, EXPIRES, SOURCE)


def test_an_archive_without_expiry_opens_later() -> None:
    """An archive made without an expiry opens years later."""
    data = sealed(expires_at=None)
    assert open_archive(data, PASSPHRASE, MADE + timedelta(days=3650), SOURCE)[1]


def test_pushing_the_expiry_back_breaks_the_archive() -> None:
    """Editing the clear expiry to a later date makes the archive refuse to open."""
    data = sealed()
    altered = data.replace(b"2017-03-25", b"2099-03-25")
    assert read_header(altered, SOURCE).expires_at == datetime(2099, 3, 25, 9, 0, tzinfo=UTC)
    with pytest.raises(ArchiveUnusable, match=r"damaged or altered"):
        open_archive(altered, PASSPHRASE, MADE + timedelta(days=30), SOURCE)


def test_changing_the_recipient_breaks_the_archive() -> None:
    """Any change to the clear header, the recipient for one, breaks the archive."""
    altered = sealed().replace(b"UNHCR Gaziantep", b"UNHCR Damascus!")
    with pytest.raises(ArchiveUnusable, match=r"damaged or altered"):
        open_archive(altered, PASSPHRASE, DURING, SOURCE)


@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
@settings(max_examples=30, deadline=None)
def test_any_altered_byte_of_the_body_is_refused(position: int, flip: int) -> None:
    """A byte changed anywhere after the header gives ArchiveUnusable."""
    data = bytearray(sealed(chunk_size=16))
    body_start = data.index(b"\n", len(MAGIC)) + 1
    data[body_start + position % (len(data) - body_start)] ^= flip
    with pytest.raises(ArchiveUnusable):
        open_archive(bytes(data), PASSPHRASE, DURING, SOURCE)


def test_cutting_whole_chunks_off_the_end_is_refused() -> None:
    """An archive cut at a chunk boundary does not open: the last chunk is marked."""
    data = sealed(chunk_size=32)
    with pytest.raises(ArchiveUnusable, match=r"damaged or altered"):
        open_archive(data[:-(32 + 16)], PASSPHRASE, DURING, SOURCE)


def test_swapping_chunks_is_refused() -> None:
    """Two chunks exchanged do not open: each is bound to its place."""
    data = sealed(chunk_size=32)
    start = data.index(b"\n", len(MAGIC)) + 1
    first, second = data[start:start + 48], data[start + 48:start + 96]
    with pytest.raises(ArchiveUnusable):
        open_archive(data[:start] + second + first + data[start + 96:], PASSPHRASE, DURING,
                     SOURCE)


def test_something_appended_is_refused() -> None:
    """Bytes added after the last chunk make the archive refuse to open."""
    with pytest.raises(ArchiveUnusable):
        open_archive(sealed() + b"\x00" * 16, PASSPHRASE, DURING, SOURCE)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04", b"person_id,name\n", MAGIC[:-1]])
def test_something_else_is_not_an_archive(content: bytes) -> None:
    """A file that is not an archive says so, naming it."""
    with pytest.raises(ArchiveUnusable, match=r"convoy-3\.corridor is not a corridor archive"):
        read_header(content, SOURCE)


@pytest.mark.parametrize("line", [b"{", b"[]", b'{"kind": "export"}', b"\xff\xfe"])
def test_a_garbled_header_is_damaged(line: bytes) -> None:
    """A header line that cannot be read gives ArchiveUnusable, not a crash."""
    with pytest.raises(ArchiveUnusable, match=r"is damaged: its header cannot be read"):
        read_header(MAGIC + line + b"\n", SOURCE)


def test_hostile_kdf_costs_are_refused_before_deriving() -> None:
    """A header asking Argon2 for 100 GiB is refused as damaged, without trying."""
    data = sealed()
    altered = data.replace(f'"memory_cost":{FAST.memory_cost}'.encode(),
                           b'"memory_cost":104857600')
    with pytest.raises(ArchiveUnusable, match=r"header cannot be read"):
        open_archive(altered, PASSPHRASE, DURING, SOURCE)


def test_a_short_passphrase_is_refused() -> None:
    """A passphrase under 12 characters raises InvalidValue."""
    with pytest.raises(InvalidValue, match=r"at least 12 characters") as refused:
        seal_archive({"manifest.csv": MANIFEST}, header(), "short", seeded(), kdf=FAST)
    assert refused.value.field == "passphrase"


def test_the_header_must_list_the_files() -> None:
    """A header that names other files than those sealed raises InvalidValue."""
    with pytest.raises(InvalidValue, match=r"exactly the files"):
        seal_archive({"manifest.csv": MANIFEST}, header(("other.csv",)), PASSPHRASE, seeded(),
                     kdf=FAST)


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b.csv", "..", "", "a\\b"])
def test_a_file_name_with_a_path_is_refused(name: str) -> None:
    """A member name that is a path, not a plain name, cannot be put in a header."""
    with pytest.raises(InvalidValue, match=r"file name"):
        header((name,))


def test_a_header_needs_utc_times_and_a_known_kind() -> None:
    """A naive time, an expiry before creation or an unknown kind raise InvalidValue."""
    with pytest.raises(InvalidValue, match=r"time zone"):
        ArchiveHeader("export", datetime(2017, 3, 18), None, None, "", ())
    with pytest.raises(InvalidValue, match=r"expire after"):
        ArchiveHeader("export", MADE, MADE, None, "", ())
    with pytest.raises(InvalidValue, match=r"export, backup, share"):
        ArchiveHeader("dump", MADE, None, None, "", ())


def test_a_composed_or_decomposed_passphrase_opens() -> None:
    """A passphrase typed with a decomposed letter opens what the composed one sealed."""
    data = seal_archive({"m.csv": b"x"}, header(("m.csv",)), "كلمة سر آمنة جدا", seeded(),
                        kdf=FAST)
    assert open_archive(data, "كلمة سر ا\u0653منة جدا", DURING, SOURCE)[1] == {"m.csv": b"x"}


def test_an_empty_archive_round_trips() -> None:
    """An archive of no files opens to no files."""
    assert open_archive(sealed({}), PASSPHRASE, DURING, SOURCE)[1] == {}


def test_a_large_member_spans_many_chunks() -> None:
    """Three mebibytes and a bit, over four 1 MiB chunks, come back whole."""
    big = random.Random(3).randbytes(3 * (1 << 20) + 5)
    assert open_archive(sealed({"backup.db": big}), PASSPHRASE, DURING, SOURCE)[1] == {
        "backup.db": big}


def test_default_kdf_is_argon2id_at_256_mib() -> None:
    """The default archive key costs 3 passes over 256 MiB with 2 lanes (about 0.3 s here)."""
    assert ArchiveKdf(time_cost=3, memory_cost=256 * 1024, parallelism=2) == DEFAULT_ARCHIVE_KDF
