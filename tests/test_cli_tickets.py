"""`corridor tickets`: issue, reissue, revoke and list from the command line, audited; bad
requests exit with their code and change nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from corridor.cli import console
from corridor.cli.app import ExitCode, run
from corridor.cli.identity import open_database
from corridor.cli.settings import Settings
from corridor.interop.scenario_files import save_scenario
from corridor.security.permissions import Role
from corridor.security.tickets import verify_ticket
from corridor.store.protection import audit_records
from corridor.store.tickets import revocation_list
from tests import builders
from tests.test_cli import make_staff

OPERATION = "al-waer-test"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with the builders' operation imported, signed in as a coordinator."""
    token = make_staff(tmp_path, (Role.COORDINATOR,))
    monkeypatch.setenv("CORRIDOR_HOME", str(tmp_path))
    monkeypatch.setenv("CORRIDOR_TOKEN", token)
    monkeypatch.setattr(console.out, "width", 300)
    monkeypatch.setattr(console.err, "width", 300)
    save_scenario(builders.scenario(), tmp_path / "scenario")
    assert run(["import", str(tmp_path / "scenario")]) == 0
    return tmp_path


def _verify(home: Path, payload: str) -> tuple[str, int]:
    settings = Settings.from_environment({"CORRIDOR_HOME": str(home)})
    with open_database(settings) as db:
        from datetime import UTC, datetime

        listed = revocation_list(db, OPERATION, datetime.now(UTC))
        key = db.custody.keyring.ticket_public_key()
    ticket = verify_ticket(payload, key, listed, OPERATION)
    return ticket.household_id, ticket.serial


def test_issue_reissue_revoke_and_list(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--all writes every household's ticket to a private CSV; a reissue prints serial 2 and
    revokes serial 1; a revoke takes the household's ticket away; list shows all three states."""
    capsys.readouterr()
    output = home / "tickets.csv"
    assert run(["tickets", "issue", "--all", "--output", str(output)]) == 0
    assert output.stat().st_mode & 0o077 == 0
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [row["household_id"] for row in rows] == ["H1", "H2", "H3"]
    assert [_verify(home, row["payload"]) for row in rows] == [("H1", 1), ("H2", 1), ("H3", 1)]
    assert run(["tickets", "issue", "--all", "--output", str(output)]) == (
        ExitCode.NOT_FOUND_OR_CONFLICT)
    capsys.readouterr()
    assert run(["tickets", "reissue", "H1", "--reason", "lost at the gate"]) == 0
    printed = capsys.readouterr().out
    assert "Ticket 2 issued" in printed
    new = next(line for line in printed.splitlines() if line.startswith("CT1."))
    assert _verify(home, new) == ("H1", 2)
    assert run(["tickets", "revoke", "H2", "--reason", "withdrawn"]) == 0
    assert run(["tickets", "revoke", "H2", "--reason", "withdrawn"]) == (
        ExitCode.NOT_FOUND_OR_CONFLICT)
    capsys.readouterr()
    assert run(["tickets", "issue", "H1", "H2"]) == 0
    printed = capsys.readouterr().out
    assert f"H1  {new}" in printed and "No valid ticket" in printed and "H2" in printed
    assert run(["tickets", "list"]) == 0
    listed = capsys.readouterr().out
    assert listed.count("revoked") == 2 and listed.count("valid") == 2
    settings = Settings.from_environment({"CORRIDOR_HOME": str(home)})
    with open_database(settings) as db:
        actions = [record.entry.action for record in audit_records(db)]
    assert {"tickets.issue", "tickets.reissue", "tickets.revoke", "tickets.read"} <= set(actions)


def test_bad_requests_exit_with_their_code(home: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Neither households nor --all, both, an unknown household, no reason."""
    assert run(["tickets", "issue"]) == ExitCode.INVALID_INPUT
    assert run(["tickets", "issue", "H1", "--all"]) == ExitCode.INVALID_INPUT
    assert run(["tickets", "issue", "H1", "H9"]) == ExitCode.NOT_FOUND_OR_CONFLICT
    assert "household H9" in capsys.readouterr().err
    assert run(["tickets", "reissue", "H1", "--reason", " "]) == ExitCode.INVALID_INPUT
    assert run(["tickets", "reissue", "H1"]) == ExitCode.USAGE
    assert run(["tickets", "list"]) == 0
    assert "No ticket issued yet" in capsys.readouterr().out
