"""The registry and the current plan, indexed once for the scans and the projections."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from corridor.domain import Convoy, Household, Person, Plan, Scenario
from corridor.domain.errors import require


@dataclass(frozen=True, slots=True)
class Place:
    """Where a person travels: a convoy, a vehicle in it, its destination and its day."""

    convoy_id: str
    vehicle_id: str
    destination: str
    day: date


class Roster:
    """Who is registered, in which household, and on which trip of the current plan.

    Build one per plan (it indexes the whole registry) and share it between scans: it is never
    changed after it is built.
    """

    def __init__(self, scenario: Scenario, plan: Plan) -> None:
        operation_id = scenario.operation.operation_id
        require(plan.operation_id == operation_id, f"the plan is for operation "
                f"{plan.operation_id}, the registry for {operation_id}", "plan")
        self.operation_id = operation_id
        self.scenario = scenario
        self.plan = plan
        members: dict[str, list[str]] = {}
        for person in scenario.persons:
            members.setdefault(person.household_id, []).append(person.person_id)
        self._members = {household: tuple(ids) for household, ids in members.items()}
        self._households = {h.household_id: h for h in scenario.households}
        self._persons = {p.person_id: p for p in scenario.persons}
        self._convoys = {convoy.convoy_id: convoy for convoy in plan.convoys}
        planned: dict[str, Place] = {}
        for convoy in plan.convoys:
            for trip in convoy.trips:
                place = Place(convoy.convoy_id, trip.vehicle_id, convoy.destination, convoy.day)
                for line in trip.lines:
                    for person_id in line.persons:
                        planned.setdefault(person_id, place)
        self._planned = planned

    @property
    def persons(self) -> Mapping[str, Person]:
        """Every registered person by id."""
        return MappingProxyType(self._persons)

    def household(self, household_id: str) -> Household | None:
        """The household with that id, or None when it is not registered."""
        return self._households.get(household_id)

    def members(self, household_id: str) -> tuple[str, ...]:
        """The person ids of a household, in registry order (empty when unknown)."""
        return self._members.get(household_id, ())

    def planned(self, person_id: str) -> Place | None:
        """Where the plan puts a person, or None when they are on no manifest."""
        return self._planned.get(person_id)

    def convoy(self, convoy_id: str | None) -> Convoy | None:
        """The convoy of the plan with that id, or None."""
        return None if convoy_id is None else self._convoys.get(convoy_id)

    def has_vehicle(self, convoy_id: str, vehicle_id: str) -> bool:
        """Whether the vehicle makes a trip in the convoy."""
        convoy = self._convoys.get(convoy_id)
        return convoy is not None and any(t.vehicle_id == vehicle_id for t in convoy.trips)
