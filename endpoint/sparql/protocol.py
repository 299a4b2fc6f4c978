"""/sparql (SPARQL 1.1 Protocol) and /store (Graph Store Protocol).

Reads are public; updates and graph writes need the administrator token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pyoxigraph import NamedNode
from starlette.concurrency import run_in_threadpool

from endpoint.http.conneg import choose
from endpoint.http.i18n import context, vary
from endpoint.http.params import read_body, read_params
from endpoint.sparql import run as queries
from endpoint.sparql import service, writes
from endpoint.sparql.void import dumps_dir
from kg.errors import BadRequest, NotAcceptable, NotFound
from kg.jsonld import CONTEXT_PATH
from kg.publish.void import FILE_NAME as VOID_FILE
from kg.settings import Settings
from kg.sparql.writers import BY_MEDIA, FORMATS

router = APIRouter()

#: Everything in one named graph, read through the store interface (same limits).
GRAPH_CONTENT = "CONSTRUCT WHERE { ?s ?p ?o }"


def bodiless(response: Response) -> Response:
    """The answer to HEAD: the status and headers (length included) of GET, no body."""
    head = Response(status_code=response.status_code)
    head.raw_headers = list(response.raw_headers)
    return head


@router.head("/sparql", include_in_schema=False)
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
        described = await service_description(request, params.format)
        return bodiless(described) if request.method == "HEAD" else described
    default_graph, named_graphs = queries.dataset(params.default_graph_uri, params.named_graph_uri)
    return await queries.answer(
        request,
        params.query,
        accept=request.headers.get("accept"),
        format_param=params.format,
        default_graph=default_graph,
        named_graphs=named_graphs,
        body=request.method != "HEAD",
    )


def _description(request: Request) -> service.Description:
    """The service description of the serving store, computed once per build."""
    state = request.app.state
    url = str(request.url_for("sparql"))
    serving, store = state.holder.serving()  # which store serves: a new build, a new key
    key = (serving, url)
    cache = state.service_cache
    # one request describes, the others wait for it: counting (only without the build's
    # VoID file) must not run once per waiting client
    with state.service_lock:
        if key not in cache:
            void_file = dumps_dir(state.settings) / VOID_FILE
            fresh = service.describe(state.settings, store, url, void_file)
            cache.clear()
            cache[key] = fresh
        described: service.Description = cache[key]
    return described


async def service_description(request: Request, format_param: str | None) -> Response:
    """RDF for machines; for people (text/html) a page in their language saying what the
    endpoint offers, with links to the VoID description, the dumps and the editor."""
    offered = [*service.RDF_MEDIA, queries.HTML]
    if format_param:
        wanted = BY_MEDIA.get(format_param) or next(
            (f for f in FORMATS if f.key == format_param), None
        )
        media = queries.HTML if format_param in ("html", queries.HTML) else None
        if wanted is not None and wanted.media_type in service.RDF_MEDIA:
            media = wanted.media_type
        if media is None:
            keys = ", ".join(f.key for f in FORMATS if f.media_type in service.RDF_MEDIA)
            raise NotAcceptable(
                f"format={format_param}: the service description is available as {keys}, html"
            )
    else:
        media = choose(request.headers.get("accept"), offered)
    if media is None:
        raise NotAcceptable(f"the service description is available as {', '.join(offered)}")
    described = await run_in_threadpool(_description, request)
    if media == queries.HTML:
        return service_page(request, described)
    settings: Settings = request.app.state.settings
    context_url = str(request.base_url).rstrip("/") + CONTEXT_PATH
    body = service.render(described.triples, media, settings.base, context_url)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def service_page(request: Request, described: service.Description) -> Response:
    settings: Settings = request.app.state.settings
    endpoint = str(request.url_for("sparql"))
    data = {
        "endpoint": endpoint,
        "void_url": service.void_url(endpoint),
        "triples": described.figures.triples,
        "graphs": len(described.figures.graphs),
        "solution_formats": [f for f in FORMATS if f.kind == "solutions"],
        "graph_formats": [f for f in FORMATS if f.kind == "graph"],
        "rdf_formats": [f for f in FORMATS if f.media_type in service.RDF_MEDIA],
        "update": bool(settings.admin_token),
        "allowed": settings.service_allow,
        "timeout": settings.query_timeout,
        "transfer": settings.transfer_timeout,
        "max_rows": settings.max_rows,
    }
    return request.app.state.templates.TemplateResponse(
        request,
        "service.html",
        context(request, **data),
        headers={"Vary": vary("Accept"), "Link": f'<{data["void_url"]}>; rel="describedby"'},
    )


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
        graph = writes.graph_param(params["graph"])
        known = await run_in_threadpool(lambda: request.app.state.holder.get().named_graphs())
        if graph not in known:
            raise NotFound(f"there is no graph {NamedNode(graph)} in this dataset")
        graphs = [graph]
    else:
        raise BadRequest("name a graph with ?graph=<IRI>, or ask for ?default (the union)")
    choice = queries.negotiate("graph", request.headers.get("accept"), params.get("format"))
    if choice.html:
        choice = queries.negotiate("graph", "text/turtle", None)
    # a graph is served whole; the time limit still holds
    limits = queries.limits_for(settings, choice, max_rows=2**62)
    run = await queries.run_query(
        request, GRAPH_CONTENT, choice, limits, default_graph=graphs or None
    )
    headers = queries.limit_headers(run, limits)
    # a graph is served whole, within the transfer limit; large ones are better read
    # from the dumps, which need no query
    headers["Link"] = f'<{request.url_for("dumps_page")}>; rel="alternate"; title="data dumps"'
    if request.method == "HEAD":
        run.close()
        return queries.head_response(choice.media_type, headers)
    return queries.stream(request, run, choice.media_type, headers)
