"""What our own graph knows of the entities to reconcile: municipalities with their NIS
code, organisations with their enterprise number, website, names and municipality, people
(only those in a public role are in the graph) with their names and organisations. Read
through the store interface."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, QuerySolutions

from kg.namespaces import WIKIDATA_ENTITY, all_prefixes
from kg.store import GraphStore

MUNICIPALITIES = """
SELECT ?entity ?nis ?label WHERE {
  ?entity a cci:Municipality ; skos:notation ?nis .
  OPTIONAL { ?entity skos:prefLabel ?label }
}"""

ORGANISATION_NAMES = """
SELECT ?entity ?label ?pref WHERE {
  ?entity a org:Organization .
  { ?entity skos:prefLabel ?label BIND(true AS ?pref) }
  UNION { ?entity skos:altLabel|legal:legalName ?label BIND(false AS ?pref) }
}"""

ORGANISATION_ENTERPRISE_NUMBERS = """
SELECT ?entity ?kbo WHERE {
  ?entity a org:Organization ; legal:legalIdentifier ?id .
  ?id a cci:EnterpriseNumber ; skos:notation ?kbo .
}"""

ORGANISATION_WEBSITES = """
SELECT ?entity ?site WHERE { ?entity a org:Organization ; foaf:homepage ?site }"""

ORGANISATION_MUNICIPALITIES = """
SELECT DISTINCT ?entity ?municipality WHERE {
  ?entity a org:Organization .
  { ?entity cci:municipality ?municipality }
  UNION { ?entity locn:address/cci:municipality ?municipality }
}"""

PEOPLE = """
SELECT ?entity ?name ?org WHERE {
  ?entity a foaf:Person ; foaf:name ?name .
  OPTIONAL { ?entity cci:affiliatedWith|cci:memberOf|cci:sitsOn|cci:leads|cci:coLeads ?org }
}"""

#: Wikidata items already stated for our entities (by a source, or links built before)
SAME_AS_WIKIDATA = f"""
SELECT ?entity ?item WHERE {{
  ?entity owl:sameAs ?item .
  FILTER(STRSTARTS(STR(?item), "{WIKIDATA_ENTITY}"))
}}"""


@dataclass
class Entity:
    """One of ours: what reconciliation may match it by."""

    iri: str
    kind: str  # municipality | organisation | person
    #: names with their language ("" for none); preferred names first
    names: list[Literal] = field(default_factory=list)
    alt_names: list[Literal] = field(default_factory=list)
    nis: str | None = None
    enterprise_numbers: list[str] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)

    def label(self) -> str:
        """A name to show a reviewer: French, Dutch, English, any."""
        for lang in ("fr", "nl", "en"):
            for name in self.names:
                if name.language == lang:
                    return name.value
        pool = self.names or self.alt_names
        return pool[0].value if pool else self.iri


def _rows(store: GraphStore, sparql: str, prefixes: dict[str, str], **bound: str) -> QuerySolutions:
    subs = {k: Literal(v) for k, v in bound.items()}
    rows = store.query(sparql, subs or None, prefixes=prefixes)
    assert isinstance(rows, QuerySolutions)
    return rows


def read_entities(store: GraphStore, base: str) -> list[Entity]:
    """Every municipality, organisation and person of the graph, in a stable order."""
    pre = all_prefixes(base)
    found: dict[str, Entity] = {}

    def get(iri: str, kind: str) -> Entity:
        return found.setdefault(iri, Entity(iri, kind))

    for r in _rows(store, MUNICIPALITIES, pre):
        e = get(r["entity"].value, "municipality")
        e.nis = r["nis"].value
        label = r["label"]
        if isinstance(label, Literal) and label not in e.names:
            e.names.append(label)
    for r in _rows(store, ORGANISATION_NAMES, pre):
        e = get(r["entity"].value, "organisation")
        label = r["label"]
        assert isinstance(label, Literal)
        pool = e.names if r["pref"].value == "true" else e.alt_names
        if label not in pool:
            pool.append(label)
    for r in _rows(store, ORGANISATION_ENTERPRISE_NUMBERS, pre):
        get(r["entity"].value, "organisation").enterprise_numbers.append(r["kbo"].value)
    for r in _rows(store, ORGANISATION_WEBSITES, pre):
        if isinstance(r["site"], NamedNode):
            get(r["entity"].value, "organisation").websites.append(r["site"].value)
    for r in _rows(store, ORGANISATION_MUNICIPALITIES, pre):
        get(r["entity"].value, "organisation").municipalities.append(r["municipality"].value)
    for r in _rows(store, PEOPLE, pre):
        e = get(r["entity"].value, "person")
        name = r["name"]
        if isinstance(name, Literal) and name not in e.names:
            e.names.append(name)
        if r["org"] is not None and r["org"].value not in e.organisations:
            e.organisations.append(r["org"].value)
    return [found[k] for k in sorted(found)]


def linked_items(store: GraphStore, base: str) -> dict[str, str]:
    """Our entity -> its Wikidata item, for those the graph already links."""
    rows = _rows(store, SAME_AS_WIKIDATA, all_prefixes(base))
    return {r["entity"].value: r["item"].value for r in rows}
