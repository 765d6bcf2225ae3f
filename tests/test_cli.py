"""The command line end to end, in real processes: output, errors and exit codes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from corridor.cli.app import ExitCode
from corridor.cli.identity import ensure_keyring, open_database
from corridor.cli.settings import Settings
from corridor.interop.scenario_files import save_scenario
from corridor.security.passwords import Passwords
from corridor.security.permissions import Grant, Role
from corridor.store.accounts import Accounts
from tests import builders

PASSWORD = "a test password, not a real one"
PASSPHRASE = "a test archive passphrase"


def corridor(*args: str, home: Path, env: dict[str, str] | None = None,
             ) -> subprocess.CompletedProcess[str]:
    """Run ``corridor ARGS`` in its own process with CORRIDOR_HOME set to ``home``.

    The token of the session ``staff`` made (if any) is in force, unless ``env`` says otherwise.
    """
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("CORRIDOR_")}
    token_file = home / "test-token"
    token = {"CORRIDOR_TOKEN": token_file.read_text()} if token_file.exists() else {}
    environment.update({"CORRIDOR_HOME": str(home), "COLUMNS": "160",
                        "CORRIDOR_PASSPHRASE": PASSPHRASE, **token, **(env or {})})
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True,
                          text=True, env=environment, cwd=home, timeout=300, check=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A working folder for one command-line session."""
    return tmp_path


def make_staff(home: Path, roles: tuple[Role, ...] = (Role.ADMIN, Role.COORDINATOR,
                                                       Role.PROTECTION_OFFICER)) -> str:
    """Initialise ``home``'s database and key, and sign in an account holding ``roles``.

    Done in this process (the same code `corridor init` and `corridor login` run) to spare the
    tests a dozen process starts; the token is left where :func:`corridor` finds it.
    """
    settings = Settings.from_environment({"CORRIDOR_HOME": str(home)})
    keyring, _made = ensure_keyring(settings)
    with open_database(settings, keyring) as db:
        db.upgrade()
        accounts = Accounts(db, Passwords(time_cost=1, memory_cost=8 * 1024, parallelism=1))
        accounts.add("lead", PASSWORD, [Grant(role) for role in roles], actor="test set-up")
        token = accounts.sign_in("lead", PASSWORD)
    (home / "test-token").write_text(token)
    return token


@pytest.fixture
def staff(home: Path) -> str:
    """An initialised home with a signed-in administrator, coordinator and protection officer."""
    return make_staff(home)


@pytest.fixture
def scenario_folder(home: Path) -> Path:
    """The builders' scenario written as a folder."""
    folder = home / "scenario"
    save_scenario(builders.scenario(), folder)
    return folder


def test_demo_runs_end_to_end_and_prints_the_coordinators_figures(home: Path) -> None:
    """`corridor demo` generates, stores and summarises; a second run replaces the first."""
    runs = [corridor("demo", "--leaving", "2000", "--folder", "demo", home=home)
            for _ in range(2)]
    for result in runs:
        assert result.returncode == 0, result.stderr
    assert "password" in runs[0].stdout and "corridor login demo" in runs[0].stdout
    out = runs[1].stdout
    assert "2,000 people leaving" in out
    assert "passed check-plan" not in out  # the demo stores its plan quietly
    assert "what binds" in out and "vehicle trips" in out
    for heading in ("By destination", "By category", "By sex", "By age band",
                    "Vulnerable people", "Fleet"):
        assert heading in out
    for label in ("Jarablus", "combatant", "female", "0-4", "60+", "ambulance"):
        assert label in out
    for field in ("Field events of convoy", "Reconciliation", "conflict", "not_boarded",
                  "follow-up cases open"):
        assert field in out
    with sqlite3.connect(home / "demo" / "corridor.db") as db:
        columns = {row[1] for row in db.execute("pragma table_info(persons)")}
        (persons,) = db.execute("select count(*) from persons").fetchone()
    assert "name_index" in columns and "name" not in columns and "category" not in columns
    assert persons > 2000  # those who stay are in the registry too


def test_import_then_summary_then_export_round_trips(
        home: Path, staff: str, scenario_folder: Path, tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Import, summary and an encrypted export work on SQLite; the archive imports elsewhere."""
    assert (home / "corridor.db").exists()
    imported = corridor("import", str(scenario_folder), home=home)
    assert imported.returncode == 0, imported.stderr
    assert "3 households, 5 persons" in imported.stdout
    summary = corridor("summary", home=home)
    assert "3 people leaving in 1 households" in summary.stdout
    listing = corridor("operations", home=home)
    assert "al-waer-test" in listing.stdout
    exported = corridor("export", "out.corridor", home=home)
    assert exported.returncode == 0, exported.stderr
    archive = (home / "out.corridor").read_bytes()
    assert archive.startswith(b"CORRIDOR-ARCHIVE")
    for person in builders.scenario().persons:
        assert person.name.encode() not in archive
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    make_staff(elsewhere)
    again = corridor("import", str(home / "out.corridor"), home=elsewhere)
    assert again.returncode == 0, again.stderr
    assert corridor("summary", home=elsewhere).stdout == summary.stdout
    wrong = corridor("import", str(home / "out.corridor"), home=elsewhere,
                     env={"CORRIDOR_PASSPHRASE": "not the passphrase at all"})
    assert wrong.returncode == ExitCode.PROTECTION
    assert "passphrase is wrong" in wrong.stderr


def test_bad_folder_is_rejected_with_every_problem_and_nothing_stored(
        home: Path, staff: str, scenario_folder: Path) -> None:
    """Exit 3, each problem on its own line, and the database stays empty."""
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


def test_importing_twice_is_a_conflict_unless_replaced(home: Path, staff: str,
                                                       scenario_folder: Path) -> None:
    """Exit 4 the second time; --replace stores it again."""
    assert corridor("import", str(scenario_folder), home=home).returncode == 0
    again = corridor("import", str(scenario_folder), home=home)
    assert again.returncode == ExitCode.NOT_FOUND_OR_CONFLICT
    assert "--replace" in again.stderr
    assert corridor("import", str(scenario_folder), "--replace", home=home).returncode == 0


def test_export_refuses_to_overwrite_a_scenario(home: Path, staff: str,
                                                scenario_folder: Path) -> None:
    """Exit 4 unless --force."""
    corridor("import", str(scenario_folder), home=home)
    (home / "taken.corridor").write_bytes(b"")
    result = corridor("export", "taken.corridor", home=home)
    assert result.returncode == ExitCode.NOT_FOUND_OR_CONFLICT
    assert "--force" in result.stderr


def test_unknown_operation_is_not_found(home: Path, staff: str,
                                        scenario_folder: Path) -> None:
    """Exit 4 and the ids there are."""
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


def test_destroying_the_key_leaves_the_registry_unreadable_and_says_so(
        home: Path, staff: str, scenario_folder: Path) -> None:
    """After `keys destroy` the key file is gone and a read fails with exit 8, no garbage."""
    assert corridor("import", str(scenario_folder), home=home).returncode == 0
    refused = corridor("keys", "destroy", home=home)
    assert refused.returncode == ExitCode.INVALID_INPUT and (home / "corridor.key").exists()
    destroyed = corridor("keys", "destroy", "--yes-destroy-the-key", home=home)
    assert destroyed.returncode == 0, destroyed.stderr
    assert "can no longer be read" in destroyed.stdout
    assert not (home / "corridor.key").exists()
    after = corridor("summary", home=home)
    assert after.returncode == ExitCode.PROTECTION
    assert "data key" in after.stderr or "key" in after.stderr


def test_usage_errors_exit_2(home: Path) -> None:
    """An unknown command or a missing argument is a usage error."""
    assert corridor("fly", home=home).returncode == ExitCode.USAGE
    assert corridor("import", home=home).returncode == ExitCode.USAGE
    assert corridor("--version", home=home).stdout.startswith("corridor ")


def test_plan_is_checked_stored_and_rechecked(home: Path, staff: str,
                                              scenario_folder: Path) -> None:
    """`corridor plan` prints days, trips and what binds; `check-plan` accepts it, file or not."""
    corridor("import", str(scenario_folder), home=home)
    planned = corridor("plan", "--explain", "--output", "plan.json", home=home)
    assert planned.returncode == 0, planned.stderr
    for figure in ("days", "vehicle trips", "what binds", "Lower bounds (proven)",
                   "Trips above the bound, by cause", "passed check-plan and is stored"):
        assert figure in planned.stdout
    assert (home / "plan.json").exists()
    assert "Running HiGHS" not in planned.stdout + planned.stderr  # the solver stays quiet
    stored = corridor("check-plan", home=home)
    assert stored.returncode == 0 and "keeps every rule" in stored.stdout
    from_file = corridor("check-plan", "plan.json", home=home)
    assert from_file.returncode == 0 and "keeps every rule" in from_file.stdout


def test_check_plan_rejects_a_tampered_plan(home: Path, staff: str,
                                            scenario_folder: Path) -> None:
    """A plan.json edited to break a rule is rejected with the rule's code and exit 6."""
    corridor("import", str(scenario_folder), home=home)
    corridor("plan", "--output", "plan.json", home=home)
    path = home / "plan.json"
    text = path.read_text()
    assert "T09:" in text or "T08:" in text or "T06:" in text
    path.write_text(text.replace("T09:", "T23:").replace("T08:", "T23:").replace("T06:", "T23:"))
    result = corridor("check-plan", "plan.json", home=home)
    assert result.returncode == ExitCode.PLAN_REJECTED
    assert "departure_window" in result.stdout


def test_only_plan_makers_check_a_plan_file_and_readers_see_no_withheld_field(
        home: Path, staff: str, scenario_folder: Path) -> None:
    """A checkpoint officer may check the stored plan but not a plan file of their own making
    (checked against the whole registry, its violations would tell them who is a combatant,
    as a review showed); and violations that tell of a field a role may not see are counted,
    not shown."""
    corridor("import", str(scenario_folder), home=home)
    corridor("plan", "--output", "plan.json", home=home)
    settings = Settings.from_environment({"CORRIDOR_HOME": str(home)})
    keyring, _made = ensure_keyring(settings)
    with open_database(settings, keyring) as db:
        accounts = Accounts(db, Passwords(time_cost=1, memory_cost=8 * 1024, parallelism=1))
        accounts.add("officer", PASSWORD, [Grant(Role.CHECKPOINT_OFFICER)], actor="test set-up")
        (home / "test-token").write_text(accounts.sign_in("officer", PASSWORD))
    refused = corridor("check-plan", "plan.json", home=home)
    assert refused.returncode == ExitCode.ACCESS, refused.stdout + refused.stderr
    assert "plan.create" in refused.stderr + refused.stdout
    stored = corridor("check-plan", home=home)
    assert stored.returncode == 0 and "keeps every rule" in stored.stdout


def test_violations_that_tell_of_a_withheld_field_are_only_counted() -> None:
    from corridor.checker import Violation
    from corridor.cli.planning import readable_violations
    from corridor.security.permissions import Field

    found = [Violation("eligibility", "person P2", "P2 is a combatant but goes to idlib"),
             Violation("eligibility", "person P9", "P9 is a combatant but goes to idlib"),
             Violation("companion", "person P4", "P4 rides on a stretcher alone"),
             Violation("seats", "trip BUS-001", "BUS-001 seats 45 and carries 46")]
    shown = readable_violations(found, frozenset({Field.NAME}))
    assert [(v.rule, v.subject) for v in shown] == [
        ("seats", "trip BUS-001"), ("eligibility", "2 violations"), ("companion", "1 violation")]
    assert not any("P2" in v.message or "P9" in v.message or "P4" in v.message for v in shown)
    assert "category field" in shown[1].message and "medical field" in shown[2].message
    everything = frozenset(Field)
    assert readable_violations(found, everything) == found


def test_plan_errors_are_plain(home: Path, staff: str,
                               scenario_folder: Path) -> None:
    """A bad pin is exit 3; planning before importing is exit 4; a broken plan.json is exit 3."""
    assert corridor("plan", home=home).returncode == ExitCode.NOT_FOUND_OR_CONFLICT
    corridor("import", str(scenario_folder), home=home)
    bad_pin = corridor("plan", "--pin", "H1-tomorrow", home=home)
    assert bad_pin.returncode == ExitCode.INVALID_INPUT
    assert "HOUSEHOLD=YYYY-MM-DD" in bad_pin.stderr
    (home / "broken.json").write_text('{"format": "corridor-plan"')
    broken = corridor("check-plan", "broken.json", home=home)
    assert broken.returncode == ExitCode.INVALID_INPUT
    assert "broken.json" in broken.stderr
