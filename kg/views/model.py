"""The view model of the linked-data pages (no web code here): the dataclasses the page
views return (``EntityView``, ``Ref``, ``Value``, ``RelationGroup``, ``Source``…), the
namespaces and page sizes they share, and the small helpers every view uses (CURIEs, local
names, query rows, pyoxigraph-serialised ``VALUES`` lists).

Where a query must name several nodes at once (the labels of the 20 neighbours on a page)
it is a CONSTRUCT whose ``VALUES`` block is written with pyoxigraph's own term
serialisation (``str(NamedNode(…))``, ``iri_values``), which escapes; values from a request
only ever enter a query as substitutions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Triple

from kg.errors import NotFound
from kg.labels import pick, pick_with_language
from kg.namespaces import DCT, FOAF, RDFS, SKOS, all_prefixes
from kg.store import GraphStore

#: Predicates that name a node, best first.
LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label", FOAF + "name", DCT + "title")
#: Relations shown per page of a group; more are paged (``?rel=…&page=N``).
GROUP_PAGE = 20
#: A group of up to this many members is ordered by name; a larger one by IRI (slugs follow
#: names), so that only the page shown needs labels.
BY_NAME = 200
#: Entities per page on listing pages (kinds, concepts, municipalities).
LIST_PAGE = 50


def cci(base: str) -> str:
    return base + "ontology#"


def prefixes(base: str) -> dict[str, str]:
    return all_prefixes(base)


def curie(iri: str, base: str) -> str:
    """``https://…/ontology#sector`` -> ``cci:sector``; the IRI when no prefix fits."""
    best = ""
    name = ""
    for prefix, ns in all_prefixes(base).items():
        if iri.startswith(ns) and len(ns) > len(best):
            rest = iri[len(ns) :]
            if rest and re.fullmatch(r"[\w.-]*", rest):
                best, name = ns, f"{prefix}:{rest}"
    return name or iri


def expand(name: str, base: str) -> str | None:
    """``cci:memberOf`` -> its IRI; a full http(s) IRI as it is; None otherwise."""
    if name.startswith(("http://", "https://")):
        return name
    prefix, sep, local = name.partition(":")
    ns = all_prefixes(base).get(prefix)
    if not sep or ns is None or not re.fullmatch(r"[\w.-]*", local):
        return None
    return ns + local


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


def select_rows(
    store: GraphStore, sparql: str, subs: Mapping[str, Any] | None, base: str
) -> list[Any]:
    result = store.query(sparql, subs, prefixes=prefixes(base))
    assert isinstance(result, QuerySolutions)
    return list(result)


def construct_triples(store: GraphStore, sparql: str, base: str) -> list[Triple]:
    result = store.query(sparql, prefixes=prefixes(base))
    assert not isinstance(result, QuerySolutions)
    return [t for t in result if isinstance(t, Triple)]  # type: ignore[union-attr]


def one_int(store: GraphStore, sparql: str, base: str) -> int:
    rows = select_rows(store, sparql, None, base)
    return int(rows[0]["n"].value) if rows and rows[0]["n"] is not None else 0


def iri_values(nodes: Iterable[str]) -> str:
    """A VALUES list written by pyoxigraph (NamedNode rejects what is not an IRI and
    serialises the rest escaped)."""
    return " ".join(str(NamedNode(n)) for n in sorted(set(nodes)))


def lang_of(term: Literal) -> str:
    return (term.language or "").lower()


def node_key(term: Any) -> str:
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return "_:" + term.value
    return str(term)


def chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sorted_graphs(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


def check_iri(iri: str) -> NamedNode:
    try:
        return NamedNode(iri)
    except ValueError:
        raise NotFound(f"{iri!r} is not an IRI") from None


@dataclass
class Labels:
    """Names of one node by language, from the best-ranked label predicate per language."""

    by_lang: dict[str, str] = field(default_factory=dict)
    _rank: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, text: str, lang: str, rank: int) -> None:
        old = self._rank.get(lang)
        if old is None or rank < old or (rank == old and text < self.by_lang[lang]):
            self.by_lang[lang] = text
            self._rank[lang] = rank

    def __bool__(self) -> bool:
        return bool(self.by_lang)


@dataclass
class Ref:
    """A node the page links to: its IRI, names by language, and kinds (class IRIs)."""

    iri: str
    labels: dict[str, str] = field(default_factory=dict)
    types: list[str] = field(default_factory=list)

    def label(self, lang: str) -> tuple[str, str] | None:
        """(text, language) in the reader's language along kg.labels' chain."""
        return pick_with_language(self.labels, lang)

    def text(self, lang: str) -> str:
        found = pick(self.labels, lang)
        return found if found is not None else local_name(self.iri)


@dataclass
class Value:
    """One object of a statement, and the graphs that state it."""

    term: NamedNode | BlankNode | Literal
    ref: Ref | None = None  # for an IRI
    graphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.term.value

    @property
    def lang(self) -> str:
        return lang_of(self.term) if isinstance(self.term, Literal) else ""

    @property
    def datatype(self) -> str | None:
        return self.term.datatype.value if isinstance(self.term, Literal) else None


@dataclass
class Document:
    """What a graph cites: a source document, a dataset, a web edit."""

    iri: str
    titles: dict[str, str] = field(default_factory=dict)
    date: str | None = None
    publisher: str | None = None
    types: list[str] = field(default_factory=list)


@dataclass
class Source:
    """A named graph that states something on the page, and what it cites."""

    graph: str
    documents: list[Document] = field(default_factory=list)


@dataclass
class RelationDetail:
    """A reified cci:Relationship: role, period, description."""

    iri: str
    type: Ref | None = None
    role: Ref | None = None
    role_text: dict[str, str] = field(default_factory=dict)
    start: str | None = None
    end: str | None = None
    description: dict[str, str] = field(default_factory=dict)
    graphs: list[str] = field(default_factory=list)


@dataclass
class RelationItem:
    ref: Ref
    graphs: list[str] = field(default_factory=list)
    details: list[RelationDetail] = field(default_factory=list)


@dataclass
class RelationGroup:
    """The neighbours linked by one property in one direction."""

    prop: Ref
    direction: str  # "out" (the entity says it) or "in" (others say it of the entity)
    count: int
    page: int = 1
    items: list[RelationItem] = field(default_factory=list)
    size: int = GROUP_PAGE

    @property
    def key(self) -> str:
        """The group's name in ``?rel=``: the property, ``^`` before it when incoming."""
        return ("^" if self.direction == "in" else "") + self.prop.iri

    @property
    def pages(self) -> int:
        return pages(self.count, self.size)


def pages(count: int, size: int) -> int:
    return max(1, -(-count // size))


@dataclass
class Observation:
    iri: str
    measure: Ref | None = None
    value: str | None = None
    unit: str | None = None
    lower_bound: bool = False
    period: str | None = None
    period_label: dict[str, str] = field(default_factory=dict)
    area: Ref | None = None  # shown by its label ("Brussels-Capital Region", not BE100)
    subject: Ref | None = None
    #: the relation type a per-type measure counts (cci:viaRelationType), e.g. member of
    via: Ref | None = None
    description: dict[str, str] = field(default_factory=dict)
    graphs: list[str] = field(default_factory=list)


@dataclass
class Statement:
    """Any other statement: a property and its values."""

    prop: Ref
    values: list[Value] = field(default_factory=list)


@dataclass
class Geometry:
    wkt: str
    lat: float | None = None
    lon: float | None = None
    rings: list[list[tuple[float, float]]] = field(default_factory=list)  # (lat, lon)
    graphs: list[str] = field(default_factory=list)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        points = [p for ring in self.rings for p in ring]
        if not points:
            return None
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        return min(lats), min(lons), max(lats), max(lons)


@dataclass
class Identifier:
    scheme: str  # "kbo", "wikidata", "homepage", "other"
    value: str
    url: str | None
    graphs: list[str] = field(default_factory=list)


@dataclass
class Address:
    full: dict[str, str] = field(default_factory=dict)
    street: dict[str, str] = field(default_factory=dict)
    number: str | None = None
    post_code: str | None = None
    post_name: dict[str, str] = field(default_factory=dict)
    graphs: list[str] = field(default_factory=list)

    def lines(self, lang: str) -> list[str]:
        full = pick(self.full, lang)
        if full:
            return [full]
        street = " ".join(x for x in (pick(self.street, lang), self.number) if x)
        town = " ".join(x for x in (self.post_code, pick(self.post_name, lang)) if x)
        return [x for x in (street, town) if x]


@dataclass
class EntityView:
    iri: str
    labels: dict[str, str] = field(default_factory=dict)  # the name, by language
    names: list[Statement] = field(default_factory=list)  # pref, alt, legal names…
    types: list[Ref] = field(default_factory=list)
    description: list[Value] = field(default_factory=list)
    sectors: list[Value] = field(default_factory=list)
    services: list[Value] = field(default_factory=list)
    audiences: list[Value] = field(default_factory=list)
    address: Address | None = None
    municipality: Value | None = None
    geometry: Geometry | None = None
    identifiers: list[Identifier] = field(default_factory=list)
    relations: list[RelationGroup] = field(default_factory=list)
    takes_part_in: list[RelationItem] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    is_person: bool = False
    incoming_counts: dict[str, int] = field(default_factory=dict)
    #: the graphs of what the entity itself states (cited first on its page)
    own_graphs: list[str] = field(default_factory=list)

    def label(self, lang: str) -> tuple[str, str]:
        return pick_with_language(self.labels, lang) or (local_name(self.iri), "")

    def has_type(self, iri: str) -> bool:
        return any(t.iri == iri for t in self.types)

    def source_order(self) -> list[Source]:
        """Sources in the order the page first cites them."""
        return list(self.sources.values())
