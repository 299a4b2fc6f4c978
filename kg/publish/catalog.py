"""The DCAT-AP 3.0.1 catalogue of the knowledge graph, written by every build beside the
dumps and VoID (``var/stores/<id>/dumps/catalog.ttl``), served at ``/catalog``.

Made at build time, not per request, for the reasons VoID is: it needs the dumps' sizes
and checksums, which only the build knows, and a scan of every graph's sources; a harvester
then gets a file, and the catalogue changes exactly when the store does (it follows the
``var/store`` symlink like the dumps).

What it holds:

- what ``data/catalog.ttl`` says (title, publisher, contact, area, themes, keywords), with
  its relative IRIs resolved against the base, and the EU authority-table concepts it uses
  (``data/reference/eu-vocabularies.ttl``);
- ``{base}id/dataset/kg``, the whole graph, with the dumps and the SPARQL endpoint as its
  distributions, and one dataset per named graph (its IRI is the graph's) with the graph
  through the Graph Store Protocol as its distribution;
- the licences each graph's sources state (kg.publish.licences), the documents and
  datasets it was derived from, the periods its sources and figures cover;
- the SPARQL endpoint as a ``dcat:DataService`` serving every dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, QuerySolutions, RdfFormat, Triple, parse, serialize

from kg.deployment import graph_texts
from kg.errors import StoreError
from kg.namespaces import (
    DCAT,
    DCT,
    EU_AUTHORITY,
    FOAF,
    PROV,
    RDF,
    RDFS,
    SKOS,
    XSD,
)
from kg.publish import catalogparts as parts
from kg.publish.dumps import Dump, read_dumps
from kg.publish.licences import graph_licences, licence_table
from kg.publish.void import DUMPS_DIR, dataset_iri
from kg.settings import Settings
from kg.store import GraphStore

FILE_NAME = "catalog.ttl"
#: where the web layer answers with the catalogue, relative to the base
PATH = "catalog"
DESCRIPTION_FILE = Path("data/catalog.ttl")
VOCABULARIES_FILE = Path("data/reference/eu-vocabularies.ttl")

VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
DCATAP = "http://data.europa.eu/r5r/"
CATALOG_PREFIXES = {
    "dcat": DCAT,
    "dct": DCT,
    "foaf": FOAF,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "xsd": XSD,
    "vcard": VCARD,
    "spdx": SPDX,
    "locn": "http://www.w3.org/ns/locn#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "theme": EU_AUTHORITY + "data-theme/",
    "lang": EU_AUTHORITY + "language/",
    "filetype": EU_AUTHORITY + "file-type/",
    "freq": EU_AUTHORITY + "frequency/",
    "licence": EU_AUTHORITY + "licence/",
    "access": EU_AUTHORITY + "access-right/",
    "iana": parts.IANA,
    "nuts": "http://data.europa.eu/nuts/code/",
}

#: what each graph's sources say of themselves
SOURCE_FACTS = """
SELECT ?g ?d ?p ?v WHERE {
  GRAPH ?g { ?g dct:source ?d }
  VALUES ?p { dct:title skos:prefLabel dct:issued dct:date rdfs:seeAlso }
  ?d ?p ?v
}
"""
#: the title a graph gives itself (``<> dct:title "…"`` in its file)
GRAPH_TITLES = "SELECT ?g ?t WHERE { GRAPH ?g { ?g dct:title ?t } }"
#: the first and last period the figures of each graph are about
FIGURE_PERIODS = """
SELECT ?g (MIN(STR(?d)) AS ?first) (MAX(STR(?d)) AS ?last)
WHERE { GRAPH ?g { ?o cci:refPeriod ?d } } GROUP BY ?g
"""
#: the boundaries of the municipalities that are part of the catalogue's area
AREA_SHAPES = """
SELECT ?area ?wkt WHERE {
  ?m dct:isPartOf ?area ; locn:geometry ?geometry .
  ?geometry geo:asWKT ?wkt .
}
"""


def _select(store: GraphStore, sparql: str, base: str, **subs: NamedNode) -> QuerySolutions:
    prefixes = {**CATALOG_PREFIXES, "cci": base + "ontology#"}
    rows = store.query(sparql, subs or None, prefixes=prefixes)
    if not isinstance(rows, QuerySolutions):
        raise StoreError("the store answered a SELECT query without solutions")
    return rows


def graph_facts(store: GraphStore, base: str, graphs: Sequence[str]) -> dict[str, parts.Facts]:
    """Titles, sources, pages and years of each graph, four queries in all."""
    facts = {g: parts.Facts() for g in graphs}
    for row in _select(store, GRAPH_TITLES, base):
        entry = facts.get(row["g"].value)
        if entry is not None and isinstance(row["t"], Literal):
            entry.titles.append(row["t"])
    for row in _select(store, SOURCE_FACTS, base):
        entry = facts.get(row["g"].value)
        if entry is None:
            continue
        entry.add_source(row["d"].value, row["p"].value, row["v"])
    for row in _select(store, FIGURE_PERIODS, base):
        entry = facts.get(row["g"].value)
        if entry is not None:
            entry.add_years(row["first"].value, row["last"].value)
    return facts


def area_shapes(store: GraphStore, base: str, area: str) -> list[str]:
    return [
        row["wkt"].value
        for row in _select(store, AREA_SHAPES, base, area=NamedNode(area))
        if isinstance(row["wkt"], Literal)
    ]


def read_description(settings: Settings) -> list[Triple]:
    """``data/catalog.ttl`` and the concepts it uses, relative IRIs against the base."""
    out: list[Triple] = []
    for name in (DESCRIPTION_FILE, VOCABULARIES_FILE):
        path = settings.root / name
        try:
            data = path.read_bytes()
        except OSError as err:
            raise StoreError(f"cannot read {path}: {err}") from err
        try:
            out += [q.triple for q in parse(data, RdfFormat.TURTLE, base_iri=settings.base)]
        except SyntaxError as err:
            raise StoreError(f"{path}: {err}") from err
    return out


def build_day(build_id: str | None) -> date:
    """The day of a build id (``20261207T013842.7Z``), else today (UTC)."""
    if build_id and build_id[:8].isdigit():
        return date(int(build_id[:4]), int(build_id[4:6]), int(build_id[6:8]))
    return datetime.now(UTC).date()


def catalog_triples(
    settings: Settings, store: GraphStore, dumps: Sequence[Dump], day: date
) -> list[Triple]:
    """The whole catalogue as triples."""
    base = settings.base
    described = read_description(settings)
    c = parts.Catalogue(base, described, day, settings.contact_email)
    graphs = sorted(store.named_graphs())
    table = licence_table(settings.root)
    licences = graph_licences(store, graphs, table)
    facts = graph_facts(store, base, graphs)
    c.describe_catalogue(area_shapes(store, base, c.area) if c.area else [])
    kg = NamedNode(dataset_iri(base))
    c.describe_service(kg, [NamedNode(g) for g in graphs])
    years = [y for f in facts.values() for y in f.years]
    texts = graph_texts(settings.root)
    c.describe_kg(kg, texts.titles, texts.descriptions, years, [licences[g] for g in graphs], dumps)
    for graph in graphs:
        c.describe_graph(kg, graph, facts[graph], licences[graph])
    c.describe_licences(table)
    return c.triples()


def write_catalog(
    settings: Settings, store: GraphStore, out_dir: Path, dumps: Sequence[Dump], day: date
) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    tmp = path.with_name(path.name + ".tmp")
    triples = catalog_triples(settings, store, dumps, day)
    serialize(triples, tmp, RdfFormat.TURTLE, prefixes=catalog_prefixes(settings.base))
    tmp.replace(path)
    return path


def catalog_prefixes(base: str) -> dict[str, str]:
    return {**CATALOG_PREFIXES, "ds": base + "id/dataset/"}


def catalog_iri(base: str) -> str:
    return base + PATH


def dump_url(base: str, name: str) -> str:
    return base + "dumps/" + quote(name)


def derive(settings: Settings, store: GraphStore, build_dir: Path) -> None:
    """The build step, after the dumps (kg.publish.derived): ``<build dir>/dumps/catalog.ttl``."""
    out_dir = build_dir / DUMPS_DIR
    build_id, dumps = read_dumps(out_dir)
    write_catalog(settings, store, out_dir, dumps, build_day(build_id))
