"""The audit log: append-only, hash-chained, with a signed head kept outside the log.

Each record's hash covers its number, the previous record's hash and its entry, so editing,
deleting or reordering records breaks the chain. Whoever can write the database can also
recompute every hash after an edit; the signed head stops that: it is the last record's number
and hash, signed with the keyring's audit key (Ed25519) and kept in a file beside the key file,
so a chain rewritten or cut short no longer ends where the head says it does.

An entry never holds personal data in clear: its subject is an id (a person's, a household's,
an export's), its reason a plain sentence.

Pure: records and heads come in and go out as values; the store keeps them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from corridor.domain.errors import AuditBroken, InvalidValue

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first record (seq 1)."""

FINDING_KINDS = ("edited", "missing", "reordered", "truncated", "head_invalid", "head_missing",
                 "extra")
HEAD_FORMAT = "corridor-audit-head"
HEAD_VERSION = 1
_RECORD_LABEL = b"corridor-audit-record-v1\n"
_HEAD_LABEL = b"corridor-audit-head-v1\n"


@dataclass(frozen=True)
class AuditEntry:
    """Who did what to which subject, when and why; ``at`` is UTC."""

    at: datetime
    actor: str
    action: str
    subject: str
    reason: str

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise InvalidValue("an audit entry's time needs a time zone (UTC)", "at")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        if not self.actor or not self.action:
            raise InvalidValue("an audit entry names its actor and its action", "actor")


@dataclass(frozen=True)
class AuditRecord:
    """An entry in the chain: ``hash`` is the hex SHA-256 of ``seq``, ``prev_hash`` and entry."""

    seq: int
    entry: AuditEntry
    prev_hash: str
    hash: str


def record_hash(seq: int, prev_hash: str, entry: AuditEntry) -> str:
    """The hex SHA-256 of the canonical encoding of a record (docs/security.md, "Formats")."""
    canonical = json.dumps(
        [seq, prev_hash, entry.at.isoformat(), entry.actor, entry.action, entry.subject,
         entry.reason],
        ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(_RECORD_LABEL + canonical.encode()).hexdigest()


def append(previous: AuditRecord | None, entry: AuditEntry) -> AuditRecord:
    """The record that follows ``previous`` (the first one, seq 1, when it is None)."""
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS_HASH if previous is None else previous.hash
    return AuditRecord(seq, entry, prev_hash, record_hash(seq, prev_hash, entry))


@dataclass(frozen=True)
class AuditHead:
    """How far the chain went: the last record's number and hash, signed (Ed25519, hex)."""

    seq: int
    hash: str
    signature: str

    def to_bytes(self) -> bytes:
        """The content of the head file: a line of JSON."""
        body = {"format": HEAD_FORMAT, "version": HEAD_VERSION, "seq": self.seq,
                "hash": self.hash, "signature": self.signature}
        return (json.dumps(body, sort_keys=True) + "\n").encode("ascii")

    @classmethod
    def from_bytes(cls, data: bytes, source: str) -> AuditHead:
        """Read a head file's content; :class:`AuditBroken` naming ``source`` if it is unreadable.

        The file is a journal: a server appends a line a head rather than replacing the file
        (a rename costs a flush of the disk on ext4), and the last line that reads is the head.
        A last line cut short by a crash is passed over for the one before it; a file in which
        no line reads is damaged. Reading does not verify the signature: :func:`verify_chain`
        does.
        """
        for line in reversed(data.split(b"\n")):
            if line.strip():
                head = _head_of_line(line)
                if head is not None:
                    return head
        raise AuditBroken(f"the audit head file {source} is damaged or is not an audit head; "
                          "restore it from its backup copy")


def _head_of_line(line: bytes) -> AuditHead | None:
    try:
        body = json.loads(line.decode("utf-8"))
        if body["format"] != HEAD_FORMAT or body["version"] != HEAD_VERSION:
            return None
        seq, hash_, signature = body["seq"], body["hash"], body["signature"]
    except (UnicodeDecodeError, KeyError, TypeError, ValueError):
        return None
    if type(seq) is not int or not isinstance(hash_, str) or not isinstance(signature, str):
        return None
    return AuditHead(seq, hash_, signature)


@lru_cache(maxsize=4)
def _signer(audit_key: bytes) -> Ed25519PrivateKey:
    # Loading the key costs as much as a signature; a server signs a head a scan.
    return Ed25519PrivateKey.from_private_bytes(audit_key)


def sign_head(record: AuditRecord, audit_key: bytes) -> AuditHead:
    """The head that vouches for the chain up to ``record``, signed with the audit key."""
    signature = _signer(audit_key).sign(_head_message(record.seq, record.hash))
    return AuditHead(record.seq, record.hash, signature.hex())


@dataclass(frozen=True)
class AuditFinding:
    """One thing wrong with the chain: where (``seq``, when it applies), what kind, a sentence.

    Kinds: "edited", "missing", "reordered", "truncated", "head_invalid", "head_missing",
    "extra".
    """

    seq: int | None
    kind: str
    message: str


def verify_chain(records: Iterable[AuditRecord], head: AuditHead | None,
                 audit_public_key: bytes) -> list[AuditFinding]:
    """Everything wrong with ``records`` (in stored order) and ``head``; empty when intact.

    Detected: an edited record (its hash no longer matches, or it was re-hashed and the next one
    no longer links to it), a missing record (a gap), records stored out of order, a record
    number used twice or beyond the head, records cut off the end (the head went further), and a
    head that is missing or not signed by this audit key.
    """
    findings: list[AuditFinding] = []
    stored: list[tuple[int, str, str]] = []  # seq, hash, prev_hash: not the entries, to stay small
    for record in records:
        if record_hash(record.seq, record.prev_hash, record.entry) != record.hash:
            findings.append(AuditFinding(
                record.seq, "edited",
                f"audit record {record.seq} was changed after it was written (its hash no "
                "longer matches its content)"))
        stored.append((record.seq, record.hash, record.prev_hash))

    findings.extend(_order_findings([seq for seq, _, _ in stored]))
    by_seq = sorted(stored)
    findings.extend(_link_findings(by_seq))
    findings.extend(_head_findings(by_seq, head, audit_public_key))
    return sorted(findings, key=lambda finding: (finding.seq is None, finding.seq or 0,
                                                 FINDING_KINDS.index(finding.kind)))


def check_chain(records: Iterable[AuditRecord], head: AuditHead | None,
                audit_public_key: bytes) -> None:
    """:class:`AuditBroken` with the first finding and how many there are, unless intact."""
    findings = verify_chain(records, head, audit_public_key)
    if findings:
        more = f" (and {len(findings) - 1} more problems)" if len(findings) > 1 else ""
        raise AuditBroken(f"the audit log does not verify: {findings[0].message}{more}")


def _order_findings(seqs: list[int]) -> list[AuditFinding]:
    in_order = sorted(seqs)
    return [AuditFinding(seq, "reordered",
                         f"audit record {seq} is stored at place {place + 1}, out of order")
            for place, (seq, expected) in enumerate(zip(seqs, in_order, strict=True))
            if seq != expected]


def _link_findings(by_seq: list[tuple[int, str, str]]) -> list[AuditFinding]:
    findings = []
    previous: tuple[int, str, str] | None = None
    for current in by_seq:
        seq, _, prev_hash = current
        if previous is None:
            if seq > 1:
                findings.append(_missing(1, seq - 1))
            elif seq == 1 and prev_hash != GENESIS_HASH:
                findings.append(AuditFinding(1, "edited", "audit record 1 does not start the "
                                             "chain: it was changed and its hash recomputed"))
            elif seq < 1:
                findings.append(AuditFinding(seq, "extra", f"audit record {seq} has a number "
                                             "below 1, which the chain never gives"))
        elif seq == previous[0]:
            findings.append(AuditFinding(seq, "extra",
                                         f"audit record number {seq} appears more than once"))
        elif seq > previous[0] + 1:
            findings.append(_missing(previous[0] + 1, seq - 1))
        elif prev_hash != previous[1]:
            findings.append(AuditFinding(
                seq, "edited",
                f"audit records {previous[0]} and {seq} no longer link: one of them was changed "
                "and its hash recomputed"))
        previous = current
    return findings


def _head_findings(by_seq: list[tuple[int, str, str]], head: AuditHead | None,
                   audit_public_key: bytes) -> list[AuditFinding]:
    if head is None:
        if not by_seq:
            return []
        return [AuditFinding(None, "head_missing",
                             "the signed audit head is missing, so records cut off the end or a "
                             "rewritten chain cannot be detected; restore the head file")]
    try:
        Ed25519PublicKey.from_public_bytes(audit_public_key).verify(
            bytes.fromhex(head.signature), _head_message(head.seq, head.hash))
    except (InvalidSignature, ValueError):
        return [AuditFinding(None, "head_invalid",
                             f"the audit head (record {head.seq}) is not signed by this "
                             "keyring's audit key: it was forged, altered, or belongs to "
                             "another key file")]
    findings = []
    last_seq = by_seq[-1][0] if by_seq else 0
    if head.seq > last_seq:
        first_lost = last_seq + 1
        span = (f"record {first_lost} was" if first_lost == head.seq
                else f"records {first_lost} to {head.seq} were")
        findings.append(AuditFinding(first_lost, "truncated",
                                     f"audit {span} removed from the end of the log "
                                     f"(the signed head says it reached {head.seq})"))
    headed = [stored_hash for seq, stored_hash, _ in by_seq if seq == head.seq]
    if headed and head.hash not in headed:
        findings.append(AuditFinding(
            head.seq, "edited",
            f"audit record {head.seq} is not the one the signed head vouches for: the chain was "
            "rewritten up to there"))
    beyond = [seq for seq, _, _ in by_seq if seq > head.seq]
    if beyond:
        findings.append(AuditFinding(
            beyond[0], "extra",
            f"{len(beyond)} audit record(s) from {beyond[0]} come after the signed head "
            f"({head.seq}): added without the audit key, or the head was not saved"))
    return findings


def _missing(first: int, last: int) -> AuditFinding:
    span = f"record {first} is" if first == last else f"records {first} to {last} are"
    return AuditFinding(first, "missing", f"audit {span} missing (deleted)")


def _head_message(seq: int, hash_: str) -> bytes:
    return _HEAD_LABEL + f"{seq}:{hash_}".encode("ascii")
