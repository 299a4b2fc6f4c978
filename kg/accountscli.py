"""``kg users`` (accounts and their roles), ``kg backup DIR`` and ``kg restore DIR`` (the
state database and the change log, together), ``kg remind`` (owners of entries not
verified for a year)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from kg.accounts import backup as backups
from kg.accounts import claims, people, reminders
from kg.accounts.db import connected
from kg.clisettings import settings_or_exit
from kg.errors import KgError
from kg.store import open_store

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


AsOf = Annotated[
    str | None, typer.Option("--as-of", help="the day to count from (YYYY-MM-DD); today")
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="list the reminders, mail nothing")]


def remind(as_of: AsOf = None, dry_run: DryRun = False) -> None:
    """Mail the owners of entries not verified for a year (for cron; once a month each)."""
    settings = settings_or_exit()
    try:
        today = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
    except ValueError:
        typer.echo(f"error: --as-of {as_of!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    try:
        store = open_store(settings)
        with connected(settings) as conn:
            found = reminders.due(settings, store, conn, today)
            for r in found:
                last = r.last.isoformat() if r.last else "never verified"
                typer.echo(f"{r.email}  {r.entity.removeprefix(settings.base)}  {last}")
            if not dry_run:
                sent = reminders.send(settings, conn, found, today)
                typer.echo(f"mailed {sent} reminder" + ("" if sent == 1 else "s"))
    except KgError as err:
        raise _fail(err) from None
