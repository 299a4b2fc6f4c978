"""The store interface and its backends: embedded pyoxigraph on disk (``embedded``), or a
remote SPARQL 1.1 server (``remote``). Everything reaches the graph through ``GraphStore``."""

from kg.store.embedded import EmbeddedStore
from kg.store.interface import (
    COUNT_QUADS,
    GraphStore,
    Limits,
    QueryResult,
    QueryRun,
    Term,
    count,
    open_store,
)

__all__ = [
    "COUNT_QUADS",
    "EmbeddedStore",
    "GraphStore",
    "Limits",
    "QueryResult",
    "QueryRun",
    "Term",
    "count",
    "open_store",
]
