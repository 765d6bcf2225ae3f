"""Encrypted archives: every export, backup or share of personal data leaves corridor as one.

An archive is (docs/security.md, "Formats")::

    CORRIDOR-ARCHIVE 1\\n
    {"cipher": {...}, "created_at": ..., "expires_at": ..., "kdf": {...}, "kind": ..., ...}\\n
    chunk 0 | chunk 1 | ... | last chunk

The header line is readable without the passphrase (kind, expiry, recipient, note, member
names) and is the associated data of every chunk, so changing a letter of it, the expiry
included, makes the archive refuse to open. The key is Argon2id of the passphrase with the
header's salt and parameters. The body is a zip of the members, encrypted with AES-256-GCM in
chunks of 1 MiB; each chunk's nonce is a random prefix, the chunk's number and a flag on the last
one, so chunks cannot be reordered, dropped or added (the STREAM construction).

Expiry is enforced by corridor, not by mathematics: anyone with the passphrase and a modified
program can open an expired archive. It stops the honest mistake of using an old list, not a
determined holder of the passphrase.

Pure: the salt and the nonce prefix come from ``random_bytes``, the time from ``now``.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from corridor.domain.errors import ArchiveUnusable, InvalidValue
from corridor.security.keys import RandomBytes

MAGIC = b"CORRIDOR-ARCHIVE 1\n"
ARCHIVE_KINDS = ("export", "backup", "share")
MIN_PASSPHRASE_LENGTH = 12
CHUNK_SIZE = 1 << 20
_SALT_SIZE = 16
_NONCE_PREFIX_SIZE = 7
_TAG_SIZE = 16
_MAX_HEADER_SIZE = 1 << 20  # the header line is looked for in the first MiB only
_MEMBER_NAME = re.compile(r"[^/\\\x00]{1,255}\Z")
_CIPHER = "aes-256-gcm-stream"
_KDF = "argon2id"


@dataclass(frozen=True)
class ArchiveKdf:
    """Argon2id parameters for an archive key: ``memory_cost`` in KiB.

    The default takes about 0.3 s on the reference 2-core machine (3 passes over 256 MiB). An
    archive records its own parameters, so raising them later leaves older archives readable.
    """

    time_cost: int = 3
    memory_cost: int = 256 * 1024
    parallelism: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.time_cost <= 64:
            raise InvalidValue("the Argon2 time cost must be from 1 to 64", "time_cost")
        if not 8 * self.parallelism <= self.memory_cost <= 2 * 1024 * 1024:
            raise InvalidValue("the Argon2 memory cost must be from 8 KiB a lane to 2 GiB",
                               "memory_cost")
        if not 1 <= self.parallelism <= 16:
            raise InvalidValue("the Argon2 parallelism must be from 1 to 16", "parallelism")


DEFAULT_ARCHIVE_KDF = ArchiveKdf()


@dataclass(frozen=True)
class ArchiveHeader:
    """What an archive says about itself in clear: readable without the passphrase.

    ``kind`` is "export", "backup" or "share"; the times are UTC; ``members`` are the names of
    the files inside, in order. Never put personal data in ``note`` or ``recipient``: they are
    not encrypted.
    """

    kind: str
    created_at: datetime
    expires_at: datetime | None
    recipient: str | None
    note: str
    members: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in ARCHIVE_KINDS:
            raise InvalidValue(f"an archive kind is one of {', '.join(ARCHIVE_KINDS)}, "
                               f"not {self.kind!r}", "kind")
        object.__setattr__(self, "created_at", _utc(self.created_at, "created_at"))
        if self.expires_at is not None:
            object.__setattr__(self, "expires_at", _utc(self.expires_at, "expires_at"))
            if self.expires_at <= self.created_at:
                raise InvalidValue("an archive must expire after it was made", "expires_at")
        object.__setattr__(self, "members", tuple(self.members))
        for name in self.members:
            if not _MEMBER_NAME.match(name) or name in {".", ".."}:
                raise InvalidValue(f"{name!r} cannot be a file name in an archive: use a plain "
                                   "name without slashes", "members")
        if len(set(self.members)) != len(self.members):
            raise InvalidValue("an archive cannot hold two files of one name", "members")


def seal_archive(members: Mapping[str, bytes], header: ArchiveHeader, passphrase: str,
                 random_bytes: RandomBytes, *, kdf: ArchiveKdf = DEFAULT_ARCHIVE_KDF,
                 chunk_size: int = CHUNK_SIZE) -> bytes:
    """The archive of ``members``, encrypted under ``passphrase`` (at least 12 characters).

    ``header.members`` must name exactly the files of ``members``; they are stored in the
    header's order.
    """
    passphrase = unicodedata.normalize("NFC", passphrase)
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise InvalidValue(f"an archive passphrase needs at least {MIN_PASSPHRASE_LENGTH} "
                           "characters; a few unrelated words make a good one", "passphrase")
    if set(header.members) != set(members):
        raise InvalidValue("the archive header must list exactly the files put into it",
                           "members")
    if chunk_size < 1:
        raise InvalidValue("the chunk size must be positive", "chunk_size")
    salt = random_bytes(_SALT_SIZE)
    nonce_prefix = random_bytes(_NONCE_PREFIX_SIZE)
    meta = {
        **_header_json(header),
        "kdf": {"algorithm": _KDF, "time_cost": kdf.time_cost, "memory_cost": kdf.memory_cost,
                "parallelism": kdf.parallelism, "salt": salt.hex()},
        "cipher": {"algorithm": _CIPHER, "chunk_size": chunk_size,
                   "nonce_prefix": nonce_prefix.hex()},
    }
    preamble = MAGIC + json.dumps(meta, sort_keys=True, separators=(",", ":"),
                                  ensure_ascii=False).encode() + b"\n"
    cipher = AESGCM(_derive_key(passphrase, salt, kdf))
    plain = _zip(members, header)
    chunks = [preamble]
    count = max(1, -(-len(plain) // chunk_size))
    for number in range(count):
        nonce = _chunk_nonce(nonce_prefix, number, last=number == count - 1)
        piece = plain[number * chunk_size:(number + 1) * chunk_size]
        chunks.append(cipher.encrypt(nonce, piece, preamble))
    return b"".join(chunks)


def read_header(data: bytes, source: str) -> ArchiveHeader:
    """The clear header of an archive, without the passphrase; :class:`ArchiveUnusable` if none.

    The header is not verified until the archive is opened: it may have been altered.
    """
    return _parse(data, source).header


def open_archive(data: bytes, passphrase: str, now: datetime,
                 source: str) -> tuple[ArchiveHeader, dict[str, bytes]]:
    """The header and the files of an archive that has not expired at ``now``.

    :class:`ArchiveUnusable` naming ``source`` when it is not an archive, is damaged or altered,
    the passphrase is wrong, or it expired.
    """
    now = _utc(now, "now")
    parsed = _parse(data, source)
    header = parsed.header
    if header.expires_at is not None and now >= header.expires_at:
        raise ArchiveUnusable(
            f"the archive {source} expired on {header.expires_at:%Y-%m-%d %H:%M} UTC and "
            "corridor no longer opens it; make a new export from the database")
    cipher = AESGCM(_derive_key(unicodedata.normalize("NFC", passphrase), parsed.salt,
                                parsed.kdf))
    preamble, nonce_prefix = parsed.preamble, parsed.nonce_prefix
    sealed_size = parsed.chunk_size + _TAG_SIZE
    body = memoryview(data)[len(preamble):]
    pieces = []
    number = 0
    try:
        while True:
            last = len(body) <= sealed_size
            nonce = _chunk_nonce(nonce_prefix, number, last=last)
            pieces.append(cipher.decrypt(nonce, body[:sealed_size], preamble))
            if last:
                break
            body = body[sealed_size:]
            number += 1
    except InvalidTag:
        raise ArchiveUnusable(f"the archive {source} does not open: the passphrase is wrong, or "
                              "the archive was damaged or altered") from None
    return header, _unzip(b"".join(pieces), header, source)


@dataclass(frozen=True)
class _Parsed:
    header: ArchiveHeader
    kdf: ArchiveKdf
    salt: bytes
    nonce_prefix: bytes
    chunk_size: int
    preamble: bytes  # the magic line and the header line: every chunk's associated data


def _parse(data: bytes, source: str) -> _Parsed:
    if not data.startswith(MAGIC):
        raise ArchiveUnusable(f"{source} is not a corridor archive")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + _MAX_HEADER_SIZE)
    if end < 0:
        raise ArchiveUnusable(f"the archive {source} is damaged: its header has no end")
    try:
        meta = json.loads(data[len(MAGIC):end].decode())
        kdf, cipher = meta["kdf"], meta["cipher"]
        if kdf["algorithm"] != _KDF or cipher["algorithm"] != _CIPHER:
            raise ValueError("an algorithm this corridor does not know")
        parsed = _Parsed(
            header=ArchiveHeader(
                kind=_text(meta["kind"]),
                created_at=datetime.fromisoformat(_text(meta["created_at"])),
                expires_at=(None if meta["expires_at"] is None
                            else datetime.fromisoformat(_text(meta["expires_at"]))),
                recipient=None if meta["recipient"] is None else _text(meta["recipient"]),
                note=_text(meta["note"]),
                members=tuple(_text(name) for name in meta["members"]),
            ),
            kdf=ArchiveKdf(_integer(kdf["time_cost"]), _integer(kdf["memory_cost"]),
                           _integer(kdf["parallelism"])),
            salt=bytes.fromhex(kdf["salt"]),
            nonce_prefix=bytes.fromhex(cipher["nonce_prefix"]),
            chunk_size=_integer(cipher["chunk_size"]),
            preamble=data[:end + 1],
        )
    except (UnicodeDecodeError, KeyError, TypeError, ValueError):
        parsed = None
    if (parsed is None or len(parsed.salt) != _SALT_SIZE or parsed.chunk_size < 1
            or len(parsed.nonce_prefix) != _NONCE_PREFIX_SIZE):
        raise ArchiveUnusable(f"the archive {source} is damaged: its header cannot be read")
    return parsed


def _header_json(header: ArchiveHeader) -> dict[str, Any]:
    return {
        "kind": header.kind,
        "created_at": header.created_at.isoformat(),
        "expires_at": None if header.expires_at is None else header.expires_at.isoformat(),
        "recipient": header.recipient,
        "note": header.note,
        "members": list(header.members),
    }


def _derive_key(passphrase: str, salt: bytes, kdf: ArchiveKdf) -> bytes:
    return hash_secret_raw(passphrase.encode(), salt, time_cost=kdf.time_cost,
                           memory_cost=kdf.memory_cost, parallelism=kdf.parallelism,
                           hash_len=32, type=Type.ID)


def _chunk_nonce(prefix: bytes, number: int, *, last: bool) -> bytes:
    return prefix + number.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _zip(members: Mapping[str, bytes], header: ArchiveHeader) -> memoryview:
    buffer = io.BytesIO()
    # The archive's own time, not the clock's, so that sealing stays pure and repeatable.
    stamp = max(header.created_at, datetime(1980, 1, 1, tzinfo=UTC)).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name in header.members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name], compresslevel=1)
    return buffer.getbuffer()


def _unzip(plain: bytes, header: ArchiveHeader, source: str) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(plain)) as archive:
            if archive.namelist() != list(header.members):
                raise zipfile.BadZipFile("the files inside differ from the header")
            return {name: archive.read(name) for name in header.members}
    except (zipfile.BadZipFile, OSError, ValueError):
        # Authenticated but unreadable: only a faulty writer gets here, never a wrong passphrase.
        raise ArchiveUnusable(f"the archive {source} opened but the files inside cannot be "
                              "read") from None


def _integer(value: object) -> int:
    if type(value) is not int:  # a bool is not a cost
        raise TypeError("not an integer")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def _utc(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(f"{field} needs a time zone (UTC)", field)
    return moment.astimezone(UTC)
