"""The public HXL export: the schema (checked with libhxl), the figures, disclosure control.

The end-to-end tests run on a synthetic operation of 2,000 leavers, stored, planned, and with
the demo's first convoy day recorded in the event log (a man held at the checkpoint, a no-show,
a bus whose people have not got off yet): a copy of one prepared home per test.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.cli.demo_field import simulate_first_convoy
from corridor.domain import AgeBand, NotFound, Plan, Scenario, Sex
from corridor.interop.hxl import (
    SCHEMA,
    EvacuationRow,
    HxlInvalid,
    HxlTable,
    Origin,
    _libhxl,
    column_values,
    evacuation_table,
    hxl_problems,
    read_hxl_csv,
    write_hxl_csv,
)
from corridor.planner import make_plan
from corridor.reports.disclosure import DisclosurePolicy, Ledger, recoverable_cells
from corridor.reports.evacuation_figures import (
    CELLS,
    Measure,
    Traveller,
    arrivals_key,
    protect_figures,
    tally,
)
from corridor.reports.revisions import split_revision
from corridor.store import Database
from corridor.store.hxl_export import AUDIENCE, write_hxl
from corridor.store.protection import load_ledger
from corridor.synthetic import generate
from tests import builders
from tests.store_databases import custody_in

ORIGIN = Origin("SY04", "SY0400")


@dataclass
class Home:
    """A copy of the prepared operation: its database and what was stored in it."""

    folder: Path
    scenario: Scenario
    plan: Plan

    def open(self) -> Database:
        return Database.open(f"sqlite:///{self.folder / 'corridor.db'}",
                             custody_in(self.folder))

    @property
    def first_day(self) -> date:
        return self.plan.convoys[0].day


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """2,000 leavers stored and planned, no field event yet."""
    folder = tmp_path_factory.mktemp("prepared")
    scenario = generate(2000, seed=5)
    plan = make_plan(scenario).plan
    home = Home(folder, scenario, plan)
    with home.open() as db:
        db.upgrade()
        db.import_scenario(scenario, actor="test set-up")
        db.save_plan(plan)
    return home


@pytest.fixture
def home(prepared: Home, tmp_path: Path) -> Home:
    """A copy of the prepared home for one test."""
    folder = tmp_path / "home"
    shutil.copytree(prepared.folder, folder)
    return Home(folder, prepared.scenario, prepared.plan)


@pytest.fixture
def travelled(home: Home) -> Home:
    """The home once the first convoy day has happened."""
    with home.open() as db:
        simulate_first_convoy(db, home.scenario, home.plan)
    return home


def _counts(table: HxlTable) -> Iterator[tuple[int, str, str]]:
    for number, row in enumerate(table.rows, start=3):
        for column, value in zip(table.columns, row, strict=True):
            if column.tag.startswith(("#affected", "#reached")):
                yield number, column.tag, value


def _valid_by_libhxl(path: Path) -> bool:
    hxl = _libhxl()
    errors: list[object] = []
    schema = hxl.schema(hxl.data(str(SCHEMA), hxl.InputOptions(allow_local=True)),
                        callback=errors.append)
    return bool(schema.validate(hxl.data(str(path), hxl.InputOptions(allow_local=True)))) \
        and not errors


# -- the schema -----------------------------------------------------------------------------------


def test_a_good_table_validates_and_is_written_whole(tmp_path: Path) -> None:
    """Zeros, counts of 5 and more, and withheld (empty) cells are valid HXL."""
    rows = [EvacuationRow(date(2017, 3, 18), site, {
        (m.value, s, b): (0 if s is Sex.MALE else None if b else 12) for m, s, b in CELLS})
        for site in builders.destinations()]
    table = evacuation_table(rows, org="SARC", origin=ORIGIN)
    assert hxl_problems(table) == []
    path = tmp_path / "out.csv"
    write_hxl_csv(table, path)
    assert read_hxl_csv(path) == table and _valid_by_libhxl(path)
    assert column_values(table, "#adm1+code+dest") == ["SY02", "SY07"]
    assert column_values(table, "#adm2+code+dest") == ["SY0204", "SY0700"]


def test_a_count_below_the_threshold_is_refused_naming_its_row_and_column(
        tmp_path: Path) -> None:
    """A 3 in a count: the schema's own rule (never 1 to 4) finds it; nothing is written."""
    rows = [EvacuationRow(date(2017, 3, 18), builders.destinations()[0],
                          {(m.value, s, b): 3 if (m, s, b) == (Measure.REACHED, Sex.FEMALE,
                                                               None) else 0
                           for m, s, b in CELLS})]
    table = evacuation_table(rows, org="SARC")
    path = tmp_path / "out.csv"
    with pytest.raises(HxlInvalid) as refused:
        write_hxl_csv(table, path)
    problem = next(p for p in refused.value.problems if p.row == 3)
    assert problem.column == "#reached+f (Arrived: female)" and "'3'" in problem.message
    assert not path.exists() and not list(tmp_path.iterdir())


def test_a_raised_threshold_is_checked_too() -> None:
    """With a threshold of 10, a 7 is refused though the schema's floor is 5."""
    rows = [EvacuationRow(date(2017, 3, 18), builders.destinations()[0],
                          {(m.value, s, b): 7 for m, s, b in CELLS})]
    table = evacuation_table(rows, org="SARC")
    assert hxl_problems(table, threshold=5) == []
    assert {p.column for p in hxl_problems(table, threshold=10)} >= {
        "#affected+total (Registered: total)"}


def test_the_schema_finds_bad_dates_codes_missing_columns_and_repeated_rows() -> None:
    """Each rule of hxl_schema.json bites, with the row (or the whole table) it is about."""
    good = evacuation_table([EvacuationRow(date(2017, 3, 18), builders.destinations()[0],
                                           {(m.value, s, b): 0 for m, s, b in CELLS})],
                            org="SARC", origin=ORIGIN)
    row = list(good.rows[0])
    bad_date = HxlTable(good.columns, (("18/03/2017", *row[1:]),))
    assert any(p.row == 3 and p.column == "#date (Date)" for p in hxl_problems(bad_date))
    bad_code = HxlTable(good.columns, ((*row[:2], "Homs", *row[3:]),))
    assert any(p.column == "#adm1+code+origin (Origin governorate P-code)"
               for p in hxl_problems(bad_code))
    no_org = HxlTable(good.columns[:1] + good.columns[2:], (tuple(row[:1] + row[2:]),))
    assert any(p.row is None and "column" in p.message for p in hxl_problems(no_org))
    twice = HxlTable(good.columns, (tuple(row), tuple(row)))
    assert any(p.row == 4 for p in hxl_problems(twice))


def test_origin_codes_must_be_p_codes() -> None:
    """A place name instead of a P-code is refused when the origin is made."""
    with pytest.raises(ValueError, match="not a P-code"):
        Origin("Homs")


# -- the figures ----------------------------------------------------------------------------------


bands = st.sampled_from(list(AgeBand))
sexes = st.sampled_from(list(Sex))
people = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["jarablus", "idlib"]), sexes,
                            bands, st.integers(0, 2)), min_size=1, max_size=120)


def _travellers(drawn: list[tuple[int, str, Sex, AgeBand, int]]) -> list[Traveller]:
    return [Traveller(date(2017, 3, 18 + day), site, sex, band, stage >= 1, stage == 2)
            for day, site, sex, band, stage in drawn]


@settings(max_examples=20, deadline=None)
@given(first=people, moved=st.lists(st.booleans(), max_size=120))
def test_no_release_shows_a_small_count_or_lets_one_be_worked_out(
        first: list[tuple[int, str, Sex, AgeBand, int]], moved: list[bool]) -> None:
    """Two releases (people arrive in between): every shown figure is true, none is 1 to 4,
    and nothing hidden can be recovered from both releases and every relation."""
    policy = DisclosurePolicy()
    before = protect_figures(tally(_travellers(first)), policy, Ledger())
    later = [(d, s, x, b, 2 if i < len(moved) and moved[i] else stage)
             for i, (d, s, x, b, stage) in enumerate(first)]
    counted = tally(_travellers(later))
    after = protect_figures(counted, policy, before.ledger)
    truth = {(row.day, row.destination): row.counts for row in counted.rows}
    for release in (before, after):
        for row in release.rows:
            for value in row.figures.values():
                assert value is None or not 0 < value < policy.threshold
        assert recoverable_cells(release.ledger.published, release.ledger.relations) == {}
    for row in after.rows:
        for cell, value in row.figures.items():
            assert value is None or value == truth[(row.day, row.destination)][cell]


def test_the_same_counts_again_change_nothing() -> None:
    """Released twice with the same counts: the same figures, the same ledger."""
    travellers = _travellers([(0, "idlib", Sex.FEMALE, AgeBand.AGE_18_59, 2)] * 30
                             + [(0, "idlib", Sex.MALE, AgeBand.AGE_0_4, 1)] * 3)
    once = protect_figures(tally(travellers), DisclosurePolicy(), Ledger())
    twice = protect_figures(tally(travellers), DisclosurePolicy(), once.ledger)
    assert twice.rows == once.rows and twice.ledger == once.ledger


# -- the export from the store -------------------------------------------------------------------


def test_the_export_validates_with_libhxl_and_shows_no_small_count(travelled: Home) -> None:
    """The first day's file: valid HXL, true figures or empty, none below 5, none recoverable."""
    path = travelled.folder / "day.csv"
    with travelled.open() as db:
        written = write_hxl(db, travelled.scenario.operation.operation_id, path,
                            day=travelled.first_day, org="SARC", origin=ORIGIN, actor="test")
        ledger = Ledger.from_json(load_ledger(db, travelled.scenario.operation.operation_id,
                                              AUDIENCE))
    assert _valid_by_libhxl(path)
    table = read_hxl_csv(path)
    assert written.rows == len(table.rows) >= 1 and written.withheld > 0
    assert set(column_values(table, "#date")) == {travelled.first_day.isoformat()}
    assert set(column_values(table, "#adm1+code+origin")) == {"SY04"}
    assert set(column_values(table, "#org")) == {"SARC"}
    for _row, _tag, value in _counts(table):
        assert value == "" or not 0 < int(value) < 5
    assert recoverable_cells(ledger.published, ledger.relations) == {}


def test_the_held_man_cannot_be_told_from_registered_minus_arrived(travelled: Home) -> None:
    """Registered minus arrived is a count of its own: a small one is never readable."""
    path = travelled.folder / "day.csv"
    with travelled.open() as db:
        write_hxl(db, travelled.scenario.operation.operation_id, path,
                  day=travelled.first_day, org="SARC", actor="test")
    table = read_hxl_csv(path)
    tags = [column.tag for column in table.columns]
    for row in table.rows:
        for index, tag in enumerate(tags):
            if not tag.startswith("#affected"):
                continue
            arrived = row[tags.index(tag.replace("#affected", "#reached"))]
            if row[index] and arrived:
                assert not 0 < int(row[index]) - int(arrived) < 5, (tag, row)


def test_the_arrivals_are_the_sitreps_cell(travelled: Home) -> None:
    """The day's arrivals at a destination are released under the sitrep's own key."""
    operation = travelled.scenario.operation.operation_id
    with travelled.open() as db:
        write_hxl(db, operation, travelled.folder / "day.csv", day=travelled.first_day,
                  org="SARC", actor="test")
        ledger = Ledger.from_json(load_ledger(db, operation, AUDIENCE))
    convoy = travelled.plan.convoys[0]
    keys = {split_revision(key)[0] for key in ledger.cells}
    assert arrivals_key(convoy.day, convoy.destination) in keys


def test_a_later_export_of_the_same_day_is_a_revision_nothing_recoverable(home: Home) -> None:
    """Exported before the convoy, then after it: the arrivals are a linked revision."""
    operation = home.scenario.operation.operation_id
    with home.open() as db:
        write_hxl(db, operation, home.folder / "before.csv", day=home.first_day, org="SARC",
                  actor="test")
        simulate_first_convoy(db, home.scenario, home.plan)
        write_hxl(db, operation, home.folder / "after.csv", day=home.first_day, org="SARC",
                  actor="test")
        ledger = Ledger.from_json(load_ledger(db, operation, AUDIENCE))
    assert any(split_revision(key)[1] == 2 for key in ledger.cells)
    assert recoverable_cells(ledger.published, ledger.relations) == {}
    before = read_hxl_csv(home.folder / "before.csv")
    assert set(column_values(before, "#reached+total")) == {"0"}


def test_exporting_every_day_twice_gives_the_same_file(travelled: Home) -> None:
    """--all: one row a day and destination of the plan; again, byte for byte the same."""
    operation = travelled.scenario.operation.operation_id
    with travelled.open() as db:
        first = write_hxl(db, operation, travelled.folder / "a.csv", org="SARC", actor="test")
        write_hxl(db, operation, travelled.folder / "b.csv", org="SARC", actor="test")
    pairs = {(c.day, c.destination) for c in travelled.plan.convoys}
    assert first.rows == len(pairs) and first.days == tuple(sorted({d for d, _s in pairs}))
    assert (travelled.folder / "a.csv").read_bytes() == (travelled.folder / "b.csv").read_bytes()


def test_a_raised_threshold_withholds_every_count_below_it(travelled: Home) -> None:
    """With a threshold of 20 no count from 1 to 19 is shown."""
    path = travelled.folder / "day.csv"
    with travelled.open() as db:
        write_hxl(db, travelled.scenario.operation.operation_id, path, day=travelled.first_day,
                  org="SARC", policy=DisclosurePolicy(20), actor="test")
    for _row, _tag, value in _counts(read_hxl_csv(path)):
        assert value == "" or not 0 < int(value) < 20


def test_a_day_nobody_travels_is_not_found(home: Home) -> None:
    """A day outside the plan names the plan's days; nothing is written or kept."""
    with home.open() as db, pytest.raises(NotFound, match="its days"):
        write_hxl(db, home.scenario.operation.operation_id, home.folder / "x.csv",
                  day=date(2016, 1, 1), org="SARC", actor="test")
    assert not (home.folder / "x.csv").exists()


def test_the_export_is_audited_as_a_publication(travelled: Home) -> None:
    """Reading the registry and keeping the release are both in the audit log."""
    from corridor.store.protection import audit_records

    with travelled.open() as db:
        write_hxl(db, travelled.scenario.operation.operation_id, travelled.folder / "d.csv",
                  day=travelled.first_day, org="SARC", actor="monitor-1")
        actions = [(r.entry.actor, r.entry.action) for r in audit_records(db)]
    assert ("monitor-1", "registry.read") in actions
    assert ("monitor-1", "figures.publish") in actions


def test_a_tiny_operation_shows_only_zeros_or_nothing(database: Database,
                                                      tmp_path: Path) -> None:
    """The builders' three households (SQLite and PostgreSQL): every count is below 5."""
    scenario = builders.scenario()
    database.import_scenario(scenario, actor="test")
    plan = make_plan(scenario).plan
    database.save_plan(plan)
    path = tmp_path / "tiny.csv"
    write_hxl(database, scenario.operation.operation_id, path, org="SARC", actor="test")
    with path.open(encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert lines[1][0] == "#date" and len(lines) >= 3
    for _row, _tag, value in _counts(read_hxl_csv(path)):
        assert value in {"", "0"}


def test_a_missing_folder_is_refused_before_anything_is_kept(home: Home) -> None:
    """No file can be written: the release is not kept in the ledger either."""
    operation = home.scenario.operation.operation_id
    with home.open() as db:
        with pytest.raises(ValueError, match="does not exist"):
            write_hxl(db, operation, home.folder / "nowhere" / "x.csv", day=home.first_day,
                      org="SARC", actor="test")
        assert load_ledger(db, operation, AUDIENCE) is None
