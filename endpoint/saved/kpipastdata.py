"""A KPI over the past years, as the dashboard shows it: the values computed from the
dates the sources give (kg.saved.kpipast), one point a year, and how much of the data they
rest on. A year no dated fact covers has no point (a gap, not a zero).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from endpoint.http.i18n import translate
from endpoint.saved.kpiboard import Board
from endpoint.saved.kpiformat import number
from endpoint.saved.kpiseries import pick_series, row_key, series_data
from kg.saved import kpihistory
from kg.saved.kpi import KpiResult


def _empty() -> dict[str, Any]:
    return {"labels": [], "label_texts": [], "series": [], "table": [], "known": []}


def year_label(year: str, lang: str, this_year: int) -> str:
    """A year as the page names it: the current one is "so far"."""
    if year == str(this_year):
        return translate("kpi.past.so_far", lang).replace("{year}", year)
    return year


def coverage_text(made: Board, lang: str) -> str:
    share = made.dated / made.organisations if made.organisations else 0.0
    return (
        translate("kpi.past.coverage", lang)
        .replace("{dated}", number(made.dated, lang))
        .replace("{total}", number(made.organisations, lang))
        .replace("{share}", number(share, lang, percent=True))
    )


def past_data(
    result: KpiResult,
    rows: list[dict[str, Any]],
    made: Board,
    lang: str,
    measure_label: Callable[[str], str],
    base: str,
    recorded: bool = True,
) -> dict[str, Any]:
    """The KPI's series over the years (empty with fewer than two years, or when the
    field it counts is not ``recorded`` at all), the years' labels in ``lang``, and per
    year how many organisations dated facts place in it."""
    out = _empty()
    out["coverage"] = {
        "dated": made.dated,
        "total": made.organisations,
        "text": coverage_text(made, lang),
    }
    query = result.query
    if not (query.snapshot and query.past and recorded) or result.error:
        return out
    history = kpihistory.history(made.past)
    found = []
    years: set[int] = set()
    for name, row, measure in pick_series(result, rows, measure_label):
        points = history.get(row_key(result, row, measure, base), {})
        years.update(int(y) for y in points if y.isdigit())
        found.append((name, measure, points))
    if len(years) < 2:
        return out
    labels = [str(y) for y in range(min(years), max(years) + 1)]
    this_year = datetime.now(UTC).year
    drawn = series_data([(name, m, [p.get(y) for y in labels]) for name, m, p in found], lang)
    out.update(
        labels=labels,
        label_texts=[year_label(y, lang, this_year) for y in labels],
        known=[made.known_by_year.get(y) for y in labels],
        known_texts=[
            "" if made.known_by_year.get(y) is None else number(made.known_by_year[y], lang)
            for y in labels
        ],
        **drawn,
    )
    return out
