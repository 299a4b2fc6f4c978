"""One error body shape for every route: ``{"error": {"type": …, "message": …}}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from kg.errors import KgError, NotFound, QueryError, StoreError

STATUS: dict[type[KgError], int] = {QueryError: 400, NotFound: 404, StoreError: 503}


def error_body(kind: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"type": kind, "message": message}}


def install(app: FastAPI) -> None:
    @app.exception_handler(KgError)
    async def kg_error(_: Request, err: KgError) -> JSONResponse:
        status = next((s for cls, s in STATUS.items() if isinstance(err, cls)), 500)
        return JSONResponse(error_body(type(err).__name__, str(err)), status_code=status)
