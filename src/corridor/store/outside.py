"""Outside figures in the database: what others reported, recorded by whom and when, audited.

A figure is a public claim (a media centre's, a news agency's), so it is kept in clear; it is
never changed or deleted (a corrected claim is recorded as a new figure, and the sitrep shows
both). Recording one is a change of the operation's record, audited in the same transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select

from corridor.domain.errors import InvalidValue
from corridor.domain.events import Stage
from corridor.reports.outside import OutsideFigure
from corridor.store.database import Database, _choose_operation
from corridor.store.tables import outside_figures


def add_outside_figure(db: Database, operation_id: str, figure: OutsideFigure, *,
                       actor: str) -> int:
    """Record ``figure`` for ``operation_id`` (which must exist); returns its id."""
    custody = db.custody
    with db._errors(), db._writing() as connection:
        db._require_schema(connection)
        _choose_operation(connection, operation_id)
        result = connection.execute(insert(outside_figures).values(
            operation_id=operation_id, source=figure.source, reported_on=figure.reported_on,
            stage=figure.stage.value, people=figure.people, combatants=figure.combatants,
            note=figure.note, url=figure.url, recorded_by=actor,
            recorded_at=custody.clock()))
        key = result.inserted_primary_key
        assert key is not None
        figure_id = int(key[0])
        fighters = "" if figure.combatants is None else f", {figure.combatants:,} fighters"
        record = custody.audit(
            connection, actor, "outside.record",
            f"outside figure {figure_id} of operation {operation_id}",
            f"{figure.source}: {figure.people:,} people{fighters} {figure.stage.value} up to "
            f"{figure.reported_on.isoformat()}")
    custody.publish_head(record)
    return figure_id


def outside_figures_of(db: Database, operation_id: str,
                       until: date | None = None) -> list[OutsideFigure]:
    """The figures recorded for ``operation_id`` (reported up to ``until``), oldest first."""
    statement = (select(outside_figures).where(outside_figures.c.operation_id == operation_id)
                 .order_by(outside_figures.c.reported_on, outside_figures.c.figure_id))
    if until is not None:
        statement = statement.where(outside_figures.c.reported_on <= until)
    with db._errors(), db._reading() as connection:
        db._require_schema(connection)
        _choose_operation(connection, operation_id)
        rows = connection.execute(statement).all()
    found = []
    for row in rows:
        try:
            found.append(OutsideFigure(row.source, row.reported_on, Stage(row.stage), row.people,
                                       row.combatants, row.note, row.url, row.figure_id,
                                       row.recorded_by))
        except (InvalidValue, ValueError) as error:
            raise InvalidValue(f"outside figure {row.figure_id} in the database is damaged: "
                               f"{error}", "outside_figures") from None
    return found
