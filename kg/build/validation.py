"""SHACL validation. The fast path is the compiled ``shacl`` validator (Rust) for the core
constraints, with the SHACL-SPARQL constraints run in Oxigraph (kg/shapesparql.py); pyshacl
stays in the tests as the reference they must agree with. Results come back as ``Issue``
objects still missing their file, which the build fills in from the named graphs."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import shacl
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse, serialize

from kg.build.normalise import syntax_error
from kg.build.processes import die_with_parent
from kg.build.report import Issue
from kg.build.sources import Source

SH_MESSAGE = NamedNode("http://www.w3.org/ns/shacl#message")

#: Results past this many stop the validator early: enough to fix a file, bounded in memory.
MAX_RESULTS = 10_000


def shapes_ntriples(shapes: Iterable[Source], files: Mapping[str, Path] | None = None) -> bytes:
    """All shapes files as one N-Triples document (blank nodes kept apart per file).
    ``files`` maps a source's graph to its normalised N-Triples, where the build made one."""
    quads: list[Quad] = []
    for source in shapes:
        path = files[source.graph] if files else source.path
        fmt = RdfFormat.N_TRIPLES if files else source.format
        try:
            quads.extend(parse(path=path, format=fmt, base_iri=source.graph))
        except SyntaxError as err:
            raise syntax_error(source.label, err) from None
    # the reports speak English (the build's, the CLI's); the web form finds a message's
    # French and Dutch in the shapes themselves (kg.accounts.shapeforms.message_in)
    kept = [
        q.triple
        for q in quads
        if not (
            q.predicate == SH_MESSAGE
            and isinstance(q.object, Literal)
            and q.object.language not in (None, "en")
        )
    ]
    return serialize(kept, format=RdfFormat.N_TRIPLES) or b""


def run_shacl(shapes_nt: bytes, data_path: str, max_results: int = MAX_RESULTS) -> list[Issue]:
    """Validate an N-Triples file against the shapes. Runs in a worker process."""
    compiled = shacl.Shapes.from_text(shapes_nt.decode(), format="ntriples")
    report = compiled.validate_file(data_path, max_results=max_results)
    issues = []
    for r in report.results:
        messages = r.messages or [f"{r.component} constraint failed"]
        issues.append(
            Issue(
                file="",
                entity=r.focus_node,
                property=r.path,
                message=messages[0],
                severity=r.severity,
                check=r.component.removesuffix("ConstraintComponent"),
                value=r.value_plain,
                shape=r.root_shape,
            )
        )
    return issues


def validate_file(shapes_nt: bytes, data_path: Path, max_results: int = MAX_RESULTS) -> list[Issue]:
    """What a build checks, on one N-Triples file: the core constraints with the compiled
    validator, the SPARQL ones in an in-memory Oxigraph store (the build uses the store it
    has loaded instead)."""
    from kg.build import shapesparql
    from kg.store import EmbeddedStore

    core, constraints = shapesparql.split(shapes_nt)
    issues = run_shacl(core, str(data_path), max_results)
    if constraints:
        store = EmbeddedStore.open(None)
        store.load(data_path, RdfFormat.N_TRIPLES, DATA_GRAPH)
        issues += shapesparql.check(store, constraints, max_results - len(issues))
    return issues[:max_results]


#: where ``validate_file`` loads the data
DATA_GRAPH = "urn:x-kg:data"


class BackgroundValidation:
    """SHACL in a separate process, so that it runs beside the store load on another core."""

    def __init__(self, shapes_nt: bytes, data_path: Path) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
        self._future: Future[list[Issue]] = self._pool.submit(run_shacl, shapes_nt, str(data_path))

    def result(self) -> list[Issue]:
        try:
            return self._future.result()
        finally:
            self._pool.shutdown()

    def cancel(self) -> None:
        self._future.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)
