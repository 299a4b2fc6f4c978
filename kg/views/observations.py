"""Figures about an entity: the W3C Data Cube observations whose ``cci:subject`` it is."""

from __future__ import annotations

from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.store import GraphStore
from kg.views.model import (
    Observation,
    lang_of,
    local_name,
    select_rows,
    sorted_graphs,
)
from kg.views.nodelabels import Collector

#: What ``observation_rows`` reads of each ``?obs`` besides its measure and value: the end
#: of the WHERE clause of every query it is given.
OBSERVATION_DETAILS = """
  OPTIONAL { ?obs cci:unit ?unit }
  OPTIONAL { ?obs cci:isLowerBound ?lower }
  OPTIONAL { ?obs cci:refPeriod ?period }
  OPTIONAL { ?obs cci:refPeriodLabel ?periodLabel }
  OPTIONAL { ?obs cci:refArea ?area }
  OPTIONAL { ?obs dct:description ?desc }
}
"""

#: Figures about the entity (W3C Data Cube observations with cci:subject = entity): with the
#: measure dimension, the measure it names and the value under cci:obsValue (as the curated
#: figures give it); without (kg/saved/network.py's per-organisation datasets), a row per
#: measure property it gives a value under. Looped from the observation: it starts from the
#: entity's own observations, so its cost follows their number, not the store's size.
#: Not the KPIs of past years: a concept page would list each KPI once a year (/kpi shows
#: them as series).
OBSERVATIONS = (
    """
SELECT ?e ?obs ?measure ?via ?value ?unit ?lower ?period ?periodLabel ?area ?desc ?g WHERE {
  GRAPH ?g { ?obs cci:subject ?e }
  # the KPIs of past years (a value per KPI, year and subject) are the dashboard's series
  FILTER NOT EXISTS { ?obs qb:dataSet ds:kpi-past }
  OPTIONAL { ?obs qb:measureType ?named }
  OPTIONAL { ?obs cci:obsValue ?namedValue }
  OPTIONAL {
    FILTER(!BOUND(?named))
    ?obs ?measured ?measuredValue .
    ?measured a qb:MeasureProperty .
  }
  BIND(COALESCE(?named, ?measured) AS ?measure)
  BIND(COALESCE(?namedValue, ?measuredValue) AS ?value)
  OPTIONAL { ?obs cci:viaRelationType ?via }"""
    + OBSERVATION_DETAILS
)


def observation_rows(rows: list[Any], collect: Collector) -> list[Observation]:
    """One figure per observation and measure (an observation without the measure dimension
    gives several), in the order of their IRIs."""
    found: dict[tuple[str, str], Observation] = {}
    for row in rows:
        obs = row["obs"]
        if not isinstance(obs, NamedNode):
            continue
        measure = row["measure"]
        key = (obs.value, measure.value if isinstance(measure, NamedNode) else "")
        item = found.get(key)
        if item is None:
            item = found[key] = Observation(obs.value)
            if isinstance(measure, NamedNode):
                item.measure = collect.ref(measure.value)
        subject = row["subject"]  # None when the query does not project it
        if isinstance(subject, NamedNode):
            item.subject = collect.ref(subject.value)
        via = row["via"]  # None when the query does not project it
        if isinstance(via, NamedNode):
            item.via = collect.ref(via.value)
        if isinstance(row["value"], Literal):
            item.value = row["value"].value
        if isinstance(row["unit"], NamedNode):
            item.unit = local_name(row["unit"].value)
        if isinstance(row["lower"], Literal):
            item.lower_bound = row["lower"].value in ("true", "1")
        if isinstance(row["period"], Literal):
            item.period = row["period"].value
        if isinstance(row["periodLabel"], Literal):
            item.period_label[lang_of(row["periodLabel"])] = row["periodLabel"].value
        if isinstance(row["area"], NamedNode):
            item.area = collect.ref(row["area"].value)
        if isinstance(row["desc"], Literal):
            item.description[lang_of(row["desc"])] = row["desc"].value
        if row["g"] is not None:
            item.graphs = sorted_graphs([*item.graphs, row["g"].value])
    return [found[key] for key in sorted(found)]


#: computed network centralities (local names of their measures): a value of 0 says only
#: that no shortest path passes through the entity, which is no figure to show about it
CENTRALITIES = ("betweenness",)


def is_zero_centrality(item: Observation, base: str) -> bool:
    measure = item.measure.iri if item.measure is not None else ""
    if measure not in {base + "ontology#" + name for name in CENTRALITIES}:
        return False
    try:
        return float(item.value or "0") == 0
    except ValueError:
        return False


def entity_observations(
    store: GraphStore, node: NamedNode, base: str, collect: Collector
) -> list[Observation]:
    found = observation_rows(select_rows(store, OBSERVATIONS, {"e": node}, base), collect)
    return [item for item in found if not is_zero_centrality(item, base)]
