"""Every public and monitor sitrep of a multi-day simulation, searched for a small count.

A demo-like simulation runs the plan's first convoy days with what goes wrong at a crossing
(no-shows, holds, late offline uploads, late arrivals, medical cases, incidents) and two outside
claims. Each day's monitor and public sitreps are made (in alternating order), with the ledger
kept from one release to the next, and searched, as data and as rendered HTML text:

- no count of people shown is from 1 to the threshold minus one;
- every count shown is a declared cell, published in the ledger with that value (nothing is
  printed that disclosure control did not decide on), and the page shows the same counts;
- no hidden cell can be worked out from everything published over all the days and both
  audiences (:func:`~corridor.reports.disclosure.recoverable_cells`: sums and differences of
  published figures, within a table, across tables and across days);
- a sitrep of an earlier day made again shows what it showed then.

A control shows the search finds small counts where there is no protection.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from corridor.domain.events import Stage
from corridor.reports.disclosure import DisclosurePolicy, Ledger, recoverable_cells
from corridor.reports.labels import LABELS, translator
from corridor.reports.outside import Comparison, OutsideFigure
from corridor.reports.revisions import split_revision
from corridor.reports.sitrep import (
    Audience,
    ConvoyLine,
    DayLine,
    DestinationLine,
    Headline,
    MedicalSummary,
    NextConvoy,
    Readership,
    SexAgeTable,
    Sitrep,
    SitrepResult,
    build_sitrep,
)
from corridor.reports.sitrep_render import render_html
from corridor.tracking import project
from corridor.tracking.situation import end_of_day, situation
from tests.sitrep_simulation import Simulation, simulate

THRESHOLD = 5
PEOPLE_FIELDS = {
    Headline: ("planned", "planned_to_date", "departed", "departed_today", "arrived",
               "arrived_today", "on_the_road", "combatants_departed", "children_departed",
               "held", "medical_cases"),
    DayLine: ("planned", "planned_cumulative", "departed", "departed_cumulative", "arrived",
              "arrived_cumulative"),
    ConvoyLine: ("planned", "departed", "combatants", "children", "medical_cases", "held",
                 "arrived"),
    DestinationLine: ("arrived_today", "arrived_cumulative"),
    MedicalSummary: ("cases", "escalated", "transferred"),
    NextConvoy: ("planned",),
}
"""The fields of a sitrep that count people (the others count vehicles, convoys, incidents)."""


def people_counts(sitrep: Sitrep) -> list[tuple[str, int]]:
    """Every count of people a sitrep shows (not withheld), with where it is."""
    found: list[tuple[str, int]] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, tuple | list):
            for index, item in enumerate(value):
                walk(item, f"{where}[{index}]")
        elif isinstance(value, SexAgeTable):
            for row in value.rows:
                found.extend((f"{where}.{row.sex}", v) for v in (*row.counts, row.total)
                             if v is not None)
            found.extend((f"{where}.total", v) for v in (*value.by_band, value.total)
                         if v is not None)
        elif isinstance(value, Comparison):
            for side in (value.people, value.combatants):
                if side is not None and side.corridor is not None:
                    found.append((f"{where}.{side.scope}", side.corridor))
        elif is_dataclass(value):
            counted = PEOPLE_FIELDS.get(type(value), ())
            for item in fields(value):
                inner = getattr(value, item.name)
                if item.name in counted:
                    if inner is not None:
                        found.append((f"{where}.{item.name}", inner))
                else:
                    walk(inner, f"{where}.{item.name}")

    walk(sitrep, "sitrep")
    return found


def small_counts(sitrep: Sitrep) -> list[tuple[str, int]]:
    """The counts shown that are from 1 to the threshold minus one."""
    return [(where, value) for where, value in people_counts(sitrep)
            if 0 < value < THRESHOLD]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.figures: list[str] = []
        self.text: list[str] = []
        self._figure = False
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._style = tag == "style"
        self._figure = tag == "span" and "n" in (dict(attrs).get("class") or "").split()

    def handle_endtag(self, tag: str) -> None:
        self._figure = self._style = False

    def handle_data(self, data: str) -> None:
        if self._figure:
            self.figures.append(data)
        if not self._style:
            self.text.append(data)


def _published_versions(ledger: Ledger) -> dict[tuple[str, ...], set[int]]:
    versions: dict[tuple[str, ...], set[int]] = {}
    for key, value in ledger.published.items():
        versions.setdefault(split_revision(key)[0], set()).add(value)
    return versions


def _check_release(result: SitrepResult, language: str) -> None:
    sitrep, ledger = result.sitrep, result.ledger
    assert ledger is not None and result.exposed == ()
    assert small_counts(sitrep) == [], f"small counts in the {sitrep.audience} sitrep"
    published = _published_versions(ledger)
    for base, value in result.figures.items():
        if value is not None:
            assert value in published.get(base, set()), (base, value)
    declared = {value for value in result.figures.values() if value is not None}
    for where, value in people_counts(sitrep):
        assert value == 0 or value in declared, f"{where} = {value} is not a declared cell"
    page = _Page()
    page.feed(render_html(sitrep, language))  # type: ignore[arg-type]
    withheld = translator(language)("withheld")
    all_published = set(ledger.published.values())
    for text in page.figures:
        assert text == withheld or int(text.replace(",", "")) in all_published, text
    shown_counts = sorted(int(t.replace(",", "")) for t in page.figures if t != withheld)
    assert all(value == 0 or value >= THRESHOLD for value in shown_counts)
    # Any other number on the page counts no people: vehicles, convoys, incidents, capacity,
    # the threshold, the number withheld, days of the plan, claims and their differences.
    other = {THRESHOLD, sitrep.withheld, sitrep.headline.plan_days, sitrep.headline.incidents,
             sitrep.headline.convoys_departed, sitrep.headline.convoys_planned,
             sitrep.incidents_left_out}
    other |= {line.capacity_per_day for line in sitrep.destinations}
    other |= {n for line in sitrep.convoys for n in (line.vehicles, line.out_of_service)}
    other |= {n for line in sitrep.next_convoys for n in (line.buses, line.ambulances,
                                                          line.trucks)}
    for comparison in sitrep.outside:
        for side in (comparison.people, comparison.combatants):
            if side is not None:
                other |= {side.claimed} | ({abs(side.difference)} if side.difference else set())
                other |= {e.value for e in side.explanations if e.value is not None}
    text = " ".join(page.text)
    ids = {line.convoy_id for line in sitrep.convoys} | {c.convoy_id for c in sitrep.next_convoys}
    ids |= {line.incident_id for line in sitrep.incidents}
    for name in sorted(ids, key=len, reverse=True):  # ids are not counts: "2017-03-18/1"
        text = text.replace(name, " ")
    # Nor is the operation's name, which its coordinator chose ("... 2,000 leaving").
    text = text.replace(sitrep.operation_name, " ")
    for words in LABELS.values():  # fixed words with digits in them: "0 to 4", "3 %"
        if re.search(r"\d", words[language]) and "{" not in words[language]:  # type: ignore[index]
            text = text.replace(words[language], " ")  # type: ignore[index]
    text = re.sub(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?|\d{2}/\d{2}|[A-Za-z]+[-\d]*\d[\w-]*"
                  r"|\d+ ?[%٪]", " ", text)
    for number in re.findall(r"\d[\d,]*", text):
        value = int(number.replace(",", ""))
        assert value in all_published or value in other, f"{value} on the page counts what?"


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    """Four convoy days of a 2,000-person operation."""
    return simulate(2000, days=4, seed=7)


def _claims(simulation: Simulation) -> list[OutsideFigure]:
    first, second = simulation.days[0], simulation.days[1]
    departed = project(simulation.roster, simulation.log.events(
        simulation.roster.operation_id)).total().departed
    return [OutsideFigure("Homs media centre", second, Stage.DEPARTED, 2000, 400,
                          "2,000 residents including 400 fighters have left"),
            OutsideFigure("SANA", first, Stage.ARRIVED, max(departed // 3, 1))]


def test_no_sitrep_of_any_day_reveals_a_count_below_the_threshold(
        simulation: Simulation) -> None:
    """Every day from the first convoy to the day after the last: monitor and public sitreps,
    made in alternating order, searched as data and as HTML; then the attacker's audit of
    everything they published, across days and audiences."""
    policy = DisclosurePolicy(THRESHOLD)
    ledger = Ledger()
    events = simulation.log.events(simulation.roster.operation_id)
    claims = _claims(simulation)
    first, last = simulation.days[0], simulation.days[-1] + timedelta(days=1)
    made: dict[tuple[date, Audience], SitrepResult] = {}
    day = first
    withheld_somewhere = 0
    while day <= last:
        known = situation(simulation.roster, events, end_of_day(day))
        order = [Readership.monitor(), Readership.public()]
        if day.toordinal() % 2:
            order.reverse()
        for reader in order:
            result = build_sitrep(known, day, reader, claims, policy=policy, ledger=ledger)
            _check_release(result, "ar" if reader.audience is Audience.PUBLIC else "en")
            assert result.ledger is not None
            ledger = result.ledger
            made[(day, reader.audience)] = result
            withheld_somewhere += result.sitrep.withheld
        day += timedelta(days=1)
    assert withheld_somewhere > 0, "the simulation has small counts to protect"
    assert recoverable_cells(ledger.published, ledger.relations) == {}
    small = [key for key, cell in ledger.cells.items() if 0 < cell.value < THRESHOLD]
    assert small and all(ledger.cells[key].suppression is not None for key in small)
    assert any("revision" in key for key in ledger.cells), "late uploads revised earlier days"
    # The sitrep of the first day, made again after all the others, shows what it showed.
    again = build_sitrep(situation(simulation.roster, events, end_of_day(first)), first,
                         Readership.public(), claims, policy=policy, ledger=ledger)
    assert again.figures == made[(first, Audience.PUBLIC)].figures


def test_the_search_finds_small_counts_where_nothing_protects_them(
        simulation: Simulation) -> None:
    """Control: the exact (internal) sitrep of a busy day shows counts from 1 to 4 (holds,
    medical cases, fighters of a convoy) that the search reports."""
    events = simulation.log.events(simulation.roster.operation_id)
    day = simulation.days[1]
    exact = build_sitrep(situation(simulation.roster, events, end_of_day(day)), day,
                         Readership(Audience.INTERNAL, categories=True,
                                    convoy_categories=True)).sitrep
    assert small_counts(exact)
