"""The summary's figures for monitors and the public: every figure through disclosure control.

A monitor sees who leaves by destination, category, sex and age band, and how many are
vulnerable, but never a count of fewer than the threshold, nor one that could be worked out from
the others (:mod:`corridor.reports.disclosure`). Each release is keyed by the day it was made: a
registry that changes from one day to the next gives new figures under new keys, and what was
published on a day stays as it was (the ledger).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from corridor.reports.disclosure import (
    DisclosurePolicy,
    Key,
    Ledger,
    ProtectedRelease,
    ReleaseBuilder,
    protect,
)
from corridor.reports.summary import ScenarioSummary


@dataclass(frozen=True, slots=True)
class ProtectedLine:
    """One figure as published: its label and its value, or None when it is withheld."""

    label: str
    value: int | None


@dataclass(frozen=True, slots=True)
class ProtectedSummary:
    """The summary's tables with every figure checked; ``ledger`` is kept for the next release."""

    day: date
    threshold: int
    people_leaving: int | None
    tables: tuple[tuple[str, tuple[ProtectedLine, ...]], ...]
    ledger: Ledger


def protected_summary(summary: ScenarioSummary, day: date, policy: DisclosurePolicy,
                      ledger: Ledger) -> ProtectedSummary:
    """Protect the summary's figures of ``day`` against everything ``ledger`` says is public."""
    prefix: Key = ("registry", day.isoformat())
    builder = ReleaseBuilder()
    total = builder.add_cell((*prefix, "leaving"), summary.people_leaving)
    tables = {
        "By destination": ("destination", dict(summary.by_destination)),
        "By category": ("category", {c.value: n for c, n in summary.by_category}),
        "By sex": ("sex", {s.value: n for s, n in summary.by_sex}),
        "By age band": ("age", {b.value: n for b, n in summary.by_age_band}),
    }
    for dimension, counts in tables.values():
        builder.add_breakdown(total, dimension, counts)
    vulnerable = builder.add_cell((*prefix, "leaving", "vulnerable"), summary.vulnerable_people)
    builder.add_subset(vulnerable, total)
    stretchers = builder.add_cell((*prefix, "leaving", "stretcher"), summary.stretcher_cases)
    builder.add_subset(stretchers, vulnerable)
    result: ProtectedRelease = protect(builder.build(), policy, ledger)
    shown = []
    for title, (dimension, counts) in tables.items():
        shown.append((title, tuple(ProtectedLine(label, result.value((*total, dimension, label)))
                                   for label in counts)))
    shown.append(("Vulnerable", (ProtectedLine("vulnerable people", result.value(vulnerable)),
                                 ProtectedLine("on stretchers", result.value(stretchers)))))
    return ProtectedSummary(day, policy.threshold, result.value(total), tuple(shown),
                            result.ledger)
