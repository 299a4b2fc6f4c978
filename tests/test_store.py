"""The store interface, run against the embedded backend and a real `oxigraph serve`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, RdfFormat, Triple

from kg.errors import QueryError
from kg.store import EmbeddedStore, GraphStore
from kg.store.remote import RemoteStore

EX = "http://example.org/"
G1, G2 = EX + "graph/one", EX + "graph/two"


@pytest.fixture(params=["embedded", "remote"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "embedded":
        yield EmbeddedStore.open(tmp_path / "store")
    else:
        url = request.getfixturevalue("oxigraph_server")
        yield RemoteStore(url + "/query", url + "/update", url + "/store")


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


def select(store: GraphStore, sparql: str, **subs: NamedNode | Literal) -> list[dict[str, str]]:
    rows = store.query(sparql, subs or None, prefixes={"ex": EX})
    assert isinstance(rows, QuerySolutions)
    names = [v.value for v in rows.variables]
    return [{n: str(r[n]) for n in names if r[n] is not None} for r in rows]


def test_load_and_query_union_of_named_graphs(store: GraphStore, data_file: Path) -> None:
    store.load(data_file, RdfFormat.N_TRIPLES, G1)
    store.load(data_file, RdfFormat.N_TRIPLES, G2)
    assert store.named_graphs() == [G1, G2]
    assert store.triple_count(G1) == 4
    assert store.triple_count() == 8
    names = select(store, "SELECT DISTINCT ?n WHERE { ex:a ex:name ?n } ORDER BY ?n")
    assert [r["n"] for r in names] == ['"Brussel"@nl', '"Bruxelles"@fr']


def test_substitutions_bind_values_as_terms(store: GraphStore, data_file: Path) -> None:
    store.load(data_file, RdfFormat.N_TRIPLES, G1)
    sparql = "SELECT ?s ?name WHERE { ?s ex:name ?name }"
    hit = select(store, sparql, name=Literal("Brussel", language="nl"))
    assert hit == [{"s": f"<{EX}a>", "name": '"Brussel"@nl'}]
    # a hostile value is a literal like any other: it matches itself and injects nothing
    hostile = Literal('quote " and brace }', language="en")
    assert [r["s"] for r in select(store, sparql, name=hostile)] == [f"<{EX}b>"]
    evil = Literal('x" } ; DROP ALL ; SELECT * { "', language="en")
    assert select(store, sparql, name=evil) == []
    assert store.triple_count() == 4


def test_ask_and_construct(store: GraphStore, data_file: Path) -> None:
    store.load(data_file, RdfFormat.N_TRIPLES, G1)
    ask = store.query("ASK { ?s ex:count 42 }", prefixes={"ex": EX})
    assert isinstance(ask, QueryBoolean) and bool(ask)
    constructed = store.query(
        "CONSTRUCT { ?s ex:n ?n } WHERE { ?s ex:count ?n }", prefixes={"ex": EX}
    )
    assert not isinstance(constructed, QuerySolutions | QueryBoolean)  # triples
    triples = list(constructed)
    assert triples == [Triple(NamedNode(EX + "b"), NamedNode(EX + "n"), Literal(42))]


def test_replace_and_clear_graph(store: GraphStore, data_file: Path, tmp_path: Path) -> None:
    store.load(data_file, RdfFormat.N_TRIPLES, G1)
    one = tmp_path / "one.nt"
    one.write_text(f'<{EX}c> <{EX}name> "Schaerbeek"@fr .\n')
    store.replace_graph(one, RdfFormat.N_TRIPLES, G1)
    assert store.triple_count(G1) == 1
    store.clear_graph(G1)
    assert store.triple_count() == 0


def test_update(store: GraphStore) -> None:
    store.update(
        f'INSERT DATA {{ GRAPH <{G1}> {{ ex:x ex:name "Ixelles"@fr }} }}', prefixes={"ex": EX}
    )
    assert select(store, "SELECT ?n WHERE { ex:x ex:name ?n }") == [{"n": '"Ixelles"@fr'}]


def test_bad_query_is_a_query_error(store: GraphStore) -> None:
    with pytest.raises(QueryError):
        store.query("SELECT ?s WHERE { ?s ?p }")
