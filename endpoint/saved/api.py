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
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    Variable,
    parse_query_results,
)
from starlette.concurrency import run_in_threadpool

from endpoint.http.i18n import LANGUAGE_NAMES, context, page_language, translate
from endpoint.pages.maps import tile_attribution, tile_url
from endpoint.saved.charts import chart_data
from endpoint.sparql import run as queries
from kg.build.report import shorten
from kg.errors import BadRequest
from kg.labels import LANGUAGES, pick
from kg.saved import queries as saved
from kg.saved.parameters import Param, ParameterError, parse_iri
from kg.saved.queries import SavedQuery
from kg.settings import Settings
from kg.sparql.writers import BY_KEY, Buffer, Format, write_boolean, write_solutions
from kg.store import GraphStore, Term
from kg.store.interface import QueryRun

log = logging.getLogger("kg.endpoint")

PER_PAGE = 100
#: options an HTML form lists at most for an IRI parameter; more gives a text field
MAX_OPTIONS = 500
DATA_FORMATS = ("json", "xml", "csv", "tsv")
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "message": {"type": "string"},
                "parameter": {"type": "string", "description": "the parameter at fault"},
            },
            "required": ["type", "message"],
        }
    },
}

Row = dict[str, Term | None]


# --- evaluation ---------------------------------------------------------------------------


@dataclass
class Answer:
    """A saved query's result, capped at ``max_rows`` rows in the query's order."""

    variables: list[str]
    rows: list[Row]
    truncated: bool  # the query has more rows than the cap
    boolean: bool | None = None  # ASK


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
    (a page) written, every row up to the cap counted."""
    settings: Settings = request.app.state.settings
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


def _positive(raw: str | None, name: str, default: int, maximum: int | None = None) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"`{name}` must be a positive integer, not {raw!r}")
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
    # one pass: the store writes this page's rows in the asked format and counts the rest
    window = (page.start, page.per_page)
    run = await _stream(request, query, substitutions, choice.format, window)
    headers = {"Vary": "Accept", "X-SPARQL-Max-Rows": str(settings.max_rows)}
    if run.kind == "boolean" or not run.finished:  # too large to count before replying
        return queries.stream(run, choice.media_type, headers)
    written = max(0, min(page.per_page, run.rows - page.start))
    headers["X-SPARQL-Rows"] = str(written)
    headers["X-SPARQL-Truncated"] = "true" if run.truncated else "false"
    if not run.truncated:
        headers["X-Total-Count"] = str(run.rows)
    headers["Link"] = link_header(request, links_for(run.rows, run.truncated, page), page.per_page)
    return queries.stream(run, choice.media_type, headers)


# --- the catalogue ------------------------------------------------------------------------


def operation_id(name: str) -> str:
    return "saved_query_" + name.replace("-", "_")


def links(query: SavedQuery) -> dict[str, str]:
    api = f"/api/queries/{query.name}"
    out = {"self": api, "page": f"/queries/{query.name}"}
    out.update({key: f"{api}?format={key}" for key in DATA_FORMATS})
    out["docs"] = f"/docs#/{query.tags[0]}/{operation_id(query.name)}"
    return out


def catalogue(request: Request) -> JSONResponse:
    queries_, _ = saved.load_valid(request.app.state.settings)
    return JSONResponse(
        {"queries": [{**q.to_dict(), "links": links(q)} for q in queries_]},
        headers={"Link": '</openapi.json>; rel="service-desc"'},
    )


# --- pages --------------------------------------------------------------------------------


def _cell(term: Term | None, prefixes: Mapping[str, str]) -> dict[str, str] | None:
    if term is None:
        return None
    if isinstance(term, NamedNode):
        href = term.value if term.value.startswith(("http://", "https://")) else ""
        return {"text": shorten(term.value, prefixes) or term.value, "href": href, "lang": ""}
    if isinstance(term, BlankNode):
        return {"text": f"_:{term.value}", "href": "", "lang": ""}
    if isinstance(term, Literal):
        return {"text": term.value, "href": "", "lang": term.language or ""}
    return {"text": str(term), "href": "", "lang": ""}


MEMBERS = {
    "class": (
        "SELECT ?class ?value ?label WHERE { ?value "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
        "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?class "
        "OPTIONAL { ?value <http://www.w3.org/2004/02/skos/core#prefLabel>|"
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label } }"
    ),
    "scheme": (
        "SELECT ?scheme ?value ?label WHERE { ?value "
        "<http://www.w3.org/2004/02/skos/core#inScheme>|"
        "<http://www.w3.org/2004/02/skos/core#topConceptOf> ?scheme "
        "OPTIONAL { ?value <http://www.w3.org/2004/02/skos/core#prefLabel>|"
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label } }"
    ),
}


def _options(
    settings: Settings,
    store: GraphStore,
    param: Param,
    lang: str,
    prefixes: Mapping[str, str],
) -> list[tuple[str, str]] | None:
    """(value, label) choices for a form field, or None for a free field."""
    if param.type == "language":
        return [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    if param.values is not None:
        return [(v, v) for v in param.values]
    labels: dict[str, dict[str, str]] = {}
    if param.values_query is not None:
        other = saved.get(settings, param.values_query)
        # its labels in the reader's language when it takes one
        reader = other.param("lang")
        given = {"lang": lang} if reader is not None and reader.type == "language" else {}
        result = saved.run(settings, store, other, given)
        if isinstance(result, QuerySolutions):
            names = [v.value for v in result.variables]
            for index, row in enumerate(result):
                if index >= MAX_OPTIONS:
                    return None
                first = row[0]
                if not isinstance(first, (NamedNode, Literal)):
                    continue
                entry = labels.setdefault(first.value, {})
                text = next((row[n] for n in names[1:] if isinstance(row[n], Literal)), None)
                if isinstance(text, Literal):
                    entry.setdefault(text.language or "", text.value)
    elif param.type == "iri" and (param.class_ or param.scheme):
        key, target = ("class", param.class_) if param.class_ else ("scheme", param.scheme)
        assert target is not None
        result = store.query(MEMBERS[key], {key: parse_iri(target, prefixes)})
        assert isinstance(result, QuerySolutions)
        for row in result:
            value, text = row["value"], row["label"]
            if not isinstance(value, NamedNode):
                continue
            entry = labels.setdefault(value.value, {})
            if isinstance(text, Literal):
                entry.setdefault(text.language or "", text.value)
            if len(labels) > MAX_OPTIONS:
                return None
    else:
        return None
    out = []
    for value, texts in labels.items():
        shown = shorten(value, prefixes) or value
        label = pick(texts, lang)
        out.append((shown, f"{label} ({shown})" if label else shown))
    return sorted(out, key=lambda o: o[1].lower())


def _same(param: Param, a: str, b: str, prefixes: Mapping[str, str]) -> bool:
    if param.type != "iri":
        return a.strip().lower() == b.strip().lower() if param.type == "language" else a == b
    try:
        return parse_iri(a, prefixes) == parse_iri(b, prefixes)
    except ValueError:
        return False


def form_fields(
    settings: Settings,
    store: GraphStore,
    query: SavedQuery,
    given: Mapping[str, str],
    lang: str,
    prefixes: Mapping[str, str],
) -> list[dict[str, Any]]:
    fields = []
    for param in query.params:
        value = given.get(param.name) or param.default or ""
        options = _options(settings, store, param, lang, prefixes)
        if (
            options is not None
            and value
            and not any(_same(param, value, o[0], prefixes) for o in options)
        ):
            options.append((value, value))  # keep what was asked, even if refused
        help_parts = [translate(f"queries.type.{param.type}", lang)]
        if param.min is not None:
            help_parts.append(f"≥ {param.min}")
        if param.max is not None:
            help_parts.append(f"≤ {param.max}")
        if param.default is not None:
            help_parts.append(f"{translate('queries.default', lang)}: {param.default}")
        elif param.optional:
            help_parts.append(translate("queries.optional", lang))
        fields.append(
            {
                "name": param.name,
                "value": value,
                "required": param.required,
                "blank": param.default is None,
                "input": {"integer": "number", "date": "date"}.get(param.type, "text"),
                "min": param.min,
                "max": param.max,
                "options": None
                if options is None
                else [
                    {
                        "value": v,
                        "label": label,
                        "selected": bool(value) and _same(param, value, v, prefixes),
                    }
                    for v, label in options
                ],
                "help": " · ".join(help_parts),
            }
        )
    return fields


def _query_string(values: Mapping[str, str], **extra: str | int) -> str:
    items = [(k, v) for k, v in values.items() if v != ""]
    items += [(k, str(v)) for k, v in extra.items()]
    return urlencode(items)


async def query_page(request: Request, query: SavedQuery) -> Response:
    """The query's page: form, results (one page), chart, downloads, SPARQL, editor link."""
    state = request.app.state
    settings: Settings = state.settings
    prefixes: Mapping[str, str] = state.prefixes
    lang = page_language(request)
    params = single_params(request)
    page = paging(params, settings)
    own = {p.name for p in query.params}
    given = {k: v for k, v in params.items() if k in own}
    store = state.holder.get()
    fields = await run_in_threadpool(form_fields, settings, store, query, given, lang, prefixes)
    status = 200
    error = None
    prompt = False
    answer: Answer | None = None
    missing = [p.name for p in query.params if p.required and not given.get(p.name)]
    if missing and not any(v for k, v in given.items() if k != "lang"):
        prompt = True  # nothing filled in yet (but the page language): a form, not an error
    else:
        try:
            substitutions = await bind(
                request, query, params, ("format", "page", "per_page", "lang")
            )
        except ParameterError as err:
            status, error = 400, str(err)
        else:
            answer = await evaluate(request, query, substitutions)
    rows = answer.rows[page.start : page.end] if answer else []
    current = {p.name: given.get(p.name, "") for p in query.params}
    current_with_lang = {**current, "lang": lang} if "lang" not in own else current
    downloads = {
        key: f"/api/queries/{query.name}?"
        + _query_string(current, format=key, per_page=settings.max_rows)
        for key in ("json", "csv", "tsv")
    }
    pager: dict[str, str] = {}
    if answer is not None and answer.boolean is None:
        for rel, number in page_links(answer, page).items():
            pager[rel] = f"/queries/{query.name}?" + _query_string(
                current_with_lang, page=number, per_page=page.per_page
            )
    variables = answer.variables if answer else []
    values = {
        "query": query,
        "title": query.title(lang),
        "description": query.description(lang),
        "tags": [(tag_id(tag), tag_name(tag, lang)) for tag in query.tags],
        "fields": fields,
        "has_lang_param": "lang" in own,
        "error": error,
        "prompt": prompt,
        "answer": answer,
        "variables": variables,
        "cells": [[_cell(r[v], prefixes) for v in variables] for r in rows],
        "first_row": page.start + 1,
        "last_row": page.start + len(rows),
        "total": None if answer is None or answer.truncated else len(answer.rows),
        "max_rows": settings.max_rows,
        "chart": page_chart(settings, query, variables, rows, prefixes, lang) if answer else None,
        "pager": pager,
        "downloads": downloads,
        "api": f"/api/queries/{query.name}?" + _query_string(current),
        "editor": "/query?" + urlencode({"query": query.text, "tabTitle": query.title(lang)}),
    }
    return state.templates.TemplateResponse(
        request,
        "saved-query.html",
        context(request, **values),
        status_code=status,
        headers={"Vary": "Accept, Accept-Language"},
    )


def page_chart(
    settings: Settings,
    query: SavedQuery,
    variables: Sequence[str],
    rows: Sequence[Row],
    prefixes: Mapping[str, str],
    lang: str,
) -> dict[str, Any] | None:
    """The chart of the page (endpoint.querycharts), with what a map or network needs from
    the server: the tiles, the municipalities' outlines, the page language."""
    chart = chart_data(query, variables, rows, prefixes, settings.base)
    if chart is None:
        return None
    chart["lang"] = lang
    if chart["type"] == "map":
        chart["tiles"] = tile_url(settings)
        chart["attribution"] = tile_attribution(chart["tiles"])
        # drawn beneath, for a map to read without tiles
        chart["boundaries"] = "/map/boundaries.geojson?" + urlencode({"lang": lang})
    return chart


def tag_id(tag: str) -> str:
    """The tag as an HTML id (tags may hold spaces)."""
    return "tag-" + tag.replace(" ", "-")


def tag_name(tag: str, lang: str) -> str:
    key = f"queries.tag.{tag}"
    text = translate(key, lang)
    return tag if text == key else text


def catalogue_page(request: Request) -> HTMLResponse:
    lang = page_language(request)
    found, _ = saved.load_valid(request.app.state.settings)
    groups: dict[str, list[SavedQuery]] = {}
    for query in found:
        for tag in query.tags:
            groups.setdefault(tag, []).append(query)
    tags = sorted(groups, key=lambda t: tag_name(t, lang).lower())
    values = {
        "groups": [
            {
                "id": tag_id(tag),
                "name": tag_name(tag, lang),
                "queries": [
                    {
                        "name": q.name,
                        "title": q.title(lang),
                        "description": q.description(lang),
                        "chart": q.chart,
                        "params": [p.name for p in q.params],
                    }
                    for q in sorted(groups[tag], key=lambda q: q.title(lang).lower())
                ],
            }
            for tag in tags
        ],
        "count": len(found),
    }
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "saved-queries.html", context(request, **values)
    )
    response.headers["Vary"] = "Accept-Language"
    return response


# --- OpenAPI ------------------------------------------------------------------------------


def openapi_parameters(query: SavedQuery, settings: Settings) -> list[dict[str, Any]]:
    own = [
        {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": p.explain(),
            "schema": p.schema(),
        }
        for p in query.params
    ]
    common = [
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "The answer's format; without it, the Accept header decides "
            "(SPARQL JSON by default).",
            "schema": {"type": "string", "enum": [*DATA_FORMATS, "html"]},
        },
        {
            "name": "page",
            "in": "query",
            "required": False,
            "description": "Page number, from 1.",
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
        {
            "name": "per_page",
            "in": "query",
            "required": False,
            "description": f"Rows per page (at most {settings.max_rows}).",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": settings.max_rows,
                "default": min(PER_PAGE, settings.max_rows),
            },
        },
    ]
    return own + common


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The result: one page of rows. `Link` (RFC 8288) gives first, prev, "
        "next and last pages; `X-Total-Count` the number of rows when known.",
        "headers": {
            "Link": {"schema": {"type": "string"}, "description": "RFC 8288 paging links"},
            "X-Total-Count": {"schema": {"type": "integer"}, "description": "rows in all"},
            "X-SPARQL-Truncated": {
                "schema": {"type": "string", "enum": ["true", "false"]},
                "description": "whether the result has more rows than the server returns",
            },
        },
        "content": {
            "application/sparql-results+json": {"schema": {"type": "object"}},
            "application/sparql-results+xml": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
            "text/tab-separated-values": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    },
    400: {
        "description": "A parameter is missing, malformed or not allowed (`parameter` names "
        "it), or paging is out of range.",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    },
    404: {
        "description": "No such saved query.",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    },
    406: {
        "description": "No acceptable format.",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    },
    503: {
        "description": "The query ran past the time limit, or the store is unavailable.",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    },
}


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
