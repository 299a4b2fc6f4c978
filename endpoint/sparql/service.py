"""The SPARQL 1.1 Service Description of /sparql: RDF by content negotiation, and the
figures a page for people shows (``endpoint/templates/service.html``).

Counts are distinct triples, as in the VoID description and the dumps: a triple stated in
two named graphs counts once in the default graph (their union) and once in each graph.
They come from the VoID description the build wrote beside the serving store: counting
distinct triples takes half a minute at M, which no request should wait for (nor the two
cores spend while other requests wait). Only a store without one (a remote store, or one
built by hand) is counted, once per build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    serialize,
)

from kg.jsonld import jsonld_bytes
from kg.namespaces import DCT, RDFS_SEE_ALSO, VOID
from kg.namespaces import RDF_TYPE_NODE as RDF_TYPE
from kg.publish.void import DESCRIPTION_PATH, dataset_iri
from kg.settings import Settings
from kg.store import COUNT_QUADS, GraphStore

#: Distinct triples of the union of all named graphs (the default graph).
DISTINCT_TRIPLES = (
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
)

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"

RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
    "N-Quads",
    "TriG",
)
RDF_MEDIA = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class Figures:
    triples: int  # distinct triples in the default graph
    graphs: dict[str, int]  # named graph -> triples


def figures(store: GraphStore) -> Figures:
    rows = store.query(DISTINCT_TRIPLES)
    assert isinstance(rows, QuerySolutions)
    triples = sum(int(row["n"].value) for row in rows)
    per_graph = store.query(COUNT_QUADS)
    assert isinstance(per_graph, QuerySolutions)
    graphs = {row["g"].value: int(row["n"].value) for row in per_graph}
    return Figures(triples, dict(sorted(graphs.items())))


def figures_from_void(path: Path, base: str) -> Figures | None:
    """The counts of a VoID description written by the build (``kg.void``): the dataset's
    ``void:triples`` and each named graph's (its ``void:subset`` that are not linksets).
    None when there is no such file or it gives no total."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    dataset = dataset_iri(base)
    counts: dict[str, int] = {}
    subsets: set[str] = set()
    linksets: set[str] = set()
    for t in parse(data, RdfFormat.TURTLE, base_iri=path.as_uri()):
        p, o = t.predicate.value, t.object
        if p == VOID + "triples" and isinstance(o, Literal):
            counts[t.subject.value] = int(o.value)
        elif p == VOID + "subset" and t.subject.value == dataset:
            subsets.add(o.value)
        elif p == RDF_TYPE.value and o.value == VOID + "Linkset":
            linksets.add(t.subject.value)
    if dataset not in counts:
        return None
    graphs = {g: counts[g] for g in subsets - linksets if g in counts}
    return Figures(counts[dataset], dict(sorted(graphs.items())))


def void_url(endpoint_url: str) -> str:
    return urljoin(endpoint_url, "/" + DESCRIPTION_PATH)


@dataclass(frozen=True)
class Description:
    triples: list[Triple]
    figures: Figures


def describe(
    settings: Settings, store: GraphStore, endpoint_url: str, void_file: Path | None = None
) -> Description:
    """The description, with the counts of ``void_file`` when it has them, else counted."""
    counted = figures_from_void(void_file, settings.base) if void_file else None
    if counted is None:
        counted = figures(store)
    return Description(description(settings, counted, endpoint_url), counted)


def description(settings: Settings, counted: Figures, endpoint_url: str) -> list[Triple]:
    service = NamedNode(endpoint_url)
    out: list[Triple] = []

    def add(s: NamedNode | BlankNode, p: str, o: NamedNode | BlankNode | Literal) -> None:
        out.append(Triple(s, NamedNode(p), o))

    add(service, str(RDF_TYPE.value), NamedNode(SD + "Service"))
    add(service, SD + "endpoint", service)
    add(service, SD + "supportedLanguage", NamedNode(SD + "SPARQL11Query"))
    if settings.admin_token:
        add(service, SD + "supportedLanguage", NamedNode(SD + "SPARQL11Update"))
    for fmt in RESULT_FORMATS:
        add(service, SD + "resultFormat", NamedNode(FORMATS_NS + fmt))
    add(service, SD + "feature", NamedNode(SD + "UnionDefaultGraph"))
    if settings.service_allow:
        add(service, SD + "feature", NamedNode(SD + "BasicFederatedQuery"))
    add(
        service,
        SD + "defaultEntailmentRegime",
        NamedNode("http://www.w3.org/ns/entailment/Simple"),
    )
    add(
        service,
        DCT + "description",
        Literal(
            "The default graph is the union of all named graphs; each source file is a named "
            f"graph. Queries stop after {settings.query_timeout:g} s and answer at most "
            f"{settings.max_rows} rows; an answer takes at most "
            f"{settings.transfer_timeout:g} s to send.",
            language="en",
        ),
    )
    void = NamedNode(void_url(endpoint_url))
    add(service, RDFS_SEE_ALSO, void)
    # the DCAT-AP catalogue, where this service is a dcat:DataService serving the datasets
    add(service, RDFS_SEE_ALSO, NamedNode(urljoin(endpoint_url, "/catalog")))
    dataset = NamedNode(settings.base + "id/dataset/kg")
    add(dataset, RDFS_SEE_ALSO, void)
    add(service, SD + "defaultDataset", dataset)
    add(dataset, str(RDF_TYPE.value), NamedNode(SD + "Dataset"))
    add(dataset, str(RDF_TYPE.value), NamedNode(VOID + "Dataset"))
    add(dataset, VOID + "sparqlEndpoint", service)
    default = BlankNode("defaultGraph")
    add(dataset, SD + "defaultGraph", default)
    add(default, str(RDF_TYPE.value), NamedNode(SD + "Graph"))
    add(default, VOID + "triples", Literal(counted.triples))
    for graph, triples in counted.graphs.items():
        named = BlankNode()
        add(dataset, SD + "namedGraph", named)
        add(named, str(RDF_TYPE.value), NamedNode(SD + "NamedGraph"))
        add(named, SD + "name", NamedNode(graph))
        inner = BlankNode()
        add(named, SD + "graph", inner)
        add(inner, str(RDF_TYPE.value), NamedNode(SD + "Graph"))
        add(inner, VOID + "triples", Literal(triples))
    return out


def render(
    triples: list[Triple], media_type: str, base: str | None = None, context_url: str | None = None
) -> bytes:
    """The description in ``media_type``; JSON-LD compacted with the project's context
    when ``base`` and ``context_url`` are given (kg.jsonld)."""
    if media_type == "application/ld+json" and base and context_url:
        return jsonld_bytes(triples, base, context_url)
    prefixes = {
        "sd": SD,
        "void": VOID,
        "formats": FORMATS_NS,
        "dct": DCT,
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    }
    fmt = RDF_MEDIA[media_type]
    pretty = fmt in (RdfFormat.TURTLE, RdfFormat.RDF_XML)
    return serialize(triples, format=fmt, prefixes=prefixes if pretty else None) or b""
