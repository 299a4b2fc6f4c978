"""``GET /sitemap.xml`` (a sitemap index past 50,000 pages, ``/sitemap-N.xml``) and
``/robots.txt``."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from endpoint.pages.pagerequest import settings_of, store_of
from kg.errors import NotFound
from kg.publish.sitemap import sitemap_iris
from kg.views.model import local_name
from kg.views.vocabcache import vocabulary

router = APIRouter()


#: Entities per sitemap file (the protocol's limit is 50,000).
SITEMAP_SIZE = 50_000


def _sitemap_urls(request: Request) -> list[str]:
    settings = settings_of(request)
    store = store_of(request)
    root = str(request.base_url).rstrip("/")
    urls = [root + "/", root + "/ontology"]
    urls += [root + p for p in ("/sectors", "/services", "/audiences", "/kinds", "/municipalities")]
    urls += [
        root + "/kind/" + quote(local_name(k))
        for k in vocabulary(store, settings.base).organisation_kinds(settings.base)
    ]
    base = settings.base
    urls += [
        root + "/" + quote(iri[len(base) :], safe="/:-._~") for iri in sitemap_iris(store, base)
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
