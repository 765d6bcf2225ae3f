"""``corridor intake``: the household registration form, and importing what registrars sent.

``intake form`` writes the XLSForm for KoBoToolbox or ODK Central; ``intake import`` reads their
export of it into a stored operation's registry (:mod:`corridor.interop.kobo`,
:mod:`corridor.store.intake`), all or nothing unless ``--skip-invalid``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.table import Table

from corridor.cli.console import err, out
from corridor.cli.identity import acting, open_database, permitted
from corridor.cli.options import DatabaseOption, OperationOption, settings_for
from corridor.cli.progress import progress_bar
from corridor.domain import AlreadyExists, InvalidValue, Operation
from corridor.interop.kobo import (
    ExportFormat,
    IntakeRejected,
    RowProblem,
    Skipped,
    read_export,
    write_report,
)
from corridor.interop.xlsform import registration_form, write_xlsform
from corridor.security.permissions import Action, site_limit, visible_fields
from corridor.store.intake import import_intake, load_operation

intake_app = typer.Typer(help="Household registration on KoBoToolbox or ODK Collect: the form, "
                              "and importing its exports into the registry.",
                         no_args_is_help=True)

SHOWN_PROBLEMS = 50

ReasonOption = Annotated[str | None, typer.Option(
    "--reason", help="Why you import; kept in the audit log.", show_default=False)]


@intake_app.command("form")
def intake_form(
    out_file: Annotated[Path, typer.Option("--out", help="The XLSForm (.xlsx) to write.")],
    database: DatabaseOption = None,
    operation: OperationOption = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file.")] = False,
) -> None:
    """Write the household registration XLSForm, in English and Arabic."""
    if out_file.exists() and not force:
        raise AlreadyExists(f"{out_file} exists already; pass --force to overwrite it")
    chosen: Operation | None = None
    if operation is not None:
        settings = settings_for(database)
        with open_database(settings) as db:
            operation_id = db.choose_operation(operation)
            permitted(db, settings, Action.REGISTRY_IMPORT, operation_id)
            chosen = load_operation(db, operation_id)
    write_xlsform(registration_form(chosen), out_file)
    sites = (f" with the {len(chosen.assembly_points)} assembly points and "
             f"{len(chosen.agreement.destinations)} destinations of {chosen.operation_id}"
             if chosen else "; assembly points and destinations are typed as site ids")
    out.print(f"[green]Wrote[/green] {out_file}{sites}. Upload it to KoBoToolbox or ODK "
              "Central.")


def _problem_table(problems: Sequence[RowProblem]) -> Table:
    table = Table("where", "field", "what is wrong", "what to do")
    for problem in problems[:SHOWN_PROBLEMS]:
        table.add_row(problem.place, problem.field or "", problem.problem, problem.action)
    return table


def _refuse(rejected: IntakeRejected, report: Path | None) -> NoReturn:
    from corridor.cli.app import ExitCode  # the app imports this module while it is built

    if report is not None:
        write_report(report, rejected.rows, rejected.skipped)
    count = len(rejected.rows)
    err.print(f"[bold red]error[/bold red] \\[{rejected.code}]: the export was rejected with "
              f"{count:,} problem{'s' if count != 1 else ''}; nothing was stored. Fix them and "
              "import again" + (f" (every problem is in {report})." if report else "."))
    err.print(_problem_table(rejected.rows))
    if count > SHOWN_PROBLEMS:
        err.print(f"... and {count - SHOWN_PROBLEMS:,} more: pass --report FILE to have them "
                  "all.")
    raise typer.Exit(ExitCode.INVALID_INPUT)


def _left_out(skipped: Sequence[Skipped]) -> str:
    counts: dict[str, int] = {}
    for item in skipped:
        counts[item.reason.value] = counts.get(item.reason.value, 0) + 1
    return ", ".join(f"{n:,} {reason.replace('_', ' ')}" for reason, n in sorted(counts.items()))


@intake_app.command("import")
def intake_import(
    file: Annotated[Path, typer.Argument(help="A KoBoToolbox export (XLSX or CSV) or an ODK "
                                              "Central export (ZIP or CSV).")],
    database: DatabaseOption = None,
    operation: OperationOption = None,
    export_format: Annotated[ExportFormat, typer.Option(
        "--format", help="Who made the export (auto: tell from the file).")] = ExportFormat.AUTO,
    members: Annotated[Path | None, typer.Option(
        "--members", help="The members' CSV, when the export's own has none (default: "
                          "FILE-member.csv beside a CSV export).", show_default=False)] = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Store the good submissions and report the others (needs "
                               "--report).")] = False,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Write every problem and every submission left out to this CSV.",
        show_default=False)] = None,
    reason: ReasonOption = None,
) -> None:
    """Add the households of a KoBoToolbox or ODK Central export to the registry."""
    if skip_invalid and report is None:
        raise InvalidValue("--skip-invalid needs --report FILE, where the submissions left out "
                           "and their problems are written", "report")
    with acting(database, operation, Action.REGISTRY_IMPORT) as (db, _settings, chosen, principal):
        try:
            with progress_bar(err, "Reading") as progress:
                batch = read_export(file, export_format, members=members, progress=progress)
            with progress_bar(err, "Storing (sealed)") as progress:
                outcome = import_intake(db, chosen, batch, actor=principal.label,
                                        reason=reason or "intake import",
                                        sites=site_limit(principal, chosen),
                                        skip_invalid=skip_invalid, progress=progress,
                                        fields=visible_fields(principal, chosen))
        except IntakeRejected as rejected:
            _refuse(rejected, report)
    if report is not None:
        write_report(report, outcome.problems, outcome.skipped)
    out.print(f"[green]Imported[/green] {outcome.households:,} households, "
              f"{outcome.persons:,} persons into {chosen} ({batch.export_format.value} export"
              f" {file.name}).")
    if outcome.skipped:
        out.print(f"Not imported: {_left_out(outcome.skipped)}.")
    if outcome.problems:
        out.print(f"[yellow]Left out for problems[/yellow]: {len(outcome.problems):,} problems, "
                  f"listed in {report}.")
    if outcome.households:
        out.print("They are on no plan yet: `corridor plan` (or `corridor replan`) places them.")
