"""Namespaces and prefixes used across the project, in one place."""

from __future__ import annotations

from pyoxigraph import NamedNode

DEFAULT_BASE = "https://data.creative.brussels/"

CCI = DEFAULT_BASE + "ontology#"

#: Prefixes of the project's own IRIs, relative to the base.
OWN_PREFIXES: dict[str, str] = {
    "cci": "ontology#",
    "sector": "id/concept/sector/",
    "essnet": "id/concept/essnet/",
    "media": "id/concept/media/",
    "service": "id/concept/service/",
    "audience": "id/concept/audience/",
    "reltype": "id/concept/relation/",
    "role": "id/concept/role/",
    "scheme": "id/scheme/",
    "o": "id/organisation/",
    "p": "id/person/",
    "prj": "id/project/",
    "ev": "id/event/",
    "pub": "id/publication/",
    "rel": "id/relationship/",
    "obs": "id/observation/",
    "doc": "id/document/",
    "ds": "id/dataset/",
    "mun": "id/municipality/",
    "place": "id/place/",
    "peer": "id/peer/",
    "profile": "id/profile/",
}

#: Vocabularies the project reuses. A predicate or class outside these namespaces and
#: outside the ontology is reported by the vocabulary check.
REUSED_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "legal": "http://www.w3.org/ns/legal#",
    "rov": "http://www.w3.org/ns/regorg#",
    "locn": "http://www.w3.org/ns/locn#",
    "cv": "http://data.europa.eu/m8g/",
    "adms": "http://www.w3.org/ns/adms#",
    "schema": "http://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "cs": "http://purl.org/vocab/changeset/schema#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "qb": "http://purl.org/linked-data/cube#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
}


#: The register's public search page of an enterprise: this followed by its ten digits.
KBO_PUBLIC_SEARCH = "https://kbopub.economie.fgov.be/kbopub/zoeknummerform.html?nummer="


# Each namespace and term once: strings where a term goes into SPARQL text or a
# comparison, NamedNode (the ``_NODE`` names) where pyoxigraph wants a term.
RDF = REUSED_PREFIXES["rdf"]
RDFS = REUSED_PREFIXES["rdfs"]
OWL = REUSED_PREFIXES["owl"]
XSD = REUSED_PREFIXES["xsd"]
SKOS = REUSED_PREFIXES["skos"]
DCT = REUSED_PREFIXES["dct"]
ORG = REUSED_PREFIXES["org"]
LEGAL = REUSED_PREFIXES["legal"]
LOCN = REUSED_PREFIXES["locn"]
ADMS = REUSED_PREFIXES["adms"]
SCHEMA = REUSED_PREFIXES["schema"]
FOAF = REUSED_PREFIXES["foaf"]
CV = REUSED_PREFIXES["cv"]
PROV = REUSED_PREFIXES["prov"]
DCAT = REUSED_PREFIXES["dcat"]
QB = REUSED_PREFIXES["qb"]
GEO = REUSED_PREFIXES["geo"]
SH = REUSED_PREFIXES["sh"]
VOID = REUSED_PREFIXES["void"]

RDF_TYPE = RDF + "type"
RDF_LANG_STRING = RDF + "langString"
RDFS_LABEL = RDFS + "label"
RDFS_SUBCLASS_OF = RDFS + "subClassOf"
RDFS_SEE_ALSO = RDFS + "seeAlso"
OWL_CLASS = OWL + "Class"
XSD_STRING = XSD + "string"
XSD_DATETIME = XSD + "dateTime"
SKOS_CONCEPT = SKOS + "Concept"
DCT_SOURCE = DCT + "source"
ORG_ORGANIZATION = ORG + "Organization"
FOAF_PERSON = FOAF + "Person"
GEO_WKT_LITERAL = GEO + "wktLiteral"

#: External identifiers the data links to (see reference/notes/eu-interop.md).
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
NACE2 = "http://data.europa.eu/ux2/nace2/"
NUTS_CODE = "http://data.europa.eu/nuts/code/"

#: the EU Publications Office's authority tables (licence/, language/, file-type/, …)
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"

RDF_TYPE_NODE = NamedNode(RDF_TYPE)
RDFS_LABEL_NODE = NamedNode(RDFS_LABEL)
DCT_SOURCE_NODE = NamedNode(DCT_SOURCE)
XSD_DATETIME_NODE = NamedNode(XSD_DATETIME)
GEO_WKT_LITERAL_NODE = NamedNode(GEO_WKT_LITERAL)


def own_prefixes(base: str) -> dict[str, str]:
    """The project's prefixes resolved against ``base``."""
    return {name: base + path for name, path in OWN_PREFIXES.items()}


def all_prefixes(base: str) -> dict[str, str]:
    return {**REUSED_PREFIXES, **own_prefixes(base)}


def sparql_prologue(base: str) -> str:
    """PREFIX declarations for every known prefix, for queries written by people."""
    return "".join(f"PREFIX {k}: <{v}>\n" for k, v in all_prefixes(base).items())
