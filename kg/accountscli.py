"""``kg users`` (accounts and their roles), ``kg backup DIR`` and ``kg restore DIR`` (the
state database and the change log, together), ``kg remind`` (owners of entries not
verified for a year), ``kg erase IRI`` (a person's data, on request)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from pyoxigraph import NamedNode, QuerySolutions

from kg.accounts import backup as backups
from kg.accounts import claims, people, reminders
from kg.accounts.db import connected
from kg.build import erasure
from kg.build import pipeline as build
from kg.clisettings import settings_or_exit
from kg.errors import KgError
from kg.namespaces import FOAF
from kg.store import open_store
from kg.views.model import expand

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


Entry = Annotated[str, typer.Argument(help="the person's IRI (or p:slug), or an account's e-mail")]
Why = Annotated[str, typer.Option("--why", help="the request, in a few public words")]


def erase(entry: Entry, why: Why = "erasure on request") -> None:
    """Erase a person's data from the store, indexes and dumps, leaving a tombstone; or
    an account (its address, sessions, claims) from the state database."""
    settings = settings_or_exit()
    if "@" in entry and not entry.startswith(("http://", "https://")):
        try:
            with connected(settings) as conn:
                gone = people.erase(conn, people.normalise_email(entry))
        except KgError as err:
            raise _fail(err) from None
        what = f"account {gone.id}" if gone else "no account; its sign-in links and proposals"
        typer.echo(f"erased {what} of that address from the state database")
        return
    iri = expand(entry, settings.base)  # p:slug, or a whole IRI
    try:
        if iri is None:
            raise ValueError(entry)
        node = NamedNode(iri)
    except ValueError:
        typer.echo(f"error: {entry!r} is not an IRI (nor p:slug)", err=True)
        raise typer.Exit(2) from None
    try:
        store = open_store(settings)
        try:
            if not store.query(f"ASK {{ {node} a <{FOAF}Person> }}"):
                raise KgError(f"{iri} is no person of the graph: kg erase removes persons' data")
            rows = store.query(f"SELECT ?n WHERE {{ {node} <{FOAF}name> ?n }}")
            assert isinstance(rows, QuerySolutions)
            names = [r["n"].value for r in rows]
        finally:
            store.close()
        # no older store is kept for rollback: it would still hold the person
        alone = settings.with_(keep_stores=0)
        build.run(alone, new_change=(erasure.update_text(iri), "administrator", None, why))
    except KgError as err:
        raise _fail(err) from None
    typer.echo(f"erased {iri} from the store, its indexes and dumps; no older store is kept")
    left = erasure.files_naming(settings, iri, names)
    if left:
        typer.echo(
            "still named in " + ", ".join(left) + ": each build removes what they say;"
            " edit them to take it out of the sources"
        )
