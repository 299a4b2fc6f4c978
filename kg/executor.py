"""Queries with limits that hold: each query runs in a worker process that is ended when the
time limit passes, so a runaway query gives its CPU and memory back.

pyoxigraph cannot cancel a running query, and a thread cannot be killed, so the hard limit
needs a process. Workers are kept warm in a pool; a query that runs past ``nice_after``
seconds has its worker's priority lowered, so cheap queries on other workers keep the CPU
while runaways wait for their end; a lowered worker is retired after its query.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from kg.errors import KgError, QueryError
from kg.worker import Job, main

_CTX = get_context("forkserver")
_CTX.set_forkserver_preload(["kg.worker"])


class QueryTimeout(KgError):
    """The query ran past the time limit and was stopped."""


class ServerBusy(KgError):
    """Every worker stayed busy until the time limit."""


class WorkerCrashed(KgError):
    """The worker process died while evaluating the query."""


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    niced: bool = False

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


@dataclass
class QueryRun:
    """A query in flight: its kind and media type, the first chunks of its body, and the
    rest as an iterator. ``rows`` and ``truncated`` are known when the whole body fitted
    in the first chunks (``finished``)."""

    kind: str
    media_type: str
    prefetched: list[bytes] = field(default_factory=list)
    finished: bool = False
    rows: int = 0
    truncated: bool = False
    rest: Iterator[bytes] = field(default_factory=lambda: iter(()))


class WorkerPool:
    def __init__(
        self,
        size: int = 4,
        max_size: int = 16,
        nice_after: float = 0.5,
        warm: Callable[[], str | None] = lambda: None,
    ) -> None:
        """``warm`` says which store new workers open before their first query."""
        self.size, self.max_size, self.nice_after = size, max_size, nice_after
        self._warm = warm
        self._idle: list[_Worker] = []
        self._busy = 0
        self._niced = 0  # busy workers running long queries at lowered priority
        self._cond = threading.Condition()
        self._closed = False
        for _ in range(size):
            self._idle.append(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = _CTX.Pipe()
        process = _CTX.Process(
            target=main, args=(child, self._warm()), daemon=True, name="kg-query-worker"
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    @property
    def pids(self) -> list[int]:
        with self._cond:
            return [w.process.pid for w in self._idle if w.process.pid is not None]

    def _acquire(self, deadline: float) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise ServerBusy("the query service is shutting down")
                if self._idle:
                    self._busy += 1
                    return self._idle.pop()
                if self._busy < self.max_size:
                    self._busy += 1
                    break
                if not self._cond.wait(timeout=max(0.0, deadline - time.monotonic())):
                    raise ServerBusy(
                        f"all {self.max_size} query workers stayed busy: try again shortly"
                    )
        try:
            return self._spawn()
        except BaseException:
            with self._cond:
                self._busy -= 1
                self._cond.notify()
            raise

    def _release(self, worker: _Worker, healthy: bool) -> None:
        keep = healthy and not worker.niced and not self._closed
        with self._cond:
            self._busy -= 1
            if worker.niced:
                self._niced -= 1
            # workers started under load stay warm (up to max_size): starting one costs
            # tens of milliseconds, keeping one costs a store handle
            if keep and len(self._idle) < self.max_size:
                self._idle.append(worker)
                keep = True
            else:
                keep = False
            self._cond.notify()
        if not keep:
            worker.kill()
            threading.Thread(target=self._replenish, daemon=True).start()

    def _replenish(self) -> None:
        """Keep ``size`` warm workers for ordinary queries: after a worker was ended, and
        when one starts a long query (it no longer counts), start one in the background."""
        with self._cond:
            ordinary = len(self._idle) + self._busy - self._niced
            if (
                self._closed
                or ordinary >= self.size
                or self._busy + len(self._idle) >= self.max_size
            ):
                return
        worker = self._spawn()
        with self._cond:
            if self._closed or len(self._idle) >= self.size:
                keep = False
            else:
                self._idle.append(worker)
                keep = True
                self._cond.notify()
        if not keep:
            worker.kill()

    def stream(self, job: Job, timeout: float) -> Iterator[tuple[object, ...]]:
        """Yield ("head", kind, media), ("chunk", bytes)…, then ("end", rows, truncated).
        Raises QueryError, QueryTimeout or ServerBusy."""
        started = time.monotonic()
        deadline = started + timeout
        worker = self._acquire(deadline)
        healthy = False
        try:
            worker.conn.send(job)
            while True:
                if not self._wait(worker, started, deadline):
                    raise QueryTimeout(
                        f"the query ran longer than the {timeout:g} s limit and was stopped; "
                        "narrow it down (LIMIT, more specific patterns) or use the data dumps"
                    )
                try:
                    raw = worker.conn.recv_bytes()
                except (EOFError, OSError):
                    raise WorkerCrashed(
                        "the query worker ended unexpectedly (out of memory?); try a smaller query"
                    ) from None
                if raw[:1] == b"C":
                    yield ("chunk", raw[1:])
                    continue
                message = pickle.loads(raw)
                if message[0] == "error":
                    healthy = True
                    raise QueryError(message[2])
                if message[0] == "end":
                    healthy = True  # before the yield: the caller may stop iterating here
                    yield message
                    return
                yield message
        finally:
            self._release(worker, healthy)

    def _wait(self, worker: _Worker, started: float, deadline: float) -> bool:
        """Wait for the worker's next message; lower its priority once it runs long."""
        while True:
            now = time.monotonic()
            if now >= deadline:
                return False
            if not worker.niced and now - started < self.nice_after:
                step = min(deadline, started + self.nice_after) - now
            else:
                step = deadline - now
            if worker.conn.poll(step):
                return True
            if not worker.niced and time.monotonic() - started >= self.nice_after:
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, worker.process.pid or 0, 15)
                worker.niced = True
                with self._cond:
                    self._niced += 1
                threading.Thread(target=self._replenish, daemon=True).start()

    def start(self, job: Job, timeout: float, prefetch: int = 4 * 1024 * 1024) -> QueryRun:
        """Run until the head and up to ``prefetch`` bytes of body (or the end) are known.
        Blocking: call it from a thread."""
        messages = self.stream(job, timeout)
        head = next(messages)
        run = QueryRun(kind=str(head[1]), media_type=str(head[2]))
        size = 0
        for message in messages:
            if message[0] == "chunk":
                chunk = message[1]
                assert isinstance(chunk, bytes)
                run.prefetched.append(chunk)
                size += len(chunk)
                if size >= prefetch:
                    break
            else:  # end
                run.finished = True
                run.rows, run.truncated = int(str(message[1])), bool(message[2])
                return run
        run.rest = (m[1] for m in messages if m[0] == "chunk")  # type: ignore[misc]
        return run

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for worker in idle:
            worker.kill()
