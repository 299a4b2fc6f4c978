"""The map's data: every geolocated entity as GeoJSON, filtered by the search facets, and the
municipality boundaries.

An entity is geolocated when it has ``locn:geometry`` whose ``geo:asWKT`` is a POINT (CRS84,
longitude first). Facet values come from the reader (URL parameters): they are resolved to
IRIs and checked here, and never enter a query: the filtering is done in Python.

At M scale (22,000 geolocated organisations) a join in the store is too slow for a page, so
the points, their labels and facet values are read with single-pattern queries (values
bound through substitutions, which pyoxigraph applies to projected variables only, so they
are projected) into an index (``map_index``): written by the build as a derived file beside
the store (``derive``), or built from the store on first use, then kept in memory.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pyoxigraph import Literal, NamedNode, QuerySolution, QuerySolutions

from kg.errors import QueryError
from kg.labels import DEFAULT_LANGUAGE, LANGUAGES, pick_with_language
from kg.namespaces import (
    DCT,
    FOAF,
    GEO,
    LOCN,
    ORG_ORGANIZATION,
    RDF_TYPE,
    RDFS_LABEL,
    SKOS,
    all_prefixes,
)
from kg.settings import Settings
from kg.store import EmbeddedStore, GraphStore

log = logging.getLogger("kg.publish.mapindex")


def prefixes_for(base: str) -> dict[str, str]:
    return all_prefixes(base)


# --- facets -------------------------------------------------------------------------------

#: facet (URL parameter) -> (property relative to the prefixes, prefix of short values)
FACETS: dict[str, tuple[str, str]] = {
    "kind": ("rdf:type", "cci"),
    "sector": ("cci:sector", "sector"),
    "service": ("cci:offersService", "service"),
    "audience": ("cci:catersFor", "audience"),
    "municipality": ("cci:municipality", "mun"),
}
#: values a reader may give per facet, and characters a value may have at most
MAX_VALUES = 50
MAX_VALUE_LENGTH = 500

_SHORT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_PREFIXED = re.compile(r"([A-Za-z][A-Za-z0-9_\-]*):([A-Za-z0-9_][A-Za-z0-9_.\-/#]*)")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+")


class InvalidFilter(QueryError):
    """A filter value in the request cannot name anything (400)."""


def expand(name: str, base: str) -> str:
    """``"cci:sector"`` -> its IRI under ``base``."""
    prefix, _, local = name.partition(":")
    return prefixes_for(base)[prefix] + local


def resolve(facet: str, value: str, base: str) -> str:
    """A facet value as the reader writes it -> the IRI it names.

    ``music`` (short: in the facet's own namespace), ``media:radio`` (a known prefix) or a
    full IRI are accepted; anything else is an ``InvalidFilter``."""
    value = value.strip()
    if not value:
        raise InvalidFilter(f"the `{facet}` filter is empty")
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidFilter(f"the `{facet}` filter is longer than {MAX_VALUE_LENGTH} characters")
    prefixes = prefixes_for(base)
    if _SHORT.fullmatch(value):
        return prefixes[FACETS[facet][1]] + value
    prefixed = _PREFIXED.fullmatch(value)
    if prefixed and prefixed.group(1) in prefixes:
        return prefixes[prefixed.group(1)] + prefixed.group(2)
    if _ABSOLUTE.fullmatch(value) and "://" in value:
        try:
            return NamedNode(value).value
        except ValueError:
            pass
    raise InvalidFilter(
        f"the `{facet}` filter {value[:80]!r} is not a short name, a prefixed name or an IRI"
    )


def short(facet: str, iri: str, base: str) -> str:
    """The shortest form of a facet value that ``resolve`` turns back into ``iri``."""
    prefixes = prefixes_for(base)
    own = prefixes[FACETS[facet][1]]
    if iri.startswith(own) and _SHORT.fullmatch(iri[len(own) :]):
        return iri[len(own) :]
    for name, namespace in prefixes.items():
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and _PREFIXED.fullmatch(f"{name}:{local}"):
            return f"{name}:{local}"
    return iri


@dataclass(frozen=True)
class Filters:
    """Chosen values per facet (IRIs). Every value must hold, as in search (kg.search): a
    URL's filters mean the same on /search, /map and /network."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(self.values.values())

    def get(self, facet: str) -> tuple[str, ...]:
        return self.values.get(facet, ())


def parse_filters(
    pairs: Iterable[tuple[str, str]], base: str, facets: Sequence[str] = tuple(FACETS)
) -> Filters:
    """URL parameters -> ``Filters``; other parameters are ignored, blank values skipped."""
    chosen: dict[str, list[str]] = defaultdict(list)
    for name, value in pairs:
        if name not in facets or not value.strip():
            continue
        iri = resolve(name, value, base)
        if iri not in chosen[name]:
            chosen[name].append(iri)
        if len(chosen[name]) > MAX_VALUES:
            raise InvalidFilter(f"the `{name}` filter takes at most {MAX_VALUES} values")
    return Filters({k: tuple(v) for k, v in chosen.items() if v})


#: The subjects that have one property value (both bound, hence projected).
MATCHING = "SELECT ?s ?p ?v WHERE { ?s ?p ?v }"


def passes(values: Mapping[str, set[str]], filters: Filters | None) -> bool:
    """Whether an entity with these facet values has every chosen value."""
    return not filters or all(
        set(chosen) <= values.get(facet, set()) for facet, chosen in filters.values.items()
    )


# --- indexes, one per store ---------------------------------------------------------------

T = TypeVar("T")
_cache_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[object, dict[str, tuple[float, object]]] = (
    weakref.WeakKeyDictionary()
)
#: seconds an index of a store that may change under us (a remote server) is kept
REMOTE_MAX_AGE = 60.0


def cached(store: GraphStore, key: str, build: Callable[[], T]) -> T:
    """``build()`` once per store and key. A serving embedded store never changes in place
    (a build swaps in a new store, which is a new object, and the old one's indexes go with
    it); a remote one may, so its indexes are rebuilt after ``REMOTE_MAX_AGE`` seconds."""
    with _cache_lock:
        entries = _cache.setdefault(store, {})
        hit = entries.get(key)
        if hit is not None and (
            isinstance(store, EmbeddedStore) or time.monotonic() - hit[0] < REMOTE_MAX_AGE
        ):
            return hit[1]  # type: ignore[return-value]
        value = build()
        entries[key] = (time.monotonic(), value)
        return value


def forget(store: GraphStore) -> None:
    """Drop the indexes of a store (after changing it in place)."""
    with _cache_lock:
        _cache.pop(store, None)


#: Every value of one property (?p bound, hence projected).
PROPERTY_VALUES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
#: The project's classes an entity can be an instance of ("kinds"): those under
#: organisation, place, activity, event and creative work (not relationships, identifiers,
#: measures or source documents), with their labels.
KIND_CLASSES = """
SELECT ?c ?label WHERE {
  { SELECT DISTINCT ?c WHERE {
      VALUES ?root { org:Organization schema:Place dct:Location prov:Activity schema:Event
                     schema:CreativeWork }
      ?c a owl:Class ; rdfs:subClassOf+ ?root .
      FILTER(STRSTARTS(STR(?c), STR(cci:)))
  } }
  OPTIONAL { ?c rdfs:label ?label }
}
"""

#: label properties; the first that an entity has any label with wins
LABEL_PROPERTIES = (
    SKOS + "prefLabel",
    FOAF + "name",
    DCT + "title",
    RDFS_LABEL,
)


def solutions(
    store: GraphStore,
    sparql: str,
    substitutions: Mapping[str, NamedNode] | None = None,
    base: str | None = None,
) -> list[QuerySolution]:
    """A SELECT query's rows, read to the end here: pyoxigraph's result iterator must be
    dropped on the thread that made it, and an exception's traceback (which keeps the
    frames it passes through) may be dropped on another one."""
    rows = store.query(sparql, substitutions, prefixes=prefixes_for(base) if base else None)
    try:
        assert isinstance(rows, QuerySolutions)
        return list(rows)
    finally:
        del rows


def values_of(store: GraphStore, prop: str) -> list[QuerySolution]:
    return solutions(store, PROPERTY_VALUES, {"p": NamedNode(prop)})


def instances_of(store: GraphStore, cls: str) -> set[str]:
    rows = solutions(store, MATCHING, {"p": NamedNode(RDF_TYPE), "v": NamedNode(cls)})
    return {row["s"].value for row in rows if isinstance(row["s"], NamedNode)}


#: org:Organization is a kind too (the one every organisation has, as in search); the
#: ontology reuses it without labelling it
ORGANIZATION_LABELS = {"fr": "organisation", "nl": "organisatie", "en": "organisation"}


def kind_labels(store: GraphStore, base: str) -> dict[str, dict[str, str]]:
    """The kinds (the project's classes, and org:Organization) -> {language: label}."""
    rows = solutions(store, KIND_CLASSES, base=base)
    labels: dict[str, dict[str, str]] = {ORG_ORGANIZATION: dict(ORGANIZATION_LABELS)}
    for row in rows:
        entry = labels.setdefault(row["c"].value, {})
        if isinstance(row["label"], Literal):
            entry.setdefault(row["label"].language or "", row["label"].value)
    return labels


def specific(kinds: set[str]) -> list[str]:
    """The kinds to show: org:Organization only when no more specific kind is known."""
    return sorted(kinds - {ORG_ORGANIZATION}) or sorted(kinds)


def local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def href(iri: str, base: str) -> str | None:
    """The path of an IRI minted under the base (``/id/…``), which this server answers."""
    return "/" + iri[len(base) :] if iri.startswith(base) else None


def best_label(by_property: Mapping[str, Mapping[str, str]], lang: str) -> tuple[str, str] | None:
    """The label in the reader's language from the first label property that has any."""
    for prop in LABEL_PROPERTIES:
        if by_property.get(prop):
            return pick_with_language(by_property[prop], lang)
    return None


#: The other labels of one entity (?s bound, hence projected).
OTHER_LABELS = """
SELECT ?s ?p ?o WHERE { VALUES ?p { foaf:name dct:title rdfs:label } ?s ?p ?o }
"""
#: entities without a skos:prefLabel up to which their other labels are read one by one
ONE_BY_ONE = 500


def read_labels(
    store: GraphStore,
    base: str,
    entities: Mapping[str, dict[str, dict[str, str]]],
    names: Mapping[str, dict[str, str]] | None = None,
) -> None:
    """Fill ``entities`` (IRI -> label property -> language -> text) and ``names`` (IRI ->
    language -> text, from skos:prefLabel). Every skos:prefLabel is read in one query; the
    other label properties (many people's foaf:name at M scale) only for the entities that
    have no prefLabel, one query each when they are few."""
    pref = SKOS + "prefLabel"
    for row in values_of(store, pref):
        subject, label = row["s"].value, row["o"]
        if not isinstance(label, Literal):
            continue
        target = entities[subject].setdefault(pref, {}) if subject in entities else None
        if target is None and names is not None:
            target = names.get(subject)
        if target is not None:
            target.setdefault(label.language or "", label.value)
    missing = [iri for iri, labels in entities.items() if not labels.get(pref)]
    if len(missing) > ONE_BY_ONE:
        rows = [row for prop in LABEL_PROPERTIES[1:] for row in values_of(store, prop)]
    else:
        rows = [
            row
            for iri in missing
            for row in solutions(store, OTHER_LABELS, {"s": NamedNode(iri)}, base)
        ]
    for row in rows:
        subject, label = row["s"].value, row["o"]
        if subject in entities and isinstance(label, Literal):
            by_lang = entities[subject].setdefault(row["p"].value, {})
            by_lang.setdefault(label.language or "", label.value)


def label_of(labels: Mapping[str, str], iri: str, lang: str) -> tuple[str, str]:
    """(text, language) from {language: text}, or the IRI's local name."""
    return pick_with_language(labels, lang) or (local_name(iri), "")


# --- points ------------------------------------------------------------------------------

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_POINT = re.compile(
    rf"^\s*(?:<([^>]*)>\s*)?POINT\s*(?:Z|M|ZM)?\s*\(\s*({_NUMBER})\s+({_NUMBER})(?:\s+{_NUMBER})*\s*\)\s*$",
    re.IGNORECASE,
)
#: CRSs whose axis order is latitude first
_LAT_FIRST = ("http://www.opengis.net/def/crs/EPSG/0/4326",)


def parse_point(wkt: str) -> tuple[float, float] | None:
    """``"POINT(4.35 50.85)"`` -> (lon, lat); None when the WKT is not a valid point."""
    found = _POINT.match(wkt)
    if not found:
        return None
    crs, first, second = found.group(1), float(found.group(2)), float(found.group(3))
    lon, lat = (second, first) if crs in _LAT_FIRST else (first, second)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


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
    class) and join them here: at M scale (22,000 points) that takes a few seconds where the
    same join in the store takes several times longer."""
    geometry_of: dict[str, str] = {}
    for row in values_of(store, LOCN + "geometry"):
        if isinstance(row["s"], NamedNode) and not isinstance(row["o"], Literal):
            geometry_of.setdefault(row["o"].value, row["s"].value)
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
#: bumped when the layout of the index files changes; other versions are not read
INDEX_FORMAT = 1


def index_file(store: GraphStore, name: str) -> Path | None:
    """Where a derived index of an embedded store lies: in its build directory, beside the
    store (``var/stores/<id>/``), as the build's derived steps write it."""
    if isinstance(store, EmbeddedStore) and store.path is not None:
        return store.path.parent / name
    return None


def write_index(path: Path, base: str, body: dict[str, Any]) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(
        json.dumps({"format": INDEX_FORMAT, "base": base, **body}, ensure_ascii=False),
        encoding="utf-8",
    )
    partial.replace(path)


def read_index(path: Path | None, base: str) -> dict[str, Any] | None:
    """A derived index file's content, or None when there is none of this format and base
    (then the index is built from the store)."""
    if path is None or not path.is_file():
        return None
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("%s cannot be read; building the index from the store", path)
        return None
    if not isinstance(body, dict) or body.get("format") != INDEX_FORMAT or body.get("base") != base:
        return None
    return body


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
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
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


# --- boundaries ---------------------------------------------------------------------------

#: The municipalities with their boundary, name and NIS code.
BOUNDARIES = """
SELECT ?m ?wkt ?label ?nis WHERE {
  ?m a cci:Municipality ; locn:geometry ?g .
  ?g geo:asWKT ?wkt .
  OPTIONAL { ?m skos:prefLabel ?label }
  OPTIONAL { ?m skos:notation ?nis }
}
"""

_GEOMETRY = re.compile(r"^\s*(?:<[^>]*>\s*)?(MULTIPOLYGON|POLYGON)\s*(\(.*\))\s*$", re.I | re.S)


def _nested(text: str) -> list[Any]:
    """``((1 2, 3 4), (5 6, 7 8))`` -> nested lists with [x, y] pairs at the bottom."""
    stack: list[list[Any]] = [[]]
    token = ""

    def flush() -> None:
        nonlocal token
        if token.strip():
            numbers = [float(n) for n in token.split()]
            stack[-1].append(numbers[:2])
        token = ""

    for char in text:
        if char == "(":
            stack.append([])
        elif char == ")":
            flush()
            done = stack.pop()
            if not stack:
                raise ValueError("unbalanced parentheses")
            stack[-1].append(done)
        elif char == ",":
            flush()
        else:
            token += char
    if len(stack) != 1 or len(stack[0]) != 1:
        raise ValueError("unbalanced parentheses")
    result: list[Any] = stack[0][0]
    return result


def parse_polygons(wkt: str) -> dict[str, Any] | None:
    """WKT POLYGON or MULTIPOLYGON -> a GeoJSON geometry; None when it is neither."""
    found = _GEOMETRY.match(wkt)
    if not found:
        return None
    try:
        coordinates = _nested(found.group(2))
    except ValueError:
        return None
    kind = "MultiPolygon" if found.group(1).upper() == "MULTIPOLYGON" else "Polygon"
    return {"type": kind, "coordinates": coordinates}


def boundaries(store: GraphStore, base: str, lang: str) -> dict[str, Any]:
    """The municipalities' boundaries from the store (the reference geo data imported by
    kg.importers.municipalities), as a GeoJSON FeatureCollection, named in the reader's
    language; properties ``iri``, ``label``, ``lang``, ``nis``, ``href``."""
    rows = solutions(store, BOUNDARIES, base=base)
    shapes: dict[str, dict[str, Any]] = {}
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    codes: dict[str, str] = {}
    for row in rows:
        iri = row["m"].value
        if iri not in shapes:
            geometry = parse_polygons(row["wkt"].value)
            if geometry is None:
                continue
            shapes[iri] = geometry
        if isinstance(row["label"], Literal):
            labels[iri].setdefault(row["label"].language or "", row["label"].value)
        if isinstance(row["nis"], Literal):
            codes.setdefault(iri, row["nis"].value)
    out: list[dict[str, Any]] = []
    for iri, geometry in shapes.items():
        picked = pick_with_language(labels.get(iri, {}), lang)
        text, text_lang = picked if picked else (local_name(iri), "")
        out.append(
            {
                "type": "Feature",
                "id": iri,
                "geometry": geometry,
                "properties": {
                    "iri": iri,
                    "label": text,
                    "lang": text_lang,
                    "nis": codes.get(iri),
                    "href": href(iri, base),
                },
            }
        )
    out.sort(key=lambda f: (f["properties"]["nis"] or "", f["id"]))
    return {"type": "FeatureCollection", "features": out}
