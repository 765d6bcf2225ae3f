"""How big everything is for a number of leavers: registry, window, sites and fleet.

The registry is counted, not enumerated, here: sizing works on the expected demand, with the
chance variation of a seed covered by :data:`~corridor.synthetic._calibration.CAPACITY_SLACK` and
by sizing stretcher cases at three standard deviations above their mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import fmean

from corridor.domain import InvalidValue
from corridor.synthetic import _calibration as cal
from corridor.synthetic._capacity import Demand, DestinationDemand, trip_needs
from corridor.synthetic._registry import split_by_shares


@dataclass(frozen=True, slots=True)
class ScenarioSize:
    """What the generator chose for a number of leavers.

    ``staying`` and ``undecided`` are persons; ``reception_capacity_per_day`` pairs each
    destination id with the people it can receive a day.
    """

    leaving: int
    staying: int
    undecided: int
    window_days: int
    first_phase_quota: int
    assembly_points: int
    checkpoint_lanes: int
    reception_capacity_per_day: tuple[tuple[str, int], ...]
    buses: int
    ambulances: int
    luggage_trucks: int
    max_convoys_per_day: int

    @property
    def persons(self) -> int:
        """Everyone on the registry."""
        return self.leaving + self.staying + self.undecided


def check_leaving(leaving: int) -> None:
    """Raise :class:`InvalidValue` unless ``leaving`` is a whole number the generator supports."""
    if isinstance(leaving, bool) or not isinstance(leaving, int):
        raise InvalidValue(f"the number of people leaving must be a whole number, not "
                           f"{leaving!r}", "leaving")
    if not cal.FIRST_CONVOY_PEOPLE <= leaving <= cal.MAX_LEAVING:
        raise InvalidValue(f"the number of people leaving must be between "
                           f"{cal.FIRST_CONVOY_PEOPLE:,} and {cal.MAX_LEAVING:,}; "
                           f"{leaving:,} is not", "leaving")


def window_days_for(leaving: int) -> int:
    """Days of the window: two weeks for the first convoy's 2,000, 13 more per doubling."""
    check_leaving(leaving)
    doublings = math.log2(leaving / cal.FIRST_CONVOY_PEOPLE)
    return round(cal.WINDOW_DAYS_AT_FIRST_CONVOY + cal.WINDOW_DAYS_PER_DOUBLING * doublings)


def _mean_luggage_per_leaver() -> float:
    infant_years = cal.INFANT_MAX_AGE + 1
    child = ((infant_years * fmean(cal.INFANT_LUGGAGE)
              + (cal.ADULT_AGE - infant_years) * fmean(cal.CHILD_LUGGAGE)) / cal.ADULT_AGE)
    return (cal.CHILD_SHARE_TARGET * child
            + (1 - cal.CHILD_SHARE_TARGET) * fmean(cal.ADULT_LUGGAGE))


def expected_demand(leaving: int) -> Demand:
    """The demand the generator expects for ``leaving`` people, erring on the high side for
    stretcher cases (three standard deviations above the mean)."""
    check_leaving(leaving)
    people = split_by_shares(leaving, [spec.registered for spec in cal.DESTINATIONS])
    stretcher_rate = cal.MEDICAL_EMERGENCY_RATE * cal.STRETCHER_SHARE_OF_MEDICAL
    luggage = _mean_luggage_per_leaver()
    by_destination = {}
    for spec, count in zip(cal.DESTINATIONS, people, strict=True):
        mean = count * stretcher_rate
        stretchers = min(count, math.ceil(mean + 3 * math.sqrt(mean)))
        by_destination[spec.site_id] = DestinationDemand(count, stretchers,
                                                         math.ceil(count * luggage))
    return Demand(by_destination)


def _round_up(value: float, step: int) -> int:
    return step * math.ceil(value / step)


def scale_for(leaving: int) -> ScenarioSize:
    """Size the registry, window, checkpoint, reception and fleet for ``leaving`` people.

    Every daily capacity is sized at :data:`CAPACITY_SLACK` times the daily need, the need being
    spread over the days after the first phase's quota where that is the tighter reading. Buses
    are sized at the median load of 2017 (38 a bus), ambulances for the stretcher cases and the
    escort of every convoy, trucks for the luggage the holds cannot take (and at least one per
    12 buses), lanes for both the people and the vehicles to screen in 12 open hours.
    """
    check_leaving(leaving)
    staying = round(leaving * cal.STAYERS_PER_LEAVER)
    undecided = round((leaving + staying) * cal.UNDECIDED_SHARE_OF_RESIDENTS)
    days = window_days_for(leaving)
    quota = min(cal.FIRST_CONVOY_PEOPLE, leaving)
    daily_flow = max(leaving / days, (leaving - quota) / (days - cal.FIRST_PHASE_DAYS))
    # The days over which the sizing spreads everyone: the window, or less when the first
    # phase's quota holds people back.
    effective_days = leaving / daily_flow
    slack = cal.CAPACITY_SLACK

    demand = expected_demand(leaving)
    reception: list[tuple[str, int]] = []
    bus_days = ambulance_days = truck_days = 0
    vehicle_trips = convoys = 0
    for spec in cal.DESTINATIONS:
        load = demand.by_destination[spec.site_id]
        per_day = _round_up(max(cal.RECEPTION_FLOOR_PER_DAY,
                                slack * load.people / effective_days), cal.RECEPTION_ROUNDING)
        reception.append((spec.site_id, per_day))
        needs = trip_needs(load, travel_hours=spec.travel_hours, rest_hours=cal.REST_HOURS,
                           people_per_bus=cal.PEOPLE_PER_BUS_PLANNED,
                           stretchers_per_ambulance=cal.AMBULANCE_STRETCHERS,
                           max_vehicles_per_convoy=cal.MAX_VEHICLES_PER_CONVOY,
                           min_ambulances_per_convoy=cal.MIN_AMBULANCES_PER_CONVOY,
                           reception_capacity_per_day=per_day)
        overflow = max(0, load.luggage_pieces - needs.bus_trips * cal.BUS_LUGGAGE_PIECES)
        truck_trips = math.ceil(overflow / cal.LUGGAGE_TRUCK_PIECES)
        bus_days += needs.bus_trips * needs.round_trip_days
        ambulance_days += needs.ambulance_trips * needs.round_trip_days
        truck_days += truck_trips * needs.round_trip_days
        vehicle_trips += needs.bus_trips + needs.ambulance_trips + truck_trips
        convoys += needs.convoys

    buses = max(cal.MIN_BUSES, math.ceil(slack * bus_days / effective_days))
    ambulances = max(2 * cal.MIN_AMBULANCES_PER_CONVOY,
                     math.ceil(slack * ambulance_days / effective_days))
    trucks = max(math.ceil(buses / cal.MAX_BUSES_PER_LUGGAGE_TRUCK),
                 math.ceil(slack * truck_days / effective_days))
    open_hours = ((cal.CHECKPOINT_CLOSES.hour - cal.CHECKPOINT_OPENS.hour)
                  + (cal.CHECKPOINT_CLOSES.minute - cal.CHECKPOINT_OPENS.minute) / 60)
    lanes_for_people = leaving / effective_days / (cal.PEOPLE_PER_HOUR_PER_LANE * open_hours)
    lanes_for_vehicles = (vehicle_trips / effective_days
                          / (cal.VEHICLES_PER_HOUR_PER_LANE * open_hours))
    lanes = max(cal.MIN_CHECKPOINT_LANES,
                math.ceil(slack * max(lanes_for_people, lanes_for_vehicles)))
    convoys_per_day = max(cal.MIN_CONVOYS_PER_DAY, math.ceil(slack * convoys / effective_days))
    assembly_points = min(cal.MAX_ASSEMBLY_POINTS,
                          max(cal.MIN_ASSEMBLY_POINTS,
                              math.ceil(leaving / cal.LEAVERS_PER_ASSEMBLY_POINT)))
    return ScenarioSize(
        leaving=leaving, staying=staying, undecided=undecided, window_days=days,
        first_phase_quota=quota, assembly_points=assembly_points, checkpoint_lanes=lanes,
        reception_capacity_per_day=tuple(reception), buses=buses, ambulances=ambulances,
        luggage_trucks=trucks, max_convoys_per_day=convoys_per_day)
