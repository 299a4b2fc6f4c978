"""Nodes and edges of the network as Cytoscape elements: a node's category (its colour)
from its kinds, its label in the reader's language.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kg.labels import pick
from kg.namespaces import FOAF_PERSON, ORG_ORGANIZATION
from kg.publish.mapfilters import (
    expand,
)
from kg.publish.maplabels import (
    best_label,
    href,
    local_name,
    specific,
)
from kg.publish.relationtypes import RelationType

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


def edge_key(s: str, p: str, o: str, types: Mapping[str, RelationType]) -> tuple[str, str, str]:
    """One key for A partnerOf B and B partnerOf A (a symmetric property, stated twice)."""
    if types[p].symmetric and o < s:
        return o, p, s
    return s, p, o
