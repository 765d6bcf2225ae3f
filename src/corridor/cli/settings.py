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
    Setting("CORRIDOR_KEY_FILE", "$CORRIDOR_HOME/corridor.key",
            "The key file (made by `corridor init`): the data keys that seal personal fields, "
            "the blind-index key and the audit signing key. Keep it off the database's disk "
            "where you can, and a copy of it somewhere safe."),
    Setting("CORRIDOR_KEY", "(unset)",
            "The key file's content, base64-encoded, instead of a file (for a server whose "
            "secrets come from its environment). Wins over CORRIDOR_KEY_FILE."),
    Setting("CORRIDOR_AUDIT_HEAD", "$CORRIDOR_KEY_FILE.audit-head",
            "The signed head of the audit log, kept outside the database so that deleting the "
            "last audit records is detected."),
    Setting("CORRIDOR_TOKEN", "(unset)",
            "A device or script token (`corridor token create`); wins over the session of "
            "`corridor login`."),
    Setting("CORRIDOR_PASSWORD", "(unset)",
            "The password for `corridor login` and `corridor init --admin` when there is no "
            "terminal to ask on (scripts, tests); prefer the prompt."),
    Setting("CORRIDOR_DISCLOSURE_THRESHOLD", "5",
            "The smallest count of people shown to monitors and the public; at least 5, and "
            "once figures have been published with a threshold it can only be raised."),
    Setting("CORRIDOR_ASSETS", "(node_modules beside the source)",
            "The node_modules folder with the pages' front-end packages (QR decoder, ticket "
            "check, charts, Arabic font), installed by `make setup` (npm ci); set it where "
            "corridor is installed away from its source folder."),
    Setting("CORRIDOR_PASSPHRASE", "(unset)",
            "The passphrase of an encrypted archive (export, backup, share) when there is no "
            "terminal to ask on; prefer the prompt."),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings in force for one command."""

    home: Path
    database_url: str
    key_file: Path
    key_text: str | None
    audit_head: Path
    token: str | None
    password: str | None
    passphrase: str | None
    disclosure_threshold: str

    @classmethod
    def from_environment(cls, environment: Mapping[str, str],
                         database_url: str | None = None) -> Settings:
        """Read the settings; an explicit ``database_url`` (from --db) wins."""
        home = Path(environment.get("CORRIDOR_HOME") or "corridor-data")
        url = database_url or environment.get("CORRIDOR_DB") or sqlite_url(home / "corridor.db")
        key_file = Path(environment.get("CORRIDOR_KEY_FILE") or home / "corridor.key")
        head = Path(environment.get("CORRIDOR_AUDIT_HEAD")
                    or key_file.with_name(key_file.name + ".audit-head"))
        return cls(home, url, key_file, environment.get("CORRIDOR_KEY") or None, head,
                   environment.get("CORRIDOR_TOKEN") or None,
                   environment.get("CORRIDOR_PASSWORD") or None,
                   environment.get("CORRIDOR_PASSPHRASE") or None,
                   environment.get("CORRIDOR_DISCLOSURE_THRESHOLD") or "5")

    @property
    def session_file(self) -> Path:
        """Where `corridor login` keeps the session token of this home (mode 0600)."""
        return self.home / "session"


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"
