"""Personal data at rest: sealed, searchable by blind index, audited, rotatable, restorable.

The clear-text tests read the raw bytes of what an attacker would take (the SQLite file and its
write-ahead log, a PostgreSQL dump, an export) and look for every name and phone number of the
registry, and for any column that holds a category in clear.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import delete, inspect, select, text, update

from corridor.domain import Category, Scenario
from corridor.domain.errors import KeyUnusable
from corridor.security.keys import new_keyring, rotated, without_retired
from corridor.store import Database
from corridor.store.custody import Custody
from corridor.store.protection import (
    audit_records,
    dump,
    find_households,
    read_household,
    restore,
    rotate_keys,
    verify_audit,
)
from corridor.store.tables import audit_log, metadata
from corridor.synthetic import generate
from tests import builders
from tests.store_databases import DATABASE_KINDS, custody_in, new_database_url

CLEAR_TEXT_ALLOWED = {
    "operations": {"operation_id", "name", "agreement_version", "document", "imported_at"},
    "households": {"operation_id", "household_id", "ordinal", "assembly_point", "linked_to",
                   "link_kind"},
    "persons": {"operation_id", "person_id", "ordinal", "household_id"},
    "plans": {"plan_id", "operation_id", "created_at", "seed", "days", "trips", "people",
              "proven_optimal_days", "document"},
    "vault": {"name"},
    "disclosure_ledgers": {"operation_id", "audience"},
    "events": {"event_id", "operation_id", "nonce", "kind", "household_id", "convoy_id"},
    "users": {"name", "password_hash", "created_at", "disabled_at"},
    "grants": {"user_name", "role", "operation_id", "sites"},
    "credentials": {"digest", "user_name", "kind", "device", "created_at", "expires_at",
                    "revoked_at"},
    "sign_in_failures": {"failure_id", "user_name", "at"},
    "shares": {"share_id", "operation_id", "recipient", "fields", "reason", "requested_by",
               "requested_at", "approved_by", "approved_at", "exported_at", "watermark"},
    "audit_log": {"seq", "at", "actor", "action", "subject", "reason", "prev_hash", "hash"},
    "tickets": {"operation_id", "household_id", "serial", "issued_at", "issued_by"},
    "ticket_revocations": {"revocation_id", "operation_id", "household_id", "serial", "below",
                           "reason", "revoked_at", "revoked_by"},
    "outside_figures": {"figure_id", "operation_id", "source", "reported_on", "stage", "people",
                        "combatants", "note", "url", "recorded_by", "recorded_at"},
}
"""Columns that may hold clear text: ids, codes, times, hashes; why each is safe is in
docs/security.md. Every other column must be sealed or a blind index."""
SEALED = {("households", "sealed"), ("vault", "value"),
          ("disclosure_ledgers", "sealed"), ("events", "sealed")}
BLIND = {("persons", "name_index"), ("persons", "family_index")}


@pytest.fixture(scope="module")
def registry() -> Scenario:
    """A synthetic registry of a few thousand people, with names and phone numbers."""
    return generate(2000, seed=11)


def _needles(scenario: Scenario) -> set[bytes]:
    names = {p.name for p in scenario.persons}
    phones = {h.phone for h in scenario.households if h.phone}
    return {value.encode() for value in names | phones}


def _clear_finds(blob: bytes, needles: set[bytes]) -> list[bytes]:
    return [needle for needle in needles if needle in blob]


def test_every_column_is_allowed_sealed_or_a_blind_index() -> None:
    """The schema itself: no personal column in clear, whatever the data."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            where = (table.name, column.name)
            assert (column.name in CLEAR_TEXT_ALLOWED[table.name] or where in SEALED
                    or where in BLIND), f"{table.name}.{column.name} is not accounted for"


@pytest.mark.slow
def test_no_name_or_phone_in_the_sqlite_file_its_wal_or_an_export(
        registry: Scenario, tmp_path: Path) -> None:
    """The raw bytes of the database, its write-ahead log and the audit log hold none in clear."""
    path = tmp_path / "corridor.db"
    with Database.open(f"sqlite:///{path}", custody_in(tmp_path)) as database:
        database.upgrade()
        database.import_scenario(registry, actor="tester")
        person = registry.persons[0]
        assert find_households(database, registry.operation.operation_id, person.name,
                               actor="tester", reason="test")
        # The write-ahead log as it is while the database is in use.
        wal = (tmp_path / "corridor.db-wal").read_bytes()
        shutil.copy(path, tmp_path / "snapshot.db")
        backup = dump(database)
    needles = _needles(registry)
    assert len(needles) > 1000
    for name, blob in (("database", (tmp_path / "snapshot.db").read_bytes()), ("wal", wal),
                       ("backup", backup), ("audit head", (tmp_path / "audit-head").read_bytes())):
        assert _clear_finds(blob, needles) == [], name
    # The test can fail: the same registry in a plain file is found at once.
    assert _clear_finds("\n".join(p.name for p in registry.persons).encode(), needles)


def _no_category_in_clear(database: Database) -> None:
    categories = {c.value for c in Category}
    with database.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in {"operations", "plans"}:  # documents hold no person's category
                continue
            for row in connection.execute(select(table)):
                assert not categories & {v for v in row if isinstance(v, str)}, table.name


@pytest.mark.postgres
@pytest.mark.slow
def test_no_name_phone_or_category_in_a_postgresql_dump(
        registry: Scenario, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """pg_dump of a database with the registry holds none of its names or phone numbers."""
    url = new_database_url("postgresql", tmp_path, request)
    with Database.open(url, custody_in(tmp_path)) as database:
        database.upgrade()
        database.import_scenario(registry, actor="tester")
        _no_category_in_clear(database)
    dumped = request.getfixturevalue("postgres_cluster").dump(url)
    assert b"COPY public.persons" in dumped  # the dump has the data, not just the schema
    assert _clear_finds(dumped, _needles(registry)) == []


def test_no_category_is_stored_in_clear(database: Database) -> None:
    """No row of any table holds "combatant" or "civilian" as a value."""
    database.import_scenario(builders.scenario(), actor="tester")
    _no_category_in_clear(database)


def test_a_person_is_found_by_whole_or_family_name_in_any_spelling(database: Database) -> None:
    """Blind indexes find Arabic names whatever the hamza or diacritics; nothing else is found."""
    scenario = builders.scenario()
    persons = list(scenario.persons)
    persons[0] = replace(persons[0], name="أمل الحدّاد")
    scenario = replace(scenario, persons=tuple(persons))
    database.import_scenario(scenario, actor="tester")
    operation = scenario.operation.operation_id
    for spelling in ("امل الحداد", "أمل  الحدّاد", "الحداد"):
        found = find_households(database, operation, spelling, actor="tester", reason="test")
        assert [f.household.household_id for f in found] == ["H1"], spelling
    assert find_households(database, operation, "Nobody", actor="tester", reason="test") == []


def test_site_scoped_readers_see_only_their_assembly_points(database: Database) -> None:
    """A household of another assembly point is not found, and reads as not found."""
    scenario = builders.scenario()
    database.import_scenario(scenario, actor="tester")
    operation = scenario.operation.operation_id
    household = scenario.households[0]
    elsewhere = frozenset({"nowhere"})
    assert read_household(database, operation, household.household_id, actor="t", reason="r",
                           sites=frozenset({household.assembly_point})).members
    with pytest.raises(Exception, match="no household"):
        read_household(database, operation, household.household_id, actor="t", reason="r",
                       sites=elsewhere)


def test_every_read_of_personal_data_is_audited_with_who_and_why(database: Database) -> None:
    """Import, load, search and show each leave a record naming the actor and the reason."""
    scenario = builders.scenario()
    operation = scenario.operation.operation_id
    database.import_scenario(scenario, actor="registrar-1", reason="intake day 1")
    database.load_scenario(actor="coordinator-1", reason="planning day 2")
    find_households(database, operation, "Omar Haddad", actor="protection-1", reason="case 7")
    read_household(database, operation, "H2", actor="medical-1", reason="stretcher check")
    entries = [(r.entry.actor, r.entry.action, r.entry.reason) for r in audit_records(database)]
    assert entries[-4:] == [("registrar-1", "registry.import", "intake day 1"),
                            ("coordinator-1", "registry.read", "planning day 2"),
                            ("protection-1", "registry.search", "case 7"),
                            ("medical-1", "registry.read", "stretcher check")]
    assert all("Haddad" not in r.entry.subject for r in audit_records(database))
    assert verify_audit(database) == []


@pytest.mark.parametrize("tampering", ["edit", "delete a middle record", "delete the last",
                                       "swap two", "empty the table"])
def test_tampering_with_the_audit_log_in_the_database_is_detected(
        database: Database, tampering: str) -> None:
    """Each way of changing the stored log is named by verify, the signed head included."""
    database.import_scenario(builders.scenario(), actor="tester")
    for number in range(4):
        database.load_scenario(actor=f"reader-{number}", reason="test")
    assert verify_audit(database) == []
    records = list(audit_records(database))
    with database.engine.begin() as connection:
        if tampering == "edit":
            connection.execute(update(audit_log).where(audit_log.c.seq == records[2].seq)
                               .values(reason="nothing to see"))
        elif tampering == "delete a middle record":
            connection.execute(delete(audit_log).where(audit_log.c.seq == records[2].seq))
        elif tampering == "delete the last":
            connection.execute(delete(audit_log).where(audit_log.c.seq >= records[-2].seq))
        elif tampering == "swap two":
            first, second = records[1], records[2]
            for record, other in ((first, second), (second, first)):
                connection.execute(update(audit_log).where(audit_log.c.seq == record.seq)
                                   .values(actor=other.entry.actor, action=other.entry.action,
                                           subject=other.entry.subject, at=other.entry.at,
                                           reason=other.entry.reason, hash=other.hash,
                                           prev_hash=other.prev_hash))
        else:
            connection.execute(delete(audit_log))
    assert verify_audit(database), tampering


def test_a_wrong_key_is_refused_with_a_clear_sentence(database: Database, tmp_path: Path) -> None:
    """Another key file never yields garbage: the first use says it is not this database's key."""
    database.import_scenario(builders.scenario(), actor="tester")
    other = Custody(new_keyring(os.urandom), tmp_path / "other-head", source="the key file X")
    wrong = Database(database.engine, database.display_url, other)
    with pytest.raises(KeyUnusable, match="the key file X does not hold the key"):
        wrong.load_scenario(actor="tester", reason="test")


def test_key_rotation_keeps_every_record_and_search_working(
        database: Database, tmp_path: Path) -> None:
    """After rotation the registry loads equal under the new key alone; the old key is refused."""
    scenario = builders.scenario()
    database.import_scenario(scenario, actor="tester")
    old = database.custody
    during = rotated(old.keyring, os.urandom)
    new = Custody(during, old.head_path)
    assert rotate_keys(database, new, actor="admin") == 8
    final = Database(database.engine, database.display_url,
                     Custody(without_retired(during), old.head_path))
    assert final.load_scenario(actor="tester", reason="test") == scenario
    assert [f.household.household_id for f in find_households(
        final, scenario.operation.operation_id, "Khaled Nasser", actor="t", reason="r")] == ["H2"]
    with pytest.raises(KeyUnusable):
        Database(database.engine, database.display_url, old).load_scenario(actor="t",
                                                                           reason="r")
    assert verify_audit(final) == []


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_a_backup_restores_into_a_new_database_with_the_same_key(
        kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """dump then restore gives the same registry, accounts and a verifying audit log."""
    scenario = builders.scenario()
    first = tmp_path / "first"
    second = tmp_path / "second"
    first.mkdir()
    second.mkdir()
    with Database.open(new_database_url(kind, first, request), custody_in(first)) as source:
        source.upgrade()
        source.import_scenario(scenario, actor="tester")
        content = dump(source)
    with Database.open(new_database_url(kind, second, request), custody_in(second)) as target:
        target.upgrade()
        assert restore(target, content, "backup", actor="admin") > 0
        assert target.load_scenario(actor="tester", reason="test") == scenario
        assert verify_audit(target) == []
        with pytest.raises(Exception, match="holds operations already"):
            restore(target, content, "backup", actor="admin")
    with Database.open(new_database_url(kind, tmp_path / "third", request),
                       Custody(new_keyring(os.urandom), tmp_path / "head3")) as wrong_key:
        wrong_key.upgrade()
        with pytest.raises(KeyUnusable):
            restore(wrong_key, content, "backup", actor="admin")
        assert inspect(wrong_key.engine).has_table("persons")
        with wrong_key.engine.connect() as connection:
            assert connection.execute(text("select count(*) from persons")).scalar() == 0


def test_a_large_import_builds_its_blind_indexes_after_its_rows(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the threshold the blind indexes are dropped and made again, in the same transaction."""
    from corridor.store import bulk

    monkeypatch.setattr(bulk, "DEFERRED_INDEX_ROWS", 2)
    scenario = builders.scenario()
    database.import_scenario(scenario, actor="tester")
    names = {index["name"] for index in inspect(database.engine).get_indexes("persons")}
    assert {"ix_persons_operation_id_name_index", "ix_persons_operation_id_family_index"} <= names
    found = find_households(database, scenario.operation.operation_id, "Haddad", actor="t",
                            reason="r")
    assert [f.household.household_id for f in found] == ["H1", "H3"]


def test_a_backup_holds_every_table() -> None:
    """A table added by a migration and forgotten by the backup would be lost on restore."""
    from corridor.store.protection import BACKUP_TABLES
    from corridor.store.tables import metadata

    assert {table.name for table in BACKUP_TABLES} == set(metadata.tables)


def test_publishers_at_the_same_moment_keep_both_releases(database: Database) -> None:
    """Two publishers that read the same ledger and keep their releases one after the other:
    the second sees that the ledger changed, makes its release again on the newer one, and
    both releases are in the ledger (none is lost, which would let a later release undo what
    an earlier one hid)."""
    import threading

    from corridor.reports.disclosure import DisclosurePolicy, Ledger, ReleaseBuilder, protect
    from corridor.store.protection import load_ledger, publish

    database.import_scenario(builders.scenario(), actor="tester")
    operation = builders.scenario().operation.operation_id
    both_read = threading.Barrier(2)
    runs: list[str] = []

    def release_of(name: str, count: int) -> object:
        def release(ledger: Ledger) -> tuple[str, Ledger]:
            runs.append(name)
            if runs.count(name) == 1:
                both_read.wait(timeout=30)  # both have read the same, empty ledger
            builder = ReleaseBuilder()
            builder.add_cell(("test", name), count)
            return name, protect(builder.build(), DisclosurePolicy(5), ledger).ledger
        return release

    threads = [threading.Thread(target=publish, args=(database, operation, "monitors",
                                                      release_of(name, count)),
                                kwargs={"actor": name, "subject": name})
               for name, count in (("first", 12), ("second", 30))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    kept = Ledger.from_json(load_ledger(database, operation, "monitors"))
    assert kept.published == {("test", "first"): 12, ("test", "second"): 30}
    assert len(runs) == 3, "exactly one publisher made its release again"
