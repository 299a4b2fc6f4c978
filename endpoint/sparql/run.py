"""Running a query for a web request: format, limits, the worker pool, and the response."""

from __future__ import annotations

import functools
import itertools
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from endpoint.errors import BadRequest, NotAcceptable
from endpoint.http.conneg import choose
from kg.settings import Settings
from kg.sparql.analysis import analyse, refuse_services
from kg.sparql.inline import Scan, answer_scan, scan_of
from kg.sparql.pool import QueryRun, WorkerPool
from kg.sparql.worker import Job
from kg.sparql.writers import BY_KEY, BY_MEDIA, FORMATS, Format
from kg.store import EmbeddedStore

HTML = "text/html"
#: rows an HTML results page shows at most (the data formats go up to the settings' cap)
HTML_ROWS = 1000


def offered(kind: str) -> list[str]:
    """Media types for a query form, the default first; HTML for people last."""
    wanted = "graph" if kind == "graph" else "solutions"
    return [f.media_type for f in FORMATS if f.kind == wanted] + [HTML]


def pool(app: FastAPI) -> WorkerPool:
    """The app's query workers: started at start-up (``start``, from the lifespan), or on
    first use where the app runs without one (so that importing or creating the app starts
    no process), and closed at shutdown. Workers start in the background and take queries
    once their store is open."""
    state = app.state
    with state.pool_lock:
        if state.pool is None:
            settings: Settings = state.settings
            slots = settings.query_workers * settings.query_threads
            state.pool = WorkerPool(
                slots,
                max_size=4 * slots,
                warm=lambda: str(settings.serving_store()),
                threads=settings.query_threads,
            )
        return state.pool


def start(app: FastAPI) -> None:
    pool(app)


def init(app: FastAPI) -> None:
    app.state.pool = None
    app.state.pool_lock = threading.Lock()
    # the same texts come again and again (pages, editors, other maps' SERVICE calls):
    # each is read once; a failed reading raises and is not kept
    app.state.analyse = functools.lru_cache(maxsize=ANALYSES)(
        functools.partial(analyse, prefixes=app.state.prefixes)
    )


def close(app: FastAPI) -> None:
    with app.state.pool_lock:
        if app.state.pool is not None:
            app.state.pool.close()
            app.state.pool = None


@dataclass(frozen=True)
class Choice:
    media_type: str
    format: Format  # the wire format the worker writes (JSON for an HTML page)
    html: bool


@functools.lru_cache(maxsize=256)  # clients send few different Accept headers
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


def job_for(
    settings: Settings,
    text: str,
    choice: Choice,
    prefixes: dict[str, str],
    default_graph: list[str] | None,
    named_graphs: list[str] | None,
    max_rows: int | None = None,
    prefixes_used: Iterable[str] | None = None,
    store_path: str | None = None,
) -> Job:
    """``prefixes_used``: the only ones of ``prefixes`` the text needs to be parsed
    (``Analysis.prefixes_used``); a graph answer is still written with all of them.
    ``store_path``: the serving store, when the caller has just looked it up."""
    fmt = choice.format.key
    parse_with = (
        prefixes
        if prefixes_used is None
        else {name: prefixes[name] for name in prefixes_used if name in prefixes}
    )
    return Job(
        store_path=store_path or str(settings.serving_store()),
        text=text,
        solutions_format=fmt if choice.format.kind == "solutions" else "json",
        graph_format=fmt if choice.format.kind == "graph" else "turtle",
        prefixes=parse_with,
        default_graph=default_graph,
        named_graphs=named_graphs,
        max_rows=max_rows
        if max_rows is not None
        else (min(HTML_ROWS, settings.max_rows) if choice.html else settings.max_rows),
        max_bytes=settings.max_response_bytes,
        output_prefixes=prefixes if choice.format.kind == "graph" else None,
    )


async def execute(request: Request, job: Job, scan: Scan | None = None) -> QueryRun:
    """Run ``job``: a short one-scan query (``scan``, see ``kg.inline``) in the event
    loop on the server's own store, anything else on a query worker. An idle slot is taken
    in the event loop; an answer that arrives whole is read there too, anything else
    (waiting for a slot, a long query, a streamed answer) goes on in a thread."""
    state = request.app.state
    settings: Settings = state.settings
    if scan is not None:
        store = state.holder.get()  # the serving store, as the job's (one readlink apart)
        if isinstance(store, EmbeddedStore):
            run = answer_scan(store, job, scan)
            if run is not None:
                return run
    workers = pool(request.app)
    taken = await workers.take(job, settings.query_timeout)
    start = functools.partial(
        workers.start,
        job,
        settings.query_timeout,
        transfer_timeout=settings.transfer_timeout,
        taken=taken,
    )
    return start() if taken is not None and taken.complete else await run_in_threadpool(start)


def limit_headers(run: QueryRun, job: Job) -> dict[str, str]:
    headers = {"X-SPARQL-Max-Rows": str(job.max_rows), "Vary": "Accept"}
    if run.finished:
        headers["X-SPARQL-Rows"] = str(run.rows)
        headers["X-SPARQL-Truncated"] = "true" if run.truncated else "false"
    return headers


def head_response(media_type: str, headers: dict[str, str]) -> Response:
    """The answer to HEAD: the headers of GET, no body, and no length (it is not known)."""
    response = Response(media_type=media_type, headers=headers)
    del response.headers["content-length"]
    return response


def stream(run: QueryRun, media_type: str, headers: dict[str, str]) -> Response:
    if run.finished:
        return Response(b"".join(run.prefetched), media_type=media_type, headers=headers)
    body = itertools.chain(run.prefetched, run.rest)
    return StreamingResponse(body, media_type=media_type, headers=headers)


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
    choice = negotiate(analysis.form, accept, format_param)
    job = job_for(
        settings,
        analysis.text,
        choice,
        state.prefixes,
        default_graph,
        named_graphs,
    )
    run = await execute(request, job, scan_of(analysis.text))
    if not choice.html and run.media_type != choice.media_type:
        run.close()
        raise NotAcceptable(
            f"this query gives {run.kind} results, as {run.media_type}, not "
            f"{choice.media_type}; ask for one of {', '.join(offered(run.kind))}"
        )
    headers = limit_headers(run, job)
    if not body:
        run.close()
        return head_response(choice.media_type, headers)
    if choice.html:
        return html_results(request, text, run, job, headers)
    return stream(run, run.media_type, headers)


def html_results(
    request: Request, text: str, run: QueryRun, job: Job, headers: dict[str, str]
) -> Response:
    body = b"".join(run.prefetched) + b"".join(run.rest)
    context: dict[str, object] = {
        "query": text,
        "rows": run.rows,
        "truncated": run.truncated,
        "max_rows": job.max_rows,
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
