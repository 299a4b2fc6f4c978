"""The map's data: every geolocated entity as GeoJSON, filtered by the search facets.

An entity is geolocated when it has ``locn:geometry`` whose ``geo:asWKT`` is a POINT (read by
``kg.wkt``). Facet values come from the reader (URL parameters): ``kg.publish.mapfilters``
resolves and checks them, and they never enter a query: the filtering is done in Python.

A join in the store is too slow for a page at M scale, so the points, their labels and
facet values are read with single-pattern queries (values bound through substitutions,
which pyoxigraph applies to projected variables only, so they are projected) into an index
(``map_index``): written by the build as a derived file beside the store (``derive``), or
built from the store on first use, then kept in memory (``kg.publish.derivedindex``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.labels import default_language, languages
from kg.namespaces import (
    GEO,
    LOCN,
)
from kg.publish.derivedindex import cached, index_file, read_index, write_index
from kg.publish.mapfilters import FACETS, Filters, expand, passes, short
from kg.publish.maplabels import (
    best_label,
    href,
    instances_of,
    kind_labels,
    label_of,
    local_name,
    read_labels,
    specific,
    values_of,
)
from kg.settings import Settings
from kg.store import EmbeddedStore, GraphStore
from kg.wkt import parse_point

log = logging.getLogger("kg.publish.mapindex")


@dataclass
class Place:
    """One geolocated entity."""

    iri: str
    lon: float
    lat: float
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # property -> lang -> text
    values: dict[str, set[str]] = field(default_factory=dict)  # facet -> IRIs (kinds too)


@dataclass
class MapIndex:
    places: dict[str, Place]
    names: dict[str, dict[str, str]]  # facet value (class, concept, municipality) -> labels
    #: language -> (place, GeoJSON feature) sorted by label, made on first use
    prepared: dict[str, list[tuple[Place, dict[str, Any]]]] = field(default_factory=dict)


def build_map_index(store: GraphStore, base: str) -> MapIndex:
    """Read the geolocated entities with single-pattern queries (one per property and
    class) and join them here: faster than the same join in the store (figures in
    bench/README.md)."""
    geometry_of: dict[str, str] = {}
    # an address's point is its owner's (which states it too): the address is no place
    addresses = instances_of(store, LOCN + "Address")
    for row in values_of(store, LOCN + "geometry"):
        s, o = row["s"], row["o"]
        if isinstance(s, NamedNode) and not isinstance(o, Literal) and s.value not in addresses:
            geometry_of.setdefault(o.value, s.value)
    places: dict[str, Place] = {}
    for row in values_of(store, GEO + "asWKT"):
        subject, wkt = geometry_of.get(row["s"].value), row["o"]
        if subject is None or subject in places or not isinstance(wkt, Literal):
            continue
        point = parse_point(wkt.value)
        if point is not None:
            places[subject] = Place(subject, *point)
    names: dict[str, dict[str, str]] = {}
    for facet, (prop, _) in FACETS.items():
        if facet == "kind":
            continue
        for row in values_of(store, expand(prop, base)):
            place, value = places.get(row["s"].value), row["o"]
            if place is not None and isinstance(value, NamedNode):
                place.values.setdefault(facet, set()).add(value.value)
                names.setdefault(value.value, {})
    for cls, labels in kind_labels(store, base).items():
        names[cls] = dict(labels)
        for iri in instances_of(store, cls) & places.keys():
            places[iri].values.setdefault("kind", set()).add(cls)
    read_labels(store, base, {iri: place.labels for iri, place in places.items()}, names)
    return MapIndex(places, names)


MAP_INDEX_FILE = "map-index.json"


def map_index_json(index: MapIndex) -> dict[str, Any]:
    return {
        "places": [
            [p.iri, p.lon, p.lat, p.labels, {k: sorted(v) for k, v in p.values.items()}]
            for p in index.places.values()
        ],
        "names": index.names,
    }


def map_index_from_json(body: Mapping[str, Any]) -> MapIndex:
    places = {
        iri: Place(iri, float(lon), float(lat), labels, {k: set(v) for k, v in values.items()})
        for iri, lon, lat, labels, values in body["places"]
    }
    return MapIndex(places, body["names"])


def derive(settings: Settings, store: EmbeddedStore, build_dir: Path) -> None:
    """The derived build step: the map's index, written beside the new store so that the
    server reads it instead of querying the store on the first visit to the map."""
    index = build_map_index(store, settings.base)
    write_index(build_dir / MAP_INDEX_FILE, settings.base, map_index_json(index))


def map_index(store: GraphStore, base: str) -> MapIndex:
    """The map's index of this store: read from the build's derived file when there is
    one, else built from the store; kept in memory for the store's lifetime."""

    def load() -> MapIndex:
        body = read_index(index_file(store, MAP_INDEX_FILE), base)
        if body is not None:
            try:
                return map_index_from_json(body)
            except (KeyError, TypeError, ValueError):
                log.warning("the map index of %s is malformed; rebuilding it", store)
        return build_map_index(store, base)

    return cached(store, f"map {base}", load)


def _feature(place: Place, index: MapIndex, base: str, lang: str) -> dict[str, Any]:
    picked = best_label(place.labels, lang)
    text, text_lang = picked if picked else (local_name(place.iri), "")
    kinds = specific(place.values.get("kind", set()))
    municipality = sorted(place.values.get("municipality", ()))
    return {
        "type": "Feature",
        "id": place.iri,
        "geometry": {"type": "Point", "coordinates": [round(place.lon, 6), round(place.lat, 6)]},
        "properties": {
            "label": text,
            "lang": text_lang,
            "href": href(place.iri, base),
            "kinds": [label_of(index.names.get(k, {}), k, lang)[0] for k in kinds],
            "municipality": (
                label_of(index.names.get(municipality[0], {}), municipality[0], lang)[0]
                if municipality
                else None
            ),
        },
    }


def features(
    store: GraphStore, base: str, lang: str, filters: Filters | None = None
) -> dict[str, Any]:
    """Every geolocated entity that passes the filters, as a GeoJSON FeatureCollection
    sorted by label. Each feature's ``id`` is the entity's IRI; its ``properties``:
    ``label`` (and its ``lang``) in the reader's language, ``href`` (the entity's page, or
    null for an IRI outside the base), ``kinds`` (labels of the project's classes) and
    ``municipality`` (its label)."""
    index = map_index(store, base)
    lang = lang if lang in languages() else default_language()
    prepared = index.prepared.get(lang)
    if prepared is None:  # once per language: labels picked and sorted
        prepared = [(p, _feature(p, index, base, lang)) for p in index.places.values()]
        prepared.sort(key=lambda pair: (pair[1]["properties"]["label"].casefold(), pair[0].iri))
        index.prepared[lang] = prepared
    return {
        "type": "FeatureCollection",
        "features": [feature for place, feature in prepared if passes(place.values, filters)],
    }


@dataclass(frozen=True)
class Option:
    value: str  # short form, for the URL
    iri: str
    label: str
    lang: str
    count: int


def facet_options(
    store: GraphStore, base: str, lang: str, facets: Sequence[str] = tuple(FACETS)
) -> dict[str, list[Option]]:
    """The values each facet takes among the geolocated entities, with how many have each,
    labelled in the reader's language; most frequent first."""
    index = map_index(store, base)
    counts: dict[str, dict[str, int]] = {facet: defaultdict(int) for facet in facets}
    for place in index.places.values():
        for facet in facets:
            for value in place.values.get(facet, ()):
                counts[facet][value] += 1
    return {facet: options(facet, counts[facet], index.names, base, lang) for facet in facets}


def options(
    facet: str,
    counts: Mapping[str, int],
    names: Mapping[str, Mapping[str, str]],
    base: str,
    lang: str,
) -> list[Option]:
    out = []
    for iri, n in counts.items():
        text, text_lang = label_of(names.get(iri, {}), iri, lang)
        out.append(Option(short(facet, iri, base), iri, text, text_lang, n))
    out.sort(key=lambda o: (-o.count, o.label.casefold(), o.iri))
    return out
