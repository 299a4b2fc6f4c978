"""``kg import``: importers run by hand on a downloaded dataset (``kg import kbo DIR``),
with a progress bar on a terminal and a summary of what was kept and why the rest was
not."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.build.importers import kbo
from kg.build.importers.kbofiles import Progress
from kg.clisettings import settings_or_exit
from kg.errors import KgError

app = typer.Typer(help="Import a downloaded dataset (the KBO/BCE register).", no_args_is_help=True)


class Bars:
    """One progress bar per file read (bytes), on stderr when it is a terminal; a line
    per file otherwise."""

    def __init__(self, sizes: dict[str, int]) -> None:
        self.sizes = sizes
        self.bar: Any = None
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()

    def __call__(self, name: str, why: str) -> Progress:
        self.close()
        label = f"{name}.csv ({why})"
        if not self.tty:
            typer.echo(f"reading {label}", err=True)
            return Progress()
        self.bar = typer.progressbar(
            length=self.sizes.get(name, 0), label=label.ljust(44), file=sys.stderr, width=30
        )
        self.bar.__enter__()
        return Progress(self.bar.update)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def summary(result: kbo.Result, seconds: float) -> list[str]:
    t = result.tally
    lines = [
        f"extract of {result.day.isoformat()}: {t.enterprises:,} enterprises read in "
        f"{seconds:.1f} s",
        f"kept {t.kept:,} creative and cultural enterprises in Brussels "
        f"({result.linked} linked to a curated organisation)",
    ]
    if t.dropped:
        lines.append("not kept:")
        lines += [f"  {n:>10,}  {why}" for why, n in t.dropped.most_common()]
    if t.notes:
        lines.append("noted:")
        lines += [f"  {n:>10,}  {what}" for what, n in t.notes.most_common()]
    if result.retired:
        lines.append(f"retired (kept before, not in this extract's selection): {result.retired:,}")
    if result.malformed.count:
        lines.append(f"malformed rows skipped: {result.malformed.count:,}")
        lines += [f"  {line}" for line in result.malformed.first]
    g = result.geocoding
    if g is not None:
        lines.append(f"addresses geocoded with {g.source.name} ({g.rows:,} rows, copy of {g.day}):")
        for what in ("geocoded", "not matched", "ambiguous", "natural person (not geocoded)"):
            lines.append(f"  {g.outcomes.get(what, 0):>10,}  {what}")
    lines += [f"wrote {p}" for p in result.files]
    lines.append("run `kg build` to load them")
    return lines


@app.command("kbo")
def kbo_(
    folder: Annotated[str, typer.Argument(help="the unzipped extract (enterprise.csv, …)")],
    skip_malformed: Annotated[
        bool,
        typer.Option(
            "--skip-malformed",
            help="skip malformed rows (listed in the summary) instead of stopping",
        ),
    ] = False,
    addresses: Annotated[
        str | None,
        typer.Option(
            "--addresses",
            help="BOSA's BeST Address CSV (openaddress-bebru.csv) to geocode the addresses "
            "with; default: the setting KG_ADDRESSES, else not geocoded",
        ),
    ] = None,
) -> None:
    """Import the KBO/BCE Open Data extract in FOLDER: the creative and cultural enterprises
    with a seat or establishment in the 19 municipalities; `kg build` then loads them."""
    settings = settings_or_exit()
    path = Path(folder)
    sizes = {p.stem: p.stat().st_size for p in path.glob("*.csv")} if path.is_dir() else {}
    bars = Bars(sizes)
    started = time.monotonic()
    try:
        where = Path(addresses) if addresses else settings.addresses_file
        result = kbo.run(settings, path, bars, strict=not skip_malformed, addresses=where)
    except KgError as err:
        bars.close()
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    bars.close()
    for line in summary(result, time.monotonic() - started):
        typer.echo(line)
