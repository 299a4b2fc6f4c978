"""The relation types the network shows: the SKOS concepts of the relation scheme with
the properties they stand for, and the reader's choice of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.namespaces import all_prefixes
from kg.publish.mapfilters import (
    InvalidFilter,
)
from kg.publish.maplabels import (
    kind_labels,
    label_of,
    local_name,
    solutions,
)
from kg.store import GraphStore

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
    prefixes = all_prefixes(base)
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
