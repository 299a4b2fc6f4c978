"""``kg peers``: the peer registry from the command line (list, ask, match)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from kg.clisettings import settings_or_exit
from kg.federation.answers import read_alignments
from kg.federation.client import PeerClient
from kg.federation.matching import THRESHOLD, our_profiles, propose, write_review
from kg.federation.registry import allowed, read_peers
from kg.store import open_store

app = typer.Typer(help="Other regional maps: list, match.", no_args_is_help=True)

#: where proposals wait for review, relative to the project root
REVIEW_FILE = Path("data/federation/matches.ttl")


@app.command("list")
def list_() -> None:
    """Every peer of the registry, whether it is asked here, and its endpoint."""
    settings = settings_or_exit()
    store = open_store(settings)
    try:
        peers = read_peers(store, settings.base)
    finally:
        store.close()
    asked = {p.iri for p in allowed(peers, settings)}
    for p in peers:
        state = "asked" if p.iri in asked else "no endpoint" if not p.endpoint else "not asked"
        typer.echo(f"{p.slug:<24} {state:<12} {p.endpoint or ''}  {p.title('en')}")


@app.command("match")
def match(
    threshold: Annotated[
        float, typer.Option(help="score at or above which a pair is proposed")
    ] = THRESHOLD,
    review: Annotated[
        Path | None, typer.Option(help="the review file (default data/federation/matches.ttl)")
    ] = None,
) -> None:
    """Ask every allowed peer for all it holds, compare with this map's organisations
    (KBO/BCE number, Wikidata item, website, name and place) and write the pairs scoring
    at or above the threshold to the review file as proposals. Nothing is asserted: a
    person accepts or rejects each; decisions are kept across runs."""
    settings = settings_or_exit()
    store = open_store(settings)
    try:
        peers = allowed(read_peers(store, settings.base), settings)
        alignments = read_alignments(store, settings.base)
        ours = our_profiles(store, settings.base)
    finally:
        store.close()
    outcomes = asyncio.run(PeerClient(settings).ask(peers, None, alignments))
    found = []
    for outcome in outcomes:
        if outcome.status != "ok":
            typer.echo(f"{outcome.peer.slug}: {outcome.status} ({outcome.detail}), not compared")
            continue
        found += propose(ours, outcome.peer, outcome.entities, threshold)
    path = review or settings.root / REVIEW_FILE
    when = datetime.now(UTC).isoformat(timespec="seconds")
    answered = [o.peer.iri for o in outcomes if o.status == "ok"]
    undecided = write_review(path, found, answered, when)
    typer.echo(f"{len(found)} pairs found; {undecided} awaiting review in {path}")
