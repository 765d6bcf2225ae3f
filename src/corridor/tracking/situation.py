"""What a sitrep is made from, out of the event log: the situation as known at a moment.

:func:`situation` projects the events the server had received before ``as_of`` (by their server
time: a sitrep of a day that is over comes out the same whenever it is made, and a phone's
late upload counts from the day it arrived) and counts the persons in cohorts
(:class:`~corridor.reports.sitrep.Cohort`), so that the report never holds a person.
:func:`readership_for` decides, from the permission table, what a reader's sitrep shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from types import MappingProxyType

from corridor.domain import AgeBand, Category, Sex
from corridor.domain.events import Event, EventKind, Incident, MedicalCase, Stage
from corridor.reports.sitrep import (
    Audience,
    Cohort,
    ConvoyProgress,
    IncidentRecord,
    MedicalCaseRecord,
    Readership,
    Situation,
)
from corridor.security.permissions import (
    Action,
    Field,
    Principal,
    allowed,
    authorize,
    visible_fields,
)
from corridor.tracking.cases import open_cases
from corridor.tracking.projections import project
from corridor.tracking.roster import Roster


def end_of_day(day: date) -> datetime:
    """The first moment after ``day`` (local wall-clock time): a sitrep of the day counts what
    the server had received before it."""
    return datetime.combine(day + timedelta(days=1), time())


def situation(roster: Roster, events: Iterable[Event], as_of: datetime) -> Situation:
    """The situation of the roster's operation under its plan, from the events received
    before ``as_of``."""
    known = [event for event in events if event.server_time < as_of]
    projection = project(roster, known)
    year = roster.scenario.reference_year
    persons = roster.persons
    groups: Counter[tuple[str | None, Stage, Sex, AgeBand, Category, bool, bool]] = Counter()
    for status in projection.persons.values():
        person = persons[status.person_id]
        groups[(status.convoy_id, status.stage, person.sex, AgeBand.of(person.age_in(year)),
                person.category, status.held, status.stays)] += 1
    cohorts = tuple(
        Cohort(convoy, stage, sex, band, category, people, held, stays)
        for (convoy, stage, sex, band, category, held, stays), people
        in sorted(groups.items(), key=lambda item: tuple(str(part) for part in item[0])))
    departed: dict[str, datetime] = {}
    arrived: dict[str, datetime] = {}
    out: dict[str, set[str]] = {}
    medical: dict[str, MedicalCaseRecord] = {}
    first_report: dict[str, tuple[datetime, str | None]] = {}
    for event in projection.live:
        convoy = event.convoy_id
        if event.kind is EventKind.CONVOY_DEPARTED and convoy is not None:
            departed.setdefault(convoy, event.device_time)
        elif event.kind is EventKind.CONVOY_ARRIVED and convoy is not None:
            arrived.setdefault(convoy, event.device_time)
        elif (event.kind is EventKind.VEHICLE_OUT_OF_SERVICE and convoy is not None
              and event.vehicle_id is not None):
            out.setdefault(convoy, set()).add(event.vehicle_id)
        elif isinstance(event.payload, MedicalCase):
            case = event.payload
            known_case = medical.get(case.case_id)
            medical[case.case_id] = MedicalCaseRecord(
                case.case_id, known_case.convoy_id if known_case and known_case.convoy_id
                else convoy, known_case.opened_at if known_case else event.device_time,
                case.escalated_to or (known_case.escalated_to if known_case else None),
                case.transferred or (known_case.transferred if known_case else False))
        elif isinstance(event.payload, Incident):
            first_report.setdefault(event.payload.incident_id, (event.device_time, convoy))
    progress = {convoy_id: ConvoyProgress(convoy_id, departed.get(convoy_id),
                                          arrived.get(convoy_id),
                                          tuple(sorted(out.get(convoy_id, ()))))
                for convoy_id in sorted(set(departed) | set(arrived) | set(out))}
    incidents = tuple(IncidentRecord(incident, *first_report[incident_id])
                      for incident_id, incident in sorted(projection.incidents().items()))
    follow_up = Counter(case.kind.value for case in open_cases(projection))
    return Situation(roster.scenario.operation, roster.plan, as_of, cohorts,
                     MappingProxyType(progress), tuple(medical.values()), incidents,
                     tuple(sorted(follow_up.items())))


def readership_for(principal: Principal, operation_id: str, audience: Audience) -> Readership:
    """What ``principal``'s sitrep for ``audience`` may show, or
    :class:`~corridor.domain.errors.Forbidden`.

    An internal sitrep needs exact figures and shows each section as the reader's fields allow;
    monitor and public sitreps need protected figures (or exact ones: a coordinator writes the
    public sitrep) and show the same to everyone.
    """
    if audience is Audience.INTERNAL:
        authorize(principal, Action.FIGURES_EXACT, operation_id)
        fields = visible_fields(principal, operation_id)
        categories = Field.CATEGORY in fields
        return Readership(
            Audience.INTERNAL, categories=categories, convoy_categories=categories,
            sex_and_age=Field.SEX in fields and Field.AGE in fields,
            medical_details=Field.MEDICAL in fields,
            protection_cases=allowed(principal, Action.CASES_READ, operation_id),
            incident_reporters=True)
    if not allowed(principal, Action.FIGURES_EXACT, operation_id):
        authorize(principal, Action.FIGURES_PROTECTED, operation_id)
    return Readership.monitor() if audience is Audience.MONITOR else Readership.public()
