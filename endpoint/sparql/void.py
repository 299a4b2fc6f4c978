"""The VoID description and the data dumps over HTTP.

- ``GET /.well-known/void`` (VoID §7.2) and ``GET /void``: the description, negotiated
  (Turtle by default, N-Triples, JSON-LD, RDF/XML); ``/void.ttl`` etc. name one format;
- ``GET /dumps`` (HTML) and ``/dumps.json``: the dumps of the serving build;
- ``GET /dumps/{name}``: one dump file, only a name ``dumps.json`` lists.

Everything is read from the files the build wrote beside the serving store
(``var/stores/<id>/dumps/``): no request aggregates over the graph. The directory follows
the ``var/store`` symlink, so after a build the next request sees the new files.
"""

from __future__ import annotations

import base64
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pyoxigraph import RdfFormat, parse, serialize

from endpoint.http.conneg import choose
from endpoint.http.i18n import context
from endpoint.http.routing import get_and_head
from endpoint.pages.page import Page
from kg.errors import NotAcceptable, NotFound, StoreError
from kg.jsonld import CONTEXT_PATH, jsonld_bytes
from kg.publish.dumps import Dump, read_dumps
from kg.publish.void import DUMPS_DIR, FILE_NAME, LICENSE, description_prefixes
from kg.settings import Settings

router = APIRouter()

#: media type -> (format, extension of the route that names it); the first is the default
VOID_FORMATS: dict[str, tuple[RdfFormat, str]] = {
    "text/turtle": (RdfFormat.TURTLE, "ttl"),
    "application/n-triples": (RdfFormat.N_TRIPLES, "nt"),
    "application/ld+json": (RdfFormat.JSON_LD, "jsonld"),
    "application/rdf+xml": (RdfFormat.RDF_XML, "rdf"),
}
BY_EXTENSION = {ext: media for media, (_, ext) in VOID_FORMATS.items()}


def dumps_dir(settings: Settings) -> Path:
    """The build directory of the serving store, ``var/stores/<id>/dumps``."""
    return settings.serving_store().parent / DUMPS_DIR


def converted(
    turtle: bytes, fmt: RdfFormat, base: str, prefixes: dict[str, str], request: Request
) -> bytes:
    """A description the build wrote as Turtle, in ``fmt``; JSON-LD compacted with the
    project's context (kg.jsonld)."""
    triples = [q.triple for q in parse(turtle, RdfFormat.TURTLE)]
    if fmt == RdfFormat.JSON_LD:
        return jsonld_bytes(triples, base, str(request.base_url).rstrip("/") + CONTEXT_PATH)
    return serialize(triples, format=fmt, prefixes=prefixes) or b""


def _alternates(request: Request) -> str:
    return ", ".join(
        f'<{request.url_for("void_as", ext=ext)}>; rel="alternate"; type="{media}"'
        for media, (_, ext) in VOID_FORMATS.items()
    )


def _void_response(request: Request, media: str) -> Response:
    settings: Settings = request.app.state.settings
    path = dumps_dir(settings) / FILE_NAME
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise NotFound("no VoID description for the serving store: `kg build` writes it") from None
    except OSError as err:
        raise StoreError(f"cannot read the VoID description: {err}") from err
    fmt = VOID_FORMATS[media][0]
    if fmt != RdfFormat.TURTLE:
        text = converted(text, fmt, settings.base, description_prefixes(settings.base), request)
    headers = {"Link": _alternates(request), "Vary": "Accept"}
    return Response(text, media_type=media, headers=headers)


@router.get("/.well-known/void")
@router.get("/void")
def void(request: Request) -> Response:
    offered = list(VOID_FORMATS)
    media = choose(request.headers.get("accept"), offered)
    if media is None:
        message = "the VoID description is available as " + ", ".join(offered)
        # with the alternates a client may pick from
        raise NotAcceptable(message, headers={"Link": _alternates(request)})
    return _void_response(request, media)


@router.get("/void.{ext}")
def void_as(ext: str, request: Request) -> Response:
    media = BY_EXTENSION.get(ext)
    if media is None:
        raise NotFound(
            f"no VoID format with extension {ext!r}: use one of " + ", ".join(BY_EXTENSION)
        )
    return _void_response(request, media)


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} bytes"
    value = n / 1000
    for unit in ("kB", "MB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def _listed(request: Request) -> tuple[str | None, list[Dump]]:
    return read_dumps(dumps_dir(request.app.state.settings))


#: the formats' names, as people know them
FORMAT_NAMES = {
    "application/n-quads": "N-Quads",
    "application/n-triples": "N-Triples",
    "text/turtle": "Turtle",
}


@router.get("/dumps", response_class=HTMLResponse)
def dumps_page(request: Request) -> HTMLResponse:
    """The dumps, in the page's language: what each holds, its size and checksum."""
    build, dumps = _listed(request)
    values = context(request)
    lang = str(values["lang"])
    rows = [
        {
            "dump": d,
            "url": str(request.url_for("dump_file", name=d.name)),
            "size": _size(d.byte_size),
            "format": FORMAT_NAMES.get(d.media_type, d.media_type),
            "statements": Page.format_number(str(d.triples), lang),
        }
        for d in dumps
    ]
    # a build id (20261207T013842.7Z) says when; the page says it as a date
    built = f"{build[:4]}-{build[4:6]}-{build[6:8]}" if build and build[:8].isdigit() else None
    values.update(built=built, rows=rows, license=LICENSE)
    return request.app.state.templates.TemplateResponse(
        request, "dumps.html", values, headers={"Vary": "Accept-Language"}
    )


@router.get("/dumps.json")
def dumps_json(request: Request) -> JSONResponse:
    build, dumps = _listed(request)
    listed = [{**d.to_json(), "url": str(request.url_for("dump_file", name=d.name))} for d in dumps]
    return JSONResponse({"build": build, "license": LICENSE, "dumps": listed})


@get_and_head(router, "/dumps/{name:path}")
def dump_file(name: str, request: Request) -> FileResponse:
    """Only a name listed in ``dumps.json``: the path is built from the listed name, never
    from the request, so ``../`` and the like have nothing to reach."""
    directory = dumps_dir(request.app.state.settings)
    _, dumps = read_dumps(directory)
    dump = next((d for d in dumps if d.name == name), None)
    if dump is None or Path(dump.name).name != dump.name or dump.name in ("", ".", ".."):
        raise NotFound(f"no dump named {name!r}: /dumps lists them")
    path = directory / dump.name
    if not path.is_file():
        raise NotFound(f"the dump {dump.name} is listed but missing")
    digest = base64.b64encode(bytes.fromhex(dump.sha256)).decode()
    return FileResponse(
        path,
        media_type=dump.content_type,
        filename=dump.name,
        headers={"Repr-Digest": f"sha-256=:{digest}:"},
    )
