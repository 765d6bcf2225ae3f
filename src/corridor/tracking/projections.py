"""What the events add up to: each person's status, counts by stage, reconciliation.

Rules, so that replaying the same events in any order, with any repetition, gives the same
answer:

- Events are distinct by nonce (a repeated one is the same event). Only accepted events change a
  status; a refusal is kept in the log but changes nothing. A void takes its target out,
  whenever it arrives; a forced scan is an accepted scan like any other.
- Events are taken in the order of the device's time, then the nonce (:attr:`Event.order`), never
  in the order they reached the server: an offline batch uploaded late falls into place.
- A person's stage is the furthest stage with evidence (checked in; cleared at screening, by the
  latest screening; boarded; on a vehicle whose convoy departed; disembarked at the destination).
  A hold at the checkpoint after boarding takes the person off the vehicle.
  A person counts once, in one row (convoy, vehicle, destination, day), at every stage up to
  their own: counts never double count and never grow along the stages.
- Boardings of the same person on two vehicles (two phones offline, a forced scan) are a
  :class:`Conflict`. The person counts once, on the boarding a supervisor's resolution keeps, or
  until there is one, on the earliest boarding (device time, then nonce); the conflict is listed
  until a resolution covering every one of those boardings exists.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from itertools import pairwise
from types import MappingProxyType

from corridor.domain import Intent
from corridor.domain.events import (
    ConflictResolution,
    Event,
    EventKind,
    Headcount,
    Incident,
    IntentChange,
    Screening,
    ScreeningDecision,
    Stage,
)
from corridor.tracking.roster import Roster


def live_events(events: Iterable[Event]) -> list[Event]:
    """The events that count: one per nonce, accepted, not voided, in :attr:`Event.order`."""
    unique: dict[str, Event] = {}
    for event in events:
        unique.setdefault(event.nonce, event)
    voided = {event.voids for event in unique.values()
              if event.kind is EventKind.VOIDED and event.accepted}
    return sorted((event for event in unique.values()
                   if event.accepted and event.kind is not EventKind.VOIDED
                   and event.nonce not in voided), key=lambda event: event.order)


@dataclass(frozen=True, slots=True)
class Conflict:
    """A person boarded on more than one vehicle: ``boardings`` (nonces), ``counted`` the one
    that counts until a supervisor resolves it."""

    person_id: str
    household_id: str
    boardings: tuple[str, ...]
    vehicles: tuple[tuple[str | None, str | None], ...]
    counted: str


@dataclass(frozen=True, slots=True)
class PersonStatus:
    """A person's current status, and the one row (convoy, vehicle, destination, day) they count
    in: their counted boarding's, else their planned trip's, else the convoy they arrived with."""

    person_id: str
    household_id: str
    stage: Stage
    checked_in: bool = False
    screening: ScreeningDecision | None = None
    boarding: str | None = None
    arrived_with: str | None = None
    no_show: bool = False
    stays: bool = False
    conflict: bool = False
    convoy_id: str | None = None
    vehicle_id: str | None = None
    destination: str | None = None
    day: date | None = None

    @property
    def held(self) -> bool:
        """Whether the latest screening held the person or did not let them pass."""
        return self.screening in (ScreeningDecision.HELD, ScreeningDecision.NOT_PASSED)

    def reached(self, stage: Stage) -> bool:
        """Whether the person reached ``stage`` (or a later one)."""
        return self.stage.rank >= stage.rank


@dataclass(frozen=True, slots=True)
class CountKey:
    """A row of the counts; a field left out of a grouping is None."""

    convoy_id: str | None = None
    vehicle_id: str | None = None
    destination: str | None = None
    day: date | None = None


GROUPINGS = ("convoy", "vehicle", "destination", "day")
"""What counts can be grouped by."""


@dataclass(frozen=True, slots=True)
class StageCounts:
    """Persons who reached each stage (cumulative: never more at a later stage), and beside the
    stages, those held, marked no-show, staying, or in an open conflict."""

    registered: int = 0
    checked_in: int = 0
    screened: int = 0
    boarded: int = 0
    departed: int = 0
    arrived: int = 0
    held: int = 0
    no_show: int = 0
    stays: int = 0
    conflicts: int = 0

    def __add__(self, other: StageCounts) -> StageCounts:
        return StageCounts(*(getattr(self, f.name) + getattr(other, f.name)
                             for f in fields(self)))

    def at(self, stage: Stage) -> int:
        """Persons who reached ``stage``."""
        count: int = getattr(self, stage.value)
        return count

    @classmethod
    def of(cls, status: PersonStatus) -> StageCounts:
        """One person's contribution."""
        rank = status.stage.rank
        return cls(registered=1, checked_in=int(rank >= 1), screened=int(rank >= 2),
                   boarded=int(rank >= 3), departed=int(rank >= 4), arrived=int(rank >= 5),
                   held=int(status.held), no_show=int(status.no_show),
                   stays=int(status.stays), conflicts=int(status.conflict))


class DiscrepancyKind(StrEnum):
    """What a reconciliation finds; stable codes."""

    BOARDED_NOT_ARRIVED = "boarded_not_arrived"
    ARRIVED_NOT_BOARDED = "arrived_not_boarded"
    BOARDED_NOT_CHECKED_IN = "boarded_not_checked_in"
    BOARDED_NOT_SCREENED = "boarded_not_screened"
    BOARDED_OFF_MANIFEST = "boarded_off_manifest"
    NOT_BOARDED = "not_boarded"
    CONFLICT = "conflict"
    COUNTS_DIFFER = "counts_differ"
    HEADCOUNT_DIFFERS = "headcount_differs"


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One thing that does not add up in a convoy, in one sentence."""

    kind: DiscrepancyKind
    sentence: str
    person_id: str | None = None
    vehicle_id: str | None = None


@dataclass
class _Facts:
    """What the live events say of one person, gathered in event order."""

    checked_in: Event | None = None
    screening: Event | None = None
    boardings: list[Event] = field(default_factory=list)
    disembarked: Event | None = None
    no_show: Event | None = None
    intent: Intent | None = None
    resolution: Event | None = None


def _facts(live: Iterable[Event], wanted: Collection[str] | None) -> dict[str, _Facts]:
    facts: dict[str, _Facts] = {}
    for event in live:
        for person_id in event.person_ids:
            if wanted is not None and person_id not in wanted:
                continue
            fact = facts.get(person_id)
            if fact is None:
                fact = facts[person_id] = _Facts()
            kind = event.kind
            if kind is EventKind.CHECKED_IN:
                fact.checked_in = event
            elif kind is EventKind.SCREENED:
                fact.screening = event
            elif kind is EventKind.BOARDED:
                fact.boardings.append(event)
            elif kind is EventKind.DISEMBARKED:
                fact.disembarked = fact.disembarked or event
            elif kind is EventKind.NO_SHOW:
                fact.no_show = event
            elif kind is EventKind.INTENT_CHANGED and isinstance(event.payload, IntentChange):
                fact.intent = event.payload.intent
            elif kind is EventKind.CONFLICT_RESOLVED:
                fact.resolution = event
    return facts


def _counted_boarding(fact: _Facts) -> tuple[Event | None, tuple[str, ...] | None]:
    """The boarding that counts, and the boardings in conflict (None: no open conflict)."""
    boardings = fact.boardings
    if not boardings:
        return None, None
    if len({(b.convoy_id, b.vehicle_id) for b in boardings}) == 1:
        return boardings[0], None
    candidates = tuple(sorted(b.nonce for b in boardings))
    resolution = fact.resolution
    if resolution is not None and isinstance(resolution.payload, ConflictResolution):
        decided = resolution.payload
        if set(candidates) <= set(decided.candidates):
            kept = next((b for b in boardings if b.nonce == decided.kept), None)
            if kept is not None:
                return kept, None
    return boardings[0], candidates


class Projection:
    """The statuses, conflicts, counts and reconciliation of a set of events under a roster."""

    def __init__(self, roster: Roster, events: Iterable[Event],
                 person_ids: Collection[str] | None = None) -> None:
        self.roster = roster
        live = live_events(events)
        self.departed = frozenset((e.convoy_id, e.vehicle_id) for e in live
                                  if e.kind is EventKind.CONVOY_DEPARTED)
        self.out_of_service = frozenset((e.convoy_id, e.vehicle_id) for e in live
                                        if e.kind is EventKind.VEHICLE_OUT_OF_SERVICE)
        self.arrived_convoys = frozenset(e.convoy_id for e in live
                                         if e.kind is EventKind.CONVOY_ARRIVED)
        self.headcounts = tuple(e for e in live if e.kind is EventKind.HEADCOUNT_REPORTED)
        self.live = tuple(live)
        wanted = roster.persons.keys() if person_ids is None else person_ids
        facts = _facts(live, wanted)
        statuses: dict[str, PersonStatus] = {}
        conflicts: list[Conflict] = []
        for person_id in wanted:
            person = roster.persons.get(person_id)
            if person is None:
                continue
            status, conflict = self._status(person_id, person.household_id, person.intent,
                                            facts.get(person_id))
            statuses[person_id] = status
            if conflict is not None:
                conflicts.append(conflict)
        self.persons: Mapping[str, PersonStatus] = MappingProxyType(statuses)
        self.conflicts = tuple(conflicts)

    def has_departed(self, convoy_id: str | None, vehicle_id: str | None) -> bool:
        """Whether the convoy departed (all of it, or that vehicle of it)."""
        return ((convoy_id, None) in self.departed
                or (vehicle_id is not None and (convoy_id, vehicle_id) in self.departed))

    def _status(self, person_id: str, household_id: str, registered_intent: Intent,
                fact: _Facts | None) -> tuple[PersonStatus, Conflict | None]:
        planned = self.roster.planned(person_id)
        if fact is None:
            if planned is None:
                return PersonStatus(person_id, household_id, Stage.REGISTERED,
                                    stays=registered_intent is Intent.STAY), None
            return PersonStatus(person_id, household_id, Stage.REGISTERED,
                                stays=registered_intent is Intent.STAY,
                                convoy_id=planned.convoy_id, vehicle_id=planned.vehicle_id,
                                destination=planned.destination, day=planned.day), None
        boarding, candidates = _counted_boarding(fact)
        screening = (fact.screening.payload.decision
                     if fact.screening is not None and isinstance(fact.screening.payload,
                                                                  Screening) else None)
        if (boarding is not None and fact.screening is not None
                and screening is not ScreeningDecision.CLEARED
                and fact.screening.order > boarding.order):
            # Held at the checkpoint after boarding: taken off the vehicle.
            boarding, candidates = None, None
        stage = Stage.REGISTERED
        if fact.checked_in is not None:
            stage = Stage.CHECKED_IN
        if screening is ScreeningDecision.CLEARED:
            stage = Stage.SCREENED
        if boarding is not None:
            stage = Stage.BOARDED
            if self.has_departed(boarding.convoy_id, boarding.vehicle_id):
                stage = Stage.DEPARTED
        if fact.disembarked is not None:
            stage = Stage.ARRIVED
        latest_presence = max((e.order for e in (fact.checked_in, *fact.boardings)
                               if e is not None), default=None)
        no_show = (fact.no_show is not None and boarding is None
                   and (latest_presence is None or fact.no_show.order > latest_presence))
        intent = fact.intent or registered_intent
        convoy_id: str | None
        vehicle_id: str | None
        if boarding is not None:
            convoy_id, vehicle_id = boarding.convoy_id, boarding.vehicle_id
        elif planned is not None:
            convoy_id, vehicle_id = planned.convoy_id, planned.vehicle_id
        elif fact.disembarked is not None:
            convoy_id, vehicle_id = fact.disembarked.convoy_id, fact.disembarked.vehicle_id
        else:
            convoy_id = vehicle_id = None
        convoy = self.roster.convoy(convoy_id)
        status = PersonStatus(
            person_id, household_id, stage,
            checked_in=fact.checked_in is not None, screening=screening,
            boarding=boarding.nonce if boarding is not None else None,
            arrived_with=fact.disembarked.convoy_id if fact.disembarked is not None else None,
            no_show=no_show, stays=intent is Intent.STAY, conflict=candidates is not None,
            convoy_id=convoy_id, vehicle_id=vehicle_id,
            destination=convoy.destination if convoy is not None else None,
            day=convoy.day if convoy is not None else None)
        conflict = None
        if candidates is not None and boarding is not None:
            by_nonce = {b.nonce: b for b in fact.boardings}
            conflict = Conflict(person_id, household_id, candidates,
                                tuple((by_nonce[n].convoy_id, by_nonce[n].vehicle_id)
                                      for n in candidates), boarding.nonce)
        return status, conflict

    def counts(self, by: Collection[str] = GROUPINGS) -> dict[CountKey, StageCounts]:
        """Counts by stage, grouped by any of convoy, vehicle, destination and day.

        Every person is in exactly one row, so the rows add up to the whole without double
        counting; a person on no trip is in the row whose fields are None.
        """
        unknown = set(by) - set(GROUPINGS)
        if unknown:
            raise ValueError(f"counts are grouped by {', '.join(GROUPINGS)}, not "
                             f"{', '.join(sorted(unknown))}")
        convoy, vehicle, destination, day = (name in by for name in GROUPINGS)
        tallies: dict[CountKey, list[int]] = {}
        for status in self.persons.values():
            key = CountKey(status.convoy_id if convoy else None,
                           status.vehicle_id if vehicle else None,
                           status.destination if destination else None,
                           status.day if day else None)
            tally = tallies.get(key)
            if tally is None:
                tally = tallies[key] = [0] * _COLUMNS
            _tally(tally, status)
        return {key: StageCounts(*tally) for key, tally in tallies.items()}

    def total(self) -> StageCounts:
        """The counts of every person together."""
        tally = [0] * _COLUMNS
        for status in self.persons.values():
            _tally(tally, status)
        return StageCounts(*tally)

    def incidents(self) -> dict[str, Incident]:
        """Each incident by id, as its latest report (device time, then nonce) has it."""
        return {event.payload.incident_id: event.payload for event in self.live
                if isinstance(event.payload, Incident)}

    def reconcile(self, convoy_id: str) -> list[Discrepancy]:
        """Every discrepancy of a convoy: persons, counts between stages, headcounts."""
        return _reconcile(self, convoy_id)


_COLUMNS = len(fields(StageCounts))


def _tally(tally: list[int], status: PersonStatus) -> None:
    """Add one person to a row of counts, in StageCounts' field order (what
    :meth:`StageCounts.of` gives, without making an object a person: counting 75,000 people a
    few times a second for the dashboard)."""
    rank = status.stage.rank
    for column in range(rank + 1):
        tally[column] += 1
    tally[6] += status.held
    tally[7] += status.no_show
    tally[8] += status.stays
    tally[9] += status.conflict


def project(roster: Roster, events: Iterable[Event],
            person_ids: Collection[str] | None = None) -> Projection:
    """The projection of ``events`` for every registered person (or only ``person_ids``)."""
    return Projection(roster, events, person_ids)


_EVIDENCE = (Stage.CHECKED_IN, Stage.SCREENED, Stage.BOARDED, Stage.DEPARTED, Stage.ARRIVED)


def _evidence(projection: Projection, status: PersonStatus, convoy_id: str,
              vehicle_id: str | None = None) -> dict[Stage, bool]:
    """Which stages a person shows evidence of for this convoy (not cumulative)."""
    planned = projection.roster.planned(status.person_id)
    boarding_here = (status.boarding is not None and status.convoy_id == convoy_id
                     and (vehicle_id is None or status.vehicle_id == vehicle_id))
    planned_here = (planned is not None and planned.convoy_id == convoy_id
                    and (vehicle_id is None or planned.vehicle_id == vehicle_id))
    ours = boarding_here or (status.boarding is None and planned_here)
    departed = boarding_here and projection.has_departed(convoy_id, status.vehicle_id)
    arrived = (status.arrived_with == convoy_id
               and (vehicle_id is None or status.vehicle_id == vehicle_id))
    return {Stage.CHECKED_IN: ours and status.checked_in,
            Stage.SCREENED: ours and status.screening is ScreeningDecision.CLEARED,
            Stage.BOARDED: boarding_here, Stage.DEPARTED: departed, Stage.ARRIVED: arrived}


def _reconcile(projection: Projection, convoy_id: str) -> list[Discrepancy]:
    roster = projection.roster
    found: list[Discrepancy] = []
    evidence_counts = dict.fromkeys(_EVIDENCE, 0)
    arrived_convoy = convoy_id in projection.arrived_convoys
    departed_convoy = projection.has_departed(convoy_id, None)
    for status in sorted(projection.persons.values(), key=lambda s: s.person_id):
        planned = roster.planned(status.person_id)
        if not (convoy_id in (status.convoy_id, status.arrived_with)
                or (planned is not None and planned.convoy_id == convoy_id)):
            continue
        evidence = _evidence(projection, status, convoy_id)
        for stage, shown in evidence.items():
            evidence_counts[stage] += shown
        who = status.person_id
        if evidence[Stage.BOARDED]:
            vehicle = status.vehicle_id
            if arrived_convoy and not evidence[Stage.ARRIVED]:
                found.append(Discrepancy(
                    DiscrepancyKind.BOARDED_NOT_ARRIVED, f"{who} boarded {vehicle} but did not "
                    "disembark, though the convoy arrived", who, vehicle))
            if not status.checked_in:
                found.append(Discrepancy(
                    DiscrepancyKind.BOARDED_NOT_CHECKED_IN, f"{who} boarded {vehicle} without a "
                    "check-in", who, vehicle))
            if status.screening is not ScreeningDecision.CLEARED:
                found.append(Discrepancy(
                    DiscrepancyKind.BOARDED_NOT_SCREENED, f"{who} boarded {vehicle} without "
                    "being cleared at the checkpoint", who, vehicle))
            if planned is None or (planned.convoy_id, planned.vehicle_id) != (convoy_id, vehicle):
                listed = (f"is listed on {planned.vehicle_id} of {planned.convoy_id}"
                          if planned else "is on no manifest")
                found.append(Discrepancy(
                    DiscrepancyKind.BOARDED_OFF_MANIFEST, f"{who} boarded {vehicle} but "
                    f"{listed}", who, vehicle))
        if evidence[Stage.ARRIVED] and not evidence[Stage.BOARDED]:
            found.append(Discrepancy(
                DiscrepancyKind.ARRIVED_NOT_BOARDED, f"{who} disembarked from this convoy but "
                "never boarded it", who, status.vehicle_id))
        # Listed on a vehicle that left (alone, or with the whole convoy) without them.
        if (planned is not None and planned.convoy_id == convoy_id
                and projection.has_departed(convoy_id, planned.vehicle_id)
                and status.boarding is None and not status.stays):
            why = ("held at the checkpoint" if status.held else
                   "a no-show" if status.no_show else "no record of why")
            found.append(Discrepancy(
                DiscrepancyKind.NOT_BOARDED, f"{who} was listed on {planned.vehicle_id} and did "
                f"not board before the convoy departed ({why})", who, planned.vehicle_id))
    for conflict in projection.conflicts:
        if any(convoy == convoy_id for convoy, _ in conflict.vehicles):
            vehicles = ", ".join(f"{vehicle} of {convoy}" for convoy, vehicle in
                                 conflict.vehicles)
            found.append(Discrepancy(
                DiscrepancyKind.CONFLICT, f"{conflict.person_id} boarded {vehicles}; counted "
                f"once, on boarding {conflict.counted}, until a supervisor decides",
                conflict.person_id))
    for earlier, later in pairwise(_EVIDENCE):
        if ((later is Stage.DEPARTED and not departed_convoy)
                or (later is Stage.ARRIVED and not arrived_convoy)):
            continue
        if evidence_counts[earlier] != evidence_counts[later]:
            found.append(Discrepancy(
                DiscrepancyKind.COUNTS_DIFFER, f"{evidence_counts[earlier]} {earlier.value} but "
                f"{evidence_counts[later]} {later.value}"))
    found.extend(_headcounts(projection, convoy_id))
    return found


def _headcounts(projection: Projection, convoy_id: str) -> list[Discrepancy]:
    latest: dict[tuple[str | None, Stage], Event] = {}
    for event in projection.headcounts:
        if event.convoy_id == convoy_id and isinstance(event.payload, Headcount):
            latest[(event.vehicle_id, event.payload.stage)] = event
    found = []
    for (vehicle_id, stage), event in sorted(latest.items(),
                                             key=lambda item: (item[0][0] or "", item[0][1])):
        assert isinstance(event.payload, Headcount)
        if stage is Stage.REGISTERED:
            scanned = sum(1 for s in projection.persons.values()
                          if (p := projection.roster.planned(s.person_id)) is not None
                          and p.convoy_id == convoy_id
                          and (vehicle_id is None or p.vehicle_id == vehicle_id))
        else:
            scanned = sum(_evidence(projection, s, convoy_id, vehicle_id)[stage]
                          for s in projection.persons.values())
        if scanned != event.payload.count:
            where = vehicle_id or "the convoy"
            kind = "paper tally" if event.source == "paper_tally" else "headcount"
            found.append(Discrepancy(
                DiscrepancyKind.HEADCOUNT_DIFFERS, f"the {kind} of {where} says "
                f"{event.payload.count} {stage.value}, the scans {scanned}", None, vehicle_id))
    return found

