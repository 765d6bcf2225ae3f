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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from corridor.cli.app import ExitCode, app, run
from corridor.cli.identity import ensure_keyring, open_database
from corridor.cli.settings import Settings
from corridor.domain import Scenario
from corridor.interop.scenario_files import save_scenario
from corridor.security.passwords import Passwords
from corridor.security.permissions import Grant, Role
from corridor.security.tokens import token_digest
from corridor.store.accounts import Accounts
from corridor.store.shares import approve_share, request_share, share_list
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
                          R.PROTECTION_OFFICER, R.MONITOR}),  # monitors: disclosure-controlled
    "plan": frozenset({R.COORDINATOR}),
    "replan": frozenset({R.COORDINATOR}),
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
    "share request": frozenset({R.COORDINATOR}),
    "share approve": frozenset({R.PROTECTION_OFFICER}),
    "share list": frozenset({R.COORDINATOR, R.PROTECTION_OFFICER}),
    "share export": frozenset({R.COORDINATOR}),
    "share trace": frozenset({R.PROTECTION_OFFICER}),
    "field upload": frozenset({R.CHECKPOINT_OFFICER, R.CONVOY_LEAD}),  # a check-in batch
    "field status": frozenset({R.COORDINATOR, R.REGISTRAR, R.MEDICAL_OFFICER,
                               R.PROTECTION_OFFICER}),
    "field reconcile": frozenset({R.COORDINATOR, R.REGISTRAR, R.MEDICAL_OFFICER,
                                  R.PROTECTION_OFFICER}),
    "field cases": frozenset({R.PROTECTION_OFFICER}),
    "backup": frozenset({R.ADMIN}),
    "purge": frozenset({R.ADMIN}),
    "restore": frozenset({R.ADMIN}),
    "serve": EVERYONE,  # needs the key file, not a role; each route checks its caller
    "tickets issue": frozenset({R.COORDINATOR, R.REGISTRAR}),
    "tickets reissue": frozenset({R.COORDINATOR, R.REGISTRAR}),
    "tickets revoke": frozenset({R.COORDINATOR, R.PROTECTION_OFFICER}),
    "tickets list": frozenset({R.COORDINATOR, R.REGISTRAR, R.CHECKPOINT_OFFICER,
                               R.CONVOY_LEAD, R.PROTECTION_OFFICER}),
    "intake form": frozenset({R.COORDINATOR, R.REGISTRAR}),  # with --operation: its sites
    "intake import": frozenset({R.COORDINATOR, R.REGISTRAR}),
    "report hxl": frozenset({R.COORDINATOR, R.MONITOR}),
    "manifests": frozenset({R.COORDINATOR, R.CONVOY_LEAD}),
    "outside add": frozenset({R.COORDINATOR, R.MONITOR}),
    "outside list": frozenset({R.COORDINATOR, R.REGISTRAR, R.MEDICAL_OFFICER,
                               R.PROTECTION_OFFICER, R.MONITOR}),
    "report sitrep": frozenset({R.COORDINATOR, R.REGISTRAR, R.MEDICAL_OFFICER,
                                R.PROTECTION_OFFICER}),  # internal; public: monitors too
}
"""Who may run each command (``corridor COMMAND``), by role."""

NOT_RUN_HERE = {"demo": "makes its own folder, database and account; tests/test_cli.py runs it",
                "serve": "runs until killed; tests/test_web_crash.py starts and kills it, and "
                         "tests/test_web_permissions.py checks every route against every role"}

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
    reference: str
    convoy: str = ""
    household: str = ""


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
        scenario = _sharing(builders.scenario())
        db.import_scenario(scenario, actor="test set-up")
        from corridor.planner import make_plan

        plan = make_plan(scenario).plan
        db.save_plan(plan)
        fields = scenario.operation.agreement.terms.shared_fields
        operation = scenario.operation.operation_id
        for _ in range(3):  # 1: requested; 2: approved; 3: exported
            request_share(db, operation, fields, "screening committee", "clause 4",
                          actor="u-coordinator")
        approve_share(db, 2, approver="bystander", actor="bystander")
        approve_share(db, 3, approver="bystander", actor="bystander")
        _share, listed = share_list(db, 3, actor="u-coordinator")
    reference = listed.decode().splitlines()[1].split(",")[0]
    first = plan.convoys[0]
    return Template(folder, tokens, reference, first.convoy_id,
                    first.trips[0].lines[0].household_id)


def _sharing(scenario: Scenario) -> Scenario:
    agreement = scenario.operation.agreement
    terms = replace(agreement.terms, shared_fields=("name", "sex", "birth_year"))
    return replace(scenario, operation=replace(
        scenario.operation, agreement=replace(agreement, terms=terms)))


def _arguments(command: str, home: Path, role: Role, token: str,
               template: Template) -> list[str]:
    name = f"u-{role.value}"
    template_reference = template.reference
    batch = home / "batch.jsonl"
    batch.write_text(json.dumps({"nonce": f"m-{role.value}", "kind": "checked_in",
                                 "device_time": "2017-03-18T06:00:00",
                                 "household_id": template.household,
                                 "convoy_id": template.convoy}) + "\n")
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
        "replan": lambda: ["replan", _disruption_file(home)],
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
        "share request": lambda: ["share", "request", "--recipient", "screening committee",
                                  "--reason", "clause 4"],
        "share approve": lambda: ["share", "approve", "1"],
        "share list": lambda: ["share", "list"],
        "share export": lambda: ["share", "export", "2", str(home / "share.corridor")],
        "share trace": lambda: ["share", "trace", template_reference],
        "backup": lambda: ["backup", str(home / "backup.corridor")],
        "purge": lambda: ["purge", "--dry-run"],
        "field upload": lambda: ["field", "upload", str(batch), "--device", "phone-1"],
        "field status": lambda: ["field", "status"],
        "field reconcile": lambda: ["field", "reconcile", template.convoy],
        "field cases": lambda: ["field", "cases"],
        "restore": lambda: ["restore", str(home / "backup.corridor")],
        "tickets issue": lambda: ["tickets", "issue", "H1", "H3"],
        "tickets reissue": lambda: ["tickets", "reissue", "H1", "--reason", "lost"],
        "tickets revoke": lambda: ["tickets", "revoke", "H3", "--reason", "withdrawn"],
        "tickets list": lambda: ["tickets", "list"],
        "intake form": lambda: ["intake", "form", "--out", str(home / "form.xlsx"),
                                "--operation", "al-waer-test"],
        "intake import": lambda: ["intake", "import", _intake_export(home)],
        "report hxl": lambda: ["report", "hxl", "--all", "--out", str(home / "hxl.csv"),
                               "--org", "SARC"],
        "manifests": lambda: ["manifests", "--out", str(home / "manifests.pdf"), "--reason",
                              "matrix", "--convoy", template.convoy],
        "outside add": lambda: ["outside", "add", "--source", "Homs media centre", "--date",
                                "2017-03-20", "--stage", "departed", "--people", "2000"],
        "outside list": lambda: ["outside", "list"],
        "report sitrep": lambda: ["report", "sitrep", "--day", "2017-03-20", "--out",
                                  str(home / "sitrep.html")],
    }
    return table[command]()


def _intake_export(home: Path) -> str:
    """A KoBoToolbox export of the template's own households (all registered already)."""
    from corridor.interop.xlsform import registration_form
    from tests import intake_exports

    scenario = builders.scenario()
    paths = intake_exports.form_paths(registration_form(scenario.operation))
    answers = intake_exports.answers(scenario.households, scenario.persons)
    return str(intake_exports.write_kobo_xlsx(home / "kobo.xlsx", answers, paths))


def _disruption_file(home: Path) -> str:
    """A disruption.toml in ``home``: nothing has left yet and a bus is out on the first day."""
    path = home / "disruption.toml"
    path.write_text('as_of = 2017-03-17T12:00:00\n\n[[vehicles_out]]\nvehicle = "BUS-001"\n'
                    "from = 2017-03-18\n", encoding="utf-8")
    return str(path)


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
    status = run(_arguments(command, home, role, token, template))
    output = capsys.readouterr()
    if role in ALLOWED[command]:
        assert status != ExitCode.ACCESS, output.err
    else:
        assert status == ExitCode.ACCESS, (status, output.out, output.err)
        assert "may not" in output.err


def test_a_monitors_summary_withholds_every_small_count(
        template: Template, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The tiny registry's figures are all below 5: a monitor sees none of them (zeros show)."""
    home = tmp_path / "home"
    shutil.copytree(template.folder, home)
    monkeypatch.setenv("CORRIDOR_HOME", str(home))
    monkeypatch.setenv("CORRIDOR_TOKEN", template.tokens[R.MONITOR])
    assert run(["summary"]) == 0
    shown = capsys.readouterr().out
    assert "withheld" in shown and "female" in shown
    rows = [line.split("│") for line in shown.splitlines() if line.count("│") == 3]
    assert rows and all(row[2].strip() in {"withheld", "0"} for row in rows)


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


def test_every_action_the_field_use_cases_ask_for_is_in_the_permission_table() -> None:
    """tracking names its actions as text; each must be an Action some role holds."""
    from corridor.security.permissions import PERMISSIONS, Action
    from corridor.tracking.scans import ACTIONS, ENTER_TALLY, FORCE

    held = {action.value for actions in PERMISSIONS.values() for action in actions}
    for name in {*ACTIONS.values(), ENTER_TALLY, FORCE}:
        assert name in {a.value for a in Action} and name in held, name


@pytest.mark.parametrize(("role", "allowed_actions"), [
    (R.CHECKPOINT_OFFICER, {"scan.check_in", "scan.screen", "scan.board", "scan.no_show",
                            "cases.report"}),
    (R.CONVOY_LEAD, {"scan.check_in", "scan.board", "scan.no_show", "scan.disembark",
                     "convoy.report", "cases.report"}),
    (R.MEDICAL_OFFICER, {"medical.report"}),
    (R.COORDINATOR, {"scan.force", "events.void", "conflicts.resolve", "tallies.enter",
                     "convoy.report"}),
    (R.PROTECTION_OFFICER, {"cases.resolve", "cases.report"}),
    (R.MONITOR, set()),
    (R.AUDITOR, set()),
])
def test_field_actions_by_role(role: Role, allowed_actions: set[str]) -> None:
    """Who may scan, report and decide in the field, written out by hand."""
    from corridor.security.permissions import Principal, decider

    field = {"scan.check_in", "scan.screen", "scan.board", "scan.no_show", "scan.disembark",
             "convoy.report", "medical.report", "cases.resolve", "cases.report", "scan.force",
             "events.void", "conflicts.resolve", "tallies.enter"}
    may = decider(Principal("someone", (Grant(role),)), "al-waer-test")
    assert {name for name in field if may(name)} == allowed_actions


def test_a_grant_limited_to_sites_allows_a_scan_only_there() -> None:
    """A checkpoint officer of ap-1 scans at ap-1, not at ap-2; one of every site scans both."""
    from corridor.domain.errors import Forbidden
    from corridor.security.permissions import Action, Principal, authorize_at

    local = Principal("samir", (Grant(R.CHECKPOINT_OFFICER, "al-waer", frozenset({"ap-1"})),))
    authorize_at(local, Action.SCAN_BOARD, "al-waer", "ap-1")
    with pytest.raises(Forbidden, match="only at ap-1, not at ap-2"):
        authorize_at(local, Action.SCAN_BOARD, "al-waer", "ap-2")
    everywhere = Principal("huda", (Grant(R.CHECKPOINT_OFFICER, "al-waer"),))
    authorize_at(everywhere, Action.SCAN_BOARD, "al-waer", "ap-2")
    with pytest.raises(Forbidden):
        authorize_at(local, Action.SCAN_BOARD, "other-operation", "ap-1")
