"""The minimal web face: home page and /sparql over HTTP (fuller protocol tests land with the
endpoint issue)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import QueryResultsFormat, parse_query_results

from endpoint.app import create_app
from kg.settings import Settings


@pytest.fixture
def client(built: Settings) -> TestClient:
    return TestClient(create_app(built))


def test_sparql_get_and_post_answer_json(client: TestClient) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?m a cci:Municipality }"
    for response in (
        client.get("/sparql", params={"query": q}),
        client.post("/sparql", data={"query": q}),
        client.post("/sparql", content=q, headers={"Content-Type": "application/sparql-query"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        rows = parse_query_results(response.content, QueryResultsFormat.JSON)
        assert int(next(iter(rows))["n"].value) == 19


def test_bad_query_is_400_with_the_error_shape(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "QueryError"
    missing = client.post("/sparql", data={})
    assert missing.status_code == 400 and "no query" in missing.json()["error"]["message"]


def test_home_page_escapes_and_counts(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "triples in" in response.text and "ontology#Municipality: 19" in response.text
