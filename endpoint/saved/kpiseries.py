"""The series a KPI's charts draw (its trend over the snapshots, its values over the past
years): which rows, and their points as the page and kpi.js show them."""

from __future__ import annotations

from typing import Any

from endpoint.saved.kpiformat import is_share, local_name, number
from kg.saved import kpi
from kg.saved.kpi import KpiResult, KpiRow

#: series a trend chart shows at most (the rows with the largest current values)
MAX_SERIES = 8


def layout(result: KpiResult) -> str:
    if len(result.subject_columns) >= 2:
        return "matrix"
    if not result.subject_columns and result.area_column is None:
        return "figures"
    return "table"


def row_key(result: KpiResult, row: KpiRow, measure: str, base: str) -> tuple[Any, ...]:
    subjects = tuple(sorted(row.subjects or (kpi.all_cci(base),)))
    return (result.query.name, measure, subjects, result.area_of(row))


def pick_series(
    result: KpiResult, rows: list[dict[str, Any]], measure_label: Any
) -> list[tuple[str, KpiRow, str]]:
    """What a chart draws: one series per measure (a KPI without dimension) or per row
    (the rows with the largest current value of the first measure): (label, row, measure)."""
    picked: list[tuple[str, KpiRow, str]] = []
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
    return picked


def series_data(
    series_values: list[tuple[str, str, list[float | None]]], lang: str
) -> dict[str, Any]:
    """The series of a chart, (label, measure, points), with their table and scale."""
    # shares go on a right-hand axis (in %) when counts share the chart
    mixed = len({is_share(measure) for _, measure, _ in series_values}) > 1
    series, table = [], []
    left: list[float] = []
    for name, measure, points in series_values:
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
        "series": series,
        "table": table,
        "scale": "logarithmic" if logarithmic else "linear",
    }
