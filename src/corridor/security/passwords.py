"""Passwords: Argon2id hashes, and the rules a new password must meet.

The sign-in throttle and the tokens live in :mod:`corridor.security.tokens` and are
re-exported here, so everything about signing in can be imported from one module.

Passwords are normalised to NFC before hashing, so the same password typed on two keyboards
(an Arabic letter composed or decomposed) is the same password.
"""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from corridor.domain.errors import InvalidValue
from corridor.security.tokens import Throttle, new_token, token_digest

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "Passwords", "Throttle",
           "check_new_password", "new_token", "token_digest"]

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# A few passwords long enough to pass the length rule that every guessing list starts with.
_COMMON = frozenset({
    "password1234", "password12345", "password123456", "passwordpassword", "123456789012",
    "1234567890123", "12345678901234", "qwertyuiop123", "qwertyuiopasdf", "qwertyuiopasdfgh",
    "iloveyou1234", "letmein12345", "administrator", "administrator1", "welcome12345",
    "changeme1234", "corridor1234", "corridorcorridor", "1q2w3e4r5t6y", "abcdefghijkl",
    "aaaaaaaaaaaa", "000000000000", "111111111111",
})
_RUNS = ("0123456789012345678901234567890", "abcdefghijklmnopqrstuvwxyz",
         "qwertyuiopasdfghjklzxcvbnm", "9876543210987654321098765432109",
         "zyxwvutsrqponmlkjihgfedcba")


class Passwords:
    """Hashes and verifies passwords with Argon2id.

    The defaults are argon2-cffi's, RFC 9106's second recommended option (3 passes over
    64 MiB, 4 lanes; about 0.1 s here), above OWASP's minimum (2 passes over 19 MiB). Tests
    pass small costs.
    """

    def __init__(self, time_cost: int = 3, memory_cost: int = 64 * 1024,
                 parallelism: int = 4) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost,
                                      parallelism=parallelism)

    def hash(self, password: str) -> str:
        """The stored form of ``password``: a PHC string with its salt and parameters."""
        return self._hasher.hash(_normalised(password))

    def verify(self, stored: str, password: str) -> bool:
        """Whether ``password`` matches ``stored``; False too when ``stored`` is unreadable."""
        try:
            return self._hasher.verify(stored, _normalised(password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """Whether ``stored`` was made with other parameters: hash again at the next sign-in."""
        try:
            return self._hasher.check_needs_rehash(stored)
        except (InvalidHashError, ValueError):
            return True


def check_new_password(password: str, user_name: str | None = None) -> None:
    """:class:`InvalidValue` with one sentence unless ``password`` is acceptable as a new one.

    At least 12 characters (at most 1024), not one character repeated, not a run of the keyboard
    or the alphabet, not one of the passwords every guessing list starts with, not the user name.
    """
    password = _normalised(password)
    folded = password.casefold()
    if len(password) < MIN_PASSWORD_LENGTH:
        _refuse(f"a password needs at least {MIN_PASSWORD_LENGTH} characters; a few unrelated "
                "words make a good one")
    if len(password) > MAX_PASSWORD_LENGTH:
        _refuse(f"a password can have at most {MAX_PASSWORD_LENGTH} characters")
    if len(set(folded)) == 1:
        _refuse("a password cannot be one character repeated")
    if folded in _COMMON or any(folded in run for run in _RUNS):
        _refuse("this password is among the first any attacker tries; choose another")
    if len(set(folded)) < 4:
        _refuse("a password needs at least four different characters")
    if user_name and user_name.casefold() in folded:
        _refuse("a password cannot contain the user name")


def _normalised(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def _refuse(message: str) -> None:
    raise InvalidValue(message, "password")
