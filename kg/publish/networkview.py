"""The network views as Cytoscape.js elements: an entity's neighbourhood (1 or 2 hops along
the cci relation properties) and the whole ecosystem of organisations, filtered by relation
type, sector and kind.

Relations are the direct triples whose property a relation-type concept names with
``cci:directProperty`` (ontology/schemes/relation-types.ttl), so the set follows the data.
Both views are bounded (``MAX_NODES``, ``MAX_EDGES``) and say so when they are cut: the
M-scale graph (22,000 organisations, 120,000 relations) stays responsive in a browser.

The neighbourhood is read with a few small queries per node, so an entity page is fast even
on a cold store. The ecosystem needs every relation at once: it is read once per store into
an in-memory index (a few seconds at M scale) and filtered in Python afterwards.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.errors import NotFound
from kg.labels import pick
from kg.namespaces import FOAF_PERSON, ORG_ORGANIZATION, RDF_TYPE
from kg.publish.derivedindex import cached, index_file, read_index, write_index
from kg.publish.mapfilters import (
    FACETS,
    Filters,
    InvalidFilter,
    expand,
    parse_filters,
    passes,
    prefixes_for,
)
from kg.publish.mapindex import Option, options
from kg.publish.maplabels import (
    best_label,
    href,
    instances_of,
    kind_labels,
    label_of,
    local_name,
    read_labels,
    solutions,
    specific,
    values_of,
)
from kg.settings import Settings
from kg.store import EmbeddedStore, GraphStore

log = logging.getLogger("kg.publish.networkview")

#: nodes and edges the ecosystem view holds at most; more is cut, most connected first
MAX_NODES = 2_000
MAX_EDGES = 6_000
#: the same for a neighbourhood (drawn on an entity's page; nearest nodes first)
NEIGHBOURHOOD_MAX_NODES = 300
NEIGHBOURHOOD_MAX_EDGES = 1_500
#: facets the ecosystem filters by, besides the relation type
ECOSYSTEM_FACETS = ("sector", "kind")
#: relation types a reader may name at most
MAX_RELATION_TYPES = 50


#: The relation types and the property each names, with the property's labels (the
#: concept's prefLabel) and whether it is symmetric.
RELATION_TYPES = """
SELECT ?rt ?p ?notation ?label ?symmetric WHERE {
  ?rt cci:directProperty ?p .
  OPTIONAL { ?rt skos:notation ?notation }
  OPTIONAL { ?rt skos:prefLabel ?label }
  BIND(EXISTS { ?p a owl:SymmetricProperty } AS ?symmetric)
}
"""
#: Relation triples that start or end at ?n (bound, hence projected).
EDGES_OF = """
SELECT ?n ?s ?p ?o WHERE {
  { ?n ?p ?o . BIND(?n AS ?s) } UNION { ?s ?p ?n . BIND(?n AS ?o) }
  ?rt cci:directProperty ?p .
  FILTER(isIRI(?s) && isIRI(?o))
}
"""
#: What a node shows: its labels and classes (?n bound, hence projected).
ABOUT_NODE = """
SELECT ?n ?p ?o WHERE {
  VALUES ?p { rdf:type skos:prefLabel foaf:name dct:title rdfs:label }
  ?n ?p ?o .
}
"""
#: Whether ?n occurs in the graph at all (?n bound, hence projected).
EXISTS = "SELECT ?n WHERE { { ?n ?p ?o } UNION { ?s ?p ?n } } LIMIT 1"
#: node categories (for the drawing's colours), most specific first
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("event", "cci:Event"),
    ("event", "cci:Mission"),
    ("project", "cci:Project"),
    ("project", "cci:Programme"),
    ("publication", "cci:Publication"),
    ("place", "cci:CulturalPlace"),
    ("place", "cci:Municipality"),
)


@dataclass(frozen=True)
class RelationType:
    concept: str
    prop: str
    notation: str
    labels: Mapping[str, str]
    symmetric: bool


def relation_types(store: GraphStore, base: str) -> dict[str, RelationType]:
    """Property IRI -> its relation type, for every concept with a cci:directProperty."""
    rows = solutions(store, RELATION_TYPES, base=base)
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        prop = row["p"]
        if not isinstance(prop, NamedNode):
            continue
        entry = found.setdefault(
            prop.value,
            {
                "concept": row["rt"].value,
                "notation": row["notation"].value if row["notation"] else local_name(prop.value),
                "labels": {},
                "symmetric": row["symmetric"] is not None and row["symmetric"].value == "true",
            },
        )
        label = row["label"]
        if isinstance(label, Literal):
            entry["labels"].setdefault(label.language or "", label.value)
    return {
        prop: RelationType(e["concept"], prop, e["notation"], e["labels"], e["symmetric"])
        for prop, e in sorted(found.items(), key=lambda item: item[1]["notation"])
    }


def parse_relation_types(
    values: Iterable[str], types: Mapping[str, RelationType], base: str
) -> tuple[str, ...]:
    """``member-of``, ``reltype:member-of``, ``cci:memberOf`` or either full IRI -> the
    property IRIs; an unknown relation type is an ``InvalidFilter`` that lists the known."""
    chosen: list[str] = []
    by_name: dict[str, str] = {}
    prefixes = prefixes_for(base)
    for rt in types.values():
        for name in (
            rt.notation,
            rt.prop,
            rt.concept,
            "cci:" + rt.prop.removeprefix(prefixes["cci"]),
            "reltype:" + rt.concept.removeprefix(prefixes["reltype"]),
        ):
            by_name[name] = rt.prop
    for value in values:
        value = value.strip()
        if not value:
            continue
        prop = by_name.get(value)
        if prop is None:
            known = ", ".join(rt.notation for rt in types.values())
            raise InvalidFilter(f"unknown relation type {value[:80]!r}; known: {known}")
        if prop not in chosen:
            chosen.append(prop)
        if len(chosen) > MAX_RELATION_TYPES:
            raise InvalidFilter(f"at most {MAX_RELATION_TYPES} relation types")
    return tuple(chosen)


def kind_classes(store: GraphStore, base: str, lang: str) -> dict[str, str]:
    """The project's kind classes -> label in the reader's language."""
    return {c: label_of(ls, c, lang)[0] for c, ls in kind_labels(store, base).items()}


# --- elements -------------------------------------------------------------------------------


@dataclass
class Node:
    iri: str
    labels: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    types: set[str] = field(default_factory=set)
    sectors: set[str] = field(default_factory=set)


def _category(types: set[str], base: str) -> str:
    if ORG_ORGANIZATION in types:
        return "organisation"
    for category, name in CATEGORIES:
        if expand(name, base) in types:
            return category
    if FOAF_PERSON in types:
        return "person"
    return "other"


def node_element(node: Node, base: str, lang: str, kinds: Mapping[str, str]) -> dict[str, Any]:
    picked = best_label(node.labels, lang)
    label, label_lang = picked if picked else (local_name(node.iri), "")
    own = specific({t for t in node.types if t in kinds})
    return {
        "data": {
            "id": node.iri,
            "label": label,
            "lang": label_lang,
            "kind": _category(node.types, base),
            "kinds": [kinds[t] for t in own],
            "href": href(node.iri, base),
        }
    }


def edge_element(
    s: str, p: str, o: str, types: Mapping[str, RelationType], lang: str
) -> dict[str, Any]:
    rt = types[p]
    return {
        "data": {
            "id": f"{s} {rt.notation} {o}",
            "source": s,
            "target": o,
            "relation": p,
            "type": rt.notation,
            "label": pick(rt.labels, lang) or rt.notation,
            "symmetric": rt.symmetric,
        }
    }


def _edge_key(s: str, p: str, o: str, types: Mapping[str, RelationType]) -> tuple[str, str, str]:
    """One key for A partnerOf B and B partnerOf A (a symmetric property, stated twice)."""
    if types[p].symmetric and o < s:
        return o, p, s
    return s, p, o


# --- the neighbourhood ----------------------------------------------------------------------


def resolve_entity(value: str, base: str) -> str:
    """An entity named by its IRI or by its path under the base (``/id/…``)."""
    value = value.strip()
    if value.startswith("/id/"):
        value = base + value[1:]
    if "://" not in value or len(value) > 2000:
        raise InvalidFilter("`iri` must be an absolute IRI or a path /id/…")
    try:
        return NamedNode(value).value
    except ValueError:
        raise InvalidFilter(f"`iri` is not a valid IRI: {value[:80]!r}") from None


def _edges_of(store: GraphStore, iri: str, base: str) -> list[tuple[str, str, str]]:
    rows = solutions(store, EDGES_OF, {"n": NamedNode(iri)}, base)
    return [(r["s"].value, r["p"].value, r["o"].value) for r in rows]


def _describe(store: GraphStore, iri: str, base: str) -> Node:
    node = Node(iri)
    rows = solutions(store, ABOUT_NODE, {"n": NamedNode(iri)}, base)
    for row in rows:
        p, o = row["p"].value, row["o"]
        if p == RDF_TYPE:
            if isinstance(o, NamedNode):
                node.types.add(o.value)
        elif isinstance(o, Literal):
            node.labels[p].setdefault(o.language or "", o.value)
    return node


def neighbourhood(
    store: GraphStore,
    base: str,
    lang: str,
    iri: str,
    hops: int = 1,
    relations: Sequence[str] = (),
    *,
    max_nodes: int = NEIGHBOURHOOD_MAX_NODES,
    max_edges: int = NEIGHBOURHOOD_MAX_EDGES,
) -> dict[str, Any]:
    """The entity and what lies within ``hops`` (1 or 2) relations of it, either direction,
    along the given relation properties (all when empty), with every relation between the
    nodes shown. ``{"nodes", "edges", "center", "truncated", "hops"}``; nodes nearer the
    entity are kept first when the caps cut."""
    if hops not in (1, 2):
        raise InvalidFilter("`hops` must be 1 or 2")
    if not solutions(store, EXISTS, {"n": NamedNode(iri)}):
        raise NotFound(f"no entity {iri} in the graph")
    types = relation_types(store, base)
    allowed = set(relations) if relations else set(types)

    distance = {iri: 0}
    order = [iri]
    edges: dict[tuple[str, str, str], None] = {}
    truncated = False
    frontier = [iri]
    for hop in range(1, hops + 1):
        following: list[str] = []
        for current in frontier:
            for s, p, o in sorted(_edges_of(store, current, base)):
                if p not in allowed:
                    continue
                other = o if s == current else s
                if other not in distance:
                    if len(order) >= max_nodes:
                        truncated = True
                        continue
                    distance[other] = hop
                    order.append(other)
                    following.append(other)
                edges.setdefault(_edge_key(s, p, o, types))
        frontier = following
    # relations among the outermost nodes too, so the drawing shows every tie between them
    for current in frontier:
        for s, p, o in _edges_of(store, current, base):
            if p in allowed and s in distance and o in distance:
                edges.setdefault(_edge_key(s, p, o, types))

    ranked = sorted(edges, key=lambda e: (max(distance[e[0]], distance[e[2]]), e))
    if len(ranked) > max_edges:
        truncated = True
        ranked = ranked[:max_edges]
    kinds = kind_classes(store, base, lang)
    nodes = []
    for node_iri in order:
        element = node_element(_describe(store, node_iri, base), base, lang, kinds)
        element["data"]["distance"] = distance[node_iri]
        nodes.append(element)
    return {
        "center": iri,
        "hops": hops,
        "nodes": nodes,
        "edges": [edge_element(s, p, o, types, lang) for s, p, o in ranked],
        "truncated": truncated,
        "max_nodes": max_nodes,
        "max_edges": max_edges,
    }


# --- the whole ecosystem --------------------------------------------------------------------


@dataclass
class EcosystemIndex:
    """Every relation between two organisations, and what the views need of them."""

    types: dict[str, RelationType]
    edges: list[tuple[str, str, str]]  # (subject, property, object), deduplicated
    nodes: dict[str, Node]  # the organisations at either end of a relation
    names: dict[str, dict[str, str]]  # kinds and sectors -> {language: label}


def build_index(store: GraphStore, base: str) -> EcosystemIndex:
    """Read the relations between organisations with single-pattern queries (one per
    relation property, label property and class) and join them here, in Python: at M scale
    that is several times faster than the same join in the store."""
    types = relation_types(store, base)
    organisations = instances_of(store, ORG_ORGANIZATION)
    edges: dict[tuple[str, str, str], None] = {}
    for prop in types:
        for row in values_of(store, prop):
            s, o = row["s"].value, row["o"]
            if s in organisations and isinstance(o, NamedNode) and o.value in organisations:
                edges.setdefault(_edge_key(s, prop, o.value, types))
    nodes = {iri: Node(iri, types={ORG_ORGANIZATION}) for e in edges for iri in (e[0], e[2])}
    names: dict[str, dict[str, str]] = {}
    for cls, labels in kind_labels(store, base).items():
        names[cls] = dict(labels)
        for iri in instances_of(store, cls) & nodes.keys():
            nodes[iri].types.add(cls)
    for row in values_of(store, expand(FACETS["sector"][0], base)):
        node, sector = nodes.get(row["s"].value), row["o"]
        if node is not None and isinstance(sector, NamedNode):
            node.sectors.add(sector.value)
            names.setdefault(sector.value, {})
    read_labels(store, base, {iri: node.labels for iri, node in nodes.items()}, names)
    return EcosystemIndex(types, sorted(edges), nodes, names)


NETWORK_INDEX_FILE = "network-index.json"


def index_json(index: EcosystemIndex) -> dict[str, Any]:
    return {
        "types": {
            prop: [rt.concept, rt.notation, dict(rt.labels), rt.symmetric]
            for prop, rt in index.types.items()
        },
        "edges": index.edges,
        "nodes": {
            iri: [dict(node.labels), sorted(node.types), sorted(node.sectors)]
            for iri, node in index.nodes.items()
        },
        "names": index.names,
    }


def index_from_json(body: Mapping[str, Any]) -> EcosystemIndex:
    types = {
        prop: RelationType(concept, prop, notation, labels, bool(symmetric))
        for prop, (concept, notation, labels, symmetric) in body["types"].items()
    }
    edges = [(s, p, o) for s, p, o in body["edges"]]
    nodes = {
        iri: Node(iri, defaultdict(dict, labels), set(kinds), set(sectors))
        for iri, (labels, kinds, sectors) in body["nodes"].items()
    }
    return EcosystemIndex(types, edges, nodes, body["names"])


def derive(settings: Settings, store: EmbeddedStore, build_dir: Path) -> None:
    """The derived build step: the ecosystem's index, written beside the new store so that
    the server reads it instead of querying the whole store on the first visit."""
    index = build_index(store, settings.base)
    write_index(build_dir / NETWORK_INDEX_FILE, settings.base, index_json(index))


def ecosystem_index(store: GraphStore, base: str) -> EcosystemIndex:
    """The ecosystem's index of this store: read from the build's derived file when there
    is one, else built from the store; kept in memory for the store's lifetime."""

    def load() -> EcosystemIndex:
        body = read_index(index_file(store, NETWORK_INDEX_FILE), base)
        if body is not None:
            try:
                return index_from_json(body)
            except (KeyError, TypeError, ValueError):
                log.warning("the network index of %s is malformed; rebuilding it", store)
        return build_index(store, base)

    return cached(store, f"ecosystem {base}", load)


def _facet_values(node: Node) -> dict[str, set[str]]:
    return {"sector": node.sectors, "kind": node.types}


def ecosystem(
    store: GraphStore,
    base: str,
    lang: str,
    relations: Sequence[str] = (),
    filters: Filters | None = None,
    *,
    max_nodes: int = MAX_NODES,
    max_edges: int = MAX_EDGES,
) -> dict[str, Any]:
    """Organisations and the relations between them, along the given relation properties
    (all when empty). With sector or kind filters: the relations with a matching
    organisation at one end at least (``data.match`` marks the matching ones), so that
    their partners show too. When the caps cut, the most connected organisations are kept.
    ``{"nodes", "edges", "truncated", "total_nodes", "total_edges", "counts"}``
    (``counts``: relations per type before the cut)."""
    index = ecosystem_index(store, base)
    allowed = set(relations) if relations else set(index.types)
    keep: set[str] | None = None
    if filters:
        keep = {iri for iri, node in index.nodes.items() if passes(_facet_values(node), filters)}

    chosen = [
        e for e in index.edges if e[1] in allowed and (keep is None or e[0] in keep or e[2] in keep)
    ]
    counts: dict[str, int] = defaultdict(int)
    degree: dict[str, int] = defaultdict(int)
    for s, p, o in chosen:
        counts[index.types[p].notation] += 1
        degree[s] += 1
        degree[o] += 1
    ranked = sorted(degree, key=lambda n: (-degree[n], n))
    truncated = len(ranked) > max_nodes
    kept = set(ranked[:max_nodes])
    edges = [e for e in chosen if e[0] in kept and e[2] in kept]
    if len(edges) > max_edges:
        truncated = True
        rank = {n: i for i, n in enumerate(ranked)}
        edges = sorted(edges, key=lambda e: (max(rank[e[0]], rank[e[2]]), e))[:max_edges]
    kept = {n for e in edges for n in (e[0], e[2])}
    kinds = {c: label_of(ls, c, lang)[0] for c, ls in index.names.items()}
    nodes = []
    for iri in sorted(kept, key=lambda n: (-degree[n], n)):
        element = node_element(index.nodes[iri], base, lang, kinds)
        element["data"]["degree"] = degree[iri]
        if keep is not None:
            element["data"]["match"] = iri in keep
        nodes.append(element)
    return {
        "nodes": nodes,
        "edges": [edge_element(s, p, o, index.types, lang) for s, p, o in edges],
        "truncated": truncated,
        "total_nodes": len(degree),
        "total_edges": len(chosen),
        "counts": dict(sorted(counts.items())),
        "max_nodes": max_nodes,
        "max_edges": max_edges,
    }


@dataclass(frozen=True)
class RelationOption:
    value: str  # the relation type's notation, for the URL
    prop: str
    label: str
    count: int  # relations of this type between organisations


def ecosystem_options(
    store: GraphStore, base: str, lang: str
) -> tuple[list[RelationOption], dict[str, list[Option]]]:
    """The relation types (with how many relations between organisations each has) and the
    sectors and kinds of the organisations that have relations (with how many each)."""
    index = ecosystem_index(store, base)
    per_type: dict[str, int] = defaultdict(int)
    for _, p, _ in index.edges:
        per_type[p] += 1
    relations = [
        RelationOption(rt.notation, prop, pick(rt.labels, lang) or rt.notation, per_type[prop])
        for prop, rt in index.types.items()
    ]
    relations.sort(key=lambda o: (-o.count, o.label.casefold()))
    counts: dict[str, dict[str, int]] = {f: defaultdict(int) for f in ECOSYSTEM_FACETS}
    for node in index.nodes.values():
        for facet, values in _facet_values(node).items():
            for value in values:
                counts[facet][value] += 1
    facets = {f: options(f, counts[f], index.names, base, lang) for f in ECOSYSTEM_FACETS}
    return relations, facets


def parse_ecosystem_filters(pairs: Iterable[tuple[str, str]], base: str) -> Filters:
    return parse_filters(pairs, base, ECOSYSTEM_FACETS)
