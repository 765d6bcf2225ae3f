"""``corridor manifests``: the printable manifests of the current plan, each household's ticket.

Permission-checked (coordinators and convoy leads), the households read in one audited read with
the reader's reason, their fields filtered by the reader's role, the tickets from the store (serial
1 issued the first time), the PDF drawn by :mod:`corridor.reports.manifests` and written readable
by its owner only, whole or not at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from corridor.cli.console import err, out
from corridor.cli.identity import acting, write_private
from corridor.cli.options import DatabaseOption, OperationOption
from corridor.cli.progress import progress_bar
from corridor.domain.errors import AlreadyExists, InvalidValue
from corridor.security.permissions import Action


class ManifestLanguage(StrEnum):
    """The languages a manifest is printed in."""

    AR = "ar"
    EN = "en"


def manifests_command(
    out_file: Annotated[Path, typer.Option(
        "--out", help="The PDF file to write (readable by you only).", show_default=False)],
    reason: Annotated[str, typer.Option(
        "--reason", help="Why you print these people's records; kept in the audit log.",
        show_default=False)],
    convoy: Annotated[list[str] | None, typer.Option(
        "--convoy", help="A convoy id of the current plan (repeatable; default: every convoy).",
        show_default=False)] = None,
    language: Annotated[ManifestLanguage, typer.Option(
        "--lang", help="Arabic (right to left) or English.")] = ManifestLanguage.AR,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the PDF file.")] = False,
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """Print the manifests of the current plan as a PDF: per convoy and vehicle, each household
    with its members (as your role may see them) and its QR ticket; audited."""
    from corridor.reports.manifests import manifest_pdf
    from corridor.store.manifests import gather_manifests

    if out_file.exists() and not force:
        raise AlreadyExists(f"{out_file} exists already; pass --force to overwrite it")
    if not reason.strip():
        raise InvalidValue("say why you print these records (--reason); it is kept in the "
                           "audit log", "reason")
    now = datetime.now(UTC)
    with acting(database, operation, Action.MANIFESTS_PRINT) as (db, _settings, chosen,
                                                                principal):
        printed = gather_manifests(db, principal, chosen, convoy, reason=reason, now=now,
                                   target=out_file.name)
    with progress_bar(err, "Drawing manifests") as progress:
        data = manifest_pdf(printed.source, language=language.value, created_at=now,
                            convoy_ids=convoy or None, progress=progress)
    write_private(out_file, data, replace=True)
    out.print(f"[green]Wrote the manifests[/green] of {len(printed.convoys):,} convoys "
              f"({printed.households:,} households, {printed.people:,} people) to {out_file}. "
              "It holds personal data: keep it out of sight and destroy it once the convoys "
              "have arrived.")
    missing = printed.households - printed.tickets
    if missing:
        out.print(f"[yellow]{missing:,} households have no valid ticket[/yellow] (revoked, not "
                  "reissued): `corridor tickets reissue` gives one a new ticket.")
    hidden = printed.households - printed.shown
    if hidden:
        out.print(f"{hidden:,} households are not at your sites: they are listed by id only.")
