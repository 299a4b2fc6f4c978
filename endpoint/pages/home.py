"""``GET /``: the home page (headline figures, the sector's figures, the newest entries,
where to go next), with its JSON twin."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from endpoint.http.i18n import page_language
from endpoint.http.routing import get_and_head
from endpoint.pages.jsontwins import observation_json, ref_json, sources_json
from endpoint.pages.page import Page
from endpoint.pages.pagerequest import page_response, settings_of, store_of
from kg.views.home import home_view, newest_graphs

router = APIRouter()


@get_and_head(router, "/", response_model=None)
def home(request: Request) -> Response:
    """Headline figures, the sector's figures, the newest entries, where to go next."""
    settings = settings_of(request)
    store = store_of(request)
    lang = page_language(request)
    view = home_view(store, settings.base, newest_graphs(settings, store))
    page = Page(request, lang, view.sources)
    body = {
        "figures": view.figures,
        "sector_figures": [observation_json(o, page) for o in view.sector_figures],
        "newest": [
            {
                "graph": n.graph,
                "changed": n.when,
                "according_to": page.according_to(n.source),
                "entries": [ref_json(r, page) for r in n.entries],
            }
            for n in view.newest
        ],
        "sources": sources_json(page),
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
    return page_response(request, "landing.html", data, body, "/")
