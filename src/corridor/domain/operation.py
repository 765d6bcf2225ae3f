"""An operation (agreement, sites, fleet, rules) and a scenario (an operation and its registry)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from corridor.domain.agreement import Agreement
from corridor.domain.errors import InvalidValue, require
from corridor.domain.fleet import FleetEntry, Vehicle
from corridor.domain.registry import Household, Intent, Person
from corridor.domain.retention import Retention
from corridor.domain.rules import ConvoyRules, PriorityWeights
from corridor.domain.sites import AssemblyPoint, Checkpoint, Destination


@dataclass(frozen=True, slots=True)
class Operation:
    """One evacuation under one agreement: everything but the registry."""

    operation_id: str
    name: str
    timezone: str
    agreement: Agreement
    assembly_points: tuple[AssemblyPoint, ...]
    checkpoint: Checkpoint
    destinations: tuple[Destination, ...]
    fleet: tuple[FleetEntry, ...]
    convoy_rules: ConvoyRules
    priorities: PriorityWeights = field(default_factory=PriorityWeights)
    retention: Retention = field(default_factory=Retention)

    def __post_init__(self) -> None:
        require(bool(self.operation_id) and self.operation_id.replace("-", "").replace("_", "")
                .isalnum(), f"operation id {self.operation_id!r} must be letters, digits, - or _",
                "id")
        require(bool(self.name.strip()), "the operation needs a name", "name")
        require(bool(self.assembly_points), "the operation needs at least one assembly point",
                "assembly_points")
        site_ids = [site.site_id for site in self.assembly_points]
        site_ids += [self.checkpoint.site_id]
        site_ids += [site.site_id for site in self.destinations]
        duplicates = sorted({s for s in site_ids if site_ids.count(s) > 1})
        require(not duplicates, f"site ids are used twice: {', '.join(duplicates)}", "id")
        known = {site.site_id for site in self.destinations}
        unknown = [d for d in self.agreement.destinations if d not in known]
        require(not unknown, "the agreement names destinations that are not sites: "
                f"{', '.join(unknown)}", "agreement.destinations")
        prefixes = [entry.prefix for entry in self.fleet]
        require(len(set(prefixes)) == len(prefixes), "two fleet entries have the same prefix",
                "fleet")

    def destination(self, site_id: str) -> Destination:
        """The destination with that id."""
        for site in self.destinations:
            if site.site_id == site_id:
                return site
        raise InvalidValue(f"there is no destination {site_id!r}", "destination")

    def vehicles(self) -> Iterator[Vehicle]:
        """Every named vehicle of the fleet."""
        for entry in self.fleet:
            yield from entry.vehicles()


class RecordKind(StrEnum):
    """Which list of the registry a reference problem is in."""

    HOUSEHOLD = "household"
    PERSON = "person"


@dataclass(frozen=True, slots=True)
class ReferenceProblem:
    """A reference that does not resolve: the record (by list and position), its field, why.

    ``target`` is the household id the problem is about, so that a reader can leave out problems
    that only follow from a row it could not read.
    """

    record: RecordKind
    index: int
    field: str
    message: str
    target: str


def reference_problems(operation: Operation | None, households: Sequence[Household],
                       persons: Sequence[Person]) -> Iterator[ReferenceProblem]:
    """Every id used twice and every reference that does not resolve, in list order.

    Without an operation (it could not be read), references to sites are not checked.
    """
    assembly_points = {site.site_id for site in operation.assembly_points} if operation else None
    destinations = set(operation.agreement.destinations) if operation else None
    household_ids: set[str] = set()
    for index, household in enumerate(households):
        if household.household_id in household_ids:
            yield ReferenceProblem(RecordKind.HOUSEHOLD, index, "household_id",
                                   f"household {household.household_id} is listed twice",
                                   household.household_id)
        household_ids.add(household.household_id)
    members: set[str] = set()
    for index, household in enumerate(households):
        if assembly_points is not None and household.assembly_point not in assembly_points:
            yield ReferenceProblem(RecordKind.HOUSEHOLD, index, "assembly_point",
                                   f"{household.assembly_point!r} is not an assembly point of "
                                   "the operation", household.household_id)
        preference = household.destination_preference
        if destinations is not None and preference is not None and preference not in destinations:
            yield ReferenceProblem(RecordKind.HOUSEHOLD, index, "destination_preference",
                                   f"{preference!r} is not a destination of the agreement",
                                   household.household_id)
        if household.linked_to is not None and household.linked_to not in household_ids:
            yield ReferenceProblem(RecordKind.HOUSEHOLD, index, "linked_to",
                                   f"household {household.linked_to} does not exist",
                                   household.linked_to)
    person_ids: set[str] = set()
    for index, person in enumerate(persons):
        if person.person_id in person_ids:
            yield ReferenceProblem(RecordKind.PERSON, index, "person_id",
                                   f"person {person.person_id} is listed twice",
                                   person.household_id)
        person_ids.add(person.person_id)
        if person.household_id not in household_ids:
            yield ReferenceProblem(RecordKind.PERSON, index, "household_id",
                                   f"household {person.household_id} does not exist",
                                   person.household_id)
        members.add(person.household_id)
    for index, household in enumerate(households):
        if household.household_id not in members:
            yield ReferenceProblem(RecordKind.HOUSEHOLD, index, "household_id",
                                   f"household {household.household_id} has no members",
                                   household.household_id)


@dataclass(frozen=True, slots=True)
class Scenario:
    """An operation and its registry, with every reference resolved."""

    operation: Operation
    households: tuple[Household, ...]
    persons: tuple[Person, ...]

    def __post_init__(self) -> None:
        problem = next(reference_problems(self.operation, self.households, self.persons), None)
        if problem is not None:
            raise InvalidValue(f"{problem.record} {problem.index + 1}: {problem.message}",
                               problem.field)

    def leaving(self) -> Iterator[Person]:
        """The persons whose intent is to leave."""
        return (person for person in self.persons if person.intent is Intent.LEAVE)

    @property
    def reference_year(self) -> int:
        """The year ages are counted in: the year the agreement's window opens."""
        return self.operation.agreement.window.start.year
