"""The public HXL export of an operation: figures from the registry, the plan and the field.

:func:`write_hxl` reads the registry (audited), the current plan and the event log, projects
them (:mod:`corridor.tracking`), counts people by day and destination, sex and age band
(:mod:`corridor.reports.evacuation_figures`), protects the counts against the operation's public
ledger, validates the table against the HXL schema (:mod:`corridor.interop.hxl`), keeps the
ledger (audited as a publication) and only then writes the file. A table that does not validate
is refused before anything is kept or written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from corridor.domain import AgeBand, Destination, InvalidValue, NotFound
from corridor.domain.events import Stage
from corridor.interop.hxl import (
    EvacuationRow,
    HxlInvalid,
    HxlTable,
    Origin,
    evacuation_table,
    hxl_problems,
    write_hxl_csv,
)
from corridor.reports.disclosure import DisclosurePolicy, Ledger
from corridor.reports.evacuation_figures import (
    PublicFigures,
    Tally,
    Traveller,
    protect_figures,
    tally,
)
from corridor.store.database import Database
from corridor.store.events import StoreEventLog
from corridor.store.protection import publish
from corridor.tracking import Roster, project

AUDIENCE = "monitors"
"""The ledger of every figure released outside: to monitors and to the public, by the summary,
the dashboard, the sitreps and this export alike (one ledger, so that no release undoes what
another hides)."""


@dataclass(frozen=True, slots=True)
class HxlExport:
    """What :func:`write_hxl` wrote: where, which days, how many rows and withheld figures."""

    path: Path
    days: tuple[date, ...]
    rows: int
    withheld: int
    threshold: int
    exposed: int


def _counted(db: Database, operation_id: str, *, day: date | None, actor: str, reason: str
             ) -> tuple[Tally, dict[str, Destination]]:
    """The true figures of ``day`` (None: every day of the plan), before disclosure control;
    with the operation's destinations by id."""
    scenario = db.load_scenario(operation_id, actor=actor, reason=reason)
    plan = db.load_plan(operation_id)
    projection = project(Roster(scenario, plan), StoreEventLog(db).events(operation_id))
    year = scenario.reference_year
    everyone = projection.roster.persons
    travellers = []
    for status in projection.persons.values():
        if status.day is None or status.destination is None:
            continue
        if day is not None and status.day != day:
            continue
        person = everyone[status.person_id]
        travellers.append(Traveller(status.day, status.destination, person.sex,
                                    AgeBand.of(person.age_in(year)),
                                    status.reached(Stage.DEPARTED),
                                    status.reached(Stage.ARRIVED)))
    counted = tally(travellers)
    if not counted.rows:
        days = sorted({convoy.day for convoy in plan.convoys})
        span = f"{days[0]} to {days[-1]}" if days else "none"
        when = f"on {day}" if day is not None else "on any day"
        raise NotFound(f"nobody travels {when} in the current plan of {operation_id} (its "
                       f"days: {span})")
    destinations = {site.site_id: site for site in scenario.operation.destinations}
    return counted, destinations


def write_hxl(db: Database, operation_id: str, path: Path, *, day: date | None = None,
              org: str, origin: Origin | None = None, policy: DisclosurePolicy | None = None,
              actor: str, reason: str = "public HXL export") -> HxlExport:
    """Write the public HXL export of ``day`` (None: every day) of ``operation_id`` to ``path``.

    ``org`` is the reporting organisation (``#org``); ``origin`` the P-codes of the area people
    leave (none by default); ``policy`` the disclosure threshold (5 by default). Raises
    :class:`~corridor.domain.NotFound` when the operation has no plan or nobody travels that
    day, :class:`~corridor.interop.hxl.HxlInvalid` (nothing kept or written) when the table
    does not validate against the schema.
    """
    if not path.parent.is_dir():
        raise InvalidValue(f"cannot write {path}: the folder {path.parent} does not exist",
                           "out")
    policy = policy or DisclosurePolicy()
    counted, destinations = _counted(db, operation_id, day=day, actor=actor, reason=reason)

    def release(ledger: Ledger) -> tuple[tuple[PublicFigures, HxlTable, int], Ledger]:
        figures = protect_figures(counted, policy, ledger)
        rows = [EvacuationRow(row.day, destinations[row.destination],
                              {(cell[0].value, cell[1], cell[2]): value
                               for cell, value in row.figures.items()})
                for row in figures.rows]
        table = evacuation_table(rows, org=org, origin=origin or Origin())
        problems = hxl_problems(table, path.name, threshold=figures.threshold)
        if problems:
            raise HxlInvalid(problems)  # nothing is kept
        return (figures, table, len(rows)), figures.ledger

    days = tuple(sorted({row.day for row in counted.rows}))
    # Kept before the file is written: a release the ledger knows of but nobody received is
    # harmless, the other way round it is not.
    figures, table, rows = publish(
        db, operation_id, AUDIENCE, release, actor=actor,
        subject=f"HXL export of {days[0]}" + (f" to {days[-1]}" if len(days) > 1 else ""))
    write_hxl_csv(table, path, threshold=figures.threshold)
    return HxlExport(path, days, rows, figures.withheld, figures.threshold,
                     len(figures.exposed))
