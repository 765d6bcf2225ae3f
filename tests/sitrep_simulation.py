"""A demo-like field simulation over several convoy days, for the sitrep tests.

Every convoy of the first ``days`` days of the plan goes through the crossing with what goes
wrong there (seeded): households that never come, a member held at the checkpoint, households
boarded on a phone that was offline and uploads the next morning, medical cases (some
escalated), incidents (some verified), households that get off a day late. Server times follow
the simulated clock, so the situation of each day is the events received before its end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import count

from corridor.domain import Plan, Scenario
from corridor.domain.events import (
    EventKind,
    Incident,
    MedicalCase,
    ScreeningDecision,
    Severity,
    Verification,
)
from corridor.planner import make_plan
from corridor.synthetic import generate
from corridor.tracking import (
    MemoryEventLog,
    Recorded,
    Roster,
    ScanContext,
    board,
    check_in,
    disembark,
    mark_no_show,
    report,
    screen,
    upload,
)


@dataclass
class Simulation:
    """The scenario, its plan, the roster and the log after the simulated days."""

    scenario: Scenario
    plan: Plan
    roster: Roster
    log: MemoryEventLog
    days: tuple[date, ...]


def simulate(leaving: int = 2000, days: int = 4, seed: int = 7) -> Simulation:
    """Generate, plan, and run the convoys of the plan's first ``days`` days."""
    scenario = generate(leaving, seed=seed)
    plan = make_plan(scenario, seed).plan
    roster = Roster(scenario, plan)
    log = MemoryEventLog()
    rng = random.Random(seed)
    nonces = (f"sim-{n:06d}" for n in count())
    sites = {site.site_id: site for site in scenario.operation.destinations}
    chosen = sorted({convoy.day for convoy in plan.convoys})[:days]

    def at(device: str, moment: datetime) -> ScanContext:
        return ScanContext(roster, "officer", device, moment, lambda action: True)

    for convoy in sorted(plan.convoys, key=lambda c: (c.departure, c.convoy_id)):
        if convoy.day not in chosen:
            continue
        lines = [(trip.vehicle_id, line.household_id, line.persons)
                 for trip in convoy.trips for line in trip.lines if line.persons]
        households = list(dict.fromkeys(household for _v, household, _p in lines))
        absent = {h for h in households if rng.random() < 0.04}
        held = {h for h in households if h not in absent and len(roster.members(h)) > 1
                and rng.random() < 0.03}
        offline = {h for h in households if h not in absent | held and rng.random() < 0.06}
        late = {h for h in households if h not in absent and rng.random() < 0.05}
        moment = convoy.departure - timedelta(hours=3)
        kept_back: set[str] = set()
        for household in households:
            moment += timedelta(seconds=15)
            phone = at("phone-1", moment)
            if household in absent:
                mark_no_show(log, phone, household, convoy.convoy_id, nonce=next(nonces),
                             device_time=moment)
                continue
            check_in(log, phone, household, convoy.convoy_id, nonce=next(nonces),
                     device_time=moment)
            members = roster.members(household)
            if household in held:
                kept_back.add(members[0])
                screen(log, phone, household, ScreeningDecision.HELD, nonce=next(nonces),
                       device_time=moment, reason="name to be verified",
                       person_ids=members[:1])
                screen(log, phone, household, ScreeningDecision.CLEARED, nonce=next(nonces),
                       device_time=moment, person_ids=members[1:])
            else:
                screen(log, phone, household, ScreeningDecision.CLEARED, nonce=next(nonces),
                       device_time=moment)
        batch = []
        for vehicle, household, persons in lines:
            boarding = tuple(p for p in persons if p not in kept_back)
            if household in absent or not boarding:
                continue
            if household in offline:
                batch.append(Recorded(next(nonces), EventKind.BOARDED, moment,
                                      household_id=household, convoy_id=convoy.convoy_id,
                                      vehicle_id=vehicle, person_ids=boarding))
            else:
                board(log, at("phone-2", moment), household, convoy.convoy_id, vehicle,
                      nonce=next(nonces), device_time=moment, person_ids=boarding)
        departure = convoy.departure
        report(log, at("lead", departure), EventKind.CONVOY_DEPARTED, nonce=next(nonces),
               device_time=departure, convoy_id=convoy.convoy_id)
        if rng.random() < 0.6:
            case = f"MC-{convoy.convoy_id}"
            report(log, at("medic", departure + timedelta(hours=1)),
                   EventKind.MEDICAL_CASE_OPENED, nonce=next(nonces),
                   device_time=departure + timedelta(hours=1), convoy_id=convoy.convoy_id,
                   payload=MedicalCase(case))
            if rng.random() < 0.5:
                report(log, at("medic", departure + timedelta(hours=2)),
                       EventKind.MEDICAL_CASE_ESCALATED, nonce=next(nonces),
                       device_time=departure + timedelta(hours=2), convoy_id=convoy.convoy_id,
                       payload=MedicalCase(case, "field hospital", transferred=True))
        if rng.random() < 0.5:
            report(log, at("lead", departure + timedelta(hours=3)),
                   EventKind.INCIDENT_REPORTED, nonce=next(nonces),
                   device_time=departure + timedelta(hours=3), convoy_id=convoy.convoy_id,
                   payload=Incident(f"I-{convoy.convoy_id}", "convoy stopped at a checkpoint",
                                    Severity.MEDIUM, "Homs road", ("armed group",), "SARC",
                                    rng.choice(list(Verification))))
        arrival = departure + timedelta(hours=sites[convoy.destination].travel_hours)
        report(log, at("lead", arrival), EventKind.CONVOY_ARRIVED, nonce=next(nonces),
               device_time=arrival, convoy_id=convoy.convoy_id)
        next_morning = datetime.combine(convoy.day + timedelta(days=1), time(7))
        upload(log, at("phone-9", max(next_morning, arrival)), batch)
        for vehicle, household, persons in lines:
            getting_off = tuple(p for p in persons if p not in kept_back)
            if household in absent or not getting_off:
                continue
            when = arrival + (timedelta(hours=20) if household in late else timedelta())
            when = max(when, next_morning) if household in offline else when
            disembark(log, at("lead", when), household, convoy.convoy_id, nonce=next(nonces),
                      device_time=when, vehicle_id=vehicle, person_ids=getting_off)
    return Simulation(scenario, plan, roster, log, tuple(chosen))
