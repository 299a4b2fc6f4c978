"""A saved query's HTML page: the parameter form, one page of results, the chart, downloads,
the SPARQL text and a link to the editor. The query is run by ``endpoint.saved.api``
(under the same limits as the API), which hands over what to show (``Shown``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from pyoxigraph import Literal, NamedNode
from starlette.concurrency import run_in_threadpool

from endpoint.http.i18n import context, page_language, translate
from endpoint.pages.maps import tile_attribution, tile_url
from endpoint.pages.page import Page
from endpoint.saved.catalogue import tag_id, tag_name
from endpoint.saved.charts import Row, chart_data
from endpoint.saved.forms import cell, form_fields, query_string
from endpoint.saved.kpiformat import is_share, number
from kg.namespaces import XSD
from kg.saved.queries import SavedQuery
from kg.settings import Settings
from kg.store import GraphStore
from kg.views.nodelabels import Collector
from kg.views.vocabcache import vocabulary


class Result(Protocol):
    """What the page reads of a query's answer."""

    @property
    def variables(self) -> Sequence[str]: ...
    @property
    def rows(self) -> Sequence[Row]: ...
    @property
    def truncated(self) -> bool: ...
    @property
    def boolean(self) -> bool | None: ...


@dataclass(frozen=True)
class Shown:
    """What one request for the page asks and gets."""

    #: the query's own parameters as the request gives them
    given: Mapping[str, str]
    #: None when the form is shown to be filled in, or a parameter was refused
    answer: Result | None
    #: the rows of this page, and the number of the first
    rows: Sequence[Row]
    first_row: int
    per_page: int
    #: rel -> page number (first, prev, next, last)
    links: Mapping[str, int]
    status: int = 200
    error: str | None = None
    #: nothing filled in yet: a form, not an error
    prompt: bool = False


async def render(request: Request, query: SavedQuery, shown: Shown) -> Response:
    state = request.app.state
    settings: Settings = state.settings
    prefixes: Mapping[str, str] = state.prefixes
    lang = page_language(request)
    own = {p.name for p in query.params}
    store = state.holder.get()
    fields = await run_in_threadpool(
        form_fields, settings, store, query, shown.given, lang, prefixes
    )
    answer, rows = shown.answer, shown.rows
    current = {p.name: shown.given.get(p.name, "") for p in query.params}
    current_with_lang = {**current, "lang": lang} if "lang" not in own else current
    downloads = {
        key: f"/api/queries/{query.name}?"
        + query_string(current, format=key, per_page=settings.max_rows)
        for key in ("json", "csv", "tsv")
    }
    pager = {
        rel: f"/queries/{query.name}?"
        + query_string(current_with_lang, page=number, per_page=shown.per_page)
        for rel, number in shown.links.items()
    }
    # a parameter's column holds the value the form shows, the same on every row: the
    # table leaves it out (the downloads keep every column)
    variables = [v for v in (answer.variables if answer else []) if query.param(v) is None]
    cells = await run_in_threadpool(
        labelled_cells, request, store, settings.base, rows, variables, prefixes, lang
    )
    variables, cells = without_repeated_labels(variables, cells)
    values = {
        "query": query,
        "title": query.title(lang),
        "description": query.description(lang),
        "tags": [(tag_id(tag), tag_name(tag, lang)) for tag in query.tags],
        "fields": fields,
        "has_lang_param": "lang" in own,
        "error": shown.error,
        "prompt": shown.prompt,
        "answer": answer,
        "variables": variables,
        "headings": [query.column(v, lang) for v in variables],
        "cells": cells,
        "first_row": shown.first_row,
        "last_row": shown.first_row - 1 + len(rows),
        "total": None if answer is None or answer.truncated else len(answer.rows),
        "max_rows": settings.max_rows,
        "chart": page_chart(settings, query, answer.variables, rows, prefixes, lang)
        if answer
        else None,
        "pager": pager,
        "downloads": downloads,
        "api": f"/api/queries/{query.name}?" + query_string(current),
        "editor": "/query?" + urlencode({"query": query.text, "tabTitle": query.title(lang)}),
        "federated": query.federated is not None,
    }
    headers = {"Vary": "Accept, Accept-Language"}
    merged = getattr(answer, "peers", None)
    if merged is not None:
        values["peers_asked"] = [p.peer.title(lang) for p in merged.parts]
        values["peers_missing"] = [(p.peer.title(lang), p.status) for p in merged.missing]
        headers["X-Peers-Missing"] = " ".join(p.peer.iri for p in merged.missing)
    return state.templates.TemplateResponse(
        request,
        "saved-query.html",
        context(request, **values),
        status_code=shown.status,
        headers=headers,
    )


def labelled_cells(
    request: Request,
    store: GraphStore,
    base: str,
    rows: Sequence[Row],
    variables: Sequence[str],
    prefixes: Mapping[str, str],
    lang: str,
) -> list[list[dict[str, str] | None]]:
    """The results table's cells: an IRI by its label in the reader's language (one
    query for every label of the page), linked to its page here; its prefixed name, the
    code, as the title. Other terms as they are."""
    collect = Collector(store, base, vocabulary(store, base))
    for row in rows:
        for v in variables:
            term = row[v]
            if isinstance(term, NamedNode):
                collect.ref(term.value)
    collect.fetch()
    page = Page(request, lang)
    out: list[list[dict[str, str] | None]] = []
    for row in rows:
        line: list[dict[str, str] | None] = []
        for v in variables:
            term, shown = row[v], cell(row[v], prefixes)
            if isinstance(term, Literal):
                shown = literal_cell(term, v, lang) or shown
            if isinstance(term, NamedNode) and shown is not None:
                found = collect.refs[term.value].label(lang)
                href = page.href(term.value) if shown["href"] else ""
                if found is not None:
                    shown = {"text": found[0], "lang": found[1], "title": shown["text"]}
                elif href and term.value.startswith(base):
                    # an entry of this site without a name: a link, not its code
                    shown = {"text": translate("queries.entry", lang), "lang": "", "title": ""}
                shown["href"] = href
            line.append(shown)
        out.append(line)
    return out


#: XML Schema datatypes shown as numbers in the reader's language
NUMERIC = {
    XSD + name
    for name in [
        "integer",
        "decimal",
        "double",
        "float",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
    ]
}


def literal_cell(term: Literal, variable: str, lang: str) -> dict[str, str] | None:
    """A number as people read it in ``lang`` (132 799, a share as a percentage), a
    boolean as yes or no; None for other literals (shown as they are)."""
    datatype = term.datatype.value
    if datatype in NUMERIC:
        try:
            value = float(term.value)
        except ValueError:
            return None
        if math.isfinite(value):
            shown = number(value, lang, percent=is_share(variable))
            return {"text": shown, "href": "", "lang": "", "title": term.value}
    if datatype == XSD + "boolean":
        key = "queries.yes" if term.value in ("true", "1") else "queries.no"
        return {"text": translate(key, lang), "href": "", "lang": ""}
    return None


def without_repeated_labels(
    variables: Sequence[str], cells: list[list[dict[str, str] | None]]
) -> tuple[list[str], list[list[dict[str, str] | None]]]:
    """The table without a text column that only repeats, row by row, the label an IRI
    column already shows (``?label`` beside ``?organisation``)."""

    def text(row: list[dict[str, str] | None], i: int) -> str | None:
        found = row[i]
        return None if found is None else found["text"]

    def labelled(row: list[dict[str, str] | None], i: int) -> bool:
        found = row[i]
        return found is not None and bool(found.get("title")) and bool(found.get("href"))

    shown_iri = [i for i in range(len(variables)) if any(labelled(row, i) for row in cells)]

    def repeats(j: int) -> bool:
        if j in shown_iri or not cells:
            return False
        return any(
            all(row[j] is None or text(row, i) == text(row, j) for row in cells) for i in shown_iri
        )

    kept = [j for j in range(len(variables)) if not repeats(j)]
    return [variables[j] for j in kept], [[row[j] for j in kept] for row in cells]


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
