"""``kg link wikidata`` as functions: propose (ask the endpoint, merge the proposals into
the review file) and apply (the review file's accepted rows to the links graph)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kg.link import graph, review
from kg.link.endpoint import SparqlEndpoint
from kg.link.local import linked_items, read_entities
from kg.link.wikidata import auto_accept, propose
from kg.settings import Settings
from kg.store import GraphStore

REVIEW = Path("data/links/wikidata-review.csv")
LINKS = Path("data/links/wikidata.ttl")


@dataclass
class Summary:
    proposed: int = 0
    added: int = 0
    auto_accepted: int = 0
    ambiguous: int = 0
    waiting: int = 0
    accepted: int = 0
    by_match: Counter[str] = field(default_factory=Counter)
    links: Path | None = None


def propose_links(
    settings: Settings,
    store: GraphStore,
    endpoint: str | None = None,
    *,
    accept_identifiers: bool = False,
    day: date | None = None,
    only: Sequence[str] = (),
) -> Summary:
    """Ask the endpoint about every entity not linked yet (``only``: of these kinds,
    municipality / organisation / person), add the proposals to the review file (decisions
    already taken are kept), then apply it."""
    url = endpoint or settings.wikidata_endpoint
    day = day or date.today()
    path = settings.root / REVIEW
    rows = review.read(path, REVIEW.as_posix())
    known = linked_items(store, settings.base)
    known.update({r.entity: r.wikidata for r in review.accepted(rows, REVIEW.as_posix())})
    entities = read_entities(store, settings.base)
    if only:
        entities = [e for e in entities if e.kind in only]
    with SparqlEndpoint(url, contact=settings.contact_email) as wd:
        proposals = propose(wd, entities, known)
    new = [
        review.from_proposal(p, url, day, accept_identifiers and auto_accept(p)) for p in proposals
    ]
    rows, added = review.merge(rows, new)
    review.write(path, rows)
    summary = apply_links(settings, day)
    summary.proposed, summary.added = len(proposals), added
    summary.auto_accepted = sum(r.reviewer == review.AUTO for r in new)
    summary.ambiguous = sum(p.ambiguous for p in proposals)
    summary.by_match = Counter(p.matched_by for p in proposals)
    return summary


def apply_links(settings: Settings, day: date | None = None) -> Summary:
    """Write the links graph from the review file's accepted rows (dating the decisions
    taken since the last run in the review file)."""
    path = settings.root / REVIEW
    rows = review.read(path, REVIEW.as_posix())
    chosen = review.accepted(rows, REVIEW.as_posix())
    if review.date_decisions(rows, day or date.today()):
        review.write(path, rows)
    written = graph.write(settings.root / LINKS, chosen, settings.base, REVIEW.as_posix())
    return Summary(waiting=sum(not r.decision for r in rows), accepted=len(chosen), links=written)
