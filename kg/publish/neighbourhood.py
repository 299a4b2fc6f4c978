"""The neighbourhood of one entity in the network (the entity's network page): its
relations both ways, a step or two out, within caps on nodes and edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.errors import NotFound
from kg.namespaces import RDF_TYPE
from kg.publish.mapfilters import (
    InvalidFilter,
)
from kg.publish.maplabels import (
    solutions,
)
from kg.publish.networkelements import Node, edge_element, edge_key, node_element
from kg.publish.relationtypes import kind_classes, relation_types
from kg.store import GraphStore

#: the same for a neighbourhood (drawn on an entity's page; nearest nodes first)
NEIGHBOURHOOD_MAX_NODES = 300
NEIGHBOURHOOD_MAX_EDGES = 1_500
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
                edges.setdefault(edge_key(s, p, o, types))
        frontier = following
    # relations among the outermost nodes too, so the drawing shows every tie between them
    for current in frontier:
        for s, p, o in _edges_of(store, current, base):
            if p in allowed and s in distance and o in distance:
                edges.setdefault(edge_key(s, p, o, types))

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
