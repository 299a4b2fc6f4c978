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
(labels of classes, properties, concepts) is read once per store (kg.vocabcache).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.errors import NotFound
from kg.labels import chain
from kg.namespaces import (
    ADMS,
    DCT,
    DEFAULT_BASE,
    FOAF,
    GEO,
    LEGAL,
    LOCN,
    ORG,
    OWL,
    RDF_TYPE,
    RDFS,
    SCHEMA,
    SKOS,
)
from kg.store import GraphStore
from kg.views.graphsources import graph_sources
from kg.views.model import (
    BY_NAME,
    GROUP_PAGE,
    LABEL_PREDICATES,
    Address,
    EntityView,
    Geometry,
    Identifier,
    Labels,
    Observation,
    Ref,
    RelationDetail,
    RelationGroup,
    RelationItem,
    Source,
    Statement,
    Value,
    cci,
    check_iri,
    chunks,
    construct_triples,
    iri_values,
    lang_of,
    local_name,
    node_key,
    pages,
    select_rows,
    sorted_graphs,
)
from kg.views.nodelabels import Collector
from kg.views.vocabcache import Vocabulary, vocabulary

KBO_SEARCH = "https://kbopub.economie.fgov.be/kbopub/zoeknummerform.html?nummer="
WIKIDATA = "http://www.wikidata.org/entity/"


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


#: The reified relationships between the entity ``{e}`` and the neighbours ``{others}``
#: a page shows (both serialised by pyoxigraph), with the graph stating each (as the
#: pseudo-statement ``?r <urn:x-kg:graph> ?g``: a CONSTRUCT gives triples, not quads).
#: The VALUES block sits inside each branch: the planner then starts from the neighbours.
RELATIONSHIPS = """
CONSTRUCT {{ ?r ?p ?o . ?r <urn:x-kg:graph> ?g }}
WHERE {{
  {{ VALUES ?other {{ {others} }} ?r cci:relObject ?other . GRAPH ?g {{ ?r cci:relSubject {e} }} }}
  UNION
  {{ VALUES ?other {{ {others} }} ?r cci:relSubject ?other . GRAPH ?g {{ ?r cci:relObject {e} }} }}
  ?r ?p ?o .
}}
"""
#: The same, starting from the entity's own relationships: cheaper unless the entity has
#: very many (a hub), while a neighbour may have thousands (the other plan's cost).
RELATIONSHIPS_OF_ENTITY = """
CONSTRUCT {{ ?r ?p ?o . ?r <urn:x-kg:graph> ?g }}
WHERE {{
  {{ GRAPH ?g {{ ?r cci:relSubject {e} }} ?r cci:relObject ?other . VALUES ?other {{ {others} }} }}
  UNION
  {{ GRAPH ?g {{ ?r cci:relObject {e} }} ?r cci:relSubject ?other . VALUES ?other {{ {others} }} }}
  ?r ?p ?o .
}}
"""
#: Up to this many relations, the relationships are looked up from the entity's side.
FROM_ENTITY_UP_TO = 2_000
GRAPH_OF = "urn:x-kg:graph"

#: What ``observation_rows`` reads of each ``?obs`` besides its measure and value: the end
#: of the WHERE clause of every query it is given.
OBSERVATION_DETAILS = """
  OPTIONAL { ?obs cci:unit ?unit }
  OPTIONAL { ?obs cci:isLowerBound ?lower }
  OPTIONAL { ?obs cci:refPeriod ?period }
  OPTIONAL { ?obs cci:refPeriodLabel ?periodLabel }
  OPTIONAL { ?obs cci:refArea ?area }
  OPTIONAL { ?obs dct:description ?desc }
}
"""

#: Figures about the entity (W3C Data Cube observations with cci:subject = entity): with the
#: measure dimension, the measure it names and the value under cci:obsValue (as the curated
#: figures give it); without (kg/network.py's per-organisation datasets), a row per measure
#: property it gives a value under. Looped from the observation: 2.4 ms at M for the
#: organisation with the most.
OBSERVATIONS = (
    """
SELECT ?e ?obs ?measure ?via ?value ?unit ?lower ?period ?periodLabel ?area ?desc ?g WHERE {
  GRAPH ?g { ?obs cci:subject ?e }
  OPTIONAL { ?obs qb:measureType ?named }
  OPTIONAL { ?obs cci:obsValue ?namedValue }
  OPTIONAL {
    FILTER(!BOUND(?named))
    ?obs ?measured ?measuredValue .
    ?measured a qb:MeasureProperty .
  }
  BIND(COALESCE(?named, ?measured) AS ?measure)
  BIND(COALESCE(?namedValue, ?measuredValue) AS ?value)
  OPTIONAL { ?obs cci:viaRelationType ?via }"""
    + OBSERVATION_DETAILS
)


def _prop_sets(base: str) -> dict[str, set[str]]:
    sets = _base_prop_sets(base)
    sets["shown_elsewhere"] = set().union(
        *(sets[k] for k in ("names", "description", "sector", "service", "audience", "owned"))
    )
    return sets


def _base_prop_sets(base: str) -> dict[str, set[str]]:
    c = cci(base)
    return {
        "names": {
            SKOS + "prefLabel",
            SKOS + "altLabel",
            RDFS + "label",
            FOAF + "name",
            LEGAL + "legalName",
            DCT + "title",
        },
        "description": {DCT + "description", SKOS + "definition"},
        "sector": {c + "sector"},
        "service": {c + "offersService"},
        "audience": {c + "catersFor"},
        "owned": {
            LOCN + "address",
            LOCN + "geometry",
            LEGAL + "legalIdentifier",
            ADMS + "identifier",
        },
        # shown elsewhere on the page, or not a relation between entities
        "not_relations": {
            RDF_TYPE,
            c + "municipality",
            OWL + "sameAs",
            FOAF + "homepage",
            DCT + "source",
            c + "relSubject",
            c + "relObject",
            c + "subject",
        },
        # incoming statements that are not relations to show (reified, figures, kinds)
        "not_incoming": {c + "relSubject", c + "relObject", c + "subject", RDF_TYPE},
        # what a person's page may show besides names and relations (public roles)
        "person_public": {SCHEMA + "jobTitle", ORG + "role", c + "role"},
    }


#: The names of an entity, in the order a page shows them.
NAME_ORDER = (
    SKOS + "prefLabel",
    RDFS + "label",
    FOAF + "name",
    DCT + "title",
    SKOS + "altLabel",
    LEGAL + "legalName",
)


#: Kinds whose pages list where an entity takes part ("working groups, projects, events").
def _activity_kinds(base: str) -> set[str]:
    c = cci(base)
    return {
        c + "WorkingGroup",
        c + "SteeringCommittee",
        c + "Project",
        c + "Programme",
        c + "Event",
        c + "Mission",
    }


POINT = re.compile(
    r"^\s*(?:<[^>]*>\s*)?POINT\s*(?:Z\s*)?\(\s*([-+\d.eE]+)\s+([-+\d.eE]+)(?:\s+[-+\d.eE]+)?\s*\)\s*$",
    re.IGNORECASE,
)
RING = re.compile(r"\(([^()]+)\)")


def parse_wkt(wkt: str) -> Geometry:
    """A WKT literal (CRS84: longitude first) -> point (lat, lon) or polygon rings."""
    geometry = Geometry(wkt)
    point = POINT.match(wkt)
    if point:
        lon, lat = float(point.group(1)), float(point.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            geometry.lat, geometry.lon = lat, lon
        return geometry
    if re.match(r"^\s*(?:<[^>]*>\s*)?(MULTI)?POLYGON", wkt, re.IGNORECASE):
        for ring in RING.findall(wkt):
            points = []
            for pair in ring.split(","):
                parts = pair.split()
                if len(parts) >= 2:
                    try:
                        points.append((float(parts[1]), float(parts[0])))
                    except ValueError:
                        continue
            if points:
                geometry.rings.append(points)
        bounds = geometry.bounds
        if bounds:
            geometry.lat = (bounds[0] + bounds[2]) / 2
            geometry.lon = (bounds[1] + bounds[3]) / 2
    return geometry


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
    node = check_iri(iri)
    vocab = vocabulary(store, base)
    sets = _prop_sets(base)
    c = cci(base)
    collect = Collector(store, base, vocab)
    view = EntityView(iri)
    subs = {"e": node}

    def page_of(key: str, count: int) -> int:
        return min(max(1, page) if rel == key else 1, pages(count, page_size))

    # --- what the entity says, by property and object, with the graphs saying it
    out_rows = select_rows(store, OUTGOING, subs, base)
    counts = {
        row["p"].value: int(row["n"].value)
        for row in select_rows(store, INCOMING_COUNTS, subs, base)
        if row["p"] is not None
    }
    if not out_rows and not counts:
        raise NotFound(f"nothing is known about <{iri}>")
    view.incoming_counts = counts
    stated: dict[str, dict[str, Value]] = {}
    for row in out_rows:
        o = row["o"]
        values = stated.setdefault(row["p"].value, {})
        value = values.get(node_key(o))
        if value is None:
            value = values[node_key(o)] = Value(o)
            if isinstance(o, NamedNode):
                value.ref = collect.ref(o.value)
        value.graphs = sorted_graphs([*value.graphs, row["g"].value])
    view.own_graphs = sorted_graphs(row["g"].value for row in out_rows)
    types = sorted(v.term.value for v in stated.get(RDF_TYPE, {}).values())
    view.types = [collect.ref(t) for t in types]
    view.is_person = FOAF + "Person" in types

    # the nodes it owns (address, geometry, identifier), described in full
    owned = [
        v.term.value
        for p in sets["owned"]
        for v in stated.get(p, {}).values()
        if isinstance(v.term, NamedNode)
    ]
    owned_triples: dict[str, list[Triple]] = {}
    if owned and not view.is_person:
        for t in construct_triples(store, OWNED.format(nodes=iri_values(owned)), base):
            owned_triples.setdefault(node_key(t.subject), []).append(t)

    # --- what others say of it, by property: a group of up to BY_NAME members is ordered
    # by name (all labels fetched), a larger one by IRI (only the page shown is labelled)
    incoming: dict[str, dict[str, tuple[Any, list[str]]]] = {}
    if any(p not in sets["not_incoming"] for p in counts):
        for row in select_rows(store, INCOMING, subs, base):
            s = row["s"]
            if isinstance(s, NamedNode | BlankNode):
                members = incoming.setdefault(row["p"].value, {})
                term, graphs = members.get(node_key(s), (s, []))
                members[node_key(s)] = (term, [*graphs, row["g"].value])
    pending: list[tuple[RelationGroup, list[RelationItem] | None]] = []
    for p, values in stated.items():
        if p in sets["shown_elsewhere"] or p in sets["not_relations"]:
            continue
        objects = [v for v in values.values() if not isinstance(v.term, Literal)]
        if objects:
            items = [RelationItem(v.ref or Ref(node_key(v.term)), v.graphs) for v in objects]
            group = RelationGroup(collect.ref(p), "out", len(items), size=page_size)
            group.page = page_of(p, len(items))
            pending.append((group, items))
    for p, members in incoming.items():
        group = RelationGroup(collect.ref(p), "in", len(members), size=page_size)
        group.page = page_of("^" + p, len(members))
        keys = sorted(members)
        if len(keys) > BY_NAME:
            keys = keys[(group.page - 1) * page_size : group.page * page_size]
        items = []
        for key in keys:
            term, graphs = members[key]
            ref = collect.ref(term.value) if isinstance(term, NamedNode) else Ref(key)
            items.append(RelationItem(ref, sorted_graphs(graphs)))
        if len(members) > BY_NAME:
            group.items = items  # already the page, in IRI order
            pending.append((group, None))
        else:
            pending.append((group, items))

    # --- labels and kinds of every node met so far, in one query
    collect.fetch()
    for group, all_items in pending:
        if all_items is not None:
            group.items = page_items(all_items, lang, group.page, page_size)
    groups = [group for group, _ in pending]
    groups.sort(key=lambda g: (g.direction != "out", g.prop.text(lang).casefold(), g.prop.iri))
    view.relations = groups

    # --- reified relationships with the neighbours shown, and figures, when there are some
    if counts.get(c + "relSubject") or counts.get(c + "relObject"):
        _attach_details(store, view, node, base, vocab, collect)
    if counts.get(c + "subject"):
        view.observations = _observations(store, node, base, collect)
    collect.fetch()  # whatever those two met (roles, measures outside the vocabulary)

    # --- names, description, what it does
    for p in LABEL_PREDICATES:
        ranked = Labels()
        for value in stated.get(p, {}).values():
            if isinstance(value.term, Literal):
                ranked.add(value.text, value.lang, 0)
        if ranked:
            view.labels = ranked.by_lang
            break
    shown_names: set[str] = set()
    for p in NAME_ORDER:  # a name another property already gave is not repeated
        given = stated.get(p, {}).values()
        names = [v for v in given if isinstance(v.term, Literal) and v.text not in shown_names]
        if names:
            view.names.append(Statement(collect.ref(p), _sorted_texts(names, lang)))
            shown_names.update(v.text for v in names)
    view.description = _sorted_texts(stated.get(DCT + "description", {}).values(), lang) or (
        _sorted_texts(stated.get(SKOS + "definition", {}).values(), lang)
    )
    view.sectors = _sorted_refs(stated.get(c + "sector", {}).values(), lang)
    view.services = _sorted_refs(stated.get(c + "offersService", {}).values(), lang)
    view.audiences = _sorted_refs(stated.get(c + "catersFor", {}).values(), lang)
    municipality = _sorted_refs(stated.get(c + "municipality", {}).values(), lang)
    view.municipality = municipality[0] if municipality else None

    # --- address, coordinates, identifiers
    for value in stated.get(LOCN + "address", {}).values():
        view.address = _address(owned_triples.get(node_key(value.term), []), value.graphs)
    for value in stated.get(LOCN + "geometry", {}).values():
        for t in owned_triples.get(node_key(value.term), []):
            if t.predicate.value == GEO + "asWKT" and isinstance(t.object, Literal):
                view.geometry = parse_wkt(t.object.value)
                view.geometry.graphs = value.graphs
    for p in (LEGAL + "legalIdentifier", ADMS + "identifier"):
        for value in stated.get(p, {}).values():
            found = _identifier(owned_triples.get(node_key(value.term), []), value.graphs, base)
            view.identifiers.extend(found)
    for value in stated.get(OWL + "sameAs", {}).values():
        if isinstance(value.term, NamedNode):
            target = value.term.value
            if target.startswith(WIKIDATA):
                shown = Identifier("wikidata", local_name(target), target, value.graphs)
            else:
                shown = Identifier("sameas", target, target, value.graphs)
            view.identifiers.append(shown)
    for value in stated.get(FOAF + "homepage", {}).values():
        if isinstance(value.term, NamedNode):
            target = value.term.value
            view.identifiers.append(Identifier("homepage", target, target, value.graphs))

    # working groups, projects, events it takes part in: the objects of its relations
    activity = _activity_kinds(base)
    seen: set[str] = set()
    for group in groups:
        if group.direction == "out":
            for item in group.items:
                if item.ref.iri not in seen and activity & set(item.ref.types):
                    seen.add(item.ref.iri)
                    view.takes_part_in.append(item)

    # --- any other literal statement (for a person: public roles only)
    for p, values in sorted(stated.items()):
        if p in sets["shown_elsewhere"]:
            continue
        literals = [v for v in values.values() if isinstance(v.term, Literal)]
        if not literals or (view.is_person and p not in sets["person_public"]):
            continue
        view.statements.append(Statement(collect.ref(p), _sorted_texts(literals, lang)))

    if view.is_person:  # a person's page: names and public roles only
        view.description, view.sectors, view.services, view.audiences = [], [], [], []
        view.address, view.geometry, view.municipality = None, None, None
        view.identifiers, view.observations = [], []

    # --- the source of every statement on the page
    view.sources = _sources(store, view, stated, base)
    return view


def page_items(items: list[RelationItem], lang: str, number: int, size: int) -> list[RelationItem]:
    items = sorted(items, key=lambda item: (item.ref.text(lang).casefold(), item.ref.iri))
    return items[(number - 1) * size : number * size]


def _attach_details(
    store: GraphStore,
    view: EntityView,
    node: NamedNode,
    base: str,
    vocab: Vocabulary,
    collect: Collector,
) -> None:
    """The reified relationships between the entity and the neighbours shown, each put on
    the relation item it qualifies (found through its type's direct property)."""
    by_key: dict[tuple[str, str, str], RelationItem] = {}
    by_other: dict[str, RelationItem] = {}
    for group in view.relations:
        for item in group.items:
            by_key[(group.direction, group.prop.iri, item.ref.iri)] = item
            by_other.setdefault(item.ref.iri, item)
    others = [iri for iri in by_other if iri.startswith(("http://", "https://", "urn:"))]
    if not others:
        return
    c = cci(base)
    described: dict[str, dict[str, list[Any]]] = {}
    degree = sum(group.count for group in view.relations)
    plan = RELATIONSHIPS_OF_ENTITY if degree <= FROM_ENTITY_UP_TO else RELATIONSHIPS
    for chunk in chunks(others, 200):
        sparql = plan.format(others=iri_values(chunk), e=str(node))
        for t in construct_triples(store, sparql, base):
            entry = described.setdefault(node_key(t.subject), {})
            entry.setdefault(t.predicate.value, []).append(t.object)
    details = []
    for r, facts in described.items():

        def first(p: str, facts: dict[str, list[Any]] = facts) -> Any:
            return facts.get(p, [None])[0]

        subject, obj = first(c + "relSubject"), first(c + "relObject")
        if subject == node and isinstance(obj, NamedNode):
            side, other = "out", obj.value
        elif obj == node and isinstance(subject, NamedNode):
            side, other = "in", subject.value
        else:
            continue
        detail = RelationDetail(r)
        kind = first(c + "relationType")
        if isinstance(kind, NamedNode):
            detail.type = collect.ref(kind.value)
        role = first(ORG + "role")
        if isinstance(role, NamedNode):
            detail.role = collect.ref(role.value)
        for text in facts.get(c + "role", []):
            if isinstance(text, Literal):
                detail.role_text[lang_of(text)] = text.value
        for text in facts.get(DCT + "description", []):
            if isinstance(text, Literal):
                detail.description[lang_of(text)] = text.value
        start, end = first(SCHEMA + "startDate"), first(SCHEMA + "endDate")
        detail.start = start.value if isinstance(start, Literal) else None
        detail.end = end.value if isinstance(end, Literal) else None
        detail.graphs = sorted_graphs(
            g.value for g in facts.get(GRAPH_OF, []) if isinstance(g, NamedNode)
        )
        prop = vocab.direct_property.get(detail.type.iri, "") if detail.type else ""
        there = "in" if side == "out" else "out"
        found = by_key.get((side, prop, other)) or by_key.get((there, prop, other))
        details.append((found if found is not None else by_other[other], detail))
    for item, detail in sorted(details, key=lambda x: (x[1].start or "", x[1].iri)):
        item.details.append(detail)


def _sorted_texts(values: Iterable[Value], lang: str | None = None) -> list[Value]:
    """Language versions of a text: the reader's language first, then along the chain."""
    order = chain(lang)
    return sorted(
        values,
        key=lambda v: (order.index(v.lang) if v.lang in order else len(order), v.lang, v.text),
    )


def _sorted_refs(values: Iterable[Value], lang: str) -> list[Value]:
    return sorted(values, key=lambda v: (v.ref.text(lang) if v.ref else v.text).casefold())


def _address(triples: list[Triple], graphs: list[str]) -> Address:
    address = Address(graphs=graphs)
    for t in triples:
        p, o = t.predicate.value, t.object
        if not isinstance(o, Literal):
            continue
        if p == LOCN + "fullAddress":
            address.full[lang_of(o)] = o.value
        elif p == LOCN + "thoroughfare":
            address.street[lang_of(o)] = o.value
        elif p == LOCN + "locatorDesignator":
            address.number = o.value
        elif p == LOCN + "postCode":
            address.post_code = o.value
        elif p == LOCN + "postName":
            address.post_name[lang_of(o)] = o.value
    return address


def _identifier(triples: list[Triple], graphs: list[str], base: str) -> list[Identifier]:
    kinds = {node_key(t.object) for t in triples if t.predicate.value == RDF_TYPE}
    found = []
    for t in triples:
        if t.predicate.value == SKOS + "notation" and isinstance(t.object, Literal):
            number = t.object.value
            if cci(base) + "EnterpriseNumber" in kinds:
                digits = re.sub(r"\D", "", number)
                found.append(Identifier("kbo", number, KBO_SEARCH + digits, graphs))
            else:
                found.append(Identifier("other", number, None, graphs))
    return found


def observation_rows(rows: list[Any], collect: Collector) -> list[Observation]:
    """One figure per observation and measure (an observation without the measure dimension
    gives several), in the order of their IRIs."""
    found: dict[tuple[str, str], Observation] = {}
    for row in rows:
        obs = row["obs"]
        if not isinstance(obs, NamedNode):
            continue
        measure = row["measure"]
        key = (obs.value, measure.value if isinstance(measure, NamedNode) else "")
        item = found.get(key)
        if item is None:
            item = found[key] = Observation(obs.value)
            if isinstance(measure, NamedNode):
                item.measure = collect.ref(measure.value)
        subject = row["subject"]  # None when the query does not project it
        if isinstance(subject, NamedNode):
            item.subject = collect.ref(subject.value)
        via = row["via"]  # None when the query does not project it
        if isinstance(via, NamedNode):
            item.via = collect.ref(via.value)
        if isinstance(row["value"], Literal):
            item.value = row["value"].value
        if isinstance(row["unit"], NamedNode):
            item.unit = local_name(row["unit"].value)
        if isinstance(row["lower"], Literal):
            item.lower_bound = row["lower"].value in ("true", "1")
        if isinstance(row["period"], Literal):
            item.period = row["period"].value
        if isinstance(row["periodLabel"], Literal):
            item.period_label[lang_of(row["periodLabel"])] = row["periodLabel"].value
        if isinstance(row["area"], NamedNode):
            item.area = local_name(row["area"].value)
        if isinstance(row["desc"], Literal):
            item.description[lang_of(row["desc"])] = row["desc"].value
        if row["g"] is not None:
            item.graphs = sorted_graphs([*item.graphs, row["g"].value])
    return [found[key] for key in sorted(found)]


def _observations(
    store: GraphStore, node: NamedNode, base: str, collect: Collector
) -> list[Observation]:
    return observation_rows(select_rows(store, OBSERVATIONS, {"e": node}, base), collect)


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
