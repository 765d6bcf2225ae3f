"""What the checker reports: a violation of one rule, about one subject, in one sentence."""

from __future__ import annotations

from dataclasses import dataclass

# The rule codes in the order of the table in docs/planning-rules.md; violations are sorted by it.
RULES: tuple[str, ...] = (
    "metadata",
    "coverage",
    "category",
    "household_split",
    "companion",
    "linked",
    "seats",
    "stretchers",
    "hold",
    "luggage",
    "vehicle",
    "availability",
    "circulation",
    "convoy_size",
    "ambulances",
    "departure_window",
    "convoys_per_day",
    "checkpoint",
    "reception",
    "window",
    "phase",
    "quota",
    "destination",
    "eligibility",
    "pin",
)


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule.

    ``rule`` is a code of :data:`RULES`; ``subject`` names what the violation is about
    ("convoy 2017-03-18/1", "household H12", "vehicle BUS-003 in convoy 2017-03-18/1",
    "2017-03-19 at jarablus"); ``message`` is one plain sentence with the figures.
    """

    rule: str
    subject: str
    message: str
