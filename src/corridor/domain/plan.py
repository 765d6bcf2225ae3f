"""A plan: convoys on days, vehicle trips with their manifests, and how good the plan is.

A plan is data only. The planner makes one; the checker (an independent implementation of every
rule) accepts or rejects it; nothing else decides whether a plan is valid.

Times are local wall-clock times of the operation (its ``timezone``), as naive datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from corridor.domain.errors import require
from corridor.domain.fleet import VehicleKind


@dataclass(frozen=True, slots=True)
class ManifestLine:
    """Part (or all) of one household on one vehicle trip.

    ``persons`` travel on this vehicle (seated, or on a stretcher when listed in ``on_stretcher``);
    ``luggage_pieces`` of the household are carried in this vehicle (the hold of a bus, the load
    of a truck). A luggage truck's lines have no persons.
    """

    household_id: str
    persons: tuple[str, ...]
    on_stretcher: tuple[str, ...] = ()
    luggage_pieces: int = 0

    def __post_init__(self) -> None:
        require(self.luggage_pieces >= 0, "luggage pieces cannot be negative", "luggage_pieces")
        require(set(self.on_stretcher) <= set(self.persons),
                "a person on a stretcher must be one of the line's persons", "on_stretcher")
        for name in ("persons", "on_stretcher"):
            listed: tuple[str, ...] = getattr(self, name)
            require(len(set(listed)) == len(listed),
                    f"a manifest line of household {self.household_id} lists "
                    f"{', '.join(sorted({p for p in listed if listed.count(p) > 1}))} twice in "
                    f"{name}", name)
        require(bool(self.persons) or self.luggage_pieces > 0,
                f"a manifest line of household {self.household_id} carries nothing", "persons")


@dataclass(frozen=True, slots=True)
class VehicleTrip:
    """One vehicle's trip in a convoy, with what it carries."""

    vehicle_id: str
    kind: VehicleKind
    lines: tuple[ManifestLine, ...]

    @property
    def seated(self) -> int:
        """Persons in seats (not on stretchers)."""
        return sum(len(line.persons) - len(line.on_stretcher) for line in self.lines)

    @property
    def on_stretchers(self) -> int:
        """Persons on stretchers."""
        return sum(len(line.on_stretcher) for line in self.lines)

    @property
    def luggage_pieces(self) -> int:
        """Pieces of luggage carried."""
        return sum(line.luggage_pieces for line in self.lines)


@dataclass(frozen=True, slots=True)
class Convoy:
    """Vehicles that leave together on one day for one destination.

    ``departure`` is when the convoy leaves the checkpoint; it arrives its destination's
    ``travel`` (whole minutes) later. A ``locked`` convoy's manifest is final: re-planning never
    changes it.
    """

    convoy_id: str
    day: date
    departure: datetime
    destination: str
    trips: tuple[VehicleTrip, ...]
    locked: bool = False

    def __post_init__(self) -> None:
        require(self.departure.date() == self.day,
                f"convoy {self.convoy_id} departs on {self.departure:%Y-%m-%d}, not on its day "
                f"{self.day}", "departure")
        require(bool(self.trips), f"convoy {self.convoy_id} has no vehicles", "trips")

    @property
    def people(self) -> int:
        """Persons in the convoy."""
        return sum(trip.seated + trip.on_stretchers for trip in self.trips)


class BoundKind(StrEnum):
    """What a lower bound bounds."""

    DAYS = "days"
    TRIPS = "trips"


@dataclass(frozen=True, slots=True)
class Bound:
    """A proven lower bound and the constraint it comes from, in one sentence."""

    kind: BoundKind
    name: str
    value: int
    constraint: str
    explanation: str


class UnplannedReason(StrEnum):
    """Why a household is in no convoy."""

    UNDECIDED = "undecided"
    INFEASIBLE = "infeasible"
    NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True, slots=True)
class Unplanned:
    """A household with people who may leave but are not planned, and why."""

    household_id: str
    people: int
    reason: UnplannedReason
    explanation: str


@dataclass(frozen=True, slots=True)
class Pin:
    """A coordinator's decision: this household leaves on that day (and in that convoy, if set)."""

    household_id: str
    day: date
    convoy_id: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """Days, convoys, vehicle trips and manifests, with the bounds that say how good it is.

    ``days`` counts calendar days from the window's first day to the last arrival, both
    included. ``proven_optimal_days`` is true when no plan can take fewer days.
    """

    operation_id: str
    agreement_version: str
    seed: int
    convoys: tuple[Convoy, ...]
    unplanned: tuple[Unplanned, ...]
    bounds: tuple[Bound, ...]
    days: int
    proven_optimal_days: bool
    binding_constraint: str
    pins: tuple[Pin, ...] = ()
    split_households: tuple[str, ...] = ()

    @property
    def trips(self) -> int:
        """Vehicle trips of every kind."""
        return sum(len(convoy.trips) for convoy in self.convoys)

    @property
    def people(self) -> int:
        """People planned."""
        return sum(convoy.people for convoy in self.convoys)

    def best_bound(self, kind: BoundKind) -> Bound | None:
        """The highest lower bound of a kind."""
        candidates = [bound for bound in self.bounds if bound.kind is kind]
        return max(candidates, key=lambda bound: bound.value) if candidates else None

    @property
    def day_gap(self) -> int:
        """Days above the best lower bound on days (0: the plan is as short as can be)."""
        bound = self.best_bound(BoundKind.DAYS)
        return self.days - bound.value if bound else self.days
