"""What happened since a plan was made, as of one moment; and how a re-plan changed it.

A :class:`Disruption` is data only: the moment ``as_of`` (local wall-clock time of the operation)
before which convoys have departed and are the past, and the facts a coordinator re-plans around:
households that did not board (no-shows), vehicles out of service, a destination that receives no
one on a day, a convoy held back, and pins and locks. New registrations are not listed here: they
arrive through the scenario (a re-imported registry has more households than the plan).

A re-plan reports every household whose place changed as a :class:`Change` with a stable
:class:`ChangeReason` code and one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from corridor.domain.errors import require
from corridor.domain.plan import Pin


@dataclass(frozen=True, slots=True)
class VehicleOutOfService:
    """A vehicle that cannot depart on the days ``first_day`` to ``last_day``, both included."""

    vehicle_id: str
    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        require(self.first_day <= self.last_day,
                f"vehicle {self.vehicle_id}: out of service from {self.first_day} to "
                f"{self.last_day} ends before it starts; swap the two days", "last_day")

    def covers(self, day: date) -> bool:
        """Whether the vehicle is out of service on ``day``."""
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True, slots=True)
class DestinationClosed:
    """A destination that receives no one on ``day``: no convoy may arrive there that day."""

    destination_id: str
    day: date


@dataclass(frozen=True, slots=True)
class ConvoyHeld:
    """A convoy that did not (or will not) leave on its day: none of it departs before ``until``."""

    convoy_id: str
    until: date


@dataclass(frozen=True, slots=True)
class Disruption:
    """The facts a re-plan works around, as of ``as_of``.

    Convoys that were to depart before ``as_of`` (and the convoys listed in ``departed``) have
    departed, unless they are held: they are the past and never change, except that no-show
    households are taken off their manifests (they did not board). ``locks`` names convoys whose
    manifests are final from now on; ``pins`` are new pins, kept with the plan's own.
    """

    as_of: datetime
    departed: tuple[str, ...] = ()
    no_shows: tuple[str, ...] = ()
    vehicles_out: tuple[VehicleOutOfService, ...] = ()
    closures: tuple[DestinationClosed, ...] = ()
    holds: tuple[ConvoyHeld, ...] = ()
    pins: tuple[Pin, ...] = ()
    locks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require(self.as_of.tzinfo is None, "as_of is a local wall-clock time of the operation: "
                "leave out the time zone", "as_of")
        held = {hold.convoy_id for hold in self.holds}
        require(len(held) == len(self.holds), "a convoy is held twice: keep one hold a convoy",
                "holds")
        both = sorted(held & set(self.departed))
        require(not both, f"convoy {', '.join(both)} is both held and departed: remove one",
                "holds")
        require(len(set(self.no_shows)) == len(self.no_shows),
                "a household is listed twice as a no-show", "no_shows")

    def out_of_service(self, vehicle_id: str, day: date) -> bool:
        """Whether ``vehicle_id`` is out of service on ``day``."""
        return any(item.vehicle_id == vehicle_id and item.covers(day)
                   for item in self.vehicles_out)

    def closed(self, destination_id: str, day: date) -> bool:
        """Whether ``destination_id`` receives no one on ``day``."""
        return any(item.destination_id == destination_id and item.day == day
                   for item in self.closures)


class ChangeReason(StrEnum):
    """Why a household's place changed in a re-plan; stable codes."""

    VEHICLE_OUT_OF_SERVICE = "vehicle_out_of_service"
    CONVOY_HELD = "convoy_held"
    DESTINATION_CLOSED = "destination_closed"
    NO_SHOW = "no_show"
    NEW_REGISTRATION = "new_registration"
    REGISTRATION_CHANGED = "registration_changed"
    PINNED = "pinned"
    CAPACITY_FREED = "capacity_freed"
    KNOCK_ON = "knock_on"


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where a household travels: a convoy (its day, departure, destination) and its vehicles."""

    convoy_id: str
    day: date
    departure: datetime
    destination: str
    vehicles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """One household whose place changed: ``before`` and ``after`` (None: in no convoy), and why."""

    household_id: str
    before: Assignment | None
    after: Assignment | None
    reason: ChangeReason
    explanation: str
