"""corridor's commands. Each one parses, calls the core or the store, and shapes the answer.

Errors from the core arrive as :class:`~corridor.domain.CorridorError` and leave as one red line
(plus the list of problems for a rejected scenario) and an exit code from ``EXIT_CODES``.
"""

from __future__ import annotations

import sys
from enum import IntEnum
from pathlib import Path
from typing import Annotated

import typer

from corridor import __version__
from corridor.cli.console import err, out
from corridor.cli.identity import acting, ensure_keyring, open_database, permitted, signed_in
from corridor.cli.options import DatabaseOption, OperationOption, settings_for
from corridor.cli.planning import (
    PinsUnmeetable,
    PlanRejected,
    checked,
    parse_pins,
    pin_conflicts_view,
    plan_view,
    plan_with_progress,
    read_plan_file,
    readable_violations,
    violations_view,
)
from corridor.cli.progress import progress_bar
from corridor.cli.render import summary_view
from corridor.domain import (
    AlreadyExists,
    CorridorError,
    InvalidValue,
    NotFound,
    ScenarioRejected,
    StoreError,
)
from corridor.domain.errors import (
    ArchiveUnusable,
    AuditBroken,
    Forbidden,
    KeyUnusable,
    NotSignedIn,
    RateLimited,
    SignInRefused,
)
from corridor.interop.scenario_files import RegistryFormat, save_scenario
from corridor.reports.summary import summarise
from corridor.security.permissions import Action, allowed, visible_fields
from corridor.synthetic import generate as generate_scenario


class ExitCode(IntEnum):
    """What a command's exit status means; documented in docs/cli.md."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    INVALID_INPUT = 3
    NOT_FOUND_OR_CONFLICT = 4
    DATABASE = 5
    PLAN_REJECTED = 6
    ACCESS = 7
    PROTECTION = 8


EXIT_CODES: dict[type[CorridorError], ExitCode] = {
    ScenarioRejected: ExitCode.INVALID_INPUT,
    InvalidValue: ExitCode.INVALID_INPUT,
    NotFound: ExitCode.NOT_FOUND_OR_CONFLICT,
    AlreadyExists: ExitCode.NOT_FOUND_OR_CONFLICT,
    StoreError: ExitCode.DATABASE,
    PlanRejected: ExitCode.PLAN_REJECTED,
    NotSignedIn: ExitCode.ACCESS,
    SignInRefused: ExitCode.ACCESS,
    RateLimited: ExitCode.ACCESS,
    Forbidden: ExitCode.ACCESS,
    KeyUnusable: ExitCode.PROTECTION,
    ArchiveUnusable: ExitCode.PROTECTION,
    AuditBroken: ExitCode.PROTECTION,
}
SHOWN_PROBLEMS = 50

DEFAULT_DEMO_LEAVING = 20_600
"""al-Waer: over 20,000 applied to leave (12,000 + 6,200 + 2,400)."""

app = typer.Typer(
    name="corridor",
    help="Plan, run and monitor negotiated humanitarian evacuations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

FormatOption = Annotated[
    RegistryFormat,
    typer.Option("--format", help="File format of households and persons."),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Overwrite a scenario already in the folder."),
]
ReasonOption = Annotated[
    str | None,
    typer.Option("--reason", help="Why you read personal data; kept in the audit log.",
                 show_default=False),
]



def _refuse_overwrite(folder: Path, force: bool) -> None:
    if (folder / "operation.toml").exists() and not force:
        raise AlreadyExists(f"{folder} already holds a scenario; pass --force to overwrite it")


def _version(value: bool) -> None:
    if value:
        out.print(f"corridor {__version__}")
        raise typer.Exit


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Plan, run and monitor negotiated humanitarian evacuations."""


@app.command()
def init(
    database: DatabaseOption = None,
    admin: Annotated[str | None, typer.Option(
        "--admin", help="Name of the first administrator (needed while there is no account); "
        "the password is asked for, or taken from CORRIDOR_PASSWORD.", show_default=False)]
        = None,
) -> None:
    """Create the database and the key file, or bring the schema up to date."""
    from corridor.cli.accounts import bootstrap

    settings = settings_for(database)
    keyring, made = ensure_keyring(settings)
    if made:
        out.print(f"[green]Made a new key file[/green] at {settings.key_file}: keep a copy "
                  "somewhere safe and apart from the database; without it the registry cannot "
                  "be read.")
    with open_database(settings, keyring) as db:
        if db.current_revision() == db.head_revision() and not bootstrap.needed(db):
            permitted(db, settings, Action.SCHEMA_UPGRADE)
        db.upgrade()
        db.check_key()
        out.print(f"[green]Database ready[/green] at {db.display_url} "
                  f"(schema {db.current_revision()}).")
        if bootstrap.needed(db):
            bootstrap.first_admin(db, settings, admin, out)


@app.command()
def generate(
    folder: Annotated[Path, typer.Argument(help="Folder to write the scenario into.")],
    leaving: Annotated[int, typer.Option(help="People who leave (2,000 to 1,000,000).")] =
        DEFAULT_DEMO_LEAVING,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] =
        2017,
    file_format: FormatOption = RegistryFormat.CSV,
    force: ForceOption = False,
) -> None:
    """Write a synthetic al-Waer-like scenario folder (seeded, no real personal data)."""
    _refuse_overwrite(folder, force)
    with progress_bar(err, "Generating") as progress:
        scenario = generate_scenario(leaving, seed=seed, progress=progress)
    with progress_bar(err, "Writing") as progress:
        save_scenario(scenario, folder, file_format, progress)
    out.print(f"[green]Wrote[/green] {folder}: {len(scenario.households):,} households, "
              f"{len(scenario.persons):,} persons.")


@app.command("import")
def import_(
    folder: Annotated[Path, typer.Argument(help="Scenario folder: operation.toml, "
                                                "households.csv, persons.csv.")],
    database: DatabaseOption = None,
    replace: Annotated[bool, typer.Option(help="Replace an operation with the same id.")] =
        False,
    reason: ReasonOption = None,
) -> None:
    """Check a scenario folder (or an export archive) and store it; bad input is rejected whole."""
    from corridor.cli.archives import scenario_from

    settings = settings_for(database)
    with open_database(settings) as db:
        db.require_current()
        principal = permitted(db, settings, Action.REGISTRY_IMPORT)
        scenario = scenario_from(folder, settings, err)
        permitted(db, settings, Action.REGISTRY_IMPORT, scenario.operation.operation_id)
        with progress_bar(err, "Storing") as progress:
            db.import_scenario(scenario, actor=principal.label, reason=reason or "import",
                               replace=replace, progress=progress)
    out.print(f"[green]Imported[/green] {scenario.operation.operation_id}: "
              f"{len(scenario.households):,} households, {len(scenario.persons):,} persons "
              f"into {db.display_url}.")


@app.command()
def export(
    archive: Annotated[Path, typer.Argument(help="The encrypted archive to write.")],
    database: DatabaseOption = None,
    operation: OperationOption = None,
    file_format: FormatOption = RegistryFormat.CSV,
    expires_days: Annotated[int, typer.Option(
        "--expires-days", help="Days until the archive can no longer be opened (1 to 90).")] = 7,
    recipient: Annotated[str, typer.Option(help="Who the archive is for (kept in it and in "
                                                 "the audit log).")] = "corridor import",
    reason: ReasonOption = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the archive.")] = False,
) -> None:
    """Write a stored operation as an encrypted scenario archive that expires."""
    from corridor.cli.archives import export_archive

    with acting(database, operation, Action.REGISTRY_EXPORT) as (db, settings, chosen, principal):
        export_archive(db, settings, principal, chosen, archive, file_format=file_format,
                       expires_days=expires_days, recipient=recipient,
                       reason=reason or "export", force=force, err=err)
    out.print(f"[green]Exported[/green] {chosen} to {archive}, encrypted; it expires in "
              f"{expires_days} days. `corridor import {archive}` reads it back.")


@app.command()
def operations(database: DatabaseOption = None) -> None:
    """List the operations in the database."""
    settings = settings_for(database)
    with open_database(settings) as db:
        permitted(db, settings, Action.OPERATION_LIST)
        stored = db.operations()
    if not stored:
        out.print("No operations yet: run `corridor import FOLDER`.")
        return
    for item in stored:
        out.print(f"{item.operation_id}  {item.name}  (agreement {item.agreement_version}): "
                  f"{item.households:,} households, {item.persons:,} persons")


@app.command()
def summary(database: DatabaseOption = None, operation: OperationOption = None,
            reason: ReasonOption = None) -> None:
    """Show who leaves (by destination, category, sex, age band), the vulnerable and the fleet."""
    from corridor.cli.figures import protected_figures

    settings = settings_for(database)
    with open_database(settings) as db:
        chosen = db.choose_operation(operation)
        principal = signed_in(db, settings)
        if not allowed(principal, Action.FIGURES_EXACT, chosen):
            # Monitors: the same figures through disclosure control, or Forbidden.
            permitted(db, settings, Action.FIGURES_PROTECTED, chosen)
            out.print(protected_figures(db, settings, principal, chosen, reason))
            return
        with progress_bar(err, "Loading") as progress:
            scenario = db.load_scenario(chosen, actor=principal.label,
                                        reason=reason or "summary figures", progress=progress)
    out.print(summary_view(summarise(scenario)))


@app.command()
def plan(
    database: DatabaseOption = None,
    operation: OperationOption = None,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same plan.")] = 0,
    pin: Annotated[list[str] | None, typer.Option(
        "--pin", help="Pin a household to a day: HOUSEHOLD=YYYY-MM-DD, or to the day's N-th "
        "convoy: HOUSEHOLD=YYYY-MM-DD/N (repeatable).", show_default=False)] = None,
    drop_unmeetable_pins: Annotated[bool, typer.Option(
        "--drop-unmeetable-pins", help="Plan without the pins that cannot be kept (listed with "
        "their reasons) instead of refusing to plan.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Show every bound and the days.")]
        = False,
    output: Annotated[Path | None, typer.Option(
        "--output", help="Also write the plan to this plan.json file.", show_default=False)]
        = None,
    reason: ReasonOption = None,
) -> None:
    """Plan every household that leaves onto a vehicle, a convoy and a day; check and store it."""
    from corridor.interop.plan_json import plan_to_json

    pins = parse_pins(pin or [])
    with acting(database, operation, Action.PLAN_CREATE) as (db, _settings, chosen, principal):
        with progress_bar(err, "Loading") as progress:
            scenario = db.load_scenario(chosen, actor=principal.label,
                                        reason=reason or "planning", progress=progress)
        try:
            result = plan_with_progress(scenario, seed, pins, err, drop_unmeetable_pins)
        except PinsUnmeetable as refused:
            err.print(pin_conflicts_view(refused.conflicts, "pin cannot be kept"))
            raise
        checked(scenario, result.plan, visible_fields(principal, chosen))
        plan_id = db.save_plan(result.plan)
    if output is not None:
        output.write_text(plan_to_json(result.plan), encoding="utf-8")
    out.print(plan_view(result, explain))
    out.print(f"[green]Plan {plan_id} passed check-plan and is stored[/green]"
              + (f"; written to {output}" if output else "") + ".")


@app.command("check-plan")
def check_plan_command(
    plan_file: Annotated[Path | None, typer.Argument(
        help="A plan.json file (default: the latest stored plan).", show_default=False)] = None,
    database: DatabaseOption = None,
    operation: OperationOption = None,
    reason: ReasonOption = None,
) -> None:
    """Check a plan against every rule, independently of the planner."""
    from corridor.checker import check_plan

    settings = settings_for(database)
    with open_database(settings) as db:
        stored = read_plan_file(plan_file) if plan_file else db.load_plan(operation)
        chosen = operation or stored.operation_id
        # A plan file of one's own making, checked against the whole registry, would answer
        # questions about fields one may not see: only roles that make plans check files.
        principal = permitted(db, settings, Action.PLAN_CREATE if plan_file else
                              Action.PLAN_READ, chosen)
        scenario = db.load_scenario(chosen, actor=principal.label,
                                    reason=reason or "checking a plan")
    violations = check_plan(scenario, stored)
    if violations:
        shown = readable_violations(violations, visible_fields(principal, chosen))
        out.print(violations_view(shown))
        raise PlanRejected(shown)
    out.print(f"[green]The plan keeps every rule[/green]: {len(stored.convoys):,} convoys, "
              f"{stored.people:,} people, {stored.days} days.")


@app.command()
def demo(
    folder: Annotated[Path, typer.Option(help="Folder for the demo's files and database.")] =
        Path("corridor-demo"),
    leaving: Annotated[int, typer.Option(help="People who leave.")] = DEFAULT_DEMO_LEAVING,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2017,
) -> None:
    """Run the main job end to end on an al-Waer-like scenario, in a local folder."""
    from corridor.cli.demo import run_demo

    run_demo(folder, leaving, seed, out, err)


def _register_protection_commands() -> None:
    from corridor.cli import (
        accounts,
        field,
        intake,
        manifests,
        outside,
        protection,
        replanning,
        reports,
        serve,
        sharing,
        tickets,
    )

    app.command()(accounts.login)
    app.command()(accounts.logout)
    app.command()(accounts.whoami)
    app.add_typer(accounts.user_app, name="user")
    app.add_typer(accounts.token_app, name="token")
    app.add_typer(protection.registry_app, name="registry")
    app.add_typer(protection.keys_app, name="keys")
    app.add_typer(protection.audit_app, name="audit")
    app.command()(protection.backup)
    app.command("restore")(protection.restore_command)
    app.add_typer(sharing.share_app, name="share")
    app.command("purge")(protection.purge_command)
    app.add_typer(field.field_app, name="field")
    app.command("replan")(replanning.replan)
    app.command("serve")(serve.serve)
    app.add_typer(tickets.tickets_app, name="tickets")
    app.add_typer(intake.intake_app, name="intake")
    app.add_typer(reports.report_app, name="report")
    app.add_typer(outside.outside_app, name="outside")
    app.command("manifests")(manifests.manifests_command)


_register_protection_commands()


def _report(error: CorridorError) -> ExitCode:
    code = next((exit_code for kind, exit_code in EXIT_CODES.items()
                 if isinstance(error, kind)), ExitCode.UNEXPECTED)
    if isinstance(error, ScenarioRejected):
        err.print(f"[bold red]error[/bold red] \\[{error.code}]: the scenario was rejected; "
                  "nothing was stored. Fix these problems and try again:")
        for problem in error.problems[:SHOWN_PROBLEMS]:
            err.print(f"  {problem}", markup=False)
        hidden = len(error.problems) - SHOWN_PROBLEMS
        if hidden > 0:
            err.print(f"  ... and {hidden:,} more problems.")
    else:
        err.print(f"[bold red]error[/bold red] \\[{error.code}]: ", end="")
        err.print(error.message, markup=False)
    return code


def run(arguments: list[str] | None = None) -> int:
    """Run the command line on ``arguments`` and return the exit status (errors become lines)."""
    try:
        app(args=arguments, prog_name="corridor")
    except SystemExit as done:  # Typer ends every run so, usage errors (2) included
        return done.code if isinstance(done.code, int) else ExitCode.UNEXPECTED
    except CorridorError as error:
        return _report(error)
    except KeyboardInterrupt:
        err.print("[bold red]interrupted[/bold red]: nothing half-written was kept.")
        return 130
    return ExitCode.OK


def main() -> None:
    """Run the command line and turn corridor's errors into a red line and an exit code."""
    sys.exit(run())
