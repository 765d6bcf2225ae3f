"""``corridor tickets``: households' signed QR tickets: issue, reissue, revoke, list.

The store keeps ids and serials only (:mod:`corridor.store.tickets`); every command is
permission-checked and audited. Phones download the public key and the signed revocation list
over HTTP (docs/api.md) and verify tickets offline.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.cli.console import out
from corridor.cli.identity import acting, write_private
from corridor.cli.options import DatabaseOption, OperationOption
from corridor.domain.errors import AlreadyExists, InvalidValue
from corridor.security.permissions import Action
from corridor.store.tickets import (
    current_tickets,
    list_tickets,
    registry_household_ids,
    reissue,
    revoke,
)

tickets_app = typer.Typer(help="Households' signed QR tickets: issue them, reissue a lost one, "
                               "revoke one, list them.", no_args_is_help=True)

ReasonArgument = Annotated[str, typer.Option(
    "--reason", help="What happened (lost, damaged, withdrawn...); never a name. Kept with the "
    "revocation and in the audit log.")]


@tickets_app.command("issue")
def tickets_issue(
    households: Annotated[list[str] | None, typer.Argument(
        help="Household ids (or --all).", show_default=False)] = None,
    every: Annotated[bool, typer.Option("--all", help="Every household of the registry.")]
        = False,
    output: Annotated[Path | None, typer.Option(
        "--output", help="Write household_id,payload lines to this CSV file (readable by you "
        "only) instead of printing them.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the output file.")] = False,
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """Each household's current ticket (its QR payload); the first ticket is issued on demand."""
    if bool(households) == every:
        raise InvalidValue("name the households, or pass --all (not both)", "households")
    if output is not None and output.exists() and not force:
        raise AlreadyExists(f"{output} exists already; pass --force to overwrite it")
    with acting(database, operation, Action.TICKETS_ISSUE) as (db, _settings, chosen, principal):
        wanted = registry_household_ids(db, chosen) if every else list(households or [])
        payloads = current_tickets(db, chosen, wanted, actor=principal.label,
                                   issued_at=datetime.now(UTC))
    missing = [h for h in wanted if h not in payloads]
    if output is not None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["household_id", "payload"])
        writer.writerows([h, payloads[h]] for h in wanted if h in payloads)
        write_private(output, buffer.getvalue().encode("utf-8"), replace=True)
        out.print(f"[green]Wrote {len(payloads):,} tickets[/green] to {output}.")
    else:
        for household_id in wanted:
            if household_id in payloads:
                out.print(f"{household_id}  {payloads[household_id]}", markup=False,
                          soft_wrap=True)
    if missing:
        out.print(f"[yellow]No valid ticket[/yellow] (revoked, not reissued): "
                  f"{', '.join(missing)}; `corridor tickets reissue` gives one a new ticket.")


@tickets_app.command("reissue")
def tickets_reissue(
    household: Annotated[str, typer.Argument(help="The household id.")],
    reason: ReasonArgument,
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """A new ticket for a household (lost, damaged, taken); every older one is revoked."""
    with acting(database, operation, Action.TICKETS_ISSUE) as (db, _settings, chosen, principal):
        serial, payload = reissue(db, chosen, household, actor=principal.label, reason=reason,
                                  issued_at=datetime.now(UTC))
    out.print(f"[green]Ticket {serial} issued[/green] to household {household}; every earlier "
              "ticket of it is revoked.")
    out.print(payload, markup=False, soft_wrap=True)


@tickets_app.command("revoke")
def tickets_revoke(
    household: Annotated[str, typer.Argument(help="The household id.")],
    reason: ReasonArgument,
    serial: Annotated[int | None, typer.Option(
        "--serial", help="The ticket to revoke (default: the household's newest valid one).",
        show_default=False)] = None,
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """Revoke a household's ticket with no replacement (a household withdrawn)."""
    with acting(database, operation, Action.TICKETS_REVOKE) as (db, _settings, chosen, principal):
        revoked = revoke(db, chosen, household, actor=principal.label, reason=reason,
                         revoked_at=datetime.now(UTC), serial=serial)
    out.print(f"[green]Ticket {revoked} of household {household} revoked[/green]; phones refuse "
              "it once they download the new revocation list.")


@tickets_app.command("list")
def tickets_list(
    households: Annotated[list[str] | None, typer.Argument(
        help="Household ids (default: every household with a ticket).", show_default=False)]
        = None,
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """The tickets issued, by household and serial, and whether each is still valid."""
    with acting(database, operation, Action.TICKETS_READ) as (db, _settings, chosen, principal):
        found = list_tickets(db, chosen, households or None, actor=principal.label)
    if not found:
        out.print("No ticket issued yet: `corridor tickets issue --all`.")
        return
    table = Table("household", "serial", "issued at (UTC)", "by", "state")
    for ticket in found:
        table.add_row(ticket.household_id, str(ticket.serial),
                      f"{ticket.issued_at:%Y-%m-%d %H:%M}", ticket.issued_by,
                      "revoked" if ticket.revoked else "valid")
    out.print(table)
