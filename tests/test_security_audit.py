"""The audit chain: every edit, deletion, reordering or truncation is found and placed."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.domain.errors import AuditBroken, InvalidValue
from corridor.security.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditFinding,
    AuditHead,
    AuditRecord,
    append,
    check_chain,
    record_hash,
    sign_head,
    verify_chain,
)
from corridor.security.keys import Keyring, new_keyring

START = datetime(2017, 3, 18, 9, 0, tzinfo=UTC)
KEYRING = new_keyring(random.Random(5).randbytes)
PUBLIC = KEYRING.audit_public_key()


def entry(number: int) -> AuditEntry:
    """The number-th entry of a day at the crossing."""
    return AuditEntry(START + timedelta(minutes=number), f"officer-{number % 3}",
                      ("read", "export", "board")[number % 3], f"person/P{number:07d}",
                      "manifest check at the Homs checkpoint")


def chain(length: int) -> list[AuditRecord]:
    """An untouched chain of ``length`` records."""
    records: list[AuditRecord] = []
    for number in range(length):
        records.append(append(records[-1] if records else None, entry(number)))
    return records


def head_of(records: list[AuditRecord], keyring: Keyring = KEYRING) -> AuditHead:
    """The signed head of the last record."""
    return sign_head(records[-1], keyring.audit_key)


def kinds(findings: list[AuditFinding]) -> set[tuple[int | None, str]]:
    """(seq, kind) of each finding."""
    return {(finding.seq, finding.kind) for finding in findings}


def rehashed(record: AuditRecord, **changes: object) -> AuditRecord:
    """``record`` changed and given a hash that matches, as a forger with the database would."""
    changed = dataclasses.replace(record, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(changed, hash=record_hash(changed.seq, changed.prev_hash,
                                                         changed.entry))


def test_a_chain_starts_at_one_from_the_genesis_hash() -> None:
    """The first record is number 1 and points at the genesis hash; each next one at the last."""
    records = chain(3)
    assert [record.seq for record in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS_HASH
    assert records[1].prev_hash == records[0].hash
    assert records[2].prev_hash == records[1].hash


def test_the_record_hash_is_fixed_by_its_format() -> None:
    """The canonical encoding does not drift: a known entry has a known hash."""
    known = AuditEntry(START, "salma", "export", "export-0001", "convoy 3 manifest for UNHCR")
    assert record_hash(1, GENESIS_HASH, known) == (
        "c4422c1996f704cb9873c07c2138cc56837a3013ca9ffedd87ea35b236f4954c")


def test_an_intact_chain_has_no_findings() -> None:
    """An untouched chain with its signed head verifies."""
    records = chain(10)
    assert verify_chain(records, head_of(records), PUBLIC) == []
    check_chain(records, head_of(records), PUBLIC)


def test_an_empty_log_without_a_head_is_intact() -> None:
    """A new database, no records and no head, verifies."""
    assert verify_chain([], None, PUBLIC) == []


def test_an_entry_needs_a_time_zone() -> None:
    """An entry with a naive time raises InvalidValue."""
    with pytest.raises(InvalidValue, match="time zone"):
        AuditEntry(datetime(2017, 3, 18, 9, 0), "salma", "read", "person/P1", "check")


def test_an_entry_time_is_kept_in_utc() -> None:
    """An entry made in Damascus time is kept as the same instant in UTC."""
    damascus = datetime(2017, 3, 18, 15, 0, tzinfo=timezone(timedelta(hours=3)))
    kept = AuditEntry(damascus, "salma", "read", "person/P1", "check").at
    assert kept.tzinfo == UTC
    assert kept == damascus


def test_an_edited_record_is_found_where_it_is() -> None:
    """Changing a record's reason without fixing its hash gives 'edited' at that record."""
    records = chain(6)
    records[2] = dataclasses.replace(records[2], entry=dataclasses.replace(
        records[2].entry, reason="nothing to see"))
    findings = verify_chain(records, head_of(chain(6)), PUBLIC)
    assert kinds(findings) == {(3, "edited")}
    assert "audit record 3 was changed" in findings[0].message


def test_an_edited_and_rehashed_record_breaks_the_next_link() -> None:
    """A record changed and re-hashed no longer links to the one after it."""
    records = chain(6)
    records[2] = rehashed(records[2], entry=dataclasses.replace(records[2].entry, actor="x"))
    assert kinds(verify_chain(records, head_of(chain(6)), PUBLIC)) == {(4, "edited")}


def test_a_rewritten_chain_does_not_match_the_signed_head() -> None:
    """Re-hashing every record after an edit is caught by the head signed before it."""
    original = chain(6)
    records = original[:2]
    for record in original[2:]:
        records.append(append(records[-1], dataclasses.replace(record.entry, actor="forger")))
    findings = verify_chain(records, head_of(original), PUBLIC)
    assert kinds(findings) == {(6, "edited")}
    assert "signed head" in findings[0].message


def test_a_deleted_record_is_missing() -> None:
    """Deleting a record in the middle gives 'missing' with its number."""
    records = chain(6)
    del records[3]
    findings = verify_chain(records, head_of(chain(6)), PUBLIC)
    assert kinds(findings) == {(4, "missing")}
    assert "audit record 4 is missing" in findings[0].message


def test_deleting_the_first_records_is_found() -> None:
    """Deleting the start of the log gives 'missing' from record 1."""
    records = chain(6)[2:]
    findings = verify_chain(records, head_of(chain(6)), PUBLIC)
    assert kinds(findings) == {(1, "missing")}
    assert "records 1 to 2 are missing" in findings[0].message


def test_deleting_the_last_records_is_truncation() -> None:
    """Deleting the last records is found through the signed head: 'truncated'."""
    full = chain(8)
    findings = verify_chain(full[:5], head_of(full), PUBLIC)
    assert kinds(findings) == {(6, "truncated")}
    assert "records 6 to 8 were removed from the end" in findings[0].message


def test_deleting_every_record_is_truncation() -> None:
    """An emptied log with its head left is 'truncated' from record 1."""
    full = chain(3)
    assert kinds(verify_chain([], head_of(full), PUBLIC)) == {(1, "truncated")}


def test_swapped_records_are_reordered() -> None:
    """Two records stored in each other's place are both found 'reordered'."""
    records = chain(6)
    records[1], records[4] = records[4], records[1]
    findings = verify_chain(records, head_of(chain(6)), PUBLIC)
    assert kinds(findings) == {(2, "reordered"), (5, "reordered")}


def test_a_record_added_after_the_head_is_extra() -> None:
    """A record appended without signing a new head is 'extra'."""
    records = chain(5)
    head = head_of(records)
    records.append(append(records[-1], entry(99)))
    assert kinds(verify_chain(records, head, PUBLIC)) == {(6, "extra")}


def test_a_record_number_used_twice_is_extra() -> None:
    """A second record with a number already used is 'extra'."""
    records = chain(5)
    records.insert(3, append(records[1], entry(42)))
    found = kinds(verify_chain(records, head_of(chain(5)), PUBLIC))
    assert (3, "extra") in found


def test_a_missing_head_is_reported() -> None:
    """Records without a signed head give 'head_missing'."""
    assert kinds(verify_chain(chain(3), None, PUBLIC)) == {(None, "head_missing")}


def test_a_head_of_another_key_is_invalid() -> None:
    """A head signed with another keyring's audit key is 'head_invalid'."""
    records = chain(3)
    other = new_keyring(random.Random(6).randbytes)
    findings = verify_chain(records, head_of(records, other), PUBLIC)
    assert kinds(findings) == {(None, "head_invalid")}


@pytest.mark.parametrize("change", [{"seq": 2}, {"hash": "0" * 64}, {"signature": "00" * 64},
                                    {"signature": "not hex"}, {"hash": "é"}])
def test_an_altered_head_is_invalid(change: dict[str, object]) -> None:
    """A head whose number, hash or signature was changed is 'head_invalid'."""
    records = chain(3)
    head = dataclasses.replace(head_of(records), **change)  # type: ignore[arg-type]
    assert kinds(verify_chain(records, head, PUBLIC)) == {(None, "head_invalid")}


def test_head_file_round_trips() -> None:
    """A head written to its file reads back equal."""
    head = head_of(chain(3))
    assert AuditHead.from_bytes(head.to_bytes(), "audit.head") == head


@pytest.mark.parametrize("content", [b"", b"{}", b"\xff", b'{"format": "corridor-audit-head", '
                                     b'"version": 1, "seq": "3", "hash": "", "signature": ""}'])
def test_an_unreadable_head_file_is_audit_broken(content: bytes) -> None:
    """A head file that cannot be read gives AuditBroken naming the file."""
    with pytest.raises(AuditBroken, match=r"/srv/corridor/audit\.head is damaged"):
        AuditHead.from_bytes(content, "/srv/corridor/audit.head")


def test_check_chain_raises_audit_broken_with_the_first_finding() -> None:
    """check_chain turns findings into AuditBroken that says the first and how many more."""
    records = chain(6)
    del records[3]
    with pytest.raises(AuditBroken, match=r"record 4 is missing .*and 1 more"):
        check_chain(records[:-1], head_of(chain(6)), PUBLIC)


TAMPERINGS = ("edit", "edit_and_rehash", "delete", "swap", "truncate")


@given(length=st.integers(min_value=1, max_value=25), tampering=st.sampled_from(TAMPERINGS),
       data=st.data())
def test_any_single_tampering_is_found(length: int, tampering: str, data: st.DataObject) -> None:
    """Any one edit, deletion, swap or truncation of a random chain is found, at its place."""
    original = chain(length)
    head = head_of(original)
    records = list(original)
    place = data.draw(st.integers(min_value=0, max_value=length - 1), label="place")
    expected: set[tuple[int | None, str]]
    if tampering == "edit":
        field = data.draw(st.sampled_from(["actor", "action", "subject", "reason", "at"]))
        value = START - timedelta(days=1) if field == "at" else "changed"
        records[place] = dataclasses.replace(records[place], entry=dataclasses.replace(
            records[place].entry, **{field: value}))
        expected = {(place + 1, "edited")}
    elif tampering == "edit_and_rehash":
        records[place] = rehashed(records[place], entry=dataclasses.replace(
            records[place].entry, reason="changed"))
        expected = {(place + 2 if place + 1 < length else place + 1, "edited")}
    elif tampering == "delete":
        del records[place]
        expected = {(place + 1, "truncated" if place == length - 1 else "missing")}
    elif tampering == "swap":
        other = data.draw(st.integers(min_value=0, max_value=length - 1).filter(
            lambda index: index != place), label="other") if length > 1 else place
        records[place], records[other] = records[other], records[place]
        expected = {(place + 1, "reordered"), (other + 1, "reordered")} if other != place else set()
    else:
        kept = data.draw(st.integers(min_value=0, max_value=length - 1), label="kept")
        records = records[:kept]
        expected = {(kept + 1, "truncated")}
    findings = verify_chain(records, head, PUBLIC)
    assert kinds(findings) == expected
    assert all(finding.message for finding in findings)
