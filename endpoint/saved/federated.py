"""Running a federated saved query (``# federated: organisations``): its text on this map
and, at the same time, on every peer the registry allows, each through ``SERVICE`` to that
peer's registered endpoint (``kg.federation.views`` writes the texts); the rows merged, this
map's first, then each peer's in the registry's order.

Every text goes the way of every saved query: the SERVICE check, the store interface
(``endpoint.sparql.run.run_query``), the row and byte caps and the time limit. A peer's text
has the peer's time limit (``KG_PEER_TIMEOUT``, within ``KG_QUERY_TIMEOUT``): pyoxigraph's
SERVICE client has no time limit of its own, so the query worker's limit is the one that
stops a peer that does not answer. A text may call only its own peer's endpoint, checked
before it runs, whatever ``KG_SERVICE_ALLOW`` says; the query's own text (before the
views are put in) may call only what ``KG_SERVICE_ALLOW`` lists, as any saved query.

A peer that fails (slow, down, refusing, answering garbage) gives no rows and is named;
the answer stands with the others. A failure of this map's own text is the request's."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass, field
from typing import cast

from fastapi import Request
from pyoxigraph import QueryBoolean, QueryResultsFormat, parse_query_results
from starlette.concurrency import run_in_threadpool

from endpoint.sparql import run as queries
from kg.errors import KgError, QueryError, QueryTimeout, TooManyQueries
from kg.federation import views
from kg.federation.registry import Peer, allowed, registry
from kg.saved.queries import SavedQuery
from kg.settings import Settings
from kg.sparql.analysis import analyse, refuse_services
from kg.sparql.writers import BY_KEY
from kg.store import Term

OK, SLOW, DOWN, BUSY = "ok", "slow", "down", "busy"
Row = dict[str, Term | None]


@dataclass
class PeerPart:
    """What one peer gave for a federated query."""

    peer: Peer
    status: str  # ok | slow | down | busy
    rows: int = 0
    latency: float = 0.0
    detail: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "peer": self.peer.iri,
            "status": self.status,
            "rows": self.rows,
            "latency_ms": round(self.latency * 1000),
            "detail": self.detail,
        }


@dataclass
class Merged:
    """The rows of every map, capped, and what each peer gave."""

    variables: list[str]
    rows: list[Row]
    truncated: bool
    parts: list[PeerPart] = field(default_factory=list)
    boolean: bool | None = None  # never: a federated query is a SELECT

    @property
    def missing(self) -> list[PeerPart]:
        return [p for p in self.parts if p.status != OK]


def peers_of(request: Request) -> list[Peer]:
    """The peers this app may ask (the registry, narrowed by ``KG_PEERS``)."""
    settings: Settings = request.app.state.settings
    store = request.app.state.holder.get()
    return allowed(registry(store, settings.base, store.cache), settings)


async def _rows(
    request: Request,
    text: str,
    allowed_services: tuple[str, ...],
    substitutions: dict[str, Term],
    timeout: float,
) -> tuple[list[str], list[Row], bool]:
    """One text through the store interface: (variables, rows, truncated)."""
    state = request.app.state
    analysis = await run_in_threadpool(analyse, text, state.prefixes)
    refuse_services(analysis, allowed_services)
    fmt = BY_KEY["json"]
    choice = queries.Choice(fmt.media_type, fmt, False)
    limits = dataclasses.replace(queries.limits_for(state.settings, choice), timeout=timeout)
    run = await queries.run_query(
        request, analysis.text, choice, limits, substitutions=substitutions
    )
    body = await run_in_threadpool(run.body)
    parsed = parse_query_results(body, QueryResultsFormat.JSON)
    if isinstance(parsed, QueryBoolean):
        raise QueryError("a federated saved query is a SELECT query")
    variables = [v.value for v in parsed.variables]
    rows = [{name: solution[name] for name in variables} for solution in parsed]
    return variables, rows, run.truncated


async def _peer(
    request: Request, query: SavedQuery, peer: Peer, substitutions: dict[str, Term]
) -> tuple[PeerPart, list[Row], bool]:
    settings: Settings = request.app.state.settings
    limit = min(settings.peer_timeout, settings.query_timeout)
    start = time.monotonic()
    try:
        text = views.peer_text(query.text, peer, settings.base)
        assert peer.endpoint is not None  # peer_text refuses a peer without one
        _, rows, truncated = await _rows(request, text, (peer.endpoint,), substitutions, limit)
    except QueryTimeout:
        return PeerPart(peer, SLOW, 0, limit, f"no answer within {limit:g} s"), [], False
    except TooManyQueries:
        detail = "not asked: this client has as many queries running as it may"
        return PeerPart(peer, BUSY, 0, time.monotonic() - start, detail), [], False
    except QueryError:
        # the worker does not pass on what the peer said (it is not relayed)
        detail = "the map could not be asked, or its answer could not be read"
        return PeerPart(peer, DOWN, 0, time.monotonic() - start, detail), [], False
    except KgError as err:
        return PeerPart(peer, BUSY, 0, time.monotonic() - start, str(err)), [], False
    return PeerPart(peer, OK, len(rows), time.monotonic() - start), rows, truncated


async def run_federated(
    request: Request, query: SavedQuery, substitutions: dict[str, Term]
) -> Merged:
    """The query on this map and on every allowed peer at once, merged and capped."""
    settings: Settings = request.app.state.settings
    # the query's own text may call only what any saved query may
    own = await run_in_threadpool(analyse, query.text, request.app.state.prefixes)
    refuse_services(own, settings.service_allow)
    peers = await run_in_threadpool(peers_of, request)
    local = _rows(
        request,
        views.local_text(query.text, settings.base),
        settings.service_allow,
        substitutions,
        settings.query_timeout,
    )
    tasks = [_peer(request, query, peer, substitutions) for peer in peers]
    results = await asyncio.gather(local, *tasks, return_exceptions=True)
    first = results[0]
    if isinstance(first, BaseException):
        raise first
    variables, rows, truncated = cast(tuple[list[str], list[Row], bool], first)
    parts: list[PeerPart] = []
    for result in results[1:]:
        if isinstance(result, BaseException):
            raise result  # not a peer's failure: every one of those is a PeerPart
        part, peer_rows, cut = cast(tuple[PeerPart, list[Row], bool], result)
        parts.append(part)
        rows = rows + peer_rows
        truncated = truncated or cut
    if len(rows) > settings.max_rows:
        rows, truncated = rows[: settings.max_rows], True
    return Merged(variables, rows, truncated, parts)
