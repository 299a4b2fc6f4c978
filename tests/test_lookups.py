"""The lookup path (endpoint.lookups): a plain GET of a one-scan query is answered before
the routing, with the same bytes and headers the /sparql route gives; anything else goes on
to the route."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvloop
from pyoxigraph import QueryResultsFormat, parse_query_results

from endpoint.app import App, create_app
from kg.settings import Settings
from tests.conftest import Server

SKOS = "http://www.w3.org/2004/02/skos/core#"


def lookup_of(settings: Settings) -> str:
    """The labels of the City of Brussels (NIS 21004), in full IRIs."""
    city = f"{settings.base}id/municipality/21004"
    return f"SELECT ?label WHERE {{ <{city}> <{SKOS}prefLabel> ?label }}"


def scope(
    query: str | None, method: str = "GET", extra: dict[str, str] | None = None, **headers: str
) -> dict[str, Any]:
    params = {} if query is None else {"query": query}
    return {
        "type": "http",
        "method": method,
        "path": "/sparql",
        "query_string": urlencode({**params, **(extra or {})}).encode(),
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }


@pytest.fixture(scope="module")
def app(built: Settings) -> App:
    return create_app(built)


def test_a_plain_lookup_is_answered_before_the_routing(app: App, built: Settings) -> None:
    assert app.lookup_path is not None
    response = app.lookup_path.lookup(
        scope(lookup_of(built), accept="application/sparql-results+json")
    )
    assert response is not None and response.status_code == 200
    rows = parse_query_results(bytes(response.body), QueryResultsFormat.JSON)
    labels = {(r["label"].value, r["label"].language) for r in rows}  # type: ignore[union-attr]
    assert ("Bruxelles", "fr") in labels and ("Brussel", "nl") in labels
    assert response.headers["x-sparql-rows"] == str(len(labels))


def test_anything_else_goes_on_to_the_route(app: App, built: Settings) -> None:
    assert app.lookup_path is not None
    lookup = lookup_of(built)
    for other in (
        scope(lookup, extra={"format": "json"}),  # another parameter
        scope(lookup, extra={"default-graph-uri": built.base + "graph/x"}),
        scope(lookup, accept="text/html"),  # a page for people
        scope(lookup, accept="text/turtle"),  # no such format for solutions: the route says 406
        scope("SELECT ?l { ?s ?p ?o . ?o ?q ?l }"),  # not one scan
        scope("SELECT ?l WHERE { ?s ?p }"),  # a syntax error: the route reports it
        scope("SELECT * { ?s ?p ?o }"),  # one scan, but longer than the inline cap
        scope("SELECT ?l { ?s ?p ?l }" + " " * 9000),  # too long to keep its reading
        scope(None),  # the service description
    ):
        assert app.lookup_path.lookup(other) is None, other["query_string"][:80]

    async def offered(request: dict[str, Any]) -> bool:
        assert app.lookup_path is not None
        sent: list[object] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: object) -> None:
            sent.append(message)

        return await app.lookup_path.answer(request, receive, send)

    assert uvloop.run(offered(scope(lookup)))
    assert not uvloop.run(offered(scope(lookup, method="POST")))
    assert not uvloop.run(offered(scope(lookup, origin="https://elsewhere.example")))


ACCEPTS = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "*/*",
    "",
]


@pytest.fixture(scope="module")
def lookup(server: Server) -> Iterator[str]:
    yield lookup_of(server.settings)


def comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "date")
    return response.status_code, headers, response.content


@pytest.mark.parametrize("accept", ACCEPTS)
def test_over_http_the_lookup_path_and_the_route_answer_alike(
    server: Server, lookup: str, accept: str
) -> None:
    """The same lookup, once plain (the lookup path) and once with a parameter the route
    ignores (so the route answers it): same status, headers and bytes."""
    headers = {"Accept": accept} if accept else {}
    url = server.url + "/sparql"
    plain = httpx.get(url, params={"query": lookup}, headers=headers, timeout=30)
    routed = httpx.get(url, params={"query": lookup, "via": "route"}, headers=headers, timeout=30)
    assert plain.status_code == 200
    assert comparable(plain) == comparable(routed)
    asked = f"ASK {{ <{server.settings.base}id/municipality/21004> ?p ?o }}"
    plain = httpx.get(url, params={"query": asked}, headers=headers, timeout=30)
    routed = httpx.get(url, params={"query": asked, "via": "route"}, headers=headers, timeout=30)
    assert comparable(plain) == comparable(routed)


def test_a_cross_origin_lookup_gets_its_cors_headers(server: Server, lookup: str) -> None:
    response = httpx.get(
        server.url + "/sparql",
        params={"query": lookup},
        headers={"Origin": "https://another-region.example", "Accept": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "X-SPARQL-Rows" in response.headers["access-control-expose-headers"]
