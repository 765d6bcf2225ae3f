"""The sitrep's situation from the event log: cohorts as known at a moment, and who sees what."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from corridor.domain import AgeBand, Category
from corridor.domain.errors import Forbidden
from corridor.domain.events import (
    EventKind,
    Incident,
    MedicalCase,
    ScreeningDecision,
    Severity,
    Stage,
)
from corridor.reports.sitrep import Audience, Readership, build_sitrep
from corridor.security.permissions import Grant, Principal, Role
from corridor.tracking import board, check_in, disembark, report, screen
from corridor.tracking.scans import Recorded, upload
from corridor.tracking.situation import end_of_day, readership_for, situation
from tests.test_tracking_fixtures import Field, phone

DAY = date(2017, 3, 20)


def _first_convoy(field: Field) -> None:
    """C1: H1 boards BUS-001; of H3, P5 is held and P6 boards BUS-002; the convoy leaves, a
    medical case and an incident are reported, H1 gets off at Jarablus that evening."""
    ctx = phone(field.roster)
    for household in ("H1", "H3"):
        check_in(field.log, ctx, household, "C1", nonce=field.nonce(), device_time=field.at(1))
    screen(field.log, ctx, "H1", ScreeningDecision.CLEARED, nonce=field.nonce(),
           device_time=field.at(2))
    screen(field.log, ctx, "H3", ScreeningDecision.HELD, nonce=field.nonce(),
           device_time=field.at(2), reason="to be verified", person_ids=["P5"])
    screen(field.log, ctx, "H3", ScreeningDecision.CLEARED, nonce=field.nonce(),
           device_time=field.at(2), person_ids=["P6"])
    board(field.log, ctx, "H1", "C1", "BUS-001", nonce=field.nonce(), device_time=field.at(3))
    board(field.log, ctx, "H3", "C1", "BUS-002", nonce=field.nonce(), device_time=field.at(3),
          person_ids=["P6"])
    report(field.log, ctx, EventKind.CONVOY_DEPARTED, nonce=field.nonce(),
           device_time=field.at(180), convoy_id="C1")
    report(field.log, ctx, EventKind.MEDICAL_CASE_OPENED, nonce=field.nonce(),
           device_time=field.at(200), convoy_id="C1", payload=MedicalCase("MC-7"))
    report(field.log, ctx, EventKind.INCIDENT_REPORTED, nonce=field.nonce(),
           device_time=field.at(210), convoy_id="C1",
           payload=Incident("I-9", "checkpoint delay", Severity.LOW, "Homs road"))
    report(field.log, ctx, EventKind.CONVOY_ARRIVED, nonce=field.nonce(),
           device_time=field.at(900), convoy_id="C1")
    disembark(field.log, ctx, "H1", "C1", nonce=field.nonce(), device_time=field.at(900),
              vehicle_id="BUS-001")


def test_the_situation_counts_each_person_once_in_cohorts() -> None:
    """At the end of the 20th: H1 (3) arrived, P6 on the road, P5 held, P7 tomorrow, P4 stays;
    the sitrep made from it says so."""
    field = Field()
    _first_convoy(field)
    known = situation(field.roster, field.all(), end_of_day(DAY))
    assert sum(c.people for c in known.cohorts) == 7
    by_stage: dict[Stage, int] = {}
    for cohort in known.cohorts:
        by_stage[cohort.stage] = by_stage.get(cohort.stage, 0) + cohort.people
    assert by_stage == {Stage.ARRIVED: 3, Stage.DEPARTED: 1, Stage.CHECKED_IN: 1,
                        Stage.REGISTERED: 2}
    assert [c for c in known.cohorts if c.held] == [
        c for c in known.cohorts if c.convoy_id == "C1" and c.stage is Stage.CHECKED_IN]
    assert [c.category for c in known.cohorts if c.stays] == [Category.COMBATANT]
    assert any(c.age_band is AgeBand.AGE_0_4 for c in known.cohorts)  # P3, born 2013
    progress = known.convoys["C1"]
    assert progress.departed_at == field.at(180) and progress.arrived_at == field.at(900)
    assert [(m.case_id, m.convoy_id) for m in known.medical_cases] == [("MC-7", "C1")]
    assert [i.incident.incident_id for i in known.incidents] == ["I-9"]
    assert known.open_follow_up == (("held", 1), ("left_behind", 1))  # P5, twice
    sitrep = build_sitrep(known, DAY, Readership(Audience.INTERNAL)).sitrep
    (line,) = sitrep.convoys
    assert (line.planned, line.departed, line.arrived, line.held) == (5, 4, 3, 1)
    assert sitrep.headline.on_the_road == 1


def test_an_upload_that_arrived_after_the_day_counts_from_the_next_day() -> None:
    """A phone offline on the 20th uploads P5's boarding on the 21st: the sitrep of the 20th,
    made whenever, does not count it; that of the 21st does."""
    field = Field()
    _first_convoy(field)
    late = replace(phone(field.roster, "phone-9"), server_time=datetime(2017, 3, 21, 7))
    screen(field.log, late, "H3", ScreeningDecision.CLEARED, nonce=field.nonce(),
           device_time=field.at(4), person_ids=["P5"])
    upload(field.log, late, [Recorded(field.nonce(), EventKind.BOARDED, field.at(5),
                                      household_id="H3", convoy_id="C1",
                                      vehicle_id="BUS-002", person_ids=("P5",))])
    that_day = situation(field.roster, field.all(), end_of_day(DAY))
    next_day = situation(field.roster, field.all(), end_of_day(DAY + timedelta(days=1)))
    departed = [sum(c.people for c in s.cohorts if c.stage.rank >= Stage.DEPARTED.rank)
                for s in (that_day, next_day)]
    assert departed == [4, 5]


def _principal(*roles: Role) -> Principal:
    return Principal("someone", tuple(Grant(role, "al-waer-test") for role in roles))


def test_each_role_reads_the_sitrep_its_fields_allow() -> None:
    """Coordinators see fighters, not medical cases; medical officers the reverse; protection
    officers the open cases; monitors only the protected sitreps; auditors none."""
    coordinator = readership_for(_principal(Role.COORDINATOR), "al-waer-test",
                                 Audience.INTERNAL)
    assert coordinator.categories and not coordinator.medical_details
    medical = readership_for(_principal(Role.MEDICAL_OFFICER), "al-waer-test",
                             Audience.INTERNAL)
    assert medical.medical_details and not medical.categories
    protection = readership_for(_principal(Role.PROTECTION_OFFICER), "al-waer-test",
                                Audience.INTERNAL)
    assert protection.protection_cases and protection.categories
    assert readership_for(_principal(Role.MONITOR), "al-waer-test",
                          Audience.PUBLIC) == Readership.public()
    assert readership_for(_principal(Role.COORDINATOR), "al-waer-test",
                          Audience.MONITOR) == Readership.monitor()
    with pytest.raises(Forbidden):
        readership_for(_principal(Role.MONITOR), "al-waer-test", Audience.INTERNAL)
    with pytest.raises(Forbidden):
        readership_for(_principal(Role.AUDITOR), "al-waer-test", Audience.PUBLIC)
