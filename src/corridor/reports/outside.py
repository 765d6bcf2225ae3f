"""Figures that others report, beside corridor's own count, and what could explain a difference.

An activist media centre says "2,000 residents, including 400 fighters, have left"; the state
news agency says 1,750; a news agency's witness counted 38 buses. Each claim is an
:class:`OutsideFigure`: who said it, as of which day, about which stage (registered, checked in,
boarded, departed, arrived), how many people and how many of them fighters.

:func:`compare` puts it beside corridor's count of the same stage, day and category and, when
they differ, looks for what could explain it, in this order:

- **another stage**: the claim matches corridor's count of another stage on that day (people
  who boarded, reported as "have left");
- **another day**: it matches the same stage a few days earlier or later (a figure cumulative
  to another date, or reported late);
- **another category**: people who match corridor's civilians alone ("residents", fighters
  left out), or fighters who match the men of fighting age (18 to 59, every man counted a
  fighter), or the people altogether;
- otherwise the claim is above (or below) every count corridor has for that day, which no
  difference of definition explains (people corridor never registered, or a count that is
  wrong).

Two figures *match* when they differ by at most :func:`tolerance` (claims are rounded). Pure:
corridor's counts come in through a lookup, so a public sitrep looks only at figures it
publishes (a withheld count is never compared: saying that a claim matches it would tell it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from urllib.parse import urlparse

from corridor.domain.errors import InvalidValue
from corridor.domain.events import Stage

MAX_SOURCE_LENGTH = 200
MAX_NOTE_LENGTH = 1000
MAX_PEOPLE = 100_000_000

NEARBY_DAYS = 3
"""How many days either side of a claim's date are tried for "another day"."""


class Scope(StrEnum):
    """Which people a count is of."""

    PEOPLE = "people"
    CIVILIANS = "civilians"
    COMBATANTS = "combatants"
    MEN_18_59 = "men_18_59"


COMPARED_STAGES = (Stage.REGISTERED, Stage.CHECKED_IN, Stage.BOARDED, Stage.DEPARTED,
                   Stage.ARRIVED)
"""The stages a claim can be about (screening is not something others report)."""


@dataclass(frozen=True, slots=True)
class OutsideFigure:
    """A figure someone else reported: ``people`` (and ``combatants`` among them, if they said)
    at ``stage``, cumulative to ``reported_on``."""

    source: str
    reported_on: date
    stage: Stage
    people: int
    combatants: int | None = None
    note: str = ""
    url: str | None = None
    figure_id: int | None = None
    recorded_by: str | None = None

    def __post_init__(self) -> None:
        if not self.source.strip() or len(self.source) > MAX_SOURCE_LENGTH:
            raise InvalidValue(f"an outside figure needs its source (who reported it), in 1 to "
                               f"{MAX_SOURCE_LENGTH} characters", "source")
        if self.stage not in COMPARED_STAGES:
            raise InvalidValue(f"the stage of an outside figure is one of "
                               f"{', '.join(s.value for s in COMPARED_STAGES)}, not "
                               f"{self.stage.value}", "stage")
        for name, value in (("people", self.people), ("combatants", self.combatants)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 0 <= value <= MAX_PEOPLE):
                raise InvalidValue(f"{name} must be a whole number from 0 to {MAX_PEOPLE:,}, "
                                   f"not {value!r}", name)
        if self.combatants is not None and self.combatants > self.people:
            raise InvalidValue(f"{self.combatants:,} fighters cannot be among {self.people:,} "
                               "people; give the people in all, fighters included", "combatants")
        if len(self.note) > MAX_NOTE_LENGTH:
            raise InvalidValue(f"the note is longer than {MAX_NOTE_LENGTH} characters",
                               "note")
        if self.url is not None:
            parsed = urlparse(self.url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise InvalidValue(f"the address {self.url!r} is not an http(s) address",
                                   "url")


class ExplanationKind(StrEnum):
    """What a comparison found; stable codes (each has a sentence in the report's labels)."""

    AGREES = "agrees"
    OTHER_STAGE = "other_stage"
    OTHER_DAY = "other_day"
    OTHER_CATEGORY = "other_category"
    ABOVE_EVERY_COUNT = "above_every_count"
    BELOW_EVERY_COUNT = "below_every_count"
    UNEXPLAINED = "unexplained"
    NO_FIGURE = "no_figure"


@dataclass(frozen=True, slots=True)
class Explanation:
    """One possible reason for a difference: corridor's ``value`` of ``scope`` at ``stage`` up to
    ``day`` matches the claim."""

    kind: ExplanationKind
    stage: Stage | None = None
    day: date | None = None
    scope: Scope | None = None
    value: int | None = None


@dataclass(frozen=True, slots=True)
class Side:
    """One number of a claim beside corridor's: ``difference`` is the claim minus corridor's."""

    scope: Scope
    claimed: int
    corridor: int | None
    explanations: tuple[Explanation, ...]

    @property
    def difference(self) -> int | None:
        """The claim minus corridor's count (None when corridor's count is not shown)."""
        return None if self.corridor is None else self.claimed - self.corridor


@dataclass(frozen=True, slots=True)
class Comparison:
    """An outside figure beside corridor's counts: its people, and its fighters if it gave any."""

    figure: OutsideFigure
    people: Side
    combatants: Side | None


Lookup = Callable[[Stage, date, Scope], int | None]
"""corridor's count of ``scope`` who reached the stage, cumulative to the day; None when this
report does not show one."""


def tolerance(value: int) -> int:
    """How far two figures may differ and still match: 3 %, at least 5 people (claims are
    rounded: "about 2,000")."""
    return max(5, round(value * 0.03))


def _matches(claimed: int, value: int | None) -> bool:
    return value is not None and abs(claimed - value) <= tolerance(max(claimed, value))


def _side(claimed: int, figure: OutsideFigure, scope: Scope, lookup: Lookup) -> Side:
    stage, day = figure.stage, figure.reported_on
    own = lookup(stage, day, scope)
    if own is None:
        return Side(scope, claimed, None, (Explanation(ExplanationKind.NO_FIGURE, stage, day,
                                                       scope),))
    if _matches(claimed, own):
        return Side(scope, claimed, own, (Explanation(ExplanationKind.AGREES, stage, day,
                                                      scope, own),))
    found: list[Explanation] = []
    for other in COMPARED_STAGES:
        if other is not stage and _matches(claimed, value := lookup(other, day, scope)):
            found.append(Explanation(ExplanationKind.OTHER_STAGE, other, day, scope, value))
    for distance in range(1, NEARBY_DAYS + 1):
        nearby = [Explanation(ExplanationKind.OTHER_DAY, stage, when, scope, value)
                  for when in (day - timedelta(days=distance), day + timedelta(days=distance))
                  if _matches(claimed, value := lookup(stage, when, scope))]
        if nearby:
            found.extend(nearby)
            break
    others = {Scope.PEOPLE: (Scope.CIVILIANS,),
              Scope.COMBATANTS: (Scope.MEN_18_59, Scope.PEOPLE)}.get(scope, ())
    for other_scope in others:
        if _matches(claimed, value := lookup(stage, day, other_scope)):
            found.append(Explanation(ExplanationKind.OTHER_CATEGORY, stage, day, other_scope,
                                     value))
    if not found:
        counts = [value for other in COMPARED_STAGES
                  if (value := lookup(other, day, scope)) is not None]
        if claimed > max(counts):
            found.append(Explanation(ExplanationKind.ABOVE_EVERY_COUNT, None, day, scope,
                                     max(counts)))
        elif claimed < min(counts):
            found.append(Explanation(ExplanationKind.BELOW_EVERY_COUNT, None, day, scope,
                                     min(counts)))
        else:
            found.append(Explanation(ExplanationKind.UNEXPLAINED, stage, day, scope, own))
    return Side(scope, claimed, own, tuple(found))


def compare(figure: OutsideFigure, lookup: Lookup) -> Comparison:
    """The claim beside corridor's counts, with what could explain each difference."""
    people = _side(figure.people, figure, Scope.PEOPLE, lookup)
    combatants = (None if figure.combatants is None
                  else _side(figure.combatants, figure, Scope.COMBATANTS, lookup))
    return Comparison(figure, people, combatants)


def compare_all(figures: Sequence[OutsideFigure], lookup: Lookup) -> tuple[Comparison, ...]:
    """Every claim compared, oldest first (then by source)."""
    ordered = sorted(figures, key=lambda f: (f.reported_on, f.source, f.figure_id or 0))
    return tuple(compare(figure, lookup) for figure in ordered)
