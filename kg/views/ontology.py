"""``ontology_view``: the data of the ontology page (classes, properties and other terms
with labels, definitions and facts); ``ontology_triples``: the ontology graph."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode, Triple

from kg.errors import NotFound
from kg.namespaces import OWL, RDF, RDF_TYPE, RDFS
from kg.store import GraphStore
from kg.views.model import Ref, cci, select_rows
from kg.views.vocabcache import GRAPH_CONTENT, vocabulary

#: The graph(s) holding the ontology header.
ONTOLOGY_GRAPHS = "SELECT ?ont ?g WHERE { GRAPH ?g { ?ont a owl:Ontology } }"


@dataclass
class Term:
    iri: str
    name: str  # the local name, the page anchor
    labels: dict[str, str]
    definitions: dict[str, str]
    facts: dict[str, list[Ref]]  # sub-class/property of, domain, range, type…


@dataclass
class OntologyView:
    iri: str
    labels: dict[str, str]
    definitions: dict[str, str]
    version: str | None
    classes: list[Term]
    properties: list[Term]
    individuals: list[Term]


TERM_FACTS = (
    RDFS + "subClassOf",
    RDFS + "subPropertyOf",
    RDFS + "domain",
    RDFS + "range",
    OWL + "inverseOf",
)


def ontology_graph(store: GraphStore, base: str) -> str | None:
    rows = select_rows(store, ONTOLOGY_GRAPHS, {"ont": NamedNode(base + "ontology")}, base)
    return rows[0]["g"].value if rows else None


def ontology_triples(store: GraphStore, base: str) -> list[Triple]:
    """The ontology graph (ontology/cci.ttl) as triples."""
    graph = ontology_graph(store, base)
    if graph is None:
        raise NotFound("the store holds no ontology")
    rows = select_rows(store, GRAPH_CONTENT, {"g": NamedNode(graph)}, base)
    return [Triple(r["s"], r["p"], r["o"]) for r in rows]


def ontology_view(store: GraphStore, base: str) -> OntologyView:
    vocab = vocabulary(store, base)
    ns = cci(base)
    graph = ontology_graph(store, base)
    if graph is None:
        raise NotFound("the store holds no ontology")
    version = None
    for row in select_rows(store, GRAPH_CONTENT, {"g": NamedNode(graph)}, base):
        if row["s"].value == base + "ontology" and row["p"].value == OWL + "versionInfo":
            version = row["o"].value
    classes, properties, individuals = [], [], []
    for iri, kinds in sorted(vocab.types.items()):
        if not iri.startswith(ns) or iri == ns:
            continue
        facts = {
            p: [vocab.ref(o) for o in vocab.facts.get(iri, {}).get(p, [])]
            for p in (*TERM_FACTS, RDF_TYPE)
        }
        term = Term(
            iri,
            iri[len(ns) :],
            dict(vocab.labels.get(iri, {})),
            dict(vocab.definitions.get(iri, {})),
            {p: refs for p, refs in facts.items() if refs},
        )
        if OWL + "Class" in kinds or RDFS + "Class" in kinds:
            term.facts.pop(RDF_TYPE, None)  # the section says it
            classes.append(term)
        elif kinds & {OWL + "ObjectProperty", OWL + "DatatypeProperty", RDF + "Property"}:
            term.facts.pop(RDF_TYPE, None)
            properties.append(term)
        else:
            individuals.append(term)
    ontology = base + "ontology"
    return OntologyView(
        ontology,
        dict(vocab.labels.get(ontology, {})),
        dict(vocab.definitions.get(ontology, {})),
        version,
        classes,
        properties,
        individuals,
    )
