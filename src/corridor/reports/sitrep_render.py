"""A sitrep as a self-contained HTML page (Jinja2) or a PDF (:mod:`corridor.reports.pdf`), in
English or Arabic.

Both show exactly the figures of the :class:`~corridor.reports.sitrep.Sitrep` (a withheld one
as the word "withheld", never its value) with the words of :mod:`corridor.reports.labels`.
The HTML page carries its charts inside it (PNG data URIs), sets ``lang`` and ``dir``, and marks
every count of people as ``<span class="n">``. Pure: the same sitrep gives the same page (and,
with the same ``created_at``, the same PDF bytes).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from corridor.reports.charts import arrivals_chart, evacuated_chart
from corridor.reports.labels import DIRECTION, Language, translator
from corridor.reports.outside import Explanation, ExplanationKind
from corridor.reports.pdf import Column, Document, KeyFigure
from corridor.reports.sitrep import Audience, Count, Sitrep

_ENVIRONMENT = Environment(loader=PackageLoader("corridor.reports", "templates"),
                           autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                           trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def when(moment: datetime) -> str:
    """A local wall-clock time as the reports write it."""
    return f"{moment:%Y-%m-%d %H:%M}"


def figure(value: Count, t: Callable[..., str]) -> str:
    """A count as text: with thousands separators, or the word for withheld."""
    return t("withheld") if value is None else f"{value:,}"


def difference_text(difference: int, t: Callable[..., str]) -> str:
    """A claim minus corridor's count in words ("120 more"): no sign for right-to-left text to
    move to the wrong side of the number."""
    if difference == 0:
        return t("difference.same")
    key = "difference.more" if difference > 0 else "difference.fewer"
    return t(key, value=f"{abs(difference):,}")


def explanation_text(item: Explanation, t: Callable[..., str]) -> str:
    """One explanation of a difference as a sentence in the reader's language."""
    values: dict[str, object] = {}
    if item.kind is ExplanationKind.OTHER_STAGE and item.stage is not None:
        values["stage"] = t(f"stage.{item.stage.value}")
    if item.scope is not None:
        values["scope"] = t(f"scope.{item.scope.value}")
    if item.day is not None:
        values["day"] = item.day.isoformat()
    if item.value is not None:
        values["value"] = f"{item.value:,}"
    return t(f"explain.{item.kind.value}", **values)


def chart_images(sitrep: Sitrep) -> dict[str, bytes]:
    """The sitrep's charts as PNG bytes: ``evacuated`` (when the plan has days) and
    ``arrivals``."""
    images = {"arrivals": arrivals_chart(sitrep.destinations)}
    if sitrep.days:
        images["evacuated"] = evacuated_chart(sitrep.days, sitrep.day)
    return images


def render_html(sitrep: Sitrep, language: Language, *,
                images: dict[str, bytes] | None = None) -> str:
    """The sitrep as one HTML page in ``language`` with its charts inside it."""
    t = translator(language)
    drawn = chart_images(sitrep) if images is None else images
    charts = {name: base64.b64encode(png).decode("ascii") for name, png in drawn.items()}
    charts.setdefault("evacuated", "")
    charts.setdefault("arrivals", "")
    convoy_combatants = any(line.combatants is not None for line in sitrep.convoys)
    return _ENVIRONMENT.get_template("sitrep.html").render(
        s=sitrep, t=t, lang=language, dir=DIRECTION[language], charts=charts, when=when,
        explain=lambda item: explanation_text(item, t),
        difference=lambda value: difference_text(value, t),
        show_combatants=sitrep.headline.combatants_departed is not None,
        show_convoy_combatants=convoy_combatants,
        show_reporters=any(line.reported_by is not None for line in sitrep.incidents))


def render_pdf(sitrep: Sitrep, language: Language, *, created_at: datetime,
               images: dict[str, bytes] | None = None) -> bytes:
    """The sitrep as an A4 PDF in ``language`` (Arabic shaped, right to left)."""
    t = translator(language)
    drawn = chart_images(sitrep) if images is None else images
    title = t("title.day", day=sitrep.day.isoformat())
    document = Document(title, language=language, created_at=created_at,
                        subject=sitrep.operation_name,
                        footer=f"{title} · {t('audience.' + sitrep.audience.value)}")

    def n(value: Count) -> str:
        return figure(value, t)

    document.heading(title)
    document.paragraph(t(f"audience.{sitrep.audience.value}"), bold=True)
    document.paragraph(f"{t('operation')}: {sitrep.operation_name} ({sitrep.operation_id}) · "
                       f"{t('agreement')}: {sitrep.agreement_version} · "
                       f"{t('as_of')}: {when(sitrep.as_of)}", size=8.5)
    document.paragraph(t("withheld.note", threshold=sitrep.threshold, withheld=sitrep.withheld)
                       if sitrep.audience is not Audience.INTERNAL else t("internal.note"),
                       size=8.5)
    h = sitrep.headline
    document.heading(t("section.headline"), 2)
    figures = [KeyFigure(t("h.departed"), n(h.departed)),
               KeyFigure(t("h.departed_today"), n(h.departed_today)),
               KeyFigure(t("h.arrived"), n(h.arrived)),
               KeyFigure(t("h.on_the_road"), n(h.on_the_road)),
               KeyFigure(t("h.planned_to_date"), n(h.planned_to_date)),
               KeyFigure(t("h.planned"), n(h.planned))]
    if h.combatants_departed is not None:
        figures.append(KeyFigure(t("h.combatants"), n(h.combatants_departed)))
    figures += [KeyFigure(t("h.children"), n(h.children_departed)),
                KeyFigure(t("h.held"), n(h.held)), KeyFigure(t("h.medical"), n(h.medical_cases)),
                KeyFigure(t("h.convoys"), t("h.convoys_value", departed=h.convoys_departed,
                                            planned=h.convoys_planned)),
                KeyFigure(t("h.incidents"), str(h.incidents))]
    document.key_figures(figures)
    document.paragraph(t("h.plan_days", days=h.plan_days)
                       + (f" {t('h.optimal')}" if h.proven_optimal_days else ""))
    if h.binding_constraint is not None:
        document.paragraph(f"{t('h.binding')}: {h.binding_constraint}", size=8.5)
    _days(document, sitrep, t, drawn)
    _convoys(document, sitrep, t)
    _sex_and_age(document, sitrep, t)
    _destinations(document, sitrep, t, drawn)
    _medical_and_incidents(document, sitrep, t)
    _next_and_outside(document, sitrep, t)
    document.paragraph(t("footer"), size=8)
    return document.to_bytes()


def _days(document: Document, sitrep: Sitrep, t: Callable[..., str],
          images: dict[str, bytes]) -> None:
    document.heading(t("section.days"), 2)
    if "evacuated" in images:
        document.image(images["evacuated"], alt_text=t("chart.evacuated"))
        document.paragraph(t("chart.evacuated"), size=8)
    columns = [Column(t("col.day"), 1.2)] + [Column(t(key), 1, "end") for key in (
        "col.planned", "col.planned_cumulative", "col.departed", "col.departed_cumulative",
        "col.arrived", "col.arrived_cumulative")]
    rows = []
    for line in sitrep.days:
        past = line.day <= sitrep.day
        later = [figure(v, t) if past else "" for v in (
            line.departed, line.departed_cumulative, line.arrived, line.arrived_cumulative)]
        rows.append([line.day.isoformat(), figure(line.planned, t),
                     figure(line.planned_cumulative, t), *later])
    document.table(columns, rows, size=8)


def _convoys(document: Document, sitrep: Sitrep, t: Callable[..., str]) -> None:
    document.heading(t("section.convoys"), 2)
    if not sitrep.convoys:
        document.paragraph(t("convoys.none"))
        return
    fighters = any(line.combatants is not None for line in sitrep.convoys)
    titles = ["col.convoy", "col.destination", "col.vehicles", "col.planned", "col.people"]
    titles += ["col.combatants"] if fighters else []
    titles += ["col.children", "col.medical", "col.held", "col.arrived", "col.departure",
               "col.arrival", "col.status"]
    columns = [Column(t(key), 1.4 if key in ("col.departure", "col.arrival") else 1,
                      "end" if key not in ("col.convoy", "col.destination", "col.departure",
                                           "col.arrival", "col.status") else "start")
               for key in titles]
    rows = []
    for line in sitrep.convoys:
        departed = when(line.departed_at or line.departure) + (
            "" if line.departed_at else f" ({t('expected')})")
        arrived = when(line.arrived_at or line.expected_arrival) + (
            "" if line.arrived_at else f" ({t('expected')})")
        row = [line.convoy_id, line.destination_name,
               str(line.vehicles),
               figure(line.planned, t), figure(line.departed, t)]
        row += [figure(line.combatants, t)] if fighters else []
        row += [figure(line.children, t), figure(line.medical_cases, t), figure(line.held, t),
                figure(line.arrived, t), departed, arrived, t(f"status.{line.status.value}")]
        rows.append(row)
    document.table(columns, rows, size=7)


def _sex_and_age(document: Document, sitrep: Sitrep, t: Callable[..., str]) -> None:
    table = sitrep.by_sex_and_age
    if table is None:
        return
    document.heading(t("section.sex_age"), 2)
    columns = [Column(t("col.sex"), 1.6)] + [Column(t(f"age.{band.value}"), 1, "end")
                                              for band in table.bands]
    columns.append(Column(t("col.total"), 1, "end"))
    rows: list[Sequence[str]] = [[t(f"sex.{row.sex.value}"),
                                  *(figure(v, t) for v in row.counts), figure(row.total, t)]
                                 for row in table.rows]
    rows.append([t("col.total"), *(figure(v, t) for v in table.by_band), figure(table.total, t)])
    document.table(columns, rows, size=8.5)


def _destinations(document: Document, sitrep: Sitrep, t: Callable[..., str],
                  images: dict[str, bytes]) -> None:
    document.heading(t("section.destinations"), 2)
    if "arrivals" in images:
        document.image(images["arrivals"], alt_text=t("chart.arrivals"))
        document.paragraph(t("chart.arrivals"), size=8)
    columns = [Column(t("col.destination"), 2), Column(t("col.pcode")),
               Column(t("col.capacity"), 1, "end"), Column(t("col.arrived_today"), 1, "end"),
               Column(t("col.arrived_cumulative"), 1, "end"), Column(t("col.over_capacity"))]
    rows = []
    for line in sitrep.destinations:
        over = (t("withheld") if line.over_capacity is None
                else t("yes") if line.over_capacity else t("no"))
        rows.append([line.name, line.pcode, f"{line.capacity_per_day:,}",
                     figure(line.arrived_today, t), figure(line.arrived_cumulative, t), over])
    document.table(columns, rows, size=8.5)


def _medical_and_incidents(document: Document, sitrep: Sitrep, t: Callable[..., str]) -> None:
    document.heading(t("section.medical"), 2)
    medical = sitrep.medical
    document.table([Column(t("m.cases"), 1, "end"), Column(t("m.escalated"), 1, "end"),
                    Column(t("m.transferred"), 1, "end")],
                   [[figure(medical.cases, t), figure(medical.escalated, t),
                     figure(medical.transferred, t)]], size=8.5)
    if medical.lines:
        document.table([Column(t(key)) for key in ("col.case", "col.convoy", "col.opened",
                                                   "col.escalated_to", "col.transferred")],
                       [[m.case_id, m.convoy_id or "", when(m.opened_at), m.escalated_to or "",
                         t("yes") if m.transferred else t("no")] for m in medical.lines],
                       size=8)
    document.heading(t("section.incidents"), 2)
    if not sitrep.incidents:
        document.paragraph(t("incidents.none"))
    else:
        sources = any(line.reported_by is not None for line in sitrep.incidents)
        keys = ["col.incident", "col.reported_at", "col.type", "col.severity", "col.place",
                "col.verification", "col.parties"] + (["col.reported_by"] if sources else [])
        rows = []
        for line in sitrep.incidents:
            row = [line.incident_id, when(line.reported_at), line.incident_type,
                   t(f"severity.{line.severity}"), line.place,
                   t(f"verification.{line.verification.value}"), ", ".join(line.parties)]
            if sources:
                row.append(line.reported_by or "")
            rows.append(row)
        document.table([Column(t(key)) for key in keys], rows, size=7.5)
    if sitrep.incidents_left_out:
        document.paragraph(t("incidents.left_out", count=sitrep.incidents_left_out), size=8.5)
    if sitrep.open_follow_up is not None:
        document.heading(t("section.follow_up"), 2)
        if sitrep.open_follow_up:
            document.table([Column(t("col.kind"), 3), Column(t("col.open"), 1, "end")],
                           [[t(f"case.{kind}"), f"{count:,}"]
                            for kind, count in sitrep.open_follow_up], size=8.5)
        else:
            document.paragraph(t("follow_up.none"))


def _next_and_outside(document: Document, sitrep: Sitrep, t: Callable[..., str]) -> None:
    document.heading(t("section.next"), 2)
    if sitrep.next_convoys:
        keys = ["col.convoy", "col.departure", "col.destination", "col.buses", "col.ambulances",
                "col.trucks", "col.planned_people"]
        document.table([Column(t(key), 1, "end" if i >= 3 else "start")
                        for i, key in enumerate(keys)],
                       [[c.convoy_id, when(c.departure), c.destination_name, str(c.buses),
                         str(c.ambulances), str(c.trucks), figure(c.planned, t)]
                        for c in sitrep.next_convoys], size=8)
    else:
        document.paragraph(t("next.none"))
    document.heading(t("section.outside"), 2)
    if not sitrep.outside:
        document.paragraph(t("outside.none"))
        return
    document.paragraph(t("outside.intro"), size=8.5)
    keys = ["col.source", "col.date", "col.stage", "col.what", "col.claimed", "col.corridor",
            "col.difference", "col.explanation"]
    columns = [Column(t(key), 3.2 if key == "col.explanation" else 1.6 if key == "col.source"
                      else 1, "end" if key in ("col.claimed", "col.corridor", "col.difference")
                      else "start") for key in keys]
    rows = []
    for comparison in sitrep.outside:
        claim = comparison.figure
        sides = [comparison.people] + ([comparison.combatants] if comparison.combatants else [])
        for side in sides:
            rows.append([
                claim.source, claim.reported_on.isoformat(), t(f"stage.{claim.stage.value}"),
                t(f"scope.{side.scope.value}"), f"{side.claimed:,}",
                t("not_shown") if side.corridor is None else f"{side.corridor:,}",
                "" if side.difference is None else difference_text(side.difference, t),
                " ".join(explanation_text(item, t) for item in side.explanations)])
    document.table(columns, rows, size=7.5)
