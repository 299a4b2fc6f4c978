"""``create_app(settings)``: the FastAPI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from endpoint import errors, sparql
from endpoint.holder import StoreHolder
from kg.namespaces import all_prefixes
from kg.settings import Settings
from kg.stats import collect

TEMPLATES = Path(__file__).parent / "templates"


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="Brussels creative-ecosystem knowledge graph", version="0.1.0")
    app.state.settings = settings
    app.state.holder = StoreHolder(settings)
    app.state.prefixes = all_prefixes(settings.base)
    templates = Jinja2Templates(directory=TEMPLATES)  # autoescapes .html
    errors.install(app)
    app.include_router(sparql.router)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        stats = collect(app.state.holder.get())
        return templates.TemplateResponse(request, "home.html", {"stats": stats})

    return app
