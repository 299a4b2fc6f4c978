"""``concept_view``: the data of a SKOS concept's or scheme's page (labels and definitions
in every language, its place in the hierarchy, mappings, what uses it); ``scheme_tree``: a
scheme's concepts as an indented list, counted; ``concept_usage``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kg.namespaces import SKOS
from kg.store import GraphStore
from kg.views.entity import entity_view
from kg.views.model import LIST_PAGE, EntityView, Ref, RelationGroup, Value, cci, select_rows
from kg.views.vocabcache import cached, remember, vocabulary

SKOS_MAPPINGS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
#: A mapping is stated once, from one side; seen from the other side it reads inverted.
INVERSE_MAPPING = {
    "exactMatch": "exactMatch",
    "closeMatch": "closeMatch",
    "broadMatch": "narrowMatch",
    "narrowMatch": "broadMatch",
    "relatedMatch": "relatedMatch",
    "related": "related",
}


@dataclass
class ConceptView:
    entity: EntityView
    pref: dict[str, str] = field(default_factory=dict)
    alt: dict[str, list[str]] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    notation: str | None = None
    schemes: list[Ref] = field(default_factory=list)
    top_of: list[Ref] = field(default_factory=list)
    broader: list[Ref] = field(default_factory=list)
    narrower: list[Ref] = field(default_factory=list)
    mappings: list[tuple[str, Ref]] = field(default_factory=list)  # (skos local name, target)
    direct_property: Ref | None = None
    used_by: list[RelationGroup] = field(default_factory=list)
    is_scheme: bool = False
    tree: list[SchemeEntry] = field(default_factory=list)


@dataclass
class SchemeEntry:
    concept: Ref
    depth: int
    count: int


def _literal_values(view: EntityView, p: str) -> list[Value]:
    for st in view.statements:
        if st.prop.iri == p:
            return st.values
    return []


def concept_view(
    store: GraphStore,
    iri: str,
    base: str,
    *,
    lang: str = "fr",
    rel: str | None = None,
    page: int = 1,
    entity: EntityView | None = None,
) -> ConceptView:
    """A SKOS concept or scheme: labels and definitions in every language, its place in
    the hierarchy, mappings (stated once, shown from both sides), and what uses it.
    ``entity``: the concept's entity view when the caller has it already."""
    if entity is None:
        entity = entity_view(store, iri, base, lang=lang, rel=rel, page=page, page_size=LIST_PAGE)
    view = ConceptView(entity, is_scheme=entity.has_type(SKOS + "ConceptScheme"))
    out = {g.prop.iri: g for g in entity.relations if g.direction == "out"}
    inc = {g.prop.iri: g for g in entity.relations if g.direction == "in"}

    def refs(groups: Mapping[str, RelationGroup], p: str) -> list[Ref]:
        group = groups.get(SKOS + p)
        return [item.ref for item in group.items] if group else []

    names = {st.prop.iri: st.values for st in entity.names}
    view.pref = {v.lang: v.text for v in names.get(SKOS + "prefLabel", [])}
    if not view.pref:
        view.pref = dict(entity.labels)
    for value in names.get(SKOS + "altLabel", []):
        view.alt.setdefault(value.lang, []).append(value.text)
    vocab = vocabulary(store, base)
    view.definitions = dict(vocab.definitions.get(iri, {}))
    notation = _literal_values(entity, SKOS + "notation")
    view.notation = notation[0].text if notation else None
    view.schemes = refs(out, "inScheme")
    view.top_of = refs(out, "topConceptOf")
    broader = {r.iri: r for r in refs(out, "broader") + refs(inc, "narrower")}
    narrower = {r.iri: r for r in refs(inc, "broader") + refs(out, "narrower")}
    view.broader = sorted(broader.values(), key=lambda r: r.text(lang).casefold())
    view.narrower = sorted(narrower.values(), key=lambda r: r.text(lang).casefold())
    for name in (*SKOS_MAPPINGS, "related"):
        view.mappings += [(name, r) for r in refs(out, name)]
        view.mappings += [(INVERSE_MAPPING[name], r) for r in refs(inc, name)]
    direct = out.get(cci(base) + "directProperty")
    if direct and direct.items:
        view.direct_property = direct.items[0].ref
    structural = {
        SKOS + n
        for n in (
            "inScheme",
            "topConceptOf",
            "hasTopConcept",
            "broader",
            "narrower",
            "related",
            *SKOS_MAPPINGS,
        )
    }
    structural.add(cci(base) + "directProperty")
    view.used_by = [g for g in entity.relations if g.prop.iri not in structural]
    if view.is_scheme:
        view.tree = scheme_tree(store, iri, base, lang)
    return view


def scheme_tree(store: GraphStore, scheme: str, base: str, lang: str) -> list[SchemeEntry]:
    """The concepts of a scheme as an indented list (broader first), each with how many
    entities use it as sector, service or audience."""
    vocab = vocabulary(store, base)
    concepts = {c for c, schemes in vocab.in_scheme.items() if scheme in schemes}
    usage = concept_usage(store, base)
    parents = vocab.broader
    children: dict[str, list[str]] = {}
    roots = []
    for concept in concepts:
        inside = [b for b in parents.get(concept, []) if b in concepts]
        for b in inside:
            children.setdefault(b, []).append(concept)
        if not inside:
            roots.append(concept)

    def name(concept: str) -> str:
        return vocab.ref(concept).text(lang).casefold()

    entries: list[SchemeEntry] = []

    def walk(concept: str, depth: int, path: tuple[str, ...]) -> None:
        count = sum(usage.get(concept, {}).values())
        entries.append(SchemeEntry(vocab.ref(concept), depth, count))
        for child in sorted(children.get(concept, []), key=name):
            if child not in path:
                walk(child, depth + 1, (*path, child))

    for root in sorted(roots, key=name):
        walk(root, 0, (root,))
    return entries


#: How many entities use each concept as sector, service or audience.
CONCEPT_USAGE = """
SELECT ?p ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {
  VALUES ?p { cci:sector cci:offersService cci:catersFor }
  ?s ?p ?c .
} GROUP BY ?p ?c
"""


def concept_usage(store: GraphStore, base: str) -> dict[str, dict[str, int]]:
    """concept -> {property: how many entities use it}, kept per store."""
    found = cached(store, "usage")
    if found is not None:
        return found
    usage: dict[str, dict[str, int]] = {}
    for row in select_rows(store, CONCEPT_USAGE, None, base):
        if row["c"] is not None and row["p"] is not None:
            usage.setdefault(row["c"].value, {})[row["p"].value] = int(row["n"].value)
    return remember(store, "usage", usage)
