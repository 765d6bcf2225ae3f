"""`corridor intake form` and `corridor intake import`: the form written, exports imported or
refused with every problem, the report, and who may."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from corridor.cli import console
from corridor.cli.app import ExitCode, run
from corridor.cli.identity import open_database
from corridor.cli.settings import Settings
from corridor.domain import Scenario
from corridor.interop.xlsform import registration_form
from corridor.security.permissions import Role
from tests import builders
from tests import intake_exports as exports
from tests.test_cli import make_staff


def _sign_in(home: Path, monkeypatch: pytest.MonkeyPatch, roles: tuple[Role, ...]) -> None:
    token = make_staff(home, roles)
    monkeypatch.setenv("CORRIDOR_HOME", str(home))
    monkeypatch.setenv("CORRIDOR_TOKEN", token)
    monkeypatch.setattr(console.out, "width", 200)
    monkeypatch.setattr(console.err, "width", 200)


@pytest.fixture
def intake_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with the builders' operation stored with an empty registry, as a registrar."""
    _sign_in(tmp_path, monkeypatch, (Role.REGISTRAR,))
    settings = Settings.from_environment({"CORRIDOR_HOME": str(tmp_path)})
    with open_database(settings) as db:
        db.import_scenario(Scenario(builders.operation(), (), ()), actor="test set-up")
    return tmp_path


def _export(home: Path, *, broken: bool = False) -> Path:
    scenario = builders.scenario()
    answers = exports.answers(scenario.households, scenario.persons)
    if broken:
        answers[0].members[1]["sex"] = "F"
        answers[2].members[0]["age_known"] = "age"
    paths = exports.form_paths(registration_form(builders.operation()))
    return exports.write_kobo_xlsx(home / "kobo.xlsx", answers, paths)


def test_intake_form_writes_the_xlsform_with_the_operations_sites(
        intake_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --operation the sites are choices; without, no database is needed."""
    assert run(["intake", "form", "--out", str(intake_home / "form.xlsx"),
                "--operation", "al-waer-test"]) == 0
    assert "1 assembly points and 2 destinations" in capsys.readouterr().out
    workbook = load_workbook(intake_home / "form.xlsx", read_only=True)
    assert workbook.sheetnames == ["survey", "choices", "settings"]
    choices = [row[1] for row in workbook["choices"].iter_rows(values_only=True)]
    assert "ap-1" in choices and "jarablus" in choices
    assert run(["intake", "form", "--out", str(intake_home / "form.xlsx")]) == (
        ExitCode.NOT_FOUND_OR_CONFLICT)
    assert run(["intake", "form", "--out", str(intake_home / "plain.xlsx")]) == 0


def test_intake_import_stores_the_export_and_a_second_run_adds_nothing(
        intake_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """3 households, 5 persons; then 3 already registered; the report lists them."""
    export = _export(intake_home)
    capsys.readouterr()
    assert run(["intake", "import", str(export)]) == 0
    assert "Imported 3 households, 5 persons into al-waer-test (kobo export" in (
        capsys.readouterr().out)
    report = intake_home / "report.csv"
    assert run(["intake", "import", str(export), "--report", str(report)]) == 0
    shown = capsys.readouterr().out
    assert "Imported 0 households" in shown and "3 already registered" in shown
    rows = list(csv.reader(report.open(encoding="utf-8")))
    assert [row[0] for row in rows[1:]] == ["not imported: already_registered"] * 3


def test_a_bad_export_is_refused_whole_with_every_problem(
        intake_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 3, both problems on screen and in the report, nothing stored."""
    report = intake_home / "problems.csv"
    capsys.readouterr()
    status = run(["intake", "import", str(_export(intake_home, broken=True)),
                  "--report", str(report)])
    assert status == ExitCode.INVALID_INPUT
    errors = capsys.readouterr().err
    assert "rejected with 2 problems; nothing was stored" in errors
    assert "kobo.xlsx, sheet member, row 3" in errors and "row 6" in errors
    rows = list(csv.reader(report.open(encoding="utf-8")))
    assert {(row[2], row[3], row[5]) for row in rows[1:]} == {("member", "3", "sex"),
                                                              ("member", "6", "age")}
    settings = Settings.from_environment({"CORRIDOR_HOME": str(intake_home)})
    with open_database(settings) as db:
        assert db.operations()[0].persons == 0


def test_skip_invalid_stores_the_good_ones_and_needs_a_report(
        intake_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --report it is refused; with it, H2 is stored and the others reported."""
    export = _export(intake_home, broken=True)
    assert run(["intake", "import", str(export), "--skip-invalid"]) == ExitCode.INVALID_INPUT
    report = intake_home / "report.csv"
    capsys.readouterr()
    assert run(["intake", "import", str(export), "--skip-invalid", "--report",
                str(report)]) == 0
    assert "Imported 1 households, 1 persons" in capsys.readouterr().out
    outcomes = [row[0] for row in csv.reader(report.open(encoding="utf-8"))][1:]
    assert outcomes == ["problem", "problem"]


def test_a_checkpoint_officer_may_not_import(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Importing is for registrars and coordinators."""
    _sign_in(tmp_path, monkeypatch, (Role.CHECKPOINT_OFFICER,))
    settings = Settings.from_environment({"CORRIDOR_HOME": str(tmp_path)})
    with open_database(settings) as db:
        db.import_scenario(Scenario(builders.operation(), (), ()), actor="test set-up")
    assert run(["intake", "import", str(_export(tmp_path))]) == ExitCode.ACCESS
    assert "may not registry.import" in capsys.readouterr().err
