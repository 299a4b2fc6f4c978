"""The network views as Cytoscape.js elements: an entity's neighbourhood (1 or 2 hops along
the cci relation properties) and the whole ecosystem of organisations, filtered by relation
type, sector and kind.

Relations are the direct triples whose property a relation-type concept names with
``cci:directProperty`` (ontology/schemes/relation-types.ttl), so the set follows the data.
Both views are bounded (``MAX_NODES``, ``MAX_EDGES``) and say so when they are cut, so that
a large graph stays responsive in a browser.

The neighbourhood is read with a few small queries per node, so an entity page is fast even
on a cold store. The ecosystem needs every relation at once: it is read once per store into
an in-memory index and filtered in Python afterwards. The relation types live in
``kg.publish.relationtypes``, the elements in ``kg.publish.networkelements``, the
neighbourhood in ``kg.publish.neighbourhood``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from kg.labels import pick
from kg.namespaces import ORG_ORGANIZATION
from kg.publish.derivedindex import cached, index_file, read_index, write_index
from kg.publish.mapfilters import (
    FACETS,
    Filters,
    expand,
    parse_filters,
    passes,
)
from kg.publish.mapindex import Option, options
from kg.publish.maplabels import (
    instances_of,
    kind_labels,
    label_of,
    read_labels,
    values_of,
)
from kg.publish.networkelements import Node, edge_element, edge_key, node_element
from kg.publish.relationtypes import RelationType, relation_types
from kg.settings import Settings
from kg.store import EmbeddedStore, GraphStore

log = logging.getLogger("kg.publish.networkview")

#: nodes and edges the ecosystem view holds at most; more is cut, most connected first
MAX_NODES = 2_000
MAX_EDGES = 6_000
#: facets the ecosystem filters by, besides the relation type
ECOSYSTEM_FACETS = ("sector", "kind")


@dataclass
class EcosystemIndex:
    """Every relation between two organisations, and what the views need of them."""

    types: dict[str, RelationType]
    edges: list[tuple[str, str, str]]  # (subject, property, object), deduplicated
    nodes: dict[str, Node]  # the organisations at either end of a relation
    names: dict[str, dict[str, str]]  # kinds and sectors -> {language: label}


def build_index(store: GraphStore, base: str) -> EcosystemIndex:
    """Read the relations between organisations with single-pattern queries (one per
    relation property, label property and class) and join them here, in Python: faster than
    the same join in the store (figures in bench/README.md)."""
    types = relation_types(store, base)
    organisations = instances_of(store, ORG_ORGANIZATION)
    edges: dict[tuple[str, str, str], None] = {}
    for prop in types:
        for row in values_of(store, prop):
            s, o = row["s"].value, row["o"]
            if s in organisations and isinstance(o, NamedNode) and o.value in organisations:
                edges.setdefault(edge_key(s, prop, o.value, types))
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
