"""One error handler over every route: each route of the app is made to fail (a wrong
method, an unknown name in its path, a bad parameter) and must answer the error body
``{"error": {"type", "message", …}}`` to machines and an HTML page with the same status to
a browser (endpoint/errors.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from endpoint.app import create_app
from kg.settings import Settings
from tests.asgi import app_client

ROOT = Path(__file__).resolve().parent.parent
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SPARQL_JSON = "application/sparql-results+json"
#: a value no route knows, for every kind of path parameter
UNKNOWN = "no-such-thing-zq"


def route_paths(app: FastAPI) -> list[tuple[str, frozenset[str]]]:
    """(path, methods) of every route, through the included routers."""
    found: list[tuple[str, frozenset[str]]] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router
                walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif hasattr(route, "path"):
                found.append((prefix + route.path, frozenset(getattr(route, "methods", ()))))

    walk(app.router.routes, "")
    return found


def fill(path: str) -> str:
    """The path with every parameter replaced by a value nothing is published under."""
    parts = []
    for part in path.split("/"):
        while "{" in part:
            start, end = part.index("{"), part.index("}")
            part = part[:start] + UNKNOWN + part[end + 1 :]
        parts.append(part)
    return "/".join(parts)


def cases() -> list[tuple[str, str, str]]:
    """(method, url, why) that must fail, for every route of the app."""
    app = create_app(Settings(root=ROOT))  # listing routes opens no store
    out: list[tuple[str, str, str]] = []
    for path, methods in route_paths(app):
        url = fill(path)
        if "PATCH" not in methods:  # no route takes PATCH: each must say 405
            out.append(("PATCH", url, f"wrong method on {path}"))
        if url != path and "GET" in methods:
            out.append(("GET", url, f"unknown name under {path}"))
    out += [
        ("GET", "/nothing-here", "no route"),
        ("GET", "/sparql?query=SELEC", "bad query"),
        ("GET", "/search?format=nope", "no such format"),
        ("GET", "/ontology?format=nope", "no such format"),
        ("GET", "/network?hops=9&iri=/id/organisation/hub-brussels", "bad parameter"),
        ("GET", "/api/queries/organisations-in-sector?nope=1", "unknown parameter"),
        ("POST", "/sparql", "no query"),
    ]
    return out


CASES = cases()


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(built)) as http:
        yield http


def test_every_route_is_covered() -> None:
    paths = {path for path, _ in route_paths(create_app(Settings(root=ROOT)))}
    covered = {why.split(" on ", 1)[-1] for _, _, why in CASES if why.startswith("wrong")}
    assert paths <= covered and "/sparql" in paths and "/id/{path:path}" in paths


@pytest.mark.parametrize(("method", "url", "why"), CASES, ids=[f"{m} {u}" for m, u, _ in CASES])
def test_every_route_errs_in_the_one_shape(
    client: httpx.Client, method: str, url: str, why: str
) -> None:
    machine = client.request(method, url, headers={"Accept": "application/json"})
    assert 400 <= machine.status_code < 500, (why, machine.status_code, machine.text[:300])
    assert machine.headers["content-type"].startswith("application/json")
    error = machine.json()["error"]
    assert isinstance(error["type"], str) and error["type"]
    assert isinstance(error["message"], str) and error["message"]
    assert "Accept" in machine.headers["vary"]
    if machine.status_code == 405:
        assert error["type"] == "MethodNotAllowed" and machine.headers["allow"]

    browser = client.request(method, url, headers={"Accept": BROWSER})
    assert browser.status_code == machine.status_code, why
    assert browser.headers["content-type"].startswith("text/html")
    assert browser.text.lstrip().lower().startswith("<!doctype html>")
    # the error page, or a page that shows the error beside its form (map, network, a
    # saved query's page)
    assert 'role="alert"' in browser.text
    assert 'class="site"' in browser.text  # the site's layout (base.html)


def test_a_sparql_client_gets_the_json_body(client: httpx.Client) -> None:
    for accept in (SPARQL_JSON, "application/sparql-results+xml", "text/turtle", "*/*", ""):
        response = client.get("/sparql", params={"query": "SELEC"}, headers={"Accept": accept})
        assert response.status_code == 400, accept
        assert response.json()["error"]["type"] == "QueryError", accept


def test_unknown_pages_are_pages_in_the_readers_language(client: httpx.Client) -> None:
    page = client.get("/nothing-here", headers={"Accept": BROWSER, "Accept-Language": "nl"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="nl">' in page.text and "Pagina niet gevonden" in page.text
    assert 'action="/search"' in page.text  # what to do: search for it
    french = client.get("/nothing-here?lang=fr", headers={"Accept": BROWSER})
    assert "Page introuvable" in french.text
    assert client.get("/nothing-here").json()["error"]["type"] == "NotFound"


def test_a_parameter_error_names_the_parameter(client: httpx.Client) -> None:
    url = "/api/queries/organisations-in-sector?nope=1"
    error = client.get(url).json()["error"]
    assert error["type"] == "ParameterError" and error["parameter"] == "nope"
    # a browser gets the query's page: the form again, and the message naming the parameter
    page = client.get(url, headers={"Accept": BROWSER})
    assert page.status_code == 400 and "<form" in page.text
    assert "parameter `nope`" in page.text


def test_unexpected_errors_are_500_logged_without_a_trace(
    built: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(built)

    def boom() -> None:
        raise RuntimeError("secret detail of the failure")

    app.add_api_route("/test-boom", boom)
    with caplog.at_level(logging.ERROR, "kg.endpoint"), app_client(app) as http:
        machine = http.get("/test-boom")
        browser = http.get("/test-boom", headers={"Accept": BROWSER})
    assert machine.status_code == 500 and machine.json()["error"]["type"] == "InternalError"
    assert browser.status_code == 500 and browser.headers["content-type"].startswith("text/html")
    for response in (machine, browser):
        assert "secret detail" not in response.text and "Traceback" not in response.text
    assert any("secret detail" in str(r.exc_info) for r in caplog.records if r.exc_info)
