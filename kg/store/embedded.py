"""An on-disk (or in-memory) pyoxigraph store: the default backend."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store, Variable

from kg.errors import QueryError, StoreError
from kg.sparql.analysis import declares_dataset
from kg.store.cache import StoreCache
from kg.store.interface import QueryResult, Term, count


class EmbeddedStore:
    """An on-disk (or, with ``path=None``, in-memory) pyoxigraph store."""

    def __init__(self, store: Store, path: Path | None, *, read_only: bool = False) -> None:
        self.raw = store
        self.path = path
        self.cache = StoreCache()  # a store on disk changes only by a swap: keep for good
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
