"""What the pages need of the vocabulary (labels and definitions of classes, properties,
concepts; the class and scheme hierarchies), read once per store from the ontology graphs
and kept (``vocabulary``) in the store's cache, which also keeps the counts of the listing
and home pages (``cached``, ``remember``): a new build is a new store with a new cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.namespaces import ORG, RDF_TYPE, RDFS, SKOS
from kg.store import GraphStore
from kg.views.model import Labels, Ref, cci, lang_of, select_rows

#: Everything in one graph (the ontology and concept-scheme graphs, read once per store).
GRAPH_CONTENT = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"


@dataclass
class Vocabulary:
    """Labels and definitions of the ontology's terms and the concept schemes' concepts."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    definitions: dict[str, dict[str, str]] = field(default_factory=dict)
    types: dict[str, set[str]] = field(default_factory=dict)
    superclasses: dict[str, set[str]] = field(default_factory=dict)
    direct_property: dict[str, str] = field(default_factory=dict)  # relation type -> property
    in_scheme: dict[str, list[str]] = field(default_factory=dict)
    broader: dict[str, list[str]] = field(default_factory=dict)
    #: IRI-valued statements about the ontology's own terms (sub-class, domain, range…)
    facts: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    graphs: list[str] = field(default_factory=list)

    def ref(self, iri: str) -> Ref:
        return Ref(iri, dict(self.labels.get(iri, {})), sorted(self.types.get(iri, ())))

    def organisation_kinds(self, base: str) -> list[str]:
        """The ontology's organisation kinds (direct subclasses of org:Organization)."""
        return sorted(
            c
            for c, supers in self.superclasses.items()
            if ORG + "Organization" in supers and c.startswith(cci(base))
        )


def cached(store: GraphStore, key: str) -> Any:
    """What was kept for ``key`` in the store's own cache (kg.store.cache), or None."""
    return store.cache.get(key)


def remember(store: GraphStore, key: str, value: Any) -> Any:
    return store.cache.put(key, value)


def vocabulary(store: GraphStore, base: str) -> Vocabulary:
    """The ontology and concept schemes (graphs under ``{base}graph/ontology/``), kept
    per store: a new build is a new store, so the cache follows it."""
    found = cached(store, "vocabulary")
    if found is not None:
        return found
    vocab = Vocabulary()
    prefix = base + "graph/ontology/"
    vocab.graphs = [g for g in store.named_graphs() if g.startswith(prefix)]
    ranks: dict[str, Labels] = {}
    for graph in vocab.graphs:
        for row in select_rows(store, GRAPH_CONTENT, {"g": NamedNode(graph)}, base):
            s, p, o = row["s"], row["p"], row["o"]
            if not isinstance(s, NamedNode):
                continue
            if p.value in (SKOS + "prefLabel", RDFS + "label") and isinstance(o, Literal):
                rank = 0 if p.value == SKOS + "prefLabel" else 1
                ranks.setdefault(s.value, Labels()).add(o.value, lang_of(o), rank)
            elif p.value == SKOS + "definition" and isinstance(o, Literal):
                vocab.definitions.setdefault(s.value, {})[lang_of(o)] = o.value
            elif p.value == RDF_TYPE and isinstance(o, NamedNode):
                vocab.types.setdefault(s.value, set()).add(o.value)
            elif p.value == RDFS + "subClassOf" and isinstance(o, NamedNode):
                vocab.superclasses.setdefault(s.value, set()).add(o.value)
            elif p.value == cci(base) + "directProperty" and isinstance(o, NamedNode):
                vocab.direct_property[s.value] = o.value
            elif p.value == SKOS + "inScheme" and isinstance(o, NamedNode):
                vocab.in_scheme.setdefault(s.value, []).append(o.value)
            elif p.value == SKOS + "broader" and isinstance(o, NamedNode):
                vocab.broader.setdefault(s.value, []).append(o.value)
            elif p.value == SKOS + "narrower" and isinstance(o, NamedNode):
                vocab.broader.setdefault(o.value, []).append(s.value)
            if isinstance(o, NamedNode) and s.value.startswith(cci(base)):
                vocab.facts.setdefault(s.value, {}).setdefault(p.value, []).append(o.value)
    vocab.labels = {iri: labels.by_lang for iri, labels in ranks.items()}
    return remember(store, "vocabulary", vocab)
