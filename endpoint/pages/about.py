"""The pages a public site owes its readers, linked from every footer: ``/about`` (what
the map covers and what it does not, how it is made, its sources and figures),
``/licence`` (which licence covers what), ``/privacy`` (what the site keeps of its
visitors, and of the people it names) and ``/contact``. /about and /licence have JSON
twins; their figures and lists are read from the graph being served."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from endpoint.http.i18n import context, page_language, vary
from endpoint.http.routing import get_and_head
from endpoint.pages.page import Page
from endpoint.pages.pagerequest import page_response, settings_of, store_of
from kg.publish.void import LICENSE
from kg.views.about import SourceEntry, about_view

router = APIRouter()

#: names of the licences the sources use, by their code in the EU licence table
LICENCE_NAMES = {
    "CC_BY_4_0": "CC BY 4.0",
    "CC0": "CC0 1.0",
    "MIT": "MIT",
    "APACHE_2_0": "Apache 2.0",
}


def licence_name(iri: str) -> str:
    code = iri.rstrip("/").rsplit("/", 1)[-1]
    return LICENCE_NAMES.get(code, code.replace("_", " "))


def _entry_json(entry: SourceEntry, page: Page) -> dict[str, Any]:
    title = page.text(entry.titles)
    return {
        "iri": entry.iri,
        "title": title[0] or None,
        "title_lang": title[1] or None,
        "date": entry.date,
        "publisher": entry.publisher,
        "licences": [{"iri": i, "name": licence_name(i)} for i in entry.licences],
        "rights": page.text(entry.rights)[0] or None,
        "href": page.href(entry.iri),
    }


@get_and_head(router, "/about", response_model=None)
def about(request: Request) -> Response:
    """What the map covers and what it does not, how it is made, its sources and figures."""
    settings = settings_of(request)
    view = about_view(store_of(request), settings.base)
    page = Page(request, page_language(request))
    body = {
        "figures": view.figures,
        "documents": [_entry_json(d, page) for d in view.documents],
        "datasets": [_entry_json(d, page) for d in view.datasets],
    }
    data = {"about": view, "p": page, "licence_name": licence_name}
    return page_response(request, "about.html", data, body, "/about")


@get_and_head(router, "/licence", response_model=None)
def licence(request: Request) -> Response:
    """Which licence covers what: the project's own text, and each imported dataset's."""
    settings = settings_of(request)
    view = about_view(store_of(request), settings.base)
    page = Page(request, page_language(request))
    body = {
        "project": {"iri": LICENSE, "name": "CC BY 4.0"},
        "datasets": [_entry_json(d, page) for d in view.datasets],
    }
    data = {"about": view, "p": page, "licence_name": licence_name, "project_licence": LICENSE}
    return page_response(request, "licence.html", data, body, "/licence")


@get_and_head(router, "/privacy", response_model=None)
def privacy(request: Request) -> Response:
    """What the site keeps of its visitors, and of the people it names."""
    settings = settings_of(request)
    tiles = urlsplit(settings.tile_url.replace("{s}", "a")).hostname or settings.tile_url
    values = context(request, tiles=tiles, access_log=settings.access_log)
    return request.app.state.templates.TemplateResponse(
        request, "privacy.html", values, headers={"Vary": vary()}
    )


@get_and_head(router, "/contact", response_model=None)
def contact(request: Request) -> Response:
    """Who to write to, when the deployment has said so."""
    settings = settings_of(request)
    values = context(request, email=settings.contact_email)
    return request.app.state.templates.TemplateResponse(
        request, "contact.html", values, headers={"Vary": vary()}
    )
