"""Figures for monitors: the summary through disclosure control, the ledger kept in the store."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Group
from rich.table import Table

from corridor.cli.options import disclosure_policy
from corridor.cli.settings import Settings
from corridor.reports.disclosure import Ledger
from corridor.reports.protected_summary import ProtectedSummary, protected_summary
from corridor.reports.summary import summarise
from corridor.security.permissions import Principal
from corridor.store import Database
from corridor.store.protection import publish

AUDIENCE = "monitors"
WITHHELD = "withheld"


def protected_figures(db: Database, settings: Settings, principal: Principal,
                      operation_id: str, reason: str | None) -> Group:
    """Today's summary of ``operation_id`` as a monitor may see it; the release is kept."""
    policy = disclosure_policy(settings)
    scenario = db.load_scenario(operation_id, actor=principal.label,
                                reason=reason or "protected figures for monitors")
    day = datetime.now(UTC).date()
    summary = summarise(scenario)

    def release(ledger: Ledger) -> tuple[ProtectedSummary, Ledger]:
        made = protected_summary(summary, day, policy, ledger)
        return made, made.ledger

    result = publish(db, operation_id, AUDIENCE, release, actor=principal.label,
                     subject=f"summary of {day:%Y-%m-%d}")
    leaving = WITHHELD if result.people_leaving is None else f"{result.people_leaving:,}"
    parts: list[Table | str] = [
        f"{scenario.operation.name}: {leaving} people leaving. Counts below "
        f"{result.threshold}, and those that would reveal them, are {WITHHELD}."]
    for title, lines in result.tables:
        table = Table(title=title, title_justify="left")
        table.add_column("")
        table.add_column("people", justify="right")
        for line in lines:
            table.add_row(line.label, WITHHELD if line.value is None else f"{line.value:,}")
        parts.append(table)
    return Group(*parts)
