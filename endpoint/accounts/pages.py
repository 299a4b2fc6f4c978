"""Rendering the people's pages: each gets the signed-in account (or None) and the form
token, and sends the cookies a page sets. They are never cached: they depend on who
asks."""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pyoxigraph import NamedNode, QuerySolutions

from endpoint.accounts import session
from endpoint.http.i18n import context, page_language
from endpoint.pages.pagerequest import store_of
from kg.labels import pick


def render(
    request: Request, conn: sqlite3.Connection, template: str, status: int = 200, **data: Any
) -> Response:
    cookies: dict[str, str] = {}
    found = session.current(request, conn)
    token = session.csrf_token(request, conn, cookies)
    ctx = context(
        request,
        account=found.account if found else None,
        csrf=token,
        honeypot=session.HONEYPOT,
        local=lambda iri: local(request, iri),
        **data,
    )
    response = request.app.state.templates.TemplateResponse(
        request,
        template,
        ctx,
        status_code=status,
        headers={"Cache-Control": "no-store", "Vary": "Cookie, Accept-Language"},
    )
    return session.set_cookies(request, response, cookies)


def local(request: Request, iri: str) -> str:
    """The page of an entity on this server, in the page's language."""
    base = session.settings(request).base
    path = "/" + iri[len(base) :] if iri.startswith(base) else iri
    return f"{path}?lang={page_language(request)}"


def redirect(request: Request, path: str) -> Response:
    """303 to a path of this site, in the page's language."""
    sep = "&" if "?" in path else "?"
    if "lang=" not in path:
        path = f"{path}{sep}lang={page_language(request)}"
    return RedirectResponse(path, status_code=303, headers={"Cache-Control": "no-store"})


LABELS = """SELECT ?s ?label WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"""


def labels(request: Request, iris: list[str]) -> dict[str, str]:
    """The name of each entity in the page's language (its IRI when it has none yet)."""
    store, lang = store_of(request), page_language(request)
    found: dict[str, str] = {}
    for iri in dict.fromkeys(iris):
        rows = store.query(LABELS, {"s": NamedNode(iri)})
        assert isinstance(rows, QuerySolutions)
        names = {row["label"].language or "": row["label"].value for row in rows}
        found[iri] = pick(names, lang) or iri
    return found
