"""SPARQL Update and Graph Store Protocol writes. An accepted write becomes a change in the
append-only change log and the graph is rebuilt with it; a write that would make the data
invalid is refused with the validation report and leaves nothing behind."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from pyoxigraph import NamedNode, RdfFormat, parse, serialize
from starlette.concurrency import run_in_threadpool

from endpoint.http.auth import require_admin
from kg.build import pipeline as build
from kg.errors import BadRequest, BuildBusy, Conflict, NotFound, UnsupportedMediaType
from kg.settings import Settings

UPLOAD_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}


def _apply(settings: Settings, update: str, author: str) -> None:
    try:
        build.run(settings, new_change=(update, author))
    except BuildBusy:
        raise Conflict("another change is being applied: try again in a moment") from None


async def apply_update(request: Request, update: str) -> Response:
    author = require_admin(request)
    if not update.strip():
        raise BadRequest("the update is empty")
    await run_in_threadpool(_apply, request.app.state.settings, update, author)
    return Response(status_code=204)


def graph_iri(request: Request) -> str:
    params = request.query_params
    if "default" in params:
        raise BadRequest(
            "the default graph is the union of all named graphs and cannot be written: "
            "name a graph with ?graph="
        )
    graph = params.get("graph")
    if not graph or not graph.startswith(("http://", "https://", "urn:")):
        raise BadRequest("name the graph with ?graph=<absolute IRI>")
    return graph


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
    await run_in_threadpool(_apply, request.app.state.settings, update, author)
    return Response(status_code=204)
