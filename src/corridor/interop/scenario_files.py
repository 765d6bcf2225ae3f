"""Scenario folders: ``operation.toml`` plus ``households.csv`` and ``persons.csv`` (or ``.xlsx``).

Loading is all or nothing: every problem in every file is collected (file, row, column and what is
wrong) and the folder is rejected whole with :class:`~corridor.domain.ScenarioRejected`. Rows are
numbered as a spreadsheet shows them: the header is row 1, the first household row 2.
Saving writes a canonical form, so that saving what was loaded gives the same files.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from corridor.domain import (
    Category,
    Household,
    Intent,
    InvalidValue,
    LinkKind,
    Operation,
    Person,
    Problem,
    RecordKind,
    Scenario,
    ScenarioRejected,
    Sex,
    Vulnerability,
    reference_problems,
)
from corridor.interop.operation_toml import OPERATION_FILE, operation_from_toml, operation_to_toml
from corridor.memory import cyclic_gc_paused

__all__ = [
    "HOUSEHOLD_COLUMNS",
    "PERSON_COLUMNS",
    "RegistryFormat",
    "household_cells",
    "load_scenario",
    "operation_from_toml",
    "operation_to_toml",
    "person_cells",
    "save_scenario",
]

Progress = Callable[[int, int], None]

HOUSEHOLD_COLUMNS = ("household_id", "assembly_point", "destination_preference", "linked_to",
                     "link_kind", "phone")
PERSON_COLUMNS = ("person_id", "household_id", "name", "sex", "birth_year", "age", "category",
                  "intent", "vulnerabilities", "needs_stretcher", "luggage_pieces")
REQUIRED_HOUSEHOLD_COLUMNS = ("household_id", "assembly_point")
REQUIRED_PERSON_COLUMNS = ("person_id", "household_id", "name", "sex", "category", "intent")
VULNERABILITY_SEPARATOR = ";"
MAX_PROBLEMS = 10_000
"""Past this many problems a file is not read further: its first problems say what is wrong."""


class RegistryFormat(StrEnum):
    """File format of the registry tables."""

    CSV = "csv"
    XLSX = "xlsx"


def _no_progress(done: int, total: int) -> None:
    """Progress callback that does nothing."""


class _TooManyProblems(Exception):
    """Stop reading: enough problems have been found to say what is wrong."""


# ---------------------------------------------------------------------------------------------
# Cells: each parser turns the text of one cell into a value or raises ValueError with a sentence.


def _enum_parser(kind: type[StrEnum]) -> Callable[[str], Any]:
    known = {member.value: member for member in kind}
    choices = ", ".join(known)

    def parse(text: str) -> Any:
        try:
            return known[text]
        except KeyError:
            raise ValueError(f'"{text}" is not one of {choices}') from None

    return parse


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f'"{text}" is not a whole number') from None


_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0", ""}


def _yes_no(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f'"{text}" is not true or false')


_VULNERABILITIES = {member.value: member for member in Vulnerability}


def _vulnerabilities(text: str) -> frozenset[Vulnerability]:
    codes = [code.strip() for code in text.split(VULNERABILITY_SEPARATOR) if code.strip()]
    unknown = [code for code in codes if code not in _VULNERABILITIES]
    if unknown:
        listed = ", ".join(f'"{code}"' for code in unknown)
        raise ValueError(f"{listed} is not a vulnerability; use "
                         f"{', '.join(_VULNERABILITIES)} separated by {VULNERABILITY_SEPARATOR}")
    return frozenset(_VULNERABILITIES[code] for code in codes)


def _text(text: str) -> str:
    return text


_PERSON_CELLS: dict[str, Callable[[str], Any]] = {
    "person_id": _text, "household_id": _text, "name": _text, "sex": _enum_parser(Sex),
    "birth_year": _whole_number, "age": _whole_number, "category": _enum_parser(Category),
    "intent": _enum_parser(Intent), "vulnerabilities": _vulnerabilities,
    "needs_stretcher": _yes_no, "luggage_pieces": _whole_number,
}
_HOUSEHOLD_CELLS: dict[str, Callable[[str], Any]] = {
    "household_id": _text, "assembly_point": _text, "destination_preference": _text,
    "linked_to": _text, "link_kind": _enum_parser(LinkKind), "phone": _text,
}


# ---------------------------------------------------------------------------------------------
# Tables: rows of text from a CSV or an XLSX sheet, with the header checked.


@dataclass
class _Records:
    """What a sheet gave: its records, the rows that gave none, and the households of those."""

    records: list[Any]
    skipped_rows: list[int]
    unread_households: set[str]

    def row_of(self, index: int) -> int:
        """The spreadsheet row of the record at ``index``."""
        row = index + 2
        passed = 0
        while True:
            now = bisect_right(self.skipped_rows, row)
            if now == passed:
                return row
            row += now - passed
            passed = now


@dataclass
class _Sheet:
    """The rows of one registry file, as text cells, with the header mapped to positions."""

    name: str
    header: list[str]
    rows: Iterator[list[str]]
    total: int


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
                   - 1)


def _open_csv(path: Path) -> _Sheet:
    handle = path.open(newline="", encoding="utf-8-sig")
    reader = csv.reader(handle)
    try:
        header = next(reader, [])
    except (csv.Error, UnicodeDecodeError) as error:
        handle.close()
        raise ScenarioRejected([Problem(path.name, 1, None, f"cannot be read as UTF-8 CSV: "
                                        f"{error}")]) from None

    def rows() -> Iterator[list[str]]:
        with handle:
            yield from reader

    return _Sheet(path.name, header, rows(), _count_lines(path))


def _open_xlsx(path: Path) -> _Sheet:
    from openpyxl import load_workbook  # imported here: only XLSX registries need it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ScenarioRejected([Problem(path.name, None, None, f"cannot be read as an XLSX "
                                        f"workbook: {error}")]) from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    header = [cell(value) for value in next(values, ())]

    def rows() -> Iterator[list[str]]:
        try:
            for row in values:
                yield [cell(value) for value in row]
        finally:
            workbook.close()

    return _Sheet(path.name, header, rows(), max(0, (sheet.max_row or 1) - 1))


def _registry_file(folder: Path, stem: str) -> Path:
    candidates = [folder / f"{stem}.{form.value}" for form in RegistryFormat]
    present = [path for path in candidates if path.exists()]
    if not present:
        raise ScenarioRejected([Problem(f"{stem}.csv", None, None,
                                        f"is missing from {folder}: add {stem}.csv or "
                                        f"{stem}.xlsx")])
    if len(present) > 1:
        raise ScenarioRejected([Problem(present[1].name, None, None,
                                        f"both {present[0].name} and {present[1].name} exist; "
                                        "keep only one")])
    return present[0]


def _open_sheet(path: Path) -> _Sheet:
    return _open_xlsx(path) if path.suffix == ".xlsx" else _open_csv(path)


def _check_header(sheet: _Sheet, known: Sequence[str], required: Sequence[str],
                  problems: list[Problem]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, column in enumerate(sheet.header):
        name = column.strip()
        if name not in known:
            problems.append(Problem(sheet.name, 1, name or f"#{index + 1}",
                                    "is not a known column; known columns are "
                                    f"{', '.join(known)}"))
        elif name in positions:
            problems.append(Problem(sheet.name, 1, name, "appears twice in the header"))
        else:
            positions[name] = index
    for name in required:
        if name not in positions:
            problems.append(Problem(sheet.name, 1, name, "is missing from the header"))
    return positions


# ---------------------------------------------------------------------------------------------
# Records.


def _slow_record(sheet: _Sheet, row_number: int, row: list[str], positions: dict[str, int],
                 cells: dict[str, Callable[[str], Any]], make: Callable[..., Any],
                 problems: list[Problem]) -> Any:
    """Parse one row cell by cell so that every problem in it is named by its column.

    Returns the record, or None when the row has problems (appended to ``problems``).
    """
    values: dict[str, Any] = {}
    found = False
    if len(row) > len(sheet.header):
        problems.append(Problem(sheet.name, row_number, None,
                                f"has {len(row)} cells but the header has {len(sheet.header)}"))
        found = True
    for name, position in positions.items():
        text = row[position].strip() if position < len(row) else ""
        if not text:
            continue
        try:
            values[name] = cells[name](text)
        except ValueError as error:
            problems.append(Problem(sheet.name, row_number, name, str(error)))
            found = True
    if found:
        return None
    try:
        return make(**values)
    except InvalidValue as error:
        problems.append(Problem(sheet.name, row_number, error.field, error.message))
    except TypeError:
        missing = [name for name in positions if name not in values]
        problems.append(Problem(sheet.name, row_number, missing[0] if missing else None,
                                "is empty; it is required"))
    return None


def _make_person(**values: Any) -> Person:
    if "vulnerabilities" not in values:
        values["vulnerabilities"] = frozenset()
    return Person(**values)


def _read_records(sheet: _Sheet, known: Sequence[str], required: Sequence[str],
                  cells: dict[str, Callable[[str], Any]], make: Callable[..., Any],
                  fast: Callable[[list[str]], Any] | None, problems: list[Problem],
                  progress: Progress) -> _Records:
    """Every record of a sheet that reads; problems are appended, not raised."""
    positions = _check_header(sheet, known, required, problems)
    result = _Records([], [], set())
    if any(name not in positions for name in required):
        return result
    household_column = positions["household_id"]
    canonical = tuple(sheet.header) == tuple(known)
    for row_number, row in enumerate(sheet.rows, start=2):
        record = None
        if fast is not None and canonical:
            try:
                record = fast(row)
            except (ValueError, TypeError, KeyError, IndexError):
                record = None
        if record is None:
            if not any(cell.strip() for cell in row):
                # Blank lines at the end of a spreadsheet export are common and harmless.
                result.skipped_rows.append(row_number)
                continue
            record = _slow_record(sheet, row_number, row, positions, cells, make, problems)
            if len(problems) >= MAX_PROBLEMS:
                raise _TooManyProblems
        if record is not None:
            result.records.append(record)
        else:
            result.skipped_rows.append(row_number)
            if household_column < len(row):
                result.unread_households.add(row[household_column].strip())
        if row_number % 50_000 == 0:
            progress(row_number - 1, sheet.total)
    progress(sheet.total, sheet.total)
    return result


_SEX = {member.value: member for member in Sex}
_CATEGORY = {member.value: member for member in Category}
_INTENT = {member.value: member for member in Intent}
_LINK = {member.value: member for member in LinkKind}
_EMPTY: frozenset[Vulnerability] = frozenset()
_STRETCHER = {"true": True, "false": False, "": False}


def _fast_people() -> Callable[[list[str]], Person | None]:
    """A row parser for canonical persons files that shares repeated values to save memory.

    It gives up (returns None or raises) on anything unusual; the careful parser then names the
    problem. Sharing matters at a million people: names, birth years and vulnerability sets
    repeat, and one object each is enough.
    """
    vulnerability_sets: dict[str, frozenset[Vulnerability]] = {"": _EMPTY}
    shared: dict[str, Any] = {}
    years: dict[str, int | None] = {"": None}

    def parse(row: list[str]) -> Person | None:
        (person_id, household_id, name, sex, birth_year, age, category, intent, vulnerabilities,
         stretcher, luggage) = row
        vulnerable = vulnerability_sets.get(vulnerabilities)
        if vulnerable is None:
            vulnerable = vulnerability_sets[vulnerabilities] = _vulnerabilities(vulnerabilities)
        year = years.get(birth_year, 0)
        if year == 0:
            year = years[birth_year] = int(birth_year)
        return Person(person_id, shared.setdefault(household_id, household_id),
                      shared.setdefault(name, name), _SEX[sex], _CATEGORY[category],
                      _INTENT[intent], year, int(age) if age else None, vulnerable,
                      _STRETCHER[stretcher], int(luggage) if luggage else 0)

    return parse


def _fast_household(row: list[str]) -> Household:
    household_id, assembly_point, preference, linked_to, link_kind, phone = row
    return Household(household_id, assembly_point, preference or None, linked_to or None,
                     _LINK[link_kind] if link_kind else None, phone or None)


def _load_operation(folder: Path) -> Operation:
    path = folder / OPERATION_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioRejected([Problem(OPERATION_FILE, None, None,
                                        f"is missing from {folder}")]) from None
    except UnicodeDecodeError as error:
        raise ScenarioRejected([Problem(OPERATION_FILE, None, None,
                                        f"is not UTF-8 text: {error}")]) from None
    return operation_from_toml(text, OPERATION_FILE)


def load_scenario(folder: Path, progress: Progress = _no_progress) -> Scenario:
    """Read a scenario folder; raise ScenarioRejected listing every problem in every file."""
    with cyclic_gc_paused():
        return _load_scenario(folder, progress)


def _load_scenario(folder: Path, progress: Progress) -> Scenario:
    if not folder.is_dir():
        raise ScenarioRejected([Problem(str(folder), None, None,
                                        "is not a folder; give the folder that holds "
                                        "operation.toml, households.csv and persons.csv")])
    problems: list[Problem] = []
    operation: Operation | None = None
    try:
        operation = _load_operation(folder)
    except ScenarioRejected as rejected:
        problems.extend(rejected.problems)
    households = persons = None
    try:
        household_sheet = _open_sheet(_registry_file(folder, "households"))
        person_sheet = _open_sheet(_registry_file(folder, "persons"))
        total = household_sheet.total + person_sheet.total

        def overall(offset: int) -> Progress:
            return lambda done, _total: progress(offset + done, total)

        households = _read_records(
            household_sheet, HOUSEHOLD_COLUMNS, REQUIRED_HOUSEHOLD_COLUMNS, _HOUSEHOLD_CELLS,
            Household, _fast_household, problems, overall(0))
        persons = _read_records(
            person_sheet, PERSON_COLUMNS, REQUIRED_PERSON_COLUMNS, _PERSON_CELLS,
            _make_person, _fast_people(), problems, overall(household_sheet.total))
    except ScenarioRejected as rejected:
        problems.extend(rejected.problems)
    except _TooManyProblems:
        problems.append(Problem(problems[-1].file, None, None,
                                f"reading stopped after {MAX_PROBLEMS} problems"))
    if households is None or persons is None:
        raise ScenarioRejected(problems)
    if not problems and operation is not None:
        try:  # the common case: everything resolves, and the check runs once, in the Scenario
            return Scenario(operation, tuple(households.records), tuple(persons.records))
        except InvalidValue:
            pass  # list every reference problem with its row, below
    # A reference to a row that could not be read is a consequence, not a problem of its own.
    unread = households.unread_households | persons.unread_households
    sheets = {RecordKind.HOUSEHOLD: (household_sheet.name, households),
              RecordKind.PERSON: (person_sheet.name, persons)}
    for reference in reference_problems(operation, households.records, persons.records):
        if reference.target in unread:
            continue
        name, records = sheets[reference.record]
        problems.append(Problem(name, records.row_of(reference.index), reference.field,
                                reference.message))
        if len(problems) >= MAX_PROBLEMS:
            break
    raise ScenarioRejected(problems)


# ---------------------------------------------------------------------------------------------
# Saving.


def household_cells(household: Household) -> list[str]:
    """The cells of one household row, in HOUSEHOLD_COLUMNS order."""
    return [household.household_id, household.assembly_point,
            household.destination_preference or "", household.linked_to or "",
            household.link_kind.value if household.link_kind else "", household.phone or ""]


def person_cells(person: Person) -> list[str]:
    """The cells of one person row, in PERSON_COLUMNS order."""
    return [person.person_id, person.household_id, person.name, person.sex.value,
            "" if person.birth_year is None else str(person.birth_year),
            "" if person.age is None else str(person.age), person.category.value,
            person.intent.value,
            VULNERABILITY_SEPARATOR.join(sorted(v.value for v in person.vulnerabilities)),
            "true" if person.needs_stretcher else "false", str(person.luggage_pieces)]


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[list[str]], total: int,
               progress: Progress, offset: int, grand_total: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        batch: list[list[str]] = []
        done = 0
        for row in rows:
            batch.append(row)
            if len(batch) == 20_000:
                writer.writerows(batch)
                done += len(batch)
                batch.clear()
                progress(offset + done, grand_total)
        writer.writerows(batch)
    progress(offset + total, grand_total)


def _write_xlsx(path: Path, header: Sequence[str], rows: Iterable[list[str]], total: int,
                progress: Progress, offset: int, grand_total: int) -> None:
    from openpyxl import Workbook  # imported here: only XLSX registries need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(path.stem)
    sheet.append(list(header))
    for done, row in enumerate(rows, start=1):
        sheet.append(row)
        if done % 20_000 == 0:
            progress(offset + done, grand_total)
    workbook.save(path)
    progress(offset + total, grand_total)


def save_scenario(scenario: Scenario, folder: Path, form: RegistryFormat = RegistryFormat.CSV,
                  progress: Progress = _no_progress) -> list[Path]:
    """Write a scenario folder in canonical form; return the files written.

    Files are written beside their final names and moved into place only when all are complete,
    so that an interrupted save never leaves a half-written registry behind.
    """
    folder.mkdir(parents=True, exist_ok=True)
    write = _write_xlsx if form is RegistryFormat.XLSX else _write_csv
    grand_total = len(scenario.households) + len(scenario.persons)
    targets = [folder / OPERATION_FILE, folder / f"households.{form.value}",
               folder / f"persons.{form.value}"]
    temporary = [path.with_name(f".{path.name}.partial") for path in targets]
    try:
        temporary[0].write_text(operation_to_toml(scenario.operation), encoding="utf-8")
        write(temporary[1], HOUSEHOLD_COLUMNS, map(household_cells, scenario.households),
              len(scenario.households), progress, 0, grand_total)
        write(temporary[2], PERSON_COLUMNS, map(person_cells, scenario.persons),
              len(scenario.persons), progress, len(scenario.households), grand_total)
        for other in RegistryFormat:
            if other is not form:
                for stem in ("households", "persons"):
                    (folder / f"{stem}.{other.value}").unlink(missing_ok=True)
        for source, target in zip(temporary, targets, strict=True):
            source.replace(target)
    finally:
        for path in temporary:
            path.unlink(missing_ok=True)
    return targets

