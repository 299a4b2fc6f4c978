"""The SPARQL 1.1 endpoint over real HTTP: protocol, formats, errors, limits, writes, and
the clients other tools use (SPARQLWrapper, rdflib's SPARQLStore, oxigraph SERVICE)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote
from xml.dom.minidom import Document

import httpx
import psutil
import pytest
from pyoxigraph import (
    BlankNode,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
)
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import ResultRow
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from kg.namespaces import all_prefixes
from kg.store import EmbeddedStore
from tests.conftest import ADMIN_TOKEN, BIN, Server, free_port, wait_http

MUNICIPALITIES = "SELECT ?m ?nis WHERE { ?m a cci:Municipality ; skos:notation ?nis } ORDER BY ?nis"
#: literals with language tags and datatypes, an IRI, a blank node and an unbound value
TERMS = """
SELECT ?v ?b ?u WHERE {
  VALUES ?v { "Schaerbeek"@fr "Schaarbeek"@nl 42 "2024-06-01"^^xsd:date <http://example.org/x> "a\\ttab, \\"quote\\"" }
  BIND(BNODE() AS ?b)
  OPTIONAL { ?v <http://example.org/none> ?u }
}"""
CONSTRUCT = "CONSTRUCT { ?m skos:prefLabel ?l ; cci:population ?p } WHERE { ?m a cci:Municipality ; skos:prefLabel ?l ; cci:population ?p }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def get(server: Server, query: str, **headers: str) -> httpx.Response:
    return httpx.get(server.url + "/sparql", params={"query": query}, headers=headers, timeout=30)


def direct(server: Server, query: str) -> object:
    store = EmbeddedStore.open(server.settings.store_path.resolve(), read_only=True)
    return store.query(query, prefixes=all_prefixes(server.settings.base))


def solutions(body: bytes, fmt: QueryResultsFormat = QueryResultsFormat.JSON) -> QuerySolutions:
    """A SELECT answer parsed: its solutions (an ASK's would be a boolean)."""
    parsed = parse_query_results(body, fmt)
    assert isinstance(parsed, QuerySolutions)
    return parsed


@contextlib.contextmanager
def serving(server: Server, **env: str) -> Iterator[str]:
    """Another `kg serve` on the session server's project and store, with other limits."""
    port = free_port()
    environ = {
        **os.environ,
        "KG_ROOT": str(server.settings.root),
        "KG_VAR": str(server.settings.var),
        "KG_PORT": str(port),
        "KG_QUERY_WORKERS": "2",
        **env,
    }
    log = open(server.settings.var.parent / f"server-{port}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([str(BIN / "kg"), "serve"], env=environ, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/sparql")
        yield url
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()


class Listener:
    """A real HTTP server on loopback that records every request it receives and answers
    500 with a body that must never reach a client of ours."""

    BODY = b"SECRET-BODY-OF-THE-REMOTE-ENDPOINT"

    def __init__(self) -> None:
        self.requests: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                listener.requests.append(f"{self.command} {self.path}")
                self.send_response(500)
                self.send_header("Content-Length", str(len(Listener.BODY)))
                self.end_headers()
                self.wfile.write(Listener.BODY)

            do_GET = do_POST

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    started = Listener()
    yield started
    started.close()


def count_of(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    solutions = parse_query_results(response.content, QueryResultsFormat.JSON)
    assert isinstance(solutions, QuerySolutions)
    return int(next(solutions)["n"].value)


def rows(solutions: QuerySolutions) -> list[tuple[object, ...]]:
    """Solutions as comparable tuples; blank nodes compared by position only."""
    names = [v.value for v in solutions.variables]
    out = []
    for s in solutions:
        out.append(tuple("_:" if isinstance(s[n], BlankNode) else s[n] for n in names))
    return out


# --- protocol -----------------------------------------------------------------------------


def test_get_post_form_and_post_body_give_the_same_answer(server: Server) -> None:
    prefixed = "".join(
        f"PREFIX {k}: <{v}>\n" for k, v in all_prefixes(server.settings.base).items()
    )
    answers = [
        get(server, MUNICIPALITIES),
        httpx.post(server.url + "/sparql", data={"query": MUNICIPALITIES}),
        httpx.post(
            server.url + "/sparql",
            content=prefixed + MUNICIPALITIES,
            headers={"Content-Type": "application/sparql-query"},
        ),
    ]
    parsed = [rows(solutions(a.content)) for a in answers]
    assert all(a.status_code == 200 for a in answers)
    assert len(parsed[0]) == 19 and parsed[0] == parsed[1] == parsed[2]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/sparql-results+json", QueryResultsFormat.JSON),
        ("application/sparql-results+xml", QueryResultsFormat.XML),
        ("text/tab-separated-values", QueryResultsFormat.TSV),
    ],
)
def test_select_formats_round_trip_exactly(
    server: Server, accept: str, fmt: QueryResultsFormat
) -> None:
    response = get(server, TERMS, Accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    expected = direct(server, TERMS)
    assert isinstance(expected, QuerySolutions)
    assert rows(solutions(response.content, fmt)) == rows(expected)


def test_csv_carries_plain_values(server: Server) -> None:
    response = get(server, TERMS, Accept="text/csv")
    assert response.headers["content-type"].startswith("text/csv")
    import csv

    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == ["v", "b", "u"]
    values = [r[0] for r in table[1:]]
    assert values[:5] == ["Schaerbeek", "Schaarbeek", "42", "2024-06-01", "http://example.org/x"]
    assert values[5] == 'a\ttab, "quote"'
    assert all(r[1].startswith("_:") and r[2] == "" for r in table[1:])


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", RdfFormat.TURTLE),
        ("application/n-triples", RdfFormat.N_TRIPLES),
        ("application/rdf+xml", RdfFormat.RDF_XML),
        ("application/ld+json", RdfFormat.JSON_LD),
        ("application/n-quads", RdfFormat.N_QUADS),
        ("application/trig", RdfFormat.TRIG),
    ],
)
def test_construct_formats_round_trip_exactly(server: Server, accept: str, fmt: RdfFormat) -> None:
    response = get(server, CONSTRUCT, Accept=accept)
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    got = {q.triple for q in parse(response.content, fmt)}
    expected = set(direct(server, CONSTRUCT))  # type: ignore[call-overload]
    assert len(expected) == 19 * 3 and got == expected


def test_ask_in_every_solution_format(server: Server) -> None:
    ask = "ASK { ?m skos:notation '21015' }"
    assert get(server, ask).json() == {"head": {}, "boolean": True}
    xml = get(server, ask, Accept="application/sparql-results+xml")
    assert bool(parse_query_results(xml.content, QueryResultsFormat.XML)) is True


def test_content_negotiation(server: Server) -> None:
    q = "SELECT ?x WHERE { VALUES ?x { 1 } }"
    assert get(server, q).headers["content-type"].startswith("application/sparql-results+json")
    assert (
        get(server, q, Accept="*/*")
        .headers["content-type"]
        .startswith("application/sparql-results+json")
    )
    picked = get(server, q, Accept="text/csv;q=0.4, application/sparql-results+xml;q=0.9")
    assert picked.headers["content-type"].startswith("application/sparql-results+xml")
    assert "Accept" in picked.headers["vary"]
    refused = get(server, q, Accept="image/png")
    assert refused.status_code == 406 and refused.json()["error"]["type"] == "NotAcceptable"
    assert get(server, CONSTRUCT, Accept="text/csv").status_code == 406
    by_param = httpx.get(server.url + "/sparql", params={"query": q, "format": "tsv"})
    assert by_param.headers["content-type"].startswith("text/tab-separated-values")
    html = get(server, q, Accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert html.headers["content-type"].startswith("text/html") and "<table>" in html.text


def test_dataset_parameters(server: Server) -> None:
    graph = server.settings.base + "graph/import/municipalities"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only = httpx.get(server.url + "/sparql", params={"query": count, "default-graph-uri": graph})
    n_only = int(solutions(only.content).__next__()["n"].value)
    all_ = int(solutions(get(server, count).content).__next__()["n"].value)
    assert 0 < n_only < all_
    # an unknown graph is an empty graph (SPARQL 1.1 Protocol), not an error
    unknown = httpx.get(
        server.url + "/sparql",
        params={"query": count, "default-graph-uri": "http://example.org/no-such-graph"},
    )
    assert unknown.status_code == 200
    assert next(solutions(unknown.content))["n"].value == "0"
    named = httpx.get(
        server.url + "/sparql",
        params={
            "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": graph,
        },
    )
    assert [r["g"].value for r in solutions(named.content)] == [graph]


def test_from_in_the_query_sets_the_default_graph(server: Server) -> None:
    graph = server.settings.base + "graph/import/municipalities"
    in_graph = count_of(
        get(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    )
    everything = count_of(get(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    assert 0 < in_graph < everything
    unknown = "SELECT (COUNT(*) AS ?n) FROM <http://example.org/no-such-graph> { ?s ?p ?o }"
    assert count_of(get(server, unknown)) == 0
    known = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"
    assert count_of(get(server, known)) == in_graph
    # FROM NAMED alone: the default graph is empty, the named graph is there
    named = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graph}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert count_of(get(server, named)) == in_graph
    only_named = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graph}> {{ ?s ?p ?o }}"
    assert count_of(get(server, only_named)) == 0
    # the protocol's dataset overrides the query's
    overridden = httpx.get(
        server.url + "/sparql",
        params={"query": unknown, "default-graph-uri": graph},
    )
    assert count_of(overridden) == in_graph


def test_service_description(server: Server) -> None:
    response = httpx.get(server.url + "/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    triples = {
        (str(q.subject), str(q.predicate), str(q.object))
        for q in parse(response.content, RdfFormat.TURTLE)
    }
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = f"<{server.url}/sparql>"
    assert (endpoint, f"<{sd}endpoint>", endpoint) in triples
    assert (endpoint, f"<{sd}feature>", f"<{sd}UnionDefaultGraph>") in triples
    assert (
        endpoint,
        f"<{sd}resultFormat>",
        "<http://www.w3.org/ns/formats/SPARQL_Results_CSV>",
    ) in triples
    void = f"<{server.url}/.well-known/void>"
    assert (endpoint, "<http://www.w3.org/2000/01/rdf-schema#seeAlso>", void) in triples


def test_a_browser_gets_a_page_about_the_endpoint(server: Server) -> None:
    page = httpx.get(server.url + "/sparql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert f"<code>{server.url}/sparql</code>" in html
    for link in (f'href="{server.url}/.well-known/void"', 'href="/dumps"', 'href="/query"'):
        assert link in html, link
    assert "application/sparql-results+json" in html and "text/turtle" in html
    assert 'data-figure="triples"' in html and "union" in html
    dutch = httpx.get(server.url + "/sparql?lang=nl", headers={"Accept": "text/html"})
    assert "benoemde grafen" in dutch.text and 'lang="nl"' in dutch.text
    french = httpx.get(
        server.url + "/sparql", headers={"Accept": "text/html", "Accept-Language": "fr"}
    )
    assert "graphes nommés" in french.text
    turtle = httpx.get(server.url + "/sparql?format=turtle", headers={"Accept": "text/html"})
    assert turtle.headers["content-type"].startswith("text/turtle")


def test_head_answers_like_get_without_a_body(server: Server) -> None:
    described = httpx.head(server.url + "/sparql", headers={"Accept": "text/turtle"})
    full = httpx.get(server.url + "/sparql", headers={"Accept": "text/turtle"})
    assert described.status_code == 200 and described.content == b""
    assert described.headers["content-type"] == full.headers["content-type"]
    assert described.headers["content-length"] == str(len(full.content))
    query = httpx.head(server.url + "/sparql", params={"query": MUNICIPALITIES})
    assert query.status_code == 200 and query.content == b""
    assert query.headers["content-type"].startswith("application/sparql-results+json")
    assert query.headers["x-sparql-rows"] == "19"
    bad = httpx.head(server.url + "/sparql", params={"query": "SELECT ?s WHERE {"})
    assert bad.status_code == 400


def test_the_default_graph_counts_distinct_triples_like_void_and_the_dumps(
    server: Server,
) -> None:
    void_ns = "http://rdfs.org/ns/void#"
    described = httpx.get(server.url + "/sparql", headers={"Accept": "text/turtle"})
    sd = list(parse(described.content, RdfFormat.TURTLE))
    default = next(q.object for q in sd if q.predicate.value.endswith("#defaultGraph"))
    sd_triples = next(
        int(q.object.value)
        for q in sd
        if q.subject == default and q.predicate.value == void_ns + "triples"
    )
    void = httpx.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"})
    dataset = server.settings.base + "id/dataset/kg"
    void_triples = next(
        int(q.object.value)
        for q in parse(void.content, RdfFormat.TURTLE)
        if q.subject.value == dataset and q.predicate.value == void_ns + "triples"
    )
    distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
    assert sd_triples == void_triples == count_of(get(server, distinct))


def test_a_refused_cors_preflight_has_the_error_shape(server: Server) -> None:
    refused = httpx.options(
        server.url + "/sparql",
        headers={
            "Origin": "https://yasgui.example.org",
            "Access-Control-Request-Method": "PUT",
        },
    )
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["type"] == "BadRequest" and "GET, POST" in error["message"]


# --- errors ---------------------------------------------------------------------------


def test_syntax_error_is_400_with_message_and_position(server: Server) -> None:
    response = get(server, "SELECT ?s WHERE {\n  ?s ?p \n}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "QueryError"
    assert error["message"].startswith("error at 3:"), error["message"]
    # "²" is a digit to Python's str.isdigit, not to SPARQL: still the parser's 400
    odd = get(server, "SELECT * { ?s ?p ?o } LIMIT ²")
    assert odd.status_code == 400, odd.text
    assert odd.json()["error"]["message"].startswith("error at 1:"), odd.text


def test_request_errors(server: Server) -> None:
    update_as_query = get(server, "INSERT DATA { <http://a> <http://b> <http://c> }")
    assert (
        update_as_query.status_code == 400
        and "update" in update_as_query.json()["error"]["message"]
    )
    wrong_type = httpx.post(
        server.url + "/sparql", content=b"x", headers={"Content-Type": "image/png"}
    )
    assert (
        wrong_type.status_code == 415
        and wrong_type.json()["error"]["type"] == "UnsupportedMediaType"
    )
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (70 * 1024)
    too_big = httpx.post(server.url + "/sparql", data={"query": big})
    assert too_big.status_code == 413 and too_big.json()["error"]["type"] == "PayloadTooLarge"
    twice = httpx.get(server.url + "/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert twice.status_code == 400
    service = get(server, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert service.status_code == 400 and "KG_SERVICE_ALLOW" in service.json()["error"]["message"]
    unknown_route = httpx.get(server.url + "/no/such/page")
    assert unknown_route.status_code == 404 and unknown_route.json()["error"]["type"] == "NotFound"


def service_spellings(target: str) -> list[str]:
    host, _, path = target.rpartition("/")
    return [
        f"SELECT * WHERE {{ SERVICE<{target}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <{host}/> SELECT * {{ SERVICE ex:{path} {{ ?s ?p ?o }} }}",
        f"BASE <{host}/a/b> SELECT * {{ SERVICE <../{path}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ VALUES ?e {{ <{target}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * {{ #\r SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ BIND(1 AS ?a) FILTER(?a<'>') SERVICE <{target}> {{ ?s ?p ?o }} #'\n}}",
    ]


def test_service_outside_the_allow_list_is_refused_before_evaluation(
    server: Server, listener: Listener
) -> None:
    for query in service_spellings(listener.url + "/sparql"):
        response = get(server, query)
        assert response.status_code in (400,), (query, response.text)
        error = response.json()["error"]
        assert error["type"] == "QueryError", query
        assert "KG_SERVICE_ALLOW" in error["message"] or "error at" in error["message"], query
        assert Listener.BODY.decode() not in response.text
    assert listener.requests == []


def test_an_allowed_endpoint_is_called_and_its_answer_never_echoed(
    server: Server, listener: Listener
) -> None:
    allowed = listener.url + "/allowed"
    with serving(server, KG_SERVICE_ALLOW=allowed) as url:
        for query in service_spellings(listener.url + "/other"):
            refused = httpx.get(url + "/sparql", params={"query": query}, timeout=30)
            assert refused.status_code == 400, (query, refused.text)
        assert listener.requests == []
        called = httpx.get(
            url + "/sparql",
            params={"query": f"SELECT * {{ SERVICE <{allowed}> {{ ?s ?p ?o }} }}"},
            timeout=30,
        )
        assert listener.requests == ["POST /allowed"]
        assert called.status_code == 400, called.text
        assert Listener.BODY.decode() not in called.text
        assert "SERVICE" in called.json()["error"]["message"]


def test_cors_for_reads(server: Server) -> None:
    response = get(server, "ASK {}", Origin="https://yasgui.example.org")
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(
        server.url + "/sparql",
        headers={
            "Origin": "https://yasgui.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.status_code == 200


# --- limits -----------------------------------------------------------------------------


def test_row_cap_is_stated(server: Server) -> None:
    response = get(server, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 200
    assert response.headers["x-sparql-truncated"] == "true"
    assert response.headers["x-sparql-max-rows"] == "500"
    assert len(list(solutions(response.content))) == 500
    small = get(server, MUNICIPALITIES)
    assert small.headers["x-sparql-truncated"] == "false" and small.headers["x-sparql-rows"] == "19"
    page = get(server, "SELECT * WHERE { ?s ?p ?o }", Accept="text/html")
    assert "Truncated" in page.text


def test_truncation_is_stated_in_the_body(server: Server) -> None:
    everything = "SELECT * WHERE { ?s ?p ?o }"
    body = get(server, everything).content
    assert json.loads(body)["truncated"] is True
    assert len(list(solutions(body))) == 500
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(everything)
    client.setReturnFormat(JSON)
    document = client.query().convert()
    assert isinstance(document, dict)
    assert len(document["results"]["bindings"]) == 500
    xml = get(server, everything, Accept="application/sparql-results+xml").content
    assert b"<!-- truncated" in xml
    construct = get(server, "CONSTRUCT WHERE { ?s ?p ?o }", Accept="text/turtle").content
    assert b"# truncated" in construct
    assert len(list(parse(construct, RdfFormat.TURTLE))) == 500
    small = get(server, MUNICIPALITIES).content
    assert "truncated" not in json.loads(small)


def test_a_large_answer_states_the_byte_cap_in_its_body(server: Server) -> None:
    """Larger than the 4 MiB held before the headers go out: no X-SPARQL-Truncated, the
    body says it (SPARQL JSON then comes results first, which parsers accept)."""
    cap = 6 * 1024 * 1024
    with serving(server, KG_MAX_RESPONSE_BYTES=str(cap), KG_MAX_ROWS="100000000") as url:
        cross = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
        response = httpx.get(url + "/sparql", params={"query": cross}, timeout=60)
        assert response.status_code == 200
        assert "x-sparql-truncated" not in response.headers
        assert cap <= len(response.content) < cap + 4096
        assert json.loads(response.content)["truncated"] is True
        assert len(list(solutions(response.content))) > 10_000
        csv = httpx.get(url + "/sparql", params={"query": cross, "format": "csv"}, timeout=60)
        assert cap <= len(csv.content) < cap + 4096


def test_the_media_type_is_the_one_of_the_answer(server: Server) -> None:
    tricky = (
        "PREFIX ask: <http://example.org/> CONSTRUCT { ?m ask:x 1 } WHERE { ?m a cci:Municipality }"
    )
    response = get(server, tricky)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert len(list(parse(response.content, RdfFormat.TURTLE))) == 19
    refused = get(server, tricky, Accept="application/sparql-results+json")
    assert refused.status_code == 406 and refused.json()["error"]["type"] == "NotAcceptable"


def test_a_graph_store_read_points_to_the_dumps(server: Server) -> None:
    graph = server.settings.base + "graph/import/municipalities"
    read = httpx.get(f"{server.url}/store", params={"graph": graph})
    assert read.status_code == 200 and "/dumps>" in read.headers["link"]


def query_workers(server: Server) -> list[psutil.Process]:
    """The server's own query workers (its descendants), not other servers' on this host."""
    found = []
    for p in psutil.Process(server.pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if "forkserver" in " ".join(p.cmdline()):
                found.append(p)
    return found


def cpu_percents(processes: list[psutil.Process], seconds: float) -> list[float]:
    """Each process's CPU use over the same ``seconds``."""
    for p in processes:
        p.cpu_percent(None)
    time.sleep(seconds)
    return [p.cpu_percent(None) for p in processes]


def test_time_limit_stops_the_query_and_frees_the_cpu(server: Server) -> None:
    started = time.monotonic()
    response = get(server, RUNAWAY)
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "QueryTimeout"
    assert "3 s limit" in response.json()["error"]["message"]
    assert 2.9 < elapsed < 8
    # the worker was ended: nothing keeps burning a core afterwards
    time.sleep(0.5)
    busy = cpu_percents(query_workers(server), 0.5)
    assert busy and all(b < 50 for b in busy), busy
    # and the endpoint still answers
    assert get(server, MUNICIPALITIES).status_code == 200


def test_a_streamed_answer_is_not_cut_by_the_query_time_limit(server: Server) -> None:
    """The time limit ends queries, not transfers: a long answer streams past it until the
    transfer limit, then a JSON document is closed with the note; CSV is broken off."""
    cross = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    env = {
        "KG_QUERY_TIMEOUT": "0.5",
        "KG_TRANSFER_TIMEOUT": "1.5",
        "KG_MAX_ROWS": "1000000000",
        "KG_MAX_RESPONSE_BYTES": str(10**12),
    }

    def slowly(url: str, fmt: str) -> tuple[bytes, float]:
        started = time.monotonic()
        body = bytearray()
        with httpx.stream(
            "GET", url + "/sparql", params={"query": cross, "format": fmt}, timeout=30
        ) as response:
            assert response.status_code == 200
            for chunk in response.iter_raw(64 * 1024):
                body += chunk
                time.sleep(0.002)  # a reader, not a CPU race: the answer stays small
        return bytes(body), time.monotonic() - started

    with serving(server, **env) as url:
        body, elapsed = slowly(url, "json")
        assert elapsed > 1.2, elapsed  # well past the query time limit
        document = json.loads(body)
        assert document["truncated"] is True and document["head"]["vars"]
        assert len(list(solutions(body))) > 1000
        with pytest.raises(httpx.RemoteProtocolError):
            slowly(url, "csv")
        assert httpx.get(url + "/sparql", params={"query": MUNICIPALITIES}).status_code == 200


def test_worker_start_up_does_not_count_against_the_first_queries(server: Server) -> None:
    """Starting a worker and opening the store takes longer than this limit; a trivial
    query, once a ready worker has it, does not."""
    with serving(server, KG_QUERY_TIMEOUT="0.2") as url:
        for _ in range(3):
            response = httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=30)
            assert response.status_code == 200, response.text


def test_cheap_queries_answer_while_runaways_run(server: Server) -> None:
    """Cheap queries are not queued behind runaways: they answer while the runaways are
    still running (their latency is measured in bench/endpoint.py, not asserted here)."""
    import concurrent.futures

    def timed(query: str) -> tuple[int, float]:
        response = get(server, query)
        return response.status_code, time.monotonic()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        runaways = [pool.submit(timed, RUNAWAY) for _ in range(4)]
        time.sleep(0.8)
        cheap = [pool.submit(timed, MUNICIPALITIES) for _ in range(3)]
        cheap_done = [c.result() for c in cheap]
        runaway_done = [r.result() for r in runaways]
    assert [status for status, _ in cheap_done] == [200, 200, 200]
    assert [status for status, _ in runaway_done] == [503] * 4
    first_runaway_end = min(at for _, at in runaway_done)
    assert all(at < first_runaway_end for _, at in cheap_done)


# --- writes -----------------------------------------------------------------------------

ORG = "https://data.creative.brussels/id/organisation/test-web-edit"
INSERT = f"""
INSERT DATA {{ GRAPH <https://data.creative.brussels/graph/curated/web-edits> {{
  <{ORG}> a org:Organization , foaf:Agent , cci:Fablab ; skos:prefLabel "Atelier test"@fr .
  <https://data.creative.brussels/graph/curated/web-edits> dct:source <https://data.creative.brussels/id/document/web> .
}} }}"""


def update(server: Server, text: str, token: str | None = ADMIN_TOKEN) -> httpx.Response:
    headers = {"Content-Type": "application/sparql-update"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    prologue = "".join(
        f"PREFIX {k}: <{v}>\n" for k, v in all_prefixes(server.settings.base).items()
    )
    return httpx.post(server.url + "/sparql", content=prologue + text, headers=headers, timeout=60)


def test_updates_need_the_token(server: Server) -> None:
    assert update(server, INSERT, token=None).status_code == 401
    wrong = update(server, INSERT, token="guess")
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
    form = httpx.post(server.url + "/sparql", data={"update": INSERT})
    assert form.status_code == 401
    assert get(server, f"ASK {{ <{ORG}> ?p ?o }}").json()["boolean"] is False


def test_update_with_token_is_applied_and_survives_a_rebuild(server: Server) -> None:
    response = update(server, INSERT)
    assert response.status_code == 204, response.text
    assert get(server, f"ASK {{ <{ORG}> skos:prefLabel 'Atelier test'@fr }}").json()["boolean"]
    changes = sorted((server.settings.root / "data" / "changes").glob("*.ru"))
    assert len(changes) >= 1 and "Atelier test" in changes[-1].read_text()
    # a rebuild from the sources replays the change log
    done = subprocess.run(
        [str(BIN / "kg"), "build"],
        env={"KG_ROOT": str(server.settings.root), "KG_VAR": str(server.settings.var), "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert get(server, f"ASK {{ <{ORG}> a cci:Fablab }}").json()["boolean"]


def test_invalid_update_is_refused_and_not_recorded(server: Server) -> None:
    before = sorted((server.settings.root / "data" / "changes").glob("*.ru"))
    bad = f"INSERT DATA {{ GRAPH <https://data.creative.brussels/graph/curated/web-edits> {{ <{ORG}-2> a org:Organization , foaf:Agent , cci:Fablab }} }}"
    response = update(server, bad)
    assert response.status_code == 422
    issues = response.json()["error"]["issues"]
    assert any(i["entity"] == f"<{ORG}-2>" and "name" in i["message"] for i in issues)
    assert sorted((server.settings.root / "data" / "changes").glob("*.ru")) == before
    assert get(server, f"ASK {{ <{ORG}-2> ?p ?o }}").json()["boolean"] is False


def test_graph_store_protocol(server: Server) -> None:
    graph = server.settings.base + "graph/curated/gsp-test"
    url = f"{server.url}/store?graph={quote(graph, safe='')}"
    body = (
        f"<{graph}> <http://purl.org/dc/terms/source> <https://data.creative.brussels/id/document/web> .\n"
        "<https://data.creative.brussels/id/organisation/gsp> a <http://www.w3.org/ns/org#Organization> , "
        "<http://xmlns.com/foaf/0.1/Agent> , <https://data.creative.brussels/ontology#Coworking> ;\n"
        ' <http://www.w3.org/2004/02/skos/core#prefLabel> "Cowork GSP"@nl .\n'
    )
    headers = {"Content-Type": "text/turtle"}
    assert httpx.put(url, content=body, headers=headers).status_code == 401
    auth = {**headers, "Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert httpx.put(url, content=body, headers=auth, timeout=60).status_code == 204
    read = httpx.get(url, headers={"Accept": "application/n-triples"})
    assert read.status_code == 200
    assert len(list(parse(read.content, RdfFormat.N_TRIPLES))) == 5
    assert httpx.get(f"{server.url}/store?graph={quote(graph + 'x', safe='')}").status_code == 404
    bad = httpx.put(url, content=b"<a> <b> .", headers=auth)
    assert bad.status_code == 400
    assert (
        httpx.delete(
            url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60
        ).status_code
        == 204
    )
    assert httpx.get(url).status_code == 404


# --- real clients -------------------------------------------------------------------------


def test_sparqlwrapper_in_every_format(server: Server) -> None:
    prefixed = "PREFIX cci: <https://data.creative.brussels/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(prefixed + MUNICIPALITIES)
    client.setReturnFormat(JSON)
    document = client.query().convert()
    assert isinstance(document, dict)
    bindings = document["results"]["bindings"]
    assert [b["nis"]["value"] for b in bindings][:2] == ["21001", "21002"]
    client.setReturnFormat(XML)
    results = client.query().convert()
    assert isinstance(results, Document)
    assert len(results.getElementsByTagName("result")) == 19
    client.setReturnFormat(CSV)
    table = client.query().convert()
    assert isinstance(table, bytes)
    assert table.decode().splitlines()[0] == "m,nis"
    client.setQuery(prefixed + CONSTRUCT)
    client.setReturnFormat(TURTLE)
    turtle = client.query().convert()
    assert isinstance(turtle, bytes)
    assert len(list(parse(turtle, RdfFormat.TURTLE))) == 57


def test_rdflib_sparqlstore(server: Server) -> None:
    graph = Graph(store=SPARQLStore(server.url + "/sparql"))
    result = graph.query(
        "SELECT ?nl WHERE { ?m <http://www.w3.org/2004/02/skos/core#notation> '21015' ; "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?nl FILTER(LANG(?nl) = 'nl') }"
    )
    labels = []
    for row in result:
        assert isinstance(row, ResultRow)  # a SELECT's rows, not a CONSTRUCT's triples
        labels.append(str(row[0]))
    assert labels == ["Schaarbeek"]


def test_an_oxigraph_server_reaches_us_through_service(server: Server, tmp_path) -> None:
    port = free_port()
    peer = subprocess.Popen(
        [
            str(BIN / "oxigraph"),
            "serve",
            "--location",
            str(tmp_path / "peer"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/query")
        federated = (
            "SELECT ?nl WHERE { SERVICE <" + server.url + "/sparql> { "
            "?m <http://www.w3.org/2004/02/skos/core#notation> '21015' ; "
            "<http://www.w3.org/2004/02/skos/core#prefLabel> ?nl FILTER(LANG(?nl) = 'nl') } }"
        )
        response = httpx.post(
            f"http://127.0.0.1:{port}/query",
            content=federated,
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            },
            timeout=30,
        )
        assert response.status_code == 200, response.text
        assert [r["nl"].value for r in solutions(response.content)] == ["Schaarbeek"]
    finally:
        peer.terminate()
        peer.wait(10)
