"""Parse each source once into N-Triples: resolves ``<>`` to the source's graph, rewrites the
default base when the deployment sets another, and turns syntax errors into file:line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from kg.build.sources import Source
from kg.errors import SourceSyntaxError
from kg.namespaces import DEFAULT_BASE, REUSED_PREFIXES, SH


def syntax_error(label: str, err: SyntaxError) -> SourceSyntaxError:
    """pyoxigraph's SyntaxError carries (file, line, column, …) in args[1]."""
    line = column = None
    if len(err.args) > 1 and isinstance(err.args[1], tuple) and len(err.args[1]) >= 3:
        line, column = err.args[1][1], err.args[1][2]
    return SourceSyntaxError(label, line, column, str(err.args[0] if err.args else err))


#: Predicates whose literal values hold the project's IRIs as text (SPARQL, namespace URIs).
IRI_TEXT = {
    SH + "select",
    SH + "ask",
    REUSED_PREFIXES["vann"] + "preferredNamespaceUri",
}


def _rebase(term: object, old: str, new: str) -> object:
    if isinstance(term, NamedNode) and term.value.startswith(old):
        return NamedNode(new + term.value[len(old) :])
    if isinstance(term, Literal) and term.datatype.value.startswith(old):
        return Literal(term.value, datatype=_rebase(term.datatype, old, new))  # type: ignore[arg-type]
    return term


def _rebase_triple(triple: Triple, old: str, new: str) -> Triple:
    s, p, o = (_rebase(t, old, new) for t in triple)
    if isinstance(o, Literal) and triple.predicate.value in IRI_TEXT:
        o = Literal(o.value.replace(old, new), datatype=o.datatype)
    return Triple(s, p, o)  # type: ignore[arg-type]


def _triples(source: Source, base: str) -> Iterator[Triple]:
    for q in parse(path=source.path, format=source.format, base_iri=source.graph):
        triple = q.triple if isinstance(q, Quad) else q
        yield triple if base == DEFAULT_BASE else _rebase_triple(triple, DEFAULT_BASE, base)


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
