"""The al-Waer-like operation for a :class:`ScenarioSize`: agreement, sites, fleet and rules.

Apart from its id and name, the operation depends on the size only, never on the seed: registries
drawn with two seeds for the same number of leavers are planned against the same sites and fleet.
"""

from __future__ import annotations

import math
from datetime import timedelta

from corridor.domain import (
    Agreement,
    AssemblyPoint,
    Category,
    Checkpoint,
    ConvoyRules,
    Coordinates,
    DateRange,
    Destination,
    FleetEntry,
    Operation,
    Party,
    Phase,
    PriorityWeights,
    Terms,
    VehicleKind,
)
from corridor.synthetic import _calibration as cal
from corridor.synthetic._sizing import ScenarioSize

#: Assembly points sit on a ring around the middle of the district, about a kilometre out.
_RING_DEGREES = 0.009


def _phases(window: DateRange, quota: int) -> tuple[Phase, ...]:
    """The first convoy's week with its quota, then the rest of the window in one or two halves."""
    first_end = window.start + timedelta(days=cal.FIRST_PHASE_DAYS - 1)
    phases = [Phase("phase 1", DateRange(window.start, first_end), quota)]
    rest_start = first_end + timedelta(days=1)
    rest_days = (window.end - rest_start).days + 1
    if rest_days >= 2 * cal.FIRST_PHASE_DAYS:
        middle = rest_start + timedelta(days=rest_days // 2 - 1)
        phases.append(Phase("phase 2", DateRange(rest_start, middle)))
        phases.append(Phase("phase 3", DateRange(middle + timedelta(days=1), window.end)))
    elif rest_days >= 1:
        phases.append(Phase("phase 2", DateRange(rest_start, window.end)))
    return tuple(phases)


def _assembly_points(count: int) -> tuple[AssemblyPoint, ...]:
    width = len(str(count))
    points = []
    for number in range(1, count + 1):
        angle = 2 * math.pi * number / count
        points.append(AssemblyPoint(
            f"ap-{number:0{width}d}", f"al-Waer assembly point {number}",
            Coordinates(round(cal.DISTRICT_LATITUDE + _RING_DEGREES * math.sin(angle), 5),
                        round(cal.DISTRICT_LONGITUDE + _RING_DEGREES * math.cos(angle), 5))))
    return tuple(points)


def build_operation(size: ScenarioSize, operation_id: str, name: str) -> Operation:
    """The operation for ``size``: the al-Waer agreement, its sites, a fleet and convoy rules."""
    window = DateRange(cal.WINDOW_START,
                       cal.WINDOW_START + timedelta(days=size.window_days - 1))
    destination_ids = tuple(spec.site_id for spec in cal.DESTINATIONS)
    agreement = Agreement(
        version=cal.AGREEMENT_VERSION,
        parties=(Party("Government of Syria", "government"),
                 Party("al-Waer negotiating committee", "armed opposition")),
        guarantor="Russian Federation",
        monitors=("SARC", "UN OCHA"),
        terms=Terms(frozenset({Category.CIVILIAN, Category.COMBATANT}),
                    settlement_option=True,
                    luggage_allowance_per_person=cal.LUGGAGE_ALLOWANCE_PER_PERSON),
        window=window,
        phases=_phases(window, size.first_phase_quota),
        destinations=destination_ids,
    )
    reception = dict(size.reception_capacity_per_day)
    destinations = tuple(
        Destination(spec.site_id, spec.name, spec.pcode,
                    Coordinates(spec.latitude, spec.longitude), spec.travel_hours,
                    reception[spec.site_id])
        for spec in cal.DESTINATIONS)
    checkpoint = Checkpoint(cal.CHECKPOINT_ID, cal.CHECKPOINT_NAME, size.checkpoint_lanes,
                            cal.PEOPLE_PER_HOUR_PER_LANE, cal.VEHICLES_PER_HOUR_PER_LANE,
                            cal.CHECKPOINT_OPENS, cal.CHECKPOINT_CLOSES,
                            Coordinates(cal.CHECKPOINT_LATITUDE, cal.CHECKPOINT_LONGITUDE))
    fleet = (
        FleetEntry("BUS", VehicleKind.BUS, size.buses, seats=cal.BUS_SEATS,
                   luggage_capacity=cal.BUS_LUGGAGE_PIECES),
        FleetEntry("AMB", VehicleKind.AMBULANCE, size.ambulances, seats=cal.AMBULANCE_SEATS,
                   stretchers=cal.AMBULANCE_STRETCHERS),
        FleetEntry("TRK", VehicleKind.LUGGAGE_TRUCK, size.luggage_trucks, seats=0,
                   luggage_capacity=cal.LUGGAGE_TRUCK_PIECES),
    )
    rules = ConvoyRules(max_vehicles_per_convoy=cal.MAX_VEHICLES_PER_CONVOY,
                        max_convoys_per_day=size.max_convoys_per_day,
                        departure_earliest=cal.DEPARTURE_EARLIEST,
                        departure_latest=cal.DEPARTURE_LATEST,
                        rest_hours=cal.REST_HOURS,
                        min_ambulances_per_convoy=cal.MIN_AMBULANCES_PER_CONVOY)
    return Operation(
        operation_id=operation_id,
        name=name,
        timezone=cal.TIMEZONE,
        agreement=agreement,
        assembly_points=_assembly_points(size.assembly_points),
        checkpoint=checkpoint,
        destinations=destinations,
        fleet=fleet,
        convoy_rules=rules,
        priorities=PriorityWeights(medical_emergency=10.0, vulnerable=3.0, other=1.0),
    )
