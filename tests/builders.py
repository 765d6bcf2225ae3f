"""Small, valid domain objects for tests, named after what they are; override what a test needs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from typing import Any

from corridor.domain import (
    Agreement,
    AssemblyPoint,
    Category,
    Checkpoint,
    ConvoyRules,
    Coordinates,
    DateRange,
    Destination,
    FleetEntry,
    Household,
    Intent,
    LinkKind,
    Operation,
    Party,
    Person,
    Phase,
    PriorityWeights,
    Scenario,
    Sex,
    Terms,
    VehicleKind,
    Vulnerability,
)


def agreement(**changes: Any) -> Agreement:
    """An al-Waer-like agreement over four weeks with two phases."""
    base = Agreement(
        version="2017-03-13",
        parties=(Party("Government of Syria", "government"),
                 Party("al-Waer negotiating committee", "armed opposition")),
        guarantor="Russian Federation",
        monitors=("SARC", "UN OCHA"),
        terms=Terms(frozenset({Category.CIVILIAN, Category.COMBATANT}), True, 3),
        window=DateRange(date(2017, 3, 18), date(2017, 4, 14)),
        phases=(Phase("first", DateRange(date(2017, 3, 18), date(2017, 3, 31)), 2000,
                      ("jarablus",)),
                Phase("second", DateRange(date(2017, 4, 1), date(2017, 4, 14)))),
        destinations=("jarablus", "idlib"),
    )
    return replace(base, **changes)


def checkpoint(**changes: Any) -> Checkpoint:
    """The al-Waer roundabout checkpoint: two lanes, open 06:00 to 18:00."""
    base = Checkpoint("cp-waer", "al-Waer checkpoint", lanes=2, people_per_hour_per_lane=150,
                      vehicles_per_hour_per_lane=6, opens=time(6), closes=time(18),
                      coordinates=Coordinates(34.7398, 36.6630))
    return replace(base, **changes)


def destinations() -> tuple[Destination, ...]:
    """Jarablus and Idlib with their reception capacity."""
    return (
        Destination("jarablus", "Jarablus (Zogra camp)", "SY020400", Coordinates(36.8175, 38.0106),
                    travel_hours=16.0, reception_capacity_per_day=1500),
        Destination("idlib", "Idlib city", "SY0700", Coordinates(35.9306, 36.6339),
                    travel_hours=12.0, reception_capacity_per_day=800),
    )


def operation(**changes: Any) -> Operation:
    """A complete small operation."""
    base = Operation(
        operation_id="al-waer-test",
        name="al-Waer test operation",
        timezone="Asia/Damascus",
        agreement=agreement(),
        assembly_points=(AssemblyPoint("ap-1", "al-Waer football ground",
                                       Coordinates(34.7420, 36.6612)),),
        checkpoint=checkpoint(),
        destinations=destinations(),
        fleet=(FleetEntry("BUS", VehicleKind.BUS, 10, seats=45, luggage_capacity=90),
               FleetEntry("AMB", VehicleKind.AMBULANCE, 3, seats=2, stretchers=1),
               FleetEntry("TRK", VehicleKind.LUGGAGE_TRUCK, 2, seats=0, luggage_capacity=300,
                          available=(DateRange(date(2017, 3, 20), date(2017, 4, 14)),))),
        convoy_rules=ConvoyRules(max_vehicles_per_convoy=60, max_convoys_per_day=1,
                                 departure_earliest=time(6), departure_latest=time(14),
                                 rest_hours=8.0, min_ambulances_per_convoy=1),
        priorities=PriorityWeights(10.0, 3.0, 1.0),
    )
    return replace(base, **changes)


def household(household_id: str = "H1", **changes: Any) -> Household:
    """A household gathering at the first assembly point, preferring Jarablus."""
    fields: dict[str, Any] = {"assembly_point": "ap-1", "destination_preference": "jarablus"}
    fields.update(changes)
    return Household(household_id, **fields)


def person(person_id: str = "P1", household_id: str = "H1", **changes: Any) -> Person:
    """An adult civilian woman who leaves with two suitcases."""
    fields: dict[str, Any] = {"name": "Amal Haddad", "sex": Sex.FEMALE,
                              "category": Category.CIVILIAN, "intent": Intent.LEAVE,
                              "birth_year": 1985, "luggage_pieces": 2}
    fields.update(changes)
    return Person(person_id, household_id, **fields)


def scenario() -> Scenario:
    """Three households: a family with a stretcher case, a fighter who stays, a linked family."""
    households = (
        household("H1", phone="+963 944 000 001"),
        household("H2", destination_preference=None),
        household("H3", destination_preference="idlib", linked_to="H1",
                  link_kind=LinkKind.EXTENDED_FAMILY),
    )
    persons = (
        person("P1", "H1"),
        person("P2", "H1", name="Omar Haddad", sex=Sex.MALE, birth_year=1950,
               vulnerabilities=frozenset({Vulnerability.MEDICAL_EMERGENCY,
                                          Vulnerability.ELDERLY}), needs_stretcher=True),
        person("P3", "H1", name="Lina Haddad", birth_year=None, age=4, luggage_pieces=0),
        person("P4", "H2", name="Khaled Nasser", sex=Sex.MALE, category=Category.COMBATANT,
               intent=Intent.STAY, birth_year=1990),
        person("P5", "H3", name="Rana Haddad", intent=Intent.UNDECIDED,
               vulnerabilities=frozenset({Vulnerability.PREGNANCY})),
    )
    return Scenario(operation(), households, persons)
