"""``entity_view(store, iri, base)``: the data of an entity page: names by language,
kinds, description, sectors/services/audiences, address and coordinates, identifiers,
relations grouped by property in both directions (counted, paged), reified relationship
details, figures, and for every statement the named graph(s) it is in and what each graph
cites.

An entity page costs a handful of queries (about seven) that all start from the entity's
IRI, bound by substitution, so each is an index lookup: what it states (with graphs), what
points to it counted per property, the incoming statements themselves, the labels and kinds
of the neighbours shown (one CONSTRUCT), the reified relationships with those neighbours
and the figures (only when the counts say there are some), and what the graphs met cite.
A large incoming group is ordered by IRI and only its shown page is labelled; a small one
(up to ``BY_NAME``) is ordered by name. No query scans the graph: the cost follows the
entity's neighbourhood, not the size of the store. What a page needs of the vocabulary
(labels of classes, properties, concepts) is read once per store (kg.views.vocabcache).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.errors import NotFound
from kg.namespaces import (
    ADMS,
    DCT,
    DEFAULT_BASE,
    FOAF,
    FOAF_PERSON,
    GEO,
    LEGAL,
    LOCN,
    OWL,
    RDF_TYPE,
    SKOS,
    WIKIDATA_ENTITY,
)
from kg.store import GraphStore
from kg.views.entityprops import NAME_ORDER, activity_kinds, prop_sets
from kg.views.entityvalues import (
    address_of,
    identifiers_of,
    page_items,
    parse_wkt,
    sorted_refs,
    sorted_texts,
)
from kg.views.graphsources import graph_sources
from kg.views.model import (
    BY_NAME,
    GROUP_PAGE,
    LABEL_PREDICATES,
    EntityView,
    Identifier,
    Labels,
    Ref,
    RelationGroup,
    RelationItem,
    Source,
    Statement,
    Value,
    cci,
    check_iri,
    construct_triples,
    iri_values,
    local_name,
    node_key,
    pages,
    select_rows,
    sorted_graphs,
)
from kg.views.nodelabels import Collector
from kg.views.observations import entity_observations
from kg.views.relationdetails import attach_details
from kg.views.vocabcache import Vocabulary, vocabulary

#: Every statement the entity makes, with the graph it is in.
OUTGOING = "SELECT ?e ?p ?o ?g WHERE { GRAPH ?g { ?e ?p ?o } }"

#: Incoming statements counted per property.
INCOMING_COUNTS = "SELECT ?e ?p (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?e } GROUP BY ?e ?p"

#: Every incoming statement that the page shows as a relation, with its graph.
INCOMING = """
SELECT ?e ?s ?p ?g WHERE {
  GRAPH ?g { ?s ?p ?e }
  FILTER(?p NOT IN (cci:relSubject, cci:relObject, cci:subject, rdf:type))
}
"""


#: The full description of nodes an entity owns (address, geometry, identifier).
OWNED = """
CONSTRUCT {{ ?n ?p ?o }}
WHERE {{ VALUES ?n {{ {nodes} }} ?n ?p ?o . }}
"""


@dataclass
class _Page:
    """What the steps of one entity page share."""

    store: GraphStore
    base: str
    lang: str
    rel: str | None
    page: int
    page_size: int
    node: NamedNode
    vocab: Vocabulary
    sets: dict[str, set[str]]
    collect: Collector
    view: EntityView
    #: property -> object key -> value, with the graphs stating it
    stated: dict[str, dict[str, Value]] = field(default_factory=dict)
    #: incoming statements counted per property
    counts: dict[str, int] = field(default_factory=dict)
    #: owned node (address, geometry, identifier) -> its triples
    owned: dict[str, list[Triple]] = field(default_factory=dict)

    def page_of(self, key: str, count: int) -> int:
        return min(max(1, self.page) if self.rel == key else 1, pages(count, self.page_size))

    def values(self, prop: str) -> Iterable[Value]:
        return self.stated.get(prop, {}).values()


def entity_view(
    store: GraphStore,
    iri: str,
    base: str = DEFAULT_BASE,
    *,
    lang: str = "fr",
    rel: str | None = None,
    page: int = 1,
    page_size: int = GROUP_PAGE,
) -> EntityView:
    """The data of one entity page. ``rel`` (a group key: the property IRI, ``^`` before
    it for incoming) and ``page`` choose the page of that group; other groups show their
    first page. Raises NotFound when nothing is said of or to the IRI."""
    vocab = vocabulary(store, base)
    p = _Page(
        store=store,
        base=base,
        lang=lang,
        rel=rel,
        page=page,
        page_size=page_size,
        node=check_iri(iri),
        vocab=vocab,
        sets=prop_sets(base),
        collect=Collector(store, base, vocab),
        view=EntityView(iri),
    )
    _read_statements(p)
    _read_owned(p)
    pending = _relation_groups(p, _read_incoming(p))
    p.collect.fetch()  # labels and kinds of every node met so far, in one query
    groups = _page_groups(p, pending)
    c = cci(base)
    if p.counts.get(c + "relSubject") or p.counts.get(c + "relObject"):
        attach_details(store, p.view, p.node, base, vocab, p.collect)
    if p.counts.get(c + "subject"):
        p.view.observations = entity_observations(store, p.node, base, p.collect)
    p.collect.fetch()  # whatever those two met (roles, measures outside the vocabulary)
    _names_and_topics(p)
    _place_and_identifiers(p)
    _takes_part_in(p, groups)
    _other_statements(p)
    if p.view.is_person:  # a person's page: names and public roles only
        _hide_for_person(p.view)
    p.view.sources = _sources(store, p.view, p.stated, base)
    return p.view


def _read_statements(p: _Page) -> None:
    """What the entity says, by property and object, with the graphs saying it."""
    subs = {"e": p.node}
    out_rows = select_rows(p.store, OUTGOING, subs, p.base)
    p.counts = {
        row["p"].value: int(row["n"].value)
        for row in select_rows(p.store, INCOMING_COUNTS, subs, p.base)
        if row["p"] is not None
    }
    if not out_rows and not p.counts:
        raise NotFound(f"nothing is known about <{p.view.iri}>")
    p.view.incoming_counts = p.counts
    for row in out_rows:
        o = row["o"]
        values = p.stated.setdefault(row["p"].value, {})
        value = values.get(node_key(o))
        if value is None:
            value = values[node_key(o)] = Value(o)
            if isinstance(o, NamedNode):
                value.ref = p.collect.ref(o.value)
        value.graphs = sorted_graphs([*value.graphs, row["g"].value])
    p.view.own_graphs = sorted_graphs(row["g"].value for row in out_rows)
    types = sorted(v.term.value for v in p.values(RDF_TYPE))
    p.view.types = [p.collect.ref(t) for t in types]
    p.view.is_person = FOAF_PERSON in types


def _read_owned(p: _Page) -> None:
    """The nodes it owns (address, geometry, identifier), described in full."""
    owned = [
        v.term.value
        for prop in p.sets["owned"]
        for v in p.values(prop)
        if isinstance(v.term, NamedNode)
    ]
    if owned and not p.view.is_person:
        sparql = OWNED.format(nodes=iri_values(owned))
        for t in construct_triples(p.store, sparql, p.base):
            p.owned.setdefault(node_key(t.subject), []).append(t)


def _read_incoming(p: _Page) -> dict[str, dict[str, tuple[Any, list[str]]]]:
    """What others say of it: property -> subject key -> (subject, graphs)."""
    incoming: dict[str, dict[str, tuple[Any, list[str]]]] = {}
    if any(prop not in p.sets["not_incoming"] for prop in p.counts):
        for row in select_rows(p.store, INCOMING, {"e": p.node}, p.base):
            s = row["s"]
            if row["p"].value in p.sets["not_incoming"]:
                continue  # e.g. a reified statement's rdf:subject: its source, not a relation
            if isinstance(s, NamedNode | BlankNode):
                members = incoming.setdefault(row["p"].value, {})
                term, graphs = members.get(node_key(s), (s, []))
                members[node_key(s)] = (term, [*graphs, row["g"].value])
    return incoming


Pending = list[tuple[RelationGroup, list[RelationItem] | None]]


def _relation_groups(
    p: _Page, incoming: Mapping[str, Mapping[str, tuple[Any, list[str]]]]
) -> Pending:
    """The relation groups, each with all its items, or (a group of more than BY_NAME,
    ordered by IRI so that only the page shown is labelled) with its page already set."""
    pending: Pending = []
    for prop, values in p.stated.items():
        if prop in p.sets["shown_elsewhere"] or prop in p.sets["not_relations"]:
            continue
        objects = [v for v in values.values() if not isinstance(v.term, Literal)]
        if objects:
            items = [RelationItem(v.ref or Ref(node_key(v.term)), v.graphs) for v in objects]
            group = RelationGroup(p.collect.ref(prop), "out", len(items), size=p.page_size)
            group.page = p.page_of(prop, len(items))
            pending.append((group, items))
    for prop, members in incoming.items():
        group = RelationGroup(p.collect.ref(prop), "in", len(members), size=p.page_size)
        group.page = p.page_of("^" + prop, len(members))
        keys = sorted(members)
        if len(keys) > BY_NAME:
            keys = keys[(group.page - 1) * p.page_size : group.page * p.page_size]
        items = []
        for key in keys:
            term, graphs = members[key]
            ref = p.collect.ref(term.value) if isinstance(term, NamedNode) else Ref(key)
            items.append(RelationItem(ref, sorted_graphs(graphs)))
        if len(members) > BY_NAME:
            group.items = items
            pending.append((group, None))
        else:
            pending.append((group, items))
    return pending


def _page_groups(p: _Page, pending: Pending) -> list[RelationGroup]:
    """The groups, each holding its page of items, sorted by direction and name."""
    for group, all_items in pending:
        if all_items is not None:
            group.items = page_items(all_items, p.lang, group.page, p.page_size)
    groups = [group for group, _ in pending]
    groups.sort(key=lambda g: (g.direction != "out", g.prop.text(p.lang).casefold(), g.prop.iri))
    p.view.relations = groups
    return groups


def _names_and_topics(p: _Page) -> None:
    """Names, description, sectors, services, audiences, municipality."""
    view, lang, c = p.view, p.lang, cci(p.base)
    for prop in LABEL_PREDICATES:
        ranked = Labels()
        for value in p.values(prop):
            if isinstance(value.term, Literal):
                ranked.add(value.text, value.lang, 0)
        if ranked:
            view.labels = ranked.by_lang
            break
    shown_names: set[str] = set()
    for prop in NAME_ORDER:  # a name another property already gave is not repeated
        names = [
            v for v in p.values(prop) if isinstance(v.term, Literal) and v.text not in shown_names
        ]
        if names:
            view.names.append(Statement(p.collect.ref(prop), sorted_texts(names, lang)))
            shown_names.update(v.text for v in names)
    view.description = sorted_texts(p.values(DCT + "description"), lang) or (
        sorted_texts(p.values(SKOS + "definition"), lang)
    )
    view.sectors = sorted_refs(p.values(c + "sector"), lang)
    view.services = sorted_refs(p.values(c + "offersService"), lang)
    view.audiences = sorted_refs(p.values(c + "catersFor"), lang)
    municipality = sorted_refs(p.values(c + "municipality"), lang)
    view.municipality = municipality[0] if municipality else None


def _place_and_identifiers(p: _Page) -> None:
    """Address, coordinates, identifiers, links to the same thing elsewhere, homepage."""
    view = p.view
    for value in p.values(LOCN + "address"):
        view.address = address_of(p.owned.get(node_key(value.term), []), value.graphs)
    for value in p.values(LOCN + "geometry"):
        for t in p.owned.get(node_key(value.term), []):
            if t.predicate.value == GEO + "asWKT" and isinstance(t.object, Literal):
                view.geometry = parse_wkt(t.object.value)
                view.geometry.graphs = value.graphs
    for prop in (LEGAL + "legalIdentifier", ADMS + "identifier"):
        for value in p.values(prop):
            triples = p.owned.get(node_key(value.term), [])
            view.identifiers.extend(identifiers_of(triples, value.graphs, p.base))
    for value in p.values(OWL + "sameAs"):
        if isinstance(value.term, NamedNode):
            target = value.term.value
            if target.startswith(WIKIDATA_ENTITY):
                shown = Identifier("wikidata", local_name(target), target, value.graphs)
            else:
                shown = Identifier("sameas", target, target, value.graphs)
            view.identifiers.append(shown)
    for value in p.values(FOAF + "homepage"):
        if isinstance(value.term, NamedNode):
            target = value.term.value
            view.identifiers.append(Identifier("homepage", target, target, value.graphs))


def _takes_part_in(p: _Page, groups: list[RelationGroup]) -> None:
    """Working groups, projects, events it takes part in: the objects of its relations."""
    activity = activity_kinds(p.base)
    seen: set[str] = set()
    for group in groups:
        if group.direction == "out":
            for item in group.items:
                if item.ref.iri not in seen and activity & set(item.ref.types):
                    seen.add(item.ref.iri)
                    p.view.takes_part_in.append(item)


def _other_statements(p: _Page) -> None:
    """Any other literal statement (for a person: public roles only)."""
    for prop, values in sorted(p.stated.items()):
        if prop in p.sets["shown_elsewhere"]:
            continue
        literals = [v for v in values.values() if isinstance(v.term, Literal)]
        if not literals or (p.view.is_person and prop not in p.sets["person_public"]):
            continue
        p.view.statements.append(Statement(p.collect.ref(prop), sorted_texts(literals, p.lang)))


def _hide_for_person(view: EntityView) -> None:
    view.description, view.sectors, view.services, view.audiences = [], [], [], []
    view.address, view.geometry, view.municipality = None, None, None
    view.identifiers, view.observations = [], []


def _page_graphs(view: EntityView, stated: Mapping[str, Mapping[str, Value]]) -> list[str]:
    graphs: set[str] = set()
    for values in stated.values():
        for value in values.values():
            graphs.update(value.graphs)
    for group in view.relations:
        for item in group.items:
            graphs.update(item.graphs)
            for detail in item.details:
                graphs.update(detail.graphs)
    for obs in view.observations:
        graphs.update(obs.graphs)
    return sorted(graphs)


def _sources(
    store: GraphStore, view: EntityView, stated: Mapping[str, Mapping[str, Value]], base: str
) -> dict[str, Source]:
    found = graph_sources(store, _page_graphs(view, stated), base)
    # a graph citing several datasets (an import) narrowed to what the entity itself cites
    own = {v.term.value for v in stated.get(DCT + "source", {}).values()}
    for source in found.values():
        mine = [d for d in source.documents if d.iri in own]
        if mine:
            source.documents = mine
    return found
