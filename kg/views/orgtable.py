"""The organisations as a table people can take away (the pages' "Download organisations"):
one row each with name, kinds, sectors, municipality, address, website, KBO/BCE number and
sources, in the reader's language; narrowed by kind, sector, municipality or a list of
IRIs (a search's hits). Read through the store interface once per store and kept in its
cache; labels are picked per request."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.labels import pick
from kg.namespaces import CCI, FOAF, LOCN, RDF_TYPE, SKOS
from kg.store import GraphStore
from kg.views.graphsources import graph_sources
from kg.views.model import local_name, select_rows
from kg.views.overviews import municipality_counts
from kg.views.vocabcache import cached, remember, vocabulary

#: an organisation's own statements the table shows
ATTRIBUTES = """
SELECT ?o ?p ?v WHERE {
  ?o a org:Organization ; ?p ?v .
  FILTER(?p IN (rdf:type, skos:prefLabel, cci:sector, cci:municipality, foaf:homepage))
}"""
ENTERPRISE_NUMBERS = """
SELECT ?o ?v WHERE {
  ?o a org:Organization ; legal:legalIdentifier ?id .
  ?id a cci:EnterpriseNumber ; skos:notation ?v .
}"""
ADDRESSES = """
SELECT ?o ?a ?p ?v WHERE {
  ?o a org:Organization ; locn:address ?a .
  ?a ?p ?v .
  FILTER(?p IN (locn:fullAddress, locn:thoroughfare, locn:locatorDesignator, locn:postCode,
                locn:postName, cci:municipality))
}"""
GRAPHS = "SELECT DISTINCT ?o ?g WHERE { GRAPH ?g { ?o a org:Organization } }"

#: the columns, in order (their headings are the web layer's, in the reader's language)
COLUMNS = (
    "name",
    "kind",
    "sectors",
    "municipality",
    "address",
    "website",
    "enterprise_number",
    "source",
    "iri",
)
#: between several values of one cell
JOIN = "; "


@dataclass
class Address:
    full: dict[str, str] = field(default_factory=dict)  # language -> text
    #: locn local name (thoroughfare, postName…) -> language ("" untagged) -> text
    parts: dict[str, dict[str, str]] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The full address in ``lang`` (fallback chain), else street, number, postcode
        and place, each in ``lang`` as far as it is given."""
        chosen = pick(self.full, lang)
        if chosen:
            return chosen

        def part(name: str) -> str:
            return pick(self.parts.get(name, {}), lang) or ""

        street = " ".join(x for x in (part("thoroughfare"), part("locatorDesignator")) if x)
        place = " ".join(x for x in (part("postCode"), part("postName")) if x)
        return ", ".join(x for x in (street, place) if x)


@dataclass
class Organisation:
    iri: str
    names: dict[str, str] = field(default_factory=dict)
    types: set[str] = field(default_factory=set)
    sectors: set[str] = field(default_factory=set)
    municipalities: set[str] = field(default_factory=set)
    websites: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    addresses: dict[str, Address] = field(default_factory=dict)
    graphs: set[str] = field(default_factory=set)


@dataclass
class Table:
    """Every organisation of a store, and the labels its cells need."""

    organisations: dict[str, Organisation]
    labels: dict[str, dict[str, str]]  # kind, sector, municipality, document -> labels
    sources: dict[str, list[str]]  # graph -> the documents it cites
    kinds: list[str]
    municipalities: set[str] = field(default_factory=set)
    #: the concepts of the concept schemes (what ``sector`` may name)
    concepts: set[str] = field(default_factory=set)


def _text(v: object) -> tuple[str, str] | None:
    return (v.value, v.language or "") if isinstance(v, Literal) else None


def _read(store: GraphStore, base: str) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}

    def org(row: Any) -> Organisation:
        iri = row["o"].value
        return orgs.setdefault(iri, Organisation(iri))

    for r in select_rows(store, ATTRIBUTES, None, base):
        o, p, v = org(r), r["p"].value, r["v"]
        text = _text(v)
        if p == SKOS + "prefLabel" and text:
            o.names.setdefault(text[1], text[0])
        elif isinstance(v, NamedNode):
            target = {
                RDF_TYPE: o.types,
                CCI + "sector": o.sectors,
                CCI + "municipality": o.municipalities,
                FOAF + "homepage": o.websites,
            }.get(p)
            if target is not None:
                target.add(v.value)
    for r in select_rows(store, ENTERPRISE_NUMBERS, None, base):
        org(r).numbers.add(r["v"].value)
    for r in select_rows(store, ADDRESSES, None, base):
        o, p, v = org(r), r["p"].value, r["v"]
        address = o.addresses.setdefault(str(r["a"]), Address())
        if p == CCI + "municipality" and isinstance(v, NamedNode):
            o.municipalities.add(v.value)
        elif p == LOCN + "fullAddress" and isinstance(v, Literal):
            address.full.setdefault(v.language or "", v.value)
        elif isinstance(v, Literal):
            address.parts.setdefault(p.removeprefix(LOCN), {}).setdefault(v.language or "", v.value)
    for r in select_rows(store, GRAPHS, None, base):
        org(r).graphs.add(r["g"].value)
    return orgs


def table(store: GraphStore, base: str) -> Table:
    """The organisations and their labels, read once per store."""
    found = cached(store, "organisation-table")
    if found is not None:
        return found
    orgs = _read(store, base)
    vocab = vocabulary(store, base)
    labels: dict[str, dict[str, str]] = {}
    for o in orgs.values():
        for iri in o.types | o.sectors:
            labels.setdefault(iri, dict(vocab.ref(iri).labels))
    for count in municipality_counts(store, base):
        labels[count.ref.iri] = dict(count.ref.labels)
    graphs = sorted({g for o in orgs.values() for g in o.graphs})
    sources: dict[str, list[str]] = {}
    for graph, source in graph_sources(store, graphs, base).items():
        sources[graph] = [d.iri for d in source.documents]
        for d in source.documents:
            labels.setdefault(d.iri, dict(d.titles))
    found = Table(orgs, labels, sources, vocab.organisation_kinds(base))
    found.municipalities = {c.ref.iri for c in municipality_counts(store, base)}
    found.concepts = set(vocab.in_scheme)
    return remember(store, "organisation-table", found)


def select(
    t: Table,
    *,
    kind: str | None = None,
    sector: str | None = None,
    municipality: str | None = None,
    iris: Sequence[str] | None = None,
) -> list[Organisation]:
    """The organisations with that kind, sector and municipality (each when given), in
    the order of ``iris`` when given (a search's ranking), else all of them."""
    pool: Iterable[Organisation]
    if iris is not None:
        pool = [t.organisations[i] for i in dict.fromkeys(iris) if i in t.organisations]
    else:
        pool = t.organisations.values()
    return [
        o
        for o in pool
        if (kind is None or kind in o.types)
        and (sector is None or sector in o.sectors)
        and (municipality is None or municipality in o.municipalities)
    ]


def rows(
    t: Table, orgs: Iterable[Organisation], lang: str, *, by_name: bool = True
) -> list[list[str]]:
    """One row per organisation, cells in the order of COLUMNS, labels in ``lang`` along
    the fallback chain; by name unless the order is the caller's (a search's ranking)."""

    def label(iri: str) -> str:
        return pick(t.labels.get(iri, {}), lang) or local_name(iri)

    def cell(values: Iterable[str]) -> str:
        return JOIN.join(sorted(values, key=str.casefold))

    out = []
    for o in orgs:
        kinds = [k for k in t.kinds if k in o.types]
        documents = {d for g in o.graphs for d in t.sources.get(g, [])}
        out.append(
            [
                pick(o.names, lang) or local_name(o.iri),
                cell(label(k) for k in kinds),
                cell(label(s) for s in o.sectors),
                cell(label(m) for m in o.municipalities),
                cell({a.text(lang) for a in o.addresses.values()} - {""}),
                cell(o.websites),
                cell(o.numbers),
                cell({label(d) for d in documents}),
                o.iri,
            ]
        )
    if by_name:
        out.sort(key=lambda r: (r[0].casefold(), r[-1]))
    return out
