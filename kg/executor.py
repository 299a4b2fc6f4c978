"""Queries with limits that hold: each query runs in a worker process that is ended when the
time limit passes, so a runaway query gives its CPU and memory back.

pyoxigraph cannot cancel a running query, and a thread cannot be killed, so the hard limit
needs a process. Workers are kept warm in a pool; a query that has used ``nice_after``
seconds of CPU has its worker's priority lowered, so cheap queries on other workers keep
the CPU while runaways wait for their end. CPU time, not time waited: under load a cheap
query waits for a core, and lowering it then would only slow the queue down. After its
query a lowered worker gets its priority back where the system allows it (root, or a
``RLIMIT_NICE`` that permits it) and is retired otherwise.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from kg.errors import KgError, QueryError
from kg.worker import Job, main

_CTX = get_context("forkserver")
_CTX.set_forkserver_preload(["kg.worker"])
#: workers in a row that failed to start before requests are refused instead of retried
MAX_START_FAILURES = 3
RETRY_START_AFTER = 10.0  # seconds
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user and system) process ``pid`` has used so far, from ``/proc``; None
    where that cannot be read (no ``/proc``, the process is gone)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


class QueryTimeout(KgError):
    """The query ran past the time limit and was stopped."""


class TransferCut(QueryTimeout):
    """The answer was still being sent at the transfer limit and was cut."""


class ServerBusy(KgError):
    """Every worker stayed busy until the time limit."""


class WorkerCrashed(KgError):
    """The worker process died while evaluating the query."""


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    niced: bool = False
    #: CPU seconds the worker had used when it last reported (idle, it uses none)
    cpu: float = 0.0

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def _restore_priority(worker: _Worker) -> bool:
    """Give a lowered worker its normal priority back; False where the system refuses."""
    if worker.process.pid is None:  # never started; 0 would mean this process
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, worker.process.pid, 0)
    except OSError:
        return False
    return True


@dataclass
class QueryRun:
    """A query in flight: its kind and media type, the first chunks of its body, and the
    rest as an iterator. ``rows`` and ``truncated`` are known when the whole body fitted
    in the first chunks (``finished``). ``close`` gives the worker up without reading on."""

    kind: str
    media_type: str
    prefetched: list[bytes] = field(default_factory=list)
    finished: bool = False
    rows: int = 0
    truncated: bool = False
    rest: Iterator[bytes] = field(default_factory=lambda: iter(()))
    close: Callable[[], None] = lambda: None


class WorkerPool:
    def __init__(
        self,
        size: int = 4,
        max_size: int = 16,
        nice_after: float = 0.5,
        warm: Callable[[], str | None] = lambda: None,
        start_limit: float = 60.0,
    ) -> None:
        """``warm`` says which store new workers open before they report ready; a worker
        joins the idle ones only then, so that opening a store never counts against a
        query's time limit. ``start_limit`` bounds how long a worker may take to start."""
        self.size, self.max_size, self.nice_after = size, max_size, nice_after
        self.start_limit = start_limit
        self._warm = warm
        self._idle: list[_Worker] = []
        self._busy = 0
        self._starting = 0  # spawned, not ready yet
        self._waiting = 0  # requests waiting for a worker
        self._niced = 0  # busy workers running long queries at lowered priority
        self._failures = 0  # workers in a row that could not start
        self._failure = ""
        self._failed_at = 0.0
        self._cond = threading.Condition()
        self._closed = False
        with self._cond:
            for _ in range(size):
                self._start_one()

    def _spawn(self) -> _Worker:
        parent, child = _CTX.Pipe()
        process = _CTX.Process(
            target=main, args=(child, self._warm()), daemon=True, name="kg-query-worker"
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def _start_one(self) -> None:
        """Start a worker in the background (call with the lock held)."""
        self._starting += 1
        threading.Thread(target=self._boot, daemon=True, name="kg-worker-start").start()

    def _boot(self) -> None:
        worker: _Worker | None = None
        ready = False
        failure = "it did not report ready"
        try:
            worker = self._spawn()
            if worker.conn.poll(self.start_limit):
                message = worker.conn.recv()
                ready = isinstance(message, tuple) and message[:1] == ("ready",)
                worker.cpu = float(message[1])
        except Exception as err:  # reported to the requests that wait, never a spawn loop
            failure = f"{type(err).__name__}: {err}".splitlines()[0]
        with self._cond:
            self._starting -= 1
            keep = worker is not None and ready and not self._closed
            if keep and worker is not None:
                self._idle.append(worker)
                self._failures = 0
            elif not self._closed:
                self._failures += 1
                self._failure, self._failed_at = failure, time.monotonic()
            self._cond.notify_all()
        if worker is not None and not keep:
            worker.kill()

    def _failing(self) -> bool:
        """Workers keep failing to start: wait a while before trying again (lock held)."""
        recent = time.monotonic() - self._failed_at < RETRY_START_AFTER
        return self._failures >= MAX_START_FAILURES and recent

    def wait_ready(self, timeout: float) -> bool:
        """Wait until no worker is starting any more; True when one is idle."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._starting and not self._closed:
                if not self._cond.wait(max(0.0, deadline - time.monotonic())):
                    break
            return bool(self._idle)

    @property
    def pids(self) -> list[int]:
        with self._cond:
            return [w.process.pid for w in self._idle if w.process.pid is not None]

    def _acquire(self, timeout: float) -> _Worker:
        """An idle, ready worker. Waits up to ``timeout`` while all are busy, and longer
        (up to ``start_limit``) while one is starting."""
        arrived = time.monotonic()
        with self._cond:
            self._waiting += 1
            try:
                while True:
                    if self._closed:
                        raise ServerBusy("the query service is shutting down")
                    if self._idle:
                        self._busy += 1
                        return self._idle.pop()
                    if self._failing() and not self._starting:
                        raise WorkerCrashed(
                            f"the query workers cannot start ({self._failure}); "
                            "the server log says more: try again later"
                        )
                    total = len(self._idle) + self._busy + self._starting
                    if total < self.max_size and self._starting < self._waiting:
                        self._start_one()
                    limit = arrived + (
                        max(timeout, self.start_limit) if self._starting else timeout
                    )
                    remaining = limit - time.monotonic()
                    if remaining <= 0:
                        raise ServerBusy(
                            "the query workers are still starting: try again in a moment"
                            if self._starting
                            else f"all {self.max_size} query workers stayed busy: try again shortly"
                        )
                    self._cond.wait(timeout=remaining)
            finally:
                self._waiting -= 1

    def _release(self, worker: _Worker, healthy: bool) -> None:
        restored = healthy and worker.niced and _restore_priority(worker)
        keep = healthy and (restored or not worker.niced) and not self._closed
        with self._cond:
            self._busy -= 1
            if worker.niced:
                self._niced -= 1
                worker.niced = False
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
            self._replenish()

    def _replenish(self) -> None:
        """Keep ``size`` warm workers for ordinary queries: after a worker was ended, and
        when one starts a long query (it no longer counts), start one in the background;
        it joins the idle ones when it is ready."""
        with self._cond:
            ordinary = len(self._idle) + self._busy + self._starting - self._niced
            total = len(self._idle) + self._busy + self._starting
            if (
                not self._closed
                and ordinary < self.size
                and total < self.max_size
                and not self._failing()
            ):
                self._start_one()

    def stream(
        self, job: Job, timeout: float, transfer_timeout: float | None = None
    ) -> Generator[tuple[object, ...], None, None]:
        """Yield ("head", kind, media), ("chunk", bytes)…, then ("end", rows, truncated).
        Raises QueryError, QueryTimeout or ServerBusy.

        ``timeout`` runs from the moment a ready worker takes the job until the first
        body bytes arrive; from then on the answer may take until ``transfer_timeout``
        (from the same moment) to arrive. A body cut after it started is closed with the
        format's closing note where it has one, and otherwise broken off (raises)."""
        worker = self._acquire(timeout)
        started = time.monotonic()
        deadline = started + timeout
        transfer_deadline = started + max(timeout, transfer_timeout or timeout)
        healthy = False
        body = complete = False
        closing: bytes | None = None
        try:
            worker.conn.send(job)
            while True:
                if not self._wait(worker, started, transfer_deadline if body else deadline):
                    if body:
                        raise TransferCut(
                            f"the answer was still being sent after the "
                            f"{transfer_deadline - started:g} s transfer limit and was cut; "
                            "ask for less (LIMIT, OFFSET) or use the data dumps"
                        )
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
                if raw[:1] in (b"C", b"L"):
                    body = True
                    complete = raw[:1] == b"L"
                    if len(raw) > 1:
                        yield ("chunk", raw[1:])
                    continue
                message = pickle.loads(raw)
                if message[0] in ("error", "end"):
                    worker.cpu = float(message[-1])
                    message = message[:-1]
                if message[0] == "error":
                    healthy = True
                    raise QueryError(message[2])
                if message[0] == "end":
                    healthy = True  # before the yield: the caller may stop iterating here
                    yield message
                    return
                if message[0] == "head":
                    closing = message[3]
                    yield message[:3]
        except KgError:
            if not body:
                raise
            if complete:  # every byte is out; only the end message is missing
                return
            if closing is None:
                raise
            yield ("chunk", closing)
        finally:
            self._release(worker, healthy)

    def _wait(self, worker: _Worker, started: float, deadline: float) -> bool:
        """Wait for the worker's next message; lower its priority once its query has used
        ``nice_after`` seconds of CPU (of time waited, where CPU time cannot be read)."""
        while True:
            now = time.monotonic()
            if now >= deadline:
                return False
            step = deadline - now
            if not worker.niced:
                used = now - started  # a query evaluates on one core: CPU time <= this
                if used >= self.nice_after:
                    cpu = cpu_seconds(worker.process.pid)
                    used = used if cpu is None else cpu - worker.cpu
                if used >= self.nice_after:
                    self._lower(worker)
                    continue
                step = min(step, max(self.nice_after - used, 0.01))
            if worker.conn.poll(step):
                return True

    def _lower(self, worker: _Worker) -> None:
        if worker.process.pid is not None:  # 0 would lower this process
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, worker.process.pid, 15)
        worker.niced = True
        with self._cond:
            self._niced += 1
        self._replenish()

    def start(
        self,
        job: Job,
        timeout: float,
        prefetch: int = 4 * 1024 * 1024,
        transfer_timeout: float | None = None,
    ) -> QueryRun:
        """Run until the head and up to ``prefetch`` bytes of body (or the end) are known.
        Blocking: call it from a thread."""
        messages = self.stream(job, timeout, transfer_timeout)
        head = next(messages)
        run = QueryRun(kind=str(head[1]), media_type=str(head[2]), close=messages.close)
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
