"""The reified relationships (``cci:relSubject`` / ``cci:relObject``) between an entity
and the neighbours its page shows: role, period, source, attached to each relation item.
"""

from __future__ import annotations

from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.namespaces import (
    DCT,
    ORG,
    SCHEMA,
)
from kg.store import GraphStore
from kg.views.model import (
    EntityView,
    RelationDetail,
    RelationItem,
    cci,
    chunks,
    construct_triples,
    iri_values,
    lang_of,
    node_key,
    sorted_graphs,
)
from kg.views.nodelabels import Collector
from kg.views.vocabcache import Vocabulary

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


def attach_details(
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
