"""Convoy rules and priority weights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from corridor.domain.errors import require


@dataclass(frozen=True, slots=True)
class ConvoyRules:
    """How convoys may be formed and when they may leave (no night driving)."""

    max_vehicles_per_convoy: int
    max_convoys_per_day: int
    departure_earliest: time
    departure_latest: time
    rest_hours: float
    min_ambulances_per_convoy: int

    def __post_init__(self) -> None:
        require(self.max_vehicles_per_convoy >= 1, "a convoy must be allowed at least one vehicle",
                "max_vehicles_per_convoy")
        require(self.max_convoys_per_day >= 1, "at least one convoy a day must be allowed",
                "max_convoys_per_day")
        for name in ("departure_earliest", "departure_latest"):
            moment: time = getattr(self, name)
            require(moment.second == 0 and moment.microsecond == 0,
                    f"{name.replace('_', ' ')} {moment.isoformat()} must be a whole minute "
                    f"(HH:MM, e.g. {moment:%H:%M})", name)
        require(self.departure_earliest <= self.departure_latest,
                f"the earliest departure {self.departure_earliest:%H:%M} is after the latest "
                f"{self.departure_latest:%H:%M}", "departure_latest")
        require(0 <= self.rest_hours <= 72, "rest hours must be between 0 and 72", "rest_hours")
        require(0 <= self.min_ambulances_per_convoy < self.max_vehicles_per_convoy,
                "the fewest ambulances a convoy must be at least 0 and below the most vehicles "
                "a convoy", "min_ambulances_per_convoy")

    @property
    def rest_minutes(self) -> int:
        """The rest after a round trip in whole minutes, as every rule counts it (rounded)."""
        return round(self.rest_hours * 60)


@dataclass(frozen=True, slots=True)
class PriorityWeights:
    """How much earlier each group should leave: medical emergencies, other vulnerable, the rest."""

    medical_emergency: float = 10.0
    vulnerable: float = 3.0
    other: float = 1.0

    def __post_init__(self) -> None:
        require(self.other > 0, "the weight of the rest must be positive", "other")
        require(self.medical_emergency >= self.vulnerable >= self.other,
                "weights must not decrease from medical emergencies to other vulnerable people "
                "to the rest", "medical_emergency")
