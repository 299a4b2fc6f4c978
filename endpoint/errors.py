"""The one error handler: every error a request meets is rendered here.

Views raise (``kg.errors``: each class carries its status, its headers and the body's
extra members); Starlette's own 404/405, FastAPI's request validation and unexpected
exceptions come here too. Machines get the body ``{"error": {"type": …, "message": …,
…extra}}``; a browser (an Accept that prefers HTML over JSON) gets a page in the site's
layout and the reader's language that says what went wrong and what to do. Either way the
status is the error's, and ``Vary: Accept`` says the answer depends on it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from endpoint.http.conneg import choose
from endpoint.http.i18n import context, vary

# the classes live in kg.errors; these names are kept for the endpoint's imports
from kg.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    FrontendMissing,
    KgError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "FrontendMissing",
    "NotAcceptable",
    "PayloadTooLarge",
    "Unauthorized",
    "UnsupportedMediaType",
    "error_body",
    "install",
    "render",
]

log = logging.getLogger("kg.endpoint")

HTML = "text/html"
JSON = "application/json"
#: statuses the error page has a title and advice for; others get the generic ones
EXPLAINED = frozenset({400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 500, 503})


def error_body(kind: str, message: str, **extra: Any) -> dict[str, dict[str, Any]]:
    return {"error": {"type": kind, "message": message, **extra}}


def wants_html(request: Request) -> bool:
    """A browser: its Accept prefers HTML to JSON. No Accept, ``*/*`` and the SPARQL and RDF
    formats of protocol clients all get the JSON body."""
    return choose(request.headers.get("accept"), (JSON, HTML)) == HTML


def _with_vary(headers: Mapping[str, str], *names: str) -> dict[str, str]:
    merged = {k: v for k, v in headers.items() if k.lower() != "vary"}
    given = next((v for k, v in headers.items() if k.lower() == "vary"), "")
    wanted = [v.strip() for v in given.split(",") if v.strip()] + list(names)
    merged["Vary"] = ", ".join(dict.fromkeys(wanted))
    return merged


def render(
    request: Request,
    status: int,
    kind: str,
    message: str,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error response for this request: JSON body or HTML page, same status."""
    extra = dict(extra or {})
    headers = dict(headers or {})
    templates = getattr(request.app.state, "templates", None)
    if templates is not None and request.method != "HEAD" and wants_html(request):
        explained = status if status in EXPLAINED else ("other" if status < 500 else 500)
        try:
            return templates.TemplateResponse(
                request,
                "error.html",
                context(
                    request, status=status, kind=kind, message=message, extra=extra, key=explained
                ),
                status_code=status,
                headers=_with_vary(headers, "Accept", *vary().split(", ")),
            )
        except Exception:  # a page that cannot be drawn must not hide the error itself
            log.exception("the error page for a %s failed; answering JSON", status)
    return JSONResponse(
        error_body(kind, message, **extra),
        status_code=status,
        headers=_with_vary(headers, "Accept"),
    )


def render_error(request: Request, err: KgError) -> Response:
    return render(
        request, err.status, type(err).__name__, str(err), err.extra, err.response_headers()
    )


def _http_error(request: Request, err: HTTPException) -> Response:
    """Starlette's own errors (no route, wrong method…) as the project's."""
    headers = dict(err.headers or {})
    if err.status_code == 404:
        return render_error(
            request, NotFound(f"nothing is published at {request.url.path}", headers=headers)
        )
    if err.status_code == 405:
        allowed = headers.get("allow") or headers.get("Allow") or ""
        message = f"{request.method} is not allowed on {request.url.path}"
        return render_error(
            request,
            MethodNotAllowed(message + (f": use {allowed}" if allowed else ""), headers=headers),
        )
    return render(request, err.status_code, "HTTPError", str(err.detail), headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(KgError)
    async def kg_error(request: Request, err: KgError) -> Response:
        return render_error(request, err)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> Response:
        return _http_error(request, err)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()
        )
        return render_error(request, BadRequest(problems))

    app.add_middleware(Unexpected)


class Unexpected:
    """Any other exception: logged with its trace, and a 500 in the one shape, never the
    trace. Starlette's own last-resort handler answers too, but then raises again, so that
    the server logs the trace a second time and drops the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if started:  # the status is gone already: the server logs it and cuts the body
                raise
            request = Request(scope)
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            message = "the server failed on this request; it has been logged"
            await render(request, 500, "InternalError", message)(scope, receive, send)
