"""The project's own static files (Starlette's StaticFiles under /static/app): types,
caching headers, no listing, no way out of the folder."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from endpoint.app import create_app
from kg.settings import Settings
from tests.asgi import app_client


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(built)) as http:
        yield http


def test_own_files_have_their_types_and_validators(client: httpx.Client) -> None:
    css = client.get("/static/app/site.css")
    assert css.status_code == 200 and css.headers["content-type"] == "text/css; charset=utf-8"
    script = client.get("/static/app/map.js")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    again = client.get("/static/app/site.css", headers={"If-None-Match": css.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert "last-modified" in css.headers


@pytest.mark.parametrize(
    "path",
    [
        "/static/app/",
        "/static/app/nothing.css",
        "/static/app/../app.py",
        "/static/app/%2e%2e/app.py",
        "/static/app/..%2f..%2fpyproject.toml",
    ],
)
def test_no_listing_and_no_way_out(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, path
    assert response.json()["error"]["type"] == "NotFound"
    assert "import" not in response.text
