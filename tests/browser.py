"""What the tests that need a real server or a real browser share: the app served by
uvicorn on a free loopback port (in a thread of the test process), and Debian's Chromium
for Playwright, started the way this machine's closed network needs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.conftest import ROOT, free_port, wait_http

CHROMIUM = "/usr/bin/chromium"
#: without the background-networking flags Chromium keeps calling Google's hosts
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: screenshots kept as test artefacts (git-ignored)
ARTIFACTS = ROOT / "test-artifacts"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


@contextmanager
def serve(app: FastAPI, probe: str = "/robots.txt") -> Iterator[str]:
    """``app`` under uvicorn on a free loopback port until the block ends; yields its URL
    once ``probe`` answers."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + probe)
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def http_client(app: FastAPI, probe: str = "/robots.txt") -> Iterator[httpx.Client]:
    """An HTTP client of ``app`` served on a loopback port (``serve``), relative URLs
    resolved against it; it follows redirects, as a browser does."""
    with (
        serve(app, probe) as url,
        httpx.Client(base_url=url, follow_redirects=True, timeout=60) as client,
    ):
        yield client


def chromium_path() -> str:
    """Debian's Chromium, or a failure that says how to install it."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Debian's chromium is not installed ({CHROMIUM} is missing): "
            "run `apt-get install chromium` (as root; .ci/run does it)",
            pytrace=False,
        )
    return CHROMIUM


class Chromium:
    """One test's use of the module's Chromium (the ``chromium`` fixture): the contexts it
    opens are its own and are closed when its block ends, so no cookie, storage or route
    crosses from one test to the next; the browser process is started once per module."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.contexts: list[Any] = []

    def new_context(self, **options: Any) -> Any:
        context = self.browser.new_context(**options)
        self.contexts.append(context)
        return context

    def new_page(self, **options: Any) -> Any:
        return self.new_context(**options).new_page()

    def close(self) -> None:
        while self.contexts:
            self.contexts.pop().close()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Playwright and Debian's Chromium, until the block ends. While it runs, Playwright's
    event loop counts as running on this thread (no ``asyncio.run`` here meanwhile)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


#: the default map tiles' host: no tile can load here, so the tests fail them at once
TILE_HOST = "tile.openstreetmap.org"


class Watch:
    """Console errors, page errors, failed requests and requests leaving this machine,
    except the map tiles, which the test makes fail on purpose."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.foreign: list[str] = []
        self.tiles_asked = 0
        #: requests asked and not yet finished or failed
        self.pending: set[Any] = set()

    def attach(self, page: Any) -> None:
        page.on("console", self.on_console)
        page.on("pageerror", lambda err: self.problems.append(f"page error: {err}"))
        page.on("request", self.on_request)
        page.on("requestfailed", self.on_failed)
        page.on("requestfinished", lambda request: self.pending.discard(request))
        page.on(
            "response",
            lambda r: (
                self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None
            ),
        )
        # no tile can load here: fail them at once, the same way on every run
        page.route(lambda url: urlsplit(url).hostname == TILE_HOST, lambda route: route.abort())

    @staticmethod
    def is_tile(url: str) -> bool:
        return urlsplit(url).hostname == TILE_HOST

    def on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        if self.is_tile((message.location or {}).get("url", "")):
            return
        self.problems.append(f"console error: {message.text} at {message.location}")

    def settle(self, page: Any, timeout: float = 15.0, quiet: float = 0.15) -> None:
        """Wait until every request the page asked for has finished or failed and none
        was asked for ``quiet`` seconds (a script may fetch a moment after the load
        event), so that moving on to the next page does not abort one; quicker than
        Playwright's "networkidle", which waits for half a second of quiet."""
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if self.pending:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet:
                return
            page.wait_for_timeout(20)
        assert not self.pending, f"requests still open after {timeout} s: {self.pending}"

    def on_request(self, request: Any) -> None:
        self.pending.add(request)
        parts = urlsplit(request.url)
        if self.is_tile(request.url):
            self.tiles_asked += 1
        elif parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK:
            self.foreign.append(request.url)

    def on_failed(self, request: Any) -> None:
        self.pending.discard(request)
        if not self.is_tile(request.url):
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def check(self) -> None:
        assert not self.foreign, f"requests left this machine: {self.foreign}"
        assert not self.problems, "\n".join(self.problems)
