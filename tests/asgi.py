"""The app reached in-process: the real app over its real store, through httpx's ASGI
transport, with its lifespan run (the query workers start before the first request and
stop after the last). No socket, no HTTP parsing: use it wherever the protocol itself is
not what a test is about (tests/browser.py serves the app on loopback for those)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI

#: a loopback origin, as a browser on this machine would send; no socket is opened
BASE_URL = "http://127.0.0.1:8800"


class PortalTransport(httpx.BaseTransport):
    """A sync transport over ``httpx.ASGITransport``: each request runs on the event loop
    of a blocking portal, the loop the app's lifespan started on."""

    def __init__(self, app: FastAPI, portal: BlockingPortal) -> None:
        # app exceptions become 500 answers, as under uvicorn, not exceptions in the test
        self.asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # the request's body as a stream both sync and async, as the ASGI transport needs
        outgoing = httpx.Request(
            request.method, request.url, headers=request.headers, content=request.read()
        )
        status, headers, raw = self.portal.call(self.send, outgoing)
        # the raw bytes: the client decodes them (gzip) as it would a socket's
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(raw))

    async def send(self, request: httpx.Request) -> tuple[int, httpx.Headers, bytes]:
        answer = await self.asgi.handle_async_request(request)
        assert isinstance(answer.stream, httpx.AsyncByteStream)
        raw = b"".join([chunk async for chunk in answer.stream])
        return answer.status_code, answer.headers, raw


@contextmanager
def app_client(app: FastAPI) -> Iterator[httpx.Client]:
    """A sync client of ``app`` in this process until the block ends; relative URLs are
    resolved against ``BASE_URL`` and redirects followed, as ``browser.http_client``."""
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
        httpx.Client(
            transport=PortalTransport(app, portal),
            base_url=BASE_URL,
            follow_redirects=True,
            timeout=60,
        ) as client,
    ):
        yield client
