"""The one small interface through which everything reaches the graph.

``EmbeddedStore`` wraps an on-disk pyoxigraph store (the default); ``RemoteStore``
(kg.remote) speaks SPARQL 1.1 Protocol and Graph Store Protocol to an existing server.
Both answer queries with pyoxigraph's own result types, so callers never care which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    Variable,
)

from kg.errors import QueryError, StoreError
from kg.queryform import declares_dataset

Term = NamedNode | BlankNode | Literal | Triple
QueryResult = QuerySolutions | QueryBoolean | Iterable[Triple]


class GraphStore(Protocol):
    """What the rest of the code may ask of a store."""

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


class EmbeddedStore:
    """An on-disk (or, with ``path=None``, in-memory) pyoxigraph store."""

    def __init__(self, store: Store, path: Path | None, *, read_only: bool = False) -> None:
        self.raw = store
        self.path = path
        self.read_only = read_only

    @classmethod
    def open(cls, path: Path | None, *, read_only: bool = False) -> EmbeddedStore:
        try:
            if path is None:
                return cls(Store(), None)
            if read_only:
                return cls(Store.read_only(str(path)), path, read_only=True)
            path.mkdir(parents=True, exist_ok=True)
            return cls(Store(str(path)), path)
        except OSError as err:
            raise StoreError(f"cannot open the store at {path}: {err}") from err

    def query(
        self,
        sparql: str,
        substitutions: Mapping[str, Term] | None = None,
        *,
        prefixes: Mapping[str, str] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        kwargs: dict[str, object] = {}
        if default_graph is not None:
            kwargs["default_graph"] = [NamedNode(g) for g in default_graph] or DefaultGraph()
        elif not declares_dataset(sparql):
            # the union would override FROM: pyoxigraph's flag replaces the query's dataset
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [NamedNode(g) for g in named_graphs]
        if substitutions:
            kwargs["substitutions"] = {Variable(k): v for k, v in substitutions.items()}
        try:
            return self.raw.query(sparql, prefixes=dict(prefixes or {}), **kwargs)  # type: ignore[arg-type]
        except SyntaxError as err:
            raise QueryError(str(err)) from None
        except ValueError as err:
            raise QueryError(str(err)) from None

    def update(self, sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None:
        try:
            self.raw.update(sparql, prefixes=dict(prefixes or {}))
        except SyntaxError as err:
            raise QueryError(str(err)) from None

    def load(self, path: Path, format: RdfFormat, graph: str) -> None:
        self.raw.bulk_load(path=str(path), format=format, to_graph=NamedNode(graph))

    def replace_graph(self, path: Path, format: RdfFormat, graph: str) -> None:
        self.clear_graph(graph)
        self.load(path, format, graph)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.raw.named_graphs() if isinstance(g, NamedNode))

    def clear_graph(self, graph: str) -> None:
        if self.raw.contains_named_graph(NamedNode(graph)):
            self.raw.remove_graph(NamedNode(graph))

    def triple_count(self, graph: str | None = None) -> int:
        return count(self, graph)

    def flush(self) -> None:
        self.raw.flush()


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
        from kg.remote import RemoteStore

        return RemoteStore.from_settings(settings)
    path = settings.store_path
    if not path.exists():
        raise StoreError(f"no store at {path}: run `kg build` first")
    return EmbeddedStore.open(path.resolve(), read_only=read_only)
