"""Key performance indicators: every saved query with a ``kpi:`` header line
(queries/kpi-*.rq), computed on a store. ``kg.saved.kpisnapshot`` records their values at a
date (``kg snapshot``), ``kg.saved.kpicube`` writes them as W3C Data Cube observations,
``kg.saved.kpihistory`` reads them back.

How a KPI query's columns are read (the query decides its shape by naming its variables):

* dimension columns, IRIs: ``?subject``, ``?sector``, ``?service``, ``?audience``, ``?kind``,
  ``?organisation``, ``?relationType`` -> ``cci:subject`` (several when the KPI crosses two
  dimensions); ``?area`` or ``?municipality`` -> ``cci:refArea``;
* "wide" queries: every other numeric column is a value, its variable named after the local
  name of its ``cci:Measure`` (``?shannonIndex`` -> ``cci:shannonIndex``, ontology/measures.ttl);
* "long" queries project ``?measure`` (the measure's IRI) and ``?value`` instead;
* ``?label`` and ``?…Label`` hold the row's label in the query's language; other columns
  (``?period``, ``?document``, ``?lang``…) are shown but not recorded, except ``?isLowerBound``.

A KPI without a dimension column describes all the organisations of the graph: its
observations have ``cci:subject sector:all-cci``; without an area column the area is the
Brussels-Capital Region (NUTS ``BE100``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions

from kg.build.processes import map_on_store, worker_count
from kg.deployment import region_area
from kg.errors import KgError, KpiError
from kg.namespaces import XSD, all_prefixes
from kg.saved import queries as saved
from kg.saved.queries import SavedQuery
from kg.settings import Settings
from kg.store import GraphStore

log = logging.getLogger("kg.saved.kpi")
SUBJECT_COLUMNS = (
    "subject",
    "sector",
    "service",
    "audience",
    "kind",
    "organisation",
    "relationType",
)
AREA_COLUMNS = ("area", "municipality")
MEASURE_COLUMN, VALUE_COLUMN = "measure", "value"
LOWER_BOUND_COLUMN = "isLowerBound"
NUMERIC = {
    XSD + t
    for t in (
        "integer", "decimal", "double", "float", "int", "long", "short", "byte",
        "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
        "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    )
}  # fmt: skip
#: the order of the dashboard; KPIs not listed follow by name
ORDER = (
    "organisations-by-kind",
    "organisations-by-sector",
    "organisations-by-municipality",
    "sector-diversity",
    "municipality-diversity",
    "sector-service-matrix",
    "audience-coverage",
    "network-structure",
    "degree-by-relation-type",
    "most-connected-organisations",
    "network-brokers",
    "cross-sector-links",
    "data-quality",
    "published-sector-figures",
)


def dataset_iri(base: str) -> str:
    return f"{base}id/dataset/kpi"


def past_dataset_iri(base: str) -> str:
    """The KPIs of past years, computed from the dated facts (kg.saved.kpipast)."""
    return f"{base}id/dataset/kpi-past"


def past_activity_iri(base: str) -> str:
    return f"{base}id/snapshot/past"


def structure_iri(base: str) -> str:
    """The dataset's qb:DataStructureDefinition (ontology/measures.ttl)."""
    return f"{base}ontology#kpiStructure"


def query_text_iri(base: str, name: str, digest: str) -> str:
    """One version of a saved query's text: the .rq file whose bytes have that SHA-256."""
    return f"{base}id/query-text/{name}/{digest}"


def query_iri(base: str, name: str) -> str:
    """The saved query's IRI: its page, ``/queries/NAME``."""
    return f"{base}queries/{name}"


def snapshot_iri(base: str, day: date) -> str:
    return f"{base}id/snapshot/{day.isoformat()}"


def all_cci(base: str) -> str:
    return f"{base}id/concept/sector/all-cci"


def snapshots_dir(settings: Settings) -> Path:
    return settings.root / "data" / "snapshots"


# --- computing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiValue:
    """One number of one KPI: a measure of some subjects in an area."""

    kpi: str
    query: str  # saved query name
    measure: str  # IRI of a cci:Measure
    subjects: tuple[str, ...]  # IRIs; (sector:all-cci,) for a KPI without a dimension
    area: str  # IRI
    value: float
    label: str | None = None
    is_lower_bound: bool | None = None

    @property
    def key(self) -> tuple[str, str, tuple[str, ...], str]:
        """What identifies the same number across snapshots."""
        return (self.query, self.measure, self.subjects, self.area)


@dataclass
class KpiRow:
    subjects: tuple[str, ...]  # dimension IRIs, in column order (empty without dimension)
    area: str | None
    label: str | None
    values: dict[str, float]  # measure IRI -> value
    extra: dict[str, str]  # other columns, lexical values
    is_lower_bound: bool | None = None


@dataclass
class KpiResult:
    """A KPI query's answer, read by the conventions above."""

    query: SavedQuery
    columns: list[str] = field(default_factory=list)
    subject_columns: list[str] = field(default_factory=list)
    area_column: str | None = None
    long: bool = False
    measures: list[str] = field(default_factory=list)  # measure IRIs, first seen first
    #: the deployment's region (kg.deployment): the area of a row that names none
    region: str = ""
    rows: list[KpiRow] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    @property
    def kpi(self) -> str:
        return self.query.kpi or self.query.name

    def area_of(self, row: KpiRow) -> str:
        return row.area or self.region

    def values(self, base: str) -> list[KpiValue]:
        out = []
        for row in self.rows:
            subjects = row.subjects or (all_cci(base),)
            for measure, value in row.values.items():
                out.append(
                    KpiValue(
                        self.kpi,
                        self.query.name,
                        measure,
                        subjects,
                        self.area_of(row),
                        value,
                        row.label,
                        row.is_lower_bound,
                    )
                )
        return out


def kpi_queries(settings: Settings) -> list[SavedQuery]:
    """The saved queries that measure a KPI, in the dashboard's order."""
    queries, _problems = saved.load_valid(settings)
    found = [q for q in queries if q.kpi]
    rank = {kpi: i for i, kpi in enumerate(ORDER)}
    return sorted(found, key=lambda q: (rank.get(q.kpi or "", len(ORDER)), q.kpi or ""))


def number_of(term: object) -> float | None:
    """The value of a numeric literal (not NaN or infinite: no xsd:decimal holds those)."""
    if isinstance(term, Literal) and term.datatype.value in NUMERIC:
        try:
            value = float(term.value)
        except ValueError:
            return None
        return value if math.isfinite(value) else None
    return None


def _lexical(term: object) -> str:
    if isinstance(term, NamedNode | Literal):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return str(term)


def read_result(settings: Settings, query: SavedQuery, rows: QuerySolutions) -> KpiResult:
    cci = settings.base + "ontology#"
    columns = [v.value for v in rows.variables]
    result = KpiResult(query, columns, region=region_area(settings.root))
    result.subject_columns = [c for c in SUBJECT_COLUMNS if c in columns]
    result.area_column = next((c for c in AREA_COLUMNS if c in columns), None)
    result.long = MEASURE_COLUMN in columns and VALUE_COLUMN in columns
    labels = [c for c in columns if c == "label" or c.endswith("Label")]
    skip = {*result.subject_columns, *labels, result.area_column, LOWER_BOUND_COLUMN}
    if result.long:
        skip |= {MEASURE_COLUMN, VALUE_COLUMN}
    measures: dict[str, None] = {}
    for solution in rows:
        values: dict[str, float] = {}
        extra: dict[str, str] = {}
        if result.long:
            measure, number = solution[MEASURE_COLUMN], number_of(solution[VALUE_COLUMN])
            if isinstance(measure, NamedNode) and number is not None:
                values[measure.value] = number
        for column in columns:
            term = solution[column]
            if column in skip or term is None:
                continue
            number = None if result.long else number_of(term)
            if number is not None:
                values[cci + column] = number
            else:
                extra[column] = _lexical(term)
        subjects = tuple(
            term.value for c in result.subject_columns if isinstance(term := solution[c], NamedNode)
        )
        if len(subjects) != len(result.subject_columns):
            continue  # a row without its dimension cannot be recorded
        area = solution[result.area_column] if result.area_column else None
        label_parts = [_lexical(solution[c]) for c in labels if solution[c] is not None]
        lower = solution[LOWER_BOUND_COLUMN] if LOWER_BOUND_COLUMN in columns else None
        for measure in values:
            measures.setdefault(measure)
        result.rows.append(
            KpiRow(
                subjects,
                area.value if isinstance(area, NamedNode) else None,
                " × ".join(label_parts) or None,
                values,
                extra,
                None if lower is None else _lexical(lower) in ("true", "1"),
            )
        )
    result.measures = list(measures)
    return result


def run_kpi(settings: Settings, store: GraphStore, query: SavedQuery) -> KpiResult:
    """One KPI query, its parameters at their defaults. A query that fails gives a result
    with ``error`` set (one broken KPI must not take the dashboard down)."""
    start = time.perf_counter()
    try:
        substitutions = saved.bind_query(settings, store, query, {})
        rows = store.query(query.text, substitutions, prefixes=all_prefixes(settings.base))
        if not isinstance(rows, QuerySolutions):
            raise KpiError(f"{query.file}: a KPI query must be a SELECT query")
        result = read_result(settings, query, rows)
    except KgError as err:
        result = KpiResult(query, error=str(err))
    result.seconds = time.perf_counter() - start
    return result


def recorded_queries(settings: Settings) -> list[SavedQuery]:
    """The KPI queries a snapshot records (not those with ``# snapshot: no``)."""
    return [q for q in kpi_queries(settings) if q.snapshot]


def compute(
    settings: Settings, store: GraphStore, queries: Sequence[SavedQuery] | None = None
) -> list[KpiResult]:
    """Every KPI query's result (or those of ``queries``), in their order. On an on-disk
    embedded store they run ``settings.kpi_workers`` at a time in worker processes (one per
    core by default, kg.processes): 7 s instead of 13.5 s at M on two cores. The longest
    texts are handed out first (the query with a dozen subqueries takes a third of the
    time): a guess at the cost that needs no earlier run."""
    chosen = kpi_queries(settings) if queries is None else list(queries)
    workers = worker_count(settings.kpi_workers, len(chosen))
    location = store.location()
    if workers == 1 or location is None:
        return [run_kpi(settings, store, q) for q in chosen]
    store.flush()  # what this process wrote, seen by the workers' read-only openings
    longest_first = sorted(range(len(chosen)), key=lambda i: -len(chosen[i].text))
    try:
        done = map_on_store(
            partial(run_kpi, settings), location, [chosen[i] for i in longest_first], workers
        )
    except BrokenProcessPool:
        # a worker could not start or was killed (out of memory): the same, in this process
        log.warning("KPI worker processes failed; computing the KPIs in this process")
        return [run_kpi(settings, store, q) for q in chosen]
    results: list[KpiResult | None] = [None] * len(chosen)
    for i, result in zip(longest_first, done, strict=True):
        results[i] = result
    return [r for r in results if r is not None]


def compute_all(
    settings: Settings, store: GraphStore, queries: Sequence[SavedQuery] | None = None
) -> list[KpiValue]:
    """The value of every KPI a snapshot records (or of ``queries``) on ``store``. A
    failing KPI query raises KpiError."""
    out: list[KpiValue] = []
    chosen = recorded_queries(settings) if queries is None else queries
    for result in compute(settings, store, chosen):
        if result.error:
            raise KpiError(f"KPI {result.kpi}: {result.error}")
        out.extend(result.values(settings.base))
    return out
