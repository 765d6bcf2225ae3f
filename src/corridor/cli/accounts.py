"""Signing in and out, accounts and device tokens: ``login``, ``logout``, ``whoami``, ``user``,
``token``, and the first administrator that ``corridor init`` makes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corridor.cli.console import out
from corridor.cli.identity import (
    ask_secret,
    current_token,
    open_database,
    permitted,
    signed_in,
    write_private,
)
from corridor.cli.options import DatabaseOption, settings_for
from corridor.cli.settings import Settings
from corridor.domain.errors import InvalidValue
from corridor.security.permissions import (
    ANY_OPERATION,
    Action,
    Grant,
    Role,
    allowed,
)
from corridor.store import Database
from corridor.store.accounts import Accounts

user_app = typer.Typer(help="Accounts and their roles (administrators).", no_args_is_help=True)
token_app = typer.Typer(help="Tokens for devices and scripts, revocable one by one.",
                        no_args_is_help=True)

RoleOption = Annotated[Role, typer.Option("--role", help="The role to grant.")]
GrantOperationOption = Annotated[str, typer.Option(
    "--operation", "-o", help="The operation the role holds for ('*': every operation).")]
SiteOption = Annotated[list[str] | None, typer.Option(
    "--site", help="Limit the role to this assembly point (repeatable; checkpoint officers, "
    "convoy leads and registrars only).", show_default=False)]



class bootstrap:
    """Making the first administrator of a new database."""

    @staticmethod
    def needed(db: Database) -> bool:
        """Whether the database has no account yet."""
        return not Accounts(db).any_account()

    @staticmethod
    def first_admin(db: Database, settings: Settings, name: str | None,
                    console: Console) -> None:
        """Make the first administrator, or say how to."""
        if name is None:
            console.print("[yellow]There is no account yet[/yellow]: run `corridor init --admin "
                          "NAME` to make the first administrator.")
            return
        password = ask_secret(settings.password, "Password", "CORRIDOR_PASSWORD", confirm=True)
        Accounts(db).add(name, password, [Grant(Role.ADMIN, ANY_OPERATION)],
                         actor=f"{name} (init)")
        console.print(f"[green]Made the administrator {name}[/green]; sign in with "
                      f"`corridor login {name}`.")


def login(
    name: Annotated[str, typer.Argument(help="Your account name.")],
    database: DatabaseOption = None,
) -> None:
    """Sign in; the session lasts one shift (12 hours) and is kept in $CORRIDOR_HOME/session."""
    settings = settings_for(database)
    password = ask_secret(settings.password, "Password", "CORRIDOR_PASSWORD")
    with open_database(settings) as db:
        token = Accounts(db).sign_in(name, password)
    write_private(settings.session_file, token.encode("ascii"), replace=True)
    out.print(f"[green]Signed in as {name}[/green] until the session expires (12 hours) or "
              "`corridor logout`.")


def logout(database: DatabaseOption = None) -> None:
    """Sign out: the session is revoked in the database and its file removed."""
    settings = settings_for(database)
    token = current_token(settings)
    if token is not None:
        with open_database(settings) as db:
            Accounts(db).revoke_token(token)
    settings.session_file.unlink(missing_ok=True)
    out.print("Signed out.")


def whoami(database: DatabaseOption = None) -> None:
    """Show who is signed in and the roles they hold."""
    settings = settings_for(database)
    with open_database(settings) as db:
        principal = signed_in(db, settings)
    def where(grant: Grant) -> str:
        operation = ("every operation" if grant.operation_id == ANY_OPERATION
                     else grant.operation_id)
        sites = f"; sites {', '.join(sorted(grant.sites))}" if grant.sites else ""
        return f"{grant.role.value} ({operation}{sites})"

    roles = ", ".join(where(g) for g in principal.grants) or "no role"
    out.print(f"{principal.label}: {roles}")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The new account's name.")],
    role: RoleOption,
    operation: GrantOperationOption = ANY_OPERATION,
    site: SiteOption = None,
    database: DatabaseOption = None,
) -> None:
    """Make an account with one role; its password is asked for (or CORRIDOR_PASSWORD)."""
    settings = settings_for(database)
    grant = Grant(role, operation, frozenset(site or ()))
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.USERS_MANAGE)
        password = ask_secret(settings.password, f"Password for {name}", "CORRIDOR_PASSWORD",
                              confirm=True)
        Accounts(db).add(name, password, [grant], actor=principal.label)
    out.print(f"[green]Made the account {name}[/green] ({role.value}).")


@user_app.command("grant")
def user_grant(
    name: Annotated[str, typer.Argument(help="The account.")],
    role: RoleOption,
    operation: GrantOperationOption = ANY_OPERATION,
    site: SiteOption = None,
    database: DatabaseOption = None,
) -> None:
    """Give an account one more role."""
    settings = settings_for(database)
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.USERS_MANAGE)
        Accounts(db).grant(name, Grant(role, operation, frozenset(site or ())),
                           actor=principal.label)
    out.print(f"[green]{name} is now {role.value}[/green] for {operation}.")


@user_app.command("disable")
def user_disable(
    name: Annotated[str, typer.Argument(help="The account.")],
    database: DatabaseOption = None,
) -> None:
    """Disable an account and revoke every session and token it has."""
    settings = settings_for(database)
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.USERS_MANAGE)
        if name == principal.name:
            raise InvalidValue("you cannot disable your own account", "name")
        Accounts(db).disable(name, actor=principal.label)
    out.print(f"[green]Disabled {name}[/green]; its sessions and tokens no longer work.")


@user_app.command("list")
def user_list(database: DatabaseOption = None) -> None:
    """List the accounts and their roles."""
    settings = settings_for(database)
    with open_database(settings) as db:
        permitted(db, settings, Action.USERS_MANAGE)
        accounts = Accounts(db).accounts()
    table = Table("account", "roles", "created", "state")
    for account in accounts:
        table.add_row(account.name,
                      ", ".join(f"{g.role.value}@{g.operation_id}" for g in account.grants),
                      f"{account.created_at:%Y-%m-%d}",
                      "disabled" if account.disabled else "active")
    out.print(table)


@token_app.command("create")
def token_create(
    device: Annotated[str, typer.Option("--device", help="The device or script it is for.")],
    user: Annotated[str | None, typer.Option(
        "--user", help="Whose token (administrators only; default: yours).",
        show_default=False)] = None,
    days: Annotated[int | None, typer.Option(
        "--days", help="Days it lasts (default: until revoked).", show_default=False)] = None,
    database: DatabaseOption = None,
) -> None:
    """Make a token for a phone or a script; it is shown once, keep it like a password."""
    settings = settings_for(database)
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.TOKENS_OWN)
        owner = user or principal.name
        if owner != principal.name:
            permitted(db, settings, Action.USERS_MANAGE)
        token = Accounts(db).issue_device_token(owner, device, actor=principal.label, days=days)
    out.print(f"Token for {owner} on {device} (shown once): {token}", markup=False)


@token_app.command("list")
def token_list(database: DatabaseOption = None) -> None:
    """List your sessions and tokens (administrators: everyone's)."""
    settings = settings_for(database)
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.TOKENS_OWN)
        owner = None if allowed(principal, Action.USERS_MANAGE) else principal.name
        found = Accounts(db).credentials(owner)
    table = Table("id", "account", "kind", "device", "created", "expires", "state")
    for item in found:
        table.add_row(item.token_id, item.user_name, item.kind, item.device or "",
                      f"{item.created_at:%Y-%m-%d %H:%M}",
                      f"{item.expires_at:%Y-%m-%d %H:%M}" if item.expires_at else "never",
                      "revoked" if item.revoked else "active")
    out.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The id `corridor token list` shows.")],
    database: DatabaseOption = None,
) -> None:
    """Revoke one session or token (a lost phone): it stops working at once."""
    settings = settings_for(database)
    with open_database(settings) as db:
        principal = permitted(db, settings, Action.TOKENS_OWN)
        owner = None if allowed(principal, Action.USERS_MANAGE) else principal.name
        Accounts(db).revoke(token_id, actor=principal.label, owner=owner)
    out.print(f"[green]Revoked[/green] {token_id}.")
