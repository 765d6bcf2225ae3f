"""Protection follow-up cases: who was held or refused at the checkpoint, or separated from
their household, and whether a protection officer has resolved it.

Cases are read from the events, never stored apart from them. A case opens for each person:

- ``held`` / ``not_passed``: a screening (accepted, not voided) held the person or did not let
  them pass; a later clearance does not close it.
- ``separated``: an officer reported the person separated from the household.
- ``left_behind``: the person was listed on a convoy with their household, did not board, does
  not stay, and a member of the household left on that convoy (its departure is recorded).

A case stays open until an accepted, not voided ``case_resolved`` event names its id. Case ids
are stable: the kind, the person and the event that opened it (or the convoy that left).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from corridor.domain.events import (
    CaseResolution,
    Event,
    EventKind,
    Screening,
    ScreeningDecision,
)
from corridor.tracking.projections import Projection


class CaseKind(StrEnum):
    """Why a follow-up case opened; stable codes."""

    HELD = "held"
    NOT_PASSED = "not_passed"
    SEPARATED = "separated"
    LEFT_BEHIND = "left_behind"


@dataclass(frozen=True, slots=True)
class FollowUpCase:
    """One person's protection follow-up case; ``resolved_by`` is the nonce that closed it."""

    case_id: str
    kind: CaseKind
    household_id: str
    person_id: str
    opened_at: datetime
    opened_by: str
    reason: str
    resolved_by: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether no resolution names the case yet."""
        return self.resolved_by is None


def _opened(projection: Projection) -> list[FollowUpCase]:
    cases: list[FollowUpCase] = []
    persons = projection.persons
    for event in projection.live:
        kind: CaseKind | None = None
        if event.kind is EventKind.SCREENED and isinstance(event.payload, Screening):
            decision = event.payload.decision
            if decision is ScreeningDecision.HELD:
                kind = CaseKind.HELD
            elif decision is ScreeningDecision.NOT_PASSED:
                kind = CaseKind.NOT_PASSED
        elif event.kind is EventKind.SEPARATION_REPORTED:
            kind = CaseKind.SEPARATED
        if kind is None:
            continue
        for person_id in event.person_ids:
            status = persons.get(person_id)
            if status is not None:
                cases.append(FollowUpCase(f"{kind.value}/{person_id}/{event.nonce}", kind,
                                          status.household_id, person_id, event.device_time,
                                          event.nonce, event.reason))
    cases.extend(_left_behind(projection))
    return cases


def _left_behind(projection: Projection) -> list[FollowUpCase]:
    # The first departure of each convoy, whole (vehicle None) or of one vehicle: a person
    # listed on a vehicle that left, alone or with the convoy, without them is left behind.
    departures: dict[tuple[str, str | None], Event] = {}
    for event in projection.live:
        if event.kind is EventKind.CONVOY_DEPARTED and event.convoy_id is not None:
            departures.setdefault((event.convoy_id, event.vehicle_id), event)
    if not departures:
        return []
    roster = projection.roster
    left_on: dict[tuple[str, str], bool] = {}
    for status in projection.persons.values():
        if status.boarding is not None and status.convoy_id is not None and \
                projection.has_departed(status.convoy_id, status.vehicle_id):
            left_on[(status.household_id, status.convoy_id)] = True
    cases = []
    for status in projection.persons.values():
        planned = roster.planned(status.person_id)
        if (planned is None or status.boarding is not None or status.stays
                or not projection.has_departed(planned.convoy_id, planned.vehicle_id)
                or not left_on.get((status.household_id, planned.convoy_id))):
            continue
        departure = departures.get((planned.convoy_id, None)) or \
            departures[(planned.convoy_id, planned.vehicle_id)]
        cases.append(FollowUpCase(
            f"{CaseKind.LEFT_BEHIND.value}/{status.person_id}/{planned.convoy_id}",
            CaseKind.LEFT_BEHIND, status.household_id, status.person_id,
            departure.device_time, departure.nonce,
            f"the household left on {planned.convoy_id} without this person"))
    return cases


def follow_up_cases(projection: Projection) -> list[FollowUpCase]:
    """Every follow-up case of the projection's persons, open or resolved, in opening order."""
    resolutions = {event.payload.case_id: event.nonce for event in projection.live
                   if event.kind is EventKind.CASE_RESOLVED
                   and isinstance(event.payload, CaseResolution)}
    cases = sorted(_opened(projection), key=lambda case: (case.opened_at, case.case_id))
    return [FollowUpCase(case.case_id, case.kind, case.household_id, case.person_id,
                         case.opened_at, case.opened_by, case.reason,
                         resolutions.get(case.case_id)) for case in cases]


def open_cases(projection: Projection) -> list[FollowUpCase]:
    """The follow-up cases no protection officer has resolved yet."""
    return [case for case in follow_up_cases(projection) if case.is_open]
