"""``corridor report sitrep``: the situation report of a day, as HTML or PDF, for an audience.

Who may read which: an internal sitrep needs exact figures and shows what the reader's role
allows; monitor and public sitreps pass disclosure control and are kept in the ledger of
everything released outside (:mod:`corridor.store.sitreps`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from corridor.cli.console import out
from corridor.cli.identity import open_database, signed_in
from corridor.cli.options import DatabaseOption, OperationOption, disclosure_policy, settings_for
from corridor.domain import AlreadyExists, InvalidValue
from corridor.reports.labels import Language
from corridor.reports.sitrep import Audience


class ReportLanguage(StrEnum):
    """The languages of a report."""

    EN = "en"
    AR = "ar"


class ReportFormat(StrEnum):
    """The file formats of a report."""

    HTML = "html"
    PDF = "pdf"


def parse_day(text: str) -> date:
    """A day given as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"--day {text!r} is not a date: write it YYYY-MM-DD", "day") from None


def report_sitrep(
    day: Annotated[str, typer.Option("--day", help="The day reported on (YYYY-MM-DD): events "
                                                   "received before its end count.")],
    out_file: Annotated[Path, typer.Option("--out", help="The file to write.")],
    audience: Annotated[Audience, typer.Option(
        "--audience", help="internal (exact, as your role allows), monitor or public (through "
                           "disclosure control).")] = Audience.INTERNAL,
    language: Annotated[ReportLanguage, typer.Option("--lang", help="en or ar.")]
        = ReportLanguage.EN,
    file_format: Annotated[ReportFormat, typer.Option("--format", help="html or pdf.")]
        = ReportFormat.HTML,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file.")] = False,
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """Write the situation report of a day: figures against the plan, convoys, incidents."""
    from corridor.reports.sitrep_render import render_html, render_pdf
    from corridor.store.sitreps import make_sitrep, write_file
    from corridor.tracking.situation import readership_for

    chosen_day = parse_day(day)
    if out_file.exists() and not force:
        raise AlreadyExists(f"{out_file} exists already; pass --force to overwrite it")
    if not out_file.parent.is_dir():
        raise InvalidValue(f"the folder of {out_file} does not exist; make it first", "out")
    settings = settings_for(database)
    policy = disclosure_policy(settings)
    with open_database(settings) as db:
        chosen = db.choose_operation(operation)
        principal = signed_in(db, settings)
        readership = readership_for(principal, chosen, audience)
        sitrep = make_sitrep(db, chosen, chosen_day, readership, policy=policy,
                             actor=principal.label,
                             reason=f"{audience.value} situation report of {chosen_day}")
    lang: Language = "ar" if language is ReportLanguage.AR else "en"
    if file_format is ReportFormat.PDF:
        data = render_pdf(sitrep, lang, created_at=datetime.now(UTC))
    else:
        data = render_html(sitrep, lang).encode("utf-8")
    write_file(out_file, data)
    note = ("" if sitrep.threshold is None else
            f"; {sitrep.withheld:,} figures withheld (counts below {sitrep.threshold} and those "
            "that would reveal them)")
    out.print(f"[green]Wrote[/green] the {audience.value} sitrep of {chosen_day} to {out_file}"
              f"{note}.")
