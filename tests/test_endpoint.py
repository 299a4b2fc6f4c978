"""The app as one piece: /sparql answers the three ways of asking, and the OpenAPI document
of all routers together is valid (protocol details: test_sparql_protocol.py)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import httpx
import pytest
from pyoxigraph import QueryResultsFormat, QuerySolutions, parse_query_results

from endpoint.app import create_app
from kg.settings import Settings
from tests.asgi import app_client


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(built)) as http:
        yield http


def test_sparql_get_and_post_answer_json(client: httpx.Client) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?m a cci:Municipality }"
    for response in (
        client.get("/sparql", params={"query": q}),
        client.post("/sparql", data={"query": q}),
        client.post("/sparql", content=q, headers={"Content-Type": "application/sparql-query"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        rows = parse_query_results(response.content, QueryResultsFormat.JSON)
        assert isinstance(rows, QuerySolutions)
        assert int(next(iter(rows))["n"].value) == 19


def test_bad_query_is_400_with_the_error_shape(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "QueryError"
    missing = client.post("/sparql", data={})
    assert missing.status_code == 400 and "no query" in missing.json()["error"]["message"]


def test_openapi_has_one_operation_per_method_and_unique_ids(client: httpx.Client) -> None:
    with warnings.catch_warnings():
        # FastAPI warns about duplicate operation ids; the app runs in this process (on
        # the portal's thread), so the filter reaches it there and such a warning makes the answer a 500
        warnings.simplefilter("error")
        response = client.get("/openapi.json")
    assert response.status_code == 200, response.text
    document = response.json()
    operations = [
        (path, method, op["operationId"])
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    ids = [op for _, _, op in operations]
    assert len(ids) == len(set(ids))
    assert {m for p, m, _ in operations if p == "/sparql"} == {"get", "post"}
    assert all(m != "head" for _, m, _ in operations)
    # the pages documented once, and HEAD still answers
    assert "/id/{path}" in document["paths"] and client.head("/").status_code == 200
