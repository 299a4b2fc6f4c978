"""Report classes and properties that belong to no known vocabulary: a ``cci:`` term the
ontology does not declare (usually a typo), or a term outside the reused vocabularies."""

from __future__ import annotations

from collections.abc import Mapping

from pyoxigraph import NamedNode, QuerySolutions

from kg.build.report import Issue
from kg.namespaces import RDF_TYPE, REUSED_PREFIXES
from kg.store import GraphStore

USED_PROPERTIES = "SELECT DISTINCT ?g ?term WHERE { GRAPH ?g { ?s ?term ?o } }"
USED_CLASSES = "SELECT DISTINCT ?g ?term WHERE { GRAPH ?g { ?s a ?term } }"
DECLARED = "SELECT DISTINCT ?g ?term WHERE { GRAPH ?g { ?term ?p ?o } }"
#: One subject that uses a term, so that the report names an entity to fix.
EXAMPLE_USE = {
    "property": "SELECT ?g ?term ?s WHERE { GRAPH ?g { ?s ?term ?o } } LIMIT 1",
    "class": "SELECT ?g ?term ?s WHERE { GRAPH ?g { ?s a ?term } } LIMIT 1",
}


def _rows(
    store: GraphStore, sparql: str, subs: Mapping[str, NamedNode] | None = None
) -> QuerySolutions:
    rows = store.query(sparql, subs)
    assert isinstance(rows, QuerySolutions)
    return rows


def check_vocabulary(
    store: GraphStore, ontology_graphs: list[str], graph_labels: Mapping[str, str], base: str
) -> list[Issue]:
    own = base + "ontology#"
    declared: set[str] = set()
    for g in ontology_graphs:
        declared.update(r["term"].value for r in _rows(store, DECLARED, {"g": NamedNode(g)}))
    namespaces = tuple(REUSED_PREFIXES.values())
    issues = []
    for kind, sparql in (("property", USED_PROPERTIES), ("class", USED_CLASSES)):
        for row in _rows(store, sparql):
            term, graph = row["term"], row["g"]
            if not isinstance(term, NamedNode) or graph.value not in graph_labels:
                continue
            iri = term.value
            if iri.startswith(own):
                if iri in declared:
                    continue
                message = (
                    f"unknown {kind} {iri}: the ontology (ontology/cci.ttl) does not declare it"
                )
            elif iri.startswith(namespaces) or iri.startswith(base):
                continue
            else:
                message = (
                    f"unknown {kind} {iri}: outside the ontology and the reused vocabularies "
                    "(kg/namespaces.py lists them)"
                )
            example = next(iter(_rows(store, EXAMPLE_USE[kind], {"g": graph, "term": term})))
            issues.append(
                Issue(
                    file=graph_labels[graph.value],
                    entity=str(example["s"]),
                    property=f"<{iri}>" if kind == "property" else "<" + RDF_TYPE + ">",
                    message=message,
                    check="vocabulary",
                    value=None if kind == "property" else iri,
                )
            )
    return issues
