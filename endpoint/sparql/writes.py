"""SPARQL Update and Graph Store Protocol writes. An accepted write becomes a change in the
append-only change log and the graph is rebuilt with it; a write that would make the data
invalid is refused with the validation report and leaves nothing behind. A client that
sends ``Idempotency-Key`` may retry a write whose answer it did not get: the same key
and text find the change already in the log, and it is not applied twice."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from pyoxigraph import NamedNode, RdfFormat, parse, serialize
from starlette.concurrency import run_in_threadpool

from endpoint.http.auth import require_admin
from kg.build import changes
from kg.build import pipeline as build
from kg.errors import BadRequest, BuildBusy, Conflict, NotFound, UnsupportedMediaType
from kg.settings import Settings

KEY_HEADER = "idempotency-key"

UPLOAD_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}


def _apply(settings: Settings, update: str, author: str, key: str | None) -> None:
    if key is not None:
        if not changes.KEY.fullmatch(key):
            raise BadRequest("Idempotency-Key is 1 to 128 letters, digits or ._:~+/=-")
        done = changes.by_key(settings, key)
        if done is not None:
            if done.update().rstrip() != update.rstrip():
                raise Conflict(
                    f"Idempotency-Key {key} was used for change {done.number}, with another "
                    "text: use a new key for a new change"
                )
            return  # a retry of a change that is in the log already
    try:
        build.run(settings, new_change=(update, author, key))
    except BuildBusy:
        raise Conflict("another change is being applied: try again in a moment") from None


async def apply_update(request: Request, update: str) -> Response:
    author = require_admin(request)
    if not update.strip():
        raise BadRequest("the update is empty")
    key = request.headers.get(KEY_HEADER)
    await run_in_threadpool(_apply, request.app.state.settings, update, author, key)
    return Response(status_code=204)


def graph_param(value: str | None) -> str:
    """A graph named in ``?graph=``: an absolute IRI, else a 400 that says so."""
    if not value or not value.startswith(("http://", "https://", "urn:")):
        raise BadRequest("name the graph with ?graph=<absolute IRI> (http:, https: or urn:)")
    try:
        NamedNode(value)
    except ValueError as err:
        raise BadRequest(f"?graph={value!r} is not an IRI: {err}") from None
    return value


def graph_iri(request: Request) -> str:
    params = request.query_params
    if "default" in params:
        raise BadRequest(
            "the default graph is the union of all named graphs and cannot be written: "
            "name a graph with ?graph="
        )
    return graph_param(params.get("graph"))


def upload_as_ntriples(body: bytes, content_type: str, graph: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    fmt = UPLOAD_FORMATS.get(kind)
    if fmt is None:
        raise UnsupportedMediaType(
            f"send the graph as one of {', '.join(UPLOAD_FORMATS)}, not {kind or 'untyped'}"
        )
    try:
        triples = [q.triple for q in parse(body, fmt, base_iri=graph)]
    except (SyntaxError, ValueError) as err:
        raise BadRequest(f"the uploaded graph does not parse: {err}") from None
    return (serialize(triples, format=RdfFormat.N_TRIPLES) or b"").decode()


async def graph_write(request: Request, body: bytes) -> Response:
    """PUT (replace), POST (add) or DELETE a named graph."""
    author = require_admin(request)
    iri = graph_iri(request)
    graph = str(NamedNode(iri))
    if request.method == "DELETE":
        if iri not in request.app.state.holder.get().named_graphs():
            raise NotFound(f"there is no graph {graph}")
        update = f"DROP GRAPH {graph}"
    else:
        triples = upload_as_ntriples(body, request.headers.get("content-type", ""), iri)
        insert = f"INSERT DATA {{ GRAPH {graph} {{\n{triples}}} }}"
        update = f"DROP SILENT GRAPH {graph} ;\n{insert}" if request.method == "PUT" else insert
    key = request.headers.get(KEY_HEADER)
    await run_in_threadpool(_apply, request.app.state.settings, update, author, key)
    return Response(status_code=204)
