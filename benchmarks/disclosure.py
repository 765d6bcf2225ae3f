"""Protect a synthetic sitrep release of many days; print time against the number of cells.

    .venv/bin/python benchmarks/disclosure.py
    .venv/bin/python benchmarks/disclosure.py --days 15,30,60 --repeat 5

The release is what a public sitrep of the al-Waer kind shows (seeded): arrivals a day per
destination (3) and their cumulative figures, the day's total over destinations and its
cumulative, and, with ``--tables``, people by sex x age band (2 x 5) each day with its margins,
whose grand total is the day's total. Daily arrivals are drawn so that about one figure in six is
small (1 to 4). Each size is protected from an empty ledger (the whole history in one release,
the worst case) and, as a sitrep does day by day, one day at a time with the ledger (the time
per day). Every result is audited (``recoverable_cells`` on everything published, the number of
cells it recovers printed); the audit of the one release is timed too, as the baseline: it is
the attacker's own work, two linear programmes per hidden cell.
"""

from __future__ import annotations

import argparse
import platform
import random
import time

from corridor.reports.disclosure import (
    DisclosurePolicy,
    Ledger,
    Release,
    ReleaseBuilder,
    protect,
    recoverable_cells,
)

DESTINATIONS = ("Jarablus", "Idlib", "Al-Bab")
SEXES = ("female", "male")
AGE_BANDS = ("0-4", "5-11", "12-17", "18-59", "60+")


def _count(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.1:
        return 0
    if draw < 0.27:
        return rng.randint(1, 4)
    return rng.randint(5, 400)


def day_figures(days: int, seed: int) -> list[dict[str, dict[str, int]]]:
    """For each day: arrivals per destination, and people by 'sex/age' (adding up the same)."""
    rng = random.Random(seed)
    figures = []
    for _ in range(days):
        arrivals = {destination: _count(rng) for destination in DESTINATIONS}
        total = sum(arrivals.values())
        weights = [rng.random() ** 3 for _ in range(len(SEXES) * len(AGE_BANDS))]
        cells = [f"{sex}/{band}" for sex in SEXES for band in AGE_BANDS]
        people = dict.fromkeys(cells, 0)
        for cell in rng.choices(cells, weights, k=total):
            people[cell] += 1
        figures.append({"arrivals": arrivals, "people": people})
    return figures


def add_days(builder: ReleaseBuilder, figures: list[dict[str, dict[str, int]]], first: int,
             tables: bool, before: list[dict[str, dict[str, int]]]) -> None:
    """Declare days ``first``.. of ``figures``; ``before`` are the days published already."""
    labels = [f"day-{first + index + 1:03d}" for index in range(len(figures))]
    chain = f"day-{first:03d}" if before else None
    for destination in DESTINATIONS:
        earlier = sum(day["arrivals"][destination] for day in before)
        builder.add_series(("arrivals", "destination", destination),
                           [(label, day["arrivals"][destination])
                            for label, day in zip(labels, figures, strict=True)],
                           before=None if chain is None else (chain, earlier))
    earlier = sum(sum(day["arrivals"].values()) for day in before)
    builder.add_series(("arrivals",), [(label, sum(day["arrivals"].values()))
                                       for label, day in zip(labels, figures, strict=True)],
                       before=None if chain is None else (chain, earlier))
    for label, day in zip(labels, figures, strict=True):
        builder.add_relation(("arrivals", "day", label),
                             [("arrivals", "destination", destination, "day", label)
                              for destination in DESTINATIONS])
        if tables:
            counts = {(sex, band): day["people"][f"{sex}/{band}"]
                      for sex in SEXES for band in AGE_BANDS}
            builder.add_table(("arrivals", "day", label), ("sex", SEXES), ("age", AGE_BANDS),
                              counts)


def whole_release(days: int, tables: bool, seed: int) -> Release:
    """Every day in one release."""
    builder = ReleaseBuilder()
    add_days(builder, day_figures(days, seed), 0, tables, [])
    return builder.build()


def main() -> None:
    """Measure and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", default="7,15,30,60,120")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2017)
    arguments = parser.parse_args()
    policy = DisclosurePolicy()
    print(f"{platform.machine()}, Python {platform.python_version()}, seed {arguments.seed}")
    print("| days | tables | cells | primary | secondary | people hidden (secondary) "
          "| protect, one release | audit (baseline) | a day with the ledger (mean, max) "
          "| recovered |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for days in (int(value) for value in arguments.days.split(",")):
        for tables in (False, True):
            release = whole_release(days, tables, arguments.seed)
            best = float("inf")
            for _ in range(arguments.repeat):
                start = time.perf_counter()
                result = protect(release, policy, Ledger())
                best = min(best, time.perf_counter() - start)
            suppressed = result.suppressed
            primary = sum(1 for reason in suppressed.values() if reason == "primary")
            hidden = sum(release.counts[key] for key, reason in suppressed.items()
                         if reason == "secondary")
            start = time.perf_counter()
            leaks = recoverable_cells(result.ledger.published, result.ledger.relations)
            audit = time.perf_counter() - start
            figures = day_figures(days, arguments.seed)
            ledger = Ledger()
            per_day = []
            for day in range(days):
                builder = ReleaseBuilder()
                add_days(builder, figures[day:day + 1], day, tables, figures[:day])
                start = time.perf_counter()
                ledger = protect(builder.build(), policy, ledger).ledger
                per_day.append(time.perf_counter() - start)
            leaks_daily = recoverable_cells(ledger.published, ledger.relations)
            print(f"| {days} | {'yes' if tables else 'no'} | {len(release.counts)} | {primary} "
                  f"| {len(suppressed) - primary} | {hidden} | {best * 1000:.0f} ms "
                  f"| {audit * 1000:.0f} ms "
                  f"| {sum(per_day) / days * 1000:.1f} ms, {max(per_day) * 1000:.1f} ms "
                  f"| {len(leaks)} / {len(leaks_daily)} |")


if __name__ == "__main__":
    main()
