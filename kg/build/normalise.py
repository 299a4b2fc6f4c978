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
    # the mapping rules of peer profiles (data/alignments/profiles.ttl) name our terms
    DEFAULT_BASE + "ontology#mappingRule",
}


def _rebase(term: object, old: str, new: str) -> object:
    if isinstance(term, NamedNode) and term.value.startswith(old):
        return NamedNode(new + term.value[len(old) :])
    if isinstance(term, Literal) and term.datatype.value.startswith(old):
        return Literal(term.value, datatype=_rebase(term.datatype, old, new))  # type: ignore[arg-type]
    return term


#: in the files about other maps (the registry, matches under review), objects that name
#: another map's namespace or entity: a map on the default base stays on it
FOREIGN_OBJECTS = {REUSED_PREFIXES["void"] + "vocabulary", REUSED_PREFIXES["rdf"] + "object"}


def _about_other_maps(source: Source) -> bool:
    return source.label == "data/peers.ttl" or source.label.startswith("data/federation/")


def _rebase_triple(triple: Triple, old: str, new: str, foreign: bool = False) -> Triple:
    s, p, o = (_rebase(t, old, new) for t in triple)
    if foreign and triple.predicate.value in FOREIGN_OBJECTS:
        o = triple.object
    if isinstance(o, Literal) and triple.predicate.value in IRI_TEXT:
        o = Literal(o.value.replace(old, new), datatype=o.datatype)
    return Triple(s, p, o)  # type: ignore[arg-type]


def _triples(source: Source, base: str) -> Iterator[Triple]:
    foreign = _about_other_maps(source)
    for q in parse(path=source.path, format=source.format, base_iri=source.graph):
        triple = q.triple if isinstance(q, Quad) else q
        if base == DEFAULT_BASE:
            yield triple
        else:
            yield _rebase_triple(triple, DEFAULT_BASE, base, foreign)


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
