"""A query worker process: evaluates queries on its read-only store, one per thread (a
*slot*, each with its own connection to the parent), and streams each serialised result
back in chunks. The parent can end the process at any moment (time limit).

Messages to the parent, per slot: ``("ready", cpu, thread id)`` once the store is open;
per job either one ``("whole", kind, media type, body, rows, truncated, cpu)`` (an
answer that fits in one chunk: most of them, in one message) or ``("head", kind, media
type, closing)``, body chunks (``C`` + bytes, the last one ``L`` + bytes), then ``("end",
rows, truncated, cpu)``; or, at any point before the end, ``("error", type, message,
cpu)``. ``cpu`` is the CPU time the slot's thread has used so far (the parent's baseline
for the next query). A chunk is always whole writes of the result writer, so ``closing``
(bytes that end a document cut after any ``C`` chunk, or None) applies wherever the
parent has to stop; the bytes that complete the document only ever come in the ``L``
chunk."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from kg.errors import KgError
from kg.memory import MemoryTrimmer
from kg.saved.parameters import from_ntriples
from kg.sparql.writers import Answer, Outcome, answer_for
from kg.store.embedded import EmbeddedStore

CHUNK = 64 * 1024
#: a query that may call another endpoint: its errors may carry that endpoint's answer
_MAY_CALL_OUT = re.compile("service", re.IGNORECASE)
#: the query parser's own messages, which never quote anything but the query
_PARSER_MESSAGE = re.compile(r"error at \d+:\d+: expected [^\n]{0,500}")


@dataclass(frozen=True)
class Job:
    store_path: str  # the resolved store directory, so a swapped-in store is noticed
    text: str
    solutions_format: str  # format key for SELECT/ASK
    graph_format: str  # format key for CONSTRUCT/DESCRIBE
    prefixes: dict[str, str]  # the text is parsed with
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None
    max_rows: int = 10_000
    max_bytes: int = 100 * 1024 * 1024
    #: bound variables (saved-query parameters): {variable: N-Triples term}
    substitutions: dict[str, str] | None = None
    #: prefixes a graph answer is written with (Turtle, TriG); None: ``prefixes``
    output_prefixes: dict[str, str] | None = None
    window: tuple[int, int] | None = None  # rows written (paging), see writers
    base_iri: str | None = None  # relative IRIs in the text resolve against it


class ChunkSink:
    """Buffers writes and sends them to the parent in chunks of about 64 KiB, each made of
    whole writes; the last write stays until ``finish``. The head goes out with the first
    chunk: an answer that never fills one is sent whole, in a single message."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        #: (kind, media type, what makes its closing), set before the first write; None
        #: once sent. The closing is made only for an answer that needs it (a long one).
        self.head: tuple[str, str, Callable[[], bytes | None]] | None = None
        self.buffer = bytearray()
        self.written = 0

    def write(self, data: bytes) -> int:
        if len(self.buffer) >= CHUNK:
            if self.head is not None:
                kind, media, closing = self.head
                self.conn.send(("head", kind, media, closing()))
                self.head = None
            self.conn.send_bytes(b"C" + bytes(self.buffer))
            self.buffer.clear()
        self.buffer += data
        self.written += len(data)
        return len(data)

    def finish(self, outcome: Outcome) -> None:
        cpu = time.thread_time()
        if self.head is not None:
            kind, media, _ = self.head
            body = bytes(self.buffer)
            self.conn.send(("whole", kind, media, body, outcome.rows, outcome.truncated, cpu))
        else:
            self.conn.send_bytes(b"L" + bytes(self.buffer))
            self.conn.send(("end", outcome.rows, outcome.truncated, cpu))
        self.buffer.clear()


def answer(store: EmbeddedStore, job: Job) -> Answer:
    """Evaluate ``job`` (errors raise) and say how its result is written."""
    result = store.query(
        job.text,
        from_ntriples(job.substitutions) if job.substitutions else None,
        prefixes=job.prefixes,
        default_graph=job.default_graph,
        named_graphs=job.named_graphs,
        base_iri=job.base_iri,
    )
    prefixes = job.prefixes if job.output_prefixes is None else job.output_prefixes
    return answer_for(
        result, job.solutions_format, job.graph_format, prefixes, job.max_bytes, job.window
    )


def evaluate(store: EmbeddedStore, job: Job, conn: Connection) -> None:
    """Evaluate ``job`` and send its answer as the module's notes say (errors raise)."""
    how = answer(store, job)
    sink = ChunkSink(conn)
    sink.head = (how.kind, how.media_type, how.closing)
    sink.finish(how.write(sink, job.max_rows))


def failure(err: Exception, text: str) -> str:
    """The message an evaluation error is reported with. When the query may have called
    another endpoint, only the query parser's own messages are passed on: anything else
    may quote that endpoint's answer, which this server must not relay."""
    message = str(err)
    if not _MAY_CALL_OUT.search(text):
        return message if isinstance(err, KgError) else f"{type(err).__name__}: {message}"
    if _PARSER_MESSAGE.fullmatch(message):
        return message
    return (
        f"the query failed while evaluating it ({type(err).__name__}); a SERVICE call or the "
        "answer of the endpoint it called may be the cause, whose text is not shown here: "
        "try the SERVICE part on that endpoint directly"
    )


class _Stores:
    """The store each job names, opened once and shared by the slots; a job naming another
    store (a new build was swapped in) drops the old handle."""

    def __init__(self, warm: str | None) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, EmbeddedStore] = {}
        if warm is not None and Path(warm).is_dir():
            with contextlib.suppress(KgError):
                self._open[warm] = EmbeddedStore.open(Path(warm), read_only=True)

    def get(self, path: str) -> EmbeddedStore:
        with self._lock:
            store = self._open.get(path)
            if store is None:
                self._open.clear()  # queries still on the old one keep their reference
                store = self._open[path] = EmbeddedStore.open(Path(path), read_only=True)
            return store


def _serve(conn: Connection, stores: _Stores) -> None:
    """One slot: serve jobs until the parent closes the connection or sends None."""
    conn.send(("ready", time.thread_time(), threading.get_native_id()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            evaluate(stores.get(job.store_path), job, conn)
        except KgError as err:
            conn.send(("error", type(err).__name__, failure(err, job.text), time.thread_time()))
        except Exception as err:  # evaluation errors: reported, the slot lives on
            conn.send(("error", "QueryError", failure(err, job.text), time.thread_time()))


def main(conns: list[Connection], warm: str | None = None) -> None:
    """Serve each connection in a thread of its own until the parent closes them all.
    ``warm``: a store to open before the first job (opening a large store takes a while;
    a request should not wait for it)."""
    stores = _Stores(warm)
    MemoryTrimmer().start()  # a daemon thread: it ends with the process
    slots = [
        threading.Thread(target=_serve, args=(conn, stores), name=f"kg-slot-{i}", daemon=True)
        for i, conn in enumerate(conns)
    ]
    for slot in slots:
        slot.start()
    for slot in slots:
        slot.join()
