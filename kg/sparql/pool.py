"""Queries with limits that hold: each query runs in a worker process that is ended when the
time limit passes, so a runaway query gives its CPU and memory back.

pyoxigraph cannot cancel a running query, and a thread cannot be killed, so the hard limit
needs a process. A worker process evaluates up to ``threads`` queries at once, one per
thread (a *slot*), on one read-only store: pyoxigraph evaluates without the GIL, and
queries side by side in one process share the store's block cache, which separate
processes cannot (eight copies of an aggregate: 12 a second as eight threads, 7.4 as eight
processes, on two cores). Slots are kept warm in a pool.

- A query that has used ``nice_after`` seconds of CPU has its thread's priority lowered
  (Linux keeps a nice value per thread), so cheap queries keep the CPU while runaways wait
  for their end. CPU time, not time waited: under load a cheap query waits for a core, and
  lowering it then would only slow the queue down. After its query the thread gets its
  priority back where the system allows it (root, or ``RLIMIT_NICE``); elsewhere the slot
  is closed, its thread ends, and its process keeps the other slots.
- A query stopped at the time limit, or given up before its answer was read, *dooms* its
  process (its thread may still be evaluating, and only ending the process stops it):
  it takes no new query, a fresh one is started, and it is ended as soon as the queries
  still running in it are done, or ``timeout`` seconds later at the most, whichever comes
  first. Queries beside a runaway started before it was stopped; only those still running
  at that grace's end are cut.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections.abc import Callable, Generator
from multiprocessing import get_context
from multiprocessing.context import ForkServerContext
from typing import cast

from kg.errors import BY_NAME, KgError, QueryError, ServerBusy, WorkerCrashed
from kg.sparql.slots import (
    ProcessLost,
    Slot,
    WorkerProcess,
    await_ready,
    cpu_seconds,
    end,
    receive,
    set_priority,
    spawn,
)
from kg.sparql.worker import Job
from kg.store.interface import overrun

#: queries run again, each alone in a process of its own, after a worker process ended
#: under them (a crash beside them fails only the query that caused it)
ALONE = 4
#: workers in a row that failed to start before requests are refused instead of retried
MAX_START_FAILURES = 3
RETRY_START_AFTER = 10.0  # seconds


def _context() -> ForkServerContext:
    """Worker processes come from a fork server that has imported the worker's modules
    (a fork of the web process would copy its threads' state). Set up when a pool starts,
    not at import time."""
    ctx = cast(ForkServerContext, get_context("forkserver"))
    ctx.set_forkserver_preload(["kg.sparql.worker"])
    return ctx


class WorkerPool:
    def __init__(
        self,
        size: int = 4,
        max_size: int = 16,
        nice_after: float = 0.5,
        warm: Callable[[], str | None] = lambda: None,
        start_limit: float = 60.0,
        threads: int = 1,
        linger: float = 30.0,
    ) -> None:
        """``size`` slots are kept warm, ``max_size`` run at most, in processes of
        ``threads`` slots each (both rounded up to whole processes). ``warm`` says which
        store new workers open before they report ready; a slot joins the idle ones only
        then, so that opening a store never counts against a query's time limit.
        ``start_limit`` bounds how long a worker may take to start. A process started
        under load beyond the ``size`` kept warm is ended once it has run nothing for
        ``linger`` seconds: its memory goes back when the load does."""
        self.threads = max(1, threads)
        self.size = -(-max(1, size) // self.threads) * self.threads
        self.max_size = max(self.size, -(-max_size // self.threads) * self.threads)
        self.nice_after = nice_after
        self.start_limit = start_limit
        self._warm = warm
        self._idle: list[Slot] = []
        self._busy = 0
        self._starting = 0  # slots of processes spawned, not ready yet
        self._waiting = 0  # requests waiting for a slot
        self._niced = 0  # busy slots running long queries at lowered priority
        self._failures = 0  # workers in a row that could not start
        self._failure = ""
        self._failed_at = 0.0
        self._cond = threading.Condition()
        self._closed = False
        self._ctx = _context()
        self.linger = linger
        self._reaper_stop = threading.Event()
        #: queries run again alone after their process was lost, at most this many at once
        self._alone = threading.BoundedSemaphore(ALONE)
        with self._cond:
            for _ in range(self.size // self.threads):
                self._start_one()
        threading.Thread(target=self._reap_idle, daemon=True, name="kg-worker-reaper").start()

    def _reap_idle(self) -> None:
        """End processes beyond the warm ones that have been idle for ``linger``."""
        # its own event: a wait on the pool's condition could take a notification meant
        # for a request waiting for a slot
        while not self._reaper_stop.wait(max(self.linger / 3, 0.05)):
            with self._cond:
                ended = [] if self._closed else self._idle_too_long()
            for host, slots in ended:
                end(host, slots)

    def _idle_too_long(self) -> list[tuple[WorkerProcess, list[Slot]]]:
        """Take out of the pool the idle processes not needed warm (lock held)."""
        now = time.monotonic()
        total = len(self._idle) + self._busy + self._starting
        by_host: dict[int, tuple[WorkerProcess, list[Slot]]] = {}
        for slot in self._idle:
            by_host.setdefault(id(slot.host), (slot.host, []))[1].append(slot)
        ended = []
        for host, slots in sorted(by_host.values(), key=lambda hs: hs[0].idle_since):
            if host.busy or host.doomed or now - host.idle_since < self.linger:
                continue
            if total - len(slots) < self.size:
                break
            total -= len(slots)
            host.doomed = True
            ended.append((host, slots))
        if ended:
            gone = {id(host) for host, _ in ended}
            self._idle = [w for w in self._idle if id(w.host) not in gone]
        return ended

    def _start_one(self) -> None:
        """Start a worker process in the background (call with the lock held)."""
        self._starting += self.threads
        threading.Thread(target=self._boot, daemon=True, name="kg-worker-start").start()

    def _boot(self) -> None:
        slots: list[Slot] = []
        ready = 0
        failure = "it did not report ready"
        try:
            slots = spawn(self._ctx, self.threads, self._warm())
            deadline = time.monotonic() + self.start_limit
            for slot in slots:
                if not await_ready(slot, deadline):
                    break
                ready += 1
        except Exception as err:  # reported to the requests that wait, never a spawn loop
            failure = f"{type(err).__name__}: {err}".splitlines()[0]
        with self._cond:
            self._starting -= self.threads
            keep = bool(slots) and ready == len(slots) and not self._closed
            if keep:
                self._idle.extend(slots)
                self._failures = 0
            elif not self._closed:
                self._failures += 1
                self._failure, self._failed_at = failure, time.monotonic()
            self._cond.notify_all()
        if slots and not keep:
            end(slots[0].host, slots)

    def _failing(self) -> bool:
        """Workers keep failing to start: wait a while before trying again (lock held)."""
        recent = time.monotonic() - self._failed_at < RETRY_START_AFTER
        return self._failures >= MAX_START_FAILURES and recent

    def wait_ready(self, timeout: float) -> bool:
        """Wait until no worker is starting any more; True when a slot is idle."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._starting and not self._closed:
                if not self._cond.wait(max(0.0, deadline - time.monotonic())):
                    break
            return bool(self._idle)

    @property
    def pids(self) -> list[int]:
        """The worker processes with an idle slot."""
        with self._cond:
            return sorted({w.pid for w in self._idle if w.pid is not None})

    @property
    def idle_threads(self) -> list[tuple[int, int]]:
        """(process, thread) of each idle slot, the one the next query takes first."""
        with self._cond:
            order = sorted(self._idle, key=self._preference)
            return [(w.pid, w.tid) for w in order if w.pid is not None and w.tid is not None]

    @staticmethod
    def _preference(worker: Slot) -> int:
        """Fill the busiest process first: queries side by side share its caches."""
        return -worker.host.busy

    def _acquire(self, timeout: float) -> Slot:
        """An idle, ready slot. Waits up to ``timeout`` while all are busy, and longer
        (up to ``start_limit``) while a worker is starting."""
        arrived = time.monotonic()
        with self._cond:
            self._waiting += 1
            try:
                while True:
                    if self._closed:
                        raise ServerBusy("the query service is shutting down")
                    if self._idle:
                        return self._take_idle()
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
                            else f"the server is already running as many queries as it can "
                            f"({self.max_size}): try again shortly"
                        )
                    self._cond.wait(timeout=remaining)
            finally:
                self._waiting -= 1

    def _take_idle(self) -> Slot:
        """The idle slot the next query takes, now busy (lock held, an idle slot exists)."""
        worker = min(self._idle, key=self._preference)
        self._idle.remove(worker)
        self._busy += 1
        worker.host.busy += 1
        return worker

    def _release(self, worker: Slot, healthy: bool, grace: float) -> None:
        """Give the slot back after its query. A query that did not end well dooms its
        process: ended now if nothing else runs in it, else when the rest is done or
        ``grace`` seconds from now, whichever is first."""
        restored = healthy and worker.niced and set_priority(worker, 0)
        # a thread that must stay lowered leaves the pool alone: its connection is closed,
        # it ends, and its process keeps its other slots
        lowered_for_good = healthy and worker.niced and not restored
        host = worker.host
        end_now = False
        dropped: list[Slot] = []
        with self._cond:
            self._busy -= 1
            host.busy -= 1
            if not host.busy:
                host.idle_since = time.monotonic()
            if worker.niced:
                self._niced -= 1
                worker.niced = False
            if (not healthy or self._closed) and not host.doomed:
                host.doomed = True
                dropped = [w for w in self._idle if w.host is host]
                self._idle = [w for w in self._idle if w.host is not host]
                if host.busy:
                    timer = threading.Timer(grace, end, (host, []))
                    timer.daemon = True
                    timer.start()
            if host.doomed:
                dropped.append(worker)
                end_now = host.busy == 0
            elif lowered_for_good:
                dropped.append(worker)
            else:
                self._idle.append(worker)
            self._cond.notify()
        if end_now:
            end(host, dropped)
        else:
            for slot in dropped:
                slot.conn.close()
        if dropped:
            self._replenish()

    def _replenish(self) -> None:
        """Keep ``size`` warm slots for ordinary queries: after a worker was ended or
        doomed, and when a slot starts a long query (it no longer counts), start a worker
        in the background; its slots join the idle ones when it is ready."""
        with self._cond:
            ordinary = len(self._idle) + self._busy + self._starting - self._niced
            total = len(self._idle) + self._busy + self._starting
            if (
                not self._closed
                and ordinary < self.size
                and total + self.threads <= self.max_size
                and not self._failing()
            ):
                self._start_one()

    def stream(
        self,
        job: Job,
        timeout: float,
        transfer_timeout: float | None = None,
    ) -> Generator[tuple[object, ...], None, None]:
        """Yield ("head", kind, media), ("chunk", bytes)…, then ("end", rows, truncated).
        Raises QueryError, QueryTimeout, ServerBusy or WorkerCrashed.

        ``timeout`` runs from the moment a ready worker takes the job until the first
        body bytes arrive; from then on the answer may take until ``transfer_timeout``
        (from the same moment) to arrive. A body cut after it started is closed with the
        format's closing note where it has one, and otherwise broken off (raises). An
        error the worker reports arrives as its own type (kg.errors.BY_NAME).

        Queries share a process, so a query that crashes it takes the others with it. A
        query whose process ended under it before any of its body came is run again, alone
        in a fresh process: the innocent ones are answered, and the one that crashes its
        process twice gets a QueryError saying so."""
        worker = self._acquire(timeout)
        head = False
        try:
            for message in self._exchange(worker, job, timeout, transfer_timeout):
                if message[0] != "head":
                    head = True  # any body: too late to run it again
                yield message
            return
        except ProcessLost as lost:
            if head:
                raise
            first = lost
        yield from self._run_alone(job, timeout, transfer_timeout, first)

    def _run_alone(
        self, job: Job, timeout: float, transfer_timeout: float | None, lost: ProcessLost
    ) -> Generator[tuple[object, ...], None, None]:
        """Run ``job`` again in a process of its own, ended after it."""
        if not self._alone.acquire(blocking=False):
            raise WorkerCrashed(f"{lost}, with every query it was running: try again")
        try:
            slot = spawn(self._ctx, 1, self._warm())[0]
            if not await_ready(slot, time.monotonic() + self.start_limit):
                end(slot.host, [slot])
                raise WorkerCrashed(f"{lost}, and no fresh one could start: try again")
            try:
                yield from self._exchange(slot, job, timeout, transfer_timeout, alone=True)
            except ProcessLost as again:
                raise QueryError(
                    f"the query engine stopped while evaluating this query, twice: "
                    f"{again}, even when it ran alone. It cannot be answered here; a "
                    "simpler or smaller query may be"
                ) from None
        finally:
            self._alone.release()

    def _exchange(
        self,
        worker: Slot,
        job: Job,
        timeout: float,
        transfer_timeout: float | None,
        alone: bool = False,
    ) -> Generator[tuple[object, ...], None, None]:
        """Send ``job`` to ``worker`` and yield its answer's messages; give the slot back
        after (``alone``: end its process)."""
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
                    raise overrun(body, timeout, transfer_deadline - started)
                raw = receive(worker)
                if raw[:1] in (b"C", b"L"):
                    body = True
                    complete = raw[:1] == b"L"
                    if len(raw) > 1:
                        yield ("chunk", raw[1:])
                    continue
                message = pickle.loads(raw)
                if message[0] in ("error", "end", "whole"):
                    worker.cpu = float(message[-1])
                    message = message[:-1]
                if message[0] == "error":
                    healthy = True
                    raise BY_NAME.get(str(message[1]), QueryError)(message[2])
                if message[0] == "whole":  # head, the whole body and the end in one
                    healthy = True
                    yield ("head", *message[1:3])
                    yield ("chunk", message[3])
                    yield ("end", *message[4:])
                    return
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
            if alone:
                end(worker.host, [worker])
            else:
                self._release(worker, healthy, timeout)

    def _wait(self, worker: Slot, started: float, deadline: float) -> bool:
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
                    cpu = cpu_seconds(worker.pid, worker.tid)
                    used = used if cpu is None else cpu - worker.cpu
                if used >= self.nice_after:
                    self._lower(worker)
                    continue
                step = min(step, max(self.nice_after - used, 0.01))
            if worker.conn.poll(step):
                return True

    def _lower(self, worker: Slot) -> None:
        set_priority(worker, 15)
        worker.niced = True
        with self._cond:
            self._niced += 1
        self._replenish()

    def close(self) -> None:
        """End every worker process; one running a query ends when the query is done."""
        hosts: dict[int, tuple[WorkerProcess, list[Slot]]] = {}
        self._reaper_stop.set()
        with self._cond:
            self._closed = True
            for worker in self._idle:
                hosts.setdefault(id(worker.host), (worker.host, []))[1].append(worker)
                worker.host.doomed = True  # a busy one ends when its last query is done
            self._idle = []
            self._cond.notify_all()
        for host, slots in hosts.values():
            if host.busy:
                for slot in slots:
                    slot.conn.close()
            else:
                end(host, slots)
