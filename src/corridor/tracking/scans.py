"""The use cases of the field: check in, screen, board, no-show, change of intent, disembark,
reports of convoys, medical cases and incidents, offline uploads and paper tallies, and the
supervisor's decisions (void, force, resolve a conflict, close a follow-up case).

The contract (pretix's check-in contract, kept here):

- Every scan is stored, refusals too: a use case always appends one event and returns the
  stored event; a refused one carries a stable :class:`RefusalReason` and its one sentence.
- A repeated nonce changes nothing and returns the first stored event, whatever it asks now.
- A whole household is checked in, screened or boarded in one action (``person_ids`` narrows it
  to some of its members; by default, the members the plan lists, less those who stay).
- Online scans are decided here, under the household's lock, against the registry, the current
  plan and the household's events; the checks run in a fixed order and the first that fails
  is the refusal. An offline upload is not decided again: the phone already let the household
  through (or not), so its verdict and its own time are stored as it sent them, marked offline;
  what then does not add up (two vehicles, off the manifest) is flagged by the projections.
- Every use case asks ``context.may(action)`` first and raises
  :class:`~corridor.domain.errors.Forbidden` (nothing stored) when the answer is no; the edge
  audits the call. Input that cannot be an event (no reason for a hold, a void or a force; an
  upload of a supervisor's decision) raises :class:`~corridor.domain.errors.InvalidValue`
  before anything is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from corridor.domain import Intent
from corridor.domain.errors import Forbidden, NotFound, require
from corridor.domain.events import (
    DECISION_KINDS,
    SCAN_KINDS,
    CaseResolution,
    ConflictResolution,
    Event,
    EventKind,
    IntentChange,
    Payload,
    RefusalReason,
    ScanOutcome,
    Screening,
    ScreeningDecision,
    Source,
)
from corridor.tracking.cases import follow_up_cases
from corridor.tracking.ports import EventLog
from corridor.tracking.projections import Projection, live_events, project
from corridor.tracking.roster import Roster

R = RefusalReason

CHECK_IN: Final = "scan.check_in"
SCREEN: Final = "scan.screen"
BOARD: Final = "scan.board"
NO_SHOW: Final = "scan.no_show"
CHANGE_INTENT: Final = "scan.change_intent"
DISEMBARK: Final = "scan.disembark"
REPORT_CONVOY: Final = "convoy.report"
REPORT_MEDICAL: Final = "medical.report"
REPORT_INCIDENT: Final = "incidents.report"
REPORT_SEPARATION: Final = "cases.report"
FORCE: Final = "scan.force"
VOID: Final = "events.void"
RESOLVE_CONFLICT: Final = "conflicts.resolve"
RESOLVE_CASE: Final = "cases.resolve"
ENTER_TALLY: Final = "tallies.enter"

ACTIONS: dict[EventKind, str] = {
    EventKind.CHECKED_IN: CHECK_IN,
    EventKind.SCREENED: SCREEN,
    EventKind.BOARDED: BOARD,
    EventKind.NO_SHOW: NO_SHOW,
    EventKind.INTENT_CHANGED: CHANGE_INTENT,
    EventKind.DISEMBARKED: DISEMBARK,
    EventKind.SEPARATION_REPORTED: REPORT_SEPARATION,
    EventKind.CONVOY_DEPARTED: REPORT_CONVOY,
    EventKind.POSITION_REPORTED: REPORT_CONVOY,
    EventKind.CONVOY_ARRIVED: REPORT_CONVOY,
    EventKind.VEHICLE_OUT_OF_SERVICE: REPORT_CONVOY,
    EventKind.HEADCOUNT_REPORTED: REPORT_CONVOY,
    EventKind.MEDICAL_CASE_OPENED: REPORT_MEDICAL,
    EventKind.MEDICAL_CASE_ESCALATED: REPORT_MEDICAL,
    EventKind.INCIDENT_REPORTED: REPORT_INCIDENT,
    EventKind.VOIDED: VOID,
    EventKind.CONFLICT_RESOLVED: RESOLVE_CONFLICT,
    EventKind.CASE_RESOLVED: RESOLVE_CASE,
}
"""The action (a name of corridor.security.permissions.Action-to-be) each kind of event needs."""

REPORT_KINDS = frozenset({EventKind.CONVOY_DEPARTED, EventKind.POSITION_REPORTED,
                          EventKind.CONVOY_ARRIVED, EventKind.VEHICLE_OUT_OF_SERVICE,
                          EventKind.HEADCOUNT_REPORTED, EventKind.MEDICAL_CASE_OPENED,
                          EventKind.MEDICAL_CASE_ESCALATED, EventKind.INCIDENT_REPORTED,
                          EventKind.SEPARATION_REPORTED})
"""Facts that are recorded as reported (:func:`report`), with no decision to take."""

_NOT_FORCEABLE = frozenset({R.NOT_REGISTERED, R.UNKNOWN_CONVOY, R.ALREADY_CHECKED_IN,
                            R.ALREADY_BOARDED})
"""Refusals a force cannot undo: no one to act on, or a repeat of what is already done."""

_CONVOY_STATE = frozenset({EventKind.CONVOY_DEPARTED, EventKind.VEHICLE_OUT_OF_SERVICE,
                           EventKind.VOIDED})


@dataclass(frozen=True, slots=True)
class ScanContext:
    """Who scans, on which device, at what server time, under which roster; and ``may``, the
    permission decision for an action name (the edge wires it to the security layer)."""

    roster: Roster
    officer: str
    device: str
    server_time: datetime
    may: Callable[[str], bool]

    @property
    def operation_id(self) -> str:
        """The operation scanned for."""
        return self.roster.operation_id


@dataclass(frozen=True, slots=True)
class Recorded:
    """An event a phone recorded offline (with its own verdict), or a line of a paper tally."""

    nonce: str
    kind: EventKind
    device_time: datetime
    household_id: str | None = None
    person_ids: tuple[str, ...] = ()
    convoy_id: str | None = None
    vehicle_id: str | None = None
    refusal: RefusalReason | None = None
    payload: Payload | None = None
    reason: str = ""


def _authorize(context: ScanContext, action: str) -> None:
    if not context.may(action):
        raise Forbidden(f"{context.officer} may not {action} in operation "
                        f"{context.operation_id}")


def _unique(person_ids: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if person_ids is None else tuple(dict.fromkeys(person_ids))


@dataclass(frozen=True, slots=True)
class _Scan:
    """What every event of one call shares."""

    context: ScanContext
    kind: EventKind
    nonce: str
    device_time: datetime
    household_id: str | None
    convoy_id: str | None = None
    vehicle_id: str | None = None
    payload: Payload | None = None
    reason: str = ""
    source: Source = Source.SCAN

    def event(self, person_ids: Iterable[str], refusal: RefusalReason | None = None, *,
              voids: str | None = None, overrides: str | None = None,
              offline: bool = False) -> Event:
        """The event of this call about ``person_ids``: accepted, or refused for ``refusal``."""
        return Event(
            nonce=self.nonce, kind=self.kind, operation_id=self.context.operation_id,
            device=self.context.device, officer=self.context.officer,
            device_time=self.device_time, server_time=self.context.server_time,
            outcome=ScanOutcome.ACCEPTED if refusal is None else ScanOutcome.REFUSED,
            refusal=refusal, household_id=self.household_id, person_ids=tuple(person_ids),
            convoy_id=self.convoy_id, vehicle_id=self.vehicle_id, offline=offline,
            source=self.source, payload=self.payload, voids=voids, overrides=overrides,
            reason=self.reason)


def _decided(log: EventLog, context: ScanContext, household_id: str | None, nonce: str,
             decide: Callable[[], Event]) -> Event:
    """Under the household's lock: the first answer to this nonce, or the new decision stored."""
    with log.lock_household(context.operation_id, household_id or ""):
        first = log.find(context.operation_id, nonce)
        if first is not None:
            return first
        return log.append(decide())


def _view(log: EventLog, context: ScanContext, household_id: str,
          convoy_ids: Collection[str | None] = ()) -> Projection:
    """The household's members as the events stand, with the state of the given convoys."""
    events = log.household_and_convoys(context.operation_id, household_id,
                                       {c for c in convoy_ids if c is not None}, _CONVOY_STATE)
    return project(context.roster, events, context.roster.members(household_id))


def _selection(roster: Roster, household_id: str,
               person_ids: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The persons a scan is about, or None when the household or a person is not registered."""
    members = roster.members(household_id)
    if not members or (person_ids is not None and not set(person_ids) <= set(members)):
        return None
    if person_ids:
        return person_ids
    planned = tuple(p for p in members if roster.planned(p) is not None)
    return planned or members


def _placement(roster: Roster, persons: Sequence[str], convoy_id: str,
               vehicle_id: str | None = None) -> RefusalReason | None:
    """not_on_manifest, wrong_convoy or wrong_vehicle for the first person who is misplaced."""
    places = [roster.planned(p) for p in persons]
    if any(place is None for place in places):
        return R.NOT_ON_MANIFEST
    if any(place is not None and place.convoy_id != convoy_id for place in places):
        return R.WRONG_CONVOY
    if vehicle_id is not None and any(place is not None and place.vehicle_id != vehicle_id
                                      for place in places):
        return R.WRONG_VEHICLE
    return None


def _on(roster: Roster, person_id: str, convoy_id: str, vehicle_id: str) -> bool:
    """Whether the plan puts the person on that vehicle of that convoy."""
    place = roster.planned(person_id)
    return place is not None and (place.convoy_id, place.vehicle_id) == (convoy_id, vehicle_id)


def _convoy_known(roster: Roster, convoy_id: str, vehicle_id: str | None = None) -> bool:
    return roster.convoy(convoy_id) is not None and (
        vehicle_id is None or roster.has_vehicle(convoy_id, vehicle_id))


def check_in(log: EventLog, context: ScanContext, household_id: str, convoy_id: str, *,
             nonce: str, device_time: datetime, ticket_revoked: bool = False,
             person_ids: Iterable[str] | None = None) -> Event:
    """Check a household in at the assembly point for ``convoy_id``.

    Checks, in order: unknown_convoy, not_registered, revoked, stays, not_on_manifest,
    wrong_convoy, already_checked_in (every person is), convoy_departed. Accepted: the persons
    not checked in yet.
    """
    _authorize(context, CHECK_IN)
    scan = _Scan(context, EventKind.CHECKED_IN, nonce, device_time, household_id, convoy_id)
    wanted = _unique(person_ids)

    def decide() -> Event:
        roster = context.roster
        if not _convoy_known(roster, convoy_id):
            return scan.event(wanted or (), R.UNKNOWN_CONVOY)
        selected = _selection(roster, household_id, wanted)
        if selected is None:
            return scan.event(wanted or (), R.NOT_REGISTERED)
        if ticket_revoked:
            return scan.event(selected, R.REVOKED)
        view = _view(log, context, household_id, (convoy_id,))
        leaving = [p for p in selected if not view.persons[p].stays]
        if not leaving:
            return scan.event(selected, R.STAYS)
        refusal = _placement(roster, leaving, convoy_id)
        if refusal is not None:
            return scan.event(leaving, refusal)
        pending = [p for p in leaving if not view.persons[p].checked_in]
        if not pending:
            return scan.event(leaving, R.ALREADY_CHECKED_IN)
        if view.has_departed(convoy_id, None):
            return scan.event(pending, R.CONVOY_DEPARTED)
        return scan.event(pending)

    return _decided(log, context, scan.household_id, nonce, decide)


def screen(log: EventLog, context: ScanContext, household_id: str,
           decision: ScreeningDecision, *, nonce: str, device_time: datetime, reason: str = "",
           ticket_revoked: bool = False, person_ids: Iterable[str] | None = None) -> Event:
    """Record the checkpoint's decision on a household (or some of its members).

    A hold or a refusal to pass needs ``reason``; it opens a protection follow-up case for each
    person. Checks, in order: not_registered, revoked, stays, not_checked_in. A hold after
    boarding takes the person off the vehicle.
    """
    require(decision is ScreeningDecision.CLEARED or bool(reason.strip()),
            "a hold or a refusal at the checkpoint needs a reason", "reason")
    _authorize(context, SCREEN)
    scan = _Scan(context, EventKind.SCREENED, nonce, device_time, household_id,
                 payload=Screening(decision), reason=reason)
    wanted = _unique(person_ids)

    def decide() -> Event:
        selected = _selection(context.roster, household_id, wanted)
        if selected is None:
            return scan.event(wanted or (), R.NOT_REGISTERED)
        if ticket_revoked:
            return scan.event(selected, R.REVOKED)
        view = _view(log, context, household_id)
        leaving = [p for p in selected if not view.persons[p].stays]
        if not leaving:
            return scan.event(selected, R.STAYS)
        if not all(view.persons[p].checked_in for p in leaving):
            return scan.event(leaving, R.NOT_CHECKED_IN)
        return scan.event(leaving)

    return _decided(log, context, scan.household_id, nonce, decide)


def board(log: EventLog, context: ScanContext, household_id: str, convoy_id: str,
          vehicle_id: str, *, nonce: str, device_time: datetime, ticket_revoked: bool = False,
          person_ids: Iterable[str] | None = None) -> Event:
    """Board a household on ``vehicle_id`` of ``convoy_id``.

    Checks, in order: unknown_convoy, not_registered, revoked, stays, not_on_manifest,
    wrong_convoy, wrong_vehicle, already_boarded (every person has), convoy_departed,
    vehicle_out_of_service, held_at_checkpoint, not_checked_in, not_screened. Accepted: the
    persons not boarded yet. By default the members the plan puts on this vehicle (a household
    the plan splits over vehicles boards each with its own scan), else the whole household.
    Boarding part of a household (``person_ids``) is allowed; if the convoy leaves without the
    rest, each of them gets a follow-up case (left behind).
    """
    _authorize(context, BOARD)
    scan = _Scan(context, EventKind.BOARDED, nonce, device_time, household_id, convoy_id,
                 vehicle_id)
    wanted = _unique(person_ids)

    def decide() -> Event:
        roster = context.roster
        if not _convoy_known(roster, convoy_id, vehicle_id):
            return scan.event(wanted or (), R.UNKNOWN_CONVOY)
        selected = _selection(roster, household_id, wanted)
        if selected is None:
            return scan.event(wanted or (), R.NOT_REGISTERED)
        if wanted is None:
            # A household the plan splits over vehicles boards each vehicle with its own scan.
            here = tuple(p for p in selected if _on(roster, p, convoy_id, vehicle_id))
            selected = here or selected
        if ticket_revoked:
            return scan.event(selected, R.REVOKED)
        view = _view(log, context, household_id, (convoy_id,))
        leaving = [p for p in selected if not view.persons[p].stays]
        if not leaving:
            return scan.event(selected, R.STAYS)
        refusal = _placement(roster, leaving, convoy_id, vehicle_id)
        if refusal is not None:
            return scan.event(leaving, refusal)
        pending = [p for p in leaving if view.persons[p].boarding is None]
        statuses = [view.persons[p] for p in pending]
        if not pending:
            refusal = R.ALREADY_BOARDED
        elif view.has_departed(convoy_id, vehicle_id):
            refusal = R.CONVOY_DEPARTED
        elif (convoy_id, vehicle_id) in view.out_of_service:
            refusal = R.VEHICLE_OUT_OF_SERVICE
        elif any(status.held for status in statuses):
            refusal = R.HELD_AT_CHECKPOINT
        elif not all(status.checked_in for status in statuses):
            refusal = R.NOT_CHECKED_IN
        elif not all(status.screening is ScreeningDecision.CLEARED for status in statuses):
            refusal = R.NOT_SCREENED
        return scan.event(pending or leaving, refusal)

    return _decided(log, context, scan.household_id, nonce, decide)


def mark_no_show(log: EventLog, context: ScanContext, household_id: str, convoy_id: str, *,
                 nonce: str, device_time: datetime,
                 person_ids: Iterable[str] | None = None) -> Event:
    """Mark a household that did not come for ``convoy_id`` (the re-planner reads it).

    Checks, in order: unknown_convoy, not_registered, stays, already_boarded (every person
    has). A later check-in or boarding clears the mark.
    """
    _authorize(context, NO_SHOW)
    scan = _Scan(context, EventKind.NO_SHOW, nonce, device_time, household_id, convoy_id)
    wanted = _unique(person_ids)

    def decide() -> Event:
        if not _convoy_known(context.roster, convoy_id):
            return scan.event(wanted or (), R.UNKNOWN_CONVOY)
        selected = _selection(context.roster, household_id, wanted)
        if selected is None:
            return scan.event(wanted or (), R.NOT_REGISTERED)
        view = _view(log, context, household_id)
        leaving = [p for p in selected if not view.persons[p].stays]
        if not leaving:
            return scan.event(selected, R.STAYS)
        pending = [p for p in leaving if view.persons[p].boarding is None]
        if not pending:
            return scan.event(leaving, R.ALREADY_BOARDED)
        return scan.event(pending)

    return _decided(log, context, scan.household_id, nonce, decide)


def change_intent(log: EventLog, context: ScanContext, household_id: str, intent: Intent, *,
                  nonce: str, device_time: datetime, reason: str = "",
                  person_ids: Iterable[str] | None = None) -> Event:
    """Record that a household (or some members) now stays under the settlement, or leaves.

    Checks, in order: not_registered, already_boarded (to stay, when someone has boarded: they
    must get off first, which a void of the boarding records).
    """
    _authorize(context, CHANGE_INTENT)
    scan = _Scan(context, EventKind.INTENT_CHANGED, nonce, device_time, household_id,
                 payload=IntentChange(intent), reason=reason)
    wanted = _unique(person_ids)

    def decide() -> Event:
        members = context.roster.members(household_id)
        if not members or (wanted is not None and not set(wanted) <= set(members)):
            return scan.event(wanted or (), R.NOT_REGISTERED)
        selected = wanted or members
        view = _view(log, context, household_id)
        if intent is Intent.STAY and any(view.persons[p].boarding is not None
                                         for p in selected):
            return scan.event(selected, R.ALREADY_BOARDED)
        return scan.event(selected)

    return _decided(log, context, scan.household_id, nonce, decide)


def disembark(log: EventLog, context: ScanContext, household_id: str, convoy_id: str, *,
              nonce: str, device_time: datetime, vehicle_id: str | None = None,
              person_ids: Iterable[str] | None = None) -> Event:
    """Record a household getting off ``convoy_id`` at its destination.

    Checks, in order: unknown_convoy, not_registered. Never refused for want of a boarding:
    people who are there are there; the reconciliation lists whoever arrived but never boarded.
    By default the persons whose boarding counts on this convoy, else those listed on it.
    """
    _authorize(context, DISEMBARK)
    scan = _Scan(context, EventKind.DISEMBARKED, nonce, device_time, household_id, convoy_id,
                 vehicle_id)
    wanted = _unique(person_ids)

    def decide() -> Event:
        roster = context.roster
        if not _convoy_known(roster, convoy_id, vehicle_id):
            return scan.event(wanted or (), R.UNKNOWN_CONVOY)
        selected = _selection(roster, household_id, wanted)
        if selected is None:
            return scan.event(wanted or (), R.NOT_REGISTERED)
        if wanted is None:
            view = _view(log, context, household_id)
            boarded_here = [p for p in roster.members(household_id)
                            if view.persons[p].boarding is not None
                            and view.persons[p].convoy_id == convoy_id]
            selected = tuple(boarded_here) or selected
        return scan.event(selected)

    return _decided(log, context, scan.household_id, nonce, decide)


def report(log: EventLog, context: ScanContext, kind: EventKind, *, nonce: str,
           device_time: datetime, household_id: str | None = None,
           person_ids: Iterable[str] = (), convoy_id: str | None = None,
           vehicle_id: str | None = None, payload: Payload | None = None,
           reason: str = "") -> Event:
    """Record a reported fact: a departure, a position, an arrival, a vehicle out of service, a
    headcount, a medical case or its escalation, an incident, a separation.

    Checks: unknown_convoy (a convoy or vehicle named and not in the plan), not_registered (a
    household or person named and not registered). A departure or an out-of-service vehicle
    without ``vehicle_id`` is the whole convoy's.
    """
    require(kind in REPORT_KINDS, f"{kind} is not a reported fact; use its own use case", "kind")
    _authorize(context, ACTIONS[kind])
    persons = _unique(person_ids) or ()
    scan = _Scan(context, kind, nonce, device_time, household_id, convoy_id, vehicle_id,
                 payload, reason)
    roster = context.roster
    if convoy_id is not None and not _convoy_known(roster, convoy_id, vehicle_id):
        refusal: RefusalReason | None = R.UNKNOWN_CONVOY
    elif not _registered(roster, household_id, persons):
        refusal = R.NOT_REGISTERED
    else:
        refusal = None
    return log.append(scan.event(persons, refusal))


def _registered(roster: Roster, household_id: str | None, persons: Sequence[str]) -> bool:
    """Whether the household (if named) is registered and the persons are its members (or, with
    no household, registered at all)."""
    if household_id is None:
        return all(p in roster.persons for p in persons)
    members = roster.members(household_id)
    return bool(members) and set(persons) <= set(members)


def upload(log: EventLog, context: ScanContext, batch: Sequence[Recorded],
           source: Source = Source.SCAN) -> list[Event]:
    """Store a batch a phone recorded offline, or the lines of a paper tally, as they were.

    Each event keeps the device's time and verdict and is marked offline (and, for a tally,
    ``paper_tally``); it is not decided again, except that what no time makes right is refused
    as the online checks would (:func:`_impossible`: a convoy or vehicle not in the plan,
    persons not of the household named). The whole batch is checked first: a supervisor's
    decision in it is refused (:class:`InvalidValue`), and so is the batch when any of its
    events is not permitted (:class:`Forbidden`); nothing is then stored. A repeated nonce
    returns the first stored event. Returns one stored event for each item, in order. Every
    event is built before the first is stored, so an item that cannot be an event (a person
    listed twice, a payload of another kind) stores nothing either.
    """
    require(source is not Source.SUPERVISOR, "a supervisor's decision is made online", "source")
    for index, item in enumerate(batch):
        require(item.kind not in DECISION_KINDS, f"item {index + 1}: a {item.kind} is a "
                "supervisor's decision and is made online, not uploaded", "kind")
    needed = {ENTER_TALLY} if source is Source.PAPER_TALLY else set()
    needed |= {ACTIONS[item.kind] for item in batch}
    for action in sorted(needed):
        _authorize(context, action)
    # A household scanned whole offline names no persons: it is about all its members.
    events = []
    for item in batch:
        persons = item.person_ids or (
            context.roster.members(item.household_id)
            if item.household_id is not None and item.kind in SCAN_KINDS else ())
        events.append(_Scan(context, item.kind, item.nonce, item.device_time,
                            item.household_id, item.convoy_id, item.vehicle_id, item.payload,
                            item.reason, source).event(
                                persons, item.refusal or _impossible(context.roster, item,
                                                                     persons), offline=True))
    return log.append_all(events)


def _impossible(roster: Roster, item: Recorded, persons: Sequence[str]) -> RefusalReason | None:
    """What no device time can make right in an uploaded event, as the online checks name it:
    a convoy or vehicle not in the plan (unknown_convoy), a household not registered or persons
    not its members (not_registered). Such an event is stored refused, so never counted."""
    if item.convoy_id is not None and not _convoy_known(roster, item.convoy_id,
                                                        item.vehicle_id):
        return R.UNKNOWN_CONVOY
    if not _registered(roster, item.household_id, persons):
        return R.NOT_REGISTERED
    return None


def _decisions_about(log: EventLog, context: ScanContext, target: Event,
                     kinds: Collection[EventKind]) -> list[Event]:
    if target.household_id is not None:
        events = log.events(context.operation_id, household_id=target.household_id, kinds=kinds)
    elif target.convoy_id is not None:
        events = log.events(context.operation_id, convoy_id=target.convoy_id, kinds=kinds)
    else:
        events = log.events(context.operation_id, kinds=kinds)
    return [event for event in events if event.accepted]


def void(log: EventLog, context: ScanContext, target_nonce: str, *, reason: str, nonce: str,
         device_time: datetime) -> Event:
    """A supervisor voids an event, with a reason, as a new event; the target stays stored.

    Checks, in order: unknown_event, not_voidable (a void), already_voided.
    """
    require(bool(reason.strip()), "a void needs a reason", "reason")
    _authorize(context, VOID)
    target = log.find(context.operation_id, target_nonce)
    scan = _Scan(context, EventKind.VOIDED, nonce, device_time,
                 target.household_id if target else None,
                 target.convoy_id if target else None, target.vehicle_id if target else None,
                 reason=reason, source=Source.SUPERVISOR)

    def decide() -> Event:
        persons = target.person_ids if target else ()
        if target is None:
            refusal: RefusalReason | None = R.UNKNOWN_EVENT
        elif target.kind is EventKind.VOIDED:
            refusal = R.NOT_VOIDABLE
        elif any(v.voids == target_nonce
                 for v in _decisions_about(log, context, target, {EventKind.VOIDED})):
            refusal = R.ALREADY_VOIDED
        else:
            refusal = None
        return scan.event(persons, refusal, voids=target_nonce)

    return _decided(log, context, scan.household_id, nonce, decide)


def force(log: EventLog, context: ScanContext, refused_nonce: str, *, reason: str, nonce: str,
          device_time: datetime) -> Event:
    """A supervisor lets a refused scan through, with a reason: the scan is stored again as
    accepted, by the supervisor, at ``device_time``, naming the refusal it overrides.

    Checks, in order: not_refused, not_forceable (not a scan, or a refusal a force cannot undo:
    not_registered, unknown_convoy, already_checked_in, already_boarded), already_forced (by a
    force not voided). A nonce that names no event raises NotFound: there is nothing to force.
    """
    require(bool(reason.strip()), "forcing a refused scan needs a reason", "reason")
    _authorize(context, FORCE)
    target = log.find(context.operation_id, refused_nonce)
    if target is None:
        first = log.find(context.operation_id, nonce)
        if first is not None:
            return first
        raise NotFound(f"no event of operation {context.operation_id} has the nonce "
                       f"{refused_nonce!r}")
    scan = _Scan(context, target.kind, nonce, device_time, target.household_id,
                 target.convoy_id, target.vehicle_id, target.payload, reason, Source.SUPERVISOR)

    def decide() -> Event:
        assert target is not None
        if target.accepted:
            refusal: RefusalReason | None = R.NOT_REFUSED
        elif target.kind not in SCAN_KINDS or target.refusal in _NOT_FORCEABLE:
            refusal = R.NOT_FORCEABLE
        else:
            forces = live_events(_decisions_about(log, context, target,
                                                  {target.kind, EventKind.VOIDED}))
            refusal = (R.ALREADY_FORCED if any(e.overrides == refused_nonce for e in forces)
                       else None)
        return scan.event(target.person_ids, refusal, overrides=refused_nonce)

    return _decided(log, context, target.household_id, nonce, decide)


def resolve_conflict(log: EventLog, context: ScanContext, household_id: str, kept: str, *,
                     reason: str, nonce: str, device_time: datetime) -> Event:
    """A supervisor decides which of a household's conflicting boardings counts.

    Check: no_conflict (``kept`` is not one of the boardings of an open conflict of the
    household). The decision covers every member in conflict over that boarding.
    """
    require(bool(reason.strip()), "resolving a conflict needs a reason", "reason")
    _authorize(context, RESOLVE_CONFLICT)

    def decide() -> Event:
        view = _view(log, context, household_id)
        conflicts = [c for c in view.conflicts if kept in c.boardings]
        candidates = tuple(sorted({n for c in conflicts for n in c.boardings})) or (kept,)
        scan = _Scan(context, EventKind.CONFLICT_RESOLVED, nonce, device_time, household_id,
                     payload=ConflictResolution(kept, candidates), reason=reason,
                     source=Source.SUPERVISOR)
        if not conflicts:
            return scan.event((), R.NO_CONFLICT)
        return scan.event(tuple(c.person_id for c in conflicts))

    return _decided(log, context, household_id, nonce, decide)


def resolve_case(log: EventLog, context: ScanContext, household_id: str, case_id: str, *,
                 reason: str, nonce: str, device_time: datetime) -> Event:
    """A protection officer closes a follow-up case, saying how it ended.

    Check: unknown_case (no open case of the household has that id).
    """
    require(bool(reason.strip()), "closing a follow-up case needs a reason", "reason")
    _authorize(context, RESOLVE_CASE)
    scan = _Scan(context, EventKind.CASE_RESOLVED, nonce, device_time, household_id,
                 payload=CaseResolution(case_id), reason=reason, source=Source.SUPERVISOR)

    def decide() -> Event:
        roster = context.roster
        convoys = {place.convoy_id for p in roster.members(household_id)
                   if (place := roster.planned(p)) is not None}
        view = _view(log, context, household_id, convoys)
        case = next((c for c in follow_up_cases(view) if c.case_id == case_id and c.is_open),
                    None)
        if case is None:
            return scan.event((), R.UNKNOWN_CASE)
        return scan.event((case.person_id,))

    return _decided(log, context, scan.household_id, nonce, decide)
