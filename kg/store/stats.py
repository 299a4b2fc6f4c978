"""``kg stats``: what is in the store, by class, named graph and language."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import QuerySolutions

from kg.store import GraphStore

BY_CLASS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?n) ?class
"""
BY_GRAPH = """
SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g
"""
#: Entities with a skos:prefLabel, and how many have one in each language.
LANGUAGES = """
SELECT ?lang (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s skos:prefLabel ?label . BIND(LANG(?label) AS ?lang)
} GROUP BY ?lang ORDER BY DESC(?n)
"""
LABELLED = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s skos:prefLabel ?label }"
TOTAL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@dataclass
class Stats:
    triples: int = 0
    by_class: dict[str, int] = field(default_factory=dict)
    by_graph: dict[str, int] = field(default_factory=dict)
    labelled: int = 0
    by_language: dict[str, int] = field(default_factory=dict)

    def coverage(self, lang: str) -> float:
        return self.by_language.get(lang, 0) / self.labelled if self.labelled else 0.0


def _pairs(store: GraphStore, sparql: str, key: str) -> dict[str, int]:
    rows = store.query(sparql, prefixes={"skos": "http://www.w3.org/2004/02/skos/core#"})
    assert isinstance(rows, QuerySolutions)
    return {r[key].value: int(r["n"].value) for r in rows if r[key] is not None}


def _one(store: GraphStore, sparql: str) -> int:
    rows = store.query(sparql, prefixes={"skos": "http://www.w3.org/2004/02/skos/core#"})
    assert isinstance(rows, QuerySolutions)
    return next((int(r["n"].value) for r in rows), 0)


def collect(store: GraphStore) -> Stats:
    return Stats(
        triples=_one(store, TOTAL),
        by_class=_pairs(store, BY_CLASS, "class"),
        by_graph=_pairs(store, BY_GRAPH, "g"),
        labelled=_one(store, LABELLED),
        by_language=_pairs(store, LANGUAGES, "lang"),
    )
