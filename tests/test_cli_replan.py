"""`corridor replan` end to end, in real processes: the diff, the stored plan, the errors."""

from __future__ import annotations

from pathlib import Path

from corridor.cli.app import ExitCode
from tests.test_cli import corridor, home, scenario_folder, staff

__all__ = ["home", "scenario_folder", "staff"]  # the fixtures come from tests/test_cli.py


def _planned(home: Path, scenario_folder: Path) -> None:
    assert corridor("import", str(scenario_folder), home=home).returncode == 0
    planned = corridor("plan", home=home)
    assert planned.returncode == 0, planned.stderr


def test_replan_moves_the_households_of_a_broken_bus_and_shows_the_diff(
        home: Path, staff: str, scenario_folder: Path) -> None:
    """The bus of the only convoy is out: its household moves, the table says from where to
    where and why, the new plan passes check-plan and is stored."""
    _planned(home, scenario_folder)
    (home / "disruption.toml").write_text(
        'as_of = 2017-03-17T12:00:00\n\n[[vehicles_out]]\nvehicle = "BUS-001"\n'
        "from = 2017-03-18\nto = 2017-03-18\n", encoding="utf-8")
    result = corridor("replan", "disruption.toml", "--output", "replan.json",
                      "--reason", "bus broke down", home=home)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in ("Manifest changes: 1 households", "H1", "BUS-001", "vehicle_out_of_service",
                 "passed check-plan and is stored"):
        assert text in out, out
    assert (home / "replan.json").exists()
    assert corridor("check-plan", home=home).returncode == 0
    audit = corridor("audit", "show", home=home)
    assert "bus broke down" in audit.stdout


def test_replan_rejects_a_bad_file_naming_file_and_key(
        home: Path, staff: str, scenario_folder: Path) -> None:
    """Unknown vehicle and a missing as_of: exit 3, each problem with the file and the key."""
    _planned(home, scenario_folder)
    (home / "disruption.toml").write_text(
        '[[vehicles_out]]\nvehicle = "BUS-999"\nfrom = 2017-03-18\n', encoding="utf-8")
    result = corridor("replan", "disruption.toml", home=home)
    assert result.returncode == ExitCode.INVALID_INPUT
    assert "disruption.toml, as_of: is missing" in result.stderr
    assert "vehicles_out[1].vehicle" in result.stderr and "BUS-999" in result.stderr
    missing = corridor("replan", "nowhere.toml", home=home)
    assert missing.returncode == ExitCode.INVALID_INPUT and "cannot read" in missing.stderr
