"""The VoID description of the dataset (``{base}id/dataset/kg``), computed once per build.

``void_description`` asks the store for the statistics (one SPARQL query each, constants
below; values enter through substitutions) and returns the description as triples;
``write_void`` writes it as ``void.ttl`` next to the dumps, where the web layer serves it,
so no request ever aggregates over the whole graph.

What is counted, all over the union of the named graphs (what the SPARQL endpoint queries):

- ``void:triples``: distinct triples (a triple stated in two graphs counts once), the sum of
  the property partitions; each named graph is a ``void:subset`` with its own count;
- ``void:entities``: distinct IRI subjects under ``void:uriSpace`` (``{base}id/``);
- ``void:distinctSubjects``, ``void:properties``, ``void:classes``;
- class partitions count distinct instances, property partitions distinct triples;
- linksets: one per target dataset and link predicate, only where there are links.

Substituted variables are projected, as pyoxigraph requires, and bound before evaluation,
which is what the embedded store does. ``RemoteStore`` appends them as a trailing
``VALUES``, which does not reach the FILTERs below: compute the description on the
embedded store the build loads, as the build does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urljoin

from pyoxigraph import (
    Literal,
    NamedNode,
    QuerySolution,
    QuerySolutions,
    RdfFormat,
    Triple,
    serialize,
)

from kg.deployment import GraphTexts, graph_texts
from kg.errors import StoreError
from kg.namespaces import (
    DCAT,
    DCT,
    FOAF,
    NACE2,
    NUTS_CODE,
    ORG,
    OWL,
    RDF,
    RDFS_SEE_ALSO,
    REUSED_PREFIXES,
    SKOS,
    VOID,
    WIKIDATA_ENTITY,
    XSD,
    all_prefixes,
)
from kg.publish.dumps import Dump, write_dumps
from kg.publish.licences import WHOLE_RIGHTS, GraphLicence, every_licence, graph_licences
from kg.publish.rdfwrite import by_subject
from kg.settings import Settings
from kg.store import GraphStore, Term

SPDX = "http://spdx.org/rdf/terms#"
IANA = "https://www.iana.org/assignments/media-types/"

#: Prefixes of the description as written (the project's, plus SPDX).
EXTRA_PREFIXES = {"spdx": SPDX}

DATASET_PATH = "id/dataset/kg"
FILE_NAME = "void.ttl"
#: Sub-directory of a build (``var/stores/<id>/``) holding the dumps and ``void.ttl``.
DUMPS_DIR = "dumps"
#: Where the web layer answers with the description, relative to the site root.
DESCRIPTION_PATH = ".well-known/void"
#: Licence of what the project writes itself; each source keeps its own (kg.publish.licences).
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
EXAMPLES = 3


@dataclass(frozen=True)
class Target:
    """A dataset the graph links to: links are triples whose object is under ``uri_space``,
    with one of ``predicates`` (any predicate when empty)."""

    key: str
    dataset: str
    title: str
    uri_space: str
    #: ``{ontology}`` stands for the project's ontology namespace (``{base}ontology#``)
    predicates: tuple[str, ...] = ()

    def predicates_for(self, base: str) -> tuple[str, ...]:
        return tuple(p.replace("{ontology}", base + "ontology#") for p in self.predicates)


TARGETS = (
    Target(
        "wikidata",
        "http://www.wikidata.org/",
        "Wikidata",
        WIKIDATA_ENTITY,
        (OWL + "sameAs",),
    ),
    Target(
        "nace",
        "http://data.europa.eu/ux2/nace2/nace2",
        "NACE Rev. 2",
        NACE2,
        tuple(
            SKOS + m
            for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
        ),
    ),
    # the predicates the model links to NUTS with: listing them spares a scan of every
    # triple with an IRI object, most of them observations
    Target(
        "nuts",
        "http://data.europa.eu/nuts",
        "NUTS",
        NUTS_CODE,
        (DCT + "isPartOf", "{ontology}refArea"),
    ),
)

#: Classes whose instances are shown as examples, in order of preference; when they have
#: too few, the largest classes follow.
EXAMPLE_CLASSES = (ORG + "Organization",)

# --- the queries (the default graph is the union of the named graphs) -------------------

#: Triples in each named graph.
GRAPH_TRIPLES = "SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
#: What each graph says about itself: ``<> dct:source doc:… ; dct:title "…"`` in the file.
GRAPH_SELF = """
SELECT ?g ?p ?v WHERE {
  VALUES ?p { dct:source dct:title }
  GRAPH ?g { ?g ?p ?v }
}
"""
#: Distinct triples per property (a triple stated in two graphs counts once).
PROPERTY_PARTITION = """
SELECT ?p (COUNT(*) AS ?triples) WHERE {
  { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }
} GROUP BY ?p
"""
#: Distinct subjects, and those that are IRIs under ``?space`` (the entities). The test is
#: an aggregate over distinct subjects so that STR() runs once per subject, not per triple.
SUBJECTS = """
SELECT ?space (COUNT(?s) AS ?subjects)
       (SUM(IF(isIRI(?s) && STRSTARTS(STR(?s), ?space), 1, 0)) AS ?entities)
WHERE { { SELECT DISTINCT ?s WHERE { ?s ?p ?o } } }
GROUP BY ?space
"""
#: Distinct instances per class.
CLASS_PARTITION = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?entities) WHERE { ?s a ?class } GROUP BY ?class
"""
#: The first few instances of ``?class`` under ``?space``.
EXAMPLE_RESOURCES = f"""
SELECT ?class ?space ?s WHERE {{
  ?s a ?class FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?space))
}} ORDER BY ?s LIMIT {EXAMPLES}
"""
#: Distinct ``?p`` triples whose object is an IRI under ``?space`` (``?p`` given).
LINKS_VIA = """
SELECT ?p ?space (COUNT(*) AS ?triples) WHERE {
  { SELECT DISTINCT ?p ?space ?s ?o WHERE {
      ?s ?p ?o FILTER(isIRI(?o) && STRSTARTS(STR(?o), ?space))
  } }
} GROUP BY ?p ?space
"""
#: Distinct triples whose object is an IRI under ``?space``, per predicate (any). Grouped by
#: (predicate, object) first so that STR() runs once per distinct object.
LINKS_ANY = """
SELECT ?space ?p (SUM(IF(STRSTARTS(STR(?o), ?space), ?n, 0)) AS ?triples) WHERE {
  { SELECT ?p ?o (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?o)) } GROUP BY ?p ?o }
} GROUP BY ?space ?p
HAVING (SUM(IF(STRSTARTS(STR(?o), ?space), ?n, 0)) > 0)
"""

QUERY_PREFIXES = {"dct": DCT}


@dataclass
class Statistics:
    graphs: dict[str, int] = field(default_factory=dict)
    #: graph -> (predicate, value) of what the graph says about itself
    graph_self: dict[str, list[tuple[str, Term]]] = field(default_factory=dict)
    #: property -> distinct triples
    properties: dict[str, int] = field(default_factory=dict)
    subjects: int = 0
    entities: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    #: (target key, link predicate) -> distinct triples
    links: dict[tuple[str, str], int] = field(default_factory=dict)
    #: graph -> the licences its sources state (kg.publish.licences)
    licences: dict[str, GraphLicence] = field(default_factory=dict)

    @property
    def triples(self) -> int:
        return sum(self.properties.values())


def _rows(store: GraphStore, sparql: str, subs: Mapping[str, Term] | None = None) -> QuerySolutions:
    rows = store.query(sparql, subs, prefixes=QUERY_PREFIXES)
    if not isinstance(rows, QuerySolutions):
        raise StoreError("the store answered a SELECT query without solutions")
    return rows


def _int(term: Term | None) -> int:
    return int(term.value) if isinstance(term, Literal) else 0


def statistics(store: GraphStore, base: str) -> Statistics:
    """Everything the description counts, one query each."""
    stats = Statistics()
    space = Literal(base + "id/")
    for row in _rows(store, GRAPH_TRIPLES):
        stats.graphs[row["g"].value] = _int(row["triples"])
    for row in _rows(store, GRAPH_SELF):
        stats.graph_self.setdefault(row["g"].value, []).append((row["p"].value, row["v"]))
    for row in _rows(store, PROPERTY_PARTITION):
        stats.properties[row["p"].value] = _int(row["triples"])
    for row in _rows(store, SUBJECTS, {"space": space}):
        stats.subjects, stats.entities = _int(row["subjects"]), _int(row["entities"])
    for row in _rows(store, CLASS_PARTITION):
        if isinstance(row["class"], NamedNode):
            stats.classes[row["class"].value] = _int(row["entities"])
    largest = sorted(stats.classes, key=lambda c: (-stats.classes[c], c))
    for cls in [*EXAMPLE_CLASSES, *largest]:
        if len(stats.examples) >= EXAMPLES:
            break
        for row in _rows(store, EXAMPLE_RESOURCES, {"class": NamedNode(cls), "space": space}):
            if row["s"].value not in stats.examples and len(stats.examples) < EXAMPLES:
                stats.examples.append(row["s"].value)
    for target in TARGETS:
        target_space = Literal(target.uri_space)
        found: list[QuerySolution] = []
        if target.predicates:
            for p in target.predicates_for(base):
                found += _rows(store, LINKS_VIA, {"p": NamedNode(p), "space": target_space})
        else:
            found += _rows(store, LINKS_ANY, {"space": target_space})
        for row in found:
            if _int(row["triples"]):
                stats.links[(target.key, row["p"].value)] = _int(row["triples"])
    # the sources name licences by the EU table's IRIs: no table to map them with
    stats.licences = graph_licences(store, sorted(stats.graphs), {})
    return stats


# --- the description --------------------------------------------------------------------


def dataset_iri(base: str) -> str:
    return base + DATASET_PATH


def _slug(iri: str, prefixes: Mapping[str, str]) -> str:
    """``org-Organization`` for a term under a known prefix, else the percent-encoded IRI.
    Prefix names hold no ``-``, so the two forms never collide."""
    for name, ns in sorted(prefixes.items(), key=lambda item: -len(item[1])):
        local = iri[len(ns) :]
        if iri.startswith(ns) and re.fullmatch(r"[A-Za-z0-9_.-]+", local):
            return f"{name}-{local}"
    return quote(iri, safe="")


def _integer(n: int) -> Literal:
    return Literal(str(n), datatype=NamedNode(XSD + "integer"))


def vocabularies(stats: Statistics, base: str) -> list[str]:
    """Namespaces of the properties and classes used: the reused vocabularies and the
    project's ontology."""
    namespaces = [*REUSED_PREFIXES.values(), base + "ontology#"]
    used = set(stats.properties) | set(stats.classes)
    return sorted(ns for ns in namespaces if any(term.startswith(ns) for term in used))


class _Triples:
    """The description's triples, in the order they are added."""

    def __init__(self) -> None:
        self.out: list[Triple] = []

    def add(self, s: NamedNode, p: str, o: NamedNode | Literal | str) -> None:
        self.out.append(Triple(s, NamedNode(p), NamedNode(o) if isinstance(o, str) else o))


def describe(
    stats: Statistics,
    base: str,
    dumps: Sequence[Dump] | None,
    endpoint_url: str,
    texts: GraphTexts,
) -> list[Triple]:
    """The VoID description as triples, from statistics already counted; the graph's
    title and description are the deployment's (kg.deployment)."""
    prefixes = all_prefixes(base)
    root = urljoin(endpoint_url, ".")
    kg = NamedNode(dataset_iri(base))
    t = _Triples()
    description = NamedNode(root + DESCRIPTION_PATH)
    t.add(description, RDF + "type", VOID + "DatasetDescription")
    t.add(
        description,
        DCT + "title",
        Literal("VoID description of the knowledge graph", language="en"),
    )
    t.add(description, FOAF + "primaryTopic", kg)
    # the DCAT-AP catalogue (kg.publish.catalog) describes the same dataset for portals
    t.add(description, RDFS_SEE_ALSO, root + "catalog")
    _describe_dataset(t, kg, stats, base, root, endpoint_url, texts)
    for dump in dumps or []:
        _describe_dump(t, kg, root, dump)
    _describe_partitions(t, kg, stats, prefixes)
    _describe_links(t, kg, stats, prefixes)
    return by_subject(t.out)


def _describe_dataset(
    t: _Triples,
    kg: NamedNode,
    stats: Statistics,
    base: str,
    root: str,
    endpoint_url: str,
    texts: GraphTexts,
) -> None:
    t.add(kg, RDF + "type", VOID + "Dataset")
    for lang, text in texts.titles.items():
        t.add(kg, DCT + "title", Literal(text, language=lang or None))
    for lang, text in texts.descriptions.items():
        t.add(kg, DCT + "description", Literal(text, language=lang or None))
    # the whole is under every licence of its parts; each subset names its own
    for licence in every_licence(stats.licences.values()):
        t.add(kg, DCT + "license", licence)
    t.add(kg, DCT + "rights", Literal(WHOLE_RIGHTS, language="en"))
    t.add(kg, FOAF + "homepage", root)
    t.add(kg, VOID + "sparqlEndpoint", endpoint_url)
    t.add(kg, VOID + "uriSpace", Literal(base + "id/"))
    for ns in vocabularies(stats, base):
        t.add(kg, VOID + "vocabulary", ns)
    for example in stats.examples:
        t.add(kg, VOID + "exampleResource", example)
    t.add(kg, VOID + "triples", _integer(stats.triples))
    t.add(kg, VOID + "entities", _integer(stats.entities))
    t.add(kg, VOID + "distinctSubjects", _integer(stats.subjects))
    t.add(kg, VOID + "properties", _integer(len(stats.properties)))
    t.add(kg, VOID + "classes", _integer(len(stats.classes)))


def _describe_dump(t: _Triples, kg: NamedNode, root: str, dump: Dump) -> None:
    url = NamedNode(urljoin(root, "dumps/" + quote(dump.name)))
    fmt = RdfFormat.from_media_type(dump.media_type)
    if fmt is not None:
        t.add(kg, VOID + "feature", fmt.iri)
    t.add(kg, VOID + "dataDump", url)
    t.add(url, RDF + "type", DCAT + "Distribution")
    t.add(url, DCAT + "downloadURL", url)
    t.add(url, DCAT + "mediaType", IANA + dump.media_type)
    if dump.compression == "gzip":
        t.add(url, DCAT + "compressFormat", IANA + "application/gzip")
    t.add(
        url,
        DCAT + "byteSize",
        Literal(str(dump.byte_size), datatype=NamedNode(XSD + "nonNegativeInteger")),
    )
    checksum = NamedNode(url.value + "#sha256")
    t.add(url, SPDX + "checksum", checksum)
    t.add(checksum, RDF + "type", SPDX + "Checksum")
    t.add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
    t.add(
        checksum,
        SPDX + "checksumValue",
        Literal(dump.sha256, datatype=NamedNode(XSD + "hexBinary")),
    )


def _describe_partitions(
    t: _Triples, kg: NamedNode, stats: Statistics, prefixes: Mapping[str, str]
) -> None:
    """Class and property partitions, and each named graph as a subset."""
    for cls in sorted(stats.classes):
        part = NamedNode(f"{kg.value}#class-{_slug(cls, prefixes)}")
        t.add(kg, VOID + "classPartition", part)
        t.add(part, VOID + "class", cls)
        t.add(part, VOID + "entities", _integer(stats.classes[cls]))
    for prop in sorted(stats.properties):
        part = NamedNode(f"{kg.value}#property-{_slug(prop, prefixes)}")
        t.add(kg, VOID + "propertyPartition", part)
        t.add(part, VOID + "property", prop)
        t.add(part, VOID + "triples", _integer(stats.properties[prop]))
    for graph in sorted(stats.graphs):
        subset = NamedNode(graph)
        t.add(kg, VOID + "subset", subset)
        t.add(subset, RDF + "type", VOID + "Dataset")
        t.add(subset, VOID + "triples", _integer(stats.graphs[graph]))
        for p, stated in stats.licences[graph].statements() if graph in stats.licences else []:
            t.add(subset, p, stated)
        for p, value in sorted(stats.graph_self.get(graph, []), key=lambda pv: (pv[0], str(pv[1]))):
            if isinstance(value, (NamedNode, Literal)):
                t.add(subset, p, value)


def _describe_links(
    t: _Triples, kg: NamedNode, stats: Statistics, prefixes: Mapping[str, str]
) -> None:
    """The datasets linked to, and a linkset per (dataset, link predicate)."""
    targets = {target.key: target for target in TARGETS}
    for key in sorted({k for k, _ in stats.links}):
        target = targets[key]
        t.add(NamedNode(target.dataset), RDF + "type", VOID + "Dataset")
        t.add(NamedNode(target.dataset), DCT + "title", Literal(target.title, language="en"))
        t.add(NamedNode(target.dataset), VOID + "uriSpace", Literal(target.uri_space))
    for (key, predicate), triples in sorted(stats.links.items()):
        linkset = NamedNode(f"{kg.value}#linkset-{key}-{_slug(predicate, prefixes)}")
        t.add(kg, VOID + "subset", linkset)
        t.add(linkset, RDF + "type", VOID + "Linkset")
        t.add(linkset, VOID + "subjectsTarget", kg)
        t.add(linkset, VOID + "objectsTarget", targets[key].dataset)
        t.add(linkset, VOID + "linkPredicate", predicate)
        t.add(linkset, VOID + "triples", _integer(triples))


def void_description(
    store: GraphStore,
    base: str,
    dumps: Sequence[Dump] | None,
    endpoint_url: str,
    texts: GraphTexts,
) -> list[Triple]:
    """Count (a few aggregate queries over the whole graph) and describe."""
    return describe(statistics(store, base), base, dumps, endpoint_url, texts)


def description_prefixes(base: str) -> dict[str, str]:
    """Prefixes for writing the description: the project's, SPDX, and ``kg:`` for the
    partitions and linksets (fragments of the dataset's IRI)."""
    return {**all_prefixes(base), **EXTRA_PREFIXES, "kg": dataset_iri(base) + "#"}


def write_void(
    store: GraphStore,
    out_dir: Path,
    base: str,
    dumps: Sequence[Dump] | None,
    endpoint_url: str,
    texts: GraphTexts,
    stats: Statistics | None = None,
) -> Path:
    """Write the description as Turtle to ``out_dir/void.ttl`` (counting the statistics
    unless they are given)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    tmp = path.with_name(path.name + ".tmp")
    counted = stats if stats is not None else statistics(store, base)
    triples = describe(counted, base, dumps, endpoint_url, texts)
    serialize(triples, tmp, RdfFormat.TURTLE, prefixes=description_prefixes(base))
    tmp.replace(path)
    return path


def publish(
    store: GraphStore,
    out_dir: Path,
    base: str,
    endpoint_url: str,
    texts: GraphTexts,
    build_id: str | None = None,
) -> list[Dump]:
    """The dumps, ``dumps.json`` and ``void.ttl`` of one build, into ``out_dir``. The
    statistics are counted in a thread of their own while the dumps are written: the
    aggregates run in pyoxigraph without the GIL, the dumps' pass is mostly Python, and the
    dumps were the longest lane of the build's derived steps."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="void-statistics") as pool:
        counting = pool.submit(statistics, store, base)
        dumps = write_dumps(store, out_dir, base, build_id)
        stats = counting.result()
    write_void(store, out_dir, base, dumps, endpoint_url, texts, stats)
    return dumps


def derive(settings: Settings, store: GraphStore, build_dir: Path) -> None:
    """The build step (kg.publish.derived): dumps and description into ``<build dir>/dumps``, where
    the web layer finds them beside the serving store. The public SPARQL endpoint is taken
    to be ``{base}sparql``, and the dumps ``{base}dumps/…``."""
    build_id = build_dir.name.removesuffix(".partial")
    url = settings.base + "sparql"
    publish(store, build_dir / DUMPS_DIR, settings.base, url, graph_texts(settings.root), build_id)
