"""One error tree for corridor, with stable codes.

Every error corridor raises on purpose is a :class:`CorridorError`. Its ``code`` is stable: scripts,
the HTTP API and tests may rely on it, while the message may be reworded. The edges translate the
tree (the CLI into an exit code and one red line, the web app into a status and JSON); the core
never formats for a screen.

::

    CorridorError                      code
    ├── InvalidValue                   invalid_value        a value cannot be built (one sentence)
    ├── ScenarioRejected               invalid_scenario     a scenario folder is rejected whole;
    │                                                       .problems lists every problem
    ├── NotFound                       not_found            an operation, household... is unknown
    ├── AlreadyExists                  already_exists       it is there already
    ├── StoreError                     store_error          the database cannot do what was asked
    │   ├── DatabaseNotInitialised     database_not_initialised
    │   └── DatabaseUnreachable        database_unreachable
    └── SecurityError                  security_error       data protection refused or failed
        ├── NotSignedIn                not_signed_in        no valid session or token
        ├── SignInRefused              sign_in_refused      wrong name or password (says not which)
        ├── RateLimited                rate_limited         too many failed sign-ins; wait
        ├── Forbidden                  forbidden            the role may not do this here
        ├── KeyUnusable                key_unusable         the key is missing, damaged or not the
        │                                                   key this data was encrypted with
        ├── ArchiveUnusable            archive_unusable     not a corridor archive, wrong
        │                                                   passphrase, damaged, or expired
        ├── AuditBroken                audit_broken         the audit chain does not verify
        ├── TicketRefused              ticket_refused       a QR ticket does not verify (these
        │   ├── NotATicket             not_a_ticket         live in corridor.security.tickets)
        │   ├── OtherOperation         other_operation
        │   ├── BadSignature           bad_signature
        │   └── TicketRevoked          revoked
        └── RevocationListRefused      revocation_list_refused
"""

from __future__ import annotations

from dataclasses import dataclass


class CorridorError(Exception):
    """The root of every error corridor raises on purpose; ``code`` is stable."""

    code = "corridor_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValue(CorridorError, ValueError):
    """A domain value cannot be built; ``field`` names the offending field when there is one."""

    code = "invalid_value"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in an input file: where it is and what is wrong, in one sentence.

    ``row`` is the row as a spreadsheet shows it (the header is row 1); ``column`` is a CSV column
    or, for TOML, the dotted key.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        place = self.file
        if self.row is not None:
            place += f" row {self.row}"
        if self.column is not None:
            place += f", column {self.column}" if self.row is not None else f", {self.column}"
        return f"{place}: {self.message}"


class ScenarioRejected(CorridorError):
    """A scenario was rejected whole; ``problems`` lists every problem found, in file order."""

    code = "invalid_scenario"

    def __init__(self, problems: list[Problem]) -> None:
        count = len(problems)
        first = str(problems[0]) if problems else "no details"
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"the scenario was rejected with {count} {noun}; the first: {first}")
        self.problems = problems


class NotFound(CorridorError):
    """Something that was asked for by its id does not exist."""

    code = "not_found"


class AlreadyExists(CorridorError):
    """Something with that id exists already."""

    code = "already_exists"


class StoreError(CorridorError):
    """The database could not do what was asked."""

    code = "store_error"


class DatabaseNotInitialised(StoreError):
    """The database has no corridor schema, or an older one: run ``corridor init``."""

    code = "database_not_initialised"


class DatabaseUnreachable(StoreError):
    """The database cannot be opened or reached."""

    code = "database_unreachable"


def require(condition: bool, message: str, field: str | None = None) -> None:
    """Raise :class:`InvalidValue` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise InvalidValue(message, field)


class SecurityError(CorridorError):
    """Data protection refused an action or could not do it."""

    code = "security_error"


class NotSignedIn(SecurityError):
    """No valid session or token: sign in first (``corridor login``) or set a device token."""

    code = "not_signed_in"


class SignInRefused(SecurityError):
    """The name or the password is wrong; the message never says which."""

    code = "sign_in_refused"


class RateLimited(SecurityError):
    """Too many failed sign-ins for this account or device; ``retry_after`` is in seconds."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Forbidden(SecurityError):
    """The signed-in user's role may not do this, or not for this operation or site."""

    code = "forbidden"


class KeyUnusable(SecurityError):
    """The key is missing or damaged, or it is not the key the data was encrypted with."""

    code = "key_unusable"


class ArchiveUnusable(SecurityError):
    """An archive is not a corridor archive, is damaged, has expired, or the passphrase is wrong."""

    code = "archive_unusable"


class AuditBroken(SecurityError):
    """The audit log does not verify: records were edited, deleted, reordered or truncated."""

    code = "audit_broken"
