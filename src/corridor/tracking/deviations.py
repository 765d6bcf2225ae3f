"""What the field recorded that the plan must work around: the events as a disruption.

Convoys reported departed are the past; households marked no-show free their seats; a vehicle
reported out of service is out for the rest of that day. Voided events and refusals count for
nothing (:func:`corridor.tracking.projections.live_events`). New registrations need no event:
they are in the registry the re-plan reads. The re-planner (:func:`corridor.planner.replan.replan`)
takes the result as any other disruption and says which households moved and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from corridor.domain.disruption import Disruption, VehicleOutOfService
from corridor.domain.events import Event, EventKind
from corridor.tracking.projections import live_events


def disruption_from_events(events: Iterable[Event], as_of: datetime) -> Disruption:
    """The disruption the events recorded up to ``as_of`` (device time) describe."""
    live = [event for event in live_events(events) if event.device_time <= as_of]
    departed = sorted({event.convoy_id for event in live
                       if event.kind is EventKind.CONVOY_DEPARTED and event.convoy_id})
    no_shows = sorted({event.household_id for event in live
                       if event.kind is EventKind.NO_SHOW and event.household_id})
    out: dict[tuple[str, object], VehicleOutOfService] = {}
    for event in live:
        if event.kind is EventKind.VEHICLE_OUT_OF_SERVICE and event.vehicle_id:
            day = event.device_time.date()
            out[(event.vehicle_id, day)] = VehicleOutOfService(event.vehicle_id, day, day)
    return Disruption(as_of, departed=tuple(departed), no_shows=tuple(no_shows),
                      vehicles_out=tuple(out[key] for key in sorted(out, key=str)))
