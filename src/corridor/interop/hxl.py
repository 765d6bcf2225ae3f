"""Aggregate figures as HXL-tagged CSV, checked with libhxl against a schema kept beside this file.

An HXL file is a CSV whose second row tags each column (``#date``, ``#reached+f+children``...),
so that humanitarian tools read it without knowing corridor (https://hxlstandard.org). The
evacuation table has one row a day and destination: where people came from (``#adm1+code+origin``,
``#adm2+code+origin``), where they went (``#loc+name+dest``, ``#loc+code+dest`` and the
destination's governorate and district P-codes), who reports (``#org``), and people by sex and age
band, registered (``#affected``) and arrived (``#reached``). A figure withheld by disclosure
control is an empty cell.

Every table is validated against ``hxl_schema.json`` (libhxl's schema format) before it is
written; an invalid one is refused with its row and column, and nothing is written.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from corridor.domain import AgeBand, Destination, InvalidValue, Problem, Sex

__all__ = [
    "SCHEMA",
    "EvacuationRow",
    "HxlColumn",
    "HxlInvalid",
    "HxlTable",
    "Origin",
    "column_values",
    "evacuation_table",
    "figure_cells",
    "hxl_problems",
    "read_hxl_csv",
    "write_hxl_csv",
]

SCHEMA = Path(__file__).with_name("hxl_schema.json")
"""The schema every export is validated against (libhxl's format, HXL-tagged JSON)."""

MINIMUM_THRESHOLD = 5
"""The schema's own floor for published counts; a higher threshold is checked here in code."""

_PCODE = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,12}$")

MEASURES = {"affected": "Registered", "reached": "Arrived"}
"""The measures of the evacuation table, with their headers: people registered on the day's
convoys to a destination (``#affected``), and of them those who arrived (``#reached``)."""

_SEX_ATTRIBUTES = {Sex.FEMALE: "f", Sex.MALE: "m"}
_SEX_HEADERS = {Sex.FEMALE: "female", Sex.MALE: "male"}
_AGE_ATTRIBUTES = {
    AgeBand.AGE_0_4: "children+age0_4",
    AgeBand.AGE_5_11: "children+age5_11",
    AgeBand.AGE_12_17: "children+age12_17",
    AgeBand.AGE_18_59: "adults+age18_59",
    AgeBand.AGE_60_PLUS: "elderly+age60plus",
}
"""HXL's broad age attributes (+children, +adults, +elderly) with the band's own (+age0_4...)."""

Cell = tuple[str, Sex | None, AgeBand | None]
"""A figure of a row: the measure, a sex (None: both) and an age band (None: all ages)."""


class HxlInvalid(InvalidValue):
    """A table does not validate against the HXL schema; ``problems`` names each row and column.

    Nothing was written.
    """

    code = "hxl_invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        count = len(problems)
        super().__init__(f"the HXL export does not validate against {SCHEMA.name} ({count} "
                         f"problem{'s' if count != 1 else ''}) and was not written; the first: "
                         f"{problems[0] if problems else 'no details'}", "hxl")
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class HxlColumn:
    """A column: its header for people and its HXL hashtag with attributes."""

    header: str
    tag: str


@dataclass(frozen=True, slots=True)
class HxlTable:
    """An HXL table: columns, and rows of text cells (empty: no value)."""

    columns: tuple[HxlColumn, ...]
    rows: tuple[tuple[str, ...], ...]

    def lines(self) -> list[list[str]]:
        """The CSV lines: the headers, the hashtags, then the rows."""
        return [[c.header for c in self.columns], [c.tag for c in self.columns],
                *(list(row) for row in self.rows)]


@dataclass(frozen=True, slots=True)
class Origin:
    """The P-codes of the area people leave (a governorate, a district), where known."""

    adm1_code: str | None = None
    adm2_code: str | None = None

    def __post_init__(self) -> None:
        for name, code in (("adm1_code", self.adm1_code), ("adm2_code", self.adm2_code)):
            if code is not None and not _PCODE.match(code):
                raise InvalidValue(f"{code!r} is not a P-code: two capital letters and up to 12 "
                                   "capital letters or digits (e.g. SY04)", name)


@dataclass(frozen=True, slots=True)
class EvacuationRow:
    """The figures of one day and destination; a figure that is None is withheld."""

    day: date
    destination: Destination
    figures: Mapping[Cell, int | None]


def _parents(pcode: str) -> tuple[str, str]:
    """The governorate and district P-codes of a P-code (COD-AB: two letters, two a level)."""
    return (pcode[:4] if len(pcode) >= 4 else "", pcode[:6] if len(pcode) >= 6 else "")


def figure_cells() -> Iterator[tuple[Cell, HxlColumn]]:
    """Every figure of a row, in column order, with its column."""
    for measure, label in MEASURES.items():
        yield (measure, None, None), HxlColumn(f"{label}: total", f"#{measure}+total")
        for sex in Sex:
            yield (measure, sex, None), HxlColumn(f"{label}: {_SEX_HEADERS[sex]}",
                                                  f"#{measure}+{_SEX_ATTRIBUTES[sex]}")
        for band in AgeBand:
            yield (measure, None, band), HxlColumn(f"{label}: aged {band.value}",
                                                   f"#{measure}+{_AGE_ATTRIBUTES[band]}")
        for sex in Sex:
            for band in AgeBand:
                yield (measure, sex, band), HxlColumn(
                    f"{label}: {_SEX_HEADERS[sex]} aged {band.value}",
                    f"#{measure}+{_SEX_ATTRIBUTES[sex]}+{_AGE_ATTRIBUTES[band]}")


PLACE_COLUMNS = (
    HxlColumn("Date", "#date"),
    HxlColumn("Reporting organisation", "#org"),
    HxlColumn("Origin governorate P-code", "#adm1+code+origin"),
    HxlColumn("Origin district P-code", "#adm2+code+origin"),
    HxlColumn("Destination", "#loc+name+dest"),
    HxlColumn("Destination P-code", "#loc+code+dest"),
    HxlColumn("Destination governorate P-code", "#adm1+code+dest"),
    HxlColumn("Destination district P-code", "#adm2+code+dest"),
)


def evacuation_table(rows: Sequence[EvacuationRow], *, org: str,
                     origin: Origin = Origin()) -> HxlTable:
    """The HXL table of ``rows``, by day then destination as given."""
    cells = list(figure_cells())
    lines = []
    for row in rows:
        adm1, adm2 = _parents(row.destination.pcode)
        place = (row.day.isoformat(), org, origin.adm1_code or "", origin.adm2_code or "",
                 row.destination.name, row.destination.pcode, adm1, adm2)
        values = tuple("" if (value := row.figures.get(cell)) is None else str(value)
                       for cell, _column in cells)
        lines.append(place + values)
    return HxlTable(PLACE_COLUMNS + tuple(column for _cell, column in cells), tuple(lines))


def _libhxl() -> Any:
    """libhxl, imported on first use (it is slow to import and only exports need it).

    libhxl 5.2 imports ``six`` without declaring it; corridor's own dependencies carry it.
    """
    import hxl  # type: ignore[import-untyped]

    return hxl


def hxl_problems(table: HxlTable, source: str = "HXL export", *,
                 threshold: int = MINIMUM_THRESHOLD) -> list[Problem]:
    """Every way ``table`` breaks the schema, or shows a count below ``threshold``; [] if none.

    Rows are numbered as a spreadsheet shows the file: the headers are row 1, the hashtags row 2.
    """
    hxl = _libhxl()
    found: list[Problem] = []

    def report(error: Any) -> None:
        row = None if error.row is None else error.row.source_row_number + 1
        column = None
        if error.column is not None:
            column = f"{error.column.display_tag} ({error.column.header})"
        value = f" ({error.value!r})" if error.value else ""
        description = getattr(error.rule, "description", None)
        why = f"; expected {description}" if description else ""
        found.append(Problem(source, row, column, f"{error.message}{value}{why}"))

    schema_source = hxl.data(str(SCHEMA), hxl.InputOptions(allow_local=True))
    schema = hxl.schema(schema_source, callback=report)
    schema.validate(hxl.data(table.lines()))
    counts = {index for index, column in enumerate(table.columns)
              if column.tag.startswith(("#affected", "#reached"))}
    for number, row in enumerate(table.rows, start=3):
        for index in sorted(counts):
            value = row[index]
            if value.isdigit() and 0 < int(value) < threshold:
                column = table.columns[index]
                found.append(Problem(source, number, f"{column.tag} ({column.header})",
                                     f"{value} people is below the disclosure threshold of "
                                     f"{threshold}; such a count is withheld"))
    return found


def write_hxl_csv(table: HxlTable, path: Path, *, threshold: int = MINIMUM_THRESHOLD) -> None:
    """Validate ``table`` and write it as UTF-8 CSV; raise :class:`HxlInvalid` and write nothing
    when it does not validate. The file appears whole or not at all."""
    problems = hxl_problems(table, path.name, threshold=threshold)
    if problems:
        raise HxlInvalid(problems)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(table.lines())
        partial.replace(path)
    except OSError as error:
        raise InvalidValue(f"cannot write {path}: {error.strerror}", "out") from None
    finally:
        partial.unlink(missing_ok=True)


def read_hxl_csv(path: Path) -> HxlTable:
    """An HXL CSV as :func:`write_hxl_csv` writes it (headers, hashtags, rows)."""
    with path.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    if len(lines) < 2:
        raise InvalidValue(f"{path.name} has no hashtag row: it is not an HXL table", "hxl")
    columns = tuple(HxlColumn(header, tag) for header, tag in zip(lines[0], lines[1],
                                                                 strict=True))
    return HxlTable(columns, tuple(tuple(row) for row in lines[2:]))


def column_values(table: HxlTable, tag: str) -> list[str]:
    """The cells of the column tagged exactly ``tag``."""
    index = next(i for i, column in enumerate(table.columns) if column.tag == tag)
    return [row[index] for row in table.rows]

