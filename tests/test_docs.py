"""Every command, option, exit code and setting is documented; a new one without docs fails."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from typer.main import get_command

from corridor.cli.app import ExitCode, app
from corridor.cli.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
SETTINGS_DOC = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
COMMANDS = get_command(app).commands  # type: ignore[attr-defined]


def _section(command: str) -> str:
    match = re.search(rf"^## `corridor {command}`\n(.*?)(?=^## |\Z)", CLI_DOC, re.M | re.S)
    assert match, f"docs/cli.md has no section '## `corridor {command}`'"
    return match.group(1)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_section(command: str) -> None:
    """docs/cli.md has a section for each command, with a sentence in it."""
    assert len(_section(command).strip()) > 20


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_is_documented(command: str) -> None:
    """Each option of each command appears in that command's section."""
    section = _section(command)
    for parameter in COMMANDS[command].params:
        if isinstance(parameter, click.Option):
            flag = max(parameter.opts, key=len)
            assert f"`{flag}" in section, f"corridor {command} {flag} is not in docs/cli.md"


def test_no_section_for_a_command_that_does_not_exist() -> None:
    """Docs do not describe commands that are gone."""
    documented = set(re.findall(r"^## `corridor (\S+)`", CLI_DOC, re.M))
    assert documented == set(COMMANDS)


@pytest.mark.parametrize("code", list(ExitCode))
def test_every_exit_code_is_documented(code: ExitCode) -> None:
    """The exit-code table lists every code the CLI uses."""
    assert re.search(rf"^\| {code.value} \| \S", CLI_DOC, re.M)


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda setting: setting.name)
def test_every_setting_is_documented(setting: object) -> None:
    """docs/settings.md has a row for each setting with its default."""
    name = getattr(setting, "name")  # noqa: B009 - keeps the parametrize ids readable
    assert re.search(rf"^\| `{name}` \| `{re.escape(setting.default)}` \|",
                     SETTINGS_DOC, re.M)


def test_every_environment_variable_read_is_a_setting() -> None:
    """No CORRIDOR_* variable is read in the code without being a documented setting."""
    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        used |= set(re.findall(r"\bCORRIDOR_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    assert used <= {setting.name for setting in SETTINGS}


def test_readme_setup_is_two_commands() -> None:
    """The README's set-up is `make demo` and `make test`, and it links every doc."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    for doc in (ROOT / "docs").glob("*.md"):
        assert f"docs/{doc.name}" in readme, f"README.md does not link docs/{doc.name}"
