"""The agreement as data: parties, guarantor, monitors, terms, window, phases and quotas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from corridor.domain.errors import require
from corridor.domain.registry import Category


@dataclass(frozen=True, slots=True)
class DateRange:
    """Days from ``start`` to ``end``, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        require(self.start <= self.end,
                f"the range starts on {self.start} after it ends on {self.end}", "end")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        """Number of days in the range."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class Party:
    """A party to the agreement and its role (for example "government", "armed opposition")."""

    name: str
    role: str

    def __post_init__(self) -> None:
        require(bool(self.name.strip()), "a party needs a name", "name")
        require(bool(self.role.strip()), f"party {self.name!r} needs a role", "role")


SHAREABLE_FIELDS = frozenset({"name", "sex", "birth_year", "age", "category", "household_id",
                               "destination"})
"""The fields of a person an agreement may require to be shared with another party."""


@dataclass(frozen=True, slots=True)
class Terms:
    """Who may leave, whether combatants may stay under a settlement, and the luggage allowance.

    ``shared_fields`` are the fields of each person leaving that the agreement says must be given
    to the other party for its screening (often none); only these can ever be shared, and only
    after a protection officer approves (``corridor share``).
    """

    may_leave: frozenset[Category]
    settlement_option: bool
    luggage_allowance_per_person: int
    shared_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.shared_fields) - SHAREABLE_FIELDS)
        require(not unknown, f"the terms name fields to share that corridor does not know: "
                f"{', '.join(unknown)}; use some of {', '.join(sorted(SHAREABLE_FIELDS))}",
                "shared_fields")
        require(len(set(self.shared_fields)) == len(self.shared_fields),
                "the terms name a field to share twice", "shared_fields")
        require(bool(self.may_leave), "the terms must let at least one category leave",
                "may_leave")
        require(self.luggage_allowance_per_person >= 0,
                "the luggage allowance per person cannot be negative",
                "luggage_allowance_per_person")


@dataclass(frozen=True, slots=True)
class Phase:
    """A phase of the operation, with an optional quota of people and optional destinations.

    An empty ``destinations`` means every destination of the agreement.
    """

    name: str
    dates: DateRange
    quota: int | None = None
    destinations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require(bool(self.name.strip()), "a phase needs a name", "name")
        if self.quota is not None:
            require(self.quota > 0, f"phase {self.name!r}: a quota must be a positive number "
                    "of people (leave it out for no quota)", "quota")


@dataclass(frozen=True, slots=True)
class Agreement:
    """The terms of one evacuation. Every plan and manifest names the ``version`` it follows."""

    version: str
    parties: tuple[Party, ...]
    guarantor: str
    monitors: tuple[str, ...]
    terms: Terms
    window: DateRange
    phases: tuple[Phase, ...]
    destinations: tuple[str, ...]

    def __post_init__(self) -> None:
        require(bool(self.version.strip()), "the agreement needs a version", "version")
        require(len(self.parties) >= 2, "an agreement needs at least two parties", "parties")
        require(bool(self.destinations), "the agreement must name at least one destination",
                "destinations")
        require(len(set(self.destinations)) == len(self.destinations),
                "a destination is named twice in the agreement", "destinations")
        names = [phase.name for phase in self.phases]
        require(len(set(names)) == len(names), "two phases have the same name", "phases")
        ordered = sorted(self.phases, key=lambda phase: phase.dates.start)
        for phase in ordered:
            require(phase.dates.start in self.window and phase.dates.end in self.window,
                    f"phase {phase.name!r} ({phase.dates.start} to {phase.dates.end}) is not "
                    f"inside the window {self.window.start} to {self.window.end}", "phases")
            unknown = [d for d in phase.destinations if d not in self.destinations]
            require(not unknown, f"phase {phase.name!r} names destinations that the agreement "
                    f"does not: {', '.join(unknown)}", "phases")
        for before, after in pairwise(ordered):
            require(before.dates.end < after.dates.start,
                    f"phases {before.name!r} and {after.name!r} overlap", "phases")

    def phase_on(self, day: date) -> Phase | None:
        """The phase that ``day`` falls in, if any."""
        return next((phase for phase in self.phases if day in phase.dates), None)
