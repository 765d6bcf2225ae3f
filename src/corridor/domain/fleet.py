"""The fleet: buses, ambulances and luggage trucks, and the days each is available."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from corridor.domain.agreement import DateRange
from corridor.domain.errors import require


class VehicleKind(StrEnum):
    """What a vehicle is for."""

    BUS = "bus"
    AMBULANCE = "ambulance"
    LUGGAGE_TRUCK = "luggage_truck"


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One named vehicle. ``luggage_capacity`` is pieces in the hold (or the load of a truck).

    An empty ``available`` means available every day of the window.
    """

    vehicle_id: str
    kind: VehicleKind
    seats: int
    luggage_capacity: int
    stretchers: int
    available: tuple[DateRange, ...] = ()

    def available_on(self, day: date) -> bool:
        """Whether the vehicle can be used on ``day``."""
        return not self.available or any(day in span for span in self.available)


@dataclass(frozen=True, slots=True)
class FleetEntry:
    """``count`` identical vehicles named ``{prefix}-001``, ``{prefix}-002``... as contracted."""

    prefix: str
    kind: VehicleKind
    count: int
    seats: int
    luggage_capacity: int = 0
    stretchers: int = 0
    available: tuple[DateRange, ...] = ()

    def __post_init__(self) -> None:
        require(bool(self.prefix) and self.prefix.replace("-", "").replace("_", "").isalnum(),
                f"fleet prefix {self.prefix!r} must be letters, digits, - or _", "prefix")
        require(self.count >= 1, f"fleet {self.prefix}: count must be at least 1", "count")
        require(self.seats >= 0 and self.luggage_capacity >= 0 and self.stretchers >= 0,
                f"fleet {self.prefix}: seats, luggage capacity and stretchers cannot be negative",
                "seats")
        if self.kind is VehicleKind.BUS:
            require(self.seats >= 1, f"fleet {self.prefix}: a bus needs seats", "seats")
            require(self.stretchers == 0, f"fleet {self.prefix}: a bus carries no stretchers; "
                    "use an ambulance", "stretchers")
        elif self.kind is VehicleKind.AMBULANCE:
            require(self.stretchers >= 1, f"fleet {self.prefix}: an ambulance needs at least one "
                    "stretcher", "stretchers")
        else:
            require(self.luggage_capacity >= 1, f"fleet {self.prefix}: a luggage truck needs a "
                    "luggage capacity", "luggage_capacity")
            require(self.stretchers == 0, f"fleet {self.prefix}: a luggage truck carries no "
                    "stretchers", "stretchers")

    def vehicles(self) -> Iterator[Vehicle]:
        """The named vehicles of this entry."""
        width = max(3, len(str(self.count)))
        for number in range(1, self.count + 1):
            yield Vehicle(f"{self.prefix}-{number:0{width}d}", self.kind, self.seats,
                          self.luggage_capacity, self.stretchers, self.available)
