"""`corridor manifests`: the PDF of the stored plan, its tickets from the store, audited; errors
plain and nothing half-written."""

from __future__ import annotations

import io
import stat
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp

from corridor.cli import console
from corridor.cli.app import ExitCode, run
from corridor.cli.identity import open_database, read_keyring
from corridor.cli.settings import Settings
from corridor.domain import Intent
from corridor.interop.scenario_files import save_scenario
from corridor.security.permissions import Role
from corridor.security.tickets import verify_ticket
from corridor.store.protection import audit_records
from corridor.store.tickets import revocation_list
from tests import builders
from tests.test_cli import make_staff


@pytest.fixture
def printing_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with the builders' operation imported and planned, signed in as a coordinator."""
    token = make_staff(tmp_path, (Role.COORDINATOR,))
    monkeypatch.setenv("CORRIDOR_HOME", str(tmp_path))
    monkeypatch.setenv("CORRIDOR_TOKEN", token)
    monkeypatch.setattr(console.out, "width", 200)
    monkeypatch.setattr(console.err, "width", 200)
    save_scenario(builders.scenario(), tmp_path / "scenario")
    assert run(["import", str(tmp_path / "scenario")]) == 0
    assert run(["plan"]) == 0
    return tmp_path


def _settings(home: Path) -> Settings:
    return Settings.from_environment({"CORRIDOR_HOME": str(home)})


def _codes(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    return [code.text for index in range(len(document))
            for code in zxingcpp.read_barcodes(document[index].render(scale=3).to_pil())]


def test_the_manifests_pdf_holds_verifiable_tickets_and_is_audited(
        printing_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every travelling household's code decodes and verifies; the read and the print are in the
    audit log with the reason; the file is the owner's only."""
    out = printing_home / "manifests.pdf"
    capsys.readouterr()
    status = run(["manifests", "--out", str(out), "--reason", "boarding, first convoy",
                  "--lang", "en"])
    printed = capsys.readouterr()
    assert status == 0, printed.err
    assert "Wrote the manifests" in printed.out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not list(printing_home.glob("*.partial"))
    data = out.read_bytes()
    settings = _settings(printing_home)
    keyring = read_keyring(settings)
    assert keyring is not None
    with open_database(settings) as db:
        plan = db.load_plan()
        operation_id = plan.operation_id
        revoked = revocation_list(db, operation_id, datetime.now(UTC))
        records = list(audit_records(db))
    travelling = {line.household_id for convoy in plan.convoys for trip in convoy.trips
                  for line in trip.lines if line.persons}
    decoded = {verify_ticket(code, keyring.ticket_public_key(), revoked, operation_id
                             ).household_id for code in _codes(data)}
    assert decoded == travelling
    text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    names = {p.name for p in builders.scenario().persons if p.household_id in travelling}
    assert names and all(name in text for name in names)
    # The stretcher case rides the ambulance, but a coordinator may not see medical fields:
    # the stretcher is not printed (a review found it printed for every role).
    assert any(line.on_stretcher for convoy in plan.convoys for trip in convoy.trips
               for line in trip.lines)
    assert "stretcher" not in text, [row for row in text.splitlines() if "stretcher" in row]
    reads = [r.entry for r in records if r.entry.action == "registry.read"]
    assert reads[-1].reason == "boarding, first convoy"
    assert all(h in reads[-1].subject for h in travelling)
    prints = [r.entry for r in records if r.entry.action == "manifests.print"]
    assert len(prints) == 1 and "manifests.pdf" in prints[0].subject


def test_printing_again_gives_the_same_tickets(printing_home: Path) -> None:
    """The first print issues serial 1; a second print shows the same tickets, not new ones."""
    first, second = printing_home / "first.pdf", printing_home / "second.pdf"
    assert run(["manifests", "--out", str(first), "--reason", "r", "--lang", "ar"]) == 0
    assert run(["manifests", "--out", str(second), "--reason", "r", "--lang", "ar"]) == 0
    assert sorted(_codes(first.read_bytes())) == sorted(_codes(second.read_bytes()))


def test_one_convoy_only(printing_home: Path) -> None:
    """--convoy prints that convoy alone: its households' codes, no other's."""
    with open_database(_settings(printing_home)) as db:
        plan = db.load_plan()
    convoy = plan.convoys[0]
    out = printing_home / "one.pdf"
    assert run(["manifests", "--out", str(out), "--reason", "r", "--lang", "en",
                "--convoy", convoy.convoy_id]) == 0
    assert len(_codes(out.read_bytes())) == sum(
        1 for trip in convoy.trips for line in trip.lines if line.persons)
    text = pypdf.PdfReader(out).pages[0].extract_text() or ""
    assert f"Convoy {convoy.convoy_id}" in " ".join(text.split())


def test_an_unknown_convoy_is_named_and_nothing_is_written(
        printing_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 4, the message names the convoy; no file, no half file."""
    out = printing_home / "none.pdf"
    capsys.readouterr()
    status = run(["manifests", "--out", str(out), "--reason", "r", "--convoy", "C-404"])
    assert status == ExitCode.NOT_FOUND_OR_CONFLICT
    assert "no convoy C-404" in capsys.readouterr().err
    assert not out.exists() and not list(printing_home.glob("*.partial"))


def test_an_existing_file_is_kept_unless_forced(
        printing_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --force the file is left as it was (exit 4); with it, replaced by the PDF."""
    out = printing_home / "kept.pdf"
    out.write_bytes(b"someone else's file")
    capsys.readouterr()
    assert run(["manifests", "--out", str(out), "--reason", "r"]) == (
        ExitCode.NOT_FOUND_OR_CONFLICT)
    assert "pass --force" in capsys.readouterr().err
    assert out.read_bytes() == b"someone else's file"
    assert run(["manifests", "--out", str(out), "--reason", "r", "--force"]) == 0
    assert out.read_bytes().startswith(b"%PDF-")


def test_a_blank_reason_is_refused(printing_home: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The audit log needs a reason: a blank one is exit 3, before anything is read."""
    capsys.readouterr()
    assert run(["manifests", "--out", str(printing_home / "x.pdf"), "--reason", "  "]) == (
        ExitCode.INVALID_INPUT)
    assert "--reason" in capsys.readouterr().err


def test_a_monitor_may_not_print_manifests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Monitors never see a name: printing manifests is exit 7, saying who may."""
    token = make_staff(tmp_path, (Role.MONITOR,))
    monkeypatch.setenv("CORRIDOR_HOME", str(tmp_path))
    monkeypatch.setenv("CORRIDOR_TOKEN", token)
    monkeypatch.setattr(console.err, "width", 200)
    with open_database(_settings(tmp_path)) as db:
        scenario = builders.scenario()
        db.import_scenario(scenario, actor="test set-up")
    capsys.readouterr()
    assert run(["manifests", "--out", str(tmp_path / "m.pdf"), "--reason", "r"]) == (
        ExitCode.ACCESS)
    message = capsys.readouterr().err
    assert "may not manifests.print" in message
    assert "coordinator" in message and "convoy_lead" in message


def test_households_are_read_in_batches_each_audited(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read a batch at a time (as for a large operation), every household is still printed and
    every batch is an audited read with the reason."""
    from corridor.store import manifests

    token = make_staff(tmp_path, (Role.COORDINATOR,))
    monkeypatch.setenv("CORRIDOR_HOME", str(tmp_path))
    monkeypatch.setenv("CORRIDOR_TOKEN", token)
    scenario = builders.scenario()
    everyone_leaves = replace(
        scenario,
        households=tuple(replace(h, destination_preference="jarablus")
                         for h in scenario.households),
        persons=tuple(replace(person, intent=Intent.LEAVE) for person in scenario.persons))
    save_scenario(everyone_leaves, tmp_path / "scenario")
    assert run(["import", str(tmp_path / "scenario")]) == 0
    assert run(["plan"]) == 0
    monkeypatch.setattr(manifests, "READ_BATCH", 1)
    out = tmp_path / "batched.pdf"
    assert run(["manifests", "--out", str(out), "--reason", "batched", "--lang", "en"]) == 0
    with open_database(_settings(tmp_path)) as db:
        plan = db.load_plan()
        reads = [r.entry for r in audit_records(db)
                 if r.entry.action == "registry.read" and r.entry.reason == "batched"]
    travelling = {line.household_id for convoy in plan.convoys for trip in convoy.trips
                  for line in trip.lines if line.persons}
    assert len(reads) == len(travelling) > 1
    text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(out).pages)
    names = {p.name for p in everyone_leaves.persons if p.household_id in travelling}
    assert all(name in text for name in names)
