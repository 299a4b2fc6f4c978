"""The one small interface through which everything reaches the graph.

``EmbeddedStore`` (kg.store.embedded) wraps an on-disk pyoxigraph store (the default);
``RemoteStore`` (kg.store.remote) speaks SPARQL 1.1 Protocol and Graph Store Protocol to an
existing server. ``query`` answers with pyoxigraph's own result types, ``stream`` with a
serialised answer under limits (what a web request gets), so callers never care which.

Embedded-only features, the one list (docs/architecture.md says the same):

- the build (kg.build.pipeline, kg.build.changes) writes a new *embedded* store, validates
  and swaps it in; with ``KG_STORE=remote`` it then publishes that store's graphs into the
  server (``publish_remote``): the build's own store is always an ``EmbeddedStore``;
- KPIs in parallel processes (kg.saved.kpi) need a store directory (``location``); on a
  remote store they run one after the other;
- derived indexes (search, map, network) lie beside an embedded store's directory
  (``location``); a remote deployment reads them from the local build's directory.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Triple,
)

from kg.errors import QueryTimeout, StoreError, TransferCut
from kg.store.cache import StoreCache

Term = NamedNode | BlankNode | Literal | Triple
QueryResult = QuerySolutions | QueryBoolean | Iterable[Triple]
#: what a query's answer streams as: ("head", kind, media type), ("chunk", bytes)…, then
#: ("end", rows, truncated); errors raise
Messages = Generator[tuple[object, ...], None, None]
#: body bytes held before the headers go out, so that most answers' headers can say
#: whether they were truncated
PREFETCH = 4 * 1024 * 1024


def overrun(body_started: bool, timeout: float, transfer_seconds: float) -> QueryTimeout:
    """The error of an answer past its limit: the time limit before the first body bytes,
    the transfer limit after them. The same words on every backend."""
    if body_started:
        return TransferCut(
            f"the answer was still being sent after the {transfer_seconds:g} s transfer "
            "limit and was cut; ask for less (LIMIT, OFFSET) or use the data dumps"
        )
    return QueryTimeout(
        f"the query ran longer than the {timeout:g} s limit and was stopped; narrow it "
        "down (LIMIT, more specific patterns) or use the data dumps"
    )


@dataclass(frozen=True)
class Limits:
    """What one streamed answer may take. ``timeout`` runs until the first body bytes,
    ``transfer_timeout`` (from the same moment) until the last; ``max_rows`` at most.
    ``window`` (paging SELECT results): only rows (first, how many) are written, while the
    answer's ``rows`` still counts every row up to ``max_rows`` (the total of the pages)."""

    max_rows: int = 10_000
    max_bytes: int = 100 * 1024 * 1024
    timeout: float = 10.0
    transfer_timeout: float = 300.0
    window: tuple[int, int] | None = None


DEFAULT_LIMITS = Limits()


@dataclass
class QueryRun:
    """A query in flight: its kind ("boolean", "solutions", "graph") and media type, the
    first chunks of its body, and the rest as an iterator. ``rows`` and ``truncated`` are
    known when the whole body fitted in the first chunks (``finished``). ``close`` gives
    the answer up without reading on."""

    kind: str
    media_type: str
    prefetched: list[bytes] = field(default_factory=list)
    finished: bool = False
    rows: int = 0
    truncated: bool = False
    rest: Iterator[bytes] = field(default_factory=lambda: iter(()))
    close: Callable[[], None] = lambda: None

    def chunks(self) -> Iterator[bytes]:
        return itertools.chain(self.prefetched, self.rest)

    def body(self) -> bytes:
        """The whole body (blocking)."""
        return b"".join(self.chunks())


def prefetch(messages: Messages, size: int = PREFETCH) -> QueryRun:
    """Read ``messages`` until the head and up to ``size`` bytes of body (or the end) are
    known. Blocking: call it from a thread."""
    head = next(messages)
    run = QueryRun(kind=str(head[1]), media_type=str(head[2]), close=messages.close)
    held = 0
    for message in messages:
        if message[0] == "chunk":
            chunk = message[1]
            assert isinstance(chunk, bytes)
            run.prefetched.append(chunk)
            held += len(chunk)
            if held >= size:
                break
        else:  # end
            run.finished = True
            run.rows, run.truncated = int(str(message[1])), bool(message[2])
            messages.close()  # the backend's resources go back now, not when dropped
            return run
    run.rest = (m[1] for m in messages if m[0] == "chunk")  # type: ignore[misc]
    return run


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
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a query. The dataset is ``default_graph`` and ``named_graphs`` when given
        (the protocol's dataset overrides the query's); else the query's own FROM and
        FROM NAMED when it has any; else the union of all named graphs as the default
        graph, and every named graph. Values enter through ``substitutions``; relative
        IRIs resolve against ``base_iri``."""
        ...

    def stream(
        self,
        sparql: str,
        *,
        solutions_format: str = "json",
        graph_format: str = "turtle",
        limits: Limits = DEFAULT_LIMITS,
        prefixes: Mapping[str, str] | None = None,
        output_prefixes: Mapping[str, str] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        substitutions: Mapping[str, Term] | None = None,
        base_iri: str | None = None,
    ) -> QueryRun:
        """Run a query under ``limits`` and stream its answer, serialised in
        ``solutions_format`` (SELECT, ASK) or ``graph_format`` (CONSTRUCT, DESCRIBE), keys
        of ``kg.sparql.writers.BY_KEY``; graphs are written with ``output_prefixes`` (else
        ``prefixes``). The dataset as for ``query``. Blocking until the head and the first
        chunks are known: call it from a thread. Raises QueryError (400), QueryTimeout,
        ServerBusy, WorkerCrashed, StoreError (503)."""
        ...

    def update(self, sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None: ...

    def load(self, path: Path, format: RdfFormat, graph: str) -> None:
        """Add the file's triples to ``graph``."""
        ...

    def replace_graph(self, path: Path, format: RdfFormat, graph: str) -> None:
        """Make ``graph`` hold exactly the file's triples."""
        ...

    def extend(self, quads: Iterable[Quad]) -> None:
        """Add the quads (each to its own graph)."""
        ...

    def dump(self, out: IO[bytes], format: RdfFormat, graph: str | None = None) -> None:
        """Write ``graph``'s triples (N-Triples, Turtle…), or every named graph's quads
        (``graph=None``, N-Quads), to ``out``."""
        ...

    def default_graph_empty(self) -> bool:
        """True when the store's own default graph is known to hold nothing (every triple
        is in a named graph); False when it holds some or cannot tell."""
        ...

    def named_graphs(self) -> list[str]: ...

    def clear_graph(self, graph: str) -> None: ...

    def triple_count(self, graph: str | None = None) -> int: ...

    def flush(self) -> None:
        """Make what this process wrote visible to other readers."""
        ...

    def location(self) -> Path | None:
        """The directory of an on-disk store (beside which a build writes its indexes);
        None for a store elsewhere or in memory."""
        ...

    def unchanging(self) -> bool:
        """True when the content cannot change while this object lives (a serving embedded
        store: a build swaps in a new one), so answers derived from it may be kept."""
        ...

    def start(self) -> None:
        """Get ready to answer ``stream`` (start query workers) without waiting."""
        ...

    def close(self) -> None:
        """Release what the store holds (query workers, connections)."""
        ...


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
    from kg.store.embedded import EmbeddedStore, Workers

    workers = Workers(settings.query_workers, settings.query_threads)
    return EmbeddedStore.open(path.resolve(), read_only=read_only, workers=workers)
