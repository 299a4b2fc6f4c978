"""The one small interface through which everything reaches the graph.

``EmbeddedStore`` wraps an on-disk pyoxigraph store (the default); ``RemoteStore``
(kg.store.remote) speaks SPARQL 1.1 Protocol and Graph Store Protocol to an existing server.
Both answer queries with pyoxigraph's own result types, so callers never care which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Triple,
)

from kg.errors import StoreError
from kg.store.cache import StoreCache

Term = NamedNode | BlankNode | Literal | Triple
QueryResult = QuerySolutions | QueryBoolean | Iterable[Triple]


class GraphStore(Protocol):
    """What the rest of the code may ask of a store."""

    cache: StoreCache  # what is computed from this store, kept while it serves

    def query(
        self,
        sparql: str,
        substitutions: Mapping[str, Term] | None = None,
        *,
        prefixes: Mapping[str, str] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        """Run a query. The dataset is ``default_graph`` and ``named_graphs`` when given
        (the protocol's dataset overrides the query's); else the query's own FROM and
        FROM NAMED when it has any; else the union of all named graphs as the default
        graph, and every named graph. Values enter through ``substitutions``."""
        ...

    def update(self, sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None: ...

    def load(self, path: Path, format: RdfFormat, graph: str) -> None:
        """Add the file's triples to ``graph``."""
        ...

    def replace_graph(self, path: Path, format: RdfFormat, graph: str) -> None:
        """Make ``graph`` hold exactly the file's triples."""
        ...

    def named_graphs(self) -> list[str]: ...

    def clear_graph(self, graph: str) -> None: ...

    def triple_count(self, graph: str | None = None) -> int: ...


#: Triples per named graph (pyoxigraph substitutes only variables that are projected).
COUNT_QUADS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def count(store: GraphStore, graph: str | None = None) -> int:
    """Triples in one named graph, or quads in all of them."""
    subs = {"g": NamedNode(graph)} if graph else None
    rows = store.query(COUNT_QUADS, subs)
    assert isinstance(rows, QuerySolutions)
    return sum(int(row["n"].value) for row in rows)


def open_store(settings: object, *, read_only: bool = True) -> GraphStore:
    """The store the settings point at: the serving embedded store, or a remote server."""
    from kg.settings import Settings

    assert isinstance(settings, Settings)
    if settings.store_backend == "remote":
        from kg.store.remote import RemoteStore

        return RemoteStore.from_settings(settings)
    path = settings.store_path
    if not path.exists():
        raise StoreError(f"no store at {path}: run `kg build` first")
    from kg.store.embedded import EmbeddedStore

    return EmbeddedStore.open(path.resolve(), read_only=read_only)
