"""``corridor report hxl``: the public HXL export of people registered and arrived.

Figures through disclosure control against the ledger of everything released outside, validated
against the HXL schema before the file is written (:mod:`corridor.store.hxl_export`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from corridor.cli.console import out
from corridor.cli.identity import acting
from corridor.cli.options import DatabaseOption, OperationOption, disclosure_policy
from corridor.domain import AlreadyExists, InvalidValue
from corridor.interop.hxl import Origin
from corridor.security.permissions import Action


def _day(text: str | None, every_day: bool) -> date | None:
    if (text is None) == (not every_day):
        raise InvalidValue("give either --day YYYY-MM-DD or --all", "day")
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"--day {text!r} is not a date: write it YYYY-MM-DD", "day") from None


def report_hxl(
    out_file: Annotated[Path, typer.Option("--out", help="The HXL CSV file to write.")],
    org: Annotated[str, typer.Option(
        "--org", help="The organisation that reports the figures (#org).")],
    day: Annotated[str | None, typer.Option(
        "--day", help="The convoy day to export (YYYY-MM-DD).", show_default=False)] = None,
    every_day: Annotated[bool, typer.Option("--all", help="Export every day of the plan.")]
        = False,
    origin_adm1: Annotated[str | None, typer.Option(
        "--origin-adm1", help="P-code of the governorate people leave (#adm1+code+origin).",
        show_default=False)] = None,
    origin_adm2: Annotated[str | None, typer.Option(
        "--origin-adm2", help="P-code of the district people leave (#adm2+code+origin).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file.")] = False,
    database: DatabaseOption = None,
    operation: OperationOption = None,
) -> None:
    """Write people registered and arrived by day and destination, sex and age, as HXL."""
    from corridor.store.hxl_export import write_hxl

    chosen_day = _day(day, every_day)
    origin = Origin(origin_adm1, origin_adm2)
    if out_file.exists() and not force:
        raise AlreadyExists(f"{out_file} exists already; pass --force to overwrite it")
    with acting(database, operation, Action.FIGURES_EXPORT) as (db, settings, chosen,
                                                               principal):
        written = write_hxl(db, chosen, out_file, day=chosen_day, org=org, origin=origin,
                            policy=disclosure_policy(settings), actor=principal.label,
                            reason="public HXL export")
    span = (f"{written.days[0]}" if len(written.days) == 1
            else f"{written.days[0]} to {written.days[-1]}")
    out.print(f"[green]Wrote[/green] {out_file}: {written.rows:,} rows ({span}), validated "
              f"against the HXL schema; {written.withheld:,} figures withheld (counts below "
              f"{written.threshold} and those that would reveal them).")
    if written.exposed:
        out.print(f"[yellow]Warning[/yellow]: {written.exposed} hidden figures of earlier "
                  "releases could already be worked out; see docs/disclosure.md.")
