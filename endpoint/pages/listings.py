"""The listing pages, with counts: ``GET /kind/{Class}``, ``/kinds``, ``/sectors``,
``/services``, ``/audiences``, ``/municipalities`` (each with its JSON twin)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from endpoint.http.i18n import page_language, translate
from endpoint.http.routing import get_and_head
from endpoint.pages.jsontwins import ref_json
from endpoint.pages.page import Page
from endpoint.pages.pagerequest import page_number, page_response, settings_of, store_of
from kg.errors import NotFound
from kg.namespaces import OWL_CLASS
from kg.views.model import cci
from kg.views.overviews import kind_counts, municipality_counts, overview, type_members
from kg.views.vocabcache import vocabulary

router = APIRouter()


@get_and_head(router, "/kind/{name}", response_model=None)
def kind_page(name: str, request: Request) -> Response:
    """The organisations of one kind (``/kind/CreativeHub``), paged, by name."""
    settings = settings_of(request)
    store = store_of(request)
    iri = cci(settings.base) + name
    vocab = vocabulary(store, settings.base)
    if OWL_CLASS not in vocab.types.get(iri, set()):
        raise NotFound(f"the ontology has no class {name!r}")
    lang = page_language(request)
    listing = type_members(
        store, iri, settings.base, lang=lang, page=page_number(request.query_params.get("page"))
    )
    page = Page(request, lang)
    path = f"/kind/{quote(name)}"

    def page_url(n: int) -> str:
        return f"{path}?{urlencode({'page': n, 'lang': lang})}"

    body = {
        "kind": ref_json(listing.subject, page),
        "definition": page.text(listing.definitions)[0] or None,
        "count": listing.count,
        "page": listing.page,
        "pages": listing.pages,
        "items": [ref_json(item.ref, page) for item in listing.items],
    }
    data = {"listing": listing, "p": page, "page_url": page_url, "kind_iri": iri}
    return page_response(request, "kind.html", data, body, path)


def _overview_body(sections: list[dict[str, Any]], page: Page) -> dict[str, Any]:
    return {
        "sections": [
            {
                "title": s["title"],
                "scheme": ref_json(s.get("scheme"), page),
                "rows": [
                    {
                        **(ref_json(r["ref"], page) or {}),
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
    settings = settings_of(request)
    lang = page_language(request)
    page = Page(request, lang)
    sections = [
        {
            "title": page.label(scheme)[0],
            "scheme": scheme,
            "rows": [{"ref": e.concept, "depth": e.depth, "count": e.count} for e in entries],
        }
        for scheme, entries in overview(store_of(request), name, settings.base, lang)
    ]
    data = {"name": name, "sections": sections, "p": page, "columns": ["pages.count.users"]}
    return page_response(request, "overview.html", data, _overview_body(sections, page), "/" + name)


@get_and_head(router, "/kinds", response_model=None)
def kinds_page(request: Request) -> Response:
    settings = settings_of(request)
    lang = page_language(request)
    page = Page(request, lang)
    counts = kind_counts(store_of(request), settings.base)
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
    return page_response(request, "overview.html", data, _overview_body(sections, page), "/kinds")


@get_and_head(router, "/municipalities", response_model=None)
def municipalities_page(request: Request) -> Response:
    settings = settings_of(request)
    lang = page_language(request)
    page = Page(request, lang)
    counts = municipality_counts(store_of(request), settings.base)
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
    return page_response(request, "overview.html", data, body, "/municipalities")
