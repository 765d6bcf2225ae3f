"""The command line end to end, in real processes: output, errors and exit codes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from corridor.cli.app import ExitCode
from corridor.interop.scenario_files import save_scenario
from tests import builders


def corridor(*args: str, home: Path, env: dict[str, str] | None = None,
             ) -> subprocess.CompletedProcess[str]:
    """Run ``corridor ARGS`` in its own process with CORRIDOR_HOME set to ``home``."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("CORRIDOR_")}
    environment.update({"CORRIDOR_HOME": str(home), "COLUMNS": "160", **(env or {})})
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True,
                          text=True, env=environment, cwd=home, timeout=300, check=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A working folder for one command-line session."""
    return tmp_path


@pytest.fixture
def scenario_folder(home: Path) -> Path:
    """The builders' scenario written as a folder."""
    folder = home / "scenario"
    save_scenario(builders.scenario(), folder)
    return folder


def test_demo_runs_end_to_end_and_prints_the_coordinators_figures(home: Path) -> None:
    """`corridor demo` generates, stores and summarises; a second run replaces the first."""
    for _ in range(2):
        result = corridor("demo", "--leaving", "2000", "--folder", "demo", home=home)
        assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "2,000 people leaving" in out
    assert "passed check-plan" not in out  # the demo stores its plan quietly
    assert "what binds" in out and "vehicle trips" in out
    for heading in ("By destination", "By category", "By sex", "By age band",
                    "Vulnerable people", "Fleet"):
        assert heading in out
    for label in ("Jarablus", "combatant", "female", "0-4", "60+", "ambulance"):
        assert label in out
    with sqlite3.connect(home / "demo" / "corridor.db") as db:
        (persons_leaving,) = db.execute(
            "select count(*) from persons where intent = 'leave'").fetchone()
    assert persons_leaving == 2000


def test_import_then_summary_then_export_round_trips(home: Path, scenario_folder: Path) -> None:
    """Init, import, summary and export work on the default SQLite database; files round-trip."""
    assert corridor("init", home=home).returncode == 0
    assert (home / "corridor.db").exists()
    imported = corridor("import", str(scenario_folder), home=home)
    assert imported.returncode == 0, imported.stderr
    assert "3 households, 5 persons" in imported.stdout
    summary = corridor("summary", home=home)
    assert "3 people leaving in 1 households" in summary.stdout
    listing = corridor("operations", home=home)
    assert "al-waer-test" in listing.stdout
    exported = corridor("export", "out", home=home)
    assert exported.returncode == 0, exported.stderr
    for name in ("operation.toml", "households.csv", "persons.csv"):
        assert (home / "out" / name).read_bytes() == (scenario_folder / name).read_bytes()


def test_bad_folder_is_rejected_with_every_problem_and_nothing_stored(
        home: Path, scenario_folder: Path) -> None:
    """Exit 3, each problem on its own line, and the database stays empty."""
    corridor("init", home=home)
    persons = scenario_folder / "persons.csv"
    persons.write_text(persons.read_text().replace(",1985,", ",abc,")
                       .replace("P2,H1", "P2,H7"))
    result = corridor("import", str(scenario_folder), home=home)
    assert result.returncode == ExitCode.INVALID_INPUT
    assert 'persons.csv row 2, column birth_year: "abc" is not a whole number' in result.stderr
    assert "persons.csv row 3, column household_id: household H7 does not exist" in result.stderr
    assert "nothing was stored" in result.stderr
    assert "No operations yet" in corridor("operations", home=home).stdout


def test_import_needs_an_initialised_database(home: Path, scenario_folder: Path) -> None:
    """Exit 5 with the command that fixes it."""
    result = corridor("import", str(scenario_folder), home=home)
    assert result.returncode == ExitCode.DATABASE
    assert "corridor init" in result.stderr


def test_importing_twice_is_a_conflict_unless_replaced(home: Path, scenario_folder: Path) -> None:
    """Exit 4 the second time; --replace stores it again."""
    corridor("init", home=home)
    assert corridor("import", str(scenario_folder), home=home).returncode == 0
    again = corridor("import", str(scenario_folder), home=home)
    assert again.returncode == ExitCode.NOT_FOUND_OR_CONFLICT
    assert "--replace" in again.stderr
    assert corridor("import", str(scenario_folder), "--replace", home=home).returncode == 0


def test_export_refuses_to_overwrite_a_scenario(home: Path, scenario_folder: Path) -> None:
    """Exit 4 unless --force."""
    corridor("init", home=home)
    corridor("import", str(scenario_folder), home=home)
    result = corridor("export", str(scenario_folder), home=home)
    assert result.returncode == ExitCode.NOT_FOUND_OR_CONFLICT
    assert "--force" in result.stderr


def test_unknown_operation_is_not_found(home: Path, scenario_folder: Path) -> None:
    """Exit 4 and the ids there are."""
    corridor("init", home=home)
    corridor("import", str(scenario_folder), home=home)
    result = corridor("summary", "--operation", "nowhere", home=home)
    assert result.returncode == ExitCode.NOT_FOUND_OR_CONFLICT
    assert "nowhere" in result.stderr


def test_unreachable_database_hides_the_password(home: Path) -> None:
    """Exit 5 naming the database without its password."""
    result = corridor("init", "--db", "postgresql://corridor:s3cret@127.0.0.1:1/corridor",
                      home=home)
    assert result.returncode == ExitCode.DATABASE
    assert "s3cret" not in result.stderr + result.stdout
    assert "127.0.0.1" in result.stderr


def test_database_from_the_environment(home: Path, scenario_folder: Path) -> None:
    """CORRIDOR_DB chooses the database; --db wins over it."""
    env = {"CORRIDOR_DB": f"sqlite:///{home / 'env.db'}"}
    assert corridor("init", home=home, env=env).returncode == 0
    assert (home / "env.db").exists() and not (home / "corridor.db").exists()
    assert corridor("init", "--db", f"sqlite:///{home / 'flag.db'}", home=home,
                    env=env).returncode == 0
    assert (home / "flag.db").exists()


def test_generate_is_deterministic_and_refuses_bad_sizes(home: Path) -> None:
    """Same seed, same bytes; a size out of range is exit 3 with a plain sentence."""
    for folder in ("a", "b"):
        assert corridor("generate", folder, "--leaving", "2000", "--seed", "7",
                        home=home).returncode == 0
    for name in ("operation.toml", "households.csv", "persons.csv"):
        assert (home / "a" / name).read_bytes() == (home / "b" / name).read_bytes()
    small = corridor("generate", "c", "--leaving", "10", home=home)
    assert small.returncode == ExitCode.INVALID_INPUT
    assert "2,000" in small.stderr or "2000" in small.stderr


def test_usage_errors_exit_2(home: Path) -> None:
    """An unknown command or a missing argument is a usage error."""
    assert corridor("fly", home=home).returncode == ExitCode.USAGE
    assert corridor("import", home=home).returncode == ExitCode.USAGE
    assert corridor("--version", home=home).stdout.startswith("corridor ")


def test_plan_is_checked_stored_and_rechecked(home: Path, scenario_folder: Path) -> None:
    """`corridor plan` prints days, trips and what binds; `check-plan` accepts it, file or not."""
    corridor("init", home=home)
    corridor("import", str(scenario_folder), home=home)
    planned = corridor("plan", "--explain", "--output", "plan.json", home=home)
    assert planned.returncode == 0, planned.stderr
    for figure in ("days", "vehicle trips", "what binds", "Lower bounds (proven)",
                   "passed check-plan and is stored"):
        assert figure in planned.stdout
    assert (home / "plan.json").exists()
    assert "Running HiGHS" not in planned.stdout + planned.stderr  # the solver stays quiet
    stored = corridor("check-plan", home=home)
    assert stored.returncode == 0 and "keeps every rule" in stored.stdout
    from_file = corridor("check-plan", "plan.json", home=home)
    assert from_file.returncode == 0 and "keeps every rule" in from_file.stdout


def test_check_plan_rejects_a_tampered_plan(home: Path, scenario_folder: Path) -> None:
    """A plan.json edited to break a rule is rejected with the rule's code and exit 6."""
    corridor("init", home=home)
    corridor("import", str(scenario_folder), home=home)
    corridor("plan", "--output", "plan.json", home=home)
    path = home / "plan.json"
    text = path.read_text()
    assert "T09:" in text or "T08:" in text or "T06:" in text
    path.write_text(text.replace("T09:", "T23:").replace("T08:", "T23:").replace("T06:", "T23:"))
    result = corridor("check-plan", "plan.json", home=home)
    assert result.returncode == ExitCode.PLAN_REJECTED
    assert "departure_window" in result.stdout


def test_plan_errors_are_plain(home: Path, scenario_folder: Path) -> None:
    """A bad pin is exit 3; planning before importing is exit 4; a broken plan.json is exit 3."""
    corridor("init", home=home)
    assert corridor("plan", home=home).returncode == ExitCode.NOT_FOUND_OR_CONFLICT
    corridor("import", str(scenario_folder), home=home)
    bad_pin = corridor("plan", "--pin", "H1-tomorrow", home=home)
    assert bad_pin.returncode == ExitCode.INVALID_INPUT
    assert "HOUSEHOLD=YYYY-MM-DD" in bad_pin.stderr
    (home / "broken.json").write_text('{"format": "corridor-plan"')
    broken = corridor("check-plan", "broken.json", home=home)
    assert broken.returncode == ExitCode.INVALID_INPUT
    assert "broken.json" in broken.stderr
