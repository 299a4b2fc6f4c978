"""Entity lookups on a short path: ``GET /sparql?query=…`` whose query is one short index
scan (``kg.queryform.Scan``) is answered before the app's middleware and routing,
straight from the server's own store (``endpoint.app.App`` offers every request here
first).

An entity lookup costs pyoxigraph about a tenth of a millisecond; the way through the
middleware, the routing, the request and response objects and a query worker costs
several times that, and on a public endpoint lookups are most of the traffic. This path
takes only the plain case: a GET with a ``query`` parameter and nothing else, no
``Origin`` header (a cross-origin request needs the CORS middleware), an Accept header
that a data format satisfies, a query that is one scan, an answer of at most
``kg.inline.INLINE_ROWS`` rows. It answers with the same functions as the /sparql route
(reading, negotiation, evaluation, writing, headers), so the bytes and headers are the
same (tests/test_lookups.py holds them to it). Anything else, errors included, goes on to
the app, whose route does the whole work again and answers in full: this path never
says no.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.responses import Response
from starlette.types import Receive, Scope, Send

from endpoint.sparql import run as queries
from kg.errors import KgError
from kg.sparql.inline import answer_scan, scan_of
from kg.store import EmbeddedStore

log = logging.getLogger("kg.endpoint")


class LookupPath:
    def __init__(self, owner: FastAPI) -> None:
        self.owner = owner

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request if it is a plain lookup; False: the app answers it."""
        if not (scope["type"] == "http" and scope["path"] == "/sparql"):
            return False
        if scope["method"] != "GET" or _header(scope, b"origin") is not None:
            return False  # a cross-origin request: the app's CORS middleware answers it
        try:
            response = self.lookup(scope)
        except Exception:  # a fault of this path: logged, and the app answers in full
            log.exception("the lookup path failed; the request goes on to the route")
            return False
        if response is None:
            return False
        await response(scope, receive, send)
        return True

    def lookup(self, scope: Scope) -> Response | None:
        """The answer to a plain lookup, or None: the route answers."""
        text = _only_query(scope["query_string"])
        if text is None:
            return None
        state = self.owner.state
        try:
            analysis = state.analyse(text)
            scan = scan_of(analysis.text)
            if scan is None:
                return None
            choice = queries.negotiate(analysis.form, _header(scope, b"accept"), None)
            path, store = state.holder.serving()
            if choice.html or not isinstance(store, EmbeddedStore):
                return None
            job = queries.job_for(
                state.settings,
                analysis.text,
                choice,
                state.prefixes,
                None,
                None,
                store_path=path,
            )
            run = answer_scan(store, job, scan)
        except KgError:
            return None
        if run is None or run.media_type != choice.media_type:
            return None
        headers = queries.limit_headers(run, job)
        # as the CORS middleware says of every answer: it differs with an Origin header
        headers["Vary"] += ", Origin"
        return Response(b"".join(run.prefetched), media_type=run.media_type, headers=headers)


def _only_query(raw: bytes) -> str | None:
    """The query when the URL holds one ``query`` parameter and nothing else, short enough
    for its reading to be kept (``queries.INLINE_ANALYSIS``)."""
    if not raw.startswith(b"query=") or len(raw) > 3 * queries.INLINE_ANALYSIS:
        return None
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    if len(pairs) != 1 or len(pairs[0][1]) >= queries.INLINE_ANALYSIS:
        return None
    return pairs[0][1]


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of a header, as Starlette's ``headers.get`` gives it."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
