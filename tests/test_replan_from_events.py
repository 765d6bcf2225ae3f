"""Deviations feed the planner: what the field recorded becomes the disruption a re-plan uses."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from corridor.cli import console
from corridor.cli.app import ExitCode, run
from corridor.domain.events import Event, EventKind, ScanOutcome
from corridor.interop.scenario_files import save_scenario
from corridor.security.permissions import Role
from corridor.tracking.deviations import disruption_from_events
from tests import builders
from tests.test_cli import make_staff

T0 = datetime(2017, 3, 18, 6, 0)


def _event(nonce: str, kind: EventKind, minutes: int, **fields: object) -> Event:
    at = T0 + timedelta(minutes=minutes)
    return Event(nonce, kind, "al-waer-test", "phone-1", "officer", at, at, **fields)  # type: ignore[arg-type]


def test_departures_no_shows_and_vehicles_out_become_the_disruption() -> None:
    """Live events count; a voided no-show, a refusal and a later event do not."""
    events = [
        _event("d1", EventKind.CONVOY_DEPARTED, 10, convoy_id="C1"),
        _event("n1", EventKind.NO_SHOW, 5, household_id="H2", convoy_id="C1"),
        _event("n2", EventKind.NO_SHOW, 6, household_id="H3", convoy_id="C1"),
        _event("v2", EventKind.VOIDED, 7, voids="n2", reason="she came after all"),
        _event("o1", EventKind.VEHICLE_OUT_OF_SERVICE, 8, vehicle_id="BUS-002"),
        _event("late", EventKind.CONVOY_DEPARTED, 600, convoy_id="C2"),
    ]
    refused = Event("r1", EventKind.NO_SHOW, "al-waer-test", "phone-1", "officer", T0, T0,
                    outcome=ScanOutcome.REFUSED, refusal=_any_refusal(), household_id="H1")
    disruption = disruption_from_events([*events, refused], T0 + timedelta(hours=1))
    assert disruption.departed == ("C1",)
    assert disruption.no_shows == ("H2",)
    assert [(v.vehicle_id, v.first_day, v.last_day) for v in disruption.vehicles_out] == [
        ("BUS-002", T0.date(), T0.date())]


def _any_refusal() -> object:
    from corridor.domain.events import RefusalReason

    return next(iter(RefusalReason))


def test_corridor_replan_from_events_moves_the_no_shows_and_says_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A no-show uploaded from a phone; `replan --from-events` re-plans and names it."""
    token = make_staff(tmp_path, (Role.COORDINATOR, Role.CHECKPOINT_OFFICER, Role.CONVOY_LEAD))
    monkeypatch.setenv("CORRIDOR_HOME", str(tmp_path))
    monkeypatch.setenv("CORRIDOR_TOKEN", token)
    monkeypatch.setattr(console.out, "width", 200)
    monkeypatch.setattr(console.err, "width", 200)
    save_scenario(builders.scenario(), tmp_path / "scenario")
    assert run(["import", str(tmp_path / "scenario")]) == 0
    assert run(["plan", "--output", str(tmp_path / "plan.json")]) == 0
    plan = json.loads((tmp_path / "plan.json").read_text())
    convoy = plan["convoys"][0]
    household = convoy["trips"][0]["lines"][0]["household_id"]
    departure = datetime.fromisoformat(convoy["departure"])
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"nonce": "ns-1", "kind": "no_show", "household_id": household,
                                 "convoy_id": convoy["convoy_id"],
                                 "device_time": (departure - timedelta(minutes=30)).isoformat()})
                     + "\n")
    assert run(["field", "upload", str(batch), "--device", "phone-1"]) == 0
    capsys.readouterr()
    status = run(["replan", "--from-events", "--as-of",
                  (departure - timedelta(minutes=10)).isoformat(timespec="minutes")])
    shown = capsys.readouterr()
    assert status == 0, shown.err
    assert "no_show" in shown.out and household in shown.out
    assert run(["replan"]) == ExitCode.INVALID_INPUT
    assert run(["replan", "--from-events", "--as-of", "tomorrow"]) == ExitCode.INVALID_INPUT
