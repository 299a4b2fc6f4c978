"""Saved queries as a documented API and as pages.

- ``GET /api/queries``: the catalogue (JSON);
- ``GET /api/queries/{name}``: runs one, its parameters from the query string; SPARQL JSON,
  XML, CSV, TSV or HTML (``?format=`` or ``Accept``); pages of ``?per_page=`` rows
  (default 100) with RFC 8288 ``Link`` headers and ``X-Total-Count``;
- ``GET /queries``: the catalogue grouped by tag; ``GET /queries/{name}``: the query's page
  (parameter form, results, chart, downloads, the SPARQL text, a link to the editor).

``make_router(settings)`` adds one OpenAPI operation per saved query found at start-up, with
its parameters, so /openapi.json and /docs document each. Queries are read from their files
at each request: an edited query takes effect at once (its documentation at the next start).

Values are bound with pyoxigraph substitutions, never pasted into the text. The result is
capped at the settings' ``max_rows`` like /sparql, and pages slice it in order (a query's
own OFFSET/LIMIT cannot be changed without editing its text).

This module runs the queries; the catalogue (``catalogue``), the OpenAPI description
(``openapi``), the form (``forms``) and the page (``page``) have modules of their own.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    Variable,
    parse_query_results,
)
from starlette.concurrency import run_in_threadpool

from endpoint.saved.catalogue import catalogue, catalogue_page
from endpoint.saved.federated import Merged, run_federated
from endpoint.saved.openapi import PER_PAGE, RESPONSES, openapi_parameters, operation_id
from endpoint.saved.page import Shown, render
from endpoint.sparql import run as queries
from kg.errors import BadRequest
from kg.saved import queries as saved
from kg.saved.parameters import ParameterError
from kg.saved.queries import SavedQuery
from kg.settings import Settings
from kg.sparql.analysis import analyse, refuse_services
from kg.sparql.writers import BY_KEY, Buffer, Format, write_boolean, write_solutions
from kg.store import Term
from kg.store.interface import QueryRun

log = logging.getLogger("kg.endpoint")

Row = dict[str, Term | None]


# --- evaluation ---------------------------------------------------------------------------


@dataclass
class Answer:
    """A saved query's result, capped at ``max_rows`` rows in the query's order."""

    variables: list[str]
    rows: list[Row]
    truncated: bool  # the query has more rows than the cap
    boolean: bool | None = None  # ASK
    #: a federated query's answer, with what each peer gave
    peers: Merged | None = None


def _collect(result: QuerySolutions, max_rows: int) -> Answer:
    variables = [v.value for v in result.variables]
    rows: list[Row] = []
    truncated = False
    for solution in result:
        if len(rows) >= max_rows:
            truncated = True
            break
        rows.append({name: solution[name] for name in variables})
    return Answer(variables, rows, truncated)


async def evaluate(request: Request, query: SavedQuery, substitutions: dict[str, Term]) -> Answer:
    """The whole capped result as rows, for the HTML page (which reads the JSON rows),
    through the store interface under the same limits as /sparql."""
    settings: Settings = request.app.state.settings
    if query.federated is not None:
        merged = await run_federated(request, query, substitutions)
        return Answer(merged.variables, merged.rows, merged.truncated, peers=merged)
    run = await _stream(request, query, substitutions, BY_KEY["json"], None)
    body = await run_in_threadpool(run.body)
    parsed = parse_query_results(body, QueryResultsFormat.JSON)
    if isinstance(parsed, QueryBoolean):
        return Answer([], [], False, bool(parsed))
    answer = _collect(parsed, settings.max_rows)
    answer.truncated = run.truncated if run.finished else len(answer.rows) >= settings.max_rows
    return answer


async def _stream(
    request: Request,
    query: SavedQuery,
    substitutions: dict[str, Term],
    fmt: Format,
    window: tuple[int, int] | None,
) -> QueryRun:
    """The saved query's answer, written in ``fmt`` by the store: the rows of ``window``
    (a page) written, every row up to the cap counted. Its SERVICE calls are checked as
    those of /sparql."""
    settings: Settings = request.app.state.settings
    analysis = await run_in_threadpool(analyse, query.text, request.app.state.prefixes)
    refuse_services(analysis, settings.service_allow)
    choice = queries.Choice(fmt.media_type, fmt, False)
    limits = dataclasses.replace(queries.limits_for(settings, choice), window=window)
    return await queries.run_query(request, query.text, choice, limits, substitutions=substitutions)


def serialise(
    answer: Answer, rows: Sequence[Row], fmt: Format, max_bytes: int
) -> tuple[bytes, int, bool]:
    """Rows already read (a page's) in the format: (body, rows written, stopped by the
    byte budget)."""
    sink = Buffer()
    if answer.boolean is not None:
        write_boolean(answer.boolean, fmt, sink)
        return bytes(sink.data), 1, False
    outcome = write_solutions(
        _Solutions(answer.variables, rows),  # type: ignore[arg-type]
        fmt,
        sink,
        len(rows),
        lambda: sink.written < max_bytes,
    )
    return bytes(sink.data), outcome.rows, outcome.truncated


class _Solutions:
    """Rows already evaluated, in the shape ``write_solutions`` reads."""

    def __init__(self, variables: Sequence[str], rows: Sequence[Row]) -> None:
        self.variables = [Variable(v) for v in variables]
        self.rows = rows

    def __iter__(self) -> Any:
        return iter(self.rows)


# --- requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int

    @property
    def start(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def end(self) -> int:
        return self.page * self.per_page


def single_params(request: Request) -> dict[str, str]:
    """The query string as {name: value}; a name given twice is a 400."""
    out: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in out:
            raise BadRequest(f"the parameter `{name}` is given more than once")
        out[name] = value
    return out


_POSITIVE = re.compile(r"[0-9]{1,9}")


def _positive(raw: str | None, name: str, default: int, maximum: int | None = None) -> int:
    if raw is None or raw == "":
        return default
    # ASCII digits only: str.isdigit() takes "²", which int() refuses; and no more than
    # nine of them (Python refuses to read thousands of digits at all)
    if not _POSITIVE.fullmatch(raw) or int(raw) < 1:
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        raise BadRequest(f"`{name}` must be a positive integer, not {shown!r}")
    value = int(raw)
    if maximum is not None and value > maximum:
        raise BadRequest(f"`{name}` is at most {maximum} on this server (KG_MAX_ROWS)")
    return value


def paging(params: Mapping[str, str], settings: Settings) -> Paging:
    per_page = _positive(params.get("per_page"), "per_page", min(PER_PAGE, settings.max_rows))
    if per_page > settings.max_rows:
        raise BadRequest(f"`per_page` is at most {settings.max_rows} on this server (KG_MAX_ROWS)")
    return Paging(_positive(params.get("page"), "page", 1), per_page)


def page_url(request: Request, page: int, per_page: int) -> str:
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page")]
    items += [("page", str(page)), ("per_page", str(per_page))]
    return str(request.url.replace(query=urlencode(items)))


def page_links(answer: Answer, paging: Paging) -> dict[str, int]:
    """rel -> page number: first and prev always (prev from page 2), next when the capped
    result has rows after this page, last when the total is known."""
    return links_for(len(answer.rows), answer.truncated, paging)


def links_for(counted: int, truncated: bool, paging: Paging) -> dict[str, int]:
    """``page_links`` from the rows counted (up to the cap) and whether there were more."""
    links = {"first": 1}
    last = None if truncated else max(1, math.ceil(counted / paging.per_page))
    if paging.page > 1:
        links["prev"] = paging.page - 1 if last is None else min(paging.page - 1, last)
    if paging.end < counted:
        links["next"] = paging.page + 1
    if last is not None:
        links["last"] = last
    return links


def link_header(request: Request, links: Mapping[str, int], per_page: int) -> str:
    return ", ".join(
        f'<{page_url(request, page, per_page)}>; rel="{rel}"' for rel, page in links.items()
    )


async def bind(
    request: Request, query: SavedQuery, raw: Mapping[str, str], ignore: Sequence[str]
) -> dict[str, Term]:
    settings: Settings = request.app.state.settings
    store = request.app.state.holder.get()
    return await run_in_threadpool(
        saved.bind_query, settings, store, query, raw, ignore=tuple(ignore)
    )


async def run_saved(request: Request, name: str) -> Response:
    """``GET /api/queries/{name}``."""
    settings: Settings = request.app.state.settings
    query = saved.get(settings, name)
    params = single_params(request)
    choice = queries.negotiate("solutions", request.headers.get("accept"), params.get("format"))
    if choice.html:
        return await query_page(request, query)
    page = paging(params, settings)
    # a ParameterError (400, naming the parameter) goes to the error handler
    substitutions = await bind(request, query, params, ("format", "page", "per_page"))
    if query.federated is not None:
        return await federated_response(request, query, substitutions, choice.format, page)
    # one pass: the store writes this page's rows in the asked format and counts the rest
    window = (page.start, page.per_page)
    run = await _stream(request, query, substitutions, choice.format, window)
    headers = {"Vary": "Accept", "X-SPARQL-Max-Rows": str(settings.max_rows)}
    if run.kind == "boolean" or not run.finished:  # too large to count before replying
        return queries.stream(request, run, choice.media_type, headers)
    written = max(0, min(page.per_page, run.rows - page.start))
    headers["X-SPARQL-Rows"] = str(written)
    headers["X-SPARQL-Truncated"] = "true" if run.truncated else "false"
    if not run.truncated:
        headers["X-Total-Count"] = str(run.rows)
    headers["Link"] = link_header(request, links_for(run.rows, run.truncated, page), page.per_page)
    return queries.stream(request, run, choice.media_type, headers)


def peer_headers(merged: Merged) -> dict[str, str]:
    """Which peers a federated answer asked and which gave nothing (space-separated IRIs)."""
    return {
        "X-Peers-Asked": " ".join(p.peer.iri for p in merged.parts),
        "X-Peers-Missing": " ".join(p.peer.iri for p in merged.missing),
    }


async def federated_response(
    request: Request,
    query: SavedQuery,
    substitutions: dict[str, Term],
    fmt: Format,
    page: Paging,
) -> Response:
    """A federated query's page of rows, written here from the merged answer, under the
    byte cap as the store's answers are."""
    settings: Settings = request.app.state.settings
    merged = await run_federated(request, query, substitutions)
    answer = Answer(merged.variables, merged.rows, merged.truncated)
    body, written, cut = await run_in_threadpool(
        serialise, answer, merged.rows[page.start : page.end], fmt, settings.max_response_bytes
    )
    truncated = merged.truncated or cut
    counted = page.start + written if cut else len(merged.rows)
    headers = {
        "Vary": "Accept",
        "X-SPARQL-Max-Rows": str(settings.max_rows),
        "X-SPARQL-Rows": str(written),
        "X-SPARQL-Truncated": "true" if truncated else "false",
        **peer_headers(merged),
    }
    if not truncated:
        headers["X-Total-Count"] = str(counted)
    headers["Link"] = link_header(request, links_for(counted, truncated, page), page.per_page)
    return Response(body, media_type=fmt.media_type, headers=headers)


# --- the page -----------------------------------------------------------------------------


async def query_page(request: Request, query: SavedQuery) -> Response:
    """The query's page (``endpoint.saved.page``), its answer evaluated as the API's."""
    settings: Settings = request.app.state.settings
    params = single_params(request)
    page = paging(params, settings)
    given = {k: v for k, v in params.items() if query.param(k) is not None}
    status, error, answer = 200, None, None
    missing = [p.name for p in query.params if p.required and not given.get(p.name)]
    # nothing filled in yet (but the page language): a form, not an error
    prompt = bool(missing) and not any(v for k, v in given.items() if k != "lang")
    if not prompt:
        try:
            substitutions = await bind(
                request, query, params, ("format", "page", "per_page", "lang")
            )
        except ParameterError as err:
            status, error = 400, str(err)
        else:
            answer = await evaluate(request, query, substitutions)
    links = page_links(answer, page) if answer is not None and answer.boolean is None else {}
    shown = Shown(
        given=given,
        answer=answer,
        rows=answer.rows[page.start : page.end] if answer else [],
        first_row=page.start + 1,
        per_page=page.per_page,
        links=links,
        status=status,
        error=error,
        prompt=prompt,
    )
    return await render(request, query, shown)


# --- routes -------------------------------------------------------------------------------


def _endpoint_for(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await run_saved(request, name)

    endpoint.__name__ = operation_id(name)
    return endpoint


def make_router(settings: Settings) -> APIRouter:
    """The routes, with one documented operation per saved query found now."""
    router = APIRouter()

    @router.get(
        "/api/queries",
        tags=["saved queries"],
        summary="The catalogue of saved queries",
        description="Every saved query: titles and descriptions in English, French and "
        "Dutch, tags, chart, KPI, parameters, and links to run it.",
    )
    def api_catalogue(request: Request) -> JSONResponse:
        return catalogue(request)

    found, problems = saved.load_valid(settings)
    for problem in problems:
        log.warning("saved query left out: %s", problem)
    for query in found:
        description = query.descriptions["en"]
        if query.kpi:
            description += f"\n\nKPI: `{query.kpi}`."
        description += f"\n\nPage: [/queries/{query.name}](/queries/{query.name})."
        router.add_api_route(
            f"/api/queries/{query.name}",
            _endpoint_for(query.name),
            methods=["GET"],
            name=f"saved_query:{query.name}",
            operation_id=operation_id(query.name),
            summary=query.titles["en"],
            description=description,
            tags=list(query.tags),
            response_class=Response,
            response_model=None,
            responses=RESPONSES,
            openapi_extra={"parameters": openapi_parameters(query, settings)},
        )

    @router.get("/api/queries/{name}", include_in_schema=False, response_model=None)
    async def api_query(name: str, request: Request) -> Response:
        """Queries added since start-up (documented from the next start)."""
        return await run_saved(request, name)

    @router.get("/queries", response_class=HTMLResponse, include_in_schema=False)
    def queries_page(request: Request) -> HTMLResponse:
        return catalogue_page(request)

    @router.get("/queries/{name}", include_in_schema=False, response_model=None)
    async def saved_query_page(name: str, request: Request) -> Response:
        return await query_page(request, saved.get(request.app.state.settings, name))

    return router
