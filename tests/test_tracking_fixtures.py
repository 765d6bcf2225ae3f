"""A small crossing for the tracking tests: its registry, its plan, phones and a frozen clock.

No tests here: the tracking test modules build their fixtures from these functions.

Households: H1 (P1, P2, P3) on BUS-001 of convoy C1; H2 (P4) stays under the settlement and is
on no manifest; H3 (P5, P6) on BUS-002 of C1; H4 (P7) on BUS-001 of C2, the next day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import count

from corridor.domain import (
    Category,
    Convoy,
    Intent,
    ManifestLine,
    Plan,
    Scenario,
    VehicleKind,
    VehicleTrip,
)
from corridor.domain.events import Event
from corridor.tracking.memory_log import MemoryEventLog
from corridor.tracking.roster import Roster
from corridor.tracking.scans import ScanContext
from tests.builders import household, operation, person

OPENING = datetime(2017, 3, 20, 6, 0)
"""The frozen clock: the server's time of every scan in these tests."""


def crossing() -> Scenario:
    """Four households at the al-Waer football ground."""
    households = (household("H1"), household("H2"), household("H3"), household("H4"))
    persons = (
        person("P1", "H1"), person("P2", "H1", name="Omar Haddad"),
        person("P3", "H1", name="Lina Haddad", birth_year=2013),
        person("P4", "H2", name="Khaled Nasser", category=Category.COMBATANT,
               intent=Intent.STAY),
        person("P5", "H3", name="Rana Darwish"), person("P6", "H3", name="Sami Darwish"),
        person("P7", "H4", name="Huda Saleh"),
    )
    return Scenario(operation(), households, persons)


def _trip(vehicle_id: str, *lines: tuple[str, tuple[str, ...]]) -> VehicleTrip:
    return VehicleTrip(vehicle_id, VehicleKind.BUS,
                       tuple(ManifestLine(h, persons) for h, persons in lines))


def crossing_plan() -> Plan:
    """Convoy C1 on 20 March (BUS-001: H1; BUS-002: H3), convoy C2 on 21 March (BUS-001: H4)."""
    first = Convoy("C1", date(2017, 3, 20), datetime(2017, 3, 20, 9, 0), "jarablus",
                   (_trip("BUS-001", ("H1", ("P1", "P2", "P3"))),
                    _trip("BUS-002", ("H3", ("P5", "P6")))))
    second = Convoy("C2", date(2017, 3, 21), datetime(2017, 3, 21, 9, 0), "idlib",
                    (_trip("BUS-001", ("H4", ("P7",))),))
    return Plan("al-waer-test", "2017-03-13", 1, (first, second), (), (), 2, True, "fleet")


def crossing_roster() -> Roster:
    """The crossing's registry and plan, indexed."""
    return Roster(crossing(), crossing_plan())


def phone(roster: Roster, device: str = "phone-1", officer: str = "officer-amal",
          may: Callable[[str], bool] = lambda action: True) -> ScanContext:
    """A checkpoint phone under the frozen clock; by default every action is permitted."""
    return ScanContext(roster, officer, device, OPENING, may)


def supervisor(roster: Roster) -> ScanContext:
    """The coordinator's laptop."""
    return ScanContext(roster, "coordinator-rami", "laptop-1", OPENING, lambda action: True)


class Field:
    """A log, a roster, fresh nonces and device times that move on by a minute a scan."""

    def __init__(self) -> None:
        self.roster = crossing_roster()
        self.log = MemoryEventLog()
        self._numbers = count(1)

    def nonce(self) -> str:
        """A nonce not used yet."""
        return f"n{next(self._numbers):04d}"

    def at(self, minutes: int) -> datetime:
        """The device time ``minutes`` after the opening."""
        return OPENING + timedelta(minutes=minutes)

    def all(self) -> list[Event]:
        """Every stored event."""
        return list(self.log.events(self.roster.operation_id))
