"""The linked-data pages: every IRI under ``{base}id/`` dereferences here, on any host.

- ``GET /id/{path}``: an entity, concept, scheme or municipality. Content negotiation
  (``Accept`` with q-values, ``?format=``, or a suffix: ``.html``, ``.json``, ``.ttl``,
  ``.jsonld``, ``.nt``, ``.rdf``) between the HTML page, its JSON twin and the RDF twins
  (``kg.entity.describe``); ``Vary: Accept``, ``Link: rel="alternate"`` to every twin. An
  unknown IRI is a 404 with suggestions (HTML for browsers, the JSON error otherwise).
- ``GET /ontology`` (and ``.ttl`` etc.): the ontology as a page, anchors ``#ClassName``.
- ``GET /kind/{Class}``, ``/kinds``, ``/sectors``, ``/services``, ``/audiences``,
  ``/municipalities``: listings with counts.
- ``GET /``: the home page. ``GET /sitemap.xml``, ``/robots.txt``.

Every HTML page has a JSON twin (``?format=json`` or ``Accept: application/json``). The
language is ``?lang=``, then Accept-Language (kg.labels.negotiate); labels follow the one
fallback chain of kg.labels."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape as xml_escape

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from markupsafe import Markup, escape
from pyoxigraph import Literal, RdfFormat, serialize

from endpoint.conneg import wanted as negotiate_media
from endpoint.entity_network import neighbourhood_section
from endpoint.errors import NotAcceptable, error_body
from endpoint.i18n import context, page_language, strings, translate, vary
from endpoint.routing import get_and_head
from kg import entity as kg_entity
from kg.entity import (
    DCT,
    FOAF,
    LIST_PAGE,
    ORG,
    RDF_TYPE,
    SCHEMA,
    SKOS,
    ConceptView,
    Document,
    EntityView,
    Observation,
    Ref,
    RelationGroup,
    Source,
    Value,
    cci,
    curie,
    expand,
    local_name,
)
from kg.errors import NotFound
from kg.labels import LANGUAGES, pick_with_language
from kg.namespaces import all_prefixes
from kg.settings import Settings
from kg.store import GraphStore

router = APIRouter()

HTML = "text/html"
JSON = "application/json"
#: media type -> (pyoxigraph format, suffix)
RDF_FORMATS: dict[str, tuple[RdfFormat, str]] = {
    "text/turtle": (RdfFormat.TURTLE, "ttl"),
    "application/ld+json": (RdfFormat.JSON_LD, "jsonld"),
    "application/n-triples": (RdfFormat.N_TRIPLES, "nt"),
    "application/rdf+xml": (RdfFormat.RDF_XML, "rdf"),
}
SUFFIXES = {"html": HTML, "json": JSON, **{ext: m for m, (_, ext) in RDF_FORMATS.items()}}
#: ``?format=`` values
FORMAT_NAMES = {
    **SUFFIXES,
    "turtle": "text/turtle",
    "json-ld": "application/ld+json",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "xml": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
}
#: What an entity IRI offers, the default (``*/*``, no Accept) first.
ENTITY_OFFERS = [HTML, *RDF_FORMATS, JSON]
PAGE_OFFERS = [HTML, JSON]
VARY = vary("Accept")
#: Entities per sitemap file (the protocol's limit is 50,000).
SITEMAP_SIZE = 50_000
SCHEMA_TYPES = (
    ("foaf:Person", "Person"),
    ("cci:Event", "Event"),
    ("cci:Mission", "Event"),
    ("cci:Project", "Project"),
    ("cci:Programme", "Project"),
    ("cci:Publication", "CreativeWork"),
    ("cci:SourceDocument", "CreativeWork"),
    ("cci:SourceDataset", "Dataset"),
    ("cci:CulturalPlace", "Place"),
    ("cci:Municipality", "AdministrativeArea"),
    ("org:Organization", "Organization"),
    ("skos:Concept", "DefinedTerm"),
    ("skos:ConceptScheme", "DefinedTermSet"),
)


# ---- request helpers -----------------------------------------------------------------


def _store(request: Request) -> GraphStore:
    return request.app.state.holder.get()


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _number(value: str | None, default: int = 1) -> int:
    try:
        return max(1, int(value)) if value is not None and len(value) < 10 else default
    except ValueError:
        return default


def wanted(request: Request, offered: list[str]) -> str | None:
    """The media type to answer with: ``?format=`` when given, else the Accept header."""
    return negotiate_media(
        request.query_params.get("format"), request.headers.get("accept"), offered, FORMAT_NAMES
    )


def _absolute(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


def _not_acceptable(request: Request, offered: list[str], links: str) -> JSONResponse:
    message = "this resource is available as " + ", ".join(offered)
    return JSONResponse(
        error_body(NotAcceptable.__name__, message),
        status_code=406,
        headers={"Link": links, "Vary": VARY},
    )


def _json_ld_script(data: Any) -> Markup:
    """JSON for a ``<script type="application/ld+json">``: ``<``, ``>``, ``&`` escaped so
    that no text in the data can close the script element."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


class Page:
    """What templates use to show the graph: labels in the reader's language (with their
    language for ``lang=``), links, and citations of sources."""

    def __init__(
        self,
        request: Request,
        lang: str,
        sources: Mapping[str, Source] | None = None,
        first: Iterable[str] = (),
    ) -> None:
        self.request = request
        self.lang = lang
        self.base = _settings(request).base
        self.vocab = kg_entity.vocabulary(_store(request), self.base)
        self._cites: dict[tuple[str, ...], Markup] = {}
        known = strings()
        self._terms = {k[5:]: v for k, v in known.items() if k.startswith("term.")}
        self.sources: list[tuple[int, Source]] = []
        self._numbers: dict[str, int] = {}
        if sources:
            own = set(first)  # the entity's own statements' sources come first
            ordered = sorted(
                sources.values(), key=lambda s: (s.graph not in own, not s.documents, s.graph)
            )
            for n, source in enumerate(ordered, start=1):
                self.sources.append((n, source))
                self._numbers[source.graph] = n

    # kinds and values
    def is_kind(self, iri: str) -> bool:
        """Whether ``/kind/…`` lists the members of this class (an ontology class)."""
        return iri.startswith(cci(self.base)) and OWL_CLASS in self.vocab.types.get(iri, set())

    def kind(self, ref: Ref) -> str:
        """The most telling kind of a node, in the reader's language ("" when unknown)."""
        generic = {ORG + "Organization", FOAF + "Agent", SCHEMA + "Place", DCT + "Location"}
        types = [t for t in ref.types if t not in generic] or list(ref.types)
        own = [t for t in types if t.startswith(cci(self.base))]
        chosen = (own or types)[:1]
        if not chosen:
            return ""
        return self.label(self.vocab.ref(chosen[0]))[0]

    # HTML snippets used many times a page (cheaper than Jinja macros; escaped here)
    def link_html(self, ref: Ref) -> Markup:
        text, lang = self.label(ref)
        href = escape(self.href(ref.iri))
        return Markup(f'<a href="{href}" lang="{escape(lang)}">{escape(text)}</a>')

    def kind_html(self, ref: Ref) -> Markup:
        kind = self.kind(ref)
        return Markup(f' <span class="kind">{escape(kind)}</span>') if kind else Markup("")

    def cite_html(self, graphs: Iterable[str]) -> Markup:
        key = tuple(sorted(set(graphs)))
        found = self._cites.get(key)
        if found is None:
            found = self._cites[key] = Markup(
                "".join(
                    f'<sup class="cite"><a href="#source-{n}" title="{escape(text)}">{n}</a></sup>'
                    for n, text in self.cite(key)
                )
            )
        return found

    def pick_value(self, values: list[Value]) -> Value | None:
        """Of several language versions of a text, the one in the reader's language along
        the fallback chain."""
        if not values:
            return None
        by_lang = {v.lang: v for v in reversed(values)}
        picked = pick_with_language({lang: v.text for lang, v in by_lang.items()}, self.lang)
        return by_lang.get(picked[1], values[0]) if picked else values[0]

    def languages(self, concept: ConceptView) -> list[str]:
        seen = set(concept.pref) | set(concept.alt) | set(concept.definitions)
        return [*LANGUAGES, *sorted(seen - set(LANGUAGES))]

    # links
    def href(self, iri: str) -> str:
        """The page of an IRI on this server (any host), in the reader's language."""
        ns = cci(self.base)
        if iri.startswith(self.base + "id/"):
            return "/" + iri[len(self.base) :] + "?" + urlencode({"lang": self.lang})
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"/ontology?lang={self.lang}#{quote(iri[len(ns) :])}"
        if iri == self.base + "ontology":
            return f"/ontology?lang={self.lang}"
        return iri

    def kind_href(self, iri: str) -> str:
        return f"/kind/{quote(local_name(iri))}?lang={self.lang}"

    # labels
    def label(self, ref: Ref | None) -> tuple[str, str]:
        """(text, language) of a node: its label along the language chain; for a term
        of a reused vocabulary, the interface's translation; else its short name."""
        if ref is None:
            return "", ""
        found = ref.label(self.lang)
        if found:
            return found
        short = curie(ref.iri, self.base)
        texts = self._terms.get(short)
        if texts:
            picked = pick_with_language(texts, self.lang)
            if picked:
                return picked
        return (short if short != ref.iri else local_name(ref.iri) or ref.iri), ""

    def text(self, labels: Mapping[str, str] | None) -> tuple[str, str]:
        return pick_with_language(dict(labels or {}), self.lang) or ("", "")

    def curie(self, iri: str) -> str:
        return curie(iri, self.base)

    # sources
    def cite(self, graphs: Iterable[str]) -> list[tuple[int, str]]:
        """(number, "according to …") for each graph stating a statement."""
        out = []
        for g in sorted(set(graphs), key=lambda g: self._numbers.get(g, 0)):
            n = self._numbers.get(g)
            if n is not None:
                out.append((n, self.according_to(self.sources[n - 1][1])))
        return out

    def according_to(self, source: Source) -> str:
        if not source.documents:
            if source.graph.startswith(self.base + "graph/ontology/"):
                return translate("pages.entity.vocabulary_graph", self.lang)
            return translate("pages.entity.no_source", self.lang)
        parts = [self.document(d) for d in source.documents]
        return translate("pages.entity.according_to", self.lang) + " " + "; ".join(parts)

    def document(self, doc: Document) -> str:
        title = self.text(doc.titles)[0] or local_name(doc.iri)
        return f"« {title} »" + (f" ({doc.date})" if doc.date else "")

    def number(self, value: str | None) -> str:
        """A figure with thousands separators as the reader writes them."""
        if value is None:
            return ""
        try:
            number = float(value)
        except ValueError:
            return value
        text = f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"
        sep = {"fr": "\u202f", "nl": ".", "en": ","}.get(self.lang, ",")
        dec = "," if self.lang in ("fr", "nl") else "."
        return text.replace(",", "\x00").replace(".", dec).replace("\x00", sep)

    def coordinates(self, lat: float, lon: float) -> str:
        ns = "N" if lat >= 0 else "S"
        ew = "E" if lon >= 0 else "W"
        return f"{abs(lat):.5f}° {ns}, {abs(lon):.5f}° {ew}"


# ---- RDF twins -----------------------------------------------------------------------


def rdf_response(triples: list[Any], media: str, base: str, headers: dict[str, str]) -> Response:
    fmt = RDF_FORMATS[media][0]
    body = serialize(triples, format=fmt, prefixes=all_prefixes(base)) or b""
    return Response(body, media_type=media, headers=headers)


def _alternates(request: Request, path: str, include_html: bool = True) -> str:
    """``Link`` header: the twins of ``/path`` (their suffix URLs)."""
    links = []
    if include_html:
        links.append(f'<{_absolute(request, path + ".html")}>; rel="alternate"; type="{HTML}"')
        links.append(f'<{_absolute(request, path + ".json")}>; rel="alternate"; type="{JSON}"')
    for media, (_, ext) in RDF_FORMATS.items():
        links.append(f'<{_absolute(request, path + "." + ext)}>; rel="alternate"; type="{media}"')
    return ", ".join(links)


def _split_suffix(store: GraphStore, base: str, path: str) -> tuple[str, str | None]:
    """``organisation/x.ttl`` -> (``organisation/x``, "text/turtle"), unless an entity's
    IRI really ends that way."""
    stem, dot, ext = path.rpartition(".")
    known = dot and ext.lower() in SUFFIXES and "/" not in ext
    if known and not kg_entity.exists(store, base + "id/" + path, base):
        return stem, SUFFIXES[ext.lower()]
    return path, None


# ---- the entity page -----------------------------------------------------------------


@get_and_head(router, "/id/{path:path}", response_model=None)
def dereference(path: str, request: Request) -> Response:
    """An entity, concept, scheme or municipality of the graph, negotiated."""
    settings = _settings(request)
    base = settings.base
    store = _store(request)
    path, suffix_media = _split_suffix(store, base, path)
    iri = base + "id/" + path
    page_path = "/id/" + path
    links = _alternates(request, page_path)
    media = suffix_media if suffix_media else wanted(request, ENTITY_OFFERS)
    if media is None:
        return _not_acceptable(request, ENTITY_OFFERS, links)
    lang = page_language(request)
    headers = {"Vary": VARY, "Link": links}
    if suffix_media is None:
        ext = next((e for e, m in SUFFIXES.items() if m == media), "html")
        headers["Content-Location"] = f"{page_path}.{ext}"
    try:
        if media in RDF_FORMATS:
            triples = kg_entity.describe(store, iri, base)
            if not triples:
                raise NotFound(f"nothing is known about <{iri}>")
            return rdf_response(triples, media, base, headers)
        listing = path.startswith(("concept/", "scheme/", "municipality/"))
        view = kg_entity.entity_view(
            store,
            iri,
            base,
            lang=lang,
            rel=_rel_key(request.query_params.get("rel"), base),
            page=_number(request.query_params.get("page")),
            page_size=LIST_PAGE if listing else kg_entity.GROUP_PAGE,
        )
    except NotFound:
        return _unknown(request, iri, path, media, lang)
    concept = None
    if view.has_type(SKOS + "Concept") or view.has_type(SKOS + "ConceptScheme"):
        concept = kg_entity.concept_view(store, iri, base, lang=lang, entity=view)
    page = Page(request, lang, view.sources, view.own_graphs)
    url = _absolute(request, page_path)
    if media == JSON:
        body = entity_json(view, page, url, concept)
        return JSONResponse(body, headers=headers)
    data: dict[str, Any] = {
        "view": view,
        "concept": concept,
        "p": page,
        "iri": iri,
        "page_path": page_path,
        "alternates": _alternate_list(page_path),
        "jsonld": _json_ld_script(schema_org(view, page, url)),
        "map": _map_data(view, settings),
        "rel_url": lambda group, n: _rel_url(page_path, group, n, lang, base),
        "kind_types": _kind_types(view, page),
    }
    if concept is None:
        data["neighbourhood"] = neighbourhood_section(store, base, lang, iri, view.relations)
    template = "concept.html" if concept else "entity.html"
    return request.app.state.templates.TemplateResponse(
        request, template, context(request, **data), headers=headers
    )


def _rel_key(raw: str | None, base: str) -> str | None:
    """``?rel=cci:memberOf`` (or ``^cci:memberOf`` for the incoming group, or a full
    IRI) -> the group key of kg.entity."""
    if not raw:
        return None
    inverse = raw.startswith("^")
    iri = expand(raw[1:] if inverse else raw, base)
    return None if iri is None else ("^" if inverse else "") + iri


def _rel_url(path: str, group: RelationGroup, n: int, lang: str, base: str) -> str:
    key = ("^" if group.direction == "in" else "") + curie(group.prop.iri, base)
    return f"{path}?{urlencode({'rel': key, 'page': n, 'lang': lang})}#rel-{_anchor(group)}"


def _anchor(group: RelationGroup) -> str:
    return ("in-" if group.direction == "in" else "out-") + local_name(group.prop.iri)


def _alternate_list(path: str) -> list[tuple[str, str, str]]:
    """(label, media type, URL) of the page's twins, for the page footer."""
    names = {
        JSON: "JSON",
        "text/turtle": "Turtle",
        "application/ld+json": "JSON-LD",
        "application/n-triples": "N-Triples",
        "application/rdf+xml": "RDF/XML",
    }
    out = [(names[JSON], JSON, f"{path}.json")]
    out += [(names[m], m, f"{path}.{ext}") for m, (_, ext) in RDF_FORMATS.items()]
    return out


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


def _unknown(request: Request, iri: str, path: str, media: str, lang: str) -> Response:
    """404: nothing is known of the IRI. Suggestions: entities whose name holds the words
    of the IRI's last segment."""
    store = _store(request)
    settings = _settings(request)
    segment = path.rstrip("/").rsplit("/", 1)[-1]
    words = segment.replace("-", " ").replace("_", " ")
    found = kg_entity.suggestions(store, words, settings.base)
    page = Page(request, lang)
    suggestions = [
        {"iri": r.iri, "label": page.label(r)[0], "href": page.href(r.iri)} for r in found
    ]
    message = f"nothing is known about <{iri}>"
    if media != HTML:
        return JSONResponse(
            error_body("NotFound", message, suggestions=suggestions),
            status_code=404,
            headers={"Vary": VARY},
        )
    data = {"iri": iri, "suggestions": suggestions, "query": words, "p": page}
    return request.app.state.templates.TemplateResponse(
        request,
        "notfound.html",
        context(request, **data),
        status_code=404,
        headers={"Vary": VARY},
    )


# ---- JSON twins ----------------------------------------------------------------------


def _ref_json(ref: Ref | None, page: Page) -> dict[str, Any] | None:
    if ref is None:
        return None
    text, lang = page.label(ref)
    return {"iri": ref.iri, "label": text, "label_lang": lang, "href": page.href(ref.iri)}


def _value_json(value: Value, page: Page) -> dict[str, Any]:
    out: dict[str, Any] = {"sources": [n for n, _ in page.cite(value.graphs)]}
    if value.ref is not None:
        out.update(_ref_json(value.ref, page) or {})
    elif isinstance(value.term, Literal):
        out.update({"value": value.text, "lang": value.lang or None})
        if value.datatype and not value.lang:
            out["datatype"] = value.datatype
    else:
        out["value"] = value.text
    return out


def _group_json(group: RelationGroup, page: Page, path: str) -> dict[str, Any]:
    label, label_lang = page.label(group.prop)
    out: dict[str, Any] = {
        "property": group.prop.iri,
        "curie": page.curie(group.prop.iri),
        "label": label,
        "label_lang": label_lang,
        "direction": group.direction,
        "count": group.count,
        "page": group.page,
        "pages": group.pages,
        "items": [
            {
                **(_ref_json(item.ref, page) or {}),
                "sources": [n for n, _ in page.cite(item.graphs)],
                "details": [
                    {
                        "iri": d.iri,
                        "type": _ref_json(d.type, page),
                        "role": _ref_json(d.role, page),
                        "role_text": page.text(d.role_text)[0] or None,
                        "start": d.start,
                        "end": d.end,
                        "description": page.text(d.description)[0] or None,
                        "sources": [n for n, _ in page.cite(d.graphs)],
                    }
                    for d in item.details
                ],
            }
            for item in group.items
        ],
    }
    base = page.base
    if group.page < group.pages:
        out["next"] = _rel_url(path, group, group.page + 1, page.lang, base).split("#")[0]
    if group.page > 1:
        out["previous"] = _rel_url(path, group, group.page - 1, page.lang, base).split("#")[0]
    return out


def _observation_json(obs: Observation, page: Page) -> dict[str, Any]:
    return {
        "iri": obs.iri,
        "measure": _ref_json(obs.measure, page),
        "subject": _ref_json(obs.subject, page),
        "via": _ref_json(obs.via, page),
        "value": obs.value,
        "unit": obs.unit,
        "lower_bound": obs.lower_bound,
        "period": obs.period,
        "period_label": page.text(obs.period_label)[0] or None,
        "area": obs.area,
        "description": page.text(obs.description)[0] or None,
        "sources": [n for n, _ in page.cite(obs.graphs)],
    }


def _sources_json(page: Page) -> list[dict[str, Any]]:
    return [
        {
            "number": n,
            "graph": source.graph,
            "according_to": page.according_to(source),
            "documents": [
                {
                    "iri": d.iri,
                    "title": page.text(d.titles)[0] or None,
                    "date": d.date,
                    "publisher": d.publisher,
                    "href": page.href(d.iri),
                }
                for d in source.documents
            ],
        }
        for n, source in page.sources
    ]


def entity_json(
    view: EntityView, page: Page, url: str, concept: ConceptView | None = None
) -> dict[str, Any]:
    label, label_lang = view.label(page.lang)
    path = "/" + view.iri[len(page.base) :] if view.iri.startswith(page.base) else url
    body: dict[str, Any] = {
        "iri": view.iri,
        "url": url,
        "lang": page.lang,
        "label": label,
        "label_lang": label_lang,
        "labels": view.labels,
        "types": [_ref_json(t, page) for t in view.types],
        "names": [
            {
                "property": page.curie(st.prop.iri),
                "values": [_value_json(v, page) for v in st.values],
            }
            for st in view.names
        ],
        "description": [_value_json(v, page) for v in view.description],
        "sectors": [_value_json(v, page) for v in view.sectors],
        "services": [_value_json(v, page) for v in view.services],
        "audiences": [_value_json(v, page) for v in view.audiences],
        "address": None,
        "municipality": _value_json(view.municipality, page) if view.municipality else None,
        "geometry": None,
        "identifiers": [
            {
                "scheme": i.scheme,
                "value": i.value,
                "url": i.url,
                "sources": [n for n, _ in page.cite(i.graphs)],
            }
            for i in view.identifiers
        ],
        "relations": [_group_json(g, page, path) for g in view.relations],
        "takes_part_in": [_ref_json(item.ref, page) for item in view.takes_part_in],
        "observations": [_observation_json(o, page) for o in view.observations],
        "statements": [
            {
                "property": page.curie(st.prop.iri),
                "label": page.label(st.prop)[0],
                "values": [_value_json(v, page) for v in st.values],
            }
            for st in view.statements
        ],
        "sources": _sources_json(page),
        "person": view.is_person,
    }
    if view.address is not None:
        body["address"] = {
            "lines": view.address.lines(page.lang),
            "post_code": view.address.post_code,
            "sources": [n for n, _ in page.cite(view.address.graphs)],
        }
    if view.geometry is not None:
        body["geometry"] = {
            "wkt": view.geometry.wkt if not view.geometry.rings else None,
            "lat": view.geometry.lat,
            "lon": view.geometry.lon,
            "sources": [n for n, _ in page.cite(view.geometry.graphs)],
        }
    if concept is not None:
        body["concept"] = {
            "scheme": concept.is_scheme,
            "pref_labels": concept.pref,
            "alt_labels": concept.alt,
            "definitions": concept.definitions,
            "notation": concept.notation,
            "in_scheme": [_ref_json(r, page) for r in concept.schemes],
            "broader": [_ref_json(r, page) for r in concept.broader],
            "narrower": [_ref_json(r, page) for r in concept.narrower],
            "mappings": [
                {"relation": name, **(_ref_json(r, page) or {})} for name, r in concept.mappings
            ],
            "direct_property": _ref_json(concept.direct_property, page),
            "concepts": [
                {**(_ref_json(e.concept, page) or {}), "depth": e.depth, "count": e.count}
                for e in concept.tree
            ],
        }
    return body


# ---- schema.org ----------------------------------------------------------------------


def schema_org(view: EntityView, page: Page, url: str) -> dict[str, Any]:
    """The schema.org description embedded in the page (for search engines)."""
    lang = page.lang
    kinds = {page.curie(t.iri) for t in view.types}
    kind = next((s for c, s in SCHEMA_TYPES if c in kinds), "Thing")
    label, _ = view.label(lang)
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": kind, "@id": view.iri}
    data["name"] = label
    data["url"] = url
    if view.is_person:
        for st in view.statements:
            if st.prop.iri == SCHEMA + "jobTitle" and st.values:
                data["jobTitle"] = page.text({v.lang: v.text for v in st.values})[0]
        affiliations = [
            {"@type": "Organization", "@id": item.ref.iri, "name": page.label(item.ref)[0]}
            for g in view.relations
            if g.direction == "out" and g.prop.iri == cci(page.base) + "affiliatedWith"
            for item in g.items
        ]
        if affiliations:
            data["affiliation"] = affiliations
        return data
    others = sorted({v.text for st in view.names for v in st.values} - {label})
    if others:
        data["alternateName"] = others
    description = page.text({v.lang: v.text for v in reversed(view.description)})[0]
    if description:
        data["description"] = description
    same = []
    for ident in view.identifiers:
        if ident.scheme == "homepage":
            data["url"] = ident.url
        elif ident.scheme in ("wikidata", "sameas") and ident.url:
            same.append(ident.url)
        elif ident.scheme == "kbo":
            data["identifier"] = {
                "@type": "PropertyValue",
                "propertyID": "KBO/BCE",
                "value": ident.value,
            }
            if ident.url:
                same.append(ident.url)
    if same:
        data["sameAs"] = same
    if view.address is not None:
        address: dict[str, Any] = {"@type": "PostalAddress", "addressCountry": "BE"}
        street = page.text(view.address.street)[0]
        if street:
            address["streetAddress"] = " ".join(x for x in (street, view.address.number) if x)
        elif view.address.lines(lang):
            address["streetAddress"] = view.address.lines(lang)[0]
        if view.address.post_code:
            address["postalCode"] = view.address.post_code
        town = page.text(view.address.post_name)[0]
        if town:
            address["addressLocality"] = town
        data["address"] = address
    if view.geometry is not None and view.geometry.lat is not None and not view.geometry.rings:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": view.geometry.lat,
            "longitude": view.geometry.lon,
        }
    for st in view.statements:
        name = {
            SCHEMA + "foundingDate": "foundingDate",
            SCHEMA + "startDate": "startDate",
            SCHEMA + "endDate": "endDate",
            DCT + "issued": "datePublished",
        }.get(st.prop.iri)
        if name and st.values:
            data[name] = st.values[0].text
    if view.municipality is not None and view.municipality.ref is not None and kind != "Place":
        data["location"] = {
            "@type": "Place",
            "@id": view.municipality.ref.iri,
            "name": page.label(view.municipality.ref)[0],
        }
    return data


# ---- the ontology --------------------------------------------------------------------


@get_and_head(router, "/ontology", response_model=None)
def ontology(request: Request) -> Response:
    """The ontology: classes and properties with labels and definitions (``#Name``)."""
    return _ontology(request, wanted(request, ENTITY_OFFERS))


@get_and_head(router, "/ontology.{ext}", response_model=None)
def ontology_as(ext: str, request: Request) -> Response:
    media = SUFFIXES.get(ext.lower())
    if media is None:
        raise NotFound(f"no format with extension {ext!r}: use one of " + ", ".join(SUFFIXES))
    return _ontology(request, media)


def _ontology(request: Request, media: str | None) -> Response:
    links = _alternates(request, "/ontology")
    if media is None:
        return _not_acceptable(request, ENTITY_OFFERS, links)
    settings = _settings(request)
    store = _store(request)
    headers = {"Vary": VARY, "Link": links}
    if media in RDF_FORMATS:
        return rdf_response(
            kg_entity.ontology_triples(store, settings.base), media, settings.base, headers
        )
    lang = page_language(request)
    view = kg_entity.ontology_view(store, settings.base)
    page = Page(request, lang)
    if media == JSON:

        def term(t: kg_entity.Term) -> dict[str, Any]:
            return {
                "iri": t.iri,
                "name": t.name,
                "label": page.text(t.labels)[0] or t.name,
                "definition": page.text(t.definitions)[0] or None,
                "labels": t.labels,
                "definitions": t.definitions,
                **{page.curie(p): [r.iri for r in refs] for p, refs in t.facts.items()},
            }

        return JSONResponse(
            {
                "iri": view.iri,
                "label": page.text(view.labels)[0],
                "definition": page.text(view.definitions)[0],
                "version": view.version,
                "namespace": cci(settings.base),
                "classes": [term(t) for t in view.classes],
                "properties": [term(t) for t in view.properties],
                "terms": [term(t) for t in view.individuals],
            },
            headers=headers,
        )
    kinds = set(kg_entity.vocabulary(store, settings.base).organisation_kinds(settings.base))
    data = {
        "view": view,
        "p": page,
        "namespace": cci(settings.base),
        "kinds": kinds,
        "alternates": _alternate_list("/ontology"),
        "fact_names": {
            kg_entity.RDFS + "subClassOf": "pages.ontology.subClassOf",
            kg_entity.RDFS + "subPropertyOf": "pages.ontology.subPropertyOf",
            kg_entity.RDFS + "domain": "pages.ontology.domain",
            kg_entity.RDFS + "range": "pages.ontology.range",
            kg_entity.OWL + "inverseOf": "pages.ontology.inverseOf",
            RDF_TYPE: "pages.ontology.type",
        },
    }
    return request.app.state.templates.TemplateResponse(
        request, "ontology.html", context(request, **data), headers=headers
    )


# ---- listings ------------------------------------------------------------------------


def _page_response(
    request: Request, template: str, data: dict[str, Any], body: dict[str, Any], path: str
) -> Response:
    """The HTML page, or its JSON twin; both point at each other with ``Link``."""
    media = wanted(request, PAGE_OFFERS)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
    json_url = path + "?" + urlencode([*params, ("format", "json")])
    html_url = path + ("?" + urlencode(params) if params else "")
    links = (
        f'<{_absolute(request, json_url)}>; rel="alternate"; type="{JSON}", '
        f'<{_absolute(request, html_url)}>; rel="alternate"; type="{HTML}"'
    )
    headers = {"Vary": VARY, "Link": links}
    if media is None:
        return _not_acceptable(request, PAGE_OFFERS, links)
    if media == JSON:
        return JSONResponse(body, headers=headers)
    data = {**data, "json_url": json_url}
    return request.app.state.templates.TemplateResponse(
        request, template, context(request, **data), headers=headers
    )


@get_and_head(router, "/kind/{name}", response_model=None)
def kind_page(name: str, request: Request) -> Response:
    """The organisations of one kind (``/kind/CreativeHub``), paged, by name."""
    settings = _settings(request)
    store = _store(request)
    iri = cci(settings.base) + name
    vocab = kg_entity.vocabulary(store, settings.base)
    if OWL_CLASS not in vocab.types.get(iri, set()):
        raise NotFound(f"the ontology has no class {name!r}")
    lang = page_language(request)
    listing = kg_entity.type_members(
        store, iri, settings.base, lang=lang, page=_number(request.query_params.get("page"))
    )
    page = Page(request, lang)
    path = f"/kind/{quote(name)}"

    def page_url(n: int) -> str:
        return f"{path}?{urlencode({'page': n, 'lang': lang})}"

    body = {
        "kind": _ref_json(listing.subject, page),
        "definition": page.text(listing.definitions)[0] or None,
        "count": listing.count,
        "page": listing.page,
        "pages": listing.pages,
        "items": [_ref_json(item.ref, page) for item in listing.items],
    }
    data = {"listing": listing, "p": page, "page_url": page_url, "kind_iri": iri}
    return _page_response(request, "kind.html", data, body, path)


OWL_CLASS = kg_entity.OWL + "Class"


def _overview_body(sections: list[dict[str, Any]], page: Page) -> dict[str, Any]:
    return {
        "sections": [
            {
                "title": s["title"],
                "scheme": _ref_json(s.get("scheme"), page),
                "rows": [
                    {
                        **(_ref_json(r["ref"], page) or {}),
                        **{k: v for k, v in r.items() if k != "ref"},
                    }
                    for r in s["rows"]
                ],
            }
            for s in sections
        ]
    }


@get_and_head(router, "/sectors", response_model=None)
def sectors_page(request: Request) -> Response:
    return _scheme_overview(request, "sectors")


@get_and_head(router, "/services", response_model=None)
def services_page(request: Request) -> Response:
    return _scheme_overview(request, "services")


@get_and_head(router, "/audiences", response_model=None)
def audiences_page(request: Request) -> Response:
    return _scheme_overview(request, "audiences")


def _scheme_overview(request: Request, name: str) -> Response:
    settings = _settings(request)
    lang = page_language(request)
    page = Page(request, lang)
    sections = [
        {
            "title": page.label(scheme)[0],
            "scheme": scheme,
            "rows": [{"ref": e.concept, "depth": e.depth, "count": e.count} for e in entries],
        }
        for scheme, entries in kg_entity.overview(_store(request), name, settings.base, lang)
    ]
    data = {"name": name, "sections": sections, "p": page, "columns": ["pages.count.users"]}
    return _page_response(
        request, "overview.html", data, _overview_body(sections, page), "/" + name
    )


@get_and_head(router, "/kinds", response_model=None)
def kinds_page(request: Request) -> Response:
    settings = _settings(request)
    lang = page_language(request)
    page = Page(request, lang)
    counts = kg_entity.kind_counts(_store(request), settings.base)
    counts.sort(key=lambda c: (-c.count, page.label(c.ref)[0].casefold()))
    rows = [
        {"ref": c.ref, "count": c.count, "depth": 0, "href": page.kind_href(c.ref.iri)}
        for c in counts
    ]
    sections = [{"title": translate("pages.kinds", lang), "rows": rows}]
    data = {
        "name": "kinds",
        "sections": sections,
        "p": page,
        "columns": ["pages.count.organisations"],
    }
    return _page_response(request, "overview.html", data, _overview_body(sections, page), "/kinds")


@get_and_head(router, "/municipalities", response_model=None)
def municipalities_page(request: Request) -> Response:
    settings = _settings(request)
    lang = page_language(request)
    page = Page(request, lang)
    counts = kg_entity.municipality_counts(_store(request), settings.base)
    counts.sort(key=lambda c: page.label(c.ref)[0].casefold())
    rows = [{"ref": c.ref, "count": c.count, "all": c.extra, "depth": 0} for c in counts]
    sections = [{"title": translate("pages.municipalities", lang), "rows": rows}]
    data = {
        "name": "municipalities",
        "sections": sections,
        "p": page,
        "columns": ["pages.count.organisations", "pages.count.all"],
    }
    body = _overview_body(sections, page)
    return _page_response(request, "overview.html", data, body, "/municipalities")


# ---- home ----------------------------------------------------------------------------


@get_and_head(router, "/", response_model=None)
def home(request: Request) -> Response:
    """Headline figures, the sector's figures, the newest entries, where to go next."""
    settings = _settings(request)
    store = _store(request)
    lang = page_language(request)
    view = kg_entity.home_view(store, settings.base, kg_entity.newest_graphs(settings))
    page = Page(request, lang, view.sources)
    body = {
        "figures": view.figures,
        "sector_figures": [_observation_json(o, page) for o in view.sector_figures],
        "newest": [
            {
                "graph": n.graph,
                "changed": n.when,
                "according_to": page.according_to(n.source),
                "entries": [_ref_json(r, page) for r in n.entries],
            }
            for n in view.newest
        ],
        "sources": _sources_json(page),
        "links": {
            "search": "/search",
            "map": "/map",
            "network": "/network",
            "queries": "/queries",
            "kpi": "/kpi",
            "sparql": "/query",
            "ontology": "/ontology",
        },
    }
    data = {"home": view, "p": page}
    return _page_response(request, "landing.html", data, body, "/")


# ---- sitemap, robots -----------------------------------------------------------------


def _sitemap_urls(request: Request) -> list[str]:
    settings = _settings(request)
    store = _store(request)
    root = str(request.base_url).rstrip("/")
    urls = [root + "/", root + "/ontology"]
    urls += [root + p for p in ("/sectors", "/services", "/audiences", "/kinds", "/municipalities")]
    urls += [
        root + "/kind/" + quote(local_name(k))
        for k in kg_entity.vocabulary(store, settings.base).organisation_kinds(settings.base)
    ]
    base = settings.base
    urls += [
        root + "/" + quote(iri[len(base) :], safe="/:-._~")
        for iri in kg_entity.sitemap_iris(store, base)
    ]
    return urls


def _urlset(urls: Iterable[str]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    lines += [f"<url><loc>{xml_escape(u)}</loc></url>" for u in urls]
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


@router.get("/sitemap.xml", response_model=None)
def sitemap(request: Request) -> Response:
    """Every page: organisations, people, projects, events, publications, places,
    concepts, municipalities… A sitemap index when there are more than 50,000."""
    urls = _sitemap_urls(request)
    if len(urls) <= SITEMAP_SIZE:
        return Response(_urlset(urls), media_type="application/xml")
    root = str(request.base_url).rstrip("/")
    parts = -(-len(urls) // SITEMAP_SIZE)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    lines += [
        f"<sitemap><loc>{xml_escape(f'{root}/sitemap-{n}.xml')}</loc></sitemap>"
        for n in range(1, parts + 1)
    ]
    lines.append("</sitemapindex>")
    return Response("\n".join(lines) + "\n", media_type="application/xml")


@router.get("/sitemap-{number}.xml", response_model=None)
def sitemap_part(number: int, request: Request) -> Response:
    urls = _sitemap_urls(request)
    chunk = urls[(number - 1) * SITEMAP_SIZE : number * SITEMAP_SIZE] if number >= 1 else []
    if not chunk:
        raise NotFound(f"no sitemap part {number}")
    return Response(_urlset(chunk), media_type="application/xml")


@router.get("/robots.txt", response_model=None)
def robots(request: Request) -> PlainTextResponse:
    root = str(request.base_url).rstrip("/")
    text = (
        "User-agent: *\n"
        "Disallow: /sparql\n"
        "Disallow: /store\n"
        "Disallow: /api/\n"
        f"Sitemap: {root}/sitemap.xml\n"
    )
    return PlainTextResponse(text)
