"""Personal fields sealed at rest (AES-256-GCM) and found again by blind indexes.

A sealed record is one blob (docs/security.md, "Formats")::

    version (1 byte, 0x01) | key id (4 bytes) | nonce (12 bytes) | ciphertext | tag (16 bytes)

The associated data is the version byte, the key id and the record id (UTF-8), so a blob copied
onto another record, or given another key id, no longer opens. The plaintext is the fields, with
``None`` kept apart from ``""``, padded to a multiple of 16 bytes so that the blob's length says
little about the length of a name.

A blind index is a keyed BLAKE2b (16 bytes) of :func:`normalise_name` of a text: equal names give
equal indexes under one index key, and the index says nothing about the name without that key.

Pure: the keys come in a :class:`~corridor.security.keys.Keyring`, nonces from ``random_bytes``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from corridor.domain.errors import InvalidValue, KeyUnusable
from corridor.security.keys import Keyring, RandomBytes

SEALED_VERSION = 1
NONCE_SIZE = 12
TAG_SIZE = 16
INDEX_SIZE = 16
_VERSION_BYTE = bytes([SEALED_VERSION])
_HEADER_SIZE = 1 + 4 + NONCE_SIZE
_PAD_TO = 16
# The smallest plaintext is its layout byte padded to one block.
_SMALLEST_BLOB = _HEADER_SIZE + _PAD_TO + TAG_SIZE

# The plaintext's first byte is its layout: the kind in the high four bits, the number of zero
# bytes of padding at the end in the low four. JOINED: the fields joined by NUL, a lone SOH for
# None (the fast path, for fields without NUL or SOH in them). JSON: a JSON list (anything else).
_JOINED = 0x00
_JSON = 0x10
_KIND_BITS = 0xF0
_PAD_BITS = 0x0F
_SEPARATOR = "\x00"
_NONE_MARK = "\x01"
# _LEADS[kind | padding] + content + _PADDING[:padding] is a plaintext; indexing beats bytes([]).
_LEADS = [bytes([value]) for value in range(256)]
_PADDING = bytes(_PAD_TO)

_INDEX_PERSON = b"corridor-index1"  # BLAKE2b personalisation: these hashes are for nothing else

# Arabic harakat and Quranic marks (U+064B-U+065F), the superscript alef (U+0670) and the tatweel
# (U+0640) are dropped; the spellings of one letter that people type interchangeably are unified.
_ARABIC_FOLDING: dict[int, str | None] = {
    **dict.fromkeys(range(0x064B, 0x0660), None),
    0x0670: None,
    0x0640: None,
    **dict.fromkeys(map(ord, "أإآٱ"), "ا"),
    ord("ى"): "ي",
    ord("ی"): "ي",  # Farsi yeh, what a Persian keyboard types for yeh
    ord("ک"): "ك",  # keheh, what a Persian keyboard types for kaf
    ord("ة"): "ه",
}
_WORD_BREAK = re.compile(r"[\W_]+")


def normalise_name(text: str) -> str:
    """``text`` as names are compared: NFKC, casefolded, Arabic spelling variants unified.

    Arabic diacritics and the tatweel are dropped; أ إ آ ٱ become ا, ى and ی become ي, ک becomes
    ك, ة becomes ه; runs of whitespace become one space and the ends are stripped.
    """
    if text.isascii():  # the common case, and ASCII is already NFKC
        return " ".join(text.casefold().split())
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_ARABIC_FOLDING)
    return " ".join(folded.split())


def name_tokens(text: str) -> list[str]:
    """The distinct normalised words of a name, in order, to find a person by any part of it.

    Hyphens, apostrophes and other punctuation separate words: "al-Haddad" gives "al", "haddad".
    """
    tokens = _WORD_BREAK.split(normalise_name(text))
    return list(dict.fromkeys(token for token in tokens if token))


class Sealer:
    """Seals and opens the personal fields of records with a keyring's data keys.

    New records are sealed with the active key; any key of the keyring opens the records it
    sealed. Every failure to open is :class:`KeyUnusable`, never a wrong plaintext.
    """

    def __init__(self, keyring: Keyring, random_bytes: RandomBytes) -> None:
        self._random_bytes = random_bytes
        self._ciphers = {bytes.fromhex(key_id): AESGCM(key)
                         for key_id, key in keyring.data_keys.items()}
        self._active_id = bytes.fromhex(keyring.active_key_id)
        self._active = self._ciphers[self._active_id]
        self._prefix = _VERSION_BYTE + self._active_id
        self._index = hashlib.blake2b(key=keyring.index_key, digest_size=INDEX_SIZE,
                                      person=_INDEX_PERSON)

    def seal(self, record_id: str, fields: Sequence[str | None]) -> bytes:
        """One record's fields sealed into a blob bound to ``record_id``."""
        return self.seal_many([record_id], [fields])[0]

    def seal_many(self, record_ids: Sequence[str],
                  rows: Sequence[Sequence[str | None]]) -> list[bytes]:
        """Many records at once, as :meth:`seal` would seal each; one call for all nonces."""
        if len(record_ids) != len(rows):
            raise InvalidValue(f"{len(record_ids)} record ids for {len(rows)} rows")
        count = len(rows)
        nonces = self._random_bytes(NONCE_SIZE * count)
        if len(nonces) != NONCE_SIZE * count:
            raise InvalidValue("the source of randomness gave fewer bytes than asked for")
        prefix = self._prefix
        encrypt = self._active.encrypt
        blobs = []
        start = 0
        # _plaintext inlined for the common layout: this runs millions of times on an import.
        for record_id, fields in zip(record_ids, rows, strict=True):
            nonce = nonces[start:start + NONCE_SIZE]
            start += NONCE_SIZE
            nones = fields.count(None)
            joined = _SEPARATOR.join(
                [_NONE_MARK if field is None else field for field in fields] if nones
                else fields)  # type: ignore[arg-type]  # without None, fields are all str
            if (joined.count(_SEPARATOR) == len(fields) - 1 and joined.count(_NONE_MARK) == nones
                    and fields):
                content = joined.encode()
                padding = (-1 - len(content)) & _PAD_BITS  # to a multiple of 16 with the lead
                plain = _LEADS[_JOINED | padding] + content + _PADDING[:padding]
            else:
                plain = _plaintext(fields)
            blobs.append(prefix + nonce + encrypt(nonce, plain, prefix + record_id.encode()))
        return blobs

    def open(self, record_id: str, blob: bytes) -> tuple[str | None, ...]:
        """The fields sealed in ``blob`` for ``record_id``; :class:`KeyUnusable` if it won't open.

        It won't open when the blob's key is not in the keyring, when the key is wrong, or when
        the blob was altered or moved from another record.
        """
        # Runs millions of times on a load: _fields inlined for the common layout.
        head = blob[:5]
        cipher = self._ciphers.get(head[1:])
        if cipher is None or len(blob) < _SMALLEST_BLOB or head[0] != SEALED_VERSION:
            raise _unopenable(record_id, blob)
        try:
            plain = cipher.decrypt(blob[5:_HEADER_SIZE], blob[_HEADER_SIZE:],
                                   head + record_id.encode())
        except InvalidTag:
            raise _unauthentic(record_id, head) from None
        lead = plain[0]
        if lead > _PAD_BITS:  # not the common layout
            return _fields(plain)
        parts: list[str | None]
        parts = plain[1:len(plain) - lead].decode().split(_SEPARATOR)  # type: ignore[assignment]
        while _NONE_MARK in parts:
            parts[parts.index(_NONE_MARK)] = None
        return tuple(parts)

    def open_many(self, record_ids: Sequence[str],
                  blobs: Sequence[bytes]) -> list[tuple[str | None, ...]]:
        """Many records at once, as :meth:`open` would open each."""
        if len(record_ids) != len(blobs):
            raise InvalidValue(f"{len(record_ids)} record ids for {len(blobs)} blobs")
        cipher_for = self._ciphers.get
        opened: list[tuple[str | None, ...]] = []
        # open's body again, inlined: a method call a record costs a fifth of the time on a load.
        for record_id, blob in zip(record_ids, blobs, strict=True):
            head = blob[:5]
            cipher = cipher_for(head[1:])
            if cipher is None or len(blob) < _SMALLEST_BLOB or head[0] != SEALED_VERSION:
                raise _unopenable(record_id, blob)
            try:
                plain = cipher.decrypt(blob[5:_HEADER_SIZE], blob[_HEADER_SIZE:],
                                       head + record_id.encode())
            except InvalidTag:
                raise _unauthentic(record_id, head) from None
            lead = plain[0]
            if lead > _PAD_BITS:
                opened.append(_fields(plain))
                continue
            parts: list[str | None]
            parts = plain[1:len(plain) - lead].decode().split(  # type: ignore[assignment]
                _SEPARATOR)
            while _NONE_MARK in parts:
                parts[parts.index(_NONE_MARK)] = None
            opened.append(tuple(parts))
        return opened

    def key_id_of(self, blob: bytes) -> str:
        """The id of the data key ``blob`` was sealed with (to find records still to re-seal)."""
        if len(blob) < _SMALLEST_BLOB or blob[0] != SEALED_VERSION:
            raise KeyUnusable("the sealed data is damaged or was not written by corridor")
        return blob[1:5].hex()

    def blind_index(self, text: str) -> bytes:
        """16 bytes that are equal for names equal after :func:`normalise_name`, under this key."""
        digest = self._index.copy()
        digest.update(normalise_name(text).encode())
        return digest.digest()

    def name_indexes(self, names: Sequence[str]) -> list[tuple[bytes, bytes]]:
        """The blind index of each whole name and of its family name (its last word).

        As :meth:`blind_index` of the name and of its last normalised word, but each name is
        normalised once and a family name shared by many is hashed once: this runs for every
        person of an import.
        """
        base = self._index
        families: dict[str, bytes] = {}
        words: dict[str, str] = {}
        indexes = []
        for name in names:
            # Word by word, each distinct word normalised once: names share their words.
            parts = []
            for word in name.split():
                normal_word = words.get(word)
                if normal_word is None:
                    normal_word = words[word] = normalise_name(word)
                if normal_word:
                    parts.append(normal_word)
            normal = " ".join(parts)
            if "  " in normal or normal != normal.strip():  # a word NFKC split
                normal = " ".join(normal.split())
            whole = base.copy()
            whole.update(normal.encode())
            family_name = normal.rpartition(" ")[2]
            family = families.get(family_name)
            if family is None:
                digest = base.copy()
                digest.update(family_name.encode())
                family = families[family_name] = digest.digest()
            indexes.append((whole.digest(), family))
        return indexes

    def token_indexes(self, text: str) -> list[bytes]:
        """The blind index of each of :func:`name_tokens`, to find a name by any part of it."""
        indexes = []
        for token in name_tokens(text):
            digest = self._index.copy()
            digest.update(token.encode())
            indexes.append(digest.digest())
        return indexes


def _plaintext(fields: Sequence[str | None]) -> bytes:
    nones = fields.count(None)
    parts = [_NONE_MARK if field is None else field for field in fields] if nones else fields
    joined = _SEPARATOR.join(parts)  # type: ignore[arg-type]  # no None is left in parts
    if (joined.count(_SEPARATOR) == len(fields) - 1 and joined.count(_NONE_MARK) == nones
            and fields):
        kind, content = _JOINED, joined.encode()
    else:
        kind, content = _JSON, json.dumps(list(fields), ensure_ascii=False,
                                          separators=(",", ":")).encode()
    padding = (-1 - len(content)) & _PAD_BITS
    return _LEADS[kind | padding] + content + _PADDING[:padding]


def _fields(plain: bytes) -> tuple[str | None, ...]:
    """The fields of a plaintext, in any layout."""
    kind, padding = plain[0] & _KIND_BITS, plain[0] & _PAD_BITS
    content = plain[1:len(plain) - padding]
    if kind == _JOINED:
        return tuple(None if part == _NONE_MARK else part
                     for part in content.decode().split(_SEPARATOR))
    if kind == _JSON:
        return tuple(json.loads(content.decode()))
    raise KeyUnusable("sealed data opened but its content is not in a layout this corridor reads")


def _unauthentic(record_id: str, head: bytes) -> KeyUnusable:
    return KeyUnusable(
        f"the sealed data of record {record_id} does not open with key {head[1:].hex()}: the "
        "key file is the wrong one, or the record was altered or moved from another record")


def _unopenable(record_id: str, blob: bytes) -> KeyUnusable:
    if len(blob) < _SMALLEST_BLOB or blob[0] != SEALED_VERSION:
        return KeyUnusable(f"the sealed data of record {record_id} is damaged or was not "
                           "written by this corridor")
    return KeyUnusable(
        f"record {record_id} was sealed with key {blob[1:5].hex()}, which is not in the key "
        "file: the key file is not the one this database was encrypted with")
