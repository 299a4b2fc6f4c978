"""The SPARQL 1.1 Service Description of /sparql, as RDF by content negotiation."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from kg.settings import Settings
from kg.store import GraphStore

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCT = "http://purl.org/dc/terms/"

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


def description(settings: Settings, store: GraphStore, endpoint_url: str) -> list[Triple]:
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
            f"{settings.max_rows} rows.",
            language="en",
        ),
    )
    dataset = NamedNode(settings.base + "id/dataset/kg")
    add(service, SD + "defaultDataset", dataset)
    add(dataset, str(RDF_TYPE.value), NamedNode(SD + "Dataset"))
    add(dataset, str(RDF_TYPE.value), NamedNode(VOID + "Dataset"))
    add(dataset, VOID + "sparqlEndpoint", service)
    default = BlankNode("defaultGraph")
    add(dataset, SD + "defaultGraph", default)
    add(default, str(RDF_TYPE.value), NamedNode(SD + "Graph"))
    add(default, VOID + "triples", Literal(store.triple_count()))
    for graph in store.named_graphs():
        named = BlankNode()
        add(dataset, SD + "namedGraph", named)
        add(named, str(RDF_TYPE.value), NamedNode(SD + "NamedGraph"))
        add(named, SD + "name", NamedNode(graph))
        inner = BlankNode()
        add(named, SD + "graph", inner)
        add(inner, str(RDF_TYPE.value), NamedNode(SD + "Graph"))
        add(inner, VOID + "triples", Literal(store.triple_count(graph)))
    return out


def render(triples: list[Triple], media_type: str) -> bytes:
    prefixes = {"sd": SD, "void": VOID, "formats": FORMATS_NS, "dct": DCT}
    fmt = RDF_MEDIA[media_type]
    pretty = fmt in (RdfFormat.TURTLE, RdfFormat.RDF_XML)
    return serialize(triples, format=fmt, prefixes=prefixes if pretty else None) or b""
