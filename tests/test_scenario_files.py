"""Scenario folders load and save exactly; bad files are rejected whole with every problem."""

from __future__ import annotations

import string
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.domain import (
    Category,
    Household,
    Intent,
    LinkKind,
    Person,
    Problem,
    Scenario,
    ScenarioRejected,
    Sex,
    Vulnerability,
)
from corridor.interop.operation_toml import operation_from_toml, operation_to_toml
from corridor.interop.scenario_files import RegistryFormat, load_scenario, save_scenario
from tests import builders


@pytest.fixture
def scenario_folder(tmp_path: Path) -> Path:
    """A valid scenario folder written from the builders' scenario."""
    folder = tmp_path / "scenario"
    save_scenario(builders.scenario(), folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(folder: Path) -> list[str]:
    with pytest.raises(ScenarioRejected) as rejected:
        load_scenario(folder)
    return [str(problem) for problem in rejected.value.problems]


def test_saved_scenario_loads_back_equal(scenario_folder: Path) -> None:
    """Saving then loading gives an equal scenario."""
    assert load_scenario(scenario_folder) == builders.scenario()


def test_xlsx_registry_loads_back_equal(tmp_path: Path) -> None:
    """The registry may be XLSX instead of CSV; it round-trips the same."""
    save_scenario(builders.scenario(), tmp_path, RegistryFormat.XLSX)
    assert (tmp_path / "persons.xlsx").exists() and not (tmp_path / "persons.csv").exists()
    assert load_scenario(tmp_path) == builders.scenario()


def test_progress_reaches_the_total(scenario_folder: Path) -> None:
    """Loading reports progress up to the number of rows."""
    seen: list[tuple[int, int]] = []
    load_scenario(scenario_folder, lambda done, total: seen.append((done, total)))
    assert seen[-1] == (8, 8)


def test_not_a_whole_number_is_named_by_file_row_and_column(scenario_folder: Path) -> None:
    """The issue's own example: persons.csv row N, column age: "abc" is not a whole number."""
    _edit(scenario_folder / "persons.csv", "female,,4,", "female,,abc,")
    assert _problems(scenario_folder) == [
        'persons.csv row 4, column age: "abc" is not a whole number']


def test_every_problem_of_every_file_is_listed(scenario_folder: Path) -> None:
    """Problems in the TOML, both CSVs and several rows are all reported together."""
    _edit(scenario_folder / "operation.toml", "lanes = 2", 'lanes = "two"')
    _edit(scenario_folder / "households.csv", "H3,ap-1,idlib,H1", "H3,ap-1,idlib,H7")
    _edit(scenario_folder / "persons.csv", "P1,H1,Amal Haddad,female", "P1,H1,Amal Haddad,woman")
    _edit(scenario_folder / "persons.csv", "combatant,stay", "combatant,go")
    assert _problems(scenario_folder) == [
        "operation.toml, checkpoint.lanes: 'two' is not a whole number",
        'persons.csv row 2, column sex: "woman" is not one of female, male',
        'persons.csv row 5, column intent: "go" is not one of leave, stay, undecided',
        "households.csv row 4, column linked_to: household H7 does not exist",
    ]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("P1,H1", "P1,H9", "persons.csv row 2, column household_id: household H9 does not exist"),
    ("P2,H1", "P1,H1", "persons.csv row 3, column person_id: person P1 is listed twice"),
    ("elderly;medical_emergency", "elderly;wounded",
     'persons.csv row 3, column vulnerabilities: "wounded" is not a vulnerability; use '
     "medical_emergency, disability, pregnancy, unaccompanied_child, separated_child, elderly "
     "separated by ;"),
    ("medical_emergency,true", "medical_emergency,maybe",
     'persons.csv row 3, column needs_stretcher: "maybe" is not true or false'),
    ("elderly;medical_emergency,true", "elderly,true",
     "persons.csv row 3, column needs_stretcher: a stretcher is only for a medical emergency: "
     "add medical_emergency to the vulnerabilities or clear needs_stretcher"),
    ("P1,H1,Amal Haddad", "P1,H1,", "persons.csv row 2, column name: is empty; it is required"),
    ("Lina Haddad,female,,4,", "Lina Haddad,female,,,",
     "persons.csv row 4, column age: give the birth year or the age"),
    ("leave,,false,2\n", "leave,,false,2,extra\n",
     "persons.csv row 2: has 12 cells but the header has 11"),
    ("luggage_pieces", "luggage_pieces,colour",
     "persons.csv row 1, column colour: is not a known column; known columns are person_id, "
     "household_id, name, sex, birth_year, age, category, intent, vulnerabilities, "
     "needs_stretcher, luggage_pieces"),
    ("person_id,household_id,name,sex", "person_id,household_id,name,gender",
     "persons.csv row 1, column gender: is not a known column; known columns are person_id, "
     "household_id, name, sex, birth_year, age, category, intent, vulnerabilities, "
     "needs_stretcher, luggage_pieces"),
])
def test_persons_file_problems(scenario_folder: Path, old: str, new: str, expected: str) -> None:
    """Each kind of bad person row is reported with its row, column and reason."""
    _edit(scenario_folder / "persons.csv", old, new)
    assert expected in _problems(scenario_folder)


def test_missing_required_column_is_reported(scenario_folder: Path) -> None:
    """A header without a required column says which column is missing."""
    path = scenario_folder / "persons.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line.split(",", 1)[1] for line in lines) + "\n")
    assert "persons.csv row 1, column person_id: is missing from the header" in \
        _problems(scenario_folder)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("H3,ap-1,idlib,H1", "H3,ap-1,idlib,H7",
     "households.csv row 4, column linked_to: household H7 does not exist"),
    ("H3,ap-1,idlib", "H3,ap-1,homs",
     "households.csv row 4, column destination_preference: 'homs' is not a destination of the "
     "agreement"),
    ("H1,extended_family", "H1,cousins",
     'households.csv row 4, column link_kind: "cousins" is not one of extended_family, guardian'),
    ("+963 944 000 001", "call the mukhtar",
     "households.csv row 2, column phone: phone 'call the mukhtar' must be 6 to 15 digits, "
     "optionally after a +"),
    ("H2,ap-1", "H1,ap-1", "households.csv row 3, column household_id: household H1 is listed "
     "twice"),
])
def test_households_file_problems(scenario_folder: Path, old: str, new: str,
                                  expected: str) -> None:
    """Each kind of bad household row is reported with its row, column and reason."""
    _edit(scenario_folder / "households.csv", old, new)
    assert expected in _problems(scenario_folder)


def test_household_without_members_is_an_error(scenario_folder: Path) -> None:
    """A household nobody belongs to is reported (a registry typo more often than not)."""
    _edit(scenario_folder / "households.csv", "H2,ap-1,,,,\n", "H2,ap-1,,,,\nH4,ap-1,,,,\n")
    assert _problems(scenario_folder) == [
        "households.csv row 4, column household_id: household H4 has no members"]


def test_blank_lines_do_not_shift_row_numbers(scenario_folder: Path) -> None:
    """Blank rows are skipped, and the rows after them keep their spreadsheet numbers."""
    _edit(scenario_folder / "persons.csv", "P2,H1", "\nP2,H9")
    assert _problems(scenario_folder) == [
        "persons.csv row 4, column household_id: household H9 does not exist"]


def test_a_reference_to_an_unreadable_row_is_not_reported_twice(scenario_folder: Path) -> None:
    """When a household row cannot be read, its members do not each say it does not exist."""
    _edit(scenario_folder / "households.csv", "H1,ap-1,jarablus", "H1,ap-1,jarablus,,,,")
    problems = _problems(scenario_folder)
    assert problems == ["households.csv row 2: has 10 cells but the header has 6"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("lanes = 2", "lanes = 2\nlane = 3",
     "operation.toml, checkpoint.lane: is not a known setting: check its spelling or remove it"),
    ('pcode = "SY0700"', 'pcode = "idlib"',
     "operation.toml, destinations[2].pcode: P-code 'idlib' of idlib must be two capital letters "
     "and up to 12 capital letters or digits (e.g. SY0200)"),
    ('opens = "06:00"', 'opens = "6am"',
     "operation.toml, checkpoint.opens: '6am' is not a time of day such as \"06:00\""),
    ('kind = "ambulance"', 'kind = "helicopter"',
     "operation.toml, fleet[2].kind: 'helicopter' is not one of ambulance, bus, luggage_truck"),
    ('guarantor = "Russian Federation"\n', "",
     "operation.toml, agreement.guarantor: is missing: add guarantor = <a text in quotes>"),
    ("start = 2017-03-18\nend = 2017-04-14", "start = 2017-04-18\nend = 2017-04-14",
     "operation.toml, agreement.window.end: the range starts on 2017-04-18 after it ends on "
     "2017-04-14"),
    ('    "idlib",\n]\nparties', '    "idlib",\n    "homs",\n]\nparties',
     "operation.toml, agreement.destinations: the agreement names destinations that are not "
     "sites: homs"),
    ("[convoy_rules]", "[convoy_rule]",
     "operation.toml, convoy_rules: is missing: add a [convoy_rules] table"),
    ("[operation]", "[operation",
     "operation.toml: is not valid TOML: Expected ']' at the end of a table declaration "
     "(at line 8, column 11)"),
])
def test_operation_file_problems(scenario_folder: Path, old: str, new: str,
                                 expected: str) -> None:
    """Each kind of bad operation.toml entry is reported by its dotted key."""
    _edit(scenario_folder / "operation.toml", old, new)
    assert expected in _problems(scenario_folder)


def test_missing_files_are_named(tmp_path: Path, scenario_folder: Path) -> None:
    """A folder without its files, or that is not a folder, says what to add."""
    (scenario_folder / "persons.csv").unlink()
    assert any("persons.csv: is missing from" in p for p in _problems(scenario_folder))
    assert _problems(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}: is not a folder; give the folder that holds operation.toml, "
        "households.csv and persons.csv"]


def test_csv_and_xlsx_of_the_same_table_is_ambiguous(scenario_folder: Path) -> None:
    """Two versions of one table would be a guess; the loader refuses to guess."""
    (scenario_folder / "persons.xlsx").write_bytes(b"")
    assert _problems(scenario_folder) == [
        "persons.xlsx: both persons.csv and persons.xlsx exist; keep only one"]


def test_damaged_xlsx_is_reported(scenario_folder: Path) -> None:
    """A file that is not a workbook is named, not a traceback."""
    (scenario_folder / "persons.csv").unlink()
    (scenario_folder / "persons.xlsx").write_bytes(b"not a zip")
    assert any(p.startswith("persons.xlsx: cannot be read as an XLSX workbook")
               for p in _problems(scenario_folder))


def test_save_is_canonical_and_never_half_written(tmp_path: Path) -> None:
    """Saving twice gives the same bytes, and no partial file is left behind."""
    save_scenario(builders.scenario(), tmp_path / "a")
    save_scenario(load_scenario(tmp_path / "a"), tmp_path / "b")
    for name in ("operation.toml", "households.csv", "persons.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "households.csv", "operation.toml", "persons.csv"]


def test_problem_list_is_capped_for_huge_files(scenario_folder: Path) -> None:
    """A systematically broken big file stops after enough problems to say what is wrong."""
    rows = "".join(f"P{n},H1,Name {n},female,xx,,civilian,leave,,false,1\n"
                   for n in range(10, 10_100))
    path = scenario_folder / "persons.csv"
    path.write_text(path.read_text() + rows)
    with pytest.raises(ScenarioRejected) as rejected:
        load_scenario(scenario_folder)
    assert len(rejected.value.problems) == 10_001
    assert rejected.value.problems[-1] == Problem("persons.csv", None, None,
                                                  "reading stopped after 10000 problems")


# --- round trip on random registries -------------------------------------------------------

_ids = st.text(string.ascii_letters + string.digits + "-_/", min_size=1, max_size=12)
_names = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs"),
                               exclude_characters="\x85\u2028\u2029"), min_size=1, max_size=30) \
    .map(str.strip).filter(bool)


@st.composite
def registries(draw: st.DrawFn) -> Scenario:
    """A random valid registry on the builders' operation."""
    operation = builders.operation()
    household_ids = draw(st.lists(_ids, min_size=1, max_size=6, unique=True))
    households = []
    for index, household_id in enumerate(household_ids):
        linked = draw(st.sampled_from([None, *household_ids[:index]]))
        households.append(Household(
            household_id, "ap-1",
            draw(st.sampled_from([None, "jarablus", "idlib"])), linked,
            None if linked is None else draw(st.sampled_from(list(LinkKind))),
            draw(st.sampled_from([None, "+963 944 123 456", "0933123456"]))))
    persons = []
    person_ids = draw(st.lists(_ids, min_size=len(households), max_size=15, unique=True))
    for index, person_id in enumerate(person_ids):
        household_id = household_ids[index] if index < len(household_ids) else \
            draw(st.sampled_from(household_ids))
        vulnerabilities = draw(st.frozensets(st.sampled_from(list(Vulnerability))))
        age_known = draw(st.booleans())
        persons.append(Person(
            person_id, household_id, draw(_names), draw(st.sampled_from(list(Sex))),
            draw(st.sampled_from(list(Category))), draw(st.sampled_from(list(Intent))),
            birth_year=None if age_known else draw(st.integers(1900, 2017)),
            age=draw(st.integers(0, 120)) if age_known else None,
            vulnerabilities=vulnerabilities,
            needs_stretcher=Vulnerability.MEDICAL_EMERGENCY in vulnerabilities
            and draw(st.booleans()),
            luggage_pieces=draw(st.integers(0, 20))))
    return Scenario(operation, tuple(households), tuple(persons))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=registries(), form=st.sampled_from(list(RegistryFormat)))
def test_any_valid_registry_round_trips(tmp_path: Path, scenario: Scenario,
                                        form: RegistryFormat) -> None:
    """Property: load(save(s)) == s for random registries, in CSV and XLSX."""
    save_scenario(scenario, tmp_path, form)
    assert load_scenario(tmp_path) == scenario


@settings(max_examples=30, deadline=None)
@given(lanes=st.integers(1, 50), people=st.integers(1, 5000),
       capacity=st.integers(1, 100_000), travel=st.floats(0.5, 72, allow_nan=False),
       quota=st.one_of(st.none(), st.integers(1, 10**6)))
def test_any_valid_operation_round_trips(lanes: int, people: int, capacity: int, travel: float,
                                         quota: int | None) -> None:
    """Property: the operation survives TOML exactly, floats and optional quotas included."""
    operation = builders.operation()
    first, second = operation.agreement.phases
    operation = replace(
        operation,
        checkpoint=replace(operation.checkpoint, lanes=lanes, people_per_hour_per_lane=people),
        destinations=(replace(operation.destinations[0], reception_capacity_per_day=capacity,
                              travel_hours=travel), operation.destinations[1]),
        agreement=replace(operation.agreement, phases=(replace(first, quota=quota), second)))
    assert operation_from_toml(operation_to_toml(operation)) == operation
