"""The map and the network views.

``/map`` lists every geolocated entity (paged, linked) under a facet form that works without
JavaScript; endpoint/static/map.js turns the page into a Leaflet map (marker clusters from
``/map.geojson`` with the same query string, the municipality boundaries from
``/map/boundaries.geojson``, tiles from the ``tile_url`` setting: when no tile loads, markers
and boundaries still show). ``/network`` shows the relations between organisations as a table
(filters by relation type, sector, kind), or an entity's neighbourhood with ``iri=``;
endpoint/static/network.js draws them with Cytoscape.js from ``/network.json``. Entity pages
embed ``/network/neighbourhood.json``.

Filters are those of search (kg.publish.search): ``kind``, ``sector``, ``service``, ``audience``,
``municipality``, IRIs (short names are accepted too), repeatable, every one must hold. A
value that cannot name anything is a 400 (the HTML page says why, with the form).
"""

from __future__ import annotations

import gzip
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from endpoint.http.conneg import choose
from endpoint.http.i18n import context, page_language, translate, vary
from kg.errors import NotFound, QueryError
from kg.publish import boundaries, mapfilters, neighbourhood, relationtypes
from kg.publish import mapindex as geo
from kg.publish import networkview as graphview
from kg.settings import Settings
from kg.store import GraphStore

router = APIRouter()

DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
#: the pages (their JSON twins also vary with Accept-Encoding: they may be gzipped)
VARY = vary("Accept")
#: places listed per page on /map, relations per page on /network
PER_PAGE = 50
EDGES_PER_PAGE = 100
MAX_PAGE = 100_000


def tile_url(settings: Settings) -> str:
    return str(getattr(settings, "tile_url", None) or DEFAULT_TILE_URL)


def tile_attribution(url: str) -> str:
    host = urlsplit(url.replace("{s}", "a")).hostname or ""
    if host == "openstreetmap.org" or host.endswith(".openstreetmap.org"):
        return '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    return host


def _store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.holder.get()
    return store


def _base(request: Request) -> str:
    return str(request.app.state.settings.base)


def _pairs(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


def _query(pairs: Sequence[tuple[str, str]], **changes: object) -> str:
    """The query string with ``changes`` applied (None removes a parameter)."""
    kept = [(k, v) for k, v in pairs if k not in changes]
    kept += [(k, str(v)) for k, v in changes.items() if v is not None]
    return urlencode(kept)


# --- encoded answers, kept for the store they were made from -------------------------------


class Answers:
    """The last few JSON answers (and their gzip), per store: the unfiltered map of the M
    graph is 7 MB of GeoJSON that every visitor asks for. Only a local embedded store's
    answers are kept (it never changes in place; a remote store may)."""

    def __init__(self, size: int = 24) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, str], tuple[Any, bytes, bytes | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, store: GraphStore, key: str, make: Callable[[], object]) -> tuple[bytes, bytes]:
        """(JSON, gzipped JSON) for ``key``, made by ``make()`` when not kept."""
        cacheable = store.unchanging()
        slot = (id(store), key)
        if cacheable:
            with self._lock:
                hit = self._items.get(slot)
                if hit is not None and hit[0]() is store:
                    self._items.move_to_end(slot)
                    body, packed = hit[1], hit[2]
                    if packed is not None:
                        return body, packed
        body = json.dumps(make(), ensure_ascii=False, separators=(",", ":")).encode()
        packed = gzip.compress(body, compresslevel=5, mtime=0)
        if cacheable:
            with self._lock:
                self._items[slot] = (weakref.ref(store), body, packed)
                self._items.move_to_end(slot)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return body, packed


answers = Answers()


def _json_response(
    request: Request, key: str, make: Callable[[], object], media_type: str
) -> Response:
    body, packed = answers.get(_store(request), key, make)
    headers = {"Vary": vary("Accept", "Accept-Encoding")}
    if "gzip" in request.headers.get("accept-encoding", "") and len(body) > 1400:
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type=media_type, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _key(request: Request, lang: str, names: Sequence[str]) -> str:
    """The parameters that shape an answer, in a canonical order."""
    pairs = sorted((k, v) for k, v in _pairs(request) if k in names)
    return f"{request.url.path} {lang} {urlencode(pairs)}"


# --- the map ------------------------------------------------------------------------------


@router.get("/map.geojson", summary="Geolocated entities as GeoJSON", response_model=None)
def map_geojson(request: Request) -> Response:
    """Every entity with a point geometry (``locn:geometry``/``geo:asWKT``) that has every
    filter value asked for (``kind``, ``sector``, ``service``, ``audience``,
    ``municipality``: IRIs or short names, repeatable), as a GeoJSON FeatureCollection;
    each feature's ``id`` is the entity's IRI, its properties ``label`` (in the reader's
    language, ``lang``), ``href``, ``kinds`` and ``municipality``."""
    base, lang = _base(request), page_language(request)
    filters = mapfilters.parse_filters(_pairs(request), base)
    store = _store(request)
    return _json_response(
        request,
        _key(request, lang, tuple(mapfilters.FACETS)),
        lambda: geo.features(store, base, lang, filters),
        GEOJSON,
    )


@router.get(
    "/map/boundaries.geojson", summary="Municipality boundaries as GeoJSON", response_model=None
)
def boundaries_geojson(request: Request) -> Response:
    """The 19 municipalities of the Brussels-Capital Region with their boundaries, named in
    the reader's language."""
    base, lang = _base(request), page_language(request)
    store = _store(request)
    return _json_response(
        request, f"boundaries {lang}", lambda: boundaries.boundaries(store, base, lang), GEOJSON
    )


@router.get("/map", response_class=HTMLResponse, summary="Map of the geolocated entities")
def map_page(request: Request, page: int = Query(1, ge=1, le=MAX_PAGE)) -> Response:
    """The facet form, the map (with JavaScript) and the list of places, paged. Its data
    twin, /map.geojson, also answers here to ``Accept: application/geo+json``."""
    if choose(request.headers.get("accept"), [HTML, GEOJSON, JSON]) in (GEOJSON, JSON):
        return map_geojson(request)
    settings: Settings = request.app.state.settings
    base, lang, pairs = settings.base, page_language(request), _pairs(request)
    store = _store(request)
    error, status = None, 200
    try:
        filters = mapfilters.parse_filters(pairs, base)
    except QueryError as err:
        error, status, filters = str(err), 400, mapfilters.Filters()
    collection = geo.features(store, base, lang, filters) if error is None else None
    found = collection["features"] if collection else []
    pages = max(1, -(-len(found) // PER_PAGE))
    page = min(page, pages)
    options = geo.facet_options(store, base, lang)
    filter_pairs = [(k, v) for k, v in pairs if k in mapfilters.FACETS]
    data_query = _query(filter_pairs, lang=lang)
    geojson_url = f"/map.geojson?{data_query}"
    config = {
        "geojson": geojson_url,
        "boundaries": f"/map/boundaries.geojson?{urlencode({'lang': lang})}",
        "tiles": tile_url(settings),
        "attribution": tile_attribution(tile_url(settings)),
        "lang": lang,
        "filtered": bool(filters),
        "strings": {
            key: translate(f"map.js.{key}", lang)
            for key in ("places", "boundaries", "tiles", "open", "tilesFailed", "loading", "none")
        },
    }
    return request.app.state.templates.TemplateResponse(
        request,
        "map.html",
        context(
            request,
            error=error,
            facets=mapfilters.FACETS,
            options=options,
            selected={f: set(filters.get(f)) for f in mapfilters.FACETS},
            places=found[(page - 1) * PER_PAGE : page * PER_PAGE],
            total=len(found),
            page=page,
            pages=pages,
            first=(page - 1) * PER_PAGE + 1,
            page_url=lambda n: f"/map?{_query(pairs, page=n if n > 1 else None)}",
            clear_url=f"/map?{urlencode({'lang': lang})}",
            geojson_url=geojson_url,
            config=config,
        ),
        status_code=status,
        headers={"Link": f'<{geojson_url}>; rel="alternate"; type="{GEOJSON}"', "Vary": VARY},
    )


# --- the network --------------------------------------------------------------------------


def _hops(value: str | None) -> int:
    if value is None or value == "":
        return 1
    if value not in ("1", "2"):
        raise mapfilters.InvalidFilter("`hops` must be 1 or 2")
    return int(value)


def _relations(request: Request, store: GraphStore, base: str) -> tuple[str, ...]:
    types = relationtypes.relation_types(store, base)
    return relationtypes.parse_relation_types(request.query_params.getlist("rel"), types, base)


def _neighbourhood(request: Request, iri_value: str) -> dict[str, Any]:
    base, lang, store = _base(request), page_language(request), _store(request)
    iri = neighbourhood.resolve_entity(iri_value, base)
    hops = _hops(request.query_params.get("hops"))
    relations = _relations(request, store, base)
    return neighbourhood.neighbourhood(store, base, lang, iri, hops, relations)


def _ecosystem(request: Request) -> dict[str, Any]:
    base, lang, store = _base(request), page_language(request), _store(request)
    relations = _relations(request, store, base)
    filters = graphview.parse_ecosystem_filters(_pairs(request), base)
    return graphview.ecosystem(store, base, lang, relations, filters)


NETWORK_PARAMS = ("rel", "sector", "kind", "iri", "hops")
#: node categories of the drawing (kg.publish.networkelements), named in the legend
KINDS = ("organisation", "person", "project", "event", "publication", "place", "other")


@router.get("/network.json", summary="The ecosystem's relations as Cytoscape elements")
def network_json(request: Request) -> Response:
    """Organisations and the relations between them (``rel``: relation types such as
    ``member-of``, repeatable; ``sector``, ``kind``: IRIs or short names, every one must
    hold at one end of a relation), or with ``iri`` the neighbourhood of that entity
    (``hops`` 1 or 2). ``{nodes, edges, truncated, …}`` in Cytoscape.js's element format;
    at most 2,000 organisations (the most connected) and 6,000 relations."""
    iri = request.query_params.get("iri")
    lang = page_language(request)
    key = _key(request, lang, NETWORK_PARAMS)
    if iri:
        return _json_response(request, key, lambda: _neighbourhood(request, iri), JSON)
    return _json_response(request, key, lambda: _ecosystem(request), JSON)


@router.get(
    "/network/neighbourhood.json", summary="An entity's neighbourhood as Cytoscape elements"
)
def neighbourhood_json(request: Request) -> Response:
    """The entity ``iri`` (an IRI, or its path ``/id/…``) and the entities within ``hops``
    (1 or 2) relations of it, either direction, along the relation types ``rel`` (all when
    none is given); every relation between them. Cytoscape.js elements, at most 300 nodes
    (the nearest)."""
    iri = request.query_params.get("iri")
    if not iri:
        raise mapfilters.InvalidFilter("give the entity with `iri=` (its IRI or its path /id/…)")
    key = _key(request, page_language(request), NETWORK_PARAMS)
    return _json_response(request, key, lambda: _neighbourhood(request, iri), JSON)


@router.get("/network", response_class=HTMLResponse, summary="Network of the ecosystem")
def network_page(request: Request, page: int = Query(1, ge=1, le=MAX_PAGE)) -> Response:
    """The filters, the drawing (with JavaScript) and the table of relations, paged; with
    ``iri`` an entity's neighbourhood. Its data twin, /network.json, also answers here to
    ``Accept: application/json``."""
    if choose(request.headers.get("accept"), [HTML, JSON]) == JSON:
        return network_json(request)
    settings: Settings = request.app.state.settings
    base, lang, pairs = settings.base, page_language(request), _pairs(request)
    store = _store(request)
    iri_value = request.query_params.get("iri") or ""
    relation_options, facet_options = graphview.ecosystem_options(store, base, lang)
    error, status = None, 200
    elements: dict[str, Any] = {"nodes": [], "edges": []}
    selected_rel: set[str] = set()
    filters = mapfilters.Filters()
    hops = 1
    center: dict[str, Any] | None = None
    try:
        selected_rel = set(_relations(request, store, base))
        if iri_value:
            hops = _hops(request.query_params.get("hops"))
            elements = _neighbourhood(request, iri_value)
            center = next(n["data"] for n in elements["nodes"] if n["data"]["distance"] == 0)
        else:
            filters = graphview.parse_ecosystem_filters(pairs, base)
            elements = graphview.ecosystem(store, base, lang, tuple(selected_rel), filters)
    except QueryError as err:
        error, status = str(err), 400
    except NotFound as err:
        error, status = str(err), 404
    nodes = {n["data"]["id"]: n["data"] for n in elements["nodes"]}
    edges = sorted(
        (e["data"] for e in elements["edges"]),
        key=lambda e: (
            nodes[e["source"]]["label"].casefold(),
            e["label"],
            nodes[e["target"]]["label"].casefold(),
        ),
    )
    pages = max(1, -(-len(edges) // EDGES_PER_PAGE))
    page = min(page, pages)
    kept = [(k, v) for k, v in pairs if k in NETWORK_PARAMS]
    data_url = f"/network.json?{_query(kept, lang=lang)}"
    return request.app.state.templates.TemplateResponse(
        request,
        "network.html",
        context(
            request,
            error=error,
            status=status,
            center=center,
            iri=iri_value,
            hops=hops,
            relation_options=relation_options,
            facet_options=facet_options,
            facets=graphview.ECOSYSTEM_FACETS,
            selected_rel={o.value for o in relation_options if o.prop in selected_rel},
            selected={f: set(filters.get(f)) for f in graphview.ECOSYSTEM_FACETS},
            elements=elements,
            nodes=nodes,
            edges=edges[(page - 1) * EDGES_PER_PAGE : page * EDGES_PER_PAGE],
            total_edges=len(edges),
            page=page,
            pages=pages,
            first=(page - 1) * EDGES_PER_PAGE + 1,
            page_url=lambda n: f"/network?{_query(pairs, page=n if n > 1 else None)}",
            clear_url=f"/network?{urlencode({'lang': lang})}",
            data_url=data_url,
            neighbourhood_url=lambda node: "/network?" + urlencode({"iri": node, "lang": lang}),
            kind_names={k: translate(f"network.kind.{k}", lang) for k in KINDS},
        ),
        status_code=status,
        headers={"Link": f'<{data_url}>; rel="alternate"; type="{JSON}"', "Vary": VARY},
    )
