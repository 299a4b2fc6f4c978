"""The DCAT-AP catalogue over HTTP, for EU open-data portals to harvest, and the JSON-LD
context every JSON-LD document of the site refers to.

- ``GET /catalog``: negotiated (Turtle by default, N-Triples, JSON-LD, RDF/XML);
- ``GET /catalog.ttl`` (``.nt``, ``.jsonld``, ``.rdf``): one format by its suffix;
- ``GET /context.jsonld``: the ``@context`` (kg.jsonld).

Read from the file the build wrote beside the serving store
(``var/stores/<id>/dumps/catalog.ttl``, kg.publish.catalog), as VoID is: no request
queries the graph, and after a build the next request sees the new catalogue.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pyoxigraph import RdfFormat

from endpoint.http.conneg import choose
from endpoint.http.routing import get_and_head
from endpoint.sparql.void import BY_EXTENSION, VOID_FORMATS, converted, dumps_dir
from kg.errors import NotAcceptable, NotFound, StoreError
from kg.jsonld import CONTEXT_PATH, context_document
from kg.publish.catalog import FILE_NAME, catalog_prefixes
from kg.settings import Settings

router = APIRouter()


def _alternates(request: Request) -> str:
    return ", ".join(
        f'<{request.url_for("catalog_as", ext=ext)}>; rel="alternate"; type="{media}"'
        for media, (_, ext) in VOID_FORMATS.items()
    )


def _catalog_response(request: Request, media: str) -> Response:
    settings: Settings = request.app.state.settings
    path = dumps_dir(settings) / FILE_NAME
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise NotFound("no catalogue for the serving store: `kg build` writes it") from None
    except OSError as err:
        raise StoreError(f"cannot read the catalogue: {err}") from err
    fmt = VOID_FORMATS[media][0]
    if fmt != RdfFormat.TURTLE:
        text = converted(text, fmt, settings.base, catalog_prefixes(settings.base), request)
    headers = {"Link": _alternates(request), "Vary": "Accept"}
    return Response(text, media_type=media, headers=headers)


@get_and_head(router, "/catalog")
def catalog(request: Request) -> Response:
    offered = list(VOID_FORMATS)
    media = choose(request.headers.get("accept"), offered)
    if media is None:
        message = "the catalogue is available as " + ", ".join(offered)
        raise NotAcceptable(message, headers={"Link": _alternates(request)})
    return _catalog_response(request, media)


@get_and_head(router, "/catalog.{ext}")
def catalog_as(ext: str, request: Request) -> Response:
    media = BY_EXTENSION.get(ext)
    if media is None:
        raise NotFound(
            f"no catalogue format with extension {ext!r}: use one of " + ", ".join(BY_EXTENSION)
        )
    return _catalog_response(request, media)


@get_and_head(router, CONTEXT_PATH)
def jsonld_context(request: Request) -> JSONResponse:
    """The project's prefixes, and ``id`` / ``type`` for ``@id`` / ``@type``; the same for
    every build, so clients may keep it a day."""
    settings: Settings = request.app.state.settings
    return JSONResponse(
        context_document(settings.base),
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=86400", "Access-Control-Allow-Origin": "*"},
    )
