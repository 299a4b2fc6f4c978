"""The listing pages' data: the members of one kind (``type_members``), the organisation
kinds and the municipalities counted (``kind_counts``, ``municipality_counts``), and the
/sectors, /services, /audiences overviews (``overview``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from kg.namespaces import RDF_TYPE
from kg.store import GraphStore
from kg.views.concepts import SchemeEntry, scheme_tree
from kg.views.entityvalues import page_items
from kg.views.model import (
    BY_NAME,
    LIST_PAGE,
    Ref,
    RelationItem,
    Source,
    check_iri,
    pages,
    select_rows,
    sorted_graphs,
)
from kg.views.nodelabels import Collector
from kg.views.vocabcache import cached, remember, vocabulary

#: The subjects of ``?s ?p ?e`` (a kind's members: ``?s a <class>``), with their graphs.
SUBJECTS = "SELECT ?e ?p ?s ?g WHERE { GRAPH ?g { ?s ?p ?e } }"

#: How many entities each class has (the kinds overview).
TYPE_COUNTS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"
#: Municipalities and what lies in each, by kind.
MUNICIPALITY_COUNTS = """
SELECT ?m (COUNT(DISTINCT ?o) AS ?orgs) (COUNT(DISTINCT ?x) AS ?all) WHERE {
  ?m a cci:Municipality .
  OPTIONAL { ?x cci:municipality ?m OPTIONAL { ?x a org:Organization BIND(?x AS ?o) } }
} GROUP BY ?m
"""


@dataclass
class Listing:
    """The entities of one kind, or using one concept, one page of them."""

    subject: Ref
    count: int
    page: int
    items: list[RelationItem]
    size: int = LIST_PAGE
    definitions: dict[str, str] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return pages(self.count, self.size)


def type_members(
    store: GraphStore, class_iri: str, base: str, *, lang: str = "fr", page: int = 1
) -> Listing:
    """The entities of one class (``?s a <class>``), a page of them: by name when there
    are up to BY_NAME of them, else by IRI."""
    node = check_iri(class_iri)
    vocab = vocabulary(store, base)
    members: dict[str, list[str]] = {}
    for row in select_rows(store, SUBJECTS, {"e": node, "p": NamedNode(RDF_TYPE)}, base):
        if isinstance(row["s"], NamedNode):
            members.setdefault(row["s"].value, []).append(row["g"].value)
    count = len(members)
    number = min(max(1, page), pages(count, LIST_PAGE))
    keys = sorted(members)
    if count > BY_NAME:
        keys = keys[(number - 1) * LIST_PAGE : number * LIST_PAGE]
    collect = Collector(store, base, vocab)
    items = [RelationItem(collect.ref(k), sorted_graphs(members[k])) for k in keys]
    collect.fetch()
    if count <= BY_NAME:
        items = page_items(items, lang, number, LIST_PAGE)
    listing = Listing(vocab.ref(class_iri), count, number, items)
    listing.definitions = dict(vocab.definitions.get(class_iri, {}))
    return listing


@dataclass
class Count:
    ref: Ref
    count: int
    extra: int = 0


def kind_counts(store: GraphStore, base: str) -> list[Count]:
    """The ontology's organisation kinds, each with how many organisations it has."""
    found = cached(store, "kinds")
    if found is None:
        found = {
            row["c"].value: int(row["n"].value)
            for row in select_rows(store, TYPE_COUNTS, None, base)
            if isinstance(row["c"], NamedNode)
        }
        remember(store, "kinds", found)
    vocab = vocabulary(store, base)
    return [Count(vocab.ref(k), found.get(k, 0)) for k in vocab.organisation_kinds(base)]


def municipality_counts(store: GraphStore, base: str) -> list[Count]:
    """The municipalities, each with its organisations (``count``) and everything located
    in it (``extra``: organisations, places…)."""
    found = cached(store, "municipalities")
    if found is None:
        vocab = vocabulary(store, base)
        collect = Collector(store, base, vocab)
        found = []
        for row in select_rows(store, MUNICIPALITY_COUNTS, None, base):
            if isinstance(row["m"], NamedNode):
                ref = collect.ref(row["m"].value)
                found.append(Count(ref, int(row["orgs"].value), int(row["all"].value)))
        collect.fetch()
        remember(store, "municipalities", found)
    return list(found)


#: The schemes each overview page shows.
def overview_schemes(base: str) -> dict[str, list[str]]:
    scheme = base + "id/scheme/"
    return {
        "sectors": [scheme + "sectors", scheme + "essnet-domains", scheme + "media-subsectors"],
        "services": [scheme + "services"],
        "audiences": [scheme + "audiences"],
    }


def overview(
    store: GraphStore, name: str, base: str, lang: str
) -> list[tuple[Ref, list[SchemeEntry]]]:
    """The /sectors, /services, /audiences pages: each scheme and its concepts, counted."""
    vocab = vocabulary(store, base)
    return [
        (vocab.ref(scheme), scheme_tree(store, scheme, base, lang))
        for scheme in overview_schemes(base)[name]
        if any(scheme in schemes for schemes in vocab.in_scheme.values())
    ]
