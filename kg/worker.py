"""A query worker process: evaluates one query at a time on its read-only store and streams
the serialised result back in chunks. The parent can end it at any moment (time limit)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from pyoxigraph import QueryBoolean, QuerySolutions

from kg.binding import from_ntriples
from kg.errors import KgError
from kg.resultwriters import BY_KEY, Outcome, write_boolean, write_solutions, write_triples
from kg.store import EmbeddedStore

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Job:
    store_path: str  # the resolved store directory, so a swapped-in store is noticed
    text: str
    solutions_format: str  # format key for SELECT/ASK
    graph_format: str  # format key for CONSTRUCT/DESCRIBE
    prefixes: dict[str, str]
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None
    max_rows: int = 10_000
    max_bytes: int = 100 * 1024 * 1024
    #: bound variables (saved-query parameters): {variable: N-Triples term}
    substitutions: dict[str, str] | None = None


class ChunkSink:
    """Buffers writes and sends them to the parent in chunks of about 64 KiB."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.buffer = bytearray()
        self.written = 0

    def write(self, data: bytes) -> int:
        self.buffer += data
        self.written += len(data)
        if len(self.buffer) >= CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            self.conn.send_bytes(b"C" + bytes(self.buffer))
            self.buffer.clear()


def _run(store: EmbeddedStore, job: Job, conn: Connection) -> None:
    result = store.query(
        job.text,
        from_ntriples(job.substitutions) if job.substitutions else None,
        prefixes=job.prefixes,
        default_graph=job.default_graph,
        named_graphs=job.named_graphs,
    )
    sink = ChunkSink(conn)

    def budget() -> bool:
        return sink.written < job.max_bytes

    outcome: Outcome
    if isinstance(result, QueryBoolean):
        fmt = BY_KEY[job.solutions_format]
        conn.send(("head", "boolean", fmt.media_type))
        outcome = write_boolean(bool(result), fmt, sink)
    elif isinstance(result, QuerySolutions):
        fmt = BY_KEY[job.solutions_format]
        conn.send(("head", "solutions", fmt.media_type))
        outcome = write_solutions(result, fmt, sink, job.max_rows, budget)
    else:
        fmt = BY_KEY[job.graph_format]
        conn.send(("head", "graph", fmt.media_type))
        outcome = write_triples(result, fmt, sink, job.max_rows, budget, job.prefixes)
    sink.flush()
    conn.send(("end", outcome.rows, outcome.truncated))


def main(conn: Connection, warm: str | None = None) -> None:
    """Serve jobs until the parent closes the connection or sends None. ``warm``: a store
    to open before the first job (opening a large store takes a while; a request should
    not wait for it)."""
    stores: dict[str, EmbeddedStore] = {}
    if warm is not None and Path(warm).is_dir():
        with contextlib.suppress(KgError):
            stores[warm] = EmbeddedStore.open(Path(warm), read_only=True)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            if job.store_path not in stores:
                stores.clear()  # a new build was swapped in: drop the old handle
                stores[job.store_path] = EmbeddedStore.open(Path(job.store_path), read_only=True)
            _run(stores[job.store_path], job, conn)
        except KgError as err:
            conn.send(("error", type(err).__name__, str(err)))
        except Exception as err:  # evaluation errors: reported, the worker lives on
            conn.send(("error", "QueryError", f"{type(err).__name__}: {err}"))
