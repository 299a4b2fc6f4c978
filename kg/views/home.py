"""``home_view``: the data of the home page: headline figures, the sector figures, and
the entries of the newest graphs (``newest_graphs``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyoxigraph import NamedNode

from kg.store import GraphStore
from kg.views.graphsources import graph_sources
from kg.views.model import Observation, Ref, Source, one_int, select_rows
from kg.views.nodelabels import Collector
from kg.views.observations import OBSERVATION_DETAILS, observation_rows
from kg.views.vocabcache import cached, remember, vocabulary

#: Headline figures for the home page.
COUNT_ORGANISATIONS = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a org:Organization }"
COUNT_RELATIONS = """
SELECT (COUNT(*) AS ?n) WHERE {
  { SELECT DISTINCT ?s ?p ?o WHERE {
      ?type cci:directProperty ?p .
      ?s ?p ?o .
  } }
}
"""
#: of those, the ones between two organisations: what the network view draws
COUNT_ORGANISATION_RELATIONS = """
SELECT (COUNT(*) AS ?n) WHERE {
  { SELECT DISTINCT ?s ?p ?o WHERE {
      ?type cci:directProperty ?p .
      ?s ?p ?o .
      ?s a org:Organization . ?o a org:Organization .
  } }
}
"""
COUNT_SECTORS_USED = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?o cci:sector ?c }"
COUNT_MUNICIPALITIES_COVERED = """
SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?x cci:municipality ?m . ?m a cci:Municipality }
"""
COUNT_SOURCES = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH ?g { ?g dct:source ?d } }"

#: Figures about sectors (observations whose subject is a concept), for the home page.
SECTOR_FIGURES = (
    """
SELECT ?obs ?subject ?measure ?value ?unit ?lower ?period ?periodLabel ?area ?desc ?g WHERE {
  GRAPH ?g { ?obs a qb:Observation ; cci:subject ?subject }
  ?subject a skos:Concept .
  # published figures only: not the project's own indicators and network metrics
  FILTER NOT EXISTS {
    ?obs qb:dataSet ?own FILTER(?own IN (ds:kpi, ds:kpi-past, ds:network-metrics))
  }
  OPTIONAL { ?obs qb:measureType ?measure }
  OPTIONAL { ?obs cci:obsValue ?value }"""
    + OBSERVATION_DETAILS
)

#: Entities of one graph (the home page's newest entries), main classes only. No ORDER
#: BY: a large graph (an import) is not sorted whole for eight names.
GRAPH_ENTRIES = """
SELECT ?g ?s WHERE {
  VALUES ?t { org:Organization foaf:Person cci:Project cci:Programme cci:Event
              cci:Publication cci:CulturalPlace }
  GRAPH ?g { ?s a ?t }
}
LIMIT 40
"""
#: Entries shown per graph on the home page.
NEWEST_ENTRIES = 8


@dataclass
class NewGraph:
    graph: str
    when: str | None
    source: Source
    entries: list[Ref]


@dataclass
class HomeView:
    figures: dict[str, int]
    sector_figures: list[Observation]
    newest: list[NewGraph]
    sources: dict[str, Source]


def headline_figures(store: GraphStore, base: str) -> dict[str, int]:
    found = cached(store, "figures")
    if found is None:
        found = {
            "organisations": one_int(store, COUNT_ORGANISATIONS, base),
            "relations": one_int(store, COUNT_RELATIONS, base),
            "organisation_relations": one_int(store, COUNT_ORGANISATION_RELATIONS, base),
            "sectors": one_int(store, COUNT_SECTORS_USED, base),
            "municipalities": one_int(store, COUNT_MUNICIPALITIES_COVERED, base),
            "sources": one_int(store, COUNT_SOURCES, base),
        }
        remember(store, "figures", found)
    return dict(found)


def home_view(
    store: GraphStore, base: str, newest_graphs: Sequence[tuple[str, str | None]], limit: int = 3
) -> HomeView:
    """Headline figures, the sector figures, and the entries of the newest graphs
    (``newest_graphs``: (graph, when), newest first; see ``newest_graphs``)."""
    key = ("home", tuple(newest_graphs[: limit * 3]), limit)
    found = cached(store, repr(key))
    if found is not None:
        return found
    figures = headline_figures(store, base)
    vocab = vocabulary(store, base)
    collect = Collector(store, base, vocab)
    sector_figures = observation_rows(select_rows(store, SECTOR_FIGURES, None, base), collect)
    newest: list[NewGraph] = []
    for graph, when in newest_graphs:
        if len(newest) >= limit:
            break
        try:
            rows = select_rows(store, GRAPH_ENTRIES, {"g": NamedNode(graph)}, base)
        except ValueError:
            continue
        subjects = dict.fromkeys(r["s"].value for r in rows if isinstance(r["s"], NamedNode))
        entries = [collect.ref(iri) for iri in list(subjects)[:NEWEST_ENTRIES]]
        if entries:
            newest.append(NewGraph(graph, when, Source(graph), entries))
    collect.fetch()
    graphs = [n.graph for n in newest] + [g for o in sector_figures for g in o.graphs]
    sources = graph_sources(store, sorted(set(graphs)), base)
    for item in newest:
        item.source = sources[item.graph]
    return remember(store, repr(key), HomeView(figures, sector_figures, newest, sources))


#: the date of what each graph cites (its source's own date), the latest when it cites several
GRAPH_DATES = """
SELECT ?g (MAX(STR(?date)) AS ?when) WHERE {
  GRAPH ?g { ?g dct:source ?d }
  OPTIONAL { ?d dct:issued|dct:date|dct:modified ?date }
} GROUP BY ?g"""


def newest_graphs(settings: Any, store: GraphStore) -> list[tuple[str, str | None]]:
    """The data graphs, newest first: web edits (the change log, by time), then curated
    and imported sources by the date of the document or dataset they cite, then those
    whose source gives no date; ties by the graph's IRI, so the order is the same at
    every request and on every copy of the data (a file's modification time is neither).
    Which graphs are sources, the serving build's manifest says."""
    import json

    from kg.build.changes import list_changes

    found: list[tuple[str, str, str | None]] = []
    for change in list_changes(settings):
        found.append((change.when, change.graph(settings.base), change.when))
    manifest = settings.serving_store().parent / "manifest.json"
    try:
        graphs = json.loads(manifest.read_text(encoding="utf-8")).get("graphs", {})
    except (OSError, ValueError):
        graphs = {}
    dates = cached(store, "graph dates")
    if dates is None:
        rows = select_rows(store, GRAPH_DATES, None, settings.base)
        dates = remember(
            store,
            "graph dates",
            {
                r["g"].value: r["when"].value
                for r in rows
                if r["when"] is not None and r["when"].value
            },
        )
    for graph, info in graphs.items():
        if info.get("kind") in ("curated", "import", "extra"):
            when = dates.get(graph)
            found.append((when or "", graph, when))
    found.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return [(graph, when) for _, graph, when in found]
