"""The remote store on a second engine: a real Virtuoso 7 (Debian's virtuoso-opensource),
started by the tests on free loopback ports with its own database, and driven through the
``virtuoso`` dialect (kg.store.dialects): the store's behaviours, the build publishing into
it, and the app serving from it (pages, and ``/sparql`` and saved queries through
``GraphStore.stream``)."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)

from endpoint.app import create_app
from kg.build import pipeline as build
from kg.build.sources import discover
from kg.errors import QueryError, StoreError
from kg.namespaces import DEFAULT_BASE, all_prefixes
from kg.settings import Settings
from kg.store import open_store
from kg.store.dialects import VIRTUOSO, VIRTUOSO_SYSTEM_GRAPHS
from kg.store.interface import Limits
from kg.store.remote import RemoteStore
from tests.asgi import app_client
from tests.browser import http_client
from tests.conftest import ROOT, free_port
from tests.virtuoso import Virtuoso, needs_virtuoso, running_virtuoso

EX = "http://example.org/"
G1, G2 = EX + "graph/one", EX + "graph/two"
XSD = "http://www.w3.org/2001/XMLSchema#"

pytestmark = needs_virtuoso


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """A real ``virtuoso-t`` of this module's own (tests/virtuoso.py)."""
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture
def store(virtuoso: Virtuoso) -> RemoteStore:
    """The server's store, emptied of the graphs earlier tests left."""
    store = virtuoso.store()
    for graph in store.named_graphs():
        store.clear_graph(graph)
    return store


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.nt"
    path.write_text(
        f'<{EX}a> <{EX}name> "Bruxelles"@fr .\n'
        f'<{EX}a> <{EX}name> "Brussel"@nl .\n'
        f'<{EX}b> <{EX}name> "quote \\" and brace }}"@en .\n'
        f'<{EX}b> <{EX}count> "42"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    )
    return path


def select(store: RemoteStore, sparql: str, **kwargs: object) -> list[dict[str, str]]:
    subs = kwargs.pop("subs", None)
    rows = store.query(sparql, subs, prefixes={"ex": EX}, **kwargs)  # type: ignore[arg-type]
    assert isinstance(rows, QuerySolutions)
    names = [v.value for v in rows.variables]
    return [{n: str(r[n]) for n in names if r[n] is not None} for r in rows]


# --- the store's behaviours ---------------------------------------------------------------


def test_union_default_graph_and_the_servers_own_graphs(
    store: RemoteStore, data_file: Path
) -> None:
    store.load(data_file, RdfFormat.N_TRIPLES, G1)
    store.load(data_file, RdfFormat.N_TRIPLES, G2)
    # Virtuoso keeps graphs of its own; the store lists and counts the project's only
    assert store.named_graphs() == [G1, G2]
    assert store.triple_count(G1) == 4
    assert store.triple_count() == 8
    # (Virtuoso orders literals of different languages by their tag first: not compared)
    names = select(store, "SELECT DISTINCT ?n WHERE { ex:a ex:name ?n }")
    assert sorted(r["n"] for r in names) == ['"Brussel"@nl', '"Bruxelles"@fr']
    # ... though they are in its union default graph (see docs/remote-stores.md)
    system = select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(system[0]["n"].split('"')[1]) > 8
    assert VIRTUOSO_SYSTEM_GRAPHS[0] not in store.named_graphs()


def test_substitutions_bind_values_as_terms(store: RemoteStore, data_file: Path) -> None:
    store.load(data_file, RdfFormat.N_TRIPLES, G1)
    sparql = "SELECT ?s ?name WHERE { ?s ex:name ?name }"
    hit = select(store, sparql, subs={"name": Literal("Brussel", language="nl")})
    assert hit == [{"s": f"<{EX}a>", "name": '"Brussel"@nl'}]
    hostile = Literal('quote " and brace }', language="en")
    assert [r["s"] for r in select(store, sparql, subs={"name": hostile})] == [f"<{EX}b>"]
    evil = Literal('x" } ; DROP ALL ; SELECT * { "', language="en")
    assert select(store, sparql, subs={"name": evil}) == []
    assert store.triple_count() == 4


def test_ask_and_construct_get_their_own_formats(store: RemoteStore, data_file: Path) -> None:
    store.load(data_file, RdfFormat.N_TRIPLES, G1)
    ask = store.query("ASK { ?s ex:count 42 }", prefixes={"ex": EX})
    assert isinstance(ask, QueryBoolean) and bool(ask)
    assert not bool(store.query("ASK { ?s ex:count 43 }", prefixes={"ex": EX}))
    constructed = store.query(
        "CONSTRUCT { ?s ex:n ?n } WHERE { ?s ex:count ?n }", prefixes={"ex": EX}
    )
    assert not isinstance(constructed, QuerySolutions | QueryBoolean)
    assert list(constructed) == [Triple(NamedNode(EX + "b"), NamedNode(EX + "n"), Literal(42))]


def test_query_dataset_from_and_from_named(store: RemoteStore, tmp_path: Path) -> None:
    one, two = tmp_path / "one.nt", tmp_path / "two.nt"
    one.write_text(f'<{EX}a> <{EX}name> "one" .\n')
    two.write_text(f'<{EX}b> <{EX}name> "two" .\n')
    store.load(one, RdfFormat.N_TRIPLES, G1)
    store.load(two, RdfFormat.N_TRIPLES, G2)
    names = "SELECT ?n {dataset} WHERE {{ ?s ex:name ?n }} ORDER BY ?n"
    graphs = "SELECT ?g ?n {dataset} WHERE {{ GRAPH ?g {{ ?s ex:name ?n }} }} ORDER BY ?n"
    assert [r["n"] for r in select(store, names.format(dataset=""))] == ['"one"', '"two"']
    assert [r["n"] for r in select(store, names.format(dataset=f"FROM <{G2}>"))] == ['"two"']
    # FROM alone: no named graphs (Virtuoso alone would keep them all)
    assert select(store, graphs.format(dataset=f"FROM <{G2}>")) == []
    # FROM NAMED alone: an empty default graph, as SPARQL says
    assert select(store, names.format(dataset=f"FROM NAMED <{G2}>")) == []
    assert select(store, graphs.format(dataset=f"FROM NAMED <{G2}>")) == [
        {"g": f"<{G2}>", "n": '"two"'}
    ]
    # the caller's dataset replaces the query's own (Virtuoso alone would merge them)
    own = names.format(dataset=f"FROM <{G2}>")
    assert [r["n"] for r in select(store, own, default_graph=[G1])] == ['"one"']
    assert select(store, own, named_graphs=[G1]) == []
    named = graphs.format(dataset=f"FROM NAMED <{G2}>")
    assert select(store, named, named_graphs=[G1]) == [{"g": f"<{G1}>", "n": '"one"'}]
    assert select(store, named, default_graph=[G1]) == []
    # an unknown graph is an empty graph, not an error
    assert select(store, names.format(dataset=""), default_graph=[EX + "graph/none"]) == []


def test_dataset_clauses_in_strings_and_comments_are_left_alone(
    store: RemoteStore, data_file: Path
) -> None:
    store.load(data_file, RdfFormat.N_TRIPLES, G1)
    sparql = (
        "SELECT ?s # FROM <http://example.org/nothing>\n"
        'WHERE { ?s ex:name ?n FILTER(?n != "FROM <x>") } ORDER BY ?s'
    )
    rows = select(store, sparql, default_graph=[G1])
    assert {r["s"] for r in rows} == {f"<{EX}a>", f"<{EX}b>"}


def test_replace_and_clear_graph(store: RemoteStore, data_file: Path, tmp_path: Path) -> None:
    store.load(data_file, RdfFormat.N_TRIPLES, G1)
    store.load(data_file, RdfFormat.N_TRIPLES, G2)
    one = tmp_path / "one.nt"
    one.write_text(f'<{EX}c> <{EX}name> "Schaerbeek"@fr .\n')
    store.replace_graph(one, RdfFormat.N_TRIPLES, G1)
    assert store.triple_count(G1) == 1 and store.triple_count(G2) == 4
    store.clear_graph(G1)
    assert store.named_graphs() == [G2]
    assert store.triple_count() == 4


def test_update_goes_through_the_authenticated_endpoint(
    store: RemoteStore, virtuoso: Virtuoso
) -> None:
    store.update(
        f'INSERT DATA {{ GRAPH <{G1}> {{ ex:x ex:name "Ixelles"@fr }} }}', prefixes={"ex": EX}
    )
    assert select(store, "SELECT ?n WHERE { ex:x ex:name ?n }") == [{"n": '"Ixelles"@fr'}]
    # without the account, the same write is refused: the server is not open to writes
    anonymous = RemoteStore(virtuoso.query_url, None, None, dialect=VIRTUOSO)
    with pytest.raises(StoreError, match="401"):
        anonymous.update(f"DROP SILENT GRAPH <{G1}>")
    wrong = RemoteStore(virtuoso.query_url, None, None, dialect=VIRTUOSO, auth=("kg", "nope"))
    with pytest.raises(StoreError, match="401"):
        wrong.clear_graph(G1)
    assert store.triple_count(G1) == 1


def test_blank_nodes_booleans_and_language_tags_read_back(
    store: RemoteStore, tmp_path: Path
) -> None:
    path = tmp_path / "terms.nt"
    path.write_text(
        f"<{EX}a> <{EX}part> _:p .\n"
        f'_:p <{EX}open> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n'
        f'_:p <{EX}closed> "false"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n'
        f'<{EX}a> <{EX}name> "Région de Bruxelles-Capitale"@fr-BE .\n'
    )
    store.load(path, RdfFormat.N_TRIPLES, G1)
    rows = store.query(
        f"SELECT ?p ?o ?c WHERE {{ <{EX}a> <{EX}part> ?p . ?p <{EX}open> ?o . ?p <{EX}closed> ?c }}"
    )
    assert isinstance(rows, QuerySolutions)
    (row,) = list(rows)
    assert isinstance(row["p"], BlankNode)
    assert row["o"] == Literal(True) and row["c"] == Literal(False)
    (name,) = select(store, "SELECT ?n WHERE { ex:a ex:name ?n }")
    assert name["n"] == '"Région de Bruxelles-Capitale"@fr-be'  # tags compare in lower case


def test_a_streamed_answer_is_mended_and_capped(store: RemoteStore, tmp_path: Path) -> None:
    """``stream`` (what /sparql gets) reads Virtuoso's JSON through the same mending as
    ``query``, under the row cap."""
    path = tmp_path / "parts.nt"
    path.write_text(
        "".join(
            f"<{EX}a> <{EX}part> _:p{i} .\n"
            f'_:p{i} <{EX}open> "{str(i % 2 == 0).lower()}"^^<{XSD}boolean> .\n'
            for i in range(30)
        )
    )
    store.load(path, RdfFormat.N_TRIPLES, G1)
    sparql = f"SELECT ?p ?o WHERE {{ <{EX}a> <{EX}part> ?p . ?p <{EX}open> ?o }}"
    run = store.stream(sparql, limits=Limits(max_rows=25))
    try:
        body = run.body()
    finally:
        run.close()
    assert run.rows == 25 and run.truncated
    rows = parse_query_results(body, QueryResultsFormat.JSON)
    assert isinstance(rows, QuerySolutions)
    got = list(rows)
    assert len(got) == 25 and all(isinstance(r["p"], BlankNode) for r in got)
    assert {r["o"] for r in got} == {Literal(True), Literal(False)}


def test_bad_query_is_a_query_error(store: RemoteStore) -> None:
    with pytest.raises(QueryError, match="syntax error"):
        store.query("SELECT ?s WHERE { ?s ?p }")


# --- the build and the app ------------------------------------------------------------------


def test_settings_read_the_dialect_and_the_account() -> None:
    env = {
        "KG_STORE": "remote",
        "KG_REMOTE_QUERY": "http://127.0.0.1:8890/sparql",
        "KG_REMOTE_DIALECT": "virtuoso",
        "KG_REMOTE_USER": "kg",
        "KG_REMOTE_PASSWORD": "secret",
    }
    settings = Settings.from_env(env)
    assert "secret" not in repr(settings)
    store = open_store(settings)
    assert isinstance(store, RemoteStore)
    assert store.update_url == "http://127.0.0.1:8890/sparql-auth"
    assert store.gsp_url == "http://127.0.0.1:8890/sparql-graph-crud-auth"
    with pytest.raises(ValueError, match="KG_REMOTE_DIALECT"):
        Settings.from_env(env | {"KG_REMOTE_DIALECT": "fuseki"})


@dataclass(frozen=True)
class Published:
    settings: Settings
    #: triples per source, as the build counted them
    graphs: dict[str, int]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, virtuoso: Virtuoso) -> Published:
    """The project built with ``KG_STORE=remote`` into the Virtuoso above (after a
    stale project graph was put there, which the build must drop)."""
    root = tmp_path_factory.mktemp("published") / "project"
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    settings = Settings(
        root=root,
        var_dir=root.parent / "var",
        store_backend="remote",
        remote_query_url=virtuoso.query_url,
        remote_dialect="virtuoso",
        remote_user=virtuoso.user,
        remote_password=virtuoso.password,
    )
    store = virtuoso.store()
    for graph in store.named_graphs():
        store.clear_graph(graph)
    store.update(f"INSERT DATA {{ GRAPH <{STALE}> {{ <{EX}a> <{EX}b> 1 }} }}")
    return Published(settings, build.run(settings).graphs)


STALE = f"{DEFAULT_BASE}graph/curated/removed-source"


def test_build_publishes_into_virtuoso(published: Published, virtuoso: Virtuoso) -> None:
    settings = published.settings
    assert not settings.store_path.exists()  # nothing embedded was written
    store = virtuoso.store()
    graphs = set(store.named_graphs())
    assert {s.graph for s in discover(settings)} <= graphs and STALE not in graphs
    for source in discover(settings):
        assert store.triple_count(source.graph) == published.graphs[source.label], source.label
    rows = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?m a cci:Municipality }",
        prefixes=all_prefixes(settings.base),
    )
    assert isinstance(rows, QuerySolutions)
    assert int(next(iter(rows))["n"].value) == 19


def test_the_app_serves_pages_from_virtuoso(published: Published) -> None:
    with http_client(create_app(published.settings)) as client:
        page = client.get("/id/organisation/hub-brussels", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "hub.brussels" in page.text
        twin = client.get("/id/organisation/hub-brussels", headers={"Accept": "text/turtle"})
        assert twin.status_code == 200 and "hub-brussels" in twin.text
        missing = client.get("/id/organisation/no-such-org", headers={"Accept": "text/html"})
        assert missing.status_code == 404


def test_the_apps_sparql_endpoint_answers_from_virtuoso(published: Published) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?m a cci:Municipality }"
    with http_client(create_app(published.settings)) as client:
        answer = client.get(
            "/sparql",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"]["bindings"][0]["n"]["value"] == "19"


MUNICIPALITIES = "SELECT ?m ?nis WHERE { ?m a cci:Municipality ; skos:notation ?nis } ORDER BY ?nis"
CONSTRUCT = "CONSTRUCT { ?m skos:prefLabel ?l } WHERE { ?m a cci:Municipality ; skos:prefLabel ?l }"


@pytest.fixture(scope="module")
def app(published: Published) -> Iterator[httpx.Client]:
    """The app over the Virtuoso the build published into, in this process."""
    with app_client(create_app(published.settings)) as client:
        yield client


def direct(published: Published, sparql: str) -> list[tuple[str, ...]] | set[str]:
    """The store's own ``query`` answer (rows, or the triples as text): the reference the
    streamed answers of the app are compared with."""
    store = RemoteStore.from_settings(published.settings)
    try:
        result = store.query(sparql, prefixes=all_prefixes(published.settings.base))
        if isinstance(result, QuerySolutions):
            return [tuple(str(term) for term in row) for row in result]
        assert not isinstance(result, QueryBoolean)
        return {str(t) for t in result}
    finally:
        store.close()


def rows_of(body: bytes, fmt: QueryResultsFormat) -> list[tuple[str, ...]]:
    solutions = parse_query_results(body, fmt)
    assert isinstance(solutions, QuerySolutions)
    return [tuple(str(term) for term in row) for row in solutions]


def test_sparql_select_as_json_and_csv_from_virtuoso(
    app: httpx.Client, published: Published
) -> None:
    expected = direct(published, MUNICIPALITIES)
    assert isinstance(expected, list) and len(expected) == 19
    json = app.get("/sparql", params={"query": MUNICIPALITIES, "format": "json"})
    assert json.status_code == 200, json.text
    assert json.headers["content-type"].startswith("application/sparql-results+json")
    assert json.headers["X-SPARQL-Rows"] == "19"
    assert rows_of(json.content, QueryResultsFormat.JSON) == expected
    table = app.get("/sparql", params={"query": MUNICIPALITIES}, headers={"Accept": "text/csv"})
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.text)))
    assert rows[0] == ["m", "nis"]
    assert [nis for _, nis in rows[1:]] == [nis.split('"')[1] for _, nis in expected]


def test_sparql_construct_as_turtle_from_virtuoso(app: httpx.Client, published: Published) -> None:
    expected = direct(published, CONSTRUCT)
    assert isinstance(expected, set) and len(expected) >= 19
    turtle = app.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200, turtle.text
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert {str(q.triple) for q in parse(turtle.content, RdfFormat.TURTLE)} == expected


def test_a_graph_read_through_the_graph_store_protocol(
    app: httpx.Client, published: Published
) -> None:
    """``/store?graph=`` reads through ``stream`` too: the graph as the build counted it."""
    sizes = {s.graph: published.graphs[s.label] for s in discover(published.settings)}
    graph = min(sizes, key=lambda g: sizes[g])
    read = app.get("/store", params={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert read.status_code == 200, read.text[:500]
    assert len(list(parse(read.content, RdfFormat.N_TRIPLES))) == sizes[graph] > 0


def test_a_saved_query_from_virtuoso(app: httpx.Client, published: Published) -> None:
    api = "/api/queries/organisations-by-kind"
    text = (published.settings.root / "queries" / "organisations-by-kind.rq").read_text()
    expected = direct(published, text)
    assert isinstance(expected, list) and len(expected) > 4
    whole = app.get(api, params={"per_page": "500"})
    assert whole.status_code == 200, whole.text[:500]
    assert rows_of(whole.content, QueryResultsFormat.JSON) == expected
    assert whole.headers["X-Total-Count"] == str(len(expected))
    page = app.get(api, params={"per_page": "2", "page": "2"})
    assert rows_of(page.content, QueryResultsFormat.JSON) == expected[2:4]
    assert page.headers["X-Total-Count"] == str(len(expected))


def test_a_query_virtuoso_cannot_parse_is_a_400(app: httpx.Client) -> None:
    # the app's own reading (kg.sparql.analysis) lets it through: Virtuoso's parser refuses
    bad = app.get(
        "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"}, headers={"Accept": "*/*"}
    )
    assert bad.status_code == 400, bad.text
    error = bad.json()["error"]
    assert error["type"] == "QueryError" and "syntax error" in error["message"].lower()
    # the store answers again at once
    ask = app.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "*/*"})
    assert ask.status_code == 200 and ask.json()["boolean"] is True


def test_a_server_that_is_down_is_a_store_error() -> None:
    port = free_port()
    down = RemoteStore(f"http://127.0.0.1:{port}/sparql", None, None, dialect=VIRTUOSO)
    with pytest.raises(StoreError, match="cannot reach"):
        down.named_graphs()
