"""Passwords (Argon2id), the rules for a new one, tokens and the sign-in throttle."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.domain.errors import InvalidValue, RateLimited
from corridor.security.passwords import Passwords, check_new_password
from corridor.security.tokens import Throttle, new_token, token_digest

NOW = datetime(2017, 3, 18, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def passwords() -> Passwords:
    """Argon2id with the smallest costs, so the tests stay fast."""
    return Passwords(time_cost=1, memory_cost=8, parallelism=1)


def test_a_hashed_password_verifies(passwords: Passwords) -> None:
    """The password that was hashed verifies against its hash."""
    stored = passwords.hash("olive trees of al-Waer")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "olive trees of al-Waer")


def test_a_wrong_password_is_false_not_an_error(passwords: Passwords) -> None:
    """A wrong password gives False."""
    assert not passwords.verify(passwords.hash("olive trees of al-Waer"), "olive trees of Homs")


def test_an_unreadable_hash_is_false(passwords: Passwords) -> None:
    """A damaged stored hash refuses the sign-in instead of raising."""
    assert not passwords.verify("not a hash", "olive trees of al-Waer")
    assert not passwords.verify("", "olive trees of al-Waer")


def test_the_same_password_hashes_differently(passwords: Passwords) -> None:
    """Each hash has its own salt."""
    assert passwords.hash("olive trees of al-Waer") != passwords.hash("olive trees of al-Waer")


def test_composed_and_decomposed_letters_are_one_password(passwords: Passwords) -> None:
    """A password typed with a composed or a decomposed letter is the same password."""
    stored = passwords.hash("كلمة سر آمنة جدا")
    assert passwords.verify(stored, "كلمة سر ا\u0653منة جدا")


def test_changed_parameters_ask_for_a_rehash(passwords: Passwords) -> None:
    """A hash made with other costs needs a rehash; one made with these does not."""
    stored = passwords.hash("olive trees of al-Waer")
    assert not passwords.needs_rehash(stored)
    assert Passwords(time_cost=2, memory_cost=8, parallelism=1).needs_rehash(stored)
    assert passwords.needs_rehash("not a hash")


def test_default_costs_are_at_least_owasps() -> None:
    """The default parameters are at or above OWASP's Argon2id minimum (2 passes, 19 MiB)."""
    stored = Passwords().hash("olive trees of al-Waer")
    assert "m=65536,t=3,p=4" in stored


@pytest.mark.parametrize(("password", "reason"), [
    ("short", "at least 12 characters"),
    ("aaaaaaaaaaaaaaa", "one character repeated"),
    ("AAAAaaaaAAAAaaaa", "one character repeated"),
    ("password1234", "among the first any attacker tries"),
    ("123456789012345", "among the first any attacker tries"),
    ("QWERTYUIOPASDF", "among the first any attacker tries"),
    ("abababababababab", "four different characters"),
    ("x" * 1025 + "yz", "at most 1024 characters"),
])
def test_weak_new_passwords_are_refused(password: str, reason: str) -> None:
    """A weak new password raises InvalidValue with a sentence that says why."""
    with pytest.raises(InvalidValue, match=reason) as refused:
        check_new_password(password)
    assert refused.value.field == "password"


def test_a_password_holding_the_user_name_is_refused() -> None:
    """A new password that contains the user name is refused."""
    with pytest.raises(InvalidValue, match="user name"):
        check_new_password("Salma.Nasser.2017", user_name="salma.nasser")


@pytest.mark.parametrize("password", ["olive trees of al-Waer", "زيتون الوعر ٢٠١٧",
                                      "correct horse battery staple"])
def test_good_new_passwords_pass(password: str) -> None:
    """Long passwords of several characters, Arabic ones included, are accepted."""
    check_new_password(password)


def test_a_token_is_its_prefix_and_43_characters() -> None:
    """A token reads prefix_ then 43 URL-safe characters, and its digest is its SHA-256."""
    token, digest = new_token(random.Random(1).randbytes, prefix="dev")
    assert token.startswith("dev_")
    assert len(token) == 4 + 43
    assert digest == token_digest(token)
    assert len(digest) == 64


def test_tokens_come_from_the_randomness_given() -> None:
    """The same random bytes give the same token; other bytes another."""
    assert new_token(random.Random(1).randbytes) == new_token(random.Random(1).randbytes)
    assert new_token(random.Random(1).randbytes) != new_token(random.Random(2).randbytes)
    assert new_token(random.Random(1).randbytes)[0].startswith("cor_")


def test_a_pasted_token_with_a_newline_still_matches() -> None:
    """Surrounding whitespace does not change a token's digest."""
    token, digest = new_token(random.Random(1).randbytes)
    assert token_digest(f" {token}\n") == digest


@pytest.mark.parametrize("prefix", ["", "Cor", "cor_x", "1cor", "a" * 17])
def test_a_token_prefix_is_lowercase_letters_and_digits(prefix: str) -> None:
    """An odd token prefix raises InvalidValue."""
    with pytest.raises(InvalidValue, match="prefix"):
        new_token(random.Random(1).randbytes, prefix=prefix)


def test_a_few_failures_do_not_throttle() -> None:
    """Four failures in the window leave sign-in allowed."""
    failures = [NOW - minutes * MINUTE for minutes in range(4)]
    assert Throttle().retry_after(failures, NOW) == 0


def test_five_failures_in_the_window_lock_for_fifteen_minutes() -> None:
    """The fifth failure within 15 minutes locks the account for 15 minutes after it."""
    failures = [NOW - minutes * MINUTE for minutes in range(5)]
    throttle = Throttle()
    assert throttle.retry_after(failures, NOW) == 15 * 60
    assert throttle.retry_after(failures, NOW + 10 * MINUTE) == 5 * 60
    assert throttle.retry_after(failures, NOW + 15 * MINUTE) == 0


def test_failures_spread_over_more_than_the_window_do_not_lock() -> None:
    """Five failures over an hour are not an attack the throttle stops."""
    failures = [NOW - minutes * MINUTE for minutes in range(0, 60, 12)]
    assert Throttle().retry_after(failures, NOW) == 0


def test_a_lockout_longer_than_the_window_lasts_its_length() -> None:
    """A one-hour lockout holds after the failures have left the window."""
    failures = [NOW - seconds * timedelta(seconds=1) for seconds in range(5)]
    throttle = Throttle(lockout=timedelta(hours=1))
    assert throttle.retry_after(failures, NOW + 30 * MINUTE) == 30 * 60


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    """Half a second left is one second to wait."""
    failures = [NOW] * 5
    assert Throttle().retry_after(failures, NOW + 15 * MINUTE - timedelta(seconds=0.5)) == 1


def test_check_raises_rate_limited_with_the_wait() -> None:
    """check raises RateLimited carrying the seconds to wait."""
    with pytest.raises(RateLimited, match="try again in 15 minutes") as limited:
        Throttle().check([NOW] * 5, NOW)
    assert limited.value.retry_after == 15 * 60
    Throttle().check([NOW] * 4, NOW)


def test_a_throttle_needs_a_positive_window() -> None:
    """A throttle of zero failures or an empty window cannot be built."""
    with pytest.raises(InvalidValue):
        Throttle(max_failures=0)
    with pytest.raises(InvalidValue):
        Throttle(window=timedelta(0))


@given(offsets=st.lists(st.integers(min_value=-7200, max_value=600), max_size=30))
def test_retry_after_never_exceeds_the_lockout(offsets: list[int]) -> None:
    """Whatever the failures, even from a clock ahead, the wait is at most the lockout."""
    failures = [NOW + timedelta(seconds=offset) for offset in offsets]
    wait = Throttle().retry_after(failures, NOW)
    assert 0 <= wait <= 15 * 60
