"""`corridor report hxl`: coordinators and monitors write the public HXL export; others may not."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.cli import console
from corridor.cli.app import ExitCode, run
from corridor.cli.identity import open_database
from corridor.cli.settings import Settings
from corridor.interop.hxl import column_values, read_hxl_csv
from corridor.planner import make_plan
from corridor.security.permissions import Role
from corridor.synthetic import generate
from tests.test_cli import make_staff


def _home(folder: Path, monkeypatch: pytest.MonkeyPatch, roles: tuple[Role, ...]) -> str:
    """A home with 2,000 leavers stored and planned, signed in with ``roles``."""
    token = make_staff(folder, roles)
    monkeypatch.setenv("CORRIDOR_HOME", str(folder))
    monkeypatch.setenv("CORRIDOR_TOKEN", token)
    monkeypatch.setattr(console.out, "width", 200)
    monkeypatch.setattr(console.err, "width", 200)
    scenario = generate(2000, seed=5)
    settings = Settings.from_environment({"CORRIDOR_HOME": str(folder)})
    with open_database(settings) as db:
        db.import_scenario(scenario, actor="test set-up")
        plan = make_plan(scenario).plan
        db.save_plan(plan)
    return plan.convoys[0].day.isoformat()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MONITOR])
def test_coordinators_and_monitors_write_the_day_as_hxl(
        role: Role, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """One row a destination of the day, origin codes as given, withheld figures counted."""
    day = _home(tmp_path, monkeypatch, (role,))
    out = tmp_path / "day.csv"
    capsys.readouterr()
    assert run(["report", "hxl", "--day", day, "--out", str(out), "--org", "SARC",
                "--origin-adm1", "SY04", "--origin-adm2", "SY0400"]) == 0
    assert "validated against the HXL schema" in capsys.readouterr().out
    table = read_hxl_csv(out)
    assert set(column_values(table, "#date")) == {day}
    assert set(column_values(table, "#adm2+code+origin")) == {"SY0400"}
    assert run(["report", "hxl", "--day", day, "--out", str(out), "--org",
                "SARC"]) == ExitCode.NOT_FOUND_OR_CONFLICT
    assert run(["report", "hxl", "--all", "--out", str(out), "--org", "SARC", "--force"]) == 0


def test_others_may_not_and_bad_options_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A registrar: exit 7; --day and --all together, a bad date, a bad P-code: exit 3."""
    day = _home(tmp_path, monkeypatch, (Role.REGISTRAR, Role.PROTECTION_OFFICER))
    out = tmp_path / "x.csv"
    capsys.readouterr()
    assert run(["report", "hxl", "--day", day, "--out", str(out),
                "--org", "SARC"]) == ExitCode.ACCESS
    assert "may not figures.export" in capsys.readouterr().err
    for extra in (["--day", day, "--all"], [], ["--day", "18/03/2017"],
                  ["--day", day, "--origin-adm1", "Homs"]):
        assert run(["report", "hxl", "--out", str(out), "--org", "SARC",
                    *extra]) == ExitCode.INVALID_INPUT, extra
    assert not out.exists()
