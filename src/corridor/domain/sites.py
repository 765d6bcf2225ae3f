"""Sites: assembly points, the checkpoint and the destinations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta

from corridor.domain.errors import require

_PCODE = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,12}$")


@dataclass(frozen=True, slots=True)
class Coordinates:
    """A WGS 84 position in decimal degrees."""

    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        require(-90.0 <= self.latitude <= 90.0,
                f"latitude {self.latitude} is not between -90 and 90", "latitude")
        require(-180.0 <= self.longitude <= 180.0,
                f"longitude {self.longitude} is not between -180 and 180", "longitude")


def _valid_site_id(site_id: str) -> bool:
    return bool(site_id) and site_id == site_id.strip() and "," not in site_id


@dataclass(frozen=True, slots=True)
class AssemblyPoint:
    """Where households gather and check in before the checkpoint."""

    site_id: str
    name: str
    coordinates: Coordinates | None = None

    def __post_init__(self) -> None:
        require(_valid_site_id(self.site_id), f"site id {self.site_id!r} is empty or has a comma "
                "or surrounding spaces", "id")
        require(bool(self.name.strip()), f"assembly point {self.site_id} needs a name", "name")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The search checkpoint everyone passes. Both hourly rates bind, per lane."""

    site_id: str
    name: str
    lanes: int
    people_per_hour_per_lane: int
    vehicles_per_hour_per_lane: int
    opens: time
    closes: time
    coordinates: Coordinates | None = None

    def __post_init__(self) -> None:
        require(_valid_site_id(self.site_id), f"site id {self.site_id!r} is empty or has a comma "
                "or surrounding spaces", "id")
        require(bool(self.name.strip()), "the checkpoint needs a name", "name")
        require(self.lanes >= 1, "the checkpoint needs at least one lane", "lanes")
        require(self.people_per_hour_per_lane >= 1,
                "people an hour per lane must be at least 1", "people_per_hour_per_lane")
        require(self.vehicles_per_hour_per_lane >= 1,
                "vehicles an hour per lane must be at least 1", "vehicles_per_hour_per_lane")
        for name in ("opens", "closes"):
            moment: time = getattr(self, name)
            require(moment.second == 0 and moment.microsecond == 0,
                    f"the checkpoint's {name} time {moment.isoformat()} must be a whole minute "
                    f"(HH:MM, e.g. {moment:%H:%M})", name)
        require(self.opens < self.closes, f"the checkpoint opens at {self.opens:%H:%M}, not "
                f"before it closes at {self.closes:%H:%M}", "closes")

    @property
    def open_hours(self) -> float:
        """Hours the checkpoint is open each day."""
        opens = self.opens.hour * 60 + self.opens.minute
        closes = self.closes.hour * 60 + self.closes.minute
        return (closes - opens) / 60

    @property
    def people_per_day(self) -> int:
        """The most people the checkpoint can screen in one day."""
        return int(self.lanes * self.people_per_hour_per_lane * self.open_hours)

    @property
    def vehicles_per_day(self) -> int:
        """The most vehicles the checkpoint can clear in one day."""
        return int(self.lanes * self.vehicles_per_hour_per_lane * self.open_hours)


@dataclass(frozen=True, slots=True)
class Destination:
    """Where people are taken: travel time from the checkpoint and reception capacity a day."""

    site_id: str
    name: str
    pcode: str
    coordinates: Coordinates
    travel_hours: float
    reception_capacity_per_day: int
    accepts_combatants: bool = True

    def __post_init__(self) -> None:
        require(_valid_site_id(self.site_id), f"site id {self.site_id!r} is empty or has a comma "
                "or surrounding spaces", "id")
        require(bool(self.name.strip()), f"destination {self.site_id} needs a name", "name")
        require(bool(_PCODE.match(self.pcode)), f"P-code {self.pcode!r} of {self.site_id} must "
                "be two capital letters and up to 12 capital letters or digits (e.g. SY0200)",
                "pcode")
        require(0 < self.travel_hours <= 72 and self.travel_minutes >= 1,
                f"travel hours to {self.site_id} must be at least a minute (0.0167) and at most "
                "72", "travel_hours")
        require(self.reception_capacity_per_day >= 1,
                f"reception capacity of {self.site_id} must be at least 1 person a day",
                "reception_capacity_per_day")

    @property
    def travel_minutes(self) -> int:
        """Travel time from the checkpoint in whole minutes, as every rule counts it (rounded:
        17.995 hours is 1,080 minutes), so that the planner and the checker agree on the day a
        convoy arrives."""
        return round(self.travel_hours * 60)

    @property
    def travel(self) -> timedelta:
        """Travel time from the checkpoint (``travel_minutes``)."""
        return timedelta(minutes=self.travel_minutes)
