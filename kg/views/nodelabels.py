"""The labels and kinds of the nodes a page shows, gathered while the page is built and
then fetched in one query (``Collector``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode

from kg.namespaces import RDF_TYPE
from kg.store import GraphStore
from kg.views.model import (
    LABEL_PREDICATES,
    Labels,
    Ref,
    chunks,
    construct_triples,
    iri_values,
    lang_of,
    node_key,
)
from kg.views.vocabcache import Vocabulary

#: Labels and kinds of a set of nodes; ``{nodes}`` is a list of pyoxigraph-serialised IRIs.
#: (A FILTER, not a second VALUES: with two VALUES blocks the planner may start from the
#: predicates and scan every label in the store.)
NODES = """
CONSTRUCT {{ ?n ?p ?o }}
WHERE {{
  VALUES ?n {{ {nodes} }}
  ?n ?p ?o .
  FILTER(?p IN (skos:prefLabel, rdfs:label, foaf:name, dct:title, rdf:type))
}}
"""


@dataclass
class Collector:
    """Gathers the nodes whose labels a page needs, then fetches them in one query."""

    store: GraphStore
    base: str
    vocab: Vocabulary
    refs: dict[str, Ref] = field(default_factory=dict)
    fetched: set[str] = field(default_factory=set)

    def ref(self, iri: str) -> Ref:
        found = self.refs.get(iri)
        if found is None:
            found = self.refs[iri] = self.vocab.ref(iri)
        return found

    def fetch(self) -> None:
        """Labels and kinds of the nodes met since the last fetch (one query)."""
        wanted = [
            iri
            for iri in self.refs
            if iri not in self.fetched and iri not in self.vocab.labels and iri.startswith("http")
        ]
        self.fetched.update(wanted)
        if not wanted:
            return
        ranks: dict[str, Labels] = {}
        for chunk in chunks(wanted, 400):
            try:
                triples = construct_triples(
                    self.store, NODES.format(nodes=iri_values(chunk)), self.base
                )
            except ValueError:  # an IRI pyoxigraph refuses: leave it unlabelled
                continue
            for t in triples:
                s, p, o = node_key(t.subject), t.predicate.value, t.object
                if p == RDF_TYPE and isinstance(o, NamedNode):
                    ref = self.refs[s]
                    if o.value not in ref.types:
                        ref.types.append(o.value)
                elif isinstance(o, Literal) and p in LABEL_PREDICATES:
                    ranks.setdefault(s, Labels()).add(
                        o.value, lang_of(o), LABEL_PREDICATES.index(p)
                    )
        for iri, labels in ranks.items():
            self.refs[iri].labels = labels.by_lang
        for ref in self.refs.values():
            ref.types.sort()
