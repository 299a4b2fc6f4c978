"""Running a query for a web request, top to bottom: the format (``negotiate``), the limits
(``limits_for``), the store interface (``run_query``: ``GraphStore.stream`` on whichever
backend serves), and the streamed response (``stream``)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from endpoint.http.conneg import choose
from endpoint.http.fairness import ClientQueries, client_of
from endpoint.sparql.answer import QueryResponse
from kg.errors import BadRequest, NotAcceptable
from kg.settings import Settings
from kg.sparql.analysis import analyse, refuse_services
from kg.sparql.writers import BY_KEY, BY_MEDIA, FORMATS, Format
from kg.store import Term
from kg.store.interface import Limits, QueryRun
from kg.store.spool import SpoolBudget

HTML = "text/html"
#: rows an HTML results page shows at most (the data formats go up to the settings' cap)
HTML_ROWS = 1000


def offered(kind: str) -> list[str]:
    """Media types for a query form, the default first; HTML for people last."""
    wanted = "graph" if kind == "graph" else "solutions"
    return [f.media_type for f in FORMATS if f.kind == wanted] + [HTML]


def init(app: FastAPI) -> None:
    # the same texts come again and again (pages, editors, other maps' SERVICE calls):
    # each is read once; a failed reading raises and is not kept
    app.state.analyse = functools.lru_cache(maxsize=ANALYSES)(
        functools.partial(analyse, prefixes=app.state.prefixes)
    )
    # clients send few different Accept headers: each is negotiated once per app
    app.state.negotiate = functools.lru_cache(maxsize=256)(negotiate)
    app.state.spool_budget = SpoolBudget(app.state.settings.spool_bytes)
    app.state.client_queries = ClientQueries(app.state.settings.client_queries)


@dataclass(frozen=True)
class Choice:
    media_type: str
    format: Format  # the wire format the store writes (JSON or Turtle under an HTML page)
    html: bool


def negotiate(kind: str, accept: str | None, format_param: str | None) -> Choice:
    media_types = offered(kind)
    if format_param:
        wanted = BY_KEY.get(format_param) or BY_MEDIA.get(format_param)
        if format_param in ("html", HTML):
            media = HTML
        elif wanted is None or wanted.media_type not in media_types:
            names = ", ".join(f.key for f in FORMATS if f.media_type in media_types)
            raise NotAcceptable(
                f"format={format_param} is not available here; use one of {names}, html"
            )
        else:
            media = wanted.media_type
    else:
        chosen = choose(accept, media_types)
        if chosen is None:
            raise NotAcceptable(
                f"none of the types in `Accept: {accept}` can carry this result; "
                f"available: {', '.join(media_types)}"
            )
        media = chosen
    if media == HTML:
        return Choice(HTML, BY_KEY["turtle" if kind == "graph" else "json"], True)
    return Choice(media, BY_MEDIA[media], False)


def limits_for(settings: Settings, choice: Choice, max_rows: int | None = None) -> Limits:
    """The caps of one answer: the settings', fewer rows for an HTML page."""
    if max_rows is None:
        max_rows = min(HTML_ROWS, settings.max_rows) if choice.html else settings.max_rows
    return Limits(
        max_rows=max_rows,
        max_bytes=settings.max_response_bytes,
        timeout=settings.query_timeout,
        transfer_timeout=settings.transfer_timeout,
    )


async def run_query(
    request: Request,
    text: str,
    choice: Choice,
    limits: Limits,
    *,
    default_graph: list[str] | None = None,
    named_graphs: list[str] | None = None,
    substitutions: Mapping[str, Term] | None = None,
) -> QueryRun:
    """Run ``text`` on the serving store (whichever backend) and start its answer, in
    ``choice``'s format (JSON or Turtle under an HTML page). Relative IRIs resolve against
    the endpoint's URL, as Oxigraph's own server does."""
    state = request.app.state
    fmt = choice.format
    base_iri = str(request.url_for("sparql"))

    def start() -> QueryRun:
        return state.holder.get().stream(
            text,
            solutions_format=fmt.key if fmt.kind == "solutions" else "json",
            graph_format=fmt.key if fmt.kind == "graph" else "turtle",
            limits=limits,
            prefixes=state.prefixes,
            default_graph=default_graph,
            named_graphs=named_graphs,
            substitutions=substitutions,
            base_iri=base_iri,
        )

    give = state.client_queries.take(client_of(request))
    try:
        run = await run_in_threadpool(start)
    except BaseException:
        give()
        raise
    return state.client_queries.until_answered(run, give)


def limit_headers(run: QueryRun, limits: Limits) -> dict[str, str]:
    headers = {"X-SPARQL-Max-Rows": str(limits.max_rows), "Vary": "Accept"}
    if run.finished:
        headers["X-SPARQL-Rows"] = str(run.rows)
        headers["X-SPARQL-Truncated"] = "true" if run.truncated else "false"
    return headers


def head_response(media_type: str, headers: dict[str, str]) -> Response:
    """The answer to HEAD: the headers of GET, no body, and no length (it is not known)."""
    response = Response(media_type=media_type, headers=headers)
    del response.headers["content-length"]
    return response


def stream(request: Request, run: QueryRun, media_type: str, headers: dict[str, str]) -> Response:
    """The answer: whole when it is (most are), else spooled, so that no client holds a
    query slot by reading slowly (endpoint/sparql/answer.py)."""
    if run.finished:
        return Response(b"".join(run.prefetched), media_type=media_type, headers=headers)
    state = request.app.state
    return QueryResponse(
        run,
        media_type,
        headers,
        budget=state.spool_budget,
        transfer_timeout=state.settings.transfer_timeout,
    )


#: query texts shorter than this are read in the event loop (bytes), and their reading kept
INLINE_ANALYSIS = 8 * 1024
#: readings kept (of texts under ``INLINE_ANALYSIS``: a few MiB at most)
ANALYSES = 512


async def answer(
    request: Request,
    text: str,
    *,
    accept: str | None,
    format_param: str | None = None,
    default_graph: list[str] | None = None,
    named_graphs: list[str] | None = None,
    body: bool = True,
) -> Response:
    """Everything between a query text and its HTTP response (``body=False``: HEAD, the
    same status and headers)."""
    state = request.app.state
    settings: Settings = state.settings
    # reading a query is microseconds for a usual one, less than a hop to a thread costs;
    # only a long text goes to a thread so as not to hold up the event loop
    if len(text) < INLINE_ANALYSIS:
        analysis = state.analyse(text)
    else:
        analysis = await run_in_threadpool(analyse, text, state.prefixes)
    refuse_services(analysis, settings.service_allow)  # before anything is evaluated
    choice = state.negotiate(analysis.form, accept, format_param)
    limits = limits_for(settings, choice)
    run = await run_query(
        request,
        analysis.text,
        choice,
        limits,
        default_graph=default_graph,
        named_graphs=named_graphs,
    )
    if not choice.html and run.media_type != choice.media_type:
        run.close()
        raise NotAcceptable(
            f"this query gives {run.kind} results, as {run.media_type}, not "
            f"{choice.media_type}; ask for one of {', '.join(offered(run.kind))}"
        )
    headers = limit_headers(run, limits)
    if not body:
        run.close()
        return head_response(choice.media_type, headers)
    if choice.html:
        body_bytes = await run_in_threadpool(run.body)
        return html_results(request, text, run, body_bytes, limits, headers)
    return stream(request, run, run.media_type, headers)


def html_results(
    request: Request,
    text: str,
    run: QueryRun,
    body: bytes,
    limits: Limits,
    headers: dict[str, str],
) -> Response:
    context: dict[str, object] = {
        "query": text,
        "rows": run.rows,
        "truncated": run.truncated,
        "max_rows": limits.max_rows,
        "kind": run.kind,
    }
    if run.kind == "graph":
        context["turtle"] = body.decode()
    else:
        data = json.loads(body)
        if "boolean" in data:
            context["boolean"] = data["boolean"]
        else:
            context["variables"] = data["head"]["vars"]
            context["bindings"] = data["results"]["bindings"]
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "results.html", context, headers=headers)


def dataset(
    default_graph: list[str], named_graphs: list[str]
) -> tuple[list[str] | None, list[str] | None]:
    """The protocol's dataset. None, None: the store's own (default graph = union of all
    named graphs). Once a request names any graph, the dataset is exactly what it names:
    no default-graph-uri means an empty default graph, no named-graph-uri no named graphs."""
    for iri in default_graph + named_graphs:
        if not iri.startswith(("http://", "https://", "urn:")):
            raise BadRequest(f"{iri!r} is not an absolute IRI")
    if not default_graph and not named_graphs:
        return None, None
    return default_graph, named_graphs
