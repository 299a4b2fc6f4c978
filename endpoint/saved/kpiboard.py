"""The dashboard's figures, computed from the serving store once per build, and their
labels in each language.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request

from kg.saved import kpi, kpihistory, kpisnapshot
from kg.saved.kpi import KpiResult
from kg.saved.kpihistory import Observation
from kg.settings import Settings
from kg.store import GraphStore

#: seconds a computed dashboard is kept for a remote store (an embedded one: until a build)
REMOTE_TTL = 300.0


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
        found = kpihistory.observations(settings, store)
        made = Board(
            results,
            found,
            kpisnapshot.current_build(settings, store),
            time.perf_counter() - start,
            datetime.now(UTC).replace(microsecond=0).isoformat(),
            {},
        )
        app.state.kpi_board = (target, made)
        return made


def labels_of(request: Request, made: Board, lang: str) -> dict[str, str]:
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
    found = kpihistory.label_map(request.app.state.holder.get(), iris, lang, settings.base)
    with _lock:
        made.labels[lang] = found
    return found
