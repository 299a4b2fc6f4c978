"""CORS for browser clients everywhere, with a refused preflight answered in the project's
error shape (Starlette answers it in plain text). A middleware sits outside the app's
exception handlers, so it cannot raise to them: it answers with the handler's body."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from endpoint.errors import error_body
from kg.errors import BadRequest

METHODS = ("GET", "POST", "HEAD", "OPTIONS")
HEADERS = ("Accept", "Content-Type", "Authorization")


class Cors(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        message = (
            f"this cross-origin request is refused ({refused}): the endpoint allows the "
            f"methods {', '.join(METHODS)} and the headers {', '.join(HEADERS)}"
        )
        headers = {
            k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")
        }
        err = BadRequest(message, headers=headers)
        return JSONResponse(
            error_body(type(err).__name__, str(err)),
            status_code=err.status,
            headers=err.response_headers(),
        )
