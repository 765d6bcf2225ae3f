"""The domain: frozen values and rules, standard library only, no I/O and no clock."""

from corridor.domain.agreement import Agreement, DateRange, Party, Phase, Terms
from corridor.domain.errors import (
    AlreadyExists,
    CorridorError,
    DatabaseNotInitialised,
    DatabaseUnreachable,
    InvalidValue,
    NotFound,
    Problem,
    ScenarioRejected,
    StoreError,
)
from corridor.domain.fleet import FleetEntry, Vehicle, VehicleKind
from corridor.domain.operation import (
    Operation,
    RecordKind,
    ReferenceProblem,
    Scenario,
    reference_problems,
)
from corridor.domain.registry import (
    AgeBand,
    Category,
    Household,
    Intent,
    LinkKind,
    Person,
    Sex,
    Vulnerability,
)
from corridor.domain.rules import ConvoyRules, PriorityWeights
from corridor.domain.sites import AssemblyPoint, Checkpoint, Coordinates, Destination

__all__ = [
    "AgeBand",
    "Agreement",
    "AlreadyExists",
    "AssemblyPoint",
    "Category",
    "Checkpoint",
    "ConvoyRules",
    "Coordinates",
    "CorridorError",
    "DatabaseNotInitialised",
    "DatabaseUnreachable",
    "DateRange",
    "Destination",
    "FleetEntry",
    "Household",
    "Intent",
    "InvalidValue",
    "LinkKind",
    "NotFound",
    "Operation",
    "Party",
    "Person",
    "Phase",
    "PriorityWeights",
    "Problem",
    "RecordKind",
    "ReferenceProblem",
    "Scenario",
    "ScenarioRejected",
    "Sex",
    "StoreError",
    "Terms",
    "Vehicle",
    "VehicleKind",
    "Vulnerability",
    "reference_problems",
]
