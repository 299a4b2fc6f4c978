"""What the DCAT-AP catalogue says in words and which classes it states (kg.publish.catalog):
the titles and descriptions of each kind of graph in fr, nl and en, the range types, and
what is read of each graph and its sources (``Facts``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode

from kg.namespaces import DCAT, DCT, FOAF, RDFS, SKOS

#: kind of graph (first segment of its path under {base}graph/) -> title and description
#: in fr, nl, en ({name}: the graph's name, {sources}: its sources' titles), a keyword
KINDS: dict[str, tuple[dict[str, str], dict[str, str], str]] = {
    "curated": (
        {"fr": "{name} : données curées", "nl": "{name}: gecureerde gegevens", "en": "{name}"},
        {
            "fr": "Affirmations tirées par le projet du document « {sources} » ; chacune le cite.",
            "nl": "Beweringen die het project uit het document ‘{sources}’ haalde; elk "
            "verwijst ernaar.",
            "en": "Statements curated by the project from the document ‘{sources}’; every "
            "statement cites it.",
        },
        "curated data",
    ),
    "import": (
        {
            "fr": "{name} : données ouvertes importées",
            "nl": "{name}: ingevoerde open data",
            "en": "{name}: imported open data",
        },
        {
            "fr": "Importé des jeux de données ouverts : {sources}.",
            "nl": "Ingevoerd uit de open datasets: {sources}.",
            "en": "Imported from the open datasets: {sources}.",
        },
        "open data",
    ),
    "derived": (
        {"fr": "{name} : mesures calculées", "nl": "{name}: berekende maten", "en": "{name}"},
        {
            "fr": "Mesures calculées par chaque construction du graphe : {sources}.",
            "nl": "Maten die elke opbouw van de graaf berekent: {sources}.",
            "en": "Figures computed by every build of the graph: {sources}.",
        },
        "network analysis",
    ),
    "snapshots": (
        {"fr": "Indicateurs : {name}", "nl": "Indicatoren: {name}", "en": "Indicators: {name}"},
        {
            "fr": "La valeur de chaque indicateur à une date (cube de données) : {sources}.",
            "nl": "De waarde van elke indicator op een datum (datakubus): {sources}.",
            "en": "The value of every indicator at one date (a data cube): {sources}.",
        },
        "indicators",
    ),
    "ontology": (
        {"fr": "Ontologie : {name}", "nl": "Ontologie: {name}", "en": "Ontology: {name}"},
        {
            "fr": "L'ontologie et les listes de codes qui décrivent le graphe ({name}).",
            "nl": "De ontologie en codelijsten waarmee de graaf beschreven is ({name}).",
            "en": "The ontology and code lists the graph is described with ({name}).",
        },
        "ontology",
    ),
    "shapes": (
        {"fr": "Formes SHACL : {name}", "nl": "SHACL-vormen: {name}", "en": "SHACL shapes: {name}"},
        {
            "fr": "Les formes SHACL selon lesquelles chaque entrée est validée ({name}).",
            "nl": "De SHACL-vormen waartegen elke invoer gevalideerd wordt ({name}).",
            "en": "The SHACL shapes every entry is validated against ({name}).",
        },
        "SHACL",
    ),
}
OTHER_KIND = (
    {"fr": "Graphe {name}", "nl": "Graaf {name}", "en": "Graph {name}"},
    {
        "fr": "Le graphe nommé {name} : {sources}.",
        "nl": "De benoemde graaf {name}: {sources}.",
        "en": "The named graph {name}: {sources}.",
    },
    "linked data",
)
#: the class DCAT-AP's range shapes want each value of these properties to have, stated
#: in the catalogue itself: the shapes check rdf:type without inference, and the EU tables
#: do not type their concepts so
RANGES = {
    DCT + "language": DCT + "LinguisticSystem",
    DCT + "accrualPeriodicity": DCT + "Frequency",
    DCT + "license": DCT + "LicenseDocument",
    DCT + "accessRights": DCT + "RightsStatement",
    DCT + "rights": DCT + "RightsStatement",
    DCT + "format": DCT + "MediaTypeOrExtent",
    DCAT + "mediaType": DCT + "MediaType",
    DCAT + "compressFormat": DCT + "MediaType",
    DCT + "conformsTo": DCT + "Standard",
    DCT + "spatial": DCT + "Location",
    FOAF + "page": FOAF + "Document",
    FOAF + "homepage": FOAF + "Document",
    DCAT + "landingPage": FOAF + "Document",
    DCAT + "theme": SKOS + "Concept",
    DCAT + "themeTaxonomy": SKOS + "ConceptScheme",
}

#: kinds whose graphs change when people edit entries (others change with their files)
EDITED_KINDS = ("curated",)


@dataclass
class Facts:
    """What one graph and its sources say: titles, sources with their titles and pages,
    the years its sources and figures are about."""

    titles: list[Literal] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    source_titles: dict[str, list[Literal]] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)

    def add_source(self, source: str, predicate: str, value: object) -> None:
        if source not in self.sources:
            self.sources.append(source)
        if predicate in (DCT + "title", SKOS + "prefLabel") and isinstance(value, Literal):
            self.source_titles.setdefault(source, []).append(value)
        elif predicate in (DCT + "issued", DCT + "date") and isinstance(value, Literal):
            self.add_years(value.value, value.value)
        elif predicate == RDFS + "seeAlso" and isinstance(value, NamedNode):
            self.pages += [] if value.value in self.pages else [value.value]

    def add_years(self, first: str, last: str) -> None:
        for text in (first, last):
            if re.match(r"\d{4}", text):
                self.years.append(int(text[:4]))


def pick(literals: Sequence[Literal], lang: str = "en") -> str:
    """The text in ``lang``, else the first (sorted, so that builds agree)."""
    ordered = sorted(literals, key=lambda lit: (lit.language or "", lit.value))
    for lit in ordered:
        if lit.language == lang:
            return lit.value
    return ordered[0].value if ordered else ""


def graph_path(base: str, graph: str) -> str:
    """``curated/seed-001-…`` for ``{base}graph/curated/seed-001-…``."""
    prefix = base + "graph/"
    return graph[len(prefix) :] if graph.startswith(prefix) else quote(graph, safe="")


def human(path: str) -> str:
    name = path.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    return name[:1].upper() + name[1:]
