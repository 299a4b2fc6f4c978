"""Parse each source once into N-Triples: resolves ``<>`` to the source's graph, rewrites the
default base when the deployment sets another, and turns syntax errors into file:line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from kg.errors import SourceSyntaxError
from kg.namespaces import DEFAULT_BASE
from kg.sources import Source


def syntax_error(label: str, err: SyntaxError) -> SourceSyntaxError:
    """pyoxigraph's SyntaxError carries (file, line, column, …) in args[1]."""
    line = column = None
    if len(err.args) > 1 and isinstance(err.args[1], tuple) and len(err.args[1]) >= 3:
        line, column = err.args[1][1], err.args[1][2]
    return SourceSyntaxError(label, line, column, str(err.args[0] if err.args else err))


def _rebase(term: object, old: str, new: str) -> object:
    if isinstance(term, NamedNode) and term.value.startswith(old):
        return NamedNode(new + term.value[len(old) :])
    if isinstance(term, Literal) and term.datatype.value.startswith(old):
        return Literal(term.value, datatype=_rebase(term.datatype, old, new))  # type: ignore[arg-type]
    return term


def _triples(source: Source, base: str) -> Iterator[Triple]:
    for q in parse(path=source.path, format=source.format, base_iri=source.graph):
        triple = q.triple if isinstance(q, Quad) else q
        if base != DEFAULT_BASE:
            s, p, o = (_rebase(t, DEFAULT_BASE, base) for t in triple)
            triple = Triple(s, p, o)  # type: ignore[arg-type]
        yield triple


def needs_normalising(source: Source, base: str) -> bool:
    """N-Triples written against the configured base are used as they are (no relative IRIs)."""
    return source.format != RdfFormat.N_TRIPLES or base != DEFAULT_BASE


def normalise(source: Source, out: Path, base: str) -> Path:
    """Write ``source`` as N-Triples to ``out``; raise SourceSyntaxError on bad syntax."""
    if not needs_normalising(source, base):
        return source.path
    try:
        serialize(_triples(source, base), out, RdfFormat.N_TRIPLES)
    except SyntaxError as err:
        out.unlink(missing_ok=True)
        raise syntax_error(source.label, err) from None
    return out
