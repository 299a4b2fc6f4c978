"""Network metrics of the graph of relations between organisations, computed with networkx
(structure) and igraph (betweenness) and written back into the store as data (a derived
build step, kg.publish.derived).

The network: every ``org:Organization`` is a node; every statement ``?a ?p ?b`` between two
distinct organisations, ``?p`` being the direct property of a relation type
(``?type cci:directProperty ?p``, scheme:relation-types), is a relation. Degree, betweenness,
components and isolates look at the undirected simple graph (two organisations are
neighbours when any relation links them, in either direction); density is that of the
directed graph, |E| / (n(n−1)) with E the ordered pairs (a, b) where a states at least one
relation to b (domain-model B4); relation counts count the statements; the in-degree of an
organisation on a relation type counts the distinct organisations pointing to it by it.

What SPARQL does badly at scale is done here, in one pass over the relations: betweenness,
components and density (no SPARQL at all), and the degree, the per-type degrees and the
cross-sector share, which need a type check at both ends of every relation (seconds per
query on 22,000 organisations, measured in bench/kpi.py). The results are W3C Data Cube
observations in graph ``{base}graph/derived/network-metrics``, each with ``cci:refPeriod``
(the build's day), ``cci:refArea`` (NUTS BE100) and ``cci:subject``, in three datasets
``{base}id/dataset/…``:

* ``network-metrics``, with the measure dimension ``qb:measureType`` and the value twice,
  under the measure (``cci:density 0.01``: Data Cube IC-15) and under ``cci:obsValue`` (as
  the curated figures give it): for the whole network (``cci:subject sector:all-cci``)
  ``cci:numberOfOrganisations``, ``cci:numberOfRelations``, ``cci:averageDegree``,
  ``cci:density``, ``cci:numberOfComponents``, ``cci:numberOfIsolates``,
  ``cci:shareOfIsolates``, ``cci:largestComponentShare``, ``cci:crossSectorShare``,
  ``cci:eiIndex``; per relation type (``cci:subject`` the ``reltype:`` concept)
  ``cci:numberOfRelations``, ``cci:averageDegree``, ``cci:maximumInDegree``;
* ``organisation-network-metrics``, one observation per organisation with its three
  measures (no measure dimension): ``cci:degree``, ``cci:betweenness``,
  ``cci:componentSize``;
* ``network-in-degree``, per organisation and relation type (``cci:viaRelationType``), its
  one measure ``cci:inDegree``, only where it is not 0 (the reach of a network on memberOf,
  a funder's portfolio on fundedBy).

The two per-organisation datasets are most of the graph (600,000 statements at
M), so their observations carry nothing twice: 8 and 7 statements each, against 24 and 9
with one observation per measure and the value under ``cci:obsValue`` as well; writing them
is most of this step's time.

Each dataset links to its ``qb:DataStructureDefinition`` (``STRUCTURES``, ontology/measures.ttl).

Betweenness is exact while ``n·(n+m)`` stays under ``BETWEENNESS_WORK``; above, it is
estimated from ``k`` source organisations drawn with a fixed seed (Brandes' pivots), ``k``
chosen so that the work stays about the same; the dataset's description says which. igraph
does the betweenness because networkx, in pure Python, needs 400 ms per source at M against
igraph's 8.5 ms; the tests check igraph's exact values against networkx's.
The saved queries ``kpi-network-*``, ``kpi-most-connected-organisations``,
``kpi-degree-by-relation-type`` and ``kpi-cross-sector-links`` read these back."""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import igraph
import networkx as nx
from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions

from kg.deployment import region_area
from kg.namespaces import DCT, QB, RDF_TYPE_NODE, SKOS, XSD, all_prefixes
from kg.settings import Settings
from kg.store import EmbeddedStore, GraphStore

#: n·(n+m) above which betweenness is estimated from pivots (igraph) instead of computed
#: exactly: exact up to about 2,000 organisations. The figures behind the choice (time per
#: pivot, how many top brokers the estimate gets right) are in bench/README.md.
BETWEENNESS_WORK = 40_000_000
MIN_PIVOTS = 16
SEED = 20_251_122


ORGANISATIONS = "SELECT DISTINCT ?o WHERE { ?o a org:Organization }"
RELATION_TYPES = """
SELECT DISTINCT ?type ?p WHERE {
  ?type skos:inScheme scheme:relation-types ; cci:directProperty ?p .
}"""
#: every statement of the given properties; the organisation check is done in Python (a
#: type check at both ends in SPARQL costs more than the whole scan)
STATEMENTS = "SELECT DISTINCT ?a ?p ?b WHERE {{ VALUES ?p {{ {properties} }} ?a ?p ?b }}"
SECTORS = "SELECT DISTINCT ?o ?s WHERE { ?o a org:Organization ; cci:sector ?s }"


def graph_iri(base: str) -> str:
    return f"{base}graph/derived/network-metrics"


#: the data structure definitions (ontology/measures.ttl), by dataset
STRUCTURES = {
    "network-metrics": "networkMetricsStructure",
    "organisation-network-metrics": "organisationNetworkMetricsStructure",
    "network-in-degree": "networkInDegreeStructure",
}
#: each dataset's labels (fr, nl, en) and description ({how}: how betweenness was computed)
DESCRIPTIONS = {
    "network-metrics": (
        (
            "Mesures du réseau des organisations",
            "Netwerkmaten van de organisaties",
            "Network metrics of the organisations",
        ),
        "Computed by each build from the relations between organisations (kg/network.py): "
        "the whole network, and each relation type.",
    ),
    "organisation-network-metrics": (
        (
            "Mesures de réseau par organisation",
            "Netwerkmaten per organisatie",
            "Network metrics by organisation",
        ),
        "Computed by each build with networkx and igraph from the relations between "
        "organisations (kg/network.py): each organisation's degree, betweenness and the size "
        "of its component; betweenness {how}.",
    ),
    "network-in-degree": (
        (
            "Degrés entrants des organisations par type de relation",
            "Ingraden van de organisaties per relatietype",
            "In-degrees of the organisations by relation type",
        ),
        "Computed by each build from the relations between organisations (kg/network.py): "
        "for each organisation and relation type, how many other organisations point to it "
        "by that type; only the organisations some relation of the type points to.",
    ),
}


@dataclass
class OrganisationGraph:
    """The organisations, the relations between them and their sectors, as read."""

    nodes: list[str]
    #: (subject, relation type concept, object), subject != object, both organisations
    statements: set[tuple[str, str, str]]
    relation_types: list[str]
    sectors: dict[str, frozenset[str]] = field(default_factory=dict)

    def undirected(self) -> nx.Graph:
        graph = nx.Graph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from((a, b) for a, _, b in self.statements)
        return graph


def _rows(store: GraphStore, sparql: str, base: str) -> QuerySolutions:
    rows = store.query(sparql, prefixes=all_prefixes(base))
    assert isinstance(rows, QuerySolutions)
    return rows


def read_graph(store: GraphStore, base: str) -> OrganisationGraph:
    nodes = sorted({row["o"].value for row in _rows(store, ORGANISATIONS, base)})
    members = set(nodes)
    by_property: dict[str, str] = {}
    for row in _rows(store, RELATION_TYPES, base):
        by_property.setdefault(row["p"].value, row["type"].value)
    statements: set[tuple[str, str, str]] = set()
    if by_property:
        values = " ".join(f"<{p}>" for p in sorted(by_property))
        for row in _rows(store, STATEMENTS.format(properties=values), base):
            a, b = row["a"].value, row["b"].value
            if a != b and a in members and b in members:
                statements.add((a, by_property[row["p"].value], b))
    sectors: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, SECTORS, base):
        sectors[row["o"].value].add(row["s"].value)
    return OrganisationGraph(
        nodes,
        statements,
        sorted(set(by_property.values())),
        {o: frozenset(s) for o, s in sectors.items()},
    )


@dataclass
class Metrics:
    degree: dict[str, int]
    betweenness: dict[str, float]
    component_size: dict[str, int]
    #: measure local name -> value, for the whole network
    network: dict[str, float]
    #: relation type -> measure local name -> value
    by_type: dict[str, dict[str, float]]
    #: relation type -> organisation -> organisations pointing to it by that type (never 0)
    in_degree: dict[str, dict[str, int]]
    #: source organisations betweenness was computed from (n when exact)
    pivots: int
    seconds: dict[str, float] = field(default_factory=dict)


def pivots_for(n: int, m: int, work: int = BETWEENNESS_WORK) -> int | None:
    """None (exact) while n·(n+m) <= work, else the number of pivots that keeps the work."""
    if n * (n + m) <= work:
        return None
    return min(n, max(MIN_PIVOTS, work // max(1, n + m)))


def betweenness_centrality(graph: nx.Graph, k: int | None, seed: int) -> dict[str, float]:
    """Normalised betweenness as networkx defines it (2/((n−1)(n−2)) times the number of
    shortest paths through a node, summed over pairs), computed by igraph (C, about 50×
    faster than networkx): exact when ``k`` is None, else Brandes' estimate from ``k`` source
    nodes drawn with ``seed``, scaled by n/k."""
    nodes = list(graph.nodes)
    n = len(nodes)
    if n <= 2:
        return dict.fromkeys(nodes, 0.0)
    index = {node: i for i, node in enumerate(nodes)}
    h = igraph.Graph(n=n, edges=[(index[a], index[b]) for a, b in graph.edges()])
    if k is None or k >= n:
        raw, scale = h.betweenness(directed=False), 1.0
    else:
        sources = random.Random(seed).sample(range(n), k)
        raw, scale = h.betweenness(directed=False, sources=sources), n / k
    factor = scale * 2 / ((n - 1) * (n - 2))
    return {node: float(raw[i]) * factor for i, node in enumerate(nodes)}


def compute(g: OrganisationGraph, *, work: int = BETWEENNESS_WORK, seed: int = SEED) -> Metrics:
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    graph = g.undirected()
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    degree = {node: int(d) for node, d in graph.degree()}
    component_size: dict[str, int] = {}
    components = list(nx.connected_components(graph))
    for component in components:
        for node in component:
            component_size[node] = len(component)
    seconds["structure"] = time.perf_counter() - start

    start = time.perf_counter()
    k = pivots_for(n, m, work)
    betweenness = betweenness_centrality(graph, k, seed)
    seconds["betweenness"] = time.perf_counter() - start

    isolates = sum(1 for d in degree.values() if d == 0)
    network: dict[str, float] = {
        "numberOfOrganisations": n,
        "numberOfRelations": len(g.statements),
        "averageDegree": 2 * m / n if n else 0.0,
        # directed: ordered pairs with at least one relation, of the n(n−1) possible
        "density": len({(a, b) for a, _, b in g.statements}) / (n * (n - 1)) if n > 1 else 0.0,
        "numberOfComponents": len(components),
        "numberOfIsolates": isolates,
        "shareOfIsolates": isolates / n if n else 0.0,
        "largestComponentShare": max((len(c) for c in components), default=0) / n if n else 0.0,
    }
    external = internal = 0
    for a, _, b in g.statements:
        sa, sb = g.sectors.get(a), g.sectors.get(b)
        if sa and sb:
            if sa & sb:
                internal += 1
            else:
                external += 1
    if external + internal:
        network["crossSectorShare"] = external / (external + internal)
        network["eiIndex"] = (external - internal) / (external + internal)

    grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a, relation_type, b in g.statements:
        grouped[relation_type].append((a, b))
    by_type: dict[str, dict[str, float]] = {}
    in_degree: dict[str, dict[str, int]] = {}
    for relation_type in g.relation_types:
        these = grouped.get(relation_type, [])
        pairs = {(a, b) if a < b else (b, a) for a, b in these}
        pointing: dict[str, set[str]] = defaultdict(set)
        for a, b in these:
            pointing[b].add(a)
        in_degree[relation_type] = {node: len(s) for node, s in sorted(pointing.items())}
        by_type[relation_type] = {
            "numberOfRelations": len(these),
            "averageDegree": 2 * len(pairs) / n if n else 0.0,
            "maximumInDegree": max((len(s) for s in pointing.values()), default=0),
        }
    return Metrics(
        degree, betweenness, component_size, network, by_type, in_degree, k or n, seconds
    )


def decimal(value: float) -> Literal:
    """An ``xsd:decimal`` literal (never exponent notation, which xsd:decimal forbids)."""
    if isinstance(value, int) or float(value).is_integer():
        text = str(int(value))
    else:
        text = format(Decimal(repr(float(value))), "f")
    return Literal(text, datatype=NamedNode(XSD + "decimal"))


def kebab(name: str) -> str:
    """``numberOfRelations`` -> ``number-of-relations``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name).lower()


def slug(iri: str, base: str) -> str:
    """The organisation's slug for an observation IRI, or a short hash for a foreign IRI."""
    prefix = base + "id/organisation/"
    if iri.startswith(prefix) and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", iri[len(prefix) :]):
        return iri[len(prefix) :]
    return "h" + hashlib.sha1(iri.encode()).hexdigest()[:16]


class _Observations:
    """Writes the metrics' observations into the network-metrics graph; the terms every
    observation repeats are made once (there are many observations)."""

    def __init__(self, base: str, period: date, area: str) -> None:
        cci = self.cci = base + "ontology#"
        self.graph = NamedNode(graph_iri(base))
        self.day = Literal(period.isoformat(), datatype=NamedNode(XSD + "date"))
        self.area = NamedNode(area)
        self.is_observation = NamedNode(QB + "Observation")
        self.in_dataset = NamedNode(QB + "dataSet")
        self.measure_type = NamedNode(QB + "measureType")
        self.about, self.via = NamedNode(cci + "subject"), NamedNode(cci + "viaRelationType")
        self.obs_value = NamedNode(cci + "obsValue")
        self.ref_period, self.ref_area = NamedNode(cci + "refPeriod"), NamedNode(cci + "refArea")
        self.datasets = {name: NamedNode(f"{base}id/dataset/{name}") for name in STRUCTURES}
        self.out: list[Quad] = []

    def append(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        self.out.append(Quad(s, p, o, self.graph))

    def add(self, s: NamedNode, p: str, o: NamedNode | Literal) -> None:
        self.out.append(Quad(s, NamedNode(p), o, self.graph))

    def observation(
        self, obs: NamedNode, into: NamedNode, subject: NamedNode, values: dict[str, float]
    ) -> None:
        """One observation without a measure dimension: a value under each measure."""
        self.append(obs, RDF_TYPE_NODE, self.is_observation)
        self.append(obs, self.in_dataset, into)
        self.append(obs, self.about, subject)
        for measure, value in values.items():
            self.append(obs, NamedNode(self.cci + measure), decimal(value))
        self.append(obs, self.ref_period, self.day)
        self.append(obs, self.ref_area, self.area)

    def summary(self, iri: str, subject: NamedNode, measure: str, value: float) -> None:
        """One observation of ds:network-metrics, which has the measure dimension."""
        obs, number = NamedNode(iri), decimal(value)
        self.observation(obs, self.datasets["network-metrics"], subject, {measure: value})
        self.append(obs, self.measure_type, NamedNode(self.cci + measure))
        self.append(obs, self.obs_value, number)

    def dataset(self, name: str, labels: tuple[str, str, str], text: str) -> None:
        node = self.datasets[name]
        self.append(node, RDF_TYPE_NODE, NamedNode(QB + "DataSet"))
        self.add(node, QB + "structure", NamedNode(self.cci + STRUCTURES[name]))
        self.add(node, DCT + "issued", self.day)
        for label, lang in zip(labels, ("fr", "nl", "en"), strict=True):
            self.add(node, SKOS + "prefLabel", Literal(label, language=lang))
        self.add(node, DCT + "description", Literal(text, language="en"))
        # like every graph, this one says where its statements come from: the computation
        self.add(self.graph, DCT + "source", node)


def quads(metrics: Metrics, base: str, period: date, area: str) -> list[Quad]:
    """The metrics as observations (and their datasets) in the network-metrics graph, of
    the deployment's region ``area`` (kg.deployment)."""
    w = _Observations(base, period, area)
    n = int(metrics.network.get("numberOfOrganisations", 0))
    how = (
        "exact"
        if metrics.pivots >= n
        else f"estimated from {metrics.pivots} of {n} organisations as sources (seed {SEED})"
    )
    for name, (labels, text) in DESCRIPTIONS.items():
        w.dataset(name, labels, text.format(how=how))
    prefix = f"{base}id/observation/network-metrics/"
    everything = NamedNode(base + "id/concept/sector/all-cci")
    for measure, value in metrics.network.items():
        w.summary(f"{prefix}{kebab(measure)}/all", everything, measure, value)
    for relation_type, values in metrics.by_type.items():
        local = relation_type.rstrip("/").rsplit("/", 1)[-1]
        for measure, value in values.items():
            iri = f"{prefix}{kebab(measure)}/type-{local}"
            w.summary(iri, NamedNode(relation_type), measure, value)
    by_organisation = w.datasets["organisation-network-metrics"]
    for node in sorted(metrics.degree):
        w.observation(
            NamedNode(f"{prefix}organisation/{slug(node, base)}"),
            by_organisation,
            NamedNode(node),
            {
                "degree": metrics.degree[node],
                "betweenness": metrics.betweenness.get(node, 0.0),
                "componentSize": metrics.component_size[node],
            },
        )
    in_degree = w.datasets["network-in-degree"]
    for relation_type, counts in metrics.in_degree.items():
        kind, type_node = relation_type.rstrip("/").rsplit("/", 1)[-1], NamedNode(relation_type)
        for node, count in counts.items():
            obs = NamedNode(f"{prefix}in-degree/{kind}/{slug(node, base)}")
            w.observation(obs, in_degree, NamedNode(node), {"inDegree": count})
            w.append(obs, w.via, type_node)
    return w.out


def write(store: GraphStore, base: str, items: Iterable[Quad]) -> None:
    """Make the network-metrics graph hold exactly ``items``."""
    store.clear_graph(graph_iri(base))
    store.extend(items)


def build_date(build_dir: Path) -> date:
    """The day of the build, from its directory name (``20261122T084116.602804Z``)."""
    try:
        return datetime.strptime(build_dir.name[:8], "%Y%m%d").date()
    except ValueError:
        return datetime.now(UTC).date()


def network_metrics(settings: Settings, store: EmbeddedStore, build_dir: Path) -> None:
    """The derived build step (kg.publish.derived.Step)."""
    metrics = compute(read_graph(store, settings.base))
    area = region_area(settings.root)
    write(store, settings.base, quads(metrics, settings.base, build_date(build_dir), area))
