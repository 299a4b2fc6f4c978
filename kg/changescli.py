"""``kg changes``: the change log read and repaired from the command line (list, show,
quarantine, restore). A change that cannot be replayed stops every build; setting it
aside moves it to ``data/changes/quarantine/`` with the reason, and restoring puts it
back: nothing is deleted."""

from __future__ import annotations

from typing import Annotated

import typer

from kg.build import changes as log
from kg.build.pipeline import build_lock
from kg.clisettings import settings_or_exit
from kg.errors import BuildBusy
from kg.settings import Settings

app = typer.Typer(help="The change log (web edits): list, show, set aside.", no_args_is_help=True)


def _summary(change: log.Change) -> str:
    author, key = change.header()
    first = next((line for line in change.update().splitlines() if line.strip()), "")
    first = first if len(first) <= 60 else first[:59] + "…"
    shown_key = f" key={key}" if key else ""
    return f"{change.number:>6}  {change.when}  {author or '?'}{shown_key}  {first}"


@app.command("list")
def list_(
    quarantined: Annotated[
        bool, typer.Option("--quarantined", help="the changes set aside instead")
    ] = False,
) -> None:
    """The changes every build replays, in order (number, time, author, first line)."""
    settings = settings_or_exit()
    found = log.quarantined(settings) if quarantined else log.list_changes(settings)
    for change in found:
        line = _summary(change)
        if quarantined:
            reason = change.path.with_suffix(".reason")
            if reason.exists():
                line += f"\n        set aside: {reason.read_text(encoding='utf-8').strip()}"
        typer.echo(line)
    if not found:
        typer.echo("no changes set aside" if quarantined else "the change log is empty")


def _find(settings: Settings, number: int, quarantined: bool = False) -> log.Change:
    found = log.quarantined(settings) if quarantined else log.list_changes(settings)
    for change in found:
        if change.number == number:
            return change
    where = "set aside" if quarantined else "in the change log"
    typer.echo(f"error: there is no change {number} {where} (`kg changes list`)", err=True)
    raise typer.Exit(1)


@app.command()
def show(number: Annotated[int, typer.Argument(help="the change's number")]) -> None:
    """A change's text, as builds replay it."""
    settings = settings_or_exit()
    typer.echo(_find(settings, number).text(), nl=False)


@app.command()
def quarantine(
    number: Annotated[int, typer.Argument(help="the change's number")],
    reason: Annotated[str, typer.Option(help="why, kept beside it")] = "set aside by hand",
) -> None:
    """Set a change aside: builds no longer replay it; `kg changes restore` puts it back."""
    settings = settings_or_exit()
    try:
        with build_lock(settings):
            change = _find(settings, number)
            target = log.set_aside(settings, change, reason)
    except BuildBusy as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"change {number} set aside in {target.relative_to(settings.root).as_posix()}")
    typer.echo("run `kg build` to serve the data without it")


@app.command()
def restore(number: Annotated[int, typer.Argument(help="the change's number")]) -> None:
    """Put a change that was set aside back into the log, in its place."""
    settings = settings_or_exit()
    try:
        with build_lock(settings):
            change = _find(settings, number, quarantined=True)
            log.restore(settings, change)
    except BuildBusy as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"change {number} is back in the log; run `kg build`")
