"""The parts of the DCAT-AP catalogue (kg.publish.catalog): the catalogue, the SPARQL
service, the whole graph with its dumps, one dataset per named graph, the licences.

Helper nodes (periods, rights statements, rights holders, distributions of a graph) are
fragments of the catalogue's IRI (``{base}catalog#…``), named after the graph, so that two
builds of the same sources give the same IRIs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from urllib.parse import quote

import shapely
from pyoxigraph import Literal, NamedNode, Triple

from kg import wkt
from kg.namespaces import DCAT, DCT, EU_AUTHORITY, FOAF, PROV, RDF, RDFS, SKOS, XSD
from kg.publish.catalogtexts import (
    EDITED_KINDS,
    KINDS,
    OTHER_KIND,
    RANGES,
    Facts,
    graph_path,
    human,
    pick,
)
from kg.publish.dumps import Dump
from kg.publish.licences import PROJECT_LICENCE, GraphLicence, one_licence
from kg.publish.rdfwrite import by_subject

IANA = "https://www.iana.org/assignments/media-types/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
GEO_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
PUBLIC = EU_AUTHORITY + "access-right/PUBLIC"
IRREGULAR = EU_AUTHORITY + "frequency/IRREG"
#: dump media type -> (file type in the EU table, the format's specification)
FORMATS = {
    "text/turtle": ("RDF_TURTLE", "https://www.w3.org/TR/turtle/", "Turtle"),
    "application/n-triples": ("RDF_N_TRIPLES", "https://www.w3.org/TR/n-triples/", "N-Triples"),
    "application/n-quads": ("RDF_N_QUADS", "https://www.w3.org/TR/n-quads/", "N-Quads"),
}
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
GRAPH_STORE_PROTOCOL = "https://www.w3.org/TR/sparql11-http-rdf-update/"
SPARQL_RESULTS_JSON = "application/sparql-results+json"


class Catalogue:
    """The catalogue's triples, built part by part."""

    def __init__(self, base: str, described: list[Triple], day: date, email: str | None) -> None:
        self.base = base
        self.catalog = NamedNode(base + "catalog")
        self.publisher = NamedNode(base + "catalog#publisher")
        self.contact = NamedNode(base + "catalog#contact")
        self.service = NamedNode(base + "sparql")
        shared = NamedNode(base + "catalog#shared")
        self.out = [t for t in described if t.subject != shared]
        self.shared = [(t.predicate.value, t.object) for t in described if t.subject == shared]
        spatial = [
            t.object.value
            for t in described
            if t.subject == self.catalog
            and t.predicate.value == DCT + "spatial"
            and isinstance(t.object, NamedNode)
        ]
        self.area = spatial[0] if spatial else None
        self.day = Literal(day.isoformat(), datatype=NamedNode(XSD + "date"))
        self.email = email
        self.licences: set[str] = set()
        self.typed = {
            (t.subject.value, t.object.value)
            for t in self.out
            if t.predicate.value == RDF + "type"
            and isinstance(t.subject, NamedNode)
            and isinstance(t.object, NamedNode)
        }

    def add(self, s: NamedNode, p: str, o: NamedNode | Literal | str) -> None:
        self.out.append(Triple(s, NamedNode(p), NamedNode(o) if isinstance(o, str) else o))

    def a(self, s: NamedNode | str, cls: str) -> None:
        """``s a cls``, once: the range checks need the types stated, not inferred."""
        node = NamedNode(s) if isinstance(s, str) else s
        if (node.value, cls) not in self.typed:
            self.typed.add((node.value, cls))
            self.add(node, RDF + "type", cls)

    def node(self, local: str) -> NamedNode:
        return NamedNode(f"{self.catalog.value}#{local}")

    def texts(self, s: NamedNode, p: str, texts: dict[str, str]) -> None:
        for lang, text in texts.items():
            self.add(s, p, Literal(text, language=lang or None))

    def triples(self) -> list[Triple]:
        """Each subject's triples together, so that Turtle states each subject once; the
        values of the properties in RANGES typed."""
        for t in list(self.out):
            cls = RANGES.get(t.predicate.value)
            if cls and isinstance(t.object, NamedNode):
                self.a(t.object, cls)
        return by_subject(self.out)

    # --- the catalogue, its publisher and contact, the area -----------------------------

    def describe_catalogue(self, shapes: list[str]) -> None:
        c = self.catalog
        self.add(c, DCT + "license", PROJECT_LICENCE)
        self.licences.add(PROJECT_LICENCE)
        self.add(c, DCT + "modified", self.day)
        self.add(c, DCAT + "service", self.service)
        self.a(self.base, FOAF + "Document")
        if self.email:
            self.add(self.contact, VCARD + "hasEmail", "mailto:" + self.email)
        if self.area:
            self._describe_area(NamedNode(self.area), shapes)

    def _describe_area(self, area: NamedNode, shapes: list[str]) -> None:
        geometries = [g for g in (wkt.read(s) for s in shapes) if g is not None]
        if not geometries:
            return
        whole = shapely.union_all(geometries)
        west, south, east, north = (round(v, 5) for v in whole.bounds)
        box = (
            f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))"
        )
        centre = whole.centroid
        point = f"POINT({round(centre.x, 5)} {round(centre.y, 5)})"
        self.add(area, DCAT + "bbox", Literal(box, datatype=NamedNode(GEO_WKT)))
        self.add(area, DCAT + "centroid", Literal(point, datatype=NamedNode(GEO_WKT)))

    def _common(self, s: NamedNode, kind_keyword: str, frequency: str | None) -> None:
        """What every dataset shares: publisher, contact, access, themes and keywords,
        area, languages (from data/catalog.ttl), its frequency, the build that made it."""
        self.a(s, DCAT + "Dataset")
        self.add(s, DCT + "publisher", self.publisher)
        self.add(s, DCAT + "contactPoint", self.contact)
        self.add(s, DCT + "accessRights", PUBLIC)
        for p, o in self.shared:
            if p == DCT + "accrualPeriodicity" and frequency:
                o = NamedNode(frequency)
            if isinstance(o, (NamedNode, Literal)):
                self.add(s, p, o)
        self.add(s, DCAT + "keyword", Literal(kind_keyword, language="en"))
        self.add(s, DCT + "modified", self.day)
        self.add(s, DCT + "conformsTo", self.base + "ontology")
        self.a(self.base + "ontology", DCT + "Standard")
        self.a(PUBLIC, DCT + "RightsStatement")

    def _period(self, s: NamedNode, local: str, years: Sequence[int]) -> None:
        if not years:
            return
        period = self.node(local + "-period")
        self.add(s, DCT + "temporal", period)
        self.a(period, DCT + "PeriodOfTime")
        year = NamedNode(XSD + "gYear")
        self.add(period, DCAT + "startDate", Literal(str(min(years)), datatype=year))
        self.add(period, DCAT + "endDate", Literal(str(max(years)), datatype=year))

    def _rights(self, local: str, texts: Sequence[Literal]) -> NamedNode:
        rights = self.node(local + "-rights")
        self.a(rights, DCT + "RightsStatement")
        for text in texts:
            self.add(rights, RDFS + "label", text)
        return rights

    # --- the SPARQL service -------------------------------------------------------------

    def describe_service(self, kg: NamedNode, graphs: Sequence[NamedNode]) -> None:
        s = self.service
        self.a(s, DCAT + "DataService")
        self.texts(
            s,
            DCT + "title",
            {
                "fr": "Point d'accès SPARQL du graphe",
                "nl": "SPARQL-eindpunt van de graaf",
                "en": "SPARQL endpoint of the graph",
            },
        )
        self.texts(
            s,
            DCT + "description",
            {
                "en": "SPARQL 1.1 queries over the whole graph (the default graph is the union "
                "of the named graphs) and each named graph read through the Graph Store "
                "Protocol; a GET without a query gives the service description.",
            },
        )
        self.add(s, DCAT + "endpointURL", s)
        self.add(s, DCAT + "endpointDescription", s)
        for spec in (SPARQL_PROTOCOL, GRAPH_STORE_PROTOCOL):
            self.add(s, DCT + "conformsTo", spec)
            self.a(spec, DCT + "Standard")
        self.add(s, DCT + "format", EU_AUTHORITY + "file-type/SPARQLQ")
        self.a(EU_AUTHORITY + "file-type/SPARQLQ", DCT + "MediaTypeOrExtent")
        self.add(s, DCT + "publisher", self.publisher)
        self.add(s, DCAT + "contactPoint", self.contact)
        self.add(s, DCT + "accessRights", PUBLIC)
        self.add(s, DCAT + "landingPage", self.base + "query")
        self.a(self.base + "query", FOAF + "Document")
        for p, o in self.shared:
            if p in (DCAT + "theme", DCAT + "keyword") and isinstance(o, (NamedNode, Literal)):
                self.add(s, p, o)
        for served in (kg, *graphs):
            self.add(s, DCAT + "servesDataset", served)

    # --- the whole graph and its dumps --------------------------------------------------

    def describe_kg(
        self,
        kg: NamedNode,
        titles: dict[str, str],
        descriptions: dict[str, str],
        years: Sequence[int],
        licences: Sequence[GraphLicence],
        dumps: Sequence[Dump],
    ) -> None:
        self.add(self.catalog, DCAT + "dataset", kg)
        self._common(kg, "knowledge graph", None)
        self.texts(kg, DCT + "title", titles)
        self.texts(kg, DCT + "description", descriptions)
        self.add(kg, DCT + "identifier", Literal(kg.value))
        self.add(kg, DCAT + "landingPage", self.base)
        self._period(kg, "kg", years)
        every = sorted({lic for entry in licences for lic in entry.licences})
        for lic in every:
            self.add(kg, DCT + "license", lic)
            self.licences.add(lic)
        rights = self._rights(
            "kg",
            [
                Literal(
                    "Every named graph keeps the licence of its source: each graph's dataset "
                    "in this catalogue names it. A file holding all of them is under all of "
                    "those licences: " + ", ".join(code(lic) for lic in every) + ".",
                    language="en",
                )
            ],
        )
        whole = one_licence(every)
        for dump in dumps:
            self._describe_dump(kg, dump, rights, whole)
        self._describe_sparql_distribution(kg, rights, whole)

    def _describe_dump(
        self, kg: NamedNode, dump: Dump, rights: NamedNode, licence: str | None
    ) -> None:
        url = NamedNode(self.base + "dumps/" + quote(dump.name))
        file_type, spec, name = FORMATS.get(dump.media_type, ("RDF", "", dump.media_type))
        self.add(kg, DCAT + "distribution", url)
        self.a(url, DCAT + "Distribution")
        how = "gzipped " if dump.compression == "gzip" else ""
        self.texts(url, DCT + "title", {"en": f"The whole graph as {how}{name}"})
        self.texts(
            url,
            DCT + "description",
            {
                "en": f"Every statement of the graph as {how}{name} "
                f"({dump.triples} statements), written by the build of {self.day.value}."
            },
        )
        self.add(url, DCAT + "accessURL", url)
        self.add(url, DCAT + "downloadURL", url)
        self._format(url, file_type, dump.media_type)
        if spec:
            self.add(url, DCT + "conformsTo", spec)
            self.a(spec, DCT + "Standard")
        if dump.compression == "gzip":
            self.add(url, DCAT + "compressFormat", IANA + "application/gzip")
            self.a(IANA + "application/gzip", DCT + "MediaType")
        size = Literal(str(dump.byte_size), datatype=NamedNode(XSD + "nonNegativeInteger"))
        self.add(url, DCAT + "byteSize", size)
        checksum = NamedNode(url.value + "#sha256")
        self.add(url, SPDX + "checksum", checksum)
        self.a(checksum, SPDX + "Checksum")
        self.add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        self.a(SPDX + "checksumAlgorithm_sha256", SPDX + "ChecksumAlgorithm")
        hex_value = Literal(dump.sha256, datatype=NamedNode(XSD + "hexBinary"))
        self.add(checksum, SPDX + "checksumValue", hex_value)
        self._file_rights(url, rights, licence)

    def _format(self, url: NamedNode, file_type: str, media_type: str) -> None:
        self.add(url, DCT + "format", EU_AUTHORITY + "file-type/" + file_type)
        self.a(EU_AUTHORITY + "file-type/" + file_type, DCT + "MediaTypeOrExtent")
        self.add(url, DCAT + "mediaType", IANA + media_type)
        self.a(IANA + media_type, DCT + "MediaType")

    def _file_rights(self, url: NamedNode, rights: NamedNode, licence: str | None) -> None:
        self.add(url, DCT + "rights", rights)
        self.add(url, DCT + "issued", self.day)
        self.add(url, DCT + "modified", self.day)
        if licence:
            self.add(url, DCT + "license", licence)
            self.licences.add(licence)

    def _describe_sparql_distribution(
        self, kg: NamedNode, rights: NamedNode, licence: str | None
    ) -> None:
        d = self.node("kg-sparql")
        self.add(kg, DCAT + "distribution", d)
        self.a(d, DCAT + "Distribution")
        self.texts(d, DCT + "title", {"en": "The graph through its SPARQL endpoint"})
        self.texts(d, DCT + "description", {"en": "SPARQL 1.1 queries over the whole graph."})
        self.add(d, DCAT + "accessURL", self.service)
        self.add(d, DCAT + "accessService", self.service)
        self._format(d, "SPARQLQ", SPARQL_RESULTS_JSON)
        self._file_rights(d, rights, licence)

    # --- one dataset per named graph ----------------------------------------------------

    def describe_graph(
        self, kg: NamedNode, graph: str, facts: Facts, licence: GraphLicence
    ) -> None:
        s = NamedNode(graph)
        path = graph_path(self.base, graph)
        local = path.replace("/", "-")
        kind = path.split("/", 1)[0]
        title_tpl, description_tpl, keyword = KINDS.get(kind, OTHER_KIND)
        self.add(self.catalog, DCAT + "dataset", s)
        self.add(kg, DCT + "hasPart", s)
        self.add(s, DCT + "isPartOf", kg)
        frequency = None if kind in EDITED_KINDS else IRREGULAR
        self._common(s, keyword, frequency)
        self.add(s, DCT + "identifier", Literal(graph))
        self._graph_texts(s, path, facts, title_tpl, description_tpl)
        self._period(s, local, facts.years)
        for source in facts.sources:
            self.add(s, PROV + "wasDerivedFrom", source)
            self.add(s, FOAF + "page", source)
            self.a(source, FOAF + "Document")
        for page in facts.pages:
            self.add(s, FOAF + "page", page)
            self.a(page, FOAF + "Document")
        for lic in licence.licences:
            self.add(s, DCT + "license", lic)
            self.licences.add(lic)
        self._holders(s, local, licence)
        rights = self._rights(local, self._rights_texts(licence, facts))
        self._describe_graph_file(s, local, graph, rights, one_licence(licence.licences))

    def _graph_texts(
        self,
        s: NamedNode,
        path: str,
        facts: Facts,
        title_tpl: dict[str, str],
        description_tpl: dict[str, str],
    ) -> None:
        name = human(path)
        titled = [pick(t) for t in facts.source_titles.values()]
        sources = "; ".join(sorted(titled)) or name
        if facts.titles:
            for title in facts.titles:
                self.add(s, DCT + "title", title)
        elif len(facts.source_titles) == 1:
            for title in next(iter(facts.source_titles.values())):
                self.add(s, DCT + "title", title)
        else:
            self.texts(s, DCT + "title", {k: v.format(name=name) for k, v in title_tpl.items()})
        self.texts(
            s,
            DCT + "description",
            {k: v.format(name=name, sources=sources) for k, v in description_tpl.items()},
        )

    def _holders(self, s: NamedNode, local: str, licence: GraphLicence) -> None:
        """The project holds the rights to its own work; of an imported dataset, the
        sources' rights statement says who does, and its publisher is named as creator."""
        if not licence.holders:
            self.add(s, DCT + "rightsHolder", self.publisher)
            return
        for i, name in enumerate(licence.holders, 1):
            creator = self.node(f"{local}-creator-{i}")
            self.add(s, DCT + "creator", creator)
            self.a(creator, FOAF + "Agent")
            self.add(creator, FOAF + "name", Literal(name, language="en"))

    @staticmethod
    def _rights_texts(licence: GraphLicence, facts: Facts) -> list[Literal]:
        if licence.rights:
            return list(licence.rights)
        text = "Written by the project under " + code(PROJECT_LICENCE) + "."
        if facts.sources:
            text += " The statements are drawn from the sources it cites, credited to them."
        return [Literal(text, language="en")]

    def _describe_graph_file(
        self, s: NamedNode, local: str, graph: str, rights: NamedNode, licence: str | None
    ) -> None:
        d = self.node(local + "-turtle")
        url = f"{self.base}store?graph={quote(graph, safe='')}"
        self.add(s, DCAT + "distribution", d)
        self.a(d, DCAT + "Distribution")
        self.texts(d, DCT + "title", {"en": "This graph as Turtle"})
        self.texts(
            d,
            DCT + "description",
            {"en": "The named graph as Turtle, read through the SPARQL Graph Store Protocol."},
        )
        self.add(d, DCAT + "accessURL", url)
        self.add(d, DCAT + "downloadURL", url)
        self.add(d, DCAT + "accessService", self.service)
        self._format(d, "RDF_TURTLE", "text/turtle")
        self.add(d, DCT + "conformsTo", FORMATS["text/turtle"][1])
        self._file_rights(d, rights, licence)

    # --- the licences -------------------------------------------------------------------

    def describe_licences(self, table: dict[str, tuple[str, str]]) -> None:
        for lic in sorted(self.licences):
            self.a(lic, DCT + "LicenseDocument")
            found = table.get(lic)
            if found:
                self.add(NamedNode(lic), RDFS + "seeAlso", found[1])
                self.add(NamedNode(lic), SKOS + "notation", Literal(found[0]))


def code(licence: str) -> str:
    """``CC_BY_4_0`` for the EU table's IRI of a licence."""
    return licence.rstrip("/").rsplit("/", 1)[-1]
