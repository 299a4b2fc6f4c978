"""``kg users`` (accounts and their roles), ``kg backup DIR`` and ``kg restore DIR`` (the
state database and the change log, together)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.accounts import backup as backups
from kg.accounts import claims, people
from kg.accounts.db import connected
from kg.clisettings import settings_or_exit
from kg.errors import KgError

users = typer.Typer(
    help="Accounts and their roles (moderator, administrator).", no_args_is_help=True
)

Email = Annotated[str, typer.Argument(help="the person's e-mail address")]
Role = Annotated[str, typer.Argument(help="moderator or administrator")]


def _fail(err: KgError) -> typer.Exit:
    typer.echo(f"error: {err}", err=True)
    return typer.Exit(1)


@users.command("list")
def list_users() -> None:
    """Every account: address, roles, organisations owned."""
    settings = settings_or_exit()
    try:
        with connected(settings) as conn:
            found = people.everyone(conn)
            for account in found:
                owned = [
                    c.entity for c in claims.of_account(conn, account.id) if c.status == "verified"
                ]
                roles = ", ".join(sorted(account.roles)) or "contributor"
                line = f"{account.email}  {roles}"
                if owned:
                    line += "  owner of " + " ".join(e.removeprefix(settings.base) for e in owned)
                typer.echo(line)
    except KgError as err:
        raise _fail(err) from None
    if not found:
        typer.echo("no accounts yet")


@users.command("add")
def add(email: Email, role: Role) -> None:
    """Give an address a role (the account is made if it has none yet)."""
    settings = settings_or_exit()
    try:
        with connected(settings) as conn:
            account = people.add_role(conn, email, role)
    except KgError as err:
        raise _fail(err) from None
    typer.echo(f"{account.email}: {', '.join(sorted(account.roles))}")


@users.command("remove")
def remove(email: Email, role: Role) -> None:
    """Take a role from an address."""
    settings = settings_or_exit()
    try:
        with connected(settings) as conn:
            account = people.remove_role(conn, email, role)
    except KgError as err:
        raise _fail(err) from None
    typer.echo(f"{account.email}: {', '.join(sorted(account.roles)) or 'contributor'}")


Folder = Annotated[Path, typer.Argument(help="the backup's folder")]


def backup(folder: Folder) -> None:
    """Copy the state database and the change log into a new folder, consistently."""
    settings = settings_or_exit()
    try:
        manifest = backups.backup(settings, folder)
    except KgError as err:
        raise _fail(err) from None
    count = len(manifest["changes"])  # type: ignore[arg-type]
    typer.echo(f"backed up the state and {count} changes into {folder}")


def restore(folder: Folder) -> None:
    """Replace the state database and the change log by a backup's; then `kg build`."""
    settings = settings_or_exit()
    try:
        manifest = backups.restore(settings, folder)
    except KgError as err:
        raise _fail(err) from None
    typer.echo(f"restored the backup of {manifest['made']}; run `kg build` to serve its changes")
