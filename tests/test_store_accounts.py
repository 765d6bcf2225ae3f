"""Accounts: sign-in with a rate limit, sessions that expire, tokens revoked one by one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from corridor.domain.errors import InvalidValue, NotSignedIn, RateLimited, SignInRefused
from corridor.security.passwords import Passwords
from corridor.security.permissions import Grant, Role
from corridor.store import Database
from corridor.store.accounts import Accounts
from corridor.store.tables import users

PASSWORD = "a long enough password"
FAST = Passwords(time_cost=1, memory_cost=8 * 1024, parallelism=1)
START = datetime(2017, 3, 18, 6, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """Time stands still until the test moves it."""
    return Clock()


@pytest.fixture
def accounts(database: Database, clock: Clock) -> Accounts:
    """An account store with one coordinator, amira, on a frozen clock."""
    frozen = Database(database.engine, database.display_url,
                      replace(database.custody, clock=clock))
    store = Accounts(frozen, FAST)
    store.add("amira", PASSWORD, [Grant(Role.COORDINATOR, "al-waer")], actor="setup")
    return store


def test_a_session_names_its_user_and_grants_and_expires_after_a_shift(
        accounts: Accounts, clock: Clock) -> None:
    """Signing in gives a token for amira's grants; 12 hours later it no longer works."""
    token = accounts.sign_in("amira", PASSWORD)
    principal = accounts.principal(token)
    assert principal.name == "amira"
    assert principal.grants == (Grant(Role.COORDINATOR, "al-waer"),)
    clock.now += timedelta(hours=12, seconds=1)
    with pytest.raises(NotSignedIn, match="expired"):
        accounts.principal(token)


def test_wrong_name_and_wrong_password_get_the_same_answer(accounts: Accounts) -> None:
    """The refusal never says whether the account exists."""
    messages = []
    for name, password in (("amira", "not the password!"), ("nobody", PASSWORD)):
        with pytest.raises(SignInRefused) as refused:
            accounts.sign_in(name, password)
        messages.append(refused.value.message)
    assert messages[0] == messages[1]


def test_five_failures_lock_the_name_for_a_while_even_with_the_right_password(
        accounts: Accounts, clock: Clock) -> None:
    """After 5 failures the right password waits; after the lockout it works again."""
    for _ in range(5):
        with pytest.raises(SignInRefused):
            accounts.sign_in("amira", "not the password!")
    with pytest.raises(RateLimited) as limited:
        accounts.sign_in("amira", PASSWORD)
    assert 0 < limited.value.retry_after <= 15 * 60
    clock.now += timedelta(minutes=31)
    assert accounts.sign_in("amira", PASSWORD)


def test_a_device_token_is_revoked_alone(accounts: Accounts) -> None:
    """Revoking the lost phone's token leaves the laptop's session working."""
    session = accounts.sign_in("amira", PASSWORD)
    phone = accounts.issue_device_token("amira", "phone-3", actor="amira")
    assert accounts.principal(phone).device == "phone-3"
    [listed] = [c for c in accounts.credentials("amira") if c.device == "phone-3"]
    accounts.revoke(listed.token_id, actor="amira", owner="amira")
    with pytest.raises(NotSignedIn, match="revoked"):
        accounts.principal(phone)
    assert accounts.principal(session).name == "amira"


def test_disabling_an_account_revokes_everything_it_holds(accounts: Accounts) -> None:
    """A disabled account cannot sign in, and its tokens stop working."""
    phone = accounts.issue_device_token("amira", "phone-1", actor="admin")
    accounts.disable("amira", actor="admin")
    with pytest.raises(NotSignedIn):
        accounts.principal(phone)
    with pytest.raises(SignInRefused):
        accounts.sign_in("amira", PASSWORD)


def test_a_password_hashed_with_old_parameters_is_rehashed_at_sign_in(
        database: Database) -> None:
    """Stronger parameters apply at the next sign-in, without a password reset."""
    Accounts(database, FAST).add("samir", PASSWORD, [], actor="setup")
    stronger = Passwords(time_cost=2, memory_cost=16 * 1024, parallelism=1)
    Accounts(database, stronger).sign_in("samir", PASSWORD)
    with database.engine.connect() as connection:
        stored = connection.execute(users.select().where(users.c.name == "samir")).one()
    assert not stronger.needs_rehash(stored.password_hash)
    assert "m=16384" in stored.password_hash


def test_bad_names_and_weak_passwords_are_refused_with_a_sentence(accounts: Accounts) -> None:
    """A name with a space and a short password say what to change."""
    with pytest.raises(InvalidValue, match="user name"):
        accounts.add("amira h", PASSWORD, [], actor="setup")
    with pytest.raises(InvalidValue, match="12"):
        accounts.add("huda", "short", [], actor="setup")
