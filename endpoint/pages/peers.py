"""``/peers``: the other regional maps of the registry (data/peers.ttl) and their state,
with JSON and CSV twins; and what the search pages use to ask them (``ask_peers``).

Every peer that may be called is asked for everything it holds when the page is shown
(its answer is kept for ``KG_PEER_CACHE`` seconds), within its time limit: the page says
how it answered, how long it took, and what it holds; a peer without an endpoint is listed
with what the registry says of it."""

from __future__ import annotations

import csv
import io
from typing import Any

import anyio.from_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response

from endpoint.http.i18n import page_language
from endpoint.http.routing import get_and_head
from endpoint.pages.page import Page
from endpoint.pages.pagerequest import VARY, page_response, settings_of, store_of, wanted
from kg.federation.answers import Alignments, read_alignments
from kg.federation.client import Outcome, PeerClient, PeerState
from kg.federation.registry import Peer, allowed, registry
from kg.labels import pick
from kg.views.nodelabels import Collector

router = APIRouter()
CSV = "text/csv"
OFFERS = ["text/html", "application/json", CSV]
CSV_COLUMNS = ["peer", "title", "region", "endpoint", "profile", "status", "latency_ms",
               "organisations", "last_asked", "source"]  # fmt: skip


def federation(request: Request) -> tuple[list[Peer], list[Peer], Alignments]:
    """Every peer of the registry, those that may be called, and the SKOS alignments,
    kept with the store being served."""
    settings = settings_of(request)
    store = store_of(request)
    cache = request.app.state.holder.cache()
    peers = registry(store, settings.base, cache)
    key = ("federation", "alignments")
    alignments = cache.get_or_compute(key, lambda: read_alignments(store, settings.base))
    return peers, allowed(peers, settings), alignments


def ask_peers(request: Request, q: str | None) -> list[Outcome]:
    """Ask every peer that may be called, from a route running in a worker thread: the
    questions go out side by side on the app's event loop."""
    _, callable_peers, alignments = federation(request)
    client: PeerClient = request.app.state.peers
    return anyio.from_thread.run(client.ask, callable_peers, q, alignments)


def _row(peer: Peer, state: PeerState | None, allowed_iris: set[str], lang: str) -> dict[str, Any]:
    return {
        "iri": peer.iri,
        "title": peer.title(lang),
        "description": pick(peer.descriptions, lang),
        "region": peer.place(lang),
        "publisher": peer.publisher,
        "endpoint": peer.endpoint,
        "profile": peer.profile,
        "profile_title": peer.profile_title(lang),
        "asked": peer.iri in allowed_iris,
        "sources": peer.sources,
        "state": None
        if state is None
        else {
            "status": state.status,
            "last_asked": state.when,
            "latency_ms": None if state.latency is None else round(state.latency * 1000),
            "detail": state.detail,
            "organisations": state.organisations,
            "kinds": state.kinds,
        },
    }


def _csv(rows: list[dict[str, Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        s = r["state"] or {}
        writer.writerow([r["iri"], r["title"], r["region"] or "", r["endpoint"] or "",
                         r["profile"] or "", s.get("status", ""), s.get("latency_ms", ""),
                         s.get("organisations", ""), s.get("last_asked", ""),
                         " ".join(r["sources"])])  # fmt: skip
    headers = {"Vary": VARY, "Content-Disposition": 'inline; filename="peers.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


@get_and_head(router, "/peers", response_model=None)
def peers_page(request: Request) -> Response:
    """The other regional maps: what the registry says of each, whether this map asks
    it, and its state when it was last asked (answer, latency, what it holds)."""
    lang = page_language(request)
    asked = (request.query_params.get("format") or "").strip().lower()
    media = CSV if asked == "csv" else None if asked else wanted(request, OFFERS)
    peers, callable_peers, _ = federation(request)
    ask_peers(request, None)
    states = request.app.state.peers.states
    iris = {p.iri for p in callable_peers}
    rows = [_row(p, states.get(p.iri), iris, lang) for p in peers]
    if media == CSV:
        return _csv(rows)
    page = Page(request, lang)
    names = Collector(store_of(request), settings_of(request).base, page.vocab)
    for r in rows:
        for iri in [r["publisher"], *r["sources"], *(r["state"] or {}).get("kinds", {})]:
            if iri:
                names.ref(iri)
    names.fetch()
    body = {"peers": rows, "timeout_s": settings_of(request).peer_timeout}
    timeout = settings_of(request).peer_timeout
    data = {"rows": rows, "p": page, "refs": names.refs, "settings_timeout": timeout}
    return page_response(request, "peers.html", data, body, "/peers")
