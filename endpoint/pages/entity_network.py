"""The network neighbourhood section of an entity page.

With JavaScript, endpoint/static/network.js draws the entity and what lies within 1 or 2
relations of it with Cytoscape.js, from ``/network/neighbourhood.json`` (endpoint/mapview),
and redraws it when the reader changes the hops or the relation types of the section's
form. Without JavaScript the drawing stays hidden; the form is a GET to ``/network`` (the
same parameters: ``iri``, ``hops``, ``rel``), whose neighbourhood page lists the relations
as a table, and a plain link leads there too."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from endpoint.http.i18n import translate
from endpoint.pages.maps import KINDS
from kg.labels import pick_with_language
from kg.publish import relationtypes
from kg.publish.derivedindex import cached
from kg.store import GraphStore
from kg.views.model import RelationGroup


@dataclass(frozen=True)
class RelationChoice:
    value: str  # the relation type's notation, as in /network?rel=
    label: str
    label_lang: str
    count: int  # the entity's own relations of this type, both directions


@dataclass(frozen=True)
class NeighbourhoodSection:
    iri: str
    hops: int
    relations: list[RelationChoice]
    #: the drawing's data (Cytoscape.js elements)
    data_url: str
    #: the same neighbourhood as a page of its own, which works without JavaScript
    network_url: str
    #: the drawing's legend: node categories (kg.publish.networkelements) in the reader's language
    kind_names: dict[str, str]


def relation_types(store: GraphStore, base: str) -> dict[str, relationtypes.RelationType]:
    """The relation types, read once per store."""
    key = f"relation-types {base}"
    return cached(store, key, lambda: relationtypes.relation_types(store, base))


def neighbourhood_section(
    store: GraphStore, base: str, lang: str, iri: str, groups: Iterable[RelationGroup]
) -> NeighbourhoodSection | None:
    """What the section needs, or None when the entity has no relation of any relation
    type (there would be nothing to draw). ``groups``: the entity page's relation groups,
    which count its relations by property and direction."""
    types = relation_types(store, base)
    direct: dict[str, int] = defaultdict(int)
    for group in groups:
        if group.prop.iri in types:
            direct[group.prop.iri] += group.count
    if not direct:
        return None
    choices = []
    for prop, rt in types.items():
        label, label_lang = pick_with_language(rt.labels, lang) or (rt.notation, "")
        choices.append(RelationChoice(rt.notation, label, label_lang, direct.get(prop, 0)))
    # its own relation types first: a path out of the entity starts with one of them
    choices.sort(key=lambda c: (-c.count, c.label.casefold()))
    return NeighbourhoodSection(
        iri=iri,
        hops=1,
        relations=choices,
        data_url="/network/neighbourhood.json?" + urlencode({"iri": iri, "hops": 1, "lang": lang}),
        network_url="/network?" + urlencode({"iri": iri, "lang": lang}),
        kind_names={k: translate(f"network.kind.{k}", lang) for k in KINDS},
    )
