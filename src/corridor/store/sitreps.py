"""Situation reports from the database: the situation of a day, its sitrep, the files.

:func:`make_sitrep` reads the registry (audited, for the reason given), the plan in force at the
end of the day, the event log and the outside figures; builds the situation as the server knew
it at the end of the day (:func:`corridor.tracking.situation.situation`) and the sitrep for the
reader (:func:`corridor.reports.sitrep.build_sitrep`). A monitor or public sitrep is a release:
it is protected against the operation's ledger of everything released outside (the monitors'
ledger, which the summary, the dashboard and the HXL export keep too) and the ledger is kept,
audited as a publication, before the sitrep is returned. :func:`write_sitreps` writes the day's
internal and public sitreps as HTML and PDF files for the demo.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from corridor.domain import Plan
from corridor.reports.disclosure import DisclosurePolicy, Ledger
from corridor.reports.labels import Language
from corridor.reports.sitrep import Audience, Readership, Sitrep, build_sitrep
from corridor.reports.sitrep_render import chart_images, render_html, render_pdf
from corridor.security.permissions import Principal
from corridor.store.database import Database
from corridor.store.events import StoreEventLog
from corridor.store.outside import outside_figures_of
from corridor.store.protection import publish
from corridor.tracking import Roster
from corridor.tracking.situation import end_of_day, readership_for, situation

AUDIENCE = "monitors"
"""The ledger every release outside adds to (see :data:`corridor.store.hxl_export.AUDIENCE`)."""


def plan_in_force(db: Database, operation_id: str, moment: datetime, timezone: str) -> Plan:
    """The newest plan stored before ``moment`` (local time of ``timezone``); the oldest plan
    when every plan is newer (a demo plans a past operation today)."""
    stored = db.plans(operation_id)
    if not stored:
        return db.load_plan(operation_id)  # raises NotFound with its own message
    cutoff = moment.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    earlier = [plan for plan in stored if plan.created_at <= cutoff]
    chosen = earlier[-1] if earlier else stored[0]
    return db.load_plan(operation_id, chosen.plan_id)


def make_sitrep(db: Database, operation_id: str, day: date, readership: Readership, *,
                policy: DisclosurePolicy, actor: str, reason: str) -> Sitrep:
    """The sitrep of ``day`` for ``readership``; a protected one is kept in the ledger."""
    scenario = db.load_scenario(operation_id, actor=actor, reason=reason)
    cutoff = end_of_day(day)
    plan = plan_in_force(db, operation_id, cutoff, scenario.operation.timezone)
    known = situation(Roster(scenario, plan), StoreEventLog(db).events(operation_id), cutoff)
    outside = outside_figures_of(db, operation_id, until=day)
    if not readership.protected:
        return build_sitrep(known, day, readership, outside).sitrep

    def release(ledger: Ledger) -> tuple[Sitrep, Ledger]:
        result = build_sitrep(known, day, readership, outside, policy=policy, ledger=ledger)
        assert result.ledger is not None  # a protected sitrep returns its ledger
        return result.sitrep, result.ledger

    return publish(db, operation_id, AUDIENCE, release, actor=actor,
                   subject=f"{readership.audience.value} sitrep of {day.isoformat()}",
                   record_unchanged=False)


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    partial = path.with_name(f".{path.name}.part")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_sitreps(db: Database, operation_id: str, day: date, folder: Path, *,
                  principal: Principal, policy: DisclosurePolicy,
                  languages: Sequence[Language] = ("en", "ar"),
                  created_at: datetime | None = None) -> list[Path]:
    """Write the day's internal sitrep (as ``principal`` may read it) and its public sitrep,
    as HTML and PDF in each language, into ``folder``; returns the files written.

    Files are named ``sitrep-DAY-AUDIENCE-LANGUAGE.html`` / ``.pdf``. Raises
    :class:`~corridor.domain.errors.Forbidden` when ``principal`` may not read one of them.
    """
    folder.mkdir(parents=True, exist_ok=True)
    when = created_at or datetime.now(UTC)
    written = []
    for audience in (Audience.INTERNAL, Audience.PUBLIC):
        readership = readership_for(principal, operation_id, audience)
        sitrep = make_sitrep(db, operation_id, day, readership, policy=policy,
                             actor=principal.label,
                             reason=f"{audience.value} situation report of {day.isoformat()}")
        images = chart_images(sitrep)
        for language in languages:
            stem = f"sitrep-{day.isoformat()}-{audience.value}-{language}"
            html = folder / f"{stem}.html"
            write_file(html, render_html(sitrep, language, images=images).encode("utf-8"))
            pdf = folder / f"{stem}.pdf"
            write_file(pdf, render_pdf(sitrep, language, created_at=when, images=images))
            written += [html, pdf]
    return written
