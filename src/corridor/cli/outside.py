"""``corridor outside``: figures that others report, recorded to be set beside corridor's own.

Recording one is audited as a change; anyone who may read the operation's figures (exact or
protected: coordinators, monitors...) may record and list them.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from corridor.cli.console import out
from corridor.cli.identity import acting, open_database, permitted, signed_in
from corridor.cli.options import DatabaseOption, OperationOption, settings_for
from corridor.cli.settings import Settings
from corridor.cli.sitrep import parse_day
from corridor.domain import InvalidValue
from corridor.domain.events import Stage
from corridor.reports.outside import COMPARED_STAGES, OutsideFigure
from corridor.security.permissions import Action, Principal, allowed
from corridor.store import Database
from corridor.store.outside import add_outside_figure, outside_figures_of

outside_app = typer.Typer(help="Figures others report (a media centre, a news agency): record "
                               "them, list them; sitreps show them beside corridor's counts.",
                          no_args_is_help=True)

STAGES = ", ".join(stage.value for stage in COMPARED_STAGES)


def _reader(db: Database, operation_id: str, settings: Settings) -> Principal:
    """Who may list outside figures: anyone who may read the operation's figures."""
    principal = signed_in(db, settings)
    if not allowed(principal, Action.FIGURES_EXACT, operation_id):
        permitted(db, settings, Action.FIGURES_PROTECTED, operation_id)
    return principal


@outside_app.command("add")
def outside_add(
    source: Annotated[str, typer.Option("--source", help="Who reported it (\"SANA\", \"Homs "
                                                         "media centre\").")],
    day: Annotated[str, typer.Option("--date", help="The day the figure is up to "
                                                    "(YYYY-MM-DD).")],
    stage: Annotated[str, typer.Option("--stage", help=f"What it counts: {STAGES}.")],
    people: Annotated[int, typer.Option("--people", help="People in all, fighters included.")],
    combatants: Annotated[int | None, typer.Option(
        "--combatants", help="Fighters among them, if the source says.", show_default=False)]
        = None,
    note: Annotated[str, typer.Option("--note", help="The source's words.")] = "",
    url: Annotated[str | None, typer.Option("--url", help="Where it was published.",
                                            show_default=False)] = None,
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """Record a figure someone else reported (audited)."""
    try:
        claimed = Stage(stage)
    except ValueError:
        raise InvalidValue(f"--stage {stage!r} is not one of {STAGES}", "stage") from None
    figure = OutsideFigure(source.strip(), parse_day(day), claimed, people, combatants,
                           note.strip(), url)
    with acting(database, operation, Action.OUTSIDE_RECORD) as (db, _settings, chosen, principal):
        figure_id = add_outside_figure(db, chosen, figure, actor=principal.label)
    out.print(f"[green]Recorded[/green] outside figure {figure_id}: {figure.source}, "
              f"{figure.people:,} people {figure.stage.value} up to {figure.reported_on}.")


@outside_app.command("list")
def outside_list(database: DatabaseOption = None, operation: OperationOption = None) -> None:
    """List the outside figures recorded, oldest first."""
    settings = settings_for(database)
    with open_database(settings) as db:
        chosen = db.choose_operation(operation)
        _reader(db, chosen, settings)
        figures = outside_figures_of(db, chosen)
    if not figures:
        out.print("No outside figure is recorded yet: `corridor outside add` records one.")
        return
    table = Table("id", "up to", "source", "stage", "people", "fighters", "recorded by", "note")
    for figure in figures:
        table.add_row(str(figure.figure_id), figure.reported_on.isoformat(), figure.source,
                      figure.stage.value, f"{figure.people:,}",
                      "" if figure.combatants is None else f"{figure.combatants:,}",
                      figure.recorded_by or "", figure.note + (f" {figure.url}" if figure.url
                                                               else ""))
    out.print(table)
