"""The options many commands share, and the settings of one command, declared once."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from corridor.cli.settings import Settings
from corridor.domain.errors import InvalidValue

if TYPE_CHECKING:
    from corridor.reports.disclosure import DisclosurePolicy

DatabaseOption = Annotated[str | None, typer.Option(
    "--db", help="Database URL (default: $CORRIDOR_DB, else SQLite in $CORRIDOR_HOME).",
    show_default=False)]
OperationOption = Annotated[str | None, typer.Option(
    "--operation", "-o", help="Operation id (needed when the database holds several).",
    show_default=False)]


def settings_for(database: str | None) -> Settings:
    """The settings in force for a command: the environment, with ``--db`` winning."""
    return Settings.from_environment(os.environ, database)


def disclosure_policy(settings: Settings) -> DisclosurePolicy:
    """The disclosure threshold in force (CORRIDOR_DISCLOSURE_THRESHOLD) for every figure a
    command or the server shows to monitors and the public."""
    from corridor.reports.disclosure import DisclosurePolicy  # numpy and HiGHS: load on use

    try:
        threshold = int(settings.disclosure_threshold)
    except ValueError:
        raise InvalidValue(f"CORRIDOR_DISCLOSURE_THRESHOLD is {settings.disclosure_threshold!r}, "
                           "not a whole number", "CORRIDOR_DISCLOSURE_THRESHOLD") from None
    return DisclosurePolicy(threshold)
