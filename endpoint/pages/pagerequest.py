"""What every linked-data page route shares: the store and settings of a request, the
formats a page offers and how a request chooses one (``?format=``, then ``Accept`` with
q-values), the 406 answer, and ``page_response`` (an HTML page or its JSON twin, pointing at
each other with ``Link``). The language is ``?lang=``, then Accept-Language
(kg.labels.negotiate)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pyoxigraph import RdfFormat

from endpoint.http.conneg import wanted as negotiate_media
from endpoint.http.i18n import context, vary
from kg.errors import NotAcceptable
from kg.settings import Settings
from kg.store import GraphStore

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


def store_of(request: Request) -> GraphStore:
    return request.app.state.holder.get()


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def page_number(value: str | None, default: int = 1) -> int:
    try:
        return max(1, int(value)) if value is not None and len(value) < 10 else default
    except ValueError:
        return default


def wanted(request: Request, offered: list[str]) -> str | None:
    """The media type to answer with: ``?format=`` when given, else the Accept header."""
    return negotiate_media(
        request.query_params.get("format"), request.headers.get("accept"), offered, FORMAT_NAMES
    )


def absolute(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


def not_acceptable(offered: list[str], links: str) -> NotAcceptable:
    """The 406 to raise: it names the formats, and ``Link`` lists their URLs."""
    message = "this resource is available as " + ", ".join(offered)
    return NotAcceptable(message, headers={"Link": links, "Vary": VARY})


def page_response(
    request: Request, template: str, data: dict[str, Any], body: dict[str, Any], path: str
) -> Response:
    """The HTML page, or its JSON twin; both point at each other with ``Link``."""
    media = wanted(request, PAGE_OFFERS)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
    json_url = path + "?" + urlencode([*params, ("format", "json")])
    html_url = path + ("?" + urlencode(params) if params else "")
    links = (
        f'<{absolute(request, json_url)}>; rel="alternate"; type="{JSON}", '
        f'<{absolute(request, html_url)}>; rel="alternate"; type="{HTML}"'
    )
    headers = {"Vary": VARY, "Link": links}
    if media is None:
        raise not_acceptable(PAGE_OFFERS, links)
    if media == JSON:
        return JSONResponse(body, headers=headers)
    data = {**data, "json_url": json_url}
    return request.app.state.templates.TemplateResponse(
        request, template, context(request, **data), headers=headers
    )
