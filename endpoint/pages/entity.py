"""``GET /id/{path}``: every IRI under ``{base}id/`` dereferences here, on any host: an
entity, concept, scheme or municipality. Content negotiation (``Accept`` with q-values,
``?format=``, or a suffix: ``.html``, ``.json``, ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``)
between the HTML page, its JSON twin and the RDF twins (``kg.describe.describe``);
``Vary: Accept``, ``Link: rel="alternate"`` to every twin. An unknown IRI is a 404 with
suggestions (HTML for browsers, the JSON error otherwise). Its router goes last: the
catch-all ``/id/{path:path}`` must come after every other route."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from endpoint.accounts import session
from endpoint.accounts.pages import labels
from endpoint.http.i18n import context, page_language
from endpoint.http.routing import get_and_head
from endpoint.pages.entity_network import neighbourhood_section
from endpoint.pages.jsontwins import entity_json, rel_url
from endpoint.pages.page import Page
from endpoint.pages.pagerequest import (
    ENTITY_OFFERS,
    JSON,
    RDF_FORMATS,
    SUFFIXES,
    VARY,
    absolute,
    not_acceptable,
    page_number,
    settings_of,
    store_of,
    wanted,
)
from endpoint.pages.rdftwins import alternate_list, alternates, rdf_response
from endpoint.pages.schemaorg import json_ld_script, schema_org
from kg.accounts import db, relations
from kg.errors import NotFound
from kg.federation.matching import also_on
from kg.labels import pick
from kg.namespaces import FOAF, ORG, ORG_ORGANIZATION, SKOS
from kg.settings import Settings
from kg.store import GraphStore
from kg.views import suggestions as kg_suggestions
from kg.views.concepts import concept_view
from kg.views.describe import describe, exists
from kg.views.entity import entity_view
from kg.views.model import GROUP_PAGE, LIST_PAGE, EntityView, Ref, cci, expand
from kg.views.verification import verification
from kg.views.vocabcache import vocabulary

router = APIRouter()


def _split_suffix(store: GraphStore, base: str, path: str) -> tuple[str, str | None]:
    """``organisation/x.ttl`` -> (``organisation/x``, "text/turtle"), unless an entity's
    IRI really ends that way."""
    stem, dot, ext = path.rpartition(".")
    known = dot and ext.lower() in SUFFIXES and "/" not in ext
    if known and not exists(store, base + "id/" + path, base):
        return stem, SUFFIXES[ext.lower()]
    return path, None


@get_and_head(router, "/id/{path:path}", response_model=None)
def dereference(path: str, request: Request) -> Response:
    """An entity, concept, scheme or municipality of the graph, negotiated."""
    settings = settings_of(request)
    base = settings.base
    store = store_of(request)
    path, suffix_media = _split_suffix(store, base, path)
    iri = base + "id/" + path
    page_path = "/id/" + path
    links = alternates(request, page_path)
    media = suffix_media if suffix_media else wanted(request, ENTITY_OFFERS)
    if media is None:
        raise not_acceptable(ENTITY_OFFERS, links)
    lang = page_language(request)
    headers = {"Vary": VARY, "Link": links}
    if suffix_media is None:
        ext = next((e for e, m in SUFFIXES.items() if m == media), "html")
        headers["Content-Location"] = f"{page_path}.{ext}"
    try:
        if media in RDF_FORMATS:
            triples = describe(store, iri, base)
            if not triples:
                raise NotFound(f"nothing is known about <{iri}>")
            return rdf_response(triples, media, base, headers, request)
        listing = path.startswith(("concept/", "scheme/", "municipality/"))
        view = entity_view(
            store,
            iri,
            base,
            lang=lang,
            rel=_rel_key(request.query_params.get("rel"), base),
            page=page_number(request.query_params.get("page")),
            page_size=LIST_PAGE if listing else GROUP_PAGE,
        )
    except NotFound:
        raise _unknown(request, iri, path, lang) from None
    concept = None
    if view.has_type(SKOS + "Concept") or view.has_type(SKOS + "ConceptScheme"):
        concept = concept_view(store, iri, base, lang=lang, entity=view)
    page = Page(request, lang, view.sources, view.own_graphs)
    url = absolute(request, page_path)
    others = also_on(store, base, iri)  # accepted matches on other maps
    if media == JSON:
        body = entity_json(view, page, url, concept)
        body["also_on"] = [{"iri": a.iri, "map": a.peer, "map_title": pick(a.titles, lang)}
                           for a in others]  # fmt: skip
        if view.has_type(ORG_ORGANIZATION):
            checked = verification(store, base, iri, datetime.now(UTC).date())
            last = checked.last.isoformat() if checked.last else None
            body["verified"] = {"last": last, "stale": checked.stale}
        return JSONResponse(body, headers=headers)
    data: dict[str, Any] = {
        "view": view,
        "concept": concept,
        "p": page,
        "iri": iri,
        "page_path": page_path,
        "alternates": alternate_list(page_path),
        "jsonld": json_ld_script(schema_org(view, page, url)),
        "map": _map_data(view, settings),
        "rel_url": lambda group, n: rel_url(page_path, group, n, lang, base),
        "kind_types": _kind_types(view, page),
        "also_on": [(a.iri, pick(a.titles, lang) or a.peer) for a in others],
    }
    if concept is None:
        data["neighbourhood"] = neighbourhood_section(store, base, lang, iri, view.relations)
    if view.has_type(ORG_ORGANIZATION):
        # when the organisation or a moderator last verified it, marked after a year
        data["verification"] = verification(store, base, iri, datetime.now(UTC).date())
        data["proposed"] = _proposed(request, store, base, iri, lang)
    template = "concept.html" if concept else "entity.html"
    return request.app.state.templates.TemplateResponse(
        request, template, context(request, **data), headers=headers
    )


def _proposed(
    request: Request, store: GraphStore, base: str, iri: str, lang: str
) -> list[tuple[str, str, str]]:
    """The relations about the organisation that wait for the other side's confirmation
    (endpoint.accounts.relations), as (from, relation, to) in words."""
    if not db.path(settings_of(request)).exists():  # no account yet: nothing proposed
        return []
    with session.database(request) as conn:
        found = relations.pending_about(conn, iri)
    if not found:
        return []
    words = vocabulary(store, base)
    names = labels(request, [e for r in found for e in (r.subject, r.object)])
    return [
        (
            names[r.subject],
            pick(words.ref(r.predicate).labels, lang) or r.predicate,
            names[r.object],
        )
        for r in found
    ]


def _rel_key(raw: str | None, base: str) -> str | None:
    """``?rel=cci:memberOf`` (or ``^cci:memberOf`` for the incoming group, or a full
    IRI) -> the group key of kg.entityview."""
    if not raw:
        return None
    inverse = raw.startswith("^")
    iri = expand(raw[1:] if inverse else raw, base)
    return None if iri is None else ("^" if inverse else "") + iri


def _kind_types(view: EntityView, page: Page) -> list[Ref]:
    """The kinds worth showing: generic classes dropped when a specific one is there."""
    generic = {ORG + "Organization", FOAF + "Agent"}
    specific = [t for t in view.types if t.iri not in generic] or view.types
    own = cci(page.base)
    return sorted(specific, key=lambda t: (not t.iri.startswith(own), page.label(t)[0].casefold()))


def _map_data(view: EntityView, settings: Settings) -> dict[str, Any] | None:
    geometry = view.geometry
    if geometry is None or geometry.lat is None or geometry.lon is None:
        return None
    rings = []
    for ring in geometry.rings:
        step = max(1, len(ring) // 400)  # a light outline is enough for a small map
        rings.append([[round(lat, 5), round(lon, 5)] for lat, lon in ring[::step]])
    return {
        "lat": geometry.lat,
        "lon": geometry.lon,
        "rings": rings,
        "tiles": getattr(settings, "tile_url", "") or "",
    }


def _unknown(request: Request, iri: str, path: str, lang: str) -> NotFound:
    """404: nothing is known of the IRI. Suggestions: entities whose name holds the words
    of the IRI's last segment."""
    store = store_of(request)
    settings = settings_of(request)
    segment = path.rstrip("/").rsplit("/", 1)[-1]
    words = segment.replace("-", " ").replace("_", " ")
    found = kg_suggestions.suggestions(store, words, settings.base)
    page = Page(request, lang)
    suggestions = [
        {"iri": r.iri, "label": page.label(r)[0], "href": page.href(r.iri)} for r in found
    ]
    return NotFound(
        f"nothing is known about <{iri}>",
        iri=iri,
        suggestions=suggestions,
        search=words,
        headers={"Vary": VARY},
    )
