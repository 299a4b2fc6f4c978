"""The data of the KPI dashboard, for its page and its JSON: each KPI's table, its change
against the latest snapshot before today, and its trend over the snapshots.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from endpoint.http.i18n import translate
from endpoint.saved.kpiboard import Board, board, labels_of
from endpoint.saved.kpiformat import COUNT, href, is_share, local_name, number, organisations_link
from endpoint.saved.kpipastdata import past_data
from endpoint.saved.kpiseries import layout, pick_series, row_key, series_data
from kg.namespaces import ORG_ORGANIZATION
from kg.saved import kpihistory
from kg.saved.kpi import KpiResult, KpiRow
from kg.saved.kpicoverage import Coverage
from kg.settings import Settings

#: informative columns the tables show (others, like ?lang, are left out)
SHOWN_EXTRA = ("period", "document")


@dataclass(frozen=True)
class _Labels:
    """Labels of the IRIs a KPI table shows, in the reader's language."""

    names: dict[str, str]
    base: str
    lang: str

    def of(self, iri: str) -> str:
        return self.names.get(iri) or local_name(iri)

    def subject(self, iri: str) -> dict[str, str]:
        return {"iri": iri, "label": self.of(iri), "href": href(iri, self.base, self.lang)}


def _values(
    result: KpiResult,
    row: KpiRow,
    past_of: Mapping[tuple[Any, ...], dict[str, float]],
    previous_dates: list[str],
    labels: _Labels,
) -> dict[str, Any]:
    """Each value of a row, with the latest snapshot's value before today and the change."""
    lang = labels.lang
    values: dict[str, Any] = {}
    for measure, value in row.values.items():
        past = past_of.get(row_key(result, row, measure, labels.base), {})
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
    return values


def _row(
    result: KpiResult, row: KpiRow, values: dict[str, Any], labels: _Labels, settings: Settings
) -> dict[str, Any]:
    names, base, lang = labels.names, labels.base, labels.lang
    label = (
        " × ".join(labels.of(s) for s in row.subjects)
        if row.subjects
        else (names.get(row.area or "") if row.area else None)
    )
    if result.long and not row.subjects:
        label = labels.of(next(iter(row.values), ""))
    return {
        "subjects": [labels.subject(s) for s in row.subjects],
        "area": labels.subject(row.area) if row.area else None,
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


def _header(result: KpiResult, rows: list[dict[str, Any]], labels: _Labels) -> dict[str, Any]:
    """What a KPI's table says besides its rows: titles, links, columns."""
    query, lang = result.query, labels.lang
    return {
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
            {"iri": m, "name": local_name(m), "label": labels.of(m), "percent": is_share(m)}
            for m in result.measures
        ],
        "rows": rows,
        "extra_columns": [
            {"column": c, "label": translate(f"kpi.column.{c}", lang)}
            for c in SHOWN_EXTRA
            if any(c in row.extra for row in result.rows)
        ],
    }


def _figures(rows: list[dict[str, Any]], labels: _Labels) -> list[dict[str, Any]]:
    everybody = "/search?" + urlencode([("kind", ORG_ORGANIZATION), ("lang", labels.lang)])
    return [
        {
            "label": labels.of(measure),
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


def kpi_data(
    request: Request, made: Board, result: KpiResult, lang: str, today: str
) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    labels = _Labels(labels_of(request, made, lang), settings.base, lang)
    past_of = kpihistory.history(made.observations)
    dates = sorted({obs.day for obs in made.observations})
    previous_dates = [d for d in dates if d < today]
    rows = [
        _row(result, row, _values(result, row, past_of, previous_dates, labels), labels, settings)
        for row in result.rows
    ]
    covered = made.coverage.get(result.query.name)
    if covered is not None and not covered.recorded:
        _not_recorded(rows, lang)
    data = _header(result, rows, labels)
    data["coverage"] = coverage_data(covered, lang)
    if data["layout"] == "figures":
        data["figures"] = _figures(rows, labels)
    # a KPI snapshots do not record (published figures, with their own periods) has no trend
    data["trend"] = (
        trend(result, rows, made, today, lang, labels.of, settings.base)
        if result.query.snapshot and (covered is None or covered.recorded)
        else {"labels": [], "series": [], "table": [], "snapshots": 0, "scale": "linear"}
    )
    # the values of past years, from the dates the sources give (kg.saved.kpipast)
    recorded = covered is None or covered.recorded
    data["past"] = past_data(result, rows, made, lang, labels.of, settings.base, recorded)
    if data["layout"] == "matrix":
        data["matrix"] = matrix(rows, result, covered)
    return data


def _not_recorded(rows: list[dict[str, Any]], lang: str) -> None:
    """The values of a KPI over a field no organisation has: not recorded, not 0."""
    for row in rows:
        row["organisations"] = None
        for value in row["values"].values():
            value.update(
                not_recorded=True,
                text=translate("kpi.not_recorded", lang),
                change=None,
                change_text=None,
            )


def coverage_data(covered: Coverage | None, lang: str) -> dict[str, Any] | None:
    """What a KPI rests on, as figures and as a sentence in ``lang``."""
    if covered is None:
        return None
    field = translate(f"kpi.field.{covered.field}", lang)
    key = "kpi.coverage" if covered.recorded else "kpi.coverage_none"
    text = (
        translate(key, lang)
        .replace("{covered}", number(covered.covered, lang))
        .replace("{total}", number(covered.total, lang))
        .replace("{share}", number(covered.share, lang, percent=True))
        .replace("{field}", field)
    )
    return {
        "field": covered.field,
        "covered": covered.covered,
        "total": covered.total,
        "recorded": covered.recorded,
        "text": text,
    }


def trend(
    result: KpiResult,
    rows: list[dict[str, Any]],
    made: Board,
    today: str,
    lang: str,
    measure_label: Any,
    base: str,
) -> dict[str, Any]:
    """The line chart's data: the picked series over the snapshot dates and today's
    value."""
    past = kpihistory.history(made.observations)
    found = []
    days: set[str] = set()
    for name, row, measure in pick_series(result, rows, measure_label):
        history = past.get(row_key(result, row, measure, base), {})
        days.update(history)
        found.append((name, measure, history, row.values[measure]))
    labels = [*sorted(d for d in days if d != today), today]
    drawn = series_data(
        [(name, m, [h.get(d) for d in labels[:-1]] + [now]) for name, m, h, now in found], lang
    )
    return {"labels": labels, **drawn, "snapshots": len(labels) - 1}


def matrix(
    rows: list[dict[str, Any]], result: KpiResult, covered: Coverage | None = None
) -> dict[str, Any]:
    """A cross table of the first measure: first dimension down, second across. With the
    coverage per row subject (the organisations of a sector whose services are recorded),
    a 0 is a gap only in a row whose subject has some; elsewhere it is not recorded."""
    down: dict[str, dict[str, str]] = {}
    across: dict[str, dict[str, str]] = {}
    cells: dict[str, dict[str, Any]] = {}
    first = result.measures[0] if result.measures else None
    for row in rows:
        a, b = row["subjects"][0], row["subjects"][1]
        down.setdefault(a["iri"], a)
        across.setdefault(b["iri"], b)
        cell = row["values"].get(first) if first else None
        known = covered is None or covered.by_subject.get(a["iri"], 0) > 0
        zero = cell is not None and cell["value"] == 0
        cells[a["iri"] + " " + b["iri"]] = {
            "value": cell,
            "organisations": row["organisations"],
            "gap": zero and known,
            "not_recorded": zero and not known,
        }
    gaps = sum(1 for c in cells.values() if c["gap"])
    recorded_rows = [iri for iri in down if covered is None or covered.by_subject.get(iri, 0) > 0]
    return {
        "rows": list(down.values()),
        "columns": list(across.values()),
        "cells": cells,
        "gaps": gaps,
        "size": len(cells),
        "not_recorded": sum(1 for c in cells.values() if c["not_recorded"]),
        "recorded_rows": len(recorded_rows),
        "unrecorded_rows": len(down) - len(recorded_rows),
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
        # the years computed from the dates the sources give (kg.saved.kpipast)
        "past_years": sorted({obs.day for obs in made.past}),
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
        "year": translate("kpi.past.year", lang),
        "kpis": [
            {"kpi": k["kpi"], "title": k["title"], "trend": k["trend"], "past": k["past"]}
            for k in data["kpis"]
        ],
    }
