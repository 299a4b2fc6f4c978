"""One-scan queries answered in the server process (kg.inline): the same bytes a query worker
sends for the same job, and no answer at all (the workers take over) when the query reads
more than the inline cap."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from kg.errors import QueryError
from kg.sparql.analysis import analyse
from kg.sparql.inline import INLINE_ROWS, Scan, answer_scan
from kg.sparql.inline import scan_of as one_scan
from kg.sparql.pool import WorkerPool
from kg.sparql.worker import Job
from kg.store import EmbeddedStore

EX = "https://example.org/"
#: more subjects than the inline cap, one of them with labels in three languages
SUBJECTS = 2 * INLINE_ROWS


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("inline") / "store"
    store = EmbeddedStore.open(path)
    graph, other = NamedNode(EX + "graph"), NamedNode(EX + "other")
    label = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    quads = [
        Quad(NamedNode(f"{EX}{i}"), NamedNode(EX + "p"), Literal(str(i)), graph)
        for i in range(SUBJECTS)
    ]
    quads += [
        Quad(NamedNode(EX + "hub"), label, Literal('Maison "d\'Europe"', language="fr"), graph),
        Quad(NamedNode(EX + "hub"), label, Literal("Huis van Europa", language="nl"), graph),
        Quad(NamedNode(EX + "hub"), label, Literal("House\tof\nEurope", language="en"), other),
        Quad(
            NamedNode(EX + "hub"),
            NamedNode(EX + "size"),
            Literal("12", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            other,
        ),
    ]
    store.raw.extend(quads)
    store.raw.flush()
    del store
    return str(path)


@pytest.fixture(scope="module")
def store(store_dir: str) -> EmbeddedStore:
    return EmbeddedStore.open(Path(store_dir), read_only=True)


@pytest.fixture(scope="module")
def pool(store_dir: str) -> Iterator[WorkerPool]:
    started = WorkerPool(size=1, max_size=1, warm=lambda: store_dir)
    assert started.wait_ready(60)
    yield started
    started.close()


def job(store_dir: str, text: str, fmt: str = "json", max_rows: int = 10_000) -> Job:
    analysis = analyse(text, {"skos": "http://www.w3.org/2004/02/skos/core#"})
    return Job(
        store_path=store_dir,
        text=analysis.text,
        solutions_format=fmt,
        graph_format="turtle",
        prefixes={"skos": "http://www.w3.org/2004/02/skos/core#"},
        max_rows=max_rows,
    )


def scan_of(text: str) -> Scan:
    scan = one_scan(text)
    assert scan is not None
    return scan


def from_worker(pool: WorkerPool, request: Job) -> tuple[str, bytes, int, bool]:
    messages = list(pool.stream(request, timeout=30.0))
    head, end = messages[0], messages[-1]
    body = b"".join(m[1] for m in messages if m[0] == "chunk")  # type: ignore[misc]
    return str(head[2]), body, int(end[1]), bool(end[2])  # type: ignore[call-overload]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize(
    "text",
    [
        f"SELECT ?label WHERE {{ <{EX}hub> skos:prefLabel ?label }}",
        f"SELECT * {{ <{EX}hub> ?p ?o }}",
        f"SELECT ?nothing ?o {{ <{EX}hub> <{EX}size> ?o }}",
        f"SELECT * {{ ?s <{EX}p> ?o }} LIMIT 7 OFFSET 20",
        f"ASK {{ <{EX}hub> ?p ?o }}",
        f"ASK {{ <{EX}nobody> ?p ?o }}",
    ],
)
def test_the_answer_is_the_workers_answer_byte_for_byte(
    store: EmbeddedStore, store_dir: str, pool: WorkerPool, text: str, fmt: str
) -> None:
    request = job(store_dir, text, fmt)
    run = answer_scan(store, request, scan_of(text))
    assert run is not None and run.finished
    media, body, rows, truncated = from_worker(pool, request)
    assert (run.media_type, b"".join(run.prefetched), run.rows, run.truncated) == (
        media,
        body,
        rows,
        truncated,
    )


def test_more_rows_than_the_cap_go_to_the_workers(store: EmbeddedStore, store_dir: str) -> None:
    text = f"SELECT * {{ ?s <{EX}p> ?o }}"
    assert answer_scan(store, job(store_dir, text), scan_of(text)) is None
    within = f"SELECT * {{ ?s <{EX}p> ?o }} LIMIT {INLINE_ROWS}"
    run = answer_scan(store, job(store_dir, within), scan_of(within))
    assert run is not None and run.rows == INLINE_ROWS and not run.truncated
    skipping = f"SELECT * {{ ?s <{EX}p> ?o }} LIMIT 1 OFFSET {INLINE_ROWS + 1}"
    assert answer_scan(store, job(store_dir, skipping), scan_of(skipping)) is None


def test_a_job_with_its_own_dataset_goes_to_the_workers(
    store: EmbeddedStore, store_dir: str
) -> None:
    text = f"SELECT ?l {{ <{EX}hub> ?p ?l }}"
    assert answer_scan(store, job(store_dir, text), scan_of(text)) is not None
    plain = job(store_dir, text)
    for request in (
        dataclasses.replace(plain, default_graph=[EX + "other"]),
        dataclasses.replace(plain, named_graphs=[EX + "graph"]),
    ):
        assert answer_scan(store, request, scan_of(text)) is None, request


def test_a_row_cap_below_the_inline_cap_truncates_as_the_workers_do(
    store: EmbeddedStore, store_dir: str, pool: WorkerPool
) -> None:
    text = f"SELECT * {{ ?s <{EX}p> ?o }}"
    request = job(store_dir, text, max_rows=10)
    run = answer_scan(store, request, scan_of(text))
    assert run is not None and run.rows == 10 and run.truncated
    assert b"".join(run.prefetched) == from_worker(pool, request)[1]


def test_errors_are_worded_as_a_workers(
    store: EmbeddedStore, store_dir: str, pool: WorkerPool
) -> None:
    text = "SELECT ?o { nope:a ?p ?o }"
    request = dataclasses.replace(job(store_dir, text), prefixes={})
    with pytest.raises(QueryError) as inline:
        answer_scan(store, request, scan_of(text))
    with pytest.raises(QueryError) as worker:
        from_worker(pool, request)
    assert str(inline.value) == str(worker.value)
    assert str(inline.value).startswith("error at 1:")  # where the undeclared prefix is
