"""An on-disk (or in-memory) pyoxigraph store: the default backend.

``stream`` runs each query in a worker process of the store's own pool (kg.sparql.pool),
started when first needed and closed with the store: pyoxigraph cannot cancel a query, and
only ending a process stops a runaway one. A query that is one lazy index scan
(kg.sparql.cheap) cannot run away: it is answered here, in the calling thread, when its
answer is small (``INLINE_ROWS``, ``INLINE_BYTES``), and by a worker when it is not.
Callers see none of it."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, Variable

from kg.errors import KgError, QueryError, StoreError
from kg.sparql.analysis import declares_dataset
from kg.sparql.cheap import one_scan
from kg.store.cache import StoreCache
from kg.store.interface import DEFAULT_LIMITS, Limits, QueryResult, QueryRun, Term, count, prefetch

if TYPE_CHECKING:
    from kg.sparql.pool import WorkerPool
    from kg.sparql.worker import Job

#: the most an answer written in the calling thread may hold; a bigger one is given up
#: (after at most this many index steps) and goes to a worker
INLINE_ROWS = 1000
INLINE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Workers:
    """The query worker processes kept warm, and the queries each runs side by side."""

    processes: int = 2
    threads: int = 8


class EmbeddedStore:
    """An on-disk (or, with ``path=None``, in-memory) pyoxigraph store."""

    def __init__(
        self,
        store: Store,
        path: Path | None,
        *,
        read_only: bool = False,
        workers: Workers | None = None,
    ) -> None:
        self.raw = store
        self.path = path
        self.cache = StoreCache()  # a store on disk changes only by a swap: keep for good
        self.read_only = read_only
        self.workers = workers or Workers()
        self._pool: WorkerPool | None = None
        self._pool_lock = threading.Lock()
        self._closed = False
        # the same texts come again and again (pages, other maps): each is read once
        self._one_scan = functools.lru_cache(maxsize=1024)(one_scan)

    @classmethod
    def open(
        cls, path: Path | None, *, read_only: bool = False, workers: Workers | None = None
    ) -> EmbeddedStore:
        try:
            if path is None:
                return cls(Store(), None, workers=workers)
            if read_only:
                return cls(Store.read_only(str(path)), path, read_only=True, workers=workers)
            path.mkdir(parents=True, exist_ok=True)
            return cls(Store(str(path)), path, workers=workers)
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
        base_iri: str | None = None,
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
            return self.raw.query(
                sparql,
                base_iri=base_iri,
                prefixes=dict(prefixes or {}),
                **kwargs,  # type: ignore[arg-type]
            )
        except SyntaxError as err:
            raise QueryError(str(err)) from None
        except ValueError as err:
            raise QueryError(str(err)) from None

    # --- streamed answers, through the query workers ------------------------------------

    def _workers(self) -> WorkerPool:
        with self._pool_lock:
            if self._closed:
                raise StoreError("the store is closed (a newer build is serving)")
            if self._pool is None:
                if self.path is None:
                    raise StoreError("an in-memory store has no query workers")
                from kg.sparql.pool import WorkerPool

                slots = self.workers.processes * self.workers.threads
                path = str(self.path)
                self._pool = WorkerPool(
                    slots, max_size=4 * slots, warm=lambda: path, threads=self.workers.threads
                )
            return self._pool

    def start(self) -> None:
        if self.path is not None:
            self._workers()

    def close(self) -> None:
        """End the query workers; queries running in them finish first."""
        with self._pool_lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

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
        from kg.saved.parameters import to_ntriples
        from kg.sparql.worker import Job

        job = Job(
            store_path=str(self.path),
            text=sparql,
            solutions_format=solutions_format,
            graph_format=graph_format,
            prefixes=dict(prefixes or {}),
            default_graph=default_graph,
            named_graphs=named_graphs,
            max_rows=limits.max_rows,
            max_bytes=limits.max_bytes,
            substitutions=to_ntriples(dict(substitutions)) if substitutions else None,
            output_prefixes=None if output_prefixes is None else dict(output_prefixes),
            window=limits.window,
            base_iri=base_iri,
        )
        if self._one_scan(sparql):
            run = self._answer_here(job)
            if run is not None:
                return run
        messages = self._workers().stream(
            job, limits.timeout, transfer_timeout=limits.transfer_timeout
        )
        return prefetch(messages)

    def _answer_here(self, job: Job) -> QueryRun | None:
        """A one-scan query's answer, written in this thread; None when it is bigger than
        ``INLINE_ROWS`` or ``INLINE_BYTES`` (it goes to a worker). Errors as a worker's."""
        from kg.sparql.worker import answer, failure
        from kg.sparql.writers import Buffer

        small = replace(
            job, max_rows=min(job.max_rows, INLINE_ROWS), max_bytes=min(job.max_bytes, INLINE_BYTES)
        )
        buffer = Buffer()
        try:
            how = answer(self, small)
            outcome = how.write(buffer, small.max_rows)
        except KgError:
            raise
        except Exception as err:  # as a worker reports it
            raise QueryError(failure(err, job.text)) from None
        lowered = small.max_rows < job.max_rows or small.max_bytes < job.max_bytes
        if outcome.truncated and lowered:
            return None
        return QueryRun(
            kind=how.kind,
            media_type=how.media_type,
            prefetched=[bytes(buffer.data)],
            finished=True,
            rows=outcome.rows,
            truncated=outcome.truncated,
        )

    # --- writing and reading whole graphs ---------------------------------------------

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

    def extend(self, quads: Iterable[Quad]) -> None:
        self.raw.bulk_extend(quads)

    def dump(self, out: IO[bytes], format: RdfFormat, graph: str | None = None) -> None:
        if graph is None:
            self.raw.dump(out, format)
        else:
            self.raw.dump(out, format, from_graph=NamedNode(graph))

    def default_graph_empty(self) -> bool:
        quads = self.raw.quads_for_pattern(None, None, None, DefaultGraph())
        return next(iter(quads), None) is None

    def move_default_graph(self, graph: str) -> None:
        """Move what sits in the default graph into ``graph`` (a change's own graph)."""
        moved = list(self.raw.quads_for_pattern(None, None, None, DefaultGraph()))
        target = NamedNode(graph)
        self.raw.extend(Quad(q.subject, q.predicate, q.object, target) for q in moved)
        for q in moved:
            self.raw.remove(q)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.raw.named_graphs() if isinstance(g, NamedNode))

    def clear_graph(self, graph: str) -> None:
        if self.raw.contains_named_graph(NamedNode(graph)):
            self.raw.remove_graph(NamedNode(graph))

    def triple_count(self, graph: str | None = None) -> int:
        return count(self, graph)

    def flush(self) -> None:
        if not self.read_only:
            self.raw.flush()

    def optimize(self) -> None:
        """Compact the store after a bulk load (the build, before swapping it in)."""
        self.raw.optimize()

    def location(self) -> Path | None:
        return self.path

    def unchanging(self) -> bool:
        return True
