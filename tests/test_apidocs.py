"""The API documentation pages (/docs, /redoc) come from the npm packages in node_modules/:
no request leaves the machine, and both draw the saved queries' operations in Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from endpoint.app import create_app
from kg.settings import Settings
from tests.asgi import app_client
from tests.browser import LOOPBACK, Chromium


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(built)) as http:
        yield http


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_name_only_local_files(client: httpx.Client, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert "cdn." not in page.text and "fonts.googleapis" not in page.text
    assert "/openapi.json" in page.text
    assets = re.findall(r"[\"'](/static/lib/[^\"']+)", page.text)
    assert any(a.endswith(".js") for a in assets), assets
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200 and answer.content, asset


@pytest.mark.parametrize(
    ("path", "drawn"),
    [("/docs", ".opblock-summary-path"), ("/redoc", "[data-section-id^='tag/'], h2")],
)
def test_docs_pages_draw_offline_in_chromium(
    live_url: str, chromium: Chromium, path: str, drawn: str
) -> None:
    foreign: list[str] = []
    errors: list[str] = []
    blocked: list[str] = []
    with chromium as browser:
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err: errors.append(str(err)))

        def on_request(request: object) -> None:
            url = str(getattr(request, "url", ""))
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.hostname not in LOOPBACK:
                foreign.append(url)

        page.on("request", on_request)
        # a request the page's policy blocked never left the browser
        page.on("requestfailed", lambda r: blocked.append(r.url) if r.failure == "csp" else None)
        page.goto(live_url + path)
        page.wait_for_selector(drawn, timeout=20_000)
        text = page.inner_text("body")
        assert "/api/queries/organisations-in-sector" in text or "organisations-in-sector" in text
    assert [url for url in foreign if url not in blocked] == []
    # ReDoc's vendor logo, blocked by the page's policy (the image then hides itself), is
    # the one console line allowed: the browser says it blocked it
    refused = [e for e in errors if "cdn.redoc.ly" in e and "has been blocked" in e]
    assert len(refused) == len(blocked) and [e for e in errors if e not in refused] == []
