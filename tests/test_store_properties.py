"""Whatever valid registry goes into the store comes back equal (Hypothesis)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.domain import (
    Category,
    Household,
    Intent,
    LinkKind,
    Person,
    Scenario,
    Sex,
    Vulnerability,
)
from corridor.store import Database
from tests import builders
from tests.store_databases import DATABASE_KINDS, custody_in, new_database_url

OPERATION = builders.operation()

# Ids as the domain allows them (no comma, no surrounding space, at most 64 characters), with
# letters beyond ASCII; text without control characters or lone surrogates, which neither a CSV
# file nor PostgreSQL can hold.
IDS = st.text(alphabet=st.characters(categories=("L", "N"), include_characters="-_./"),
              min_size=1, max_size=64)
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), min_size=1,
               max_size=40).map(str.strip).filter(bool)
PHONES = st.from_regex(r"\+?[0-9]{6,15}", fullmatch=True)


@st.composite
def persons_of(draw: st.DrawFn, household_id: str, person_ids: st.SearchStrategy[str]) -> Person:
    """One valid person of ``household_id``."""
    vulnerabilities = draw(st.frozensets(st.sampled_from(Vulnerability)))
    birth_year = draw(st.none() | st.integers(1880, 2200))
    return Person(
        draw(person_ids), household_id, draw(TEXT), draw(st.sampled_from(Sex)),
        draw(st.sampled_from(Category)), draw(st.sampled_from(Intent)),
        birth_year=birth_year,
        age=draw(st.integers(0, 120) if birth_year is None else st.none() | st.integers(0, 120)),
        vulnerabilities=vulnerabilities,
        needs_stretcher=(Vulnerability.MEDICAL_EMERGENCY in vulnerabilities
                         and draw(st.booleans())),
        luggage_pieces=draw(st.integers(0, 20)))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A valid scenario of one to four households with one to three persons each."""
    household_ids = draw(st.lists(IDS, min_size=1, max_size=4, unique=True))
    households = []
    for household_id in household_ids:
        others = [other for other in household_ids if other != household_id]
        linked_to = draw(st.none() | st.sampled_from(others)) if others else None
        households.append(Household(
            household_id, draw(st.sampled_from([ap.site_id for ap in OPERATION.assembly_points])),
            draw(st.none() | st.sampled_from(OPERATION.agreement.destinations)),
            linked_to, None if linked_to is None else draw(st.sampled_from(LinkKind)),
            draw(st.none() | PHONES)))
    used: set[str] = set()
    person_ids = IDS.filter(lambda person_id: person_id not in used)
    persons = []
    for household_id in household_ids:
        for _ in range(draw(st.integers(1, 3))):
            person = draw(persons_of(household_id, person_ids))
            used.add(person.person_id)
            persons.append(person)
    return Scenario(OPERATION, tuple(households), tuple(draw(st.permutations(persons))))


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def store(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One initialised database per kind for every example of this module."""
    folder = tmp_path_factory.mktemp("store")
    url = new_database_url(request.param, folder, request)
    with Database.open(url, custody_in(folder)) as database:
        database.upgrade()
        yield database


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_any_valid_registry_round_trips(store: Database, scenario: Scenario) -> None:
    """Import (replacing the last example) then load gives back an equal scenario."""
    store.import_scenario(scenario, replace=True, actor="tester")
    assert store.load_scenario(OPERATION.operation_id, actor="tester", reason="test") == scenario
