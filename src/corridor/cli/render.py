"""Rich renderings of report data for the terminal."""

from __future__ import annotations

from collections.abc import Iterable

from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table

from corridor.reports.summary import ScenarioSummary


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f} %" if total else "-"


def _count_table(title: str, rows: Iterable[tuple[str, int]], total: int) -> Table:
    table = Table(title=title, title_justify="left", show_footer=True)
    table.add_column("", footer="total")
    table.add_column("people", justify="right", footer=f"{total:,}")
    table.add_column("share", justify="right")
    for label, count in rows:
        table.add_row(label, f"{count:,}", _share(count, total))
    return table


def summary_view(summary: ScenarioSummary) -> RenderableType:
    """The coordinator's first view of a scenario."""
    total = summary.people_leaving
    headline = (
        f"[bold]{summary.operation_name}[/bold]  agreement {summary.agreement_version}, "
        f"window {summary.window_start} to {summary.window_end}\n"
        f"[bold]{total:,}[/bold] people leaving in [bold]{summary.households_leaving:,}"
        f"[/bold] households; {summary.people_staying:,} staying, "
        f"{summary.people_undecided:,} undecided\n"
        f"{summary.vulnerable_people:,} vulnerable people, {summary.stretcher_cases:,} on "
        f"stretchers; {summary.luggage_pieces:,} pieces of luggage"
    )
    destinations = _count_table("By destination (preference)", summary.by_destination, total)
    categories = _count_table("By category", ((c.value, n) for c, n in summary.by_category),
                              total)
    sexes = _count_table("By sex", ((s.value, n) for s, n in summary.by_sex), total)
    ages = _count_table("By age band", ((b.value, n) for b, n in summary.by_age_band), total)
    vulnerable = Table(title="Vulnerable people", title_justify="left")
    vulnerable.add_column("")
    vulnerable.add_column("people", justify="right")
    for kind, count in summary.by_vulnerability:
        vulnerable.add_row(kind.value.replace("_", " "), f"{count:,}")
    vulnerable.add_row("stretcher cases", f"{summary.stretcher_cases:,}")
    fleet = Table(title="Fleet", title_justify="left")
    for column in ("kind", "vehicles", "seats", "stretchers", "luggage"):
        fleet.add_column(column, justify="left" if column == "kind" else "right")
    for line in summary.fleet:
        fleet.add_row(line.kind.value.replace("_", " "), f"{line.vehicles:,}", f"{line.seats:,}",
                      f"{line.stretchers:,}", f"{line.luggage_capacity:,}")
    return Group(Panel(headline, title="corridor", expand=False),
                 Columns([destinations, categories, sexes]),
                 Columns([ages, vulnerable, fleet]))
