"""The query worker pool on its own, on an on-disk store: when a query's thread has its
priority lowered (CPU the query used, not time it waited), what happens to it afterwards,
and how a process that evaluates several queries at once ends when one of them is
stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest
from pyoxigraph import Literal, NamedNode, Quad

from kg.errors import QueryError, QueryTimeout, StoreError, WorkerCrashed
from kg.sparql.cheap import one_scan
from kg.sparql.pool import WorkerPool
from kg.sparql.slots import cpu_seconds
from kg.sparql.worker import Job
from kg.store import EmbeddedStore
from kg.store.embedded import INLINE_ROWS
from kg.store.interface import Limits

#: 3,000 triples: two patterns give 9 million rows (about a second of CPU), three patterns
#: a query that runs until it is stopped
TRIPLES = 3000
ABOUT_A_SECOND = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
#: a third of that
SHORTER = "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a WHERE { ?a ?b ?c } LIMIT 1000 } ?d ?e ?f }"
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
    """``request.param``: (nice_after, threads per process)."""
    nice_after, threads = getattr(request, "param", (0.3, 1))
    started = WorkerPool(
        size=threads,
        max_size=2 * threads,
        nice_after=nice_after,
        warm=lambda: store_dir,
        threads=threads,
    )
    assert started.wait_ready(60)
    yield started
    started.close()


def job(store_dir: str, text: str) -> Job:
    return Job(
        store_path=store_dir, text=text, solutions_format="json", graph_format="turtle", prefixes={}
    )


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_cpu_seconds_counts_the_threads_work() -> None:
    pid, tid = os.getpid(), threading.get_native_id()
    before = cpu_seconds(pid, tid)
    assert before is not None
    end = time.thread_time() + 0.3
    while time.thread_time() < end:
        pass
    after = cpu_seconds(pid, tid)
    assert after is not None and after - before >= 0.25
    assert cpu_seconds(None, tid) is None and cpu_seconds(pid, None) is None
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert cpu_seconds(gone.pid, gone.pid) is None


def test_a_query_waiting_for_the_cpu_keeps_its_priority_until_it_has_used_it(
    pool: WorkerPool, store_dir: str
) -> None:
    """A stopped worker (as a starved one) uses no CPU: after twice ``nice_after`` of
    waiting its priority is unchanged. Once it runs again and its query has used
    ``nice_after`` seconds of CPU, it is lowered; the time limit still ends it."""
    ((pid, tid),) = pool.idle_threads
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
        assert os.getpriority(os.PRIO_PROCESS, tid) == 0
    finally:
        os.kill(pid, signal.SIGCONT)
    assert wait_for(lambda: os.getpriority(os.PRIO_PROCESS, tid) == 15, timeout=4.0)
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


@pytest.mark.parametrize("pool", [(0.1, 1)], indirect=True)
def test_a_lowered_worker_that_finished_gets_its_priority_back_or_is_retired(
    pool: WorkerPool, store_dir: str
) -> None:
    ((pid, tid),) = pool.idle_threads
    messages = list(pool.stream(job(store_dir, ABOUT_A_SECOND), timeout=30.0))
    assert messages[-1][0] == "end"
    assert str(TRIPLES * TRIPLES).encode() in body(messages)
    assert wait_for(lambda: bool(pool.pids))
    if _may_raise_priority_back():
        assert (pid, tid) in pool.idle_threads
        assert os.getpriority(os.PRIO_PROCESS, tid) == 0
    else:  # it would stay lowered: another worker takes its place
        assert pid not in pool.pids


def body(messages: list[tuple[object, ...]]) -> bytes:
    return b"".join(m[1] for m in messages if m[0] == "chunk")  # type: ignore[misc]


def run_in_thread(
    pool: WorkerPool, store_dir: str, text: str, timeout: float
) -> tuple[threading.Thread, list[object]]:
    """Stream a query in a thread; the list gets its messages, or the exception raised."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(list(pool.stream(job(store_dir, text), timeout=timeout)))
        except Exception as err:
            outcome.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("pool", [(0.2, 2)], indirect=True)
def test_queries_beside_a_stopped_one_finish_before_their_process_ends(
    pool: WorkerPool, store_dir: str
) -> None:
    """Two slots of one process: the first query is stopped at its limit, the one beside it
    finishes within the grace and gets its whole answer; then the process ends and a fresh
    one takes its place. The limit (and so the grace) is 3 s: the query beside needs about
    a third of a second of CPU, which a loaded machine gives it in more than 1 s."""
    (pid,) = pool.pids
    runaway, stopped = run_in_thread(pool, store_dir, RUNAWAY, timeout=3.0)
    time.sleep(0.5)
    beside, finished = run_in_thread(pool, store_dir, SHORTER, timeout=30.0)
    runaway.join(10)
    beside.join(30)
    assert isinstance(stopped[0], QueryTimeout)
    messages = finished[0]
    assert isinstance(messages, list) and messages[-1][0] == "end"
    assert str(1000 * TRIPLES).encode() in body(messages)
    assert wait_for(lambda: not alive(pid))
    assert wait_for(lambda: bool(pool.pids) and pid not in pool.pids)


@pytest.mark.parametrize("pool", [(0.2, 2)], indirect=True)
def test_a_query_still_running_at_the_grace_is_cut_with_a_reason(
    pool: WorkerPool, store_dir: str
) -> None:
    (pid,) = pool.pids
    # a limit of 1.5 s: the second query is surely running beside the first when the first
    # is stopped, even on a loaded machine (with 0.6 s, it sometimes was not yet)
    first, stopped = run_in_thread(pool, store_dir, RUNAWAY, timeout=1.5)
    time.sleep(0.3)
    second, cut = run_in_thread(pool, store_dir, RUNAWAY, timeout=30.0)
    first.join(10)
    second.join(20)  # the grace is the stopped query's limit: 1.5 s after it
    assert isinstance(stopped[0], QueryTimeout)
    assert isinstance(cut[0], WorkerCrashed)
    assert "stopped together with another one that ran past the time limit" in str(cut[0])
    assert wait_for(lambda: not alive(pid))


@pytest.mark.parametrize("pool", [(30.0, 4)], indirect=True)
def test_queries_at_once_share_one_process(pool: WorkerPool, store_dir: str) -> None:
    """Four queries at once run as four threads of the one warm process. No query is
    lowered here (``nice_after`` 30 s): four on two cores can each use more than half a
    second of CPU on a slow machine, and a lowered slot rightly starts another process."""
    (pid,) = pool.pids
    runs = [run_in_thread(pool, store_dir, SHORTER, timeout=30.0) for _ in range(4)]
    for thread, _ in runs:
        thread.join(60)
    for _, outcome in runs:
        assert isinstance(outcome[0], list) and outcome[0][-1][0] == "end"
    assert pool.pids == [pid]
    assert len(pool.idle_threads) == 4
    assert len({tid for _, tid in pool.idle_threads}) == 4  # four threads of one process


# --- from an event loop (uvloop, as `kg serve` runs) -------------------------------------


def test_processes_started_under_load_end_once_idle(store_dir: str) -> None:
    """A pool kept one process warm grows to four under four queries at once, and is back
    to one process, the others ended, ``linger`` seconds after the load (the memory of
    the processes started for it goes back: issue 20's soak)."""
    pool = WorkerPool(size=1, max_size=4, nice_after=30.0, warm=lambda: store_dir, linger=1.0)
    try:
        assert pool.wait_ready(60)
        (warm,) = pool.pids
        runs = [run_in_thread(pool, store_dir, SHORTER, timeout=30.0) for _ in range(4)]
        for thread, _ in runs:
            thread.join(60)
        assert all(isinstance(o[0], list) for _, o in runs)
        grown = set(pool.pids)
        assert len(grown) > 1, "four queries at once should have started more processes"
        assert wait_for(lambda: len(pool.pids) == 1, timeout=15)
        assert wait_for(lambda: not any(alive(p) for p in grown - set(pool.pids)))
        # the one kept is a ready worker: a query is answered at once
        thread, outcome = run_in_thread(pool, store_dir, "ASK {}", timeout=5.0)
        thread.join(10)
        assert isinstance(outcome[0], list) and outcome[0][-1][0] == "end"
        assert warm in grown
    finally:
        pool.close()


#: a text that overflows pyoxigraph's stack: its process dies with SIGSEGV (the web layer
#: refuses it before it gets here, kg.sparql.analysis.check_shape; the pool does not know)
CRASHER = "ASK { FILTER(" + "!" * 10_000 + "true) }"


@pytest.mark.parametrize("pool", [(30.0, 4)], indirect=True)
def test_a_crash_fails_only_the_query_that_caused_it(pool: WorkerPool, store_dir: str) -> None:
    """Three queries run in the one process when a fourth crashes it: the three are run
    again, each alone, and answered in full; the crasher, which crashes its lone process
    too, gets a QueryError that says so (issue 20). The pool is whole afterwards."""
    (pid,) = pool.pids
    innocents = [run_in_thread(pool, store_dir, SHORTER, timeout=30.0) for _ in range(3)]
    assert wait_for(lambda: len(pool.idle_threads) == 1, timeout=10)  # three run in it
    crasher, crashed = run_in_thread(pool, store_dir, CRASHER, timeout=30.0)
    for thread, _ in [*innocents, (crasher, crashed)]:
        thread.join(90)
    assert not alive(pid)
    counts = [o[0][-2][1] for _, o in innocents if isinstance(o[0], list)]
    assert len(counts) == 3, [o for _, o in innocents]
    assert all(b'"value": "3000000"' in c or b"3000000" in c for c in counts), counts
    assert isinstance(crashed[0], QueryError), crashed
    assert "twice" in str(crashed[0]) and "signal 11" in str(crashed[0])
    thread, outcome = run_in_thread(pool, store_dir, "ASK {}", timeout=10.0)
    thread.join(30)
    assert isinstance(outcome[0], list) and outcome[0][-1][0] == "end"


@pytest.mark.parametrize("pool", [(30.0, 2)], indirect=True)
def test_a_process_killed_under_queries_has_them_run_again(
    pool: WorkerPool, store_dir: str
) -> None:
    """The system ends a worker process (here SIGKILL, as the out-of-memory killer does)
    while two queries run in it: both are answered, from a process each of their own."""
    (pid,) = pool.pids
    runs = [run_in_thread(pool, store_dir, SHORTER, timeout=30.0) for _ in range(2)]
    assert wait_for(lambda: pool.pids == [], timeout=10)
    os.kill(pid, signal.SIGKILL)
    for thread, _ in runs:
        thread.join(90)
    assert all(isinstance(o[0], list) and o[0][-1][0] == "end" for _, o in runs), runs


# --- one-scan queries, answered without a worker ------------------------------------------

ONE_SCAN = [
    "SELECT ?o WHERE { <https://example.org/1> <https://example.org/p> ?o }",
    "PREFIX ex: <https://example.org/> SELECT DISTINCT * { ?s ex:p '7' . } LIMIT 5",
    "ASK { <https://example.org/1> a ?t }",
    'SELECT ?s { ?s <https://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#string> }',
]
NOT_ONE_SCAN = [
    "SELECT ?s { ?s ?p ?o }",  # a predicate to scan for is needed
    "SELECT ?s { ?s <p:p> ?s }",  # the same variable twice filters a whole scan
    "SELECT (COUNT(*) AS ?n) { ?s <p:p> ?o }",
    "SELECT ?s { ?s <p:p> ?o } ORDER BY ?s",
    "SELECT ?s { ?s <p:p> ?o } OFFSET 5",
    "SELECT ?s FROM <g:g> { ?s <p:p> ?o }",
    "SELECT ?s { ?s <p:p> ?o . ?o <p:p> ?z }",
    "SELECT ?s { ?s <p:p> ?o FILTER(true) }",
    "SELECT ?s { ?s <p:p>/<p:q> ?o }",
    "SELECT ?s { SERVICE <x:y> { ?s <p:p> ?o } }",
    "CONSTRUCT WHERE { <a:a> <p:p> ?o }",
    "SELECT ?s { ?s <p:p> 'unterminated }",
]


@pytest.mark.parametrize("text", ONE_SCAN)
def test_one_scan_queries_are_recognised(text: str) -> None:
    assert one_scan(text)


@pytest.mark.parametrize("text", NOT_ONE_SCAN)
def test_other_queries_are_not_taken_for_one_scan(text: str) -> None:
    assert not one_scan(text)


def test_a_one_scan_query_is_answered_without_a_worker() -> None:
    """An in-memory store has no query workers: a one-scan query is answered all the same,
    any other is refused (so the first ran in the calling thread)."""
    store = EmbeddedStore.open(None)
    store.raw.add(
        Quad(
            NamedNode("https://example.org/1"),
            NamedNode("https://example.org/p"),
            Literal("one"),
            NamedNode("https://example.org/g"),
        )
    )
    run = store.stream(ONE_SCAN[0])
    assert run.finished and run.rows == 1 and b'"one"' in run.body()
    with pytest.raises(StoreError, match="no query workers"):
        store.stream("SELECT ?o WHERE { ?s ?p ?o }")


def test_one_scan_answers_are_the_workers_bytes_and_big_ones_go_to_them(store_dir: str) -> None:
    """The answer written in the calling thread is byte for byte the worker's, in every
    format; one of more than INLINE_ROWS rows is given up and answered whole by a worker."""
    store = EmbeddedStore.open(Path(store_dir), read_only=True)
    try:
        text = ONE_SCAN[1]
        for fmt in ("json", "xml", "csv", "tsv"):
            here = store.stream(text, solutions_format=fmt).body()
            there = b"".join(
                m[1]  # type: ignore[misc]
                for m in store._workers().stream(
                    replace(job(store_dir, text), solutions_format=fmt), 10.0
                )
                if m[0] == "chunk"
            )
            assert here == there and here
        every = "SELECT ?s { ?s <https://example.org/p> ?o }"
        run = store.stream(every, limits=Limits(max_rows=TRIPLES + 1))
        assert run.body().count(b'"s"') >= TRIPLES > INLINE_ROWS
        assert store._pool is not None  # the workers answered it
    finally:
        store.close()
