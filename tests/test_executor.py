"""The query worker pool on its own, on an on-disk store: when a query's worker has its
priority lowered (CPU the query used, not time it waited) and what happens to that worker
afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from kg.executor import QueryTimeout, WorkerPool, cpu_seconds
from kg.store import EmbeddedStore
from kg.worker import Job

#: 3,000 triples: two patterns give 9 million rows (about a second of CPU), three patterns
#: a query that runs until it is stopped
TRIPLES = 3000
ABOUT_A_SECOND = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("executor") / "store"
    store = EmbeddedStore.open(path)
    graph = NamedNode("https://example.org/graph")
    store.raw.extend(
        Quad(
            NamedNode(f"https://example.org/{i}"),
            NamedNode("https://example.org/p"),
            Literal(str(i)),
            graph,
        )
        for i in range(TRIPLES)
    )
    store.raw.flush()
    del store
    return str(path)


@pytest.fixture
def pool(store_dir: str, request: pytest.FixtureRequest) -> Iterator[WorkerPool]:
    nice_after = getattr(request, "param", 0.3)
    started = WorkerPool(size=1, max_size=2, nice_after=nice_after, warm=lambda: store_dir)
    assert started.wait_ready(60)
    yield started
    started.close()


def job(store_dir: str, text: str) -> Job:
    return Job(
        store_path=store_dir, text=text, solutions_format="json", graph_format="turtle", prefixes={}
    )


def wait_for(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_cpu_seconds_counts_the_processes_work() -> None:
    before = cpu_seconds(os.getpid())
    assert before is not None
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    after = cpu_seconds(os.getpid())
    assert after is not None and after - before >= 0.25
    assert cpu_seconds(None) is None
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert cpu_seconds(gone.pid) is None


def test_a_query_waiting_for_the_cpu_keeps_its_priority_until_it_has_used_it(
    pool: WorkerPool, store_dir: str
) -> None:
    """A stopped worker (as a starved one) uses no CPU: after twice ``nice_after`` of
    waiting its priority is unchanged. Once it runs again and its query has used
    ``nice_after`` seconds of CPU, it is lowered; the time limit still ends it."""
    (pid,) = pool.pids
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            for _ in pool.stream(job(store_dir, RUNAWAY), timeout=5.0):
                pass
            outcome.append(None)
        except BaseException as err:
            outcome.append(err)

    runner = threading.Thread(target=run)
    runner.start()
    time.sleep(0.1)
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(2 * 0.3 + 0.3)
        assert os.getpriority(os.PRIO_PROCESS, pid) == 0
    finally:
        os.kill(pid, signal.SIGCONT)
    assert wait_for(lambda: os.getpriority(os.PRIO_PROCESS, pid) == 15, timeout=4.0)
    runner.join(15)
    assert len(outcome) == 1 and isinstance(outcome[0], QueryTimeout)


def _may_raise_priority_back() -> bool:
    """Whether this system lets this process give a lowered process its priority back."""
    child = subprocess.Popen(["sleep", "5"])
    try:
        os.setpriority(os.PRIO_PROCESS, child.pid, 15)
        os.setpriority(os.PRIO_PROCESS, child.pid, 0)
        return True
    except PermissionError:
        return False
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize("pool", [0.1], indirect=True)
def test_a_lowered_worker_that_finished_gets_its_priority_back_or_is_retired(
    pool: WorkerPool, store_dir: str
) -> None:
    (pid,) = pool.pids
    messages = list(pool.stream(job(store_dir, ABOUT_A_SECOND), timeout=30.0))
    assert messages[-1][0] == "end"
    body = b"".join(m[1] for m in messages if m[0] == "chunk")  # type: ignore[misc]
    assert str(TRIPLES * TRIPLES).encode() in body
    assert wait_for(lambda: bool(pool.pids))
    if _may_raise_priority_back():
        assert pid in pool.pids
        assert os.getpriority(os.PRIO_PROCESS, pid) == 0
    else:  # it would stay lowered: another worker takes its place
        assert pid not in pool.pids
