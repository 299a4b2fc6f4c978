"""The parts of the query worker pool (kg.sparql.pool): a worker process, its slots (one
thread each, with a connection of its own), and what is done to them: started from the
fork server, read from, lowered in priority, ended."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess

from kg.errors import WorkerCrashed
from kg.sparql.worker import main

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class ProcessLost(WorkerCrashed):
    """The worker process ended under a query that did not ask for it (a crash, or the
    system ending it): the query itself may be innocent, and can be run again."""


def cpu_seconds(pid: int | None, tid: int | None) -> float | None:
    """CPU time (user and system) thread ``tid`` of process ``pid`` has used so far, from
    ``/proc``; None where that cannot be read (no ``/proc``, the thread is gone)."""
    if pid is None or tid is None:
        return None
    try:
        with open(f"/proc/{pid}/task/{tid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


@dataclass(eq=False)
class WorkerProcess:
    """A worker process, and how many of its slots are running a query."""

    process: BaseProcess
    busy: int = 0
    #: a query in it was stopped, or it broke: it takes no new query and is ended once
    #: the queries in it are done
    doomed: bool = False
    #: when its last query ended (``time.monotonic``), for ending processes idle too long
    idle_since: float = field(default_factory=time.monotonic)
    #: the pool ended it (a query in it ran past its limit, or it was not needed)
    ended: bool = False

    def kill(self) -> None:
        self.ended = True
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)

    def how_it_ended(self) -> str:
        """The process's end in words, for a message ("killed by signal 11")."""
        self.process.join(1)
        code = self.process.exitcode
        if code is None:
            return "it stopped answering"
        if code < 0:
            return f"killed by signal {-code}"
        return f"exit status {code}"


@dataclass(eq=False)
class Slot:
    """A slot: one thread of a worker process, with a connection of its own."""

    host: WorkerProcess
    conn: Connection
    tid: int | None = None  # the thread's id, for its priority and CPU time
    niced: bool = False
    #: CPU seconds the thread had used when it last reported (idle, it uses none)
    cpu: float = 0.0

    @property
    def pid(self) -> int | None:
        return self.host.process.pid


def spawn(ctx: ForkServerContext, threads: int, store: str | None) -> list[Slot]:
    """A new worker process of ``threads`` slots that opens ``store`` before it reports
    ready (each slot sends ("ready", cpu, thread id))."""
    pipes = [ctx.Pipe() for _ in range(threads)]
    process = ctx.Process(
        target=main,
        args=([child for _, child in pipes], store),
        daemon=True,
        name="kg-query-worker",
    )
    process.start()
    host = WorkerProcess(process)
    for _, child in pipes:
        child.close()
    return [Slot(host, parent) for parent, _ in pipes]


def await_ready(slot: Slot, deadline: float) -> bool:
    """Wait for the slot's ready message until ``deadline`` (``time.monotonic``); False
    too when its process ended before it was ready."""
    try:
        if not slot.conn.poll(max(0.0, deadline - time.monotonic())):
            return False
        message = slot.conn.recv()
    except (EOFError, OSError):
        return False
    if not (isinstance(message, tuple) and message[:1] == ("ready",)):
        return False
    slot.cpu, slot.tid = float(message[1]), int(message[2])
    return True


def set_priority(worker: Slot, value: int) -> bool:
    """Set the slot's thread's nice value; False where the system refuses. Never touches
    this process (a missing id would mean it)."""
    if worker.tid is None or worker.pid is None:
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, worker.tid, value)
    except OSError:
        return False
    return True


def receive(worker: Slot) -> bytes:
    """The slot's next message. WorkerCrashed when its process was ended because another
    query in it ran past the time limit; ProcessLost when it ended on its own."""
    try:
        return worker.conn.recv_bytes()
    except (EOFError, OSError):
        if worker.host.ended:
            raise WorkerCrashed(
                "the query was stopped together with another one that ran past the time "
                "limit; try again"
            ) from None
        raise ProcessLost(
            f"the query worker process ended unexpectedly ({worker.host.how_it_ended()})"
        ) from None


def end(host: WorkerProcess, slots: list[Slot]) -> None:
    """End a worker process and close the given slots' connections."""
    host.kill()
    for slot in slots:
        slot.conn.close()
