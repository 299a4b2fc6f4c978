"""KPI snapshots read back from the store: the observations of a KPI over time, as rows,
CSV and Turtle.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import NamedNode, QuerySolutions, RdfFormat, Triple, serialize

from kg.deployment import region_area
from kg.labels import pick
from kg.namespaces import all_prefixes
from kg.saved.kpi import dataset_iri, kpi_queries, number_of, past_dataset_iri, query_iri
from kg.settings import Settings
from kg.store import GraphStore

#: (pyoxigraph binds only the variables a query projects: ?dataset is projected)
OBSERVATIONS = """
SELECT ?dataset ?observation ?date ?source ?measure ?area ?value ?lower
       (GROUP_CONCAT(DISTINCT STR(?subject); separator=" ") AS ?subjects) WHERE {
  ?observation qb:dataSet ?dataset ;
      cci:refPeriod ?date ;
      qb:measureType ?measure ;
      cci:obsValue ?value ;
      cci:subject ?subject .
  OPTIONAL { ?observation dct:source ?source }
  OPTIONAL { ?observation cci:refArea ?area }
  OPTIONAL { ?observation cci:isLowerBound ?lower }
}
GROUP BY ?dataset ?observation ?date ?source ?measure ?area ?value ?lower
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
    #: a value of a past year computed from the dated facts, not a snapshot
    past: bool = False

    @property
    def key(self) -> tuple[str, str, tuple[str, ...], str]:
        return (self.query, self.measure, self.subjects, self.area)


def observations(settings: Settings, store: GraphStore, *, past: bool = False) -> list[Observation]:
    """Every KPI observation the store holds (the snapshots the build loaded), or with
    ``past`` those of the past years computed from the dated facts (kg.saved.kpipast:
    their ``day`` is the year)."""
    base = settings.base
    dataset = past_dataset_iri(base) if past else dataset_iri(base)
    rows = store.query(OBSERVATIONS, {"dataset": NamedNode(dataset)}, prefixes=all_prefixes(base))
    assert isinstance(rows, QuerySolutions)
    prefix = query_iri(base, "")
    region = region_area(settings.root)
    out = []
    for row in rows:
        value = number_of(row["value"])
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
                row["area"].value if row["area"] is not None else region,
                value,
                None if lower is None else lower.value in ("true", "1"),
                past,
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


#: ``date`` is a day for a snapshot, a year for the past years computed from the dated
#: facts; ``dataset`` says which (``ds:kpi`` or ``ds:kpi-past``)
CSV_COLUMNS = (
    "observation", "date", "kpi", "query", "measure", "subject", "area", "value", "dataset",
)  # fmt: skip


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
                past_dataset_iri(settings.base) if obs.past else dataset_iri(settings.base),
            ]
        )
    return buffer.getvalue()


#: the KPI datasets (the snapshots', the past years'), their structure (and its
#: components), their observations, the activities that made them and what they used (the
#: builds, the queries' texts)
OBSERVATIONS_GRAPH = """
CONSTRUCT { ?s ?p ?o } WHERE {
  {
    VALUES ?ds { ds:kpi ds:kpi-past } ?s qb:dataSet ?ds
  } UNION {
    VALUES ?s { ds:kpi ds:kpi-past }
  } UNION {
    SELECT DISTINCT ?s WHERE { VALUES ?ds { ds:kpi ds:kpi-past } ?ds qb:structure ?s }
  } UNION {
    SELECT DISTINCT ?s WHERE {
      VALUES ?ds { ds:kpi ds:kpi-past } ?ds qb:structure/qb:component ?s
    }
  } UNION {
    SELECT DISTINCT ?s WHERE {
      VALUES ?ds { ds:kpi ds:kpi-past } ?observation qb:dataSet ?ds ; prov:wasGeneratedBy ?s
    }
  } UNION {
    SELECT DISTINCT ?s WHERE {
      VALUES ?ds { ds:kpi ds:kpi-past }
      ?observation qb:dataSet ?ds ; prov:wasGeneratedBy ?activity .
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
