"""The dashboard's figures, computed from the serving store once per build, and their
labels in each language.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import Request

from kg.saved import kpi, kpihistory, kpipast, kpisnapshot
from kg.saved.kpi import KpiResult
from kg.saved.kpicoverage import Coverage, coverage
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
    #: query name -> how much of the data its KPI rests on (``# coverage:``)
    coverage: dict[str, Coverage]
    #: the values of past years computed from the dated facts (kg.saved.kpipast)
    past: list[Observation] = field(default_factory=list)
    #: organisations with a date, of all; year -> organisations known to exist then
    dated: int = 0
    organisations: int = 0
    known_by_year: dict[str, int] = field(default_factory=dict)


def board(request: Request) -> Board:
    """The dashboard of the store being served, computed on first use after each build and
    kept in the store's cache (a remote store's for ``REMOTE_TTL`` seconds)."""
    settings: Settings = request.app.state.settings
    store: GraphStore = request.app.state.holder.get()

    def compute() -> Board:
        start = time.perf_counter()
        results = kpi.compute(settings, store)
        found = kpihistory.observations(settings, store)
        covered = {
            r.query.name: coverage(store, settings.base, r.query.coverage)
            for r in results
            if r.query.coverage
        }
        past = kpihistory.observations(settings, store, past=True)
        facts = kpipast.dated_facts(store, settings.base)
        return Board(
            results,
            found,
            kpisnapshot.current_build(settings, store),
            time.perf_counter() - start,
            datetime.now(UTC).replace(microsecond=0).isoformat(),
            covered,
            past,
            len(facts.dated),
            len(facts.organisations),
            {str(year): n for year, n in facts.by_year().items()},
        )

    return store.cache.get_or_compute("kpi board", compute, max_age=REMOTE_TTL)


def labels_of(request: Request, made: Board, lang: str) -> dict[str, str]:
    """Labels, in the page language, of every IRI the dashboard shows (kept with it)."""
    store: GraphStore = request.app.state.holder.get()
    return store.cache.get_or_compute(
        ("kpi labels", made.computed, lang), lambda: _labels(request, made, lang)
    )


def _labels(request: Request, made: Board, lang: str) -> dict[str, str]:
    settings: Settings = request.app.state.settings
    iris: set[str] = set()
    for result in made.results:
        iris.update(result.measures)
        for row in result.rows:
            iris.update(row.subjects)
            if row.area:
                iris.add(row.area)
            iris.update(v for v in row.extra.values() if v.startswith(("http://", "https://")))
    for obs in [*made.observations, *made.past]:
        iris.add(obs.measure)
        iris.update(obs.subjects)
    return kpihistory.label_map(request.app.state.holder.get(), iris, lang, settings.base)
