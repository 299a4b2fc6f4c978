"""The KPI dashboard: ``/kpi`` (HTML), ``/kpi.json``, and every recorded KPI observation as a
downloadable dataset (``/kpi/observations.csv``, ``/kpi/observations.ttl``).

Current values are computed from the serving store by running every saved query with a
``kpi:`` header (kg.kpi), once per build: the result is kept until ``var/store`` points at
another build. Trends come from the snapshots the build loaded (dataset
``{base}id/dataset/kpi``); the change shown is against the latest snapshot before today.
Every number links to the saved query that produced it (``/queries/NAME``), and a row's
label to the organisations behind it where there are some (the search page, the
organisation's own page, or for a relation type the organisations it points to most); a row
that counts no organisation links to nothing. A single figure counting the organisations
links to the list of them.
The page works without JavaScript (tables); with it, kpi.js draws the trends with Chart.js."""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from endpoint.http.i18n import context, page_language, translate, vary
from kg.namespaces import ORG_ORGANIZATION
from kg.saved import kpi
from kg.saved.kpi import KpiResult, KpiRow, Observation
from kg.settings import Settings
from kg.store import GraphStore

router = APIRouter()

#: series a trend chart shows at most (the rows with the largest current values)
MAX_SERIES = 8
#: seconds a computed dashboard is kept for a remote store (an embedded one: until a build)
REMOTE_TTL = 300.0
#: search facet for each dimension column (the organisations behind a number)
FACETS = {
    "kind": "kind",
    "sector": "sector",
    "service": "service",
    "audience": "audience",
    "municipality": "municipality",
}


#: dimension column -> (saved query, its parameter) listing the organisations behind a row
DRILL_DOWN = {"relationType": ("organisations-by-in-degree", "relationType")}
#: the measure that counts organisations
COUNT = "numberOfOrganisations"
#: informative columns the tables show (others, like ?lang, are left out)
SHOWN_EXTRA = ("period", "document")


@dataclass
class Board:
    """What the dashboard shows, computed once per build."""

    results: list[KpiResult]
    observations: list[Observation]
    build: str
    seconds: float
    computed: str
    labels: dict[str, dict[str, str]]  # language -> IRI -> label


_lock = threading.Lock()


def _target(settings: Settings) -> str:
    if settings.store_backend == "remote":
        return f"remote:{int(time.time() // REMOTE_TTL)}"
    return str(settings.serving_store())


def board(request: Request) -> Board:
    """The dashboard of the store being served (computed on first use after each build)."""
    app = request.app
    settings: Settings = app.state.settings
    target = _target(settings)
    with _lock:
        cached = getattr(app.state, "kpi_board", None)
        if cached is not None and cached[0] == target:
            made: Board = cached[1]
            return made
        store: GraphStore = app.state.holder.get()
        start = time.perf_counter()
        results = kpi.compute(settings, store)
        found = kpi.observations(settings, store)
        made = Board(
            results,
            found,
            kpi.current_build(settings, store),
            time.perf_counter() - start,
            datetime.now(UTC).replace(microsecond=0).isoformat(),
            {},
        )
        app.state.kpi_board = (target, made)
        return made


def labels(request: Request, made: Board, lang: str) -> dict[str, str]:
    """Labels, in the page language, of every IRI the dashboard shows."""
    with _lock:
        if lang in made.labels:
            return made.labels[lang]
    settings: Settings = request.app.state.settings
    iris: set[str] = set()
    for result in made.results:
        iris.update(result.measures)
        for row in result.rows:
            iris.update(row.subjects)
            if row.area:
                iris.add(row.area)
            iris.update(v for v in row.extra.values() if v.startswith(("http://", "https://")))
    for obs in made.observations:
        iris.add(obs.measure)
        iris.update(obs.subjects)
    found = kpi.label_map(request.app.state.holder.get(), iris, lang, settings.base)
    with _lock:
        made.labels[lang] = found
    return found


# --- formatting -----------------------------------------------------------------------------


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rstrip("/").rsplit("/", 1)[-1]


def is_share(measure: str) -> bool:
    name = local_name(measure)
    return name.startswith("share") or name.endswith("Share")


_SEPARATORS = {"fr": ("\u202f", ","), "nl": (".", ","), "en": (",", ".")}


def number(value: float, lang: str, *, percent: bool = False, signed: bool = False) -> str:
    """A value for people: grouped thousands, a few decimals, shares as percentages (a
    change of a share in percentage points)."""
    thousands, point = _SEPARATORS.get(lang, _SEPARATORS["en"])
    shown = value * 100 if percent else value
    if float(shown).is_integer() and abs(shown) < 1e15:
        text = f"{int(shown):,}"
    elif percent or abs(shown) >= 100:
        text = f"{shown:,.1f}"
    elif abs(shown) >= 0.01:
        text = f"{shown:,.3f}".rstrip("0").rstrip(".")
    else:  # three significant digits, never an exponent
        digits = 2 - math.floor(math.log10(abs(shown)))
        text = f"{shown:.{digits}f}"
    text = text.replace(",", "\0").replace(".", point).replace("\0", thousands)
    if signed and value > 0:
        text = "+" + text
    text = text.replace("-", "\u2212")
    if percent:
        text += "\u202fpt" if signed else "\u202f%"
    return text


def href(iri: str, base: str, lang: str) -> str:
    """The page of an entity on this server, or the IRI itself outside the base."""
    if iri.startswith(base):
        return "/" + iri[len(base) :] + "?" + urlencode({"lang": lang})
    return iri


def counts_nobody(row: KpiRow, base: str) -> bool:
    """The row counts no organisation: its count of organisations is 0 or, without one,
    every value is 0 (a search for it would list everybody, or nobody)."""
    count = row.values.get(base + "ontology#" + COUNT)
    if count is not None:
        return count == 0
    return all(v == 0 for v in row.values.values())


def organisations_link(result: KpiResult, row: KpiRow, settings: Settings, lang: str) -> str | None:
    """Where the organisations behind a row are listed, when that makes sense."""
    base = settings.base
    if result.subject_columns == ["organisation"]:
        return href(row.subjects[0], base, lang)
    if counts_nobody(row, base):
        return None
    if len(result.subject_columns) == 1 and result.subject_columns[0] in DRILL_DOWN:
        name, param = DRILL_DOWN[result.subject_columns[0]]
        if not (settings.root / "queries" / f"{name}.rq").is_file():
            return None
        return f"/queries/{name}?" + urlencode([(param, row.subjects[0]), ("lang", lang)])
    params: list[tuple[str, str]] = []
    for column, iri in zip(result.subject_columns, row.subjects, strict=True):
        if column not in FACETS:
            return None
        params.append((FACETS[column], iri))
    if result.area_column == "municipality" and row.area:
        params.append(("municipality", row.area))
    if not params:
        return None
    # only organisations (projects have sectors too), as the KPI queries count
    return "/search?" + urlencode([("kind", ORG_ORGANIZATION), *params, ("lang", lang)])


# --- the dashboard's data -------------------------------------------------------------------


def layout(result: KpiResult) -> str:
    if len(result.subject_columns) >= 2:
        return "matrix"
    if not result.subject_columns and result.area_column is None:
        return "figures"
    return "table"


def _row_key(result: KpiResult, row: KpiRow, measure: str, base: str) -> tuple[Any, ...]:
    subjects = tuple(sorted(row.subjects or (kpi.all_cci(base),)))
    return (result.query.name, measure, subjects, row.area or kpi.NUTS_BE100)


def kpi_data(
    request: Request, made: Board, result: KpiResult, lang: str, today: str
) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    base = settings.base
    names = labels(request, made, lang)
    query = result.query
    trend_source = kpi.history(made.observations)
    dates = sorted({d for obs in made.observations for d in [obs.day]})
    previous_dates = [d for d in dates if d < today]

    def measure_label(iri: str) -> str:
        return names.get(iri) or local_name(iri)

    def subject(iri: str) -> dict[str, str]:
        return {
            "iri": iri,
            "label": names.get(iri) or local_name(iri),
            "href": href(iri, base, lang),
        }

    rows: list[dict[str, Any]] = []
    for row in result.rows:
        values: dict[str, Any] = {}
        for measure, value in row.values.items():
            past = trend_source.get(_row_key(result, row, measure, base), {})
            before = [d for d in previous_dates if d in past]
            previous = past[before[-1]] if before else None
            share = is_share(measure)
            values[measure] = {
                "value": value,
                "text": number(value, lang, percent=share),
                "previous": previous,
                "previous_date": before[-1] if before else None,
                "change": None if previous is None else value - previous,
                "change_text": None
                if previous is None
                else number(value - previous, lang, percent=share, signed=True),
            }
        label = (
            " × ".join(names.get(s) or local_name(s) for s in row.subjects)
            if row.subjects
            else (names.get(row.area or "") if row.area else None)
        )
        if result.long and not row.subjects:
            label = measure_label(next(iter(row.values), ""))
        rows.append(
            {
                "subjects": [subject(s) for s in row.subjects],
                "area": subject(row.area) if row.area else None,
                "label": label or row.label or "",
                "organisations": organisations_link(result, row, settings, lang),
                "values": values,
                "extra": {
                    column: {"text": names.get(text) or text, "href": href(text, base, lang)}
                    if text.startswith(("http://", "https://"))
                    else {"text": text, "href": None}
                    for column, text in row.extra.items()
                },
                "is_lower_bound": row.is_lower_bound,
            }
        )
    data: dict[str, Any] = {
        "kpi": result.kpi,
        "query": query.name,
        "title": query.title(lang),
        "description": query.description(lang),
        "chart": query.chart,
        "layout": layout(result),
        "long": result.long,
        "links": {
            "query": f"/queries/{query.name}?{urlencode({'lang': lang})}",
            "api": f"/api/queries/{query.name}",
        },
        "error": result.error,
        "seconds": round(result.seconds, 3),
        "dimensions": [
            {"column": c, "label": translate(f"kpi.dimension.{c}", lang)}
            for c in result.subject_columns + ([result.area_column] if result.area_column else [])
        ],
        "measures": [
            {"iri": m, "name": local_name(m), "label": measure_label(m), "percent": is_share(m)}
            for m in result.measures
        ],
        "rows": rows,
        "extra_columns": [
            {"column": c, "label": translate(f"kpi.column.{c}", lang)}
            for c in SHOWN_EXTRA
            if any(c in row.extra for row in result.rows)
        ],
    }
    if data["layout"] == "figures":
        everybody = "/search?" + urlencode([("kind", ORG_ORGANIZATION), ("lang", lang)])
        data["figures"] = [
            {
                "label": measure_label(measure),
                "measure": local_name(measure),
                "value": value,
                # the organisations a count of them counts: all of them
                "organisations": everybody
                if local_name(measure) == COUNT and value["value"] > 0
                else None,
            }
            for row in rows
            for measure, value in row["values"].items()
        ]
    # a KPI snapshots do not record (published figures, with their own periods) has no trend
    data["trend"] = (
        trend(result, rows, made, today, lang, measure_label, base)
        if query.snapshot
        else {"labels": [], "series": [], "table": [], "snapshots": 0, "scale": "linear"}
    )
    if data["layout"] == "matrix":
        data["matrix"] = matrix(rows, result)
    return data


def trend(
    result: KpiResult,
    rows: list[dict[str, Any]],
    made: Board,
    today: str,
    lang: str,
    measure_label: Any,
    base: str,
) -> dict[str, Any]:
    """The line chart's data: one series per measure (a KPI without dimension) or per row
    (the rows with the largest current value of the first measure), over the snapshot
    dates and today's value."""
    past = kpi.history(made.observations)
    picked: list[tuple[str, KpiRow, str]] = []  # (series label, row, measure)
    if layout(result) == "figures":
        for row in result.rows:
            for measure in row.values:
                picked.append((measure_label(measure), row, measure))
    elif result.measures:
        first = result.measures[0]
        ranked = sorted(
            range(len(result.rows)),
            key=lambda i: (-result.rows[i].values.get(first, 0.0), i),
        )
        for i in ranked[:MAX_SERIES]:
            row = result.rows[i]
            if not row.values:
                continue
            measure = first if first in row.values else next(iter(row.values))
            name = rows[i]["label"]
            if result.long:
                name = f"{measure_label(measure)} — {name}"
            picked.append((name, row, measure))
    series_values = []
    days: set[str] = set()
    for name, row, measure in picked:
        history = past.get(_row_key(result, row, measure, base), {})
        days.update(history)
        series_values.append((name, measure, history, row.values[measure]))
    labels = [*sorted(d for d in days if d != today), today]
    # shares go on a right-hand axis (in %) when counts share the chart
    mixed = len({is_share(measure) for _, measure, _, _ in series_values}) > 1
    series, table = [], []
    left: list[float] = []
    for name, measure, history, now in series_values:
        points = [history.get(d) for d in labels[:-1]] + [now]
        share = is_share(measure)
        if not (mixed and share):
            left += [v for v in points if v is not None]
        series.append(
            {
                "label": name,
                "measure": local_name(measure),
                "percent": share,
                "data": points,
                "axis": "y1" if mixed and share else "y",
            }
        )
        table.append(
            {
                "label": name,
                "cells": ["" if v is None else number(v, lang, percent=share) for v in points],
            }
        )
    # values over more than three orders of magnitude: a logarithmic left axis
    positive = [v for v in left if v > 0]
    logarithmic = len(positive) == len(left) > 0 and max(positive) / min(positive) > 1000
    return {
        "labels": labels,
        "series": series,
        "table": table,
        "snapshots": len(labels) - 1,
        "scale": "logarithmic" if logarithmic else "linear",
    }


def matrix(rows: list[dict[str, Any]], result: KpiResult) -> dict[str, Any]:
    """A cross table of the first measure: first dimension down, second across."""
    down: dict[str, dict[str, str]] = {}
    across: dict[str, dict[str, str]] = {}
    cells: dict[str, dict[str, Any]] = {}
    first = result.measures[0] if result.measures else None
    for row in rows:
        a, b = row["subjects"][0], row["subjects"][1]
        down.setdefault(a["iri"], a)
        across.setdefault(b["iri"], b)
        cell = row["values"].get(first) if first else None
        cells[a["iri"] + " " + b["iri"]] = {
            "value": cell,
            "organisations": row["organisations"],
            "gap": cell is not None and cell["value"] == 0,
        }
    gaps = sum(1 for c in cells.values() if c["gap"])
    return {
        "rows": list(down.values()),
        "columns": list(across.values()),
        "cells": cells,
        "gaps": gaps,
        "size": len(cells),
    }


def dashboard(request: Request, lang: str) -> dict[str, Any]:
    made = board(request)
    today = datetime.now(UTC).date().isoformat()
    kpis = [kpi_data(request, made, r, lang, today) for r in made.results]
    dates = sorted({obs.day for obs in made.observations})
    return {
        "lang": lang,
        "build": made.build,
        "computed": made.computed,
        "seconds": round(made.seconds, 3),
        "today": today,
        "snapshots": dates,
        "observations": len(made.observations),
        "kpis": kpis,
    }


def script_json(value: Any) -> str:
    """JSON safe inside <script type="application/json">: no `<`, `>`, `&` left as such."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def chart_data(data: dict[str, Any]) -> dict[str, Any]:
    """What kpi.js needs: each KPI's trend, and a few strings."""
    lang = data["lang"]
    return {
        "lang": lang,
        "today": translate("kpi.today", lang),
        "kpis": [{"kpi": k["kpi"], "title": k["title"], "trend": k["trend"]} for k in data["kpis"]],
    }


# --- routes ---------------------------------------------------------------------------------


@router.get("/kpi", response_class=HTMLResponse, summary="The KPI dashboard")
def kpi_page(request: Request) -> Response:
    """Every KPI's current value, its trend across snapshots and the change since the
    previous one; each number links to the query that produced it."""
    lang = page_language(request)
    data = dashboard(request, lang)
    return request.app.state.templates.TemplateResponse(
        request,
        "kpi.html",
        context(request, board=data, charts=script_json(chart_data(data))),
        headers={
            "Link": '</kpi.json>; rel="alternate"; type="application/json", '
            '</kpi/observations.csv>; rel="alternate"; type="text/csv", '
            '</kpi/observations.ttl>; rel="alternate"; type="text/turtle"',
            "Vary": vary(),
        },
    )


@router.get("/kpi.json", summary="The KPI dashboard as JSON")
def kpi_json(request: Request) -> JSONResponse:
    """The dashboard's data: for each KPI its query, rows, values (with the previous
    snapshot's value and the change) and trend, labels in ``lang``."""
    return JSONResponse(dashboard(request, page_language(request)), headers={"Vary": vary()})


@router.get("/kpi/observations.csv", summary="Every KPI observation (CSV)")
def observations_csv(request: Request) -> Response:
    """One line per recorded KPI value: observation IRI, date, KPI, query, measure,
    subjects (space-separated IRIs), area, value."""
    settings: Settings = request.app.state.settings
    text = kpi.observations_csv(settings, board(request).observations)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="kpi-observations.csv"'},
    )


@router.get("/kpi/observations.ttl", summary="Every KPI observation (Turtle, Data Cube)")
def observations_ttl(request: Request) -> Response:
    """The KPI dataset as W3C Data Cube observations, with the snapshots that made them."""
    settings: Settings = request.app.state.settings
    body = kpi.observations_turtle(settings, request.app.state.holder.get())
    return Response(
        body,
        media_type="text/turtle; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="kpi-observations.ttl"'},
    )
