"""The two validators on the same union of data the build validates, their results reduced to
comparable keys: (focus node, path, constraint component)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kg.build.normalise import normalise
from kg.build.report import Issue
from kg.build.sources import Source
from kg.build.validation import shapes_ntriples, validate_file
from kg.settings import Settings

#: (focus node IRI, path IRI or rendered path or None, component without "ConstraintComponent")
Key = tuple[str, str | None, str]
NOT_SHACL = ("vocabulary", "provenance", "syntax")


def prepare(settings: Settings, sources: Sequence[Source], workdir: Path) -> tuple[bytes, Path]:
    """Shapes as N-Triples and the union of the data sources, made as ``kg build`` makes them
    (``kg.build.all_sources`` gives the build's own list)."""
    norm = workdir / "norm"
    norm.mkdir(parents=True, exist_ok=True)
    files = [normalise(s, norm / f"{i:03d}.nt", settings.base) for i, s in enumerate(sources)]
    union = workdir / "union.nt"
    with open(union, "wb") as out:
        for source, path in zip(sources, files, strict=True):
            if source.kind != "shapes":
                with open(path, "rb") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
                out.write(b"\n")
    return shapes_ntriples([s for s in sources if s.kind == "shapes"]), union


def bare(term: str | None) -> str | None:
    """``<iri>`` -> ``iri``; anything else as it is."""
    if term and term.startswith("<") and term.endswith(">") and " " not in term:
        return term[1:-1]
    return term


def issue_key(issue: Issue) -> Key:
    return bare(issue.entity) or "", bare(issue.property), issue.check


def fast(shapes_nt: bytes, union: Path) -> list[Key]:
    """The project's fast path: the compiled validator, SHACL-SPARQL in Oxigraph."""
    return [issue_key(i) for i in validate_file(shapes_nt, union)]


#: parsed queries by (text, base, namespaces), kept across runs in one process
_PARSED: dict[tuple[str, str | None, str], Any] = {}


@contextmanager
def queries_parsed_once() -> Iterator[None]:
    """rdflib parses a SPARQL text each time it is asked, and pyshacl asks one SHACL-SPARQL
    constraint's text once per focus node (NonEmptyTextShape has some 800 of them, about
    30 ms of parsing each): while this holds, each text is parsed once and the parsed query
    reused, as rdflib's own ``prepareQuery`` is meant to be. What is evaluated is the same.
    tests/reference.py uses it, which needs pyshacl's results; the benchmark does not, since
    it times pyshacl as its users run it."""
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    parsed = _PARSED

    def query(
        self: Any,
        text: Any,
        initBindings: Any = None,
        initNs: Any = None,
        base: Any = None,
        DEBUG: bool = False,
    ) -> Any:
        if isinstance(text, str):
            key = (text, base, repr(sorted((initNs or {}).items())))
            if key not in parsed:
                parsed[key] = processor.translateQuery(processor.parseQuery(text), base, initNs)
            text = parsed[key]
        return original(self, text, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


def reference(
    shapes_nt: bytes, union: Path, on_parsed: Callable[[float], None] = lambda _: None
) -> tuple[list[Key], dict[str, float]]:
    """pyshacl, no inference, on the same data and shapes; also its parse and run times.
    ``on_parsed`` hears the parse time before validation starts (a capped run reports it)."""
    import pyshacl
    from rdflib import RDF, SH, BNode, Graph, URIRef
    from rdflib.collection import Collection

    start = time.perf_counter()
    shapes = Graph().parse(data=shapes_nt.decode(), format="nt")
    data = Graph().parse(union, format="nt")
    parsed = time.perf_counter()
    on_parsed(parsed - start)
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False
    )
    done = time.perf_counter()

    def path(node: object) -> str | None:
        if node is None:
            return None
        if isinstance(node, URIRef):
            return str(node)
        if isinstance(node, BNode) and (node, RDF.first, None) in report:
            return "/".join(f"<{p}>" for p in Collection(report, node))
        if isinstance(node, BNode) and (inverse := report.value(node, SH.inversePath)):
            return f"^<{inverse}>"
        return str(node)

    keys = []
    # top-level results only: pyshacl also types the nested sh:detail results
    for result in report.objects(next(report.subjects(RDF.type, SH.ValidationReport)), SH.result):
        component = str(report.value(result, SH.sourceConstraintComponent))
        keys.append(
            (
                str(report.value(result, SH.focusNode)),
                path(report.value(result, SH.resultPath)),
                component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent"),
            )
        )
    return keys, {"parse": round(parsed - start, 3), "validate": round(done - parsed, 3)}
