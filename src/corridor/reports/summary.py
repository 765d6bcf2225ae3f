"""What a coordinator wants to see first of a scenario: who leaves, where to, and the fleet."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from corridor.domain import AgeBand, Category, Intent, Scenario, Sex, VehicleKind, Vulnerability

NO_PREFERENCE = "no preference yet"


@dataclass(frozen=True, slots=True)
class FleetLine:
    """One kind of vehicle: how many, and what they carry together."""

    kind: VehicleKind
    vehicles: int
    seats: int
    stretchers: int
    luggage_capacity: int


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    """Headline figures of a scenario; every count of people is of people who leave."""

    operation_name: str
    agreement_version: str
    window_start: date
    window_end: date
    people_leaving: int
    households_leaving: int
    people_staying: int
    people_undecided: int
    by_destination: tuple[tuple[str, int], ...]
    by_category: tuple[tuple[Category, int], ...]
    by_sex: tuple[tuple[Sex, int], ...]
    by_age_band: tuple[tuple[AgeBand, int], ...]
    by_vulnerability: tuple[tuple[Vulnerability, int], ...]
    vulnerable_people: int
    stretcher_cases: int
    luggage_pieces: int
    fleet: tuple[FleetLine, ...]


def summarise(scenario: Scenario) -> ScenarioSummary:
    """Count the people who leave by destination, category, sex, age band and vulnerability."""
    operation = scenario.operation
    names = {site.site_id: site.name for site in operation.destinations}
    preference = {household.household_id: household.destination_preference
                  for household in scenario.households}
    year = scenario.reference_year
    intents: Counter[Intent] = Counter()
    destinations: Counter[str] = Counter()
    categories: Counter[Category] = Counter()
    sexes: Counter[Sex] = Counter()
    bands: Counter[AgeBand] = Counter()
    vulnerabilities: Counter[Vulnerability] = Counter()
    households: set[str] = set()
    vulnerable = stretchers = luggage = 0
    for person in scenario.persons:
        intents[person.intent] += 1
        if person.intent is not Intent.LEAVE:
            continue
        households.add(person.household_id)
        wanted = preference[person.household_id]
        destinations[names[wanted] if wanted else NO_PREFERENCE] += 1
        categories[person.category] += 1
        sexes[person.sex] += 1
        bands[AgeBand.of(person.age_in(year))] += 1
        if person.vulnerabilities:
            vulnerable += 1
            vulnerabilities.update(person.vulnerabilities)
        stretchers += person.needs_stretcher
        luggage += person.luggage_pieces
    order = [names[site_id] for site_id in operation.agreement.destinations] + [NO_PREFERENCE]
    fleet = []
    for kind in VehicleKind:
        entries = [entry for entry in operation.fleet if entry.kind is kind]
        if entries:
            fleet.append(FleetLine(kind, sum(e.count for e in entries),
                                   sum(e.count * e.seats for e in entries),
                                   sum(e.count * e.stretchers for e in entries),
                                   sum(e.count * e.luggage_capacity for e in entries)))
    return ScenarioSummary(
        operation_name=operation.name,
        agreement_version=operation.agreement.version,
        window_start=operation.agreement.window.start,
        window_end=operation.agreement.window.end,
        people_leaving=intents[Intent.LEAVE],
        households_leaving=len(households),
        people_staying=intents[Intent.STAY],
        people_undecided=intents[Intent.UNDECIDED],
        by_destination=tuple((name, destinations[name]) for name in order if destinations[name]),
        by_category=tuple((category, categories[category]) for category in Category),
        by_sex=tuple((sex, sexes[sex]) for sex in Sex),
        by_age_band=tuple((band, bands[band]) for band in AgeBand),
        by_vulnerability=tuple((kind, vulnerabilities[kind]) for kind in Vulnerability),
        vulnerable_people=vulnerable,
        stretcher_cases=stretchers,
        luggage_pieces=luggage,
        fleet=tuple(fleet),
    )
