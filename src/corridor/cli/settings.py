"""Settings come from the environment (or the command line) at the edge, never from the core."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Setting:
    """One environment variable corridor reads, its default and what it is for."""

    name: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("CORRIDOR_HOME", "./corridor-data",
            "Folder for local data; the default SQLite database is corridor.db inside it."),
    Setting("CORRIDOR_DB", "sqlite:///$CORRIDOR_HOME/corridor.db",
            "Database URL: sqlite:///path/to/file.db or postgresql://user:password@host/db. "
            "The --db option of a command wins over it."),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings in force for one command."""

    home: Path
    database_url: str

    @classmethod
    def from_environment(cls, environment: Mapping[str, str],
                         database_url: str | None = None) -> Settings:
        """Read the settings; an explicit ``database_url`` (from --db) wins."""
        home = Path(environment.get("CORRIDOR_HOME") or "corridor-data")
        url = database_url or environment.get("CORRIDOR_DB") or sqlite_url(home / "corridor.db")
        return cls(home, url)


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"
