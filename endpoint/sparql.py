"""/sparql (SPARQL 1.1 Protocol) and /store (Graph Store Protocol).

Reads are public; updates and graph writes need the administrator token."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pyoxigraph import NamedNode

from endpoint import queries, service, writes
from endpoint.conneg import choose
from endpoint.errors import BadRequest, NotAcceptable
from endpoint.params import read_body, read_params
from kg.errors import NotFound
from kg.settings import Settings

router = APIRouter()

#: Everything in one named graph, read through the query workers (same limits).
GRAPH_CONTENT = "CONSTRUCT WHERE { ?s ?p ?o }"


@router.post(
    "/sparql",
    operation_id="sparql_post",
    summary="SPARQL 1.1 Protocol: a query (form or application/sparql-query) or an update",
)
@router.get(
    "/sparql",
    operation_id="sparql_get",
    summary="SPARQL 1.1 Protocol: a query, or the service description without one",
)
async def sparql(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    params = await read_params(request, settings.max_request_bytes)
    if params.update is not None:
        if request.method != "POST":
            raise BadRequest("send updates with POST")
        return await writes.apply_update(request, params.update)
    if params.query is None:
        if request.method == "POST":
            raise BadRequest("no query: send it as the `query` parameter or the request body")
        return service_description(request)
    default_graph, named_graphs = queries.dataset(params.default_graph_uri, params.named_graph_uri)
    return await queries.answer(
        request,
        params.query,
        accept=request.headers.get("accept"),
        format_param=params.format,
        default_graph=default_graph,
        named_graphs=named_graphs,
    )


def service_description(request: Request) -> Response:
    offered = [*service.RDF_MEDIA, queries.HTML]
    media = choose(request.headers.get("accept"), offered)
    if media is None:
        raise NotAcceptable(f"the service description is available as {', '.join(offered)}")
    if media == queries.HTML:
        return RedirectResponse("/query", status_code=303)
    state = request.app.state
    store = state.holder.get()
    url = str(request.url_for("sparql"))
    key = (
        os.readlink(state.settings.store_path) if state.settings.store_path.is_symlink() else "",
        url,
    )
    cache = state.service_cache
    if key not in cache:
        cache.clear()
        cache[key] = service.description(state.settings, store, url)
    return Response(service.render(cache[key], media), media_type=media, headers={"Vary": "Accept"})


@router.delete("/store", operation_id="graph_store_delete", summary="Graph Store: drop a graph")
@router.post("/store", operation_id="graph_store_post", summary="Graph Store: add to a graph")
@router.put("/store", operation_id="graph_store_put", summary="Graph Store: replace a graph")
@router.head("/store", include_in_schema=False)
@router.get("/store", operation_id="graph_store_get", summary="Graph Store: read a graph")
async def graph_store(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if request.method in ("PUT", "POST", "DELETE"):
        body = await read_body(request, settings.max_request_bytes)
        return await writes.graph_write(request, body)
    params = request.query_params
    if "default" in params:
        graphs: list[str] = []  # the union: every named graph
    elif params.get("graph"):
        graph = params["graph"]
        if graph not in request.app.state.holder.get().named_graphs():
            raise NotFound(f"there is no graph {NamedNode(graph)} in this dataset")
        graphs = [graph]
    else:
        raise BadRequest("name a graph with ?graph=<IRI>, or ask for ?default (the union)")
    choice = queries.negotiate("graph", request.headers.get("accept"), params.get("format"))
    if choice.html:
        choice = queries.negotiate("graph", "text/turtle", None)
    state = request.app.state
    job = queries.job_for(
        settings,
        GRAPH_CONTENT,
        choice,
        state.prefixes,
        default_graph=graphs or None,
        named_graphs=None,
        max_rows=2**62,  # a graph is served whole; the time limit still holds
    )
    run = await queries.execute(request, job)
    headers = queries.limit_headers(run, job)
    if request.method == "HEAD":
        return Response(status_code=200, media_type=choice.media_type, headers=headers)
    return queries.stream(run, choice.media_type, headers)
