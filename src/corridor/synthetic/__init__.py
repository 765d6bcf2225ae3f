"""Seeded synthetic scenarios modelled on al-Waer (Homs, 2017), from 2,000 to 1,000,000 leavers.

Pure: standard library and :mod:`corridor.domain` only, no I/O, no clock, randomness only from
``random.Random(seed)``. :func:`generate` builds a scenario; :func:`scale_for` says how big the
window, fleet, checkpoint and reception are for a number of leavers; :func:`capacity_checks`
compares what the leavers need with what an operation offers, in aggregate.
"""

from corridor.synthetic._capacity import (
    CapacityCheck,
    Demand,
    DestinationDemand,
    TripNeeds,
    capacity_checks,
    demand_of,
    round_trip_days,
    trip_needs,
)
from corridor.synthetic._generate import DEFAULT_SEED, generate, no_progress, operation_for
from corridor.synthetic._sizing import (
    ScenarioSize,
    expected_demand,
    scale_for,
    window_days_for,
)

__all__ = [
    "DEFAULT_SEED",
    "CapacityCheck",
    "Demand",
    "DestinationDemand",
    "ScenarioSize",
    "TripNeeds",
    "capacity_checks",
    "demand_of",
    "expected_demand",
    "generate",
    "no_progress",
    "operation_for",
    "round_trip_days",
    "scale_for",
    "trip_needs",
    "window_days_for",
]
