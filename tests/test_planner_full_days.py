"""Days the checkpoint limits: the plan fills each of them to the checkpoint's day, so that
rounding one destination's convoys up to whole busloads never leaves another short for good."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest

from corridor.checker import check_plan
from corridor.domain import DateRange, FleetEntry, Scenario, VehicleKind
from corridor.planner import make_plan
from tests import builders

START = date(2017, 3, 18)


def _scenario(seed: int) -> Scenario:
    """4,500 people for Jarablus (450 a day), 3,500 for Idlib (500 a day), households of 1 to
    7; the checkpoint clears 800 a day (06:00 to 14:00), less than the two receive, and Idlib's
    convoys leave first (before noon, to arrive the same day). Buses and ambulances to spare."""
    rng = random.Random(seed)
    operation = builders.operation()
    jarablus, idlib = operation.destinations
    operation = replace(
        operation,
        agreement=replace(operation.agreement, phases=(),
                          window=DateRange(START, START + timedelta(days=20))),
        destinations=(replace(jarablus, reception_capacity_per_day=450),
                      replace(idlib, reception_capacity_per_day=500)),
        checkpoint=replace(operation.checkpoint, lanes=1, people_per_hour_per_lane=100,
                           vehicles_per_hour_per_lane=60),
        fleet=(FleetEntry("BUS", VehicleKind.BUS, 80, seats=45, luggage_capacity=200),
               FleetEntry("AMB", VehicleKind.AMBULANCE, 20, seats=2, stretchers=1)),
        convoy_rules=replace(operation.convoy_rules, max_convoys_per_day=4))
    households, persons = [], []
    for destination, total in (("jarablus", 4500), ("idlib", 3500)):
        left = total
        while left > 0:
            size = min(left, rng.randint(1, 7))
            left -= size
            household_id = f"H{len(households):04d}"
            households.append(builders.household(household_id,
                                                 destination_preference=destination))
            persons += [builders.person(f"{household_id}-{member}", household_id,
                                        luggage_pieces=1) for member in range(size)]
    return Scenario(operation, tuple(households), tuple(persons))


@pytest.mark.parametrize("seed", [0, 1])
def test_every_day_the_checkpoint_limits_is_filled(seed: int) -> None:
    """Ten days of 800: Idlib's convoys, rounded up to busloads, used to leave Jarablus (whose
    reception is full every day) 10 to 30 people short a day, and they took a twelfth day."""
    scenario = _scenario(seed)
    result = make_plan(scenario, seed=1)
    plan = result.plan
    assert check_plan(scenario, plan) == []
    people = Counter[date]()
    for convoy in plan.convoys:
        people[convoy.day] += sum(trip.seated + trip.on_stretchers for trip in convoy.trips)
    assert sorted(people.values()) == [800] * 10
    assert plan.days == result.schedule_days == 11  # Jarablus arrives the day after
