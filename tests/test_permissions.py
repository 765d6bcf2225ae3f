"""The permission matrix: every role against every CLI command, run for real.

The expected answers and the fields each role sees are written out here by hand, not derived from
corridor.security.permissions: this test is the second opinion on that table. A command that
exists without a row here fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from corridor.cli.app import ExitCode, app, run
from corridor.cli.identity import ensure_keyring, open_database
from corridor.cli.settings import Settings
from corridor.interop.scenario_files import save_scenario
from corridor.security.passwords import Passwords
from corridor.security.permissions import Grant, Role
from corridor.security.tokens import token_digest
from corridor.store.accounts import Accounts
from tests import builders

PASSWORD = "a test password, not a real one"
PASSPHRASE = "a test archive passphrase"
FAST = Passwords(time_cost=1, memory_cost=8 * 1024, parallelism=1)

R = Role
EVERYONE = frozenset(Role)
READERS = frozenset({R.COORDINATOR, R.REGISTRAR, R.CHECKPOINT_OFFICER, R.CONVOY_LEAD,
                     R.MEDICAL_OFFICER, R.PROTECTION_OFFICER})

ALLOWED: dict[str, frozenset[Role]] = {
    "init": frozenset({R.ADMIN}),
    "generate": EVERYONE,
    "demo": EVERYONE,
    "login": EVERYONE,
    "logout": EVERYONE,
    "whoami": EVERYONE,
    "import": frozenset({R.COORDINATOR, R.REGISTRAR}),
    "export": frozenset({R.PROTECTION_OFFICER}),
    "operations": EVERYONE,
    "summary": frozenset({R.COORDINATOR, R.REGISTRAR, R.MEDICAL_OFFICER,
                          R.PROTECTION_OFFICER}),
    "plan": frozenset({R.COORDINATOR}),
    "check-plan": frozenset({R.COORDINATOR, R.CHECKPOINT_OFFICER, R.CONVOY_LEAD,
                             R.MEDICAL_OFFICER, R.PROTECTION_OFFICER}),
    "registry search": READERS,
    "registry show": READERS,
    "user add": frozenset({R.ADMIN}),
    "user grant": frozenset({R.ADMIN}),
    "user disable": frozenset({R.ADMIN}),
    "user list": frozenset({R.ADMIN}),
    "token create": EVERYONE,
    "token list": EVERYONE,
    "token revoke": EVERYONE,
    "keys rotate": frozenset({R.ADMIN}),
    "keys destroy": frozenset({R.ADMIN, R.PROTECTION_OFFICER}),
    "audit verify": frozenset({R.ADMIN, R.AUDITOR, R.PROTECTION_OFFICER}),
    "audit show": frozenset({R.AUDITOR, R.PROTECTION_OFFICER}),
    "backup": frozenset({R.ADMIN}),
    "restore": frozenset({R.ADMIN}),
}
"""Who may run each command (``corridor COMMAND``), by role."""

NOT_RUN_HERE = {"demo": "makes its own folder, database and account; tests/test_cli.py runs it"}

HOUSEHOLD_ALWAYS = {"household_id", "assembly_point", "members"}
PERSON_ALWAYS = {"person_id", "household_id"}
PLACE = {"sex", "age", "birth_year", "intent", "luggage_pieces"}
HOUSEHOLD_FIELDS: dict[Role, set[str]] = {
    R.COORDINATOR: {"phone", "destination_preference"},
    R.REGISTRAR: {"phone", "destination_preference"},
    R.CHECKPOINT_OFFICER: {"destination_preference"},
    R.CONVOY_LEAD: {"destination_preference"},
    R.MEDICAL_OFFICER: {"phone", "destination_preference"},
    R.PROTECTION_OFFICER: {"phone", "destination_preference"},
}
PERSON_FIELDS: dict[Role, set[str]] = {
    R.COORDINATOR: PLACE | {"name", "category"},
    R.REGISTRAR: PLACE | {"name"},
    R.CHECKPOINT_OFFICER: PLACE | {"name"},
    R.CONVOY_LEAD: PLACE | {"name"},
    R.MEDICAL_OFFICER: PLACE | {"name", "vulnerabilities", "needs_stretcher"},
    R.PROTECTION_OFFICER: PLACE | {"name", "category", "vulnerabilities", "needs_stretcher"},
}
"""The fields of a household and of a person each reading role sees, besides the ids."""


def _leaves(group: Any, prefix: str = "") -> Iterator[str]:
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):  # a group of subcommands
            yield from _leaves(command, f"{path} ")
        else:
            yield path


COMMANDS = sorted(_leaves(get_command(app)))


def test_every_command_has_a_row_in_the_matrix() -> None:
    """A new command without a decision here fails; so does a row for a command that is gone."""
    assert set(COMMANDS) == set(ALLOWED)


@dataclass
class Template:
    """A home with a database, a stored operation and its plan, and one account per role."""

    folder: Path
    tokens: dict[Role, str]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """Made once per module (and xdist worker); each test works on a copy of it."""
    folder = tmp_path_factory.mktemp("template")
    save_scenario(builders.scenario(), folder / "scenario")
    settings = Settings.from_environment({"CORRIDOR_HOME": str(folder)})
    keyring, _made = ensure_keyring(settings)
    tokens = {}
    with open_database(settings, keyring) as db:
        db.upgrade()
        accounts = Accounts(db, FAST)
        for role in Role:
            accounts.add(f"u-{role.value}", PASSWORD, [Grant(role)], actor="test set-up")
            tokens[role] = accounts.sign_in(f"u-{role.value}", PASSWORD)
        accounts.add("bystander", PASSWORD, [Grant(R.MONITOR)], actor="test set-up")
        db.import_scenario(builders.scenario(), actor="test set-up")
        from corridor.planner import make_plan

        db.save_plan(make_plan(builders.scenario()).plan)
    return Template(folder, tokens)


def _arguments(command: str, home: Path, role: Role, token: str) -> list[str]:
    name = f"u-{role.value}"
    table: dict[str, Callable[[], list[str]]] = {
        "init": lambda: ["init"],
        "generate": lambda: ["generate", str(home / "generated"), "--leaving", "2000"],
        "login": lambda: ["login", name],
        "logout": lambda: ["logout"],
        "whoami": lambda: ["whoami"],
        "import": lambda: ["import", str(home / "scenario"), "--replace"],
        "export": lambda: ["export", str(home / "out.corridor")],
        "operations": lambda: ["operations"],
        "summary": lambda: ["summary"],
        "plan": lambda: ["plan"],
        "check-plan": lambda: ["check-plan"],
        "registry search": lambda: ["registry", "search", builders.scenario().persons[0].name,
                                    "--reason", "matrix", "--json"],
        "registry show": lambda: ["registry", "show", "H1", "--reason", "matrix", "--json"],
        "user add": lambda: ["user", "add", "newcomer", "--role", "monitor"],
        "user grant": lambda: ["user", "grant", "bystander", "--role", "auditor"],
        "user disable": lambda: ["user", "disable", "bystander"],
        "user list": lambda: ["user", "list"],
        "token create": lambda: ["token", "create", "--device", "phone-1"],
        "token list": lambda: ["token", "list"],
        "token revoke": lambda: ["token", "revoke", token_digest(token)[:12]],
        "keys rotate": lambda: ["keys", "rotate"],
        "keys destroy": lambda: ["keys", "destroy", "--yes-destroy-the-key"],
        "audit verify": lambda: ["audit", "verify"],
        "audit show": lambda: ["audit", "show"],
        "backup": lambda: ["backup", str(home / "backup.corridor")],
        "restore": lambda: ["restore", str(home / "backup.corridor")],
    }
    return table[command]()


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in NOT_RUN_HERE])
def test_each_role_may_run_exactly_its_commands(
        command: str, role: Role, template: Template, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Allowed: the command runs past its permission check; denied: exit 7 saying who may."""
    home = tmp_path / "home"
    shutil.copytree(template.folder, home)
    token = template.tokens[role]
    for key in [k for k in os.environ if k.startswith("CORRIDOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CORRIDOR_HOME", str(home))
    monkeypatch.setenv("CORRIDOR_TOKEN", token)
    monkeypatch.setenv("CORRIDOR_PASSWORD", PASSWORD)
    monkeypatch.setenv("CORRIDOR_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("COLUMNS", "200")
    if command == "restore":
        (home / "backup.corridor").write_bytes(b"not a backup")
    status = run(_arguments(command, home, role, token))
    output = capsys.readouterr()
    if role in ALLOWED[command]:
        assert status != ExitCode.ACCESS, output.err
    else:
        assert status == ExitCode.ACCESS, (status, output.out, output.err)
        assert "may not" in output.err


@pytest.mark.parametrize("role", sorted(READERS), ids=lambda role: role.value)
def test_each_reading_role_sees_exactly_its_fields(
        role: Role, template: Template, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`registry show --json` gives each role the fields written above, and no others."""
    monkeypatch.setenv("CORRIDOR_HOME", str(template.folder))
    monkeypatch.setenv("CORRIDOR_TOKEN", template.tokens[role])
    monkeypatch.delenv("CORRIDOR_KEY", raising=False)
    assert run(["registry", "show", "H1", "--reason", "matrix", "--json"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    household = json.loads(line)
    assert set(household) - {"linked_to"} == HOUSEHOLD_ALWAYS | HOUSEHOLD_FIELDS[role]
    for person in household["members"]:
        assert set(person) == PERSON_ALWAYS | PERSON_FIELDS[role]
