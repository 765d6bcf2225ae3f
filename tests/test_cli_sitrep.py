"""`corridor report sitrep` and `corridor outside`: files for each audience, who may write
which, outside figures recorded and shown, bad input refused with nothing written."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pypdf
import pytest

from corridor.cli import console
from corridor.cli.app import ExitCode, run
from corridor.cli.identity import open_database
from corridor.cli.settings import Settings
from corridor.domain.events import EventKind, ScreeningDecision
from corridor.interop.scenario_files import save_scenario
from corridor.security.passwords import Passwords
from corridor.security.permissions import Grant, Role
from corridor.store.accounts import Accounts
from corridor.store.events import StoreEventLog
from corridor.store.protection import audit_records, load_ledger
from corridor.tracking import Roster, ScanContext, board, check_in, report, screen
from tests import builders
from tests.test_cli import PASSWORD, make_staff


@pytest.fixture
def sitrep_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The builders' operation imported and planned; its first convoy boarded and departed;
    signed in as a coordinator."""
    token = make_staff(tmp_path, (Role.COORDINATOR,))
    monkeypatch.setenv("CORRIDOR_HOME", str(tmp_path))
    monkeypatch.setenv("CORRIDOR_TOKEN", token)
    monkeypatch.setattr(console.out, "width", 200)
    monkeypatch.setattr(console.err, "width", 200)
    save_scenario(builders.scenario(), tmp_path / "scenario")
    assert run(["import", str(tmp_path / "scenario")]) == 0
    assert run(["plan", "--output", str(tmp_path / "plan.json")]) == 0
    convoy = json.loads((tmp_path / "plan.json").read_text())["convoys"][0]
    at = datetime.fromisoformat(convoy["departure"]) - timedelta(hours=2)
    with open_database(Settings.from_environment({"CORRIDOR_HOME": str(tmp_path)})) as db:
        scenario = db.load_scenario(actor="test", reason="test set-up")
        roster = Roster(scenario, db.load_plan())
        log = StoreEventLog(db)
        phone = ScanContext(roster, "officer", "phone-1", at, lambda action: True)
        trip = convoy["trips"][0]
        household = trip["lines"][0]["household_id"]
        check_in(log, phone, household, convoy["convoy_id"], nonce="c1", device_time=at)
        screen(log, phone, household, ScreeningDecision.CLEARED, nonce="s1", device_time=at)
        board(log, phone, household, convoy["convoy_id"], trip["vehicle_id"], nonce="b1",
              device_time=at)
        report(log, phone, EventKind.CONVOY_DEPARTED, nonce="d1", device_time=at,
               convoy_id=convoy["convoy_id"])
    (tmp_path / "day").write_text(convoy["day"])
    return tmp_path


def _day(home: Path) -> str:
    return (home / "day").read_text()


def test_an_internal_and_a_public_sitrep_are_written_in_each_language(
        sitrep_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """HTML in English and PDF in Arabic; the public one is kept in the monitors' ledger and
    says how many figures it withholds."""
    day = _day(sitrep_home)
    internal = sitrep_home / "internal.html"
    assert run(["report", "sitrep", "--day", day, "--out", str(internal)]) == 0
    page = internal.read_text()
    assert '<html lang="en" dir="ltr">' in page and "Internal: not for distribution" in page
    public = sitrep_home / "public.pdf"
    capsys.readouterr()
    assert run(["report", "sitrep", "--day", day, "--audience", "public", "--lang", "ar",
                "--format", "pdf", "--out", str(public)]) == 0
    assert "figures withheld" in capsys.readouterr().out
    text = " ".join(page.extract_text() or "" for page in
                    pypdf.PdfReader(io.BytesIO(public.read_bytes())).pages)
    assert "الأرقام الرئيسية" in text and "للنشر العام" in text
    with open_database(Settings.from_environment({"CORRIDOR_HOME": str(sitrep_home)})) as db:
        assert load_ledger(db, "al-waer-test", "monitors") is not None
        actions = [record.entry.action for record in audit_records(db)]
    assert "figures.publish" in actions


def test_a_monitor_writes_the_public_sitrep_but_not_the_internal_one(
        sitrep_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Monitors may not read exact figures: exit 7 and no file; the monitor sitrep is fine."""
    settings = Settings.from_environment({"CORRIDOR_HOME": str(sitrep_home)})
    with open_database(settings) as db:
        accounts = Accounts(db, Passwords(time_cost=1, memory_cost=8 * 1024, parallelism=1))
        accounts.add("watcher", PASSWORD, [Grant(Role.MONITOR)], actor="test set-up")
        monkeypatch.setenv("CORRIDOR_TOKEN", accounts.sign_in("watcher", PASSWORD))
    refused = sitrep_home / "refused.html"
    assert run(["report", "sitrep", "--day", _day(sitrep_home), "--out", str(refused)]) == (
        ExitCode.ACCESS)
    assert not refused.exists()
    allowed = sitrep_home / "monitor.html"
    assert run(["report", "sitrep", "--day", _day(sitrep_home), "--audience", "monitor",
                "--out", str(allowed)]) == 0
    assert "For monitors" in allowed.read_text()
    assert run(["outside", "add", "--source", "SANA", "--date", _day(sitrep_home),
                "--stage", "departed", "--people", "1000"]) == 0


def test_an_outside_figure_is_recorded_listed_and_set_beside_corridors_count(
        sitrep_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Recorded (audited), listed, and in the next sitrep with the difference."""
    day = _day(sitrep_home)
    assert run(["outside", "add", "--source", "Homs media centre", "--date", day, "--stage",
                "departed", "--people", "2000", "--combatants", "400", "--note",
                "2,000 residents including 400 fighters", "--url",
                "https://example.org/claim"]) == 0
    capsys.readouterr()
    assert run(["outside", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Homs media centre" in listed and "2,000" in listed and "400" in listed
    page = sitrep_home / "with-claim.html"
    assert run(["report", "sitrep", "--day", day, "--out", str(page)]) == 0
    html = page.read_text()
    assert "Homs media centre" in html and "more" in html  # 2,000 against a handful
    with open_database(Settings.from_environment({"CORRIDOR_HOME": str(sitrep_home)})) as db:
        assert "outside.record" in [r.entry.action for r in audit_records(db)]


@pytest.mark.parametrize(("arguments", "code", "message"), [
    (["report", "sitrep", "--day", "18 March", "--out", "x.html"], ExitCode.INVALID_INPUT,
     "YYYY-MM-DD"),
    (["report", "sitrep", "--day", "2017-03-18", "--out", "nowhere/x.html"],
     ExitCode.INVALID_INPUT, "does not exist"),
    (["report", "sitrep", "--day", "2017-03-18", "--audience", "press", "--out", "x.html"],
     ExitCode.USAGE, ""),
    (["outside", "add", "--source", "SANA", "--date", "2017-03-18", "--stage", "screened",
      "--people", "10"], ExitCode.INVALID_INPUT, "registered, checked_in"),
    (["outside", "add", "--source", "SANA", "--date", "2017-03-18", "--stage", "departed",
      "--people", "10", "--combatants", "11"], ExitCode.INVALID_INPUT, "fighters"),
    (["outside", "add", "--source", "SANA", "--date", "2017-03-18", "--stage", "departed",
      "--people", "10", "--url", "file:///etc/passwd"], ExitCode.INVALID_INPUT, "http"),
])
def test_bad_input_is_refused_with_a_plain_message_and_nothing_written(
        sitrep_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        arguments: list[str], code: ExitCode, message: str) -> None:
    """Each bad value: its exit code, a sentence saying what to write, no file, no figure."""
    monkeypatch.chdir(sitrep_home)
    capsys.readouterr()
    assert run(arguments) == code
    assert message in capsys.readouterr().err
    assert not (sitrep_home / "x.html").exists()
    with open_database(Settings.from_environment({"CORRIDOR_HOME": str(sitrep_home)})) as db:
        assert "outside.record" not in [r.entry.action for r in audit_records(db)]


def test_an_existing_file_is_kept_unless_forced(sitrep_home: Path) -> None:
    """Exit 4 without --force, and the file is as it was."""
    target = sitrep_home / "kept.html"
    target.write_text("mine")
    assert run(["report", "sitrep", "--day", _day(sitrep_home), "--out", str(target)]) == (
        ExitCode.NOT_FOUND_OR_CONFLICT)
    assert target.read_text() == "mine"
    assert run(["report", "sitrep", "--day", _day(sitrep_home), "--out", str(target),
                "--force"]) == 0
    assert target.read_text().startswith("<!doctype html>")
    assert date.fromisoformat(_day(sitrep_home))
