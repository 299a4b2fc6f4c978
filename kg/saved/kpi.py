"""Key performance indicators: every saved query with a ``kpi:`` header line
(queries/kpi-*.rq), computed on a store, and ``kg snapshot``, which appends their values at
a date to ``data/snapshots/DATE.ttl`` as W3C Data Cube observations.

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

A snapshot records the KPIs whose header does not say ``# snapshot: no`` (a KPI that shows
observations with their own period, like the published sector figures, is not copied into
each snapshot with the snapshot's date). Its observations form the W3C Data Cube dataset
``{base}id/dataset/kpi``, whose structure is ``cci:kpiStructure`` (ontology/measures.ttl):
each carries the dimensions ``cci:indicator`` (the saved query's IRI, ``{base}queries/NAME``:
two KPIs may measure the same thing), ``cci:refPeriod`` (the snapshot date),
``cci:refArea``, ``cci:subject`` and ``qb:measureType``; the value under its measure
(``cci:shannonIndex 1.08``, IC-15) and under ``cci:obsValue``; ``dct:source`` the saved
query; ``prov:wasGeneratedBy`` the snapshot (``{base}id/snapshot/DATE``, a ``prov:Activity``
that used the build ``{base}id/build/BUILD`` and the text of each query) and
``prov:wasDerivedFrom`` the text of its query: ``{base}id/query-text/NAME/SHA256``, a
``prov:Entity`` with ``cci:sha256`` (of the .rq file's bytes), ``prov:value`` (the text) and
``prov:specializationOf`` the saved query. The file cites the activity with ``<> dct:source``,
so it passes the build's provenance check, and is never overwritten unless asked
(``--replace``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, RdfFormat, Triple, serialize

from kg.build.processes import map_on_store, worker_count
from kg.errors import KgError
from kg.labels import pick
from kg.namespaces import REUSED_PREFIXES, all_prefixes
from kg.saved import queries as saved
from kg.saved.network import decimal
from kg.saved.queries import SavedQuery
from kg.settings import Settings
from kg.store import GraphStore

log = logging.getLogger("kg.saved.kpi")
NUTS_BE100 = "http://data.europa.eu/nuts/code/BE100"
XSD = REUSED_PREFIXES["xsd"]
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


class SnapshotExists(KgError):
    """A snapshot for that date exists already (``--replace`` overwrites it)."""


class KpiError(KgError):
    """A KPI query cannot be recorded (e.g. a value column names no declared measure)."""


def dataset_iri(base: str) -> str:
    return f"{base}id/dataset/kpi"


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
    rows: list[KpiRow] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    @property
    def kpi(self) -> str:
        return self.query.kpi or self.query.name

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
                        row.area or NUTS_BE100,
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


def _number(term: object) -> float | None:
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
    result = KpiResult(query, columns)
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
            measure, number = solution[MEASURE_COLUMN], _number(solution[VALUE_COLUMN])
            if isinstance(measure, NamedNode) and number is not None:
                values[measure.value] = number
        for column in columns:
            term = solution[column]
            if column in skip or term is None:
                continue
            number = None if result.long else _number(term)
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


# --- snapshots ------------------------------------------------------------------------------


def parse_date(text: str | None) -> date:
    """``YYYY-MM-DD``, or today (UTC) when not given."""
    if not text:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise KgError(f"{text!r} is not a date: give it as YYYY-MM-DD") from None


def current_build(settings: Settings, store: GraphStore) -> str:
    """The id of the build the store comes from (``var/stores/<id>/store``), or "unknown"."""
    path = store.location()
    if path is None and settings.store_path.exists():
        path = settings.store_path.resolve()
    if path is not None and path.name == "store" and (path.parent / "manifest.json").exists():
        return path.parent.name
    if settings.store_path.is_symlink():
        return Path(os.readlink(settings.store_path)).parent.name
    return "unknown"


def declared_measures(store: GraphStore, base: str) -> set[str]:
    rows = store.query("SELECT DISTINCT ?m WHERE { ?m a cci:Measure }", prefixes=all_prefixes(base))
    assert isinstance(rows, QuerySolutions)
    return {row["m"].value for row in rows}


#: (pyoxigraph binds only the variables a query projects: ?dsd is projected)
STRUCTURE_MEASURES = "SELECT DISTINCT ?dsd ?m WHERE { ?dsd qb:component/qb:measure ?m }"


def structure_measures(store: GraphStore, base: str) -> set[str]:
    """The measures ``cci:kpiStructure`` declares."""
    rows = store.query(
        STRUCTURE_MEASURES, {"dsd": NamedNode(structure_iri(base))}, prefixes=all_prefixes(base)
    )
    assert isinstance(rows, QuerySolutions)
    return {row["m"].value for row in rows}


def query_files(settings: Settings, names: Iterable[str]) -> dict[str, bytes]:
    """name -> the bytes of queries/NAME.rq, as a snapshot fingerprints them."""
    folder = saved.queries_dir(settings)
    return {name: (folder / f"{name}.rq").read_bytes() for name in sorted(set(names))}


_SAFE_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")


class _Turtle:
    """A small Turtle writer: prefixed names where they are safe, ``<>`` for the graph."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        # longest namespace first, so that obs: wins over a shorter enclosing one
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.lines: list[str] = []

    def term(self, term: NamedNode | Literal) -> str:
        if isinstance(term, Literal):
            return str(term)
        for name, namespace in self.prefixes:
            if term.value.startswith(namespace):
                local = term.value[len(namespace) :]
                if _SAFE_LOCAL.fullmatch(local):
                    return f"{name}:{local}"
        return f"<{term.value}>"

    def block(self, subject: str, pairs: Sequence[tuple[str, Sequence[NamedNode | Literal]]]):
        parts = [
            f"{predicate} {' , '.join(self.term(o) for o in objects)}"
            for predicate, objects in pairs
            if objects
        ]
        self.lines.append(subject + " " + " ;\n    ".join(parts) + " .\n")


def _observation_id(value: KpiValue, day: date) -> str:
    digest = hashlib.sha1(
        "|".join([value.measure, " ".join(value.subjects), value.area]).encode()
    ).hexdigest()[:12]
    return f"kpi-{day.isoformat()}-{value.kpi}-{digest}"


def snapshot_text(
    settings: Settings,
    values: Sequence[KpiValue],
    day: date,
    build_id: str,
    files: Mapping[str, bytes],
) -> str:
    """The snapshot file: ``values`` at ``day``, computed from build ``build_id`` by the
    saved queries whose .rq files are ``files`` (name -> bytes)."""
    base = settings.base
    prefixes = {k: v for k, v in all_prefixes(base).items() if k != "sh"}
    t = _Turtle(prefixes)
    iri, lit = NamedNode, Literal
    prov = REUSED_PREFIXES["prov"]
    activity = iri(snapshot_iri(base, day))
    build = iri(f"{base}id/build/{build_id}")
    dataset = iri(dataset_iri(base))
    xsd_date = iri(XSD + "date")
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    stamp = day.isoformat()
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    texts = {name: iri(query_text_iri(base, name, d)) for name, d in digests.items()}
    t.block(
        "<>",
        [
            ("dct:source", [activity]),
            (
                "dct:title",
                [
                    lit(f"Instantané des indicateurs du {stamp}", language="fr"),
                    lit(f"Momentopname van de indicatoren van {stamp}", language="nl"),
                    lit(f"KPI snapshot of {stamp}", language="en"),
                ],
            ),
        ],
    )
    t.block(
        t.term(activity),
        [
            ("a", [iri(prov + "Activity")]),
            (
                "rdfs:label",
                [
                    lit(f"instantané des indicateurs du {stamp}", language="fr"),
                    lit(f"momentopname van de indicatoren van {stamp}", language="nl"),
                    lit(f"KPI snapshot of {stamp}", language="en"),
                ],
            ),
            ("prov:endedAtTime", [lit(now, datatype=iri(XSD + "dateTime"))]),
            ("prov:used", [build, *texts.values()]),
        ],
    )
    t.block(
        t.term(build),
        [
            ("a", [iri(prov + "Entity")]),
            ("rdfs:label", [lit(f"build {build_id}", language="en")]),
        ],
    )
    for name, text_iri in texts.items():
        t.block(
            t.term(text_iri),
            [
                ("a", [iri(prov + "Entity")]),
                ("rdfs:label", [lit(f"queries/{name}.rq, sha256 {digests[name]}", language="en")]),
                ("prov:specializationOf", [iri(query_iri(base, name))]),
                ("cci:sha256", [lit(digests[name])]),
                ("prov:value", [lit(files[name].decode("utf-8"))]),
            ],
        )
    t.block(
        t.term(dataset),
        [
            ("a", [iri(REUSED_PREFIXES["qb"] + "DataSet")]),
            ("qb:structure", [iri(structure_iri(base))]),
            (
                "skos:prefLabel",
                [
                    lit("Indicateurs de l'écosystème créatif bruxellois", language="fr"),
                    lit("Indicatoren van het Brusselse creatieve ecosysteem", language="nl"),
                    lit("Indicators of the Brussels creative ecosystem", language="en"),
                ],
            ),
            (
                "dct:description",
                [
                    lit(
                        "The value of every KPI (the saved queries with a `kpi:` header) at "
                        "each snapshot date, appended by `kg snapshot`.",
                        language="en",
                    )
                ],
            ),
        ],
    )
    seen: dict[str, int] = {}
    for value in values:
        local = _observation_id(value, day)
        seen[local] = seen.get(local, 0) + 1
        if seen[local] > 1:
            local += f"-{seen[local]}"
        number = decimal(value.value)
        query = iri(query_iri(base, value.query))
        pairs: list[tuple[str, Sequence[NamedNode | Literal]]] = [
            ("a", [iri(REUSED_PREFIXES["qb"] + "Observation")]),
            ("qb:dataSet", [dataset]),
            ("cci:indicator", [query]),
            ("qb:measureType", [iri(value.measure)]),
            ("cci:subject", [iri(s) for s in value.subjects]),
            ("cci:refArea", [iri(value.area)]),
            ("cci:refPeriod", [lit(stamp, datatype=xsd_date)]),
            (t.term(iri(value.measure)), [number]),  # the value under its measure (IC-15)
            ("cci:obsValue", [number]),
        ]
        if value.is_lower_bound is not None:
            flag = "true" if value.is_lower_bound else "false"
            pairs.append(("cci:isLowerBound", [lit(flag, datatype=iri(XSD + "boolean"))]))
        pairs += [
            ("prov:wasGeneratedBy", [activity]),
            ("dct:source", [query]),
        ]
        if value.query in texts:
            pairs.append(("prov:wasDerivedFrom", [texts[value.query]]))
        t.block(t.term(iri(f"{base}id/observation/{local}")), pairs)
    head = [
        f"# KPI snapshot of {stamp}: the value of every KPI (queries/kpi-*.rq), computed by",
        f"# `kg snapshot` from build {build_id}. Append-only: never edited; the next snapshot",
        "# goes into its own file.",
        *(f"@prefix {name}: <{namespace}> ." for name, namespace in prefixes.items()),
        "",
    ]
    return "\n".join(head) + "\n" + "\n".join(t.lines)


def snapshot(
    settings: Settings,
    store: GraphStore,
    day: date,
    *,
    replace: bool = False,
    build_id: str | None = None,
    values: Sequence[KpiValue] | None = None,
) -> Path:
    """Write the value of every recorded KPI at ``day`` to ``data/snapshots/DAY.ttl``.
    Refuses (SnapshotExists) when that file exists, unless ``replace``. Values of a KPI
    that snapshots do not record (``# snapshot: no``) are left out."""
    folder = snapshots_dir(settings)
    path = folder / f"{day.isoformat()}.ttl"
    if path.exists() and not replace:
        raise SnapshotExists(
            f"{path.relative_to(settings.root)} exists: snapshots are append-only "
            "(use --replace to compute that date again)"
        )
    recorded = recorded_queries(settings)
    names = {q.name for q in recorded}
    values = compute_all(settings, store, recorded) if values is None else values
    values = [v for v in values if v.query in names]
    known = declared_measures(store, settings.base)
    unknown = sorted({v.measure for v in values} - known)
    if unknown:
        raise KpiError(
            "these columns of KPI queries name no cci:Measure (declare them in "
            f"ontology/measures.ttl): {', '.join(unknown)}"
        )
    outside = sorted({v.measure for v in values} - structure_measures(store, settings.base))
    if outside:
        raise KpiError(
            "these measures are not components of cci:kpiStructure (add them to its "
            f"qb:component list in ontology/measures.ttl): {', '.join(outside)}"
        )
    text = snapshot_text(
        settings,
        values,
        day,
        build_id or current_build(settings, store),
        query_files(settings, names),
    )
    folder.mkdir(parents=True, exist_ok=True)
    if replace:
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    else:
        try:
            with open(path, "x", encoding="utf-8") as f:  # "x": never overwrite
                f.write(text)
        except FileExistsError:
            raise SnapshotExists(f"{path.relative_to(settings.root)} exists") from None
    return path


# --- reading snapshots back -----------------------------------------------------------------

OBSERVATIONS = """
SELECT ?observation ?date ?source ?measure ?area ?value ?lower
       (GROUP_CONCAT(DISTINCT STR(?subject); separator=" ") AS ?subjects) WHERE {
  ?observation qb:dataSet ds:kpi ;
      cci:refPeriod ?date ;
      qb:measureType ?measure ;
      cci:obsValue ?value ;
      cci:subject ?subject .
  OPTIONAL { ?observation dct:source ?source }
  OPTIONAL { ?observation cci:refArea ?area }
  OPTIONAL { ?observation cci:isLowerBound ?lower }
}
GROUP BY ?observation ?date ?source ?measure ?area ?value ?lower
ORDER BY ?date ?observation
"""


@dataclass(frozen=True)
class Observation:
    """A recorded KPI value, as read from the store."""

    iri: str
    day: str  # YYYY-MM-DD
    query: str  # saved query name ("" when the source is not a saved query)
    measure: str
    subjects: tuple[str, ...]
    area: str
    value: float
    is_lower_bound: bool | None = None

    @property
    def key(self) -> tuple[str, str, tuple[str, ...], str]:
        return (self.query, self.measure, self.subjects, self.area)


def observations(settings: Settings, store: GraphStore) -> list[Observation]:
    """Every KPI observation the store holds (the snapshots the build loaded)."""
    base = settings.base
    rows = store.query(OBSERVATIONS, prefixes=all_prefixes(base))
    assert isinstance(rows, QuerySolutions)
    prefix = query_iri(base, "")
    out = []
    for row in rows:
        value = _number(row["value"])
        if value is None:
            continue
        source = row["source"].value if row["source"] is not None else ""
        lower = row["lower"]
        out.append(
            Observation(
                row["observation"].value,
                row["date"].value[:10],
                source[len(prefix) :] if source.startswith(prefix) else "",
                row["measure"].value,
                tuple(sorted(row["subjects"].value.split())),
                row["area"].value if row["area"] is not None else NUTS_BE100,
                value,
                None if lower is None else lower.value in ("true", "1"),
            )
        )
    return out


def history(
    found: Iterable[Observation],
) -> dict[tuple[str, str, tuple[str, ...], str], dict[str, float]]:
    """key -> {date: value}."""
    out: dict[tuple[str, str, tuple[str, ...], str], dict[str, float]] = defaultdict(dict)
    for obs in found:
        out[obs.key][obs.day] = obs.value
    return out


CSV_COLUMNS = ("observation", "date", "kpi", "query", "measure", "subject", "area", "value")


def observations_csv(settings: Settings, found: Iterable[Observation]) -> str:
    kpis = {q.name: q.kpi or "" for q in kpi_queries(settings)}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for obs in found:
        writer.writerow(
            [
                obs.iri,
                obs.day,
                kpis.get(obs.query, ""),
                obs.query,
                obs.measure,
                " ".join(obs.subjects),
                obs.area,
                repr(obs.value) if not obs.value.is_integer() else str(int(obs.value)),
            ]
        )
    return buffer.getvalue()


#: the KPI dataset, its structure (and its components), its observations, the snapshots
#: that made them and what they used (the builds, the queries' texts)
OBSERVATIONS_GRAPH = """
CONSTRUCT { ?s ?p ?o } WHERE {
  {
    ?s qb:dataSet ds:kpi
  } UNION {
    BIND(ds:kpi AS ?s)
  } UNION {
    SELECT DISTINCT ?s WHERE { ds:kpi qb:structure ?s }
  } UNION {
    SELECT DISTINCT ?s WHERE { ds:kpi qb:structure/qb:component ?s }
  } UNION {
    SELECT DISTINCT ?s WHERE { ?observation qb:dataSet ds:kpi ; prov:wasGeneratedBy ?s }
  } UNION {
    SELECT DISTINCT ?s WHERE {
      ?observation qb:dataSet ds:kpi ; prov:wasGeneratedBy ?activity .
      ?activity prov:used ?s .
      ?s a prov:Entity
    }
  }
  ?s ?p ?o
}
"""


def observations_turtle(settings: Settings, store: GraphStore) -> bytes:
    """The KPI dataset: observations, the dataset and its structure, the snapshots, builds
    and query texts they come from."""
    base = settings.base
    result = store.query(OBSERVATIONS_GRAPH, prefixes=all_prefixes(base))
    triples = sorted(set(result), key=str)  # type: ignore[arg-type]
    prefixes = {k: v for k, v in all_prefixes(base).items() if k != "sh"}
    body = serialize(_only_triples(triples), format=RdfFormat.TURTLE, prefixes=prefixes)
    assert body is not None
    return body


def _only_triples(items: Iterable[object]) -> list[Triple]:
    return [t for t in items if isinstance(t, Triple)]


def label_map(store: GraphStore, iris: Iterable[str], lang: str, base: str) -> dict[str, str]:
    """IRI -> label in ``lang`` (the project's fallback chain) for the IRIs that have one."""
    wanted = sorted({i for i in iris if i})
    out: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        values = " ".join(f"<{i}>" for i in chunk if ">" not in i)
        rows = store.query(
            f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} "
            "?s skos:prefLabel|rdfs:label|foaf:name|dct:title ?l FILTER(isLiteral(?l)) }",
            prefixes=all_prefixes(base),
        )
        assert isinstance(rows, QuerySolutions)
        found: dict[str, dict[str, str]] = defaultdict(dict)
        for row in rows:
            found[row["s"].value].setdefault(row["l"].language or "", row["l"].value)
        for iri, labels in found.items():
            text = pick(labels, lang)
            if text:
                out[iri] = text
    return out
