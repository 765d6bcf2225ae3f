"""`corridor field`: a batch recorded offline is stored once, counted once, and a bad one not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor.cli import console
from corridor.cli.app import ExitCode, run
from corridor.cli.identity import open_database
from corridor.cli.settings import Settings
from corridor.interop.scenario_files import save_scenario
from corridor.security.permissions import Role
from corridor.store.events import StoreEventLog
from corridor.tracking import Roster, project
from tests import builders
from tests.test_cli import make_staff


@pytest.fixture
def field_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with the builders' operation imported and planned, signed in as a coordinator who
    is also a checkpoint officer."""
    token = make_staff(tmp_path, (Role.COORDINATOR, Role.CHECKPOINT_OFFICER))
    monkeypatch.setenv("CORRIDOR_HOME", str(tmp_path))
    monkeypatch.setenv("CORRIDOR_TOKEN", token)
    # The consoles were made at import, at the test runner's width: make them wide.
    monkeypatch.setattr(console.out, "width", 200)
    monkeypatch.setattr(console.err, "width", 200)
    save_scenario(builders.scenario(), tmp_path / "scenario")
    assert run(["import", str(tmp_path / "scenario")]) == 0
    assert run(["plan", "--output", str(tmp_path / "plan.json")]) == 0
    return tmp_path


def _line(home: Path, nonce: str, **extra: object) -> str:
    plan = json.loads((home / "plan.json").read_text())
    convoy = plan["convoys"][0]
    household = convoy["trips"][0]["lines"][0]["household_id"]
    return json.dumps({"nonce": nonce, "kind": "checked_in",
                       "device_time": "2017-03-18T06:05:00", "household_id": household,
                       "convoy_id": convoy["convoy_id"], **extra})


def test_an_offline_batch_is_stored_once_and_counted_once(
        field_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Uploading the same batch twice stores nothing new; the check-in is counted once."""
    batch = field_home / "batch.jsonl"
    batch.write_text(_line(field_home, "p1-0001") + "\n" + _line(field_home, "p1-0001") + "\n")
    capsys.readouterr()
    assert run(["field", "upload", str(batch), "--device", "phone-1"]) == 0
    assert "Stored 1 new events" in capsys.readouterr().out
    assert run(["field", "upload", str(batch), "--device", "phone-1"]) == 0
    assert "Stored 0 new events from phone-1 (2 of the 2 were there already)" in (
        capsys.readouterr().out)
    plan = json.loads((field_home / "plan.json").read_text())
    household = plan["convoys"][0]["trips"][0]["lines"][0]["household_id"]
    members = [p for p in builders.scenario().persons if p.household_id == household]
    settings = Settings.from_environment({"CORRIDOR_HOME": str(field_home)})
    with open_database(settings) as db:
        scenario = db.load_scenario(actor="test", reason="test")
        roster = Roster(scenario, db.load_plan())
        total = project(roster, StoreEventLog(db).events(scenario.operation.operation_id)
                        ).total()
    assert total.checked_in == len(members)
    assert run(["field", "status", "--by", "day"]) == 0
    assert "2017-03-18" in capsys.readouterr().out
    assert run(["field", "reconcile", plan["convoys"][0]["convoy_id"]]) == 0


def test_a_bad_batch_names_the_line_and_stores_nothing(
        field_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A line that is not JSON and a line with an unknown field: exit 3, both named, no event."""
    batch = field_home / "batch.jsonl"
    batch.write_text(_line(field_home, "ok-1") + "\n{not json\n"
                     + _line(field_home, "x-2", colour="red") + "\n")
    capsys.readouterr()
    assert run(["field", "upload", str(batch), "--device", "phone-1"]) == ExitCode.INVALID_INPUT
    errors = capsys.readouterr().err
    assert "batch.jsonl row 2: is not JSON" in errors
    assert "line 3.colour" in errors
    assert run(["field", "upload", str(batch.with_name("none.jsonl")),
                "--device", "phone-1"]) == ExitCode.INVALID_INPUT
