"""The answers of the routes, shaped from what the use cases return; personal fields filtered
by the caller's role in :mod:`corridor.security.permissions`, the one place that decides."""

from __future__ import annotations

from corridor.domain.events import Event
from corridor.security.permissions import (
    Principal,
    visible_fields,
    visible_household,
    visible_person,
)
from corridor.tracking import CountKey, Discrepancy, FollowUpCase, Roster, StageCounts
from corridor.web.schemas import (
    CaseOut,
    CasesOut,
    CountsRow,
    DiscrepancyOut,
    ReconciliationOut,
    ScanOut,
    StatusOut,
)


def scan_answer(event: Event, roster: Roster, principal: Principal) -> ScanOut:
    """The stored event, and its household and persons as ``principal`` may see them."""
    fields = visible_fields(principal, roster.operation_id)
    household = (roster.household(event.household_id)
                 if event.household_id is not None else None)
    persons = [roster.persons[p] for p in event.person_ids if p in roster.persons]
    assert event.event_id is not None  # a stored event
    return ScanOut(
        event_id=event.event_id, nonce=event.nonce, kind=event.kind.value,
        outcome=event.outcome.value,
        refusal=None if event.refusal is None else event.refusal.value,
        message=event.message, household_id=event.household_id,
        person_ids=list(event.person_ids), convoy_id=event.convoy_id,
        vehicle_id=event.vehicle_id, device_time=event.device_time,
        server_time=event.server_time, offline=event.offline,
        household=None if household is None else visible_household(household, fields),
        persons=[visible_person(person, fields) for person in persons])


def status_answer(operation_id: str, groups: tuple[str, ...],
                  rows: dict[CountKey, StageCounts]) -> StatusOut:
    """Counts by stage, one row a group, in a stable order."""
    shaped = [CountsRow(convoy_id=key.convoy_id, vehicle_id=key.vehicle_id,
                        destination=key.destination, day=key.day,
                        registered=c.registered, checked_in=c.checked_in, screened=c.screened,
                        boarded=c.boarded, departed=c.departed, arrived=c.arrived, held=c.held,
                        no_show=c.no_show, stays=c.stays, conflicts=c.conflicts)
              for key, c in sorted(rows.items(), key=lambda item: str(item[0]))]
    return StatusOut(operation_id=operation_id, by=list(groups), rows=shaped)


def reconciliation_answer(operation_id: str, convoy_id: str,
                          found: list[Discrepancy]) -> ReconciliationOut:
    """A convoy's discrepancies."""
    return ReconciliationOut(
        operation_id=operation_id, convoy_id=convoy_id, reconciles=not found,
        discrepancies=[DiscrepancyOut(kind=d.kind.value, sentence=d.sentence,
                                      person_id=d.person_id, vehicle_id=d.vehicle_id)
                       for d in found])


def cases_answer(operation_id: str, cases: list[FollowUpCase]) -> CasesOut:
    """The open follow-up cases."""
    return CasesOut(operation_id=operation_id, cases=[
        CaseOut(case_id=c.case_id, kind=c.kind.value, household_id=c.household_id,
                person_id=c.person_id, opened_at=c.opened_at, opened_by=c.opened_by,
                reason=c.reason) for c in cases])
