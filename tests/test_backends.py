"""The same requests against both backends: the embedded store (query workers) and a real
`oxigraph serve --union-default-graph` loaded by the build's remote publishing. Each
answer is compared with the embedded store read directly, so both must give the same
data in every format, the same limits and the same errors."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from fastapi import FastAPI
from pyoxigraph import (
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
)

from endpoint.app import create_app
from kg.build import pipeline as build
from kg.build.pipeline import publish_remote
from kg.errors import QueryError, StoreError
from kg.namespaces import all_prefixes
from kg.settings import Settings
from kg.store import EmbeddedStore
from kg.store.embedded import Workers
from kg.store.interface import Limits
from kg.store.remote import RemoteStore
from tests.conftest import ADMIN_TOKEN, BIN, ROOT, free_port, wait_http

MUNICIPALITIES = "SELECT ?m ?nis WHERE { ?m a cci:Municipality ; skos:notation ?nis } ORDER BY ?nis"
CONSTRUCT = "CONSTRUCT { ?m skos:prefLabel ?l } WHERE { ?m a cci:Municipality ; skos:prefLabel ?l }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SOLUTION_FORMATS = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}


class Client:
    """The app in-process over httpx's ASGI transport, called synchronously."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver", timeout=60
            ) as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(send())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def sparql(self, query: str, accept: str = "*/*") -> httpx.Response:
        return self.get("/sparql", params={"query": query}, headers={"Accept": accept})


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the project's sources (writes go to its change log), built once."""
    root = tmp_path_factory.mktemp("backends") / "project"
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    settings = Settings(
        root=root,
        var_dir=root.parent / "var",
        query_timeout=2.0,
        max_rows=500,
        admin_token=ADMIN_TOKEN,
        query_workers=1,
        query_threads=2,
    )
    build.run(settings)
    return settings


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `oxigraph serve --union-default-graph` on a free loopback port."""
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    proc = subprocess.Popen(
        [
            *(str(BIN / "oxigraph"), "serve", "--location", str(location)),
            *("--bind", f"127.0.0.1:{port}", "--union-default-graph"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/query")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module", params=["embedded", "remote"])
def settings(request: pytest.FixtureRequest, project: Settings) -> Settings:
    if request.param == "embedded":
        return project
    url = request.getfixturevalue("oxigraph")
    remote = project.with_(
        store_backend="remote",
        remote_query_url=url + "/query",
        remote_update_url=url + "/update",
        remote_gsp_url=url + "/store",
    )
    built = EmbeddedStore.open(project.store_path.resolve(), read_only=True)
    work = Path(str(project.var)) / "publish"
    work.mkdir(exist_ok=True)
    publish_remote(RemoteStore.from_settings(remote), built, work, project.base)
    return remote


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[Client]:
    app = create_app(settings)
    yield Client(app)
    app.state.holder.close()


def direct(project: Settings, query: str) -> Any:
    """The answer of the built embedded store, read in this process: the reference."""
    store = EmbeddedStore.open(project.store_path.resolve(), read_only=True)
    return store.query(query, prefixes=all_prefixes(project.base))


def rows_of(solutions: QuerySolutions) -> list[tuple[str, ...]]:
    return [tuple(str(term) for term in row) for row in solutions]


def test_select_in_every_format(client: Client, project: Settings) -> None:
    expected = rows_of(direct(project, MUNICIPALITIES))
    assert len(expected) == 19
    for media, fmt in SOLUTION_FORMATS.items():
        response = client.sparql(MUNICIPALITIES, media)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media)
        assert response.headers["X-SPARQL-Rows"] == "19"
        assert rows_of(parse_query_results(response.content, fmt)) == expected, media  # type: ignore[arg-type]
    text = client.sparql(MUNICIPALITIES, "text/csv").text
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["m", "nis"]
    assert [row[1] for row in table[1:]] == [nis.strip('"') for _, nis in expected]


def test_construct_in_every_format(client: Client, project: Settings) -> None:
    expected = {str(t) for t in direct(project, CONSTRUCT)}
    assert expected
    for media, fmt in GRAPH_FORMATS.items():
        response = client.sparql(CONSTRUCT, media)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media)
        got = {str(q.triple) for q in parse(response.content, fmt)}
        assert got == expected, media


def test_relative_iris_resolve_against_the_endpoint(client: Client) -> None:
    """A W3C protocol test: relative IRIs in a query resolve against the /sparql URL."""
    response = client.sparql("CONSTRUCT { <s> <p> 1 } WHERE {}", "application/n-triples")
    assert response.status_code == 200, response.text
    assert response.text.startswith("<http://testserver/s> <http://testserver/p> ")


def test_errors_and_the_time_limit(client: Client) -> None:
    bad = client.sparql("SELECT WHERE {")
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "QueryError"
    runaway = client.sparql(RUNAWAY, "application/sparql-results+json")
    assert runaway.status_code == 503
    assert runaway.json()["error"]["type"] == "QueryTimeout"
    # the store answers again at once
    assert client.sparql("ASK {}", "application/sparql-results+json").json()["boolean"] is True


def test_an_entity_page(client: Client) -> None:
    response = client.get(
        "/id/person/carlo-vuijlsteke", headers={"Accept": "text/html"}, follow_redirects=True
    )
    assert response.status_code == 200, response.text[:500]
    assert "Vuijlsteke" in response.text
    turtle = client.get("/id/person/carlo-vuijlsteke", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and "Vuijlsteke" in turtle.text


def test_search(client: Client) -> None:
    response = client.get("/search", params={"q": "schaerbeek", "format": "json"})
    assert response.status_code == 200, response.text[:500]
    assert "chaerbeek" in response.text


def test_a_saved_query_in_one_pass(client: Client, project: Settings) -> None:
    api = "/api/queries/organisations-by-kind"
    whole = client.get(api, params={"per_page": "500"})
    assert whole.status_code == 200, whole.text[:500]
    rows = rows_of(parse_query_results(whole.content, QueryResultsFormat.JSON))  # type: ignore[arg-type]
    total = int(whole.headers["X-Total-Count"])
    assert total == len(rows) > 2
    second = client.get(api, params={"per_page": "2", "page": "2"})
    assert rows_of(parse_query_results(second.content, QueryResultsFormat.JSON)) == rows[2:4]  # type: ignore[arg-type]
    assert second.headers["X-SPARQL-Rows"] == "2"
    assert second.headers["X-Total-Count"] == str(total)
    assert 'rel="next"' in second.headers["Link"] and 'rel="prev"' in second.headers["Link"]
    tsv = client.get(api, params={"per_page": "2", "page": "2", "format": "tsv"})
    assert rows_of(parse_query_results(tsv.content, QueryResultsFormat.TSV)) == rows[2:4]  # type: ignore[arg-type]


def test_a_graph_store_write_with_the_admin_token(client: Client, settings: Settings) -> None:
    """The write becomes a change, the build replays it (and, remote, publishes it)."""
    graph = settings.base + "graph/curated/backend-test"
    org = "https://data.creative.brussels/id/organisation/backend-test"
    body = (
        f"<{graph}> <http://purl.org/dc/terms/source> "
        "<https://data.creative.brussels/id/document/web> .\n"
        f"<{org}> a <http://www.w3.org/ns/org#Organization> , "
        "<http://xmlns.com/foaf/0.1/Agent> , <https://data.creative.brussels/ontology#Coworking> ;\n"
        f' <http://www.w3.org/2004/02/skos/core#prefLabel> "Cowork {settings.store_backend}"@nl .\n'
    )
    url = "/store?" + str(httpx.QueryParams({"graph": graph}))
    headers = {"Content-Type": "text/turtle"}
    assert client.request("PUT", url, content=body, headers=headers).status_code == 401
    headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
    written = client.request("PUT", url, content=body, headers=headers)
    assert written.status_code == 204, written.text
    read = client.get(url, headers={"Accept": "application/n-triples"})
    assert read.status_code == 200
    assert len(list(parse(read.content, RdfFormat.N_TRIPLES))) == 5
    label = client.sparql(
        f"SELECT ?l WHERE {{ <{org}> skos:prefLabel ?l }}", "application/sparql-results+json"
    )
    values = [b["l"]["value"] for b in label.json()["results"]["bindings"]]
    assert values == [f"Cowork {settings.store_backend}"]


# ---- errors keep their type across the worker (embedded backend) ----------------------------


def test_worker_errors_arrive_as_their_own_type(tmp_path: Path) -> None:
    """A store the worker cannot open is a StoreError (503), a bad query a QueryError (400),
    a query whose worker is killed is run again, alone, and one whose lone worker is killed
    too a QueryError saying so, with the signal: not every failure a 400, nor a time limit."""
    path = tmp_path / "store"
    writer = EmbeddedStore.open(path)
    writer.extend(
        Quad(
            NamedNode(f"https://example.org/{i}"),
            NamedNode("https://example.org/p"),
            Literal(str(i)),
            NamedNode("https://example.org/g"),
        )
        for i in range(3000)
    )
    writer.flush()
    del writer

    gone = EmbeddedStore.open(path, read_only=True, workers=Workers(1, 1))
    moved = tmp_path / "moved"
    path.rename(moved)  # the workers open the store when they start: it is not there
    try:
        with pytest.raises(StoreError, match="cannot open the store") as missing:
            gone.stream("ASK {}")
        assert missing.value.status == 503
    finally:
        gone.close()
    moved.rename(path)

    store = EmbeddedStore.open(path, read_only=True, workers=Workers(1, 1))
    try:
        with pytest.raises(QueryError) as bad:
            store.stream("SELECT WHERE {")
        assert bad.value.status == 400
        store.start()
        (pid,) = wait_for_pids(store)
        outcome: list[BaseException] = []

        def run() -> None:
            try:
                store.stream(RUNAWAY, limits=Limits(timeout=60)).body()
            except BaseException as err:
                outcome.append(err)

        before = {p.pid for p in psutil.Process().children(recursive=True)}
        runner = threading.Thread(target=run)
        runner.start()
        time.sleep(0.5)  # the query is running in the only worker process
        os.kill(pid, signal.SIGKILL)
        # it runs again in a process of its own (not one of the pool's idle ones): end it
        # too, once it has opened the store and taken the query (killed while it starts, it
        # is a fresh process that could not start, a different answer)
        deadline = time.monotonic() + 30
        opened: dict[int, float] = {}
        while runner.is_alive() and time.monotonic() < deadline:
            for child in psutil.Process().children(recursive=True):
                if child.pid in before or child.pid in store._workers().pids:
                    continue
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    if any(f.path.startswith(str(path)) for f in child.open_files()):
                        opened.setdefault(child.pid, time.monotonic())
                    if time.monotonic() - opened.get(child.pid, time.monotonic()) > 0.5:
                        child.kill()
            runner.join(0.1)
        assert len(outcome) == 1 and isinstance(outcome[0], QueryError), outcome
        # the true reason, not "ran past the time limit" (no limit was near)
        message = str(outcome[0])
        assert "twice" in message and "signal 9" in message and "time limit" not in message
        # a fresh worker takes its place
        assert store.stream("ASK {}").body().startswith(b'{"head":{},"boolean":true}')
    finally:
        store.close()


def wait_for_pids(store: EmbeddedStore) -> list[int]:
    pool = store._workers()  # the backend's own pool: the test needs its process ids
    assert pool.wait_ready(60)
    return pool.pids


def test_a_dataset_of_named_graphs_only_has_an_empty_default_graph(
    client: Client, project: Settings
) -> None:
    graph = project.base + "graph/ontology/cci"
    params = {"query": "ASK { ?s ?p ?o }", "named-graph-uri": graph}
    headers = {"Accept": "application/sparql-results+json"}
    assert client.get("/sparql", params=params, headers=headers).json()["boolean"] is False
    params["query"] = f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert client.get("/sparql", params=params, headers=headers).json()["boolean"] is True


def test_the_service_description(client: Client) -> None:
    described = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert described.status_code == 200, described.text[:500]
    assert "http://www.w3.org/ns/sparql-service-description#" in described.text
