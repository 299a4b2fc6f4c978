"""Helpers the importers share to write triples."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from kg.namespaces import (
    GEO_WKT_LITERAL_NODE,
    RDF_TYPE_NODE,
    REUSED_PREFIXES,
    XSD,
    own_prefixes,
)


class TripleWriter:
    """Collects triples in a stable order and writes them as N-Triples."""

    def __init__(self, base: str) -> None:
        self.ns = {**REUSED_PREFIXES, **own_prefixes(base)}
        self.triples: list[Triple] = []

    def iri(self, curie: str) -> NamedNode:
        prefix, local = curie.split(":", 1)
        return NamedNode(self.ns[prefix] + local)

    def add(self, s: NamedNode, p: str, o: NamedNode | Literal) -> None:
        self.triples.append(Triple(s, self.iri(p), o))

    def type(self, s: NamedNode, *classes: str) -> None:
        for c in classes:
            self.triples.append(Triple(s, RDF_TYPE_NODE, self.iri(c)))

    def text(self, s: NamedNode, p: str, value: str, lang: str) -> None:
        self.add(s, p, Literal(value, language=lang))

    def typed(self, s: NamedNode, p: str, value: str, datatype: str) -> None:
        self.add(s, p, Literal(value, datatype=NamedNode(XSD + datatype)))

    def wkt(self, s: NamedNode, value: str) -> None:
        self.add(s, "geo:asWKT", Literal(value, datatype=GEO_WKT_LITERAL_NODE))

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        serialize(self.triples, path, RdfFormat.N_TRIPLES)
        return path
