"""``kg link``: links to other datasets, proposed with their evidence and reviewed in a
file before anything enters the data (docs/linking.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from kg.clisettings import settings_or_exit
from kg.errors import KgError
from kg.link import run
from kg.store import open_store

app = typer.Typer(help="Links to other datasets, proposed and reviewed.", no_args_is_help=True)


@app.command()
def wikidata(
    endpoint: Annotated[
        str | None, typer.Option(help="SPARQL endpoint (default: KG_WIKIDATA_ENDPOINT)")
    ] = None,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="only write the links graph from the review file"),
    ] = False,
    accept_identifiers: Annotated[
        bool,
        typer.Option(
            "--accept-identifiers",
            help="accept unique NIS-code and enterprise-number matches without review",
        ),
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="municipality, organisation or person (repeatable): only these"
        ),
    ] = None,
) -> None:
    """Propose Wikidata items for municipalities, organisations and people, into
    data/links/wikidata-review.csv; its accepted rows become data/links/wikidata.ttl."""
    settings = settings_or_exit()
    kinds = only or []
    unknown = [k for k in kinds if k not in ("municipality", "organisation", "person")]
    if unknown:
        typer.echo(
            f"error: --only takes municipality, organisation or person, not {unknown[0]!r}",
            err=True,
        )
        raise typer.Exit(2)
    try:
        if apply:
            summary = run.apply_links(settings)
        else:
            summary = run.propose_links(
                settings,
                open_store(settings),
                endpoint,
                accept_identifiers=accept_identifiers,
                only=kinds,
            )
            matches = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_match.items()))
            typer.echo(
                f"{summary.proposed} proposals ({matches or 'none'}), {summary.added} new, "
                f"{summary.ambiguous} ambiguous, {summary.auto_accepted} accepted as unique "
                f"identifier matches"
            )
    except KgError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    where = summary.links.relative_to(settings.root) if summary.links else "no links file"
    typer.echo(
        f"{summary.waiting} waiting for review in {run.REVIEW}; {summary.accepted} accepted "
        f"links in {where}; run `kg build` to load them"
    )
