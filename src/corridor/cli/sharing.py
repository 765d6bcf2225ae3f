"""``corridor share``: a list for another party, only what the agreement names, approved first."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.cli.console import out
from corridor.cli.identity import acting, ask_secret, open_database, permitted, write_private
from corridor.cli.options import DatabaseOption, OperationOption, settings_for
from corridor.domain import AlreadyExists, InvalidValue
from corridor.interop.operation_toml import operation_from_toml
from corridor.security.archive import ArchiveHeader, seal_archive
from corridor.security.permissions import Action
from corridor.store.shares import approve_share, list_shares, request_share, share_list, trace
from corridor.store.tables import operations

share_app = typer.Typer(help="Share the list of those leaving with another party, as the "
                             "agreement requires: approved by a protection officer, "
                             "watermarked, audited.", no_args_is_help=True)

MAX_SHARE_DAYS = 30



@share_app.command("request")
def share_request(
    recipient: Annotated[str, typer.Option("--recipient", help="Who receives the list.")],
    reason: Annotated[str, typer.Option("--reason", help="Why: the clause of the agreement.")],
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """Ask to share the fields the agreement names with a recipient (coordinators)."""
    with acting(database, operation, Action.SHARE_REQUEST) as (db, _settings, chosen, principal):
        with db.engine.connect() as connection:
            document = connection.execute(operations.select().with_only_columns(
                operations.c.document).where(operations.c.operation_id == chosen)).scalar_one()
        fields = operation_from_toml(document, f"operation {chosen}").agreement.terms.shared_fields
        share_id = request_share(db, chosen, fields, recipient, reason, actor=principal.label)
    out.print(f"[green]Share {share_id} requested[/green] for {recipient} (fields: "
              f"{', '.join(fields)}); a protection officer must approve it: "
              f"`corridor share approve {share_id}`.")


@share_app.command("approve")
def share_approve(
    share_id: Annotated[int, typer.Argument(help="The share's number.")],
    database: DatabaseOption = None,
) -> None:
    """Approve a share requested by someone else (protection officers)."""
    settings = settings_for(database)
    with open_database(settings) as db:
        operation = next((s.operation_id for s in list_shares(db) if s.share_id == share_id),
                         None)
        principal = permitted(db, settings, Action.SHARE_APPROVE, operation)
        share = approve_share(db, share_id, approver=principal.name, actor=principal.label)
    out.print(f"[green]Share {share_id} approved[/green] for {share.recipient}.")


@share_app.command("list")
def share_list_command(database: DatabaseOption = None,
                       operation: OperationOption = None) -> None:
    """List the shares and where each stands."""
    settings = settings_for(database)
    with open_database(settings) as db:
        permitted(db, settings, Action.SHARE_LIST, operation)
        found = list_shares(db, operation)
    table = Table("share", "operation", "recipient", "fields", "requested by", "state")
    for share in found:
        table.add_row(str(share.share_id), share.operation_id, share.recipient,
                      ", ".join(share.fields), share.requested_by, share.state)
    out.print(table)


@share_app.command("export")
def share_export(
    share_id: Annotated[int, typer.Argument(help="An approved share's number.")],
    archive: Annotated[Path, typer.Argument(help="The encrypted archive to write.")],
    expires_days: Annotated[int, typer.Option(
        "--expires-days", help="Days until the archive can no longer be opened (1 to 30).")] = 7,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the archive.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Write an approved share's list into an encrypted archive for its recipient."""
    settings = settings_for(database)
    if not 1 <= expires_days <= MAX_SHARE_DAYS:
        raise InvalidValue(f"a share expires after 1 to {MAX_SHARE_DAYS} days", "expires-days")
    if archive.exists() and not force:
        raise AlreadyExists(f"{archive} exists already; pass --force to overwrite it")
    with open_database(settings) as db:
        operation = next((s.operation_id for s in list_shares(db) if s.share_id == share_id),
                         None)
        principal = permitted(db, settings, Action.SHARE_EXPORT, operation)
        passphrase = ask_secret(settings.passphrase, "Archive passphrase",
                                "CORRIDOR_PASSPHRASE", confirm=True)
        share, content = share_list(db, share_id, actor=principal.label)
    now = datetime.now(UTC)
    name = f"share-{share_id}.csv"
    header = ArchiveHeader("share", now, now + timedelta(days=expires_days), share.recipient,
                           f"share {share_id} of operation {share.operation_id}", (name,))
    write_private(archive, seal_archive({name: content}, header, passphrase, os.urandom),
                  replace=True)
    out.print(f"[green]Wrote share {share_id}[/green] for {share.recipient} to {archive} "
              f"(encrypted, expires in {expires_days} days); give the passphrase separately.")


@share_app.command("trace")
def share_trace(
    reference: Annotated[str, typer.Argument(help="A reference found on a leaked list.")],
    database: DatabaseOption = None,
) -> None:
    """Find which share, and so which recipient, a row of a leaked list came from."""
    settings = settings_for(database)
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.SHARE_APPROVE)
        share, person_id = trace(db, reference, actor=principal.label)
    out.print(f"Reference {reference} is person {person_id} on share {share.share_id}, given to "
              f"{share.recipient} (operation {share.operation_id}).")
