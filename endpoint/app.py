"""``create_app(settings)``: the FastAPI application."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from endpoint import errors
from endpoint.accounts import claims as claimpages
from endpoint.accounts import edit, history, moderation, relations, signin
from endpoint.http import cors, static
from endpoint.http.holder import StoreHolder
from endpoint.http.i18n import deployment_strings
from endpoint.http.locale import Locale
from endpoint.pages import about, apidocs, listings, orglists, peers, search, sitemap
from endpoint.pages import entity as entitypage
from endpoint.pages import home as homepage
from endpoint.pages import maps as mapview
from endpoint.pages import ontology as ontologypage
from endpoint.saved import api as saved_api
from endpoint.saved import kpi
from endpoint.sparql import catalog, editor, void
from endpoint.sparql import protocol as sparql
from endpoint.sparql import run as queries
from kg.federation.client import PeerClient
from kg.labels import languages_of, pick
from kg.memory import MemoryTrimmer
from kg.namespaces import all_prefixes
from kg.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # the store gets ready with the server, not with its first query (the embedded one
    # starts its query workers, which open the store before they take a query)
    app.state.holder.start()
    trimmer = MemoryTrimmer()
    trimmer.start()
    yield
    trimmer.stop()
    app.state.holder.close()


def app_from_env() -> FastAPI:
    """For `uvicorn --factory` with several server processes (KG_WORKERS > 1)."""
    return create_app(Settings.from_env())


def create_app(settings: Settings) -> FastAPI:
    # the routes made here (the saved queries' parameters) know the deployment's languages
    with languages_of(settings.languages):
        return _create_app(settings)


def _create_app(settings: Settings) -> FastAPI:
    texts = deployment_strings(settings.root)  # a bad file of data/strings/ stops the start
    app = FastAPI(
        # the API's title: the site's, in the deployment's first language
        title=pick(texts["site.title"], settings.languages[0]) or "",
        version="0.1.0",
        lifespan=lifespan,
        # /docs and /redoc from the npm packages (endpoint/pages/apidocs.py), not a CDN
        docs_url=None,
        redoc_url=None,
        # no OpenTelemetry here: without this FastAPI looks for a provider on every request
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.strings = texts
    app.state.holder = StoreHolder(settings)
    app.state.prefixes = all_prefixes(settings.base)
    app.state.templates = Jinja2Templates(directory=TEMPLATES)  # autoescapes .html
    app.state.service_cache = {}
    app.state.service_lock = threading.Lock()
    app.state.peers = PeerClient(settings)  # the peers' recent answers and states
    queries.init(app)
    errors.install(app)
    # reads are open to browser clients everywhere (YASGUI elsewhere, other maps);
    # writes still need the token, which browsers do not send cross-site by themselves
    app.add_middleware(
        cors.Cors,
        allow_origins=["*"],
        allow_methods=list(cors.METHODS),
        allow_headers=list(cors.HEADERS),
        expose_headers=["X-SPARQL-Rows", "X-SPARQL-Truncated", "X-SPARQL-Max-Rows", "Link"],
    )
    # outermost but for the error handler of last resort: every route, page and error
    # page in the deployment's languages and wording
    app.add_middleware(Locale, languages=settings.languages, texts=app.state.strings)
    app.include_router(sparql.router)
    app.include_router(editor.router)
    static.install(app)
    app.include_router(apidocs.router)
    app.include_router(about.router)
    app.include_router(void.router)
    app.include_router(catalog.router)
    app.include_router(saved_api.make_router(settings))
    app.include_router(search.router)
    app.include_router(mapview.router)
    app.include_router(kpi.router)
    app.include_router(ontologypage.router)
    app.include_router(listings.router)
    app.include_router(homepage.router)
    app.include_router(sitemap.router)
    app.include_router(orglists.router)
    app.include_router(peers.router)
    app.include_router(signin.router)
    app.include_router(claimpages.router)
    app.include_router(moderation.router)
    app.include_router(edit.router)
    app.include_router(relations.router)
    app.include_router(history.router)
    # last: /id/{path:path}, under which every entity IRI dereferences, catches all below it
    app.include_router(entitypage.router)
    return app
