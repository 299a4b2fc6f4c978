"""The API's documentation pages, Swagger UI at /docs and ReDoc at /redoc, from the npm
packages `make setup` installs (served under /static/lib/), never from a CDN: FastAPI's
own pages load both from jsDelivr, and ReDoc's fonts from Google, so offline they are
blank and online every visitor is announced to those hosts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter()

LIB = "/static/lib"
#: ReDoc's sidebar always shows a logo from its vendor's CDN; this keeps the browser from
#: fetching it (the image hides itself when it cannot load) and anything else not ours
REDOC_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' blob:; worker-src 'self' blob:; font-src 'self' data:"
)


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=f"{request.app.title} – API",
        swagger_js_url=f"{LIB}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{LIB}/swagger-ui/swagger-ui.css",
        swagger_favicon_url=f"{LIB}/swagger-ui/favicon-32x32.png",
        # no badge asking validator.swagger.io about our description
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/redoc", include_in_schema=False)
def redoc(request: Request) -> HTMLResponse:
    page = get_redoc_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=f"{request.app.title} – API",
        redoc_js_url=f"{LIB}/redoc/redoc.standalone.js",
        redoc_favicon_url=f"{LIB}/swagger-ui/favicon-32x32.png",
        with_google_fonts=False,
    )
    page.headers["Content-Security-Policy"] = REDOC_POLICY
    return page
