"""Commands of data protection: ``registry``, ``keys``, ``audit``, ``backup`` and ``restore``."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.cli.console import err, out
from corridor.cli.identity import (
    acting,
    ask_secret,
    custody_for,
    open_database,
    permitted,
    read_keyring,
    write_private,
)
from corridor.cli.options import DatabaseOption, OperationOption, settings_for
from corridor.cli.progress import progress_bar
from corridor.domain import AlreadyExists, InvalidValue
from corridor.domain.errors import AuditBroken, KeyUnusable
from corridor.security.archive import ArchiveHeader, open_archive, seal_archive
from corridor.security.keys import rotated, without_retired
from corridor.security.permissions import (
    Action,
    Field,
    site_limit,
    visible_fields,
    visible_household,
    visible_person,
)
from corridor.store.protection import (
    FoundHousehold,
    audit_records,
    dump,
    find_households,
    read_household,
    restore,
    rotate_keys,
    verify_audit,
)

registry_app = typer.Typer(help="Find and read households, showing what your role may see.",
                           no_args_is_help=True)
keys_app = typer.Typer(help="The data keys: rotate them, or destroy them in an emergency.",
                       no_args_is_help=True)
audit_app = typer.Typer(help="The audit log of every read, export and change of personal data.",
                        no_args_is_help=True)

ReasonOption = Annotated[str, typer.Option(
    "--reason", help="Why you read these records; kept in the audit log.")]

BACKUP_MEMBER = "corridor-backup.jsonl"
BACKUP_DAYS = 365



JsonOption = Annotated[bool, typer.Option("--json", help="Print the records as JSON lines.")]


def _show(found: list[FoundHousehold], fields: frozenset[Field], as_json: bool) -> None:
    if as_json:
        for item in found:
            record = visible_household(item.household, fields)
            record["members"] = [visible_person(p, fields) for p in item.members]
            out.print(json.dumps(record, ensure_ascii=False), markup=False, soft_wrap=True)
        return
    for item in found:
        household = visible_household(item.household, fields)
        out.print(" ".join(f"{key}={value}" for key, value in household.items()), markup=False)
        for person in item.members:
            shown = visible_person(person, fields)
            out.print("  " + " ".join(f"{key}={value}" for key, value in shown.items()),
                      markup=False)


@registry_app.command("search")
def registry_search(
    name: Annotated[str, typer.Argument(help="A whole name or a family name.")],
    reason: ReasonOption,
    database: DatabaseOption = None,
    operation: OperationOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find households by a member's name (through blind indexes); audited."""
    with acting(database, operation, Action.REGISTRY_READ) as (db, _settings, chosen, principal):
        found = find_households(db, chosen, name, actor=principal.label, reason=reason,
                                sites=site_limit(principal, chosen))
    if not found:
        out.print("No household has a member of that name.")
        return
    _show(found, visible_fields(principal, chosen), as_json)


@registry_app.command("show")
def registry_show(
    household: Annotated[str, typer.Argument(help="The household id.")],
    reason: ReasonOption,
    database: DatabaseOption = None,
    operation: OperationOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one household and its members, with the fields your role may see; audited."""
    with acting(database, operation, Action.REGISTRY_READ) as (db, _settings, chosen, principal):
        found = read_household(db, chosen, household, actor=principal.label, reason=reason,
                               sites=site_limit(principal, chosen))
    _show([found], visible_fields(principal, chosen), as_json)


@keys_app.command("rotate")
def keys_rotate(database: DatabaseOption = None) -> None:
    """Seal every record under a new key and new blind indexes; the old key is then dropped."""
    settings = settings_for(database)
    if settings.key_text is not None:
        raise InvalidValue("the key comes from CORRIDOR_KEY: rotate it where it is kept, not "
                           "here (unset CORRIDOR_KEY to use the key file)", "CORRIDOR_KEY")
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.KEYS_ROTATE)
        old = db.custody.keyring
        during = rotated(old, os.urandom)
        # The key file holds both keys while records are sealed again: a crash in between
        # leaves every record readable.
        write_private(settings.key_file, during.to_bytes(), replace=True)
        new = custody_for(settings, during)
        assert new is not None
        with progress_bar(err, "Sealing again") as progress:
            count = rotate_keys(db, new, actor=principal.label, progress=progress)
        final = without_retired(during)
        write_private(settings.key_file, final.to_bytes(), replace=True)
    out.print(f"[green]Rotated the key[/green]: {count:,} records sealed under key "
              f"{final.active_key_id}; the old key {old.active_key_id} is gone from "
              f"{settings.key_file}. Replace every backup copy of the key file with this one.")


@keys_app.command("destroy")
def keys_destroy(
    confirm: Annotated[bool, typer.Option(
        "--yes-destroy-the-key", help="Say that you mean it: nothing can undo this.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Emergency: overwrite and delete the key file, so that the data here cannot be read."""
    settings = settings_for(database)
    if not confirm:
        raise InvalidValue("destroying the key cannot be undone: pass --yes-destroy-the-key",
                           "yes-destroy-the-key")
    if settings.key_text is not None:
        raise InvalidValue("the key comes from CORRIDOR_KEY, not a file: remove it from the "
                           "environment (and wherever it is kept)", "CORRIDOR_KEY")
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.KEYS_DESTROY)
        db.record(principal.label, "keys.destroy", str(settings.key_file), "emergency")
    path = settings.key_file
    size = path.stat().st_size
    with path.open("r+b") as file:
        for _ in range(3):
            file.seek(0)
            file.write(os.urandom(size))
            file.flush()
            os.fsync(file.fileno())
    path.unlink()
    settings.session_file.unlink(missing_ok=True)
    if read_keyring(settings) is not None:  # pragma: no cover - the file was just removed
        raise KeyUnusable(f"the key file {path} is still there")
    out.print(f"[bold red]The key is destroyed[/bold red]: {path} was overwritten and deleted. "
              "The names, phone numbers, categories and medical details in the database can no "
              "longer be read by anyone, here or elsewhere, unless a copy of the key file "
              "exists. (On flash storage old blocks may survive overwriting; the database "
              "itself holds only ciphertext.)")


@audit_app.command("verify")
def audit_verify(database: DatabaseOption = None) -> None:
    """Check the audit chain and its signed head: edits, deletions, reordering, truncation."""
    settings = settings_for(database)
    with open_database(settings) as db:
        permitted(db, settings, Action.AUDIT_VERIFY)
        findings = verify_audit(db)
        count = sum(1 for _ in audit_records(db))
    if findings:
        for finding in findings:
            err.print(f"  {finding.kind}: {finding.message}", markup=False)
        raise AuditBroken(f"the audit log does not verify: {len(findings)} findings "
                          f"(the first: {findings[0].message})")
    out.print(f"[green]The audit log verifies[/green]: {count:,} records, chained and signed.")


@audit_app.command("show")
def audit_show(
    last: Annotated[int, typer.Option("--last", help="How many of the newest records.")] = 50,
    database: DatabaseOption = None,
) -> None:
    """Show the newest audit records: who read, exported or changed what, when and why."""
    settings = settings_for(database)
    with open_database(settings) as db:
        permitted(db, settings, Action.AUDIT_READ)
        records = list(audit_records(db))[-last:]
    table = Table("seq", "when (UTC)", "who", "what", "subject", "why")
    for record in records:
        entry = record.entry
        table.add_row(str(record.seq), f"{entry.at:%Y-%m-%d %H:%M:%S}", entry.actor,
                      entry.action, entry.subject, entry.reason)
    out.print(table)


def backup(
    archive: Annotated[Path, typer.Argument(help="The encrypted backup archive to write.")],
    database: DatabaseOption = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the archive.")] = False,
) -> None:
    """Write every table (records still sealed) into an encrypted archive; keep the key apart."""
    settings = settings_for(database)
    if archive.exists() and not force:
        raise AlreadyExists(f"{archive} exists already; pass --force to overwrite it")
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.BACKUP_CREATE)
        passphrase = ask_secret(settings.passphrase, "Backup passphrase",
                                "CORRIDOR_PASSPHRASE", confirm=True)
        db.record(principal.label, "backup.create", archive.name, "backup")
        with progress_bar(err, "Reading") as progress:
            content = dump(db, progress)
    now = datetime.now(UTC)
    header = ArchiveHeader("backup", now, now + timedelta(days=BACKUP_DAYS), None,
                           "corridor database backup", (BACKUP_MEMBER,))
    write_private(archive, seal_archive({BACKUP_MEMBER: content}, header, passphrase,
                                        os.urandom), replace=True)
    out.print(f"[green]Backed up[/green] to {archive} (encrypted; the records inside stay sealed "
              f"under the key in {settings.key_file}, which is not in the backup).")


def restore_command(
    archive: Annotated[Path, typer.Argument(help="A backup archive made by `corridor backup`.")],
    database: DatabaseOption = None,
) -> None:
    """Restore a backup into a new database (after `corridor init`), with the same key file."""
    settings = settings_for(database)
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.BACKUP_RESTORE)
        passphrase = ask_secret(settings.passphrase, "Backup passphrase", "CORRIDOR_PASSPHRASE")
        _header, members = open_archive(archive.read_bytes(), passphrase, datetime.now(UTC),
                                        str(archive))
        if BACKUP_MEMBER not in members:
            raise InvalidValue(f"{archive} is an archive but not a corridor backup", "archive")
        with progress_bar(err, "Restoring") as progress:
            count = restore(db, members[BACKUP_MEMBER], str(archive), actor=principal.label,
                            written=lambda done: progress(done, 0))
    out.print(f"[green]Restored[/green] {count:,} rows from {archive}; the accounts are now "
              "those of the backup: sign in again.")


def purge_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be purged.")]
        = False,
    database: DatabaseOption = None,
) -> None:
    """Delete what is past its retention period (operation.toml [retention]) and say what."""
    from corridor.store.retention import purge

    settings = settings_for(database)
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.RETENTION_PURGE)
        purged = purge(db, actor=principal.label, dry_run=dry_run)
    if not purged:
        out.print("Nothing is past its retention period.")
        return
    verb = "Would purge" if dry_run else "Purged"
    for item in purged:
        out.print(f"{verb} {item}.")
