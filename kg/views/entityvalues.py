"""The values of an entity page, put in order: texts by language, concepts by label,
the address, identifiers, the geometry, a page of relation items.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pyoxigraph import Literal, Triple
from shapely.geometry import MultiPolygon, Point, Polygon

from kg.labels import chain
from kg.namespaces import (
    KBO_PUBLIC_SEARCH,
    LOCN,
    RDF_TYPE,
    SKOS,
)
from kg.views.model import (
    Address,
    Geometry,
    Identifier,
    RelationItem,
    Value,
    cci,
    lang_of,
    node_key,
)
from kg.wkt import polygon_rings
from kg.wkt import read as read_wkt

KBO_SEARCH = KBO_PUBLIC_SEARCH


def parse_wkt(wkt: str) -> Geometry:
    """A WKT literal -> point (lat, lon) or polygon rings, centred on their bounds."""
    geometry = Geometry(wkt)
    found = read_wkt(wkt)
    if isinstance(found, Point):
        if -90 <= found.y <= 90 and -180 <= found.x <= 180:
            geometry.lat, geometry.lon = found.y, found.x
    elif isinstance(found, Polygon | MultiPolygon):
        geometry.rings = polygon_rings(found)
        bounds = geometry.bounds
        if bounds:
            geometry.lat = (bounds[0] + bounds[2]) / 2
            geometry.lon = (bounds[1] + bounds[3]) / 2
    return geometry


def page_items(items: list[RelationItem], lang: str, number: int, size: int) -> list[RelationItem]:
    items = sorted(items, key=lambda item: (item.ref.text(lang).casefold(), item.ref.iri))
    return items[(number - 1) * size : number * size]


def sorted_texts(values: Iterable[Value], lang: str | None = None) -> list[Value]:
    """Language versions of a text: the reader's language first, then along the chain."""
    order = chain(lang)
    return sorted(
        values,
        key=lambda v: (order.index(v.lang) if v.lang in order else len(order), v.lang, v.text),
    )


def sorted_refs(values: Iterable[Value], lang: str) -> list[Value]:
    return sorted(values, key=lambda v: (v.ref.text(lang) if v.ref else v.text).casefold())


def address_of(triples: list[Triple], graphs: list[str]) -> Address:
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


def identifiers_of(triples: list[Triple], graphs: list[str], base: str) -> list[Identifier]:
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
