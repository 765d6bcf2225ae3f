"""Time a situation report for a large operation: its data, disclosure control, charts, HTML, PDF.

    .venv/bin/python benchmarks/sitrep.py --leaving 1000000

Set-up, not timed: the seeded al-Waer-like scenario (``corridor.synthetic.generate``) and the
planner's plan for it (``make_plan``, about a minute at a million); then the field's outcome up
to the report's day, synthesised as the report reads it: cohorts (people counted alike by
convoy, furthest stage, sex, age band, category, hold), not events. Convoys before the day
arrived (about 2 % of their people never came, 0.3 % held, 1 % not off the bus yet), the day's
convoys are on the road, later ones planned; a medical case and an incident every few convoys.
Cohorts are what :func:`corridor.tracking.situation.situation` makes from the event log; at this
size that projection is measured by the dashboard's benchmark, not here.

Timed, for the last convoy day of the plan (the whole history) and for the middle one:

- ``internal``: ``build_sitrep`` for a coordinator (exact figures);
- ``public, first``: ``build_sitrep`` for the public from an empty ledger: every day's figures
  declared and protected at once (the worst case);
- ``public, next day``: the following day's public sitrep against the ledger the first one left
  (the daily case);
- ``charts``, ``HTML``, ``PDF en``, ``PDF ar``: drawing and rendering the public sitrep.

The baseline, in the same process: counting the same cohorts into the day series with plain
Python (no relations, no protection), the floor for the data step.
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import TypeVar

from corridor.domain import AgeBand, Plan, Scenario, Sex
from corridor.domain.events import Incident, Severity, Stage, Verification
from corridor.memory import cyclic_gc_paused
from corridor.planner import make_plan
from corridor.reports.disclosure import DisclosurePolicy, Ledger
from corridor.reports.pdf import Document
from corridor.reports.sitrep import (
    Audience,
    Cohort,
    ConvoyProgress,
    IncidentRecord,
    MedicalCaseRecord,
    Readership,
    Situation,
    build_sitrep,
)
from corridor.reports.sitrep_render import chart_images, render_html, render_pdf
from corridor.synthetic import generate

T = TypeVar("T")
COORDINATOR = Readership(Audience.INTERNAL, categories=True, convoy_categories=True,
                         incident_reporters=True)


def _timed(step: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started


def synthetic_situation(scenario: Scenario, plan: Plan, day: date, seed: int = 1) -> Situation:
    """The outcome of the field up to the end of ``day``, as cohorts (see the module's doc)."""
    rng = random.Random(seed)
    persons = {person.person_id: person for person in scenario.persons}
    year = scenario.reference_year
    sites = {site.site_id: site for site in scenario.operation.destinations}
    groups: Counter[tuple[str | None, Stage, Sex, AgeBand, object, bool]] = Counter()
    progress = {}
    medical = []
    incidents = []
    planned: set[str] = set()
    for number, convoy in enumerate(sorted(plan.convoys, key=lambda c: (c.departure,
                                                                        c.convoy_id))):
        left = convoy.day <= day
        arrival = convoy.departure + timedelta(hours=sites[convoy.destination].travel_hours)
        arrived = convoy.day < day
        if left:
            progress[convoy.convoy_id] = ConvoyProgress(convoy.convoy_id, convoy.departure,
                                                        arrival if arrived else None)
            if number % 3 == 0:
                medical.append(MedicalCaseRecord(f"MC-{number}", convoy.convoy_id,
                                                 convoy.departure + timedelta(hours=1),
                                                 "field hospital" if number % 2 else None,
                                                 bool(number % 2)))
            if number % 5 == 0:
                incidents.append(IncidentRecord(
                    Incident(f"I-{number}", "convoy stopped", Severity.MEDIUM, "Homs road",
                             ("armed group",), "SARC", rng.choice(list(Verification))),
                    convoy.departure + timedelta(hours=2), convoy.convoy_id))
        for trip in convoy.trips:
            for line in trip.lines:
                for person_id in line.persons:
                    planned.add(person_id)
                    person = persons[person_id]
                    draw = rng.random()
                    held = False
                    if not left or draw < 0.02:
                        stage = Stage.REGISTERED
                    elif draw < 0.023:
                        stage, held = Stage.CHECKED_IN, True
                    elif arrived and draw > 0.01 + 0.023:
                        stage = Stage.ARRIVED
                    else:
                        stage = Stage.DEPARTED
                    groups[(convoy.convoy_id, stage, person.sex,
                            AgeBand.of(person.age_in(year)), person.category, held)] += 1
    for person in scenario.persons:
        if person.person_id not in planned:
            groups[(None, Stage.REGISTERED, person.sex, AgeBand.of(person.age_in(year)),
                    person.category, False)] += 1
    cohorts = tuple(Cohort(convoy, stage, sex, band, category, people, held,  # type: ignore[arg-type]
                           stays=convoy is None)
                    for (convoy, stage, sex, band, category, held), people in groups.items())
    return Situation(scenario.operation, plan, datetime.combine(day + timedelta(days=1),
                                                                datetime.min.time()),
                     cohorts, MappingProxyType(progress), tuple(medical), tuple(incidents))


def _baseline(situation: Situation) -> dict[date, int]:
    days = {convoy.convoy_id: convoy.day for convoy in situation.plan.convoys}
    departed: Counter[date] = Counter()
    for cohort in situation.cohorts:
        if cohort.convoy_id is not None and cohort.stage.rank >= Stage.DEPARTED.rank:
            departed[days[cohort.convoy_id]] += cohort.people
    return dict(departed)


def measure(scenario: Scenario, plan: Plan, day: date, label: str) -> None:
    """Time every step of the sitrep of ``day`` and print one line each."""
    with cyclic_gc_paused():
        known, made = _timed(lambda: synthetic_situation(scenario, plan, day))
        following = synthetic_situation(scenario, plan, day + timedelta(days=1))
    policy = DisclosurePolicy(5)
    _baseline_days, baseline = _timed(lambda: _baseline(known))
    internal, internal_time = _timed(lambda: build_sitrep(known, day, COORDINATOR))
    public, first_time = _timed(lambda: build_sitrep(known, day, Readership.public(),
                                                     policy=policy, ledger=Ledger()))
    assert public.ledger is not None and public.exposed == ()
    _next, next_time = _timed(lambda: build_sitrep(following, day + timedelta(days=1),
                                                   Readership.public(), policy=policy,
                                                   ledger=public.ledger))
    images, charts_time = _timed(lambda: chart_images(public.sitrep))
    _html, html_time = _timed(lambda: render_html(public.sitrep, "en", images=images))
    created = datetime(2017, 3, 18, tzinfo=UTC)
    _pdf_en, pdf_en_time = _timed(lambda: render_pdf(public.sitrep, "en", created_at=created,
                                                     images=images))
    _pdf_ar, pdf_ar_time = _timed(lambda: render_pdf(public.sitrep, "ar", created_at=created,
                                                     images=images))
    ledger = public.ledger
    print(f"\n{label}: day {day} ({len(internal.sitrep.days)} plan days, "
          f"{len(internal.sitrep.convoys):,} convoys so far; {len(known.cohorts):,} cohorts "
          f"made in {made:.1f} s, not timed)")
    print(f"  cells declared {len(ledger.cells):,}, withheld in the sitrep "
          f"{public.sitrep.withheld:,}, departed so far {internal.sitrep.headline.departed:,}")
    rows = [("internal (data)", internal_time), ("public, first release (data + protect)",
                                                 first_time),
            ("public, next day against the ledger", next_time), ("charts (2 PNG)", charts_time),
            ("HTML", html_time), ("PDF en", pdf_en_time), ("PDF ar", pdf_ar_time)]
    for name, seconds in rows:
        print(f"  {name:42s} {seconds:7.2f} s")
    total = first_time + charts_time + html_time + pdf_en_time
    print(f"  {'public sitrep, first, HTML + PDF':42s} {total:7.2f} s  "
          f"(data {first_time:.2f} + charts {charts_time:.2f} + HTML {html_time:.2f} + "
          f"PDF {pdf_en_time:.2f})")
    print(f"  baseline: the day series alone, plain Python {baseline:7.3f} s "
          f"(internal data / baseline {internal_time / max(baseline, 1e-6):.0f}x)")


def main() -> None:
    """Set up (not timed), then time the sitrep of the last and the middle convoy day."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaving", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2017)
    arguments = parser.parse_args()
    started = time.perf_counter()
    with cyclic_gc_paused():
        scenario = generate(arguments.leaving, seed=arguments.seed)
    plan = make_plan(scenario, arguments.seed).plan
    print(f"{platform.machine()}, CPython {platform.python_version()}: "
          f"{arguments.leaving:,} leaving, {len(scenario.persons):,} persons, "
          f"{plan.people:,} planned in {len(plan.convoys):,} convoys over {plan.days} days "
          f"(the planner's plan); set-up "
          f"{time.perf_counter() - started:.0f} s")
    days = sorted({convoy.day for convoy in plan.convoys})
    document = Document("warm-up", language="ar", created_at=datetime(2017, 3, 18, tzinfo=UTC))
    document.paragraph("تقرير")
    _pdf, fonts = _timed(document.to_bytes)
    print(f"fonts made once per process (a first, one-line PDF): {fonts:.1f} s, not in the "
          "figures below")
    measure(scenario, plan, days[-1], "last convoy day")
    measure(scenario, plan, days[len(days) // 2], "middle convoy day")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory {peak:,.0f} MiB (the scenario and the plan included)")


if __name__ == "__main__":
    main()
