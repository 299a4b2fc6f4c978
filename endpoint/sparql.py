"""/sparql: SPARQL 1.1 Protocol queries (GET, POST form, POST sparql-query)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, serialize

from kg.errors import QueryError

router = APIRouter()

SOLUTION_FORMATS = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
}


def _pick(accept: str, offered: dict[str, object]) -> str:
    for part in accept.split(","):
        media = part.split(";")[0].strip()
        if media in offered:
            return media
    return next(iter(offered))


async def _query_text(request: Request) -> str:
    if request.method == "GET":
        text = request.query_params.get("query")
    else:
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if kind == "application/sparql-query":
            text = (await request.body()).decode()
        else:
            text = (await request.form()).get("query")  # type: ignore[assignment]
    if not text:
        raise QueryError("no query: send it as the `query` parameter or as the request body")
    return str(text)


@router.api_route("/sparql", methods=["GET", "POST"])
async def sparql(request: Request) -> Response:
    text = await _query_text(request)
    state = request.app.state
    result = state.holder.get().query(text, prefixes=state.prefixes)
    accept = request.headers.get("accept", "")
    if isinstance(result, (QuerySolutions, QueryBoolean)):
        media = _pick(accept, SOLUTION_FORMATS)
        body = result.serialize(format=SOLUTION_FORMATS[media]) or b""
    else:
        media = _pick(accept, GRAPH_FORMATS)
        body = serialize(result, format=GRAPH_FORMATS[media]) or b""
    return Response(body, media_type=media)
