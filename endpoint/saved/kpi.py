"""The KPI dashboard: ``/kpi`` (HTML), ``/kpi.json``, and every recorded KPI observation as a
downloadable dataset (``/kpi/observations.csv``, ``/kpi/observations.ttl``).

Current values are computed from the serving store by running every saved query with a
``kpi:`` header (kg.saved.kpi), once per build: the result is kept until ``var/store`` points at
another build. Trends come from the snapshots the build loaded (dataset
``{base}id/dataset/kpi``); the change shown is against the latest snapshot before today.
The values of past years, computed from the dates the sources give (``kg snapshot
--past``, dataset ``{base}id/dataset/kpi-past``), are a second series per KPI, one point a
year, with how many organisations have a date.
Every number links to the saved query that produced it (``/queries/NAME``), and a row's
label to the organisations behind it where there are some (the search page, the
organisation's own page, or for a relation type the organisations it points to most); a row
that counts no organisation links to nothing. A single figure counting the organisations
links to the list of them.
The page works without JavaScript (tables); with it, kpi.js draws the trends with Chart.js."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from endpoint.http.i18n import context, page_language, vary
from endpoint.saved.kpiboard import board
from endpoint.saved.kpidata import chart_data, dashboard, script_json
from kg.saved import kpihistory
from kg.settings import Settings

router = APIRouter()


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
    """One line per recorded KPI value: observation IRI, date (a day for a snapshot, a
    year for the past years computed from the dated facts), KPI, query, measure, subjects
    (space-separated IRIs), area, value, dataset."""
    settings: Settings = request.app.state.settings
    made = board(request)
    text = kpihistory.observations_csv(settings, [*made.observations, *made.past])
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="kpi-observations.csv"'},
    )


@router.get("/kpi/observations.ttl", summary="Every KPI observation (Turtle, Data Cube)")
def observations_ttl(request: Request) -> Response:
    """The KPI dataset as W3C Data Cube observations, with the snapshots that made them."""
    settings: Settings = request.app.state.settings
    body = kpihistory.observations_turtle(settings, request.app.state.holder.get())
    return Response(
        body,
        media_type="text/turtle; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="kpi-observations.ttl"'},
    )
