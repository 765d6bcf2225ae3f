"""The demo's field step: the first convoy's day at the crossing, with what goes wrong there.

Officers check every household of the first convoy in, the checkpoint screens them (one man is
held), they board: one household twice from two phones, one scanned on a phone that was offline
and uploads later, one that never came. The convoy leaves, a medical case is escalated on the
road, the convoy arrives and most people get off. Everything goes through the same use cases and
event log as the real crossing, and the demo prints the counts and the reconciliation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from rich.console import Group
from rich.table import Table

from corridor.domain import Plan, Scenario, VehicleKind
from corridor.domain.events import EventKind, MedicalCase, ScreeningDecision
from corridor.store import Database
from corridor.store.events import StoreEventLog
from corridor.tracking import (
    Projection,
    Recorded,
    Roster,
    ScanContext,
    board,
    check_in,
    disembark,
    mark_no_show,
    open_cases,
    project,
    report,
    screen,
    upload,
)


def simulate_first_convoy(db: Database, scenario: Scenario, plan: Plan) -> Group:
    """Record the first convoy's field events in ``db``; the counts and the reconciliation."""
    roster = Roster(scenario, plan)
    log = StoreEventLog(db)
    convoy = plan.convoys[0]
    start = convoy.departure - timedelta(hours=3)
    nonces = (f"demo-{number:05d}" for number in count())

    def context(device: str, at: datetime) -> ScanContext:
        return ScanContext(roster, "demo", device, at, lambda action: True)

    lines = [(trip.vehicle_id, line.household_id, line.persons) for trip in convoy.trips
             for line in trip.lines]
    order: list[str] = []
    for _vehicle, household, _persons in lines:
        if household not in order:
            order.append(household)
    absent, held, twice = order[-1], order[0], order[1]
    offline = order[-2] if len(order) > 3 else None
    at = start
    for household in order:
        at += timedelta(seconds=20)
        phone = context("phone-1", at)
        if household == absent:
            mark_no_show(log, phone, household, convoy.convoy_id, nonce=next(nonces),
                         device_time=at)
            continue
        check_in(log, phone, household, convoy.convoy_id, nonce=next(nonces), device_time=at)
        members = roster.members(household)
        if household == held and len(members) > 1:
            screen(log, phone, household, ScreeningDecision.HELD, nonce=next(nonces),
                   device_time=at, reason="name on the other party's list; to be verified",
                   person_ids=members[:1])
            screen(log, phone, household, ScreeningDecision.CLEARED, nonce=next(nonces),
                   device_time=at, person_ids=members[1:])
        else:
            screen(log, phone, household, ScreeningDecision.CLEARED, nonce=next(nonces),
                   device_time=at)
    kept_back = set(roster.members(held)[:1]) if len(roster.members(held)) > 1 else set()
    for vehicle_id, household, persons in lines:
        if household in {absent, offline}:
            continue  # the offline phone's boardings are uploaded below
        nonce = next(nonces)
        boarding = [p for p in persons if p not in kept_back]  # the family goes on without him
        if boarding:
            board(log, context("phone-2", at), household, convoy.convoy_id, vehicle_id,
                  nonce=nonce, device_time=at, person_ids=boarding)
        if household == twice:
            # No answer reached the phone, which sent the same scan again (same nonce); then
            # a second phone scanned the same family (a new nonce): both change nothing.
            board(log, context("phone-2", at), household, convoy.convoy_id, vehicle_id,
                  nonce=nonce, device_time=at)
            board(log, context("phone-3", at), household, convoy.convoy_id, vehicle_id,
                  nonce=next(nonces), device_time=at)
    twice_vehicle = next(v for v, h, _p in lines if h == twice)
    others = [trip.vehicle_id for trip in convoy.trips
              if trip.kind is VehicleKind.BUS and trip.vehicle_id != twice_vehicle]
    batch = [Recorded(next(nonces), EventKind.BOARDED, at, household_id=h, convoy_id=c,
                      vehicle_id=v, person_ids=p)
             for v, h, p in lines if h == offline for c in (convoy.convoy_id,)]
    if others:
        # The offline phone also boarded the family already on board, on another vehicle:
        # two phones disagree, and the projection counts them once and flags it.
        twice_line = next((v, h, p) for v, h, p in lines if h == twice)
        batch.append(Recorded(next(nonces), EventKind.BOARDED, at - timedelta(seconds=5),
                              household_id=twice, convoy_id=convoy.convoy_id,
                              vehicle_id=others[0], person_ids=twice_line[2]))
    upload(log, context("phone-4", at + timedelta(minutes=30)), batch)
    departed = convoy.departure
    report(log, context("lead-1", departed), EventKind.CONVOY_DEPARTED, nonce=next(nonces),
           device_time=departed, convoy_id=convoy.convoy_id)
    report(log, context("medic-1", departed + timedelta(hours=2)),
           EventKind.MEDICAL_CASE_OPENED, nonce=next(nonces),
           device_time=departed + timedelta(hours=2), convoy_id=convoy.convoy_id,
           payload=MedicalCase("MC-1"))
    report(log, context("medic-1", departed + timedelta(hours=3)),
           EventKind.MEDICAL_CASE_ESCALATED, nonce=next(nonces),
           device_time=departed + timedelta(hours=3), convoy_id=convoy.convoy_id,
           payload=MedicalCase("MC-1", escalated_to="field hospital", transferred=True))
    arrived = departed + timedelta(hours=14)
    report(log, context("lead-1", arrived), EventKind.CONVOY_ARRIVED, nonce=next(nonces),
           device_time=arrived, convoy_id=convoy.convoy_id)
    for vehicle_id, household, persons in lines[:-1]:  # the last bus's people still on it
        getting_off = [p for p in persons if p not in kept_back]
        if household != absent and getting_off:
            disembark(log, context("lead-1", arrived), household, convoy.convoy_id,
                      nonce=next(nonces), device_time=arrived, vehicle_id=vehicle_id,
                      person_ids=getting_off)
    projection = project(roster, log.events(scenario.operation.operation_id))
    return _view(convoy.convoy_id, projection)


def _view(convoy_id: str, projection: Projection) -> Group:
    total = projection.counts(by=("convoy",))
    table = Table(title=f"Field events of convoy {convoy_id} (simulated)", title_justify="left")
    for name in ("stage", "people"):
        table.add_column(name, justify="right" if name == "people" else "left")
    row = next(c for k, c in total.items() if k.convoy_id == convoy_id)
    for label in ("registered", "checked_in", "screened", "boarded", "departed", "arrived",
                  "held", "no_show", "conflicts"):
        table.add_row(label.replace("_", " "), f"{getattr(row, label):,}")
    found = projection.reconcile(convoy_id)
    issues = Table(title="Reconciliation", title_justify="left")
    issues.add_column("discrepancy")
    issues.add_column("count", justify="right")
    kinds: dict[str, int] = {}
    for item in found:
        kinds[item.kind.value] = kinds.get(item.kind.value, 0) + 1
    for kind, number in sorted(kinds.items()):
        issues.add_row(kind, str(number))
    cases = open_cases(projection)
    return Group(table, issues, f"{len(cases)} protection follow-up cases open.")
