"""One error body shape for every route: ``{"error": {"type": …, "message": …}}``.

Errors raised anywhere (``kg`` or ``endpoint``) are ``KgError`` subclasses; one handler
turns them into a response whose status fits the error."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from kg.errors import (
    BuildBusy,
    KgError,
    NotFound,
    QueryError,
    QueryTimeout,
    ServerBusy,
    StoreError,
    ValidationFailed,
    WorkerCrashed,
)


class BadRequest(KgError):
    """The request is malformed (400)."""


class Unauthorized(KgError):
    """Writing needs the administrator token (401)."""


class Forbidden(KgError):
    """Writing is switched off on this server (403)."""


class NotAcceptable(KgError):
    """No format the client accepts can carry this answer (406)."""


class Conflict(KgError):
    """Another change is being applied (409)."""


class FrontendMissing(KgError):
    """A front-end library is not installed (npm ci has not run) (503)."""


class PayloadTooLarge(KgError):
    """The request is larger than the server accepts (413)."""


class UnsupportedMediaType(KgError):
    """The request body has a content type the route does not take (415)."""


log = logging.getLogger("kg.endpoint")

STATUS: tuple[tuple[type[KgError], int], ...] = (
    (QueryError, 400),
    (BadRequest, 400),
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (NotAcceptable, 406),
    (Conflict, 409),
    (BuildBusy, 409),
    (PayloadTooLarge, 413),
    (UnsupportedMediaType, 415),
    (ValidationFailed, 422),
    (QueryTimeout, 503),
    (ServerBusy, 503),
    (WorkerCrashed, 503),
    (StoreError, 503),
    (FrontendMissing, 503),
)


def error_body(kind: str, message: str, **extra: Any) -> dict[str, dict[str, Any]]:
    return {"error": {"type": kind, "message": message, **extra}}


def status_of(err: KgError) -> int:
    return next((status for cls, status in STATUS if isinstance(err, cls)), 500)


def install(app: FastAPI) -> None:
    @app.exception_handler(KgError)
    async def kg_error(_: Request, err: KgError) -> JSONResponse:
        status = status_of(err)
        extra: dict[str, Any] = {}
        headers: dict[str, str] = {}
        if isinstance(err, ValidationFailed):
            extra["issues"] = [i.__dict__ for i in err.report.issues]
        if isinstance(err, Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer realm="kg"'
        if status == 503:
            headers["Retry-After"] = "5"
        return JSONResponse(
            error_body(type(err).__name__, str(err), **extra), status_code=status, headers=headers
        )

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, err: HTTPException) -> JSONResponse:
        kinds = {404: "NotFound", 405: "MethodNotAllowed"}
        return JSONResponse(
            error_body(kinds.get(err.status_code, "HTTPError"), str(err.detail)),
            status_code=err.status_code,
            headers=getattr(err, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, err: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=err)
        return JSONResponse(
            error_body("InternalError", "the server failed on this request; it has been logged"),
            status_code=500,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, err: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()
        )
        return JSONResponse(error_body("BadRequest", problems), status_code=400)
