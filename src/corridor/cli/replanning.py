"""``corridor replan``: re-plan the remainder after a disruption; check, store, explain, diff."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from corridor.cli.console import err, out
from corridor.cli.identity import acting
from corridor.cli.planning import checked
from corridor.cli.progress import progress_bar
from corridor.domain import InvalidValue, Plan, Scenario
from corridor.domain.disruption import Assignment, Disruption
from corridor.interop.disruption_toml import disruption_from_toml
from corridor.planner.replan import ReplanResult
from corridor.planner.replan import replan as replan_plan
from corridor.security.permissions import Action, visible_fields
from corridor.store.events import StoreEventLog
from corridor.tracking.deviations import disruption_from_events

STAGES = ("repair", "problem", "schedule", "manifests")
SHOWN_CHANGES = 200


def _place(assignment: Assignment | None) -> str:
    if assignment is None:
        return "-"
    return (f"{assignment.convoy_id} {', '.join(assignment.vehicles)} "
            f"{assignment.day:%Y-%m-%d} to {assignment.destination}")


def changes_view(result: ReplanResult) -> RenderableType:
    """The explanation, then the households that moved: from where to where and why."""
    parts: list[RenderableType] = list(result.explanation)
    table = Table(title=f"Manifest changes: {len(result.changes):,} households",
                  title_justify="left")
    for column in ("household", "from (convoy, vehicles, day)", "to (convoy, vehicles, day)",
                   "reason", "why"):
        table.add_column(column)
    for change in result.changes[:SHOWN_CHANGES]:
        table.add_row(change.household_id, _place(change.before), _place(change.after),
                      change.reason.value, change.explanation)
    if len(result.changes) > SHOWN_CHANGES:
        table.add_row("...", f"{len(result.changes) - SHOWN_CHANGES:,} more", "", "", "")
    parts.append(table)
    return Group(*parts)


def replan_with_progress(scenario: Scenario, previous: Plan, disruption: Disruption, seed: int,
                         console: Console) -> ReplanResult:
    """Run the re-plan with a progress bar a stage."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        tasks: dict[str, TaskID] = {stage: bar.add_task(f"Re-planning: {stage}", total=1)
                                    for stage in STAGES}

        def progress(stage: str, done: int, total: int) -> None:
            if stage in tasks:
                bar.update(tasks[stage], completed=done, total=max(total, 1))

        result = replan_plan(scenario, previous, disruption, seed=seed, progress=progress)
        for task in tasks.values():
            bar.update(task, completed=bar.tasks[task].total)
    return result


def replan(
    disruption_file: Annotated[Path | None, typer.Argument(
        help="disruption.toml: what happened (as_of, no-shows, vehicles out, closures, holds).",
        show_default=False)] = None,
    from_events: Annotated[bool, typer.Option(
        "--from-events", help="Take what happened from the field event log instead: departed "
        "convoys, no-shows, vehicles out of service.")] = False,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="With --from-events: the local time to re-plan from, "
        "YYYY-MM-DDTHH:MM (default: now in the operation's time zone).",
        show_default=False)] = None,
    database: Annotated[str | None, typer.Option(
        "--db", help="Database URL (default: $CORRIDOR_DB, else SQLite in $CORRIDOR_HOME).",
        show_default=False)] = None,
    operation: Annotated[str | None, typer.Option(
        "--operation", "-o", help="Operation id (needed when the database holds several).",
        show_default=False)] = None,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same plan.")] = 0,
    output: Annotated[Path | None, typer.Option(
        "--output", help="Also write the new plan to this plan.json file.", show_default=False)]
        = None,
    reason: Annotated[str | None, typer.Option(
        "--reason", help="Why you read personal data; kept in the audit log.",
        show_default=False)] = None,
) -> None:
    """Re-plan the rest of the newest plan after a disruption; check, store and show the diff."""
    from corridor.interop.plan_json import plan_to_json

    if (disruption_file is None) == (not from_events):
        raise InvalidValue("give a disruption.toml file or --from-events, one of the two",
                           "disruption")
    text = ""
    if disruption_file is not None:
        try:
            text = disruption_file.read_text(encoding="utf-8")
        except OSError as error:
            raise InvalidValue(f"cannot read {disruption_file}: {error.strerror}",
                               "disruption") from None
    with acting(database, operation, Action.PLAN_CREATE) as (db, _settings, chosen, principal):
        previous = db.load_plan(chosen)
        with progress_bar(err, "Loading") as progress:
            scenario = db.load_scenario(chosen, actor=principal.label,
                                        reason=reason or "re-planning", progress=progress)
        if disruption_file is not None:
            disruption = disruption_from_toml(text, scenario, previous, disruption_file.name)
        else:
            disruption = disruption_from_events(StoreEventLog(db).events(chosen),
                                                _as_of(as_of, scenario))
        result = replan_with_progress(scenario, previous, disruption, seed, err)
        checked(scenario, result.plan, visible_fields(principal, chosen))
        plan_id = db.save_plan(result.plan)
    if output is not None:
        output.write_text(plan_to_json(result.plan), encoding="utf-8")
    out.print(changes_view(result))
    out.print(f"[green]Plan {plan_id} passed check-plan and is stored[/green]"
              + (f"; written to {output}" if output else "") + ".")


def _as_of(text: str | None, scenario: Scenario) -> datetime:
    """``--as-of`` as a local wall-clock time, or now in the operation's time zone."""
    if text is None:
        zone = ZoneInfo(scenario.operation.timezone)
        return datetime.now(zone).replace(tzinfo=None, second=0, microsecond=0)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"--as-of {text!r} is not a time such as 2017-04-09T06:00",
                           "as-of") from None
    if moment.tzinfo is not None:
        raise InvalidValue("--as-of is a local time of the operation: leave out the time zone",
                           "as-of")
    return moment
