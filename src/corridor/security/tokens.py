"""API and device tokens, and the sign-in throttle.

A token is shown once; the database keeps only its SHA-256, so a stolen database gives no token
that works. Tokens carry 256 random bits, so a fast hash is enough (no Argon2 needed).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from corridor.domain.errors import InvalidValue, RateLimited
from corridor.security.keys import RandomBytes

TOKEN_BYTES = 32
_PREFIX = re.compile(r"[a-z][a-z0-9]{0,15}\Z")


def new_token(random_bytes: RandomBytes, prefix: str = "cor") -> tuple[str, str]:
    """A new token and its digest: show the token once, keep the digest.

    The token reads ``<prefix>_<43 URL-safe base64 characters>``; the prefix says what it is
    for at a glance (and lets secret scanners find leaked ones).
    """
    if not _PREFIX.match(prefix):
        raise InvalidValue("a token prefix is 1 to 16 lowercase letters and digits, starting "
                           "with a letter", "prefix")
    secret = random_bytes(TOKEN_BYTES)
    if len(secret) != TOKEN_BYTES:
        raise InvalidValue("the source of randomness gave fewer bytes than asked for")
    token = f"{prefix}_{base64.urlsafe_b64encode(secret).decode('ascii').rstrip('=')}"
    return token, token_digest(token)


def token_digest(token: str) -> str:
    """The hex SHA-256 of ``token`` (a pasted newline ignored): what the database keeps."""
    return hashlib.sha256(token.strip().encode()).hexdigest()


@dataclass(frozen=True)
class Throttle:
    """When an account (or a device) may try to sign in again after failures.

    ``max_failures`` failures within ``window`` lock it for ``lockout`` after the last of them.
    The edge should not record the attempts it refuses during a lockout as failures, or an
    attacker could keep the real user locked out for ever.
    """

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise InvalidValue("a throttle allows at least one failure", "max_failures")
        if self.window <= timedelta(0) or self.lockout <= timedelta(0):
            raise InvalidValue("a throttle's window and lockout are positive", "window")

    def retry_after(self, failures: Sequence[datetime], now: datetime) -> int:
        """Seconds to wait before the next try (rounded up), 0 when a try is allowed now.

        ``failures`` are the times of failed sign-ins, in any order; those in the future
        (a clock set back) count as now.
        """
        times = sorted(min(failure, now) for failure in failures)
        locked_until = None
        span = self.max_failures - 1
        for last in range(span, len(times)):
            if times[last] - times[last - span] <= self.window:
                locked_until = times[last] + self.lockout
        if locked_until is None or locked_until <= now:
            return 0
        return math.ceil((locked_until - now).total_seconds())

    def check(self, failures: Sequence[datetime], now: datetime) -> None:
        """:class:`RateLimited` with the seconds to wait, when a try is not allowed now."""
        wait = self.retry_after(failures, now)
        if wait:
            minutes = math.ceil(wait / 60)
            raise RateLimited(f"too many failed sign-ins; try again in {minutes} minute"
                              f"{'s' if minutes != 1 else ''}", wait)
