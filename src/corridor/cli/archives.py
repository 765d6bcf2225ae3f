"""Scenario archives: `corridor export` writes one, `corridor import` reads one back.

Personal data leaves corridor only as an encrypted archive that expires
(:mod:`corridor.security.archive`). The scenario files are written to a private temporary folder
(mode 0700, removed at once) to be packed, and unpacked the same way to be read.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from corridor.cli.identity import ask_secret, write_private
from corridor.cli.progress import progress_bar
from corridor.cli.settings import Settings
from corridor.domain import AlreadyExists, InvalidValue, Scenario
from corridor.interop.scenario_files import RegistryFormat, load_scenario, save_scenario
from corridor.security.archive import MAGIC, ArchiveHeader, open_archive, seal_archive
from corridor.security.permissions import Principal
from corridor.store import Database

MAX_EXPIRY_DAYS = 90


def is_archive(path: Path) -> bool:
    """Whether ``path`` is a file that starts like a corridor archive."""
    if not path.is_file():
        return False
    with path.open("rb") as file:
        return file.read(len(MAGIC)) == MAGIC


def scenario_from(path: Path, settings: Settings, err: Console) -> Scenario:
    """The scenario of a folder, or of an export archive (its passphrase asked for)."""
    if not is_archive(path):
        with progress_bar(err, "Reading") as progress:
            return load_scenario(path, progress)
    passphrase = ask_secret(settings.passphrase, "Archive passphrase", "CORRIDOR_PASSPHRASE")
    _header, members = open_archive(path.read_bytes(), passphrase, datetime.now(UTC), str(path))
    with tempfile.TemporaryDirectory(prefix="corridor-") as folder:
        for name, content in members.items():
            write_private(Path(folder) / name, content)
        with progress_bar(err, "Reading") as progress:
            return load_scenario(Path(folder), progress)


def export_archive(db: Database, settings: Settings, principal: Principal, operation_id: str,
                   archive: Path, *, file_format: RegistryFormat, expires_days: int,
                   recipient: str, reason: str, force: bool, err: Console) -> None:
    """Write operation ``operation_id`` as an encrypted scenario archive; audited."""
    if not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise InvalidValue(f"an export expires after 1 to {MAX_EXPIRY_DAYS} days", "expires-days")
    if archive.exists() and not force:
        raise AlreadyExists(f"{archive} exists already; pass --force to overwrite it")
    passphrase = ask_secret(settings.passphrase, "Archive passphrase", "CORRIDOR_PASSPHRASE",
                            confirm=True)
    with progress_bar(err, "Loading") as progress:
        scenario = db.load_scenario(operation_id, actor=principal.label, reason=reason,
                                    progress=progress)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="corridor-") as folder:
        with progress_bar(err, "Writing") as progress:
            save_scenario(scenario, Path(folder), file_format, progress)
        members = {path.name: path.read_bytes() for path in sorted(Path(folder).iterdir())}
    header = ArchiveHeader("export", now, now + timedelta(days=expires_days), recipient,
                           f"operation {operation_id}", tuple(members))
    data = seal_archive(members, header, passphrase, os.urandom)
    write_private(archive, data, replace=True)
    db.record(principal.label, "registry.export", f"operation {operation_id} to {archive.name}",
              f"{reason}; for {recipient}; expires {header.expires_at:%Y-%m-%d}")
