"""``corridor field``: field events from scripts: upload a batch, counts by stage, reconcile.

The same use cases the phones' API will call (:mod:`corridor.tracking`), on the store's event log,
with the signed-in user as the officer and the permission table deciding each action.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from corridor.cli.console import out
from corridor.cli.identity import acting, open_database, permitted, signed_in
from corridor.cli.options import DatabaseOption, OperationOption, settings_for
from corridor.domain.errors import InvalidValue
from corridor.domain.events import Source
from corridor.security.permissions import Action, Principal, decider
from corridor.store import Database
from corridor.store.events import StoreEventLog
from corridor.tracking import Roster, ScanContext, open_cases, project
from corridor.tracking.scans import upload
from corridor.tracking.uploads import check_sites, read_batch

field_app = typer.Typer(help="Field events: upload what phones or paper recorded, counts by "
                             "stage, reconciliation, open follow-up cases.",
                        no_args_is_help=True)




def _roster(db: Database, principal: Principal, operation_id: str, reason: str) -> Roster:
    scenario = db.load_scenario(operation_id, actor=principal.label, reason=reason)
    return Roster(scenario, db.load_plan(operation_id))


def _now(roster: Roster) -> datetime:
    """The operation's local wall-clock time now (events carry local times)."""
    zone = ZoneInfo(roster.scenario.operation.timezone)
    return datetime.now(zone).replace(tzinfo=None, microsecond=0)


@field_app.command("upload")
def field_upload(
    batch: Annotated[Path, typer.Argument(help="A JSON-lines file, one recorded event a line.")],
    device: Annotated[str, typer.Option("--device", help="The phone the events come from.")],
    paper_tally: Annotated[bool, typer.Option(
        "--paper-tally", help="The lines are an officer's paper tally entered later.")] = False,
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """Store a batch recorded offline (or a paper tally) as it was; a bad batch stores nothing."""
    settings = settings_for(database)
    try:
        text = batch.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidValue(f"cannot read {batch}: {error.strerror}", "batch") from None
    recorded = read_batch(text, str(batch))
    with open_database(settings) as db:
        chosen = db.choose_operation(operation)
        principal = signed_in(db, settings)
        roster = _roster(db, principal, chosen, f"upload from {device}")
        check_sites(principal, roster, recorded)
        context = ScanContext(roster, principal.name, device, _now(roster),
                              decider(principal, chosen))
        log = StoreEventLog(db)
        known = len(log.stored_nonces(chosen, {r.nonce for r in recorded}))
        stored = upload(log, context, recorded,
                        Source.PAPER_TALLY if paper_tally else Source.SCAN)
    fresh = len({event.nonce for event in stored}) - known
    out.print(f"[green]Stored {fresh:,} new events[/green] from {device} "
              f"({len(stored) - fresh:,} of the {len(stored):,} were there already).")


@field_app.command("status")
def field_status(
    by: Annotated[str, typer.Option("--by", help="Group by convoy, vehicle, destination or "
                                               "day, comma-separated.")] = "convoy",
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """Counts by stage (registered to arrived) that never count anyone twice."""
    settings = settings_for(database)
    groups = tuple(g.strip() for g in by.split(",") if g.strip())
    with open_database(settings) as db:
        chosen = db.choose_operation(operation)
        principal = permitted(db, settings, Action.FIGURES_EXACT, chosen)
        roster = _roster(db, principal, chosen, "field counts")
        projection = project(roster, StoreEventLog(db).events(chosen))
    try:
        rows = projection.counts(by=groups)
    except ValueError as error:
        raise InvalidValue(str(error), "by") from None
    table = Table(*groups, "registered", "checked in", "screened", "boarded", "departed",
                  "arrived", "held", "no-show", "conflicts")
    for key, counts in sorted(rows.items(), key=lambda item: str(item[0])):
        labels = [str(getattr(key, {"convoy": "convoy_id", "vehicle": "vehicle_id"}.get(g, g))
                      or "-") for g in groups]
        table.add_row(*labels, *(f"{n:,}" for n in (
            counts.registered, counts.checked_in, counts.screened, counts.boarded,
            counts.departed, counts.arrived, counts.held, counts.no_show, counts.conflicts)))
    out.print(table)


@field_app.command("reconcile")
def field_reconcile(
    convoy: Annotated[str, typer.Argument(help="The convoy id.")],
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """Every discrepancy of a convoy: boarded but not arrived, arrived but never boarded..."""
    with acting(database, operation, Action.FIGURES_EXACT) as (db, _settings, chosen, principal):
        roster = _roster(db, principal, chosen, f"reconcile {convoy}")
        found = project(roster, StoreEventLog(db).events(chosen)).reconcile(convoy)
    if not found:
        out.print(f"[green]Convoy {convoy} reconciles[/green]: every stage adds up.")
        return
    table = Table("discrepancy", "person", "vehicle", "what")
    for item in found:
        table.add_row(item.kind.value, item.person_id or "", item.vehicle_id or "",
                      item.sentence)
    out.print(table)


@field_app.command("cases")
def field_cases(database: DatabaseOption = None, operation: OperationOption = None) -> None:
    """The protection follow-up cases still open (held, refused, separated, left behind)."""
    with acting(database, operation, Action.CASES_READ) as (db, _settings, chosen, principal):
        roster = _roster(db, principal, chosen, "protection follow-up")
        cases = open_cases(project(roster, StoreEventLog(db).events(chosen)))
    table = Table("case", "kind", "household", "person", "opened", "by", "why")
    for case in cases:
        table.add_row(case.case_id, case.kind.value, case.household_id, case.person_id,
                      f"{case.opened_at:%Y-%m-%d %H:%M}", case.opened_by, case.reason)
    out.print(table if cases else "No follow-up case is open.")
