"""Household registrations from KoBoToolbox and ODK Central exports of the corridor form.

Two export shapes are read (docs/intake.md):

- **KoBoToolbox** (choose "XML values and headers" and "include groups in headers"): an XLSX
  workbook whose first sheet holds one row a submission and whose ``member`` sheet holds one row a
  person, joined by ``_index`` and ``_parent_index``; or the main table as CSV (``;`` or ``,``
  separated, headers such as ``household/household_id``), which KoBoToolbox writes without the
  repeat group, so the members come as a second CSV (the ``member`` sheet saved as CSV).
- **ODK Central**: the ZIP of CSV files it downloads, or its files: the submissions
  (``FORM.csv``, headers such as ``household-household_id``) and the repeat
  (``FORM-member.csv``), joined by ``KEY`` and ``PARENT_KEY``.

Reading collects every problem of every row at once (file, sheet, row as a spreadsheet numbers it,
field, what is wrong and what to do): :func:`read_export` returns the submissions that read, the
submissions left out on purpose (no consent, rejected in review, repeated) and the problems.
:func:`decide` then checks them against the operation and what the registry holds already. Nothing
here writes: the store imports a batch whole or, when asked, only its good submissions.
"""

from __future__ import annotations

import csv
import io
import operator
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from corridor.domain import (
    Category,
    Household,
    Intent,
    InvalidValue,
    LinkKind,
    Operation,
    Person,
    Problem,
    ScenarioRejected,
    Sex,
    Vulnerability,
)
from corridor.interop.xlsform import (
    AGE_KNOWN,
    CONSENT,
    HOUSEHOLD_FIELDS,
    MAX_HOUSEHOLD_SIZE,
    MEMBER_FIELDS,
    MEMBER_GROUP,
    NO,
    RELATIONS,
    YES,
)
from corridor.interop.xlsform import HEAD as HEAD_OF_HOUSEHOLD

__all__ = [
    "ExportFormat",
    "IntakeBatch",
    "IntakeDecision",
    "IntakeRejected",
    "Registered",
    "RowProblem",
    "SkipReason",
    "Skipped",
    "Submission",
    "decide",
    "read_export",
    "report_rows",
    "write_report",
]

Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    """Progress callback that does nothing."""


class ExportFormat(StrEnum):
    """Who made the export."""

    AUTO = "auto"
    KOBO = "kobo"
    ODK = "odk"


class SkipReason(StrEnum):
    """Why a submission is not imported although nothing is wrong with it; stable codes."""

    NO_CONSENT = "no_consent"
    REJECTED_IN_REVIEW = "rejected_in_review"
    REPEATED_IN_FILE = "repeated_in_file"
    ALREADY_REGISTERED = "already_registered"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One thing wrong in an export: where, which field, what is wrong and what to do.

    ``row`` is the row as a spreadsheet shows it (the header is row 1); it and ``field`` are None
    for a problem of the whole file or sheet. ``instance_id`` names the submission when known.
    """

    file: str
    sheet: str | None
    row: int | None
    field: str | None
    problem: str
    action: str
    instance_id: str | None = None

    @property
    def place(self) -> str:
        """The file, sheet and row, as one text."""
        where = self.file if self.sheet is None else f"{self.file}, sheet {self.sheet}"
        return where if self.row is None else f"{where}, row {self.row}"

    def __str__(self) -> str:
        column = f", field {self.field}" if self.field else ""
        return f"{self.place}{column}: {self.problem}; {self.action}"

    def as_problem(self) -> Problem:
        """The problem as the domain's :class:`~corridor.domain.Problem`."""
        where = self.file if self.sheet is None else f"{self.file} [{self.sheet}]"
        return Problem(where, self.row, self.field, f"{self.problem}; {self.action}")


@dataclass(frozen=True, slots=True)
class Skipped:
    """A submission not imported on purpose, and why (one sentence)."""

    file: str
    sheet: str | None
    row: int
    instance_id: str
    reason: SkipReason
    sentence: str


@dataclass(frozen=True, slots=True)
class Submission:
    """One household as a submission gave it, with its members in form order."""

    instance_id: str
    file: str
    sheet: str | None
    row: int
    household: Household
    persons: tuple[Person, ...]

    def problem(self, field_name: str | None, problem: str, action: str) -> RowProblem:
        """A problem of this submission's row."""
        return RowProblem(self.file, self.sheet, self.row, field_name, problem, action,
                          self.instance_id)


@dataclass(frozen=True, slots=True)
class IntakeBatch:
    """What an export gave: the submissions that read, those left out, and every problem."""

    source: str
    export_format: ExportFormat
    submissions: tuple[Submission, ...]
    skipped: tuple[Skipped, ...]
    problems: tuple[RowProblem, ...]
    unread_households: frozenset[str] = frozenset()
    """The household ids of submissions that have problems (their links are not problems)."""

    @property
    def household_ids(self) -> frozenset[str]:
        """The household ids of the submissions."""
        return frozenset(s.household.household_id for s in self.submissions)

    @property
    def person_ids(self) -> frozenset[str]:
        """The person ids of the submissions."""
        return frozenset(p.person_id for s in self.submissions for p in s.persons)

    @property
    def linked_ids(self) -> frozenset[str]:
        """The households the submissions say they travel with."""
        return frozenset(s.household.linked_to for s in self.submissions
                         if s.household.linked_to is not None)


class IntakeRejected(ScenarioRejected):
    """An export was rejected whole: ``rows`` lists every problem; nothing was stored."""

    code = "intake_rejected"

    def __init__(self, rows: Sequence[RowProblem], skipped: Sequence[Skipped] = ()) -> None:
        super().__init__([row.as_problem() for row in rows])
        self.rows = tuple(rows)
        self.skipped = tuple(skipped)


# ---------------------------------------------------------------------------------------------
# What to do: the second half of every problem.

FIX_ON_SERVER = "correct the submission on KoBoToolbox or ODK Central and export again"
EXPORT_VALUES = ("export with 'XML values and headers' (not labels) and with groups in the "
                 "headers")
EXPORT_TOGETHER = "export the submissions and their members together, from one export"


def _choices_action(choices: Iterable[str]) -> str:
    return f"use one of {', '.join(choices)} ({EXPORT_VALUES})"


# ---------------------------------------------------------------------------------------------
# Tables: the rows of one sheet or CSV file as text.


@dataclass
class _Table:
    """One sheet or CSV file: its header and rows as text; rows numbered from 2."""

    file: str
    sheet: str | None
    header: list[str]
    rows: list[list[str]]

    def problem(self, row: int | None, field_name: str | None, problem: str, action: str,
                instance_id: str | None = None) -> RowProblem:
        return RowProblem(self.file, self.sheet, row, field_name, problem, action, instance_id)


def _cell(value: object) -> str:
    """The text of a spreadsheet cell as an export shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_table(text: str, name: str) -> _Table:
    first = text.split("\n", 1)[0]
    # KoBoToolbox writes ';' by default and ',' on request; ODK Central always ','.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [[cell.strip() for cell in row] for row in reader]
    header = rows[0] if rows else []
    return _Table(name, None, header, [row for row in rows[1:] if any(row)])


def _read_text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IntakeRejected([RowProblem(name, None, None, None,
                                         f"is not UTF-8 text ({error.reason} at byte "
                                         f"{error.start})",
                                         "export it again as UTF-8 CSV")]) from None


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise IntakeRejected([RowProblem(path.name, None, None, None, f"does not exist in "
                                         f"{path.parent}", "give the path of the export")]
                             ) from None
    except OSError as error:
        raise IntakeRejected([RowProblem(path.name, None, None, None,
                                         f"cannot be read: {error.strerror}",
                                         "check the file and its permissions")]) from None


def _xlsx_tables(path: Path) -> list[_Table]:
    from openpyxl import load_workbook  # imported here: only XLSX exports need it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise IntakeRejected([RowProblem(path.name, None, None, None,
                                         f"cannot be read as an XLSX workbook ({error})",
                                         "export it again as XLSX from KoBoToolbox")]) from None
    try:
        tables = []
        for sheet in workbook.worksheets:
            rows = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
            header = rows[0] if rows else []
            tables.append(_Table(path.name, sheet.title, header,
                                 [row for row in rows[1:] if any(row)]))
        return tables
    finally:
        workbook.close()


def _zip_tables(path: Path) -> tuple[_Table, _Table | None]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise IntakeRejected([RowProblem(path.name, None, None, None,
                                         f"cannot be read as a ZIP archive ({error})",
                                         "download the CSV export from ODK Central again")]
                             ) from None
    with archive:
        names = [n for n in archive.namelist() if n.lower().endswith(".csv") and "/" not in n]
        members = [n for n in names if n[:-4].endswith(f"-{MEMBER_GROUP}")]
        mains = [n for n in names if n not in members]
        if len(mains) != 1:
            raise IntakeRejected([RowProblem(path.name, None, None, None,
                                             f"holds {len(mains)} submission tables "
                                             f"({', '.join(mains) or 'none'}) instead of one",
                                             "give the ZIP ODK Central downloads for the "
                                             "corridor form")])
        main = _csv_table(_read_text(archive.read(mains[0]), mains[0]), mains[0])
        member = (_csv_table(_read_text(archive.read(members[0]), members[0]), members[0])
                  if members else None)
    return main, member


def _csv_file(path: Path) -> _Table:
    return _csv_table(_read_text(_read_file(path), path.name), path.name)


def _shape_of(header: Sequence[str]) -> ExportFormat:
    names = set(header)
    if names & {"KEY", "SubmissionDate", "PARENT_KEY"}:
        return ExportFormat.ODK
    if names & {"_uuid", "_index", "_submission_time", "_parent_index"}:
        return ExportFormat.KOBO
    return ExportFormat.AUTO


def _open(path: Path, wanted: ExportFormat, members: Path | None
          ) -> tuple[ExportFormat, _Table, _Table | None]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        if wanted is ExportFormat.ODK:
            raise IntakeRejected([RowProblem(path.name, None, None, None,
                                             "is a workbook, and ODK Central exports CSV files",
                                             "give the ZIP or the CSV files of ODK Central, or "
                                             "--format kobo")])
        _read_file(path)  # a clear problem for a missing file before openpyxl's own
        tables = _xlsx_tables(path)
        if not tables:
            raise IntakeRejected([RowProblem(path.name, None, None, None, "has no sheet",
                                             "export it again from KoBoToolbox")])
        main = tables[0]
        repeat = next((t for t in tables[1:] if t.sheet == MEMBER_GROUP), None)
        repeat = repeat or next((t for t in tables[1:] if "_parent_index" in t.header), None)
        if members is not None:
            repeat = _csv_file(members)
        return ExportFormat.KOBO, main, repeat
    if suffix == ".zip":
        if wanted is ExportFormat.KOBO:
            raise IntakeRejected([RowProblem(path.name, None, None, None,
                                             "is a ZIP archive, and KoBoToolbox exports XLSX or "
                                             "CSV", "give the XLSX export, or --format odk")])
        main, repeat = _zip_tables(path)
        return ExportFormat.ODK, main, _csv_file(members) if members is not None else repeat
    if suffix != ".csv":
        raise IntakeRejected([RowProblem(path.name, None, None, None,
                                         f"is a {suffix or 'file without an extension'}, not "
                                         "an export corridor reads",
                                         "give a KoBoToolbox XLSX or CSV export, or an ODK "
                                         "Central ZIP or CSV export")])
    main = _csv_file(path)
    shape = wanted if wanted is not ExportFormat.AUTO else _shape_of(main.header)
    if shape is ExportFormat.AUTO:
        raise IntakeRejected([main.problem(1, None, "has neither KoBoToolbox's columns (_uuid, "
                                           "_index) nor ODK Central's (KEY, SubmissionDate)",
                                           "pass --format kobo or --format odk")])
    sibling = path.with_name(f"{path.stem}-{MEMBER_GROUP}.csv")
    if members is None and sibling.exists():
        members = sibling
    return shape, main, _csv_file(members) if members is not None else None


# ---------------------------------------------------------------------------------------------
# Columns: headers named with their groups ("household/household_id", "household-household_id").

_SEPARATORS = re.compile(r"[/\-.:]")
_INSTANCE_COLUMNS = ("instanceID", "_uuid", "KEY")
_KOBO_REJECTED = {"validation_status_not_approved", "not approved"}
_VULNERABILITIES = {v.value: v for v in Vulnerability}


@dataclass
class _Columns:
    """Where each field of the form is in a table; option columns of select_multiple apart."""

    positions: dict[str, int] = field(default_factory=dict)
    options: dict[str, int] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.positions


def _columns(table: _Table, fields: Sequence[str], meta: Sequence[str],
             problems: list[RowProblem]) -> _Columns:
    found = _Columns()
    known = set(fields)
    for index, header in enumerate(table.header):
        if header in meta:
            found.positions.setdefault(header, index)
            continue
        parts = [part for part in _SEPARATORS.split(header) if part]
        if not parts:
            continue
        name = parts[-1]
        if len(parts) >= 2 and parts[-2] == "vulnerabilities" and name in _VULNERABILITIES:
            found.options[name] = index
        elif name in known or (name == "instanceID" and name in meta):
            if name in found.positions:
                problems.append(table.problem(1, name, f"is in two columns ({header!r} and "
                                              f"{table.header[found.positions[name]]!r})",
                                              "export again with groups in the headers"))
            else:
                found.positions[name] = index
    return found


def _require_columns(table: _Table, columns: _Columns, required: Sequence[str],
                     problems: list[RowProblem]) -> bool:
    missing = [name for name in required if not columns.has(name)]
    for name in missing:
        problems.append(table.problem(1, name, "has no column of its own: this is not an "
                                      "export of corridor's household registration form, or "
                                      "it was exported with labels", EXPORT_VALUES))
    return not missing


# ---------------------------------------------------------------------------------------------
# Rows: one row's cells read field by field, every problem kept.


class _Bad(Exception):
    """A field of a row cannot be read; the problem is recorded already."""


class _RowReader:
    """The cells of one row, read by field name; problems go to ``problems``."""

    def __init__(self, table: _Table, number: int, cells: list[str], columns: _Columns,
                 problems: list[RowProblem], instance_id: str | None) -> None:
        self.table = table
        self.number = number
        self.cells = cells
        self.columns = columns
        self.problems = problems
        self.instance_id = instance_id
        self.failed = False

    def problem(self, field_name: str | None, problem: str, action: str = FIX_ON_SERVER) -> None:
        self.failed = True
        self.problems.append(self.table.problem(self.number, field_name, problem, action,
                                                self.instance_id))

    def text(self, name: str) -> str:
        index = self.columns.positions.get(name)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            self.problem(name, "is empty, and the form requires it")
            raise _Bad
        return value

    def one_of(self, name: str, choices: Sequence[str]) -> str:
        """A required choice."""
        value = self.choice(name, choices, required=True)
        assert value is not None  # a required field is never empty (checked above)
        return value

    def choice(self, name: str, choices: Sequence[str], *, required: bool) -> str | None:
        value = self.required(name) if required else self.text(name)
        if not value:
            return None
        if value not in choices:
            self.problem(name, f"{value!r} is not a choice of the form",
                         _choices_action(choices))
            raise _Bad
        return value

    def whole(self, name: str, *, required: bool) -> int | None:
        value = self.required(name) if required else self.text(name)
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            self.problem(name, f"{value!r} is not a whole number")
            raise _Bad from None

    def vulnerabilities(self) -> frozenset[Vulnerability]:
        if self.columns.has("vulnerabilities"):
            codes = self.text("vulnerabilities").split()
        else:  # "details" exports: one 0/1 column a choice
            codes = [code for code, index in self.columns.options.items()
                     if index < len(self.cells) and self.cells[index] in {"1", YES, "True"}]
        unknown = [code for code in codes if code not in _VULNERABILITIES]
        if unknown:
            self.problem("vulnerabilities", f"{', '.join(map(repr, unknown))} is not a choice "
                         "of the form", _choices_action(_VULNERABILITIES))
            raise _Bad
        return frozenset(_VULNERABILITIES[code] for code in codes)

    def build(self, make: Callable[[], object]) -> object | None:
        """``make()`` unless a field failed; a domain rule it breaks is a problem of the row."""
        if self.failed:
            return None
        try:
            return make()
        except InvalidValue as error:
            self.problem(error.field, error.message)
            return None


_MAIN_META = ("instanceID", "_uuid", "KEY", "_index", "ReviewState", "_validation_status")
_MEMBER_META = ("_parent_index", "_parent_table_name", "_index", "PARENT_KEY", "KEY",
                "_submission__uuid")
_MAIN_REQUIRED = (CONSENT, "household_id", "assembly_point", "intent", "household_size")
_MEMBER_REQUIRED = ("name", "sex", "category")
_INTENTS = tuple(i.value for i in Intent)
_STAND_IN = "unread-household"


def _instance_id(reader: _RowReader) -> str:
    for name in _INSTANCE_COLUMNS:
        value = reader.text(name)
        if value:
            return value.removeprefix("uuid:")
    return ""


def _household(reader: _RowReader) -> tuple[Household | None, int | None]:
    try:
        household_id = reader.required("household_id")
        assembly_point = reader.required("assembly_point")
        intent = reader.one_of("intent", _INTENTS)
        link_kind = reader.choice("link_kind", tuple(k.value for k in LinkKind),
                                  required=False)
        size = reader.whole("household_size", required=True)
    except _Bad:
        return None, None
    if size is not None and not 1 <= size <= MAX_HOUSEHOLD_SIZE:
        reader.problem("household_size", f"{size} is not between 1 and {MAX_HOUSEHOLD_SIZE}")
    preference = reader.text("destination_preference") or None
    if intent == Intent.STAY.value:
        preference = None  # the form does not ask those who stay
    linked_to = reader.text("linked_to") or None
    if linked_to is None:
        link_kind = None
    made = reader.build(lambda: Household(
        household_id, assembly_point, preference, linked_to,
        LinkKind(link_kind) if link_kind else None, reader.text("phone") or None))
    return (made if isinstance(made, Household) else None), size


def _person(reader: _RowReader, household: Household, position: int,
            household_intent: Intent) -> tuple[Person | None, str | None]:
    """The person of a member row, and their relation to the head (when the export has it)."""
    try:
        name = " ".join(reader.required("name").split())
        sex = reader.one_of("sex", tuple(s.value for s in Sex))
        category = reader.one_of("category", tuple(c.value for c in Category))
        relation = reader.choice("relation", RELATIONS,
                                 required=reader.columns.has("relation"))
        own_intent = reader.choice("member_intent", _INTENTS, required=False)
        known = reader.choice("age_known", AGE_KNOWN, required=False)
        age = reader.whole("age", required=known == "age")
        birth_year = reader.whole("birth_year", required=known == "birth_year")
        stretcher = reader.choice("needs_stretcher", (YES, NO), required=False)
        luggage = reader.whole("luggage_pieces", required=False)
        vulnerabilities = reader.vulnerabilities()
    except _Bad:
        return None, None
    if known == "age":
        birth_year = None  # a birth year left from an earlier answer is not relevant
    elif known == "birth_year":
        age = None
    if age is None and birth_year is None:
        reader.problem("age", "neither the age nor the birth year is given")
    person_id = reader.text("person_id") or f"{household.household_id}-{position}"
    made = reader.build(lambda: Person(
        person_id, household.household_id, name, Sex(sex), Category(category),
        Intent(own_intent) if own_intent else household_intent, birth_year, age,
        vulnerabilities, stretcher == YES, luggage or 0))
    return (made if isinstance(made, Person) else None), relation


@dataclass
class _Parsed:
    """A submission being read: its main row, the household, the member rows."""

    reader: _RowReader
    instance_id: str
    key: str
    household: Household | None
    size: int | None
    intent: Intent | None
    members: list[tuple[int, list[str]]] = field(default_factory=list)


def _review_rejected(reader: _RowReader) -> bool:
    return (reader.text("ReviewState").lower() == "rejected"
            or reader.text("_validation_status").lower() in _KOBO_REJECTED)


def read_export(path: Path, export_format: ExportFormat = ExportFormat.AUTO, *,
                members: Path | None = None, progress: Progress = _no_progress) -> IntakeBatch:
    """Read a KoBoToolbox or ODK Central export of the corridor form.

    ``members`` is the members' CSV when the export's own does not hold them (a KoBoToolbox
    CSV); by default ``FILE-member.csv`` beside a CSV export is used when it exists. Problems of
    the file as a whole (unreadable, not the corridor form) raise :class:`IntakeRejected`; the
    problems of rows are returned in the batch, all of them.
    """
    shape, main, repeat = _open(path, export_format, members)
    problems: list[RowProblem] = []
    main_columns = _columns(main, (CONSENT, *HOUSEHOLD_FIELDS), _MAIN_META, problems)
    join = "KEY" if shape is ExportFormat.ODK else "_index"
    parent = "PARENT_KEY" if shape is ExportFormat.ODK else "_parent_index"
    readable = _require_columns(main, main_columns, _MAIN_REQUIRED, problems)
    if not any(main_columns.has(name) for name in _INSTANCE_COLUMNS):
        readable = False
        problems.append(main.problem(1, "instanceID", "has no column of its own (meta/"
                                     "instanceID, _uuid or KEY)", EXPORT_VALUES))
    if repeat is None:
        readable = False
        problems.append(main.problem(None, None, "holds no member rows (KoBoToolbox's CSV "
                                     "export leaves repeat groups out)",
                                     "export as XLSX, or give the members' CSV with --members"))
    else:
        member_columns = _columns(repeat, MEMBER_FIELDS, _MEMBER_META, problems)
        readable &= _require_columns(repeat, member_columns, (*_MEMBER_REQUIRED, parent),
                                     problems)
        readable &= _require_columns(main, main_columns, (join,), problems)
        if not (member_columns.has("age") or member_columns.has("birth_year")):
            readable = False
            problems.append(repeat.problem(1, "age", "has no column of its own, nor has "
                                           "birth_year", EXPORT_VALUES))
    if not readable or repeat is None:
        raise IntakeRejected(problems)
    total = len(main.rows) + len(repeat.rows)
    parsed, skipped, left_out = _read_main(main, main_columns, join, problems, progress,
                                           total)
    _attach_members(repeat, member_columns, parent, parsed, left_out, problems)
    progress(total, total)
    submissions = _submissions(parsed, repeat, member_columns, problems)
    kept, repeated = _without_repeats(submissions, problems)
    read = {s.household.household_id for s in kept}
    unread = frozenset(item.reader.text("household_id") for item in parsed) - read
    return IntakeBatch(str(path), shape, tuple(kept), tuple(skipped + repeated),
                       tuple(problems), unread)


def _read_main(main: _Table, columns: _Columns, join: str, problems: list[RowProblem],
               progress: Progress, total: int
               ) -> tuple[list[_Parsed], list[Skipped], set[str]]:
    """The submissions to read, those left out, and the join keys of those left out."""
    parsed: list[_Parsed] = []
    skipped: list[Skipped] = []
    left_out: set[str] = set()
    for number, cells in enumerate(main.rows, start=2):
        reader = _RowReader(main, number, cells, columns, problems, None)
        instance_id = _instance_id(reader)
        reader.instance_id = instance_id or None
        if not instance_id or reader.text(join) in left_out:
            left_out.add(reader.text(join))
            reader.problem("instanceID", "is empty: the submission cannot be told apart from "
                           "others" if not instance_id else f"{join} "
                           f"{reader.text(join)!r} is used by an earlier row too",
                           EXPORT_TOGETHER)
            continue
        consent = reader.text(CONSENT)
        if consent != YES or _review_rejected(reader):
            left_out.add(reader.text(join))
        if consent != YES:
            skipped.append(Skipped(main.file, main.sheet, number, instance_id,
                                   SkipReason.NO_CONSENT, "the head of household did not "
                                   "consent" if consent == NO else "consent was not given"))
            continue
        if _review_rejected(reader):
            skipped.append(Skipped(main.file, main.sheet, number, instance_id,
                                   SkipReason.REJECTED_IN_REVIEW,
                                   "the submission was rejected in review on the server"))
            continue
        household, size = _household(reader)
        intent = reader.text("intent")
        parsed.append(_Parsed(reader, instance_id, reader.text(join), household, size,
                              Intent(intent) if intent in _INTENTS else None))
        if number % 5_000 == 0:
            progress(number - 1, total)
    return parsed, skipped, left_out


def _attach_members(repeat: _Table, columns: _Columns, parent: str, parsed: list[_Parsed],
                    left_out: set[str], problems: list[RowProblem]) -> None:
    by_key = {item.key: item for item in parsed if item.key}
    position = columns.positions[parent]
    for number, cells in enumerate(repeat.rows, start=2):
        key = cells[position] if position < len(cells) else ""
        owner = by_key.get(key)
        if owner is not None:
            owner.members.append((number, cells))
        elif key not in left_out:
            problems.append(repeat.problem(number, parent, f"{key!r} is the key of no "
                                           "submission in the main table", EXPORT_TOGETHER))


def _submissions(parsed: list[_Parsed], repeat: _Table, columns: _Columns,
                 problems: list[RowProblem]) -> list[Submission]:
    submissions = []
    for item in parsed:
        reader = item.reader
        household = item.household
        persons: list[Person] = []
        heads = 0
        # Members of a household with problems are read too, so that every problem of the
        # submission is reported at once; they are checked against a stand-in household.
        owner = household or Household(_STAND_IN, _STAND_IN)
        for position, (number, cells) in enumerate(item.members, start=1):
            member = _RowReader(repeat, number, cells, columns, problems, item.instance_id)
            person, relation = _person(member, owner, position, item.intent or Intent.LEAVE)
            heads += relation == HEAD_OF_HOUSEHOLD
            if person is None:
                reader.failed = True
            else:
                persons.append(person)
        if household is None or reader.failed:
            continue
        if not item.members:
            reader.problem("household_size", "the household has no member rows", FIX_ON_SERVER)
        elif item.size is not None and item.size != len(item.members):
            reader.problem("household_size", f"says {item.size} people but the export has "
                           f"{len(item.members)} member rows for it", FIX_ON_SERVER)
        if columns.has("relation") and item.members and heads != 1:
            reader.problem("relation", f"the household has {heads} heads of household, not one",
                           "mark exactly one member as the head of household, " + FIX_ON_SERVER)
        if not reader.failed:
            submissions.append(Submission(item.instance_id, reader.table.file,
                                          reader.table.sheet, reader.number, household,
                                          tuple(persons)))
    return submissions


def _without_repeats(submissions: list[Submission], problems: list[RowProblem]
                     ) -> tuple[list[Submission], list[Skipped]]:
    """Submissions read twice are kept once; the same id with other answers is a problem."""
    kept: dict[str, Submission] = {}
    repeated: list[Skipped] = []
    clashing: set[str] = set()
    by_household: dict[str, Submission] = {}
    for submission in submissions:
        household_id = submission.household.household_id
        earlier = kept.get(submission.instance_id) or by_household.get(household_id)
        if earlier is None:
            kept[submission.instance_id] = submission
            by_household[household_id] = submission
            continue
        if (earlier.household, earlier.persons) == (submission.household, submission.persons):
            repeated.append(Skipped(submission.file, submission.sheet, submission.row,
                                    submission.instance_id, SkipReason.REPEATED_IN_FILE,
                                    f"the same household as row {earlier.row}, read once"))
            continue
        same = ("submission" if earlier.instance_id == submission.instance_id
                else f"household id {household_id}")
        for one, other in ((submission, earlier), (earlier, submission)):
            problems.append(one.problem("household_id", f"the {same} is also in row "
                                        f"{other.row} with other answers",
                                        "give each household its own registration number, "
                                        "or delete the wrong submission on the server"))
        clashing |= {submission.instance_id, earlier.instance_id}
    owners: dict[str, Submission] = {}
    for submission in kept.values():
        for person in submission.persons:
            other = owners.setdefault(person.person_id, submission)
            if other is not submission:
                for one, two in ((submission, other), (other, submission)):
                    problems.append(one.problem("person_id", f"person id {person.person_id} is "
                                                f"also given in row {two.row}",
                                                "give each person their own card number, or "
                                                "leave it empty"))
                clashing |= {submission.instance_id, other.instance_id}
    return [s for s in kept.values() if s.instance_id not in clashing], repeated


# ---------------------------------------------------------------------------------------------
# Against the operation and the registry.


@dataclass(frozen=True, slots=True)
class Registered:
    """What the registry holds already of a batch's ids (the store finds it out).

    ``households``: the batch's households already registered, with their members, opened for
    the comparison. ``linked``: the households the batch links to that are registered.
    ``person_households``: the batch's person ids already registered, with their household.
    """

    households: Mapping[str, tuple[Household, tuple[Person, ...]]] = field(
        default_factory=dict)
    linked: frozenset[str] = frozenset()
    person_households: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IntakeDecision:
    """What to store: the new submissions; the already registered; every problem left."""

    new: tuple[Submission, ...]
    already: tuple[Skipped, ...]
    problems: tuple[RowProblem, ...]

    @property
    def households(self) -> tuple[Household, ...]:
        """The households to store."""
        return tuple(s.household for s in self.new)

    @property
    def persons(self) -> tuple[Person, ...]:
        """The persons to store, household after household."""
        return tuple(p for s in self.new for p in s.persons)


def _operation_problems(submission: Submission, operation: Operation, points: frozenset[str],
                        sites: frozenset[str] | None) -> Iterator[RowProblem]:
    household = submission.household
    if household.assembly_point not in points:
        known = ", ".join(site.site_id for site in operation.assembly_points)
        yield submission.problem("assembly_point", f"{household.assembly_point!r} is not an "
                                 f"assembly point of operation {operation.operation_id}",
                                 f"use one of {known}, or add the site to the operation and "
                                 "import it again")
    elif sites is not None and household.assembly_point not in sites:
        yield submission.problem("assembly_point", f"you may register households of "
                                 f"{', '.join(sorted(sites))} only",
                                 "ask a registrar of that assembly point to import it")
    destinations = operation.agreement.destinations
    preference = household.destination_preference
    if preference is not None and preference not in destinations:
        yield submission.problem("destination_preference", f"{preference!r} is not a "
                                 "destination of the agreement",
                                 f"use one of {', '.join(destinations)}, or leave it empty")


Record = tuple[Household, tuple[Person, ...]]
"""A household and its persons, as registered or as submitted."""


def _registry_problems(submission: Submission, registered: Registered,
                       same: Callable[[Record, Record], bool]
                       ) -> tuple[list[RowProblem], bool]:
    """Problems against the registry, and whether the household is registered as it is."""
    household = submission.household
    stored = registered.households.get(household.household_id)
    if stored is not None:
        if same(stored, (household, submission.persons)):
            return [], True
        return [submission.problem("household_id", f"household {household.household_id} is "
                                   "registered already with other answers",
                                   "a registered household is not changed by an import: "
                                   "delete this submission, or give another household its "
                                   "own registration number")], False
    found = []
    for person in submission.persons:
        owner = registered.person_households.get(person.person_id)
        if owner is not None:
            found.append(submission.problem("person_id", f"person id {person.person_id} is "
                                            f"registered already, in household {owner}",
                                            "give this person their own card number, or "
                                            "leave it empty"))
    return found, False


def decide(batch: IntakeBatch, operation: Operation, registered: Registered, *,
           sites: frozenset[str] | None = None, skip_invalid: bool = False,
           same: Callable[[Record, Record], bool] = operator.eq) -> IntakeDecision:
    """Check a batch against the operation and the registry: what is new, and every problem.

    ``sites``: the assembly points the importer may register households of (None: all).
    ``same``: whether a submission is a registered household as it is; by default, equal in
    every field. An importer who may not see every field gets a comparison of the fields they
    may see (``store.intake``): else "registered already with other answers" would tell them,
    guess by guess, a field they may not see, such as who is a combatant.
    With ``skip_invalid`` a submission with a problem is left out with its problems and the rest
    are new; a household linked to one left out is then left out too. Without it, the problems
    are reported and the caller stores nothing if there are any.
    """
    problems = list(batch.problems)
    invalid = {p.instance_id for p in batch.problems if p.instance_id is not None}
    already: list[Skipped] = []
    candidates: list[Submission] = []
    points = frozenset(site.site_id for site in operation.assembly_points)
    for submission in batch.submissions:
        found = list(_operation_problems(submission, operation, points, sites))
        against, registered_as_is = _registry_problems(submission, registered, same)
        found += against
        if registered_as_is and not found:
            already.append(Skipped(submission.file, submission.sheet, submission.row,
                                   submission.instance_id, SkipReason.ALREADY_REGISTERED,
                                   f"household {submission.household.household_id} is "
                                   "registered already, with the same answers"))
            continue
        problems += found
        if found:
            invalid.add(submission.instance_id)
        candidates.append(submission)
    registry = set(registered.linked) | set(registered.households)
    in_batch = {s.household.household_id for s in batch.submissions} | batch.unread_households
    while True:
        usable = {s.household.household_id for s in candidates
                  if not (skip_invalid and s.instance_id in invalid)}
        dropped = False
        for submission in candidates:
            linked_to = submission.household.linked_to
            if (linked_to is None or linked_to in registry or linked_to in usable
                    or submission.instance_id in invalid):
                continue
            if linked_to in in_batch:
                if not skip_invalid:
                    continue  # the linked household's own problems are reported
                sentence = (f"household {linked_to} it travels with is not imported (it has "
                            "problems of its own)")
            else:
                sentence = f"household {linked_to} it travels with is not registered"
            problems.append(submission.problem("linked_to", sentence,
                                               "register that household first, or clear the "
                                               "link"))
            invalid.add(submission.instance_id)
            dropped = True
        if not (dropped and skip_invalid):
            break
    new = tuple(s for s in candidates if s.instance_id not in invalid)
    return IntakeDecision(new if skip_invalid or not problems else (), tuple(already),
                          tuple(problems))


# ---------------------------------------------------------------------------------------------
# The report of an import: every problem and every submission left out, one row each.

REPORT_COLUMNS = ("outcome", "file", "sheet", "row", "instance_id", "field", "what_is_wrong",
                  "what_to_do")


def report_rows(problems: Iterable[RowProblem], skipped: Iterable[Skipped]
                ) -> list[list[str]]:
    """The rows of the import report (header first): problems, then submissions left out."""
    rows = [list(REPORT_COLUMNS)]
    for problem in problems:
        rows.append(["problem", problem.file, problem.sheet or "",
                     "" if problem.row is None else str(problem.row), problem.instance_id or "",
                     problem.field or "", problem.problem, problem.action])
    for item in skipped:
        rows.append([f"not imported: {item.reason.value}", item.file, item.sheet or "",
                     str(item.row), item.instance_id, "", item.sentence, ""])
    return rows


def write_report(path: Path, problems: Iterable[RowProblem], skipped: Iterable[Skipped]) -> None:
    """Write the import report as CSV (UTF-8).

    It names rows and fields and may quote a wrong value (a phone number): keep it as carefully
    as the export it describes.
    """
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(report_rows(problems, skipped))
        partial.replace(path)
    except OSError as error:
        raise InvalidValue(f"cannot write the report {path}: {error.strerror}",
                           "report") from None
    finally:
        partial.unlink(missing_ok=True)
