"""What the graph says about one entity, for the linked-data pages (no web code here).

- ``describe(store, iri)``: the triples of the entity's RDF twins: what it says, what points
  to it, the description of the nodes it owns (address, geometry, identifier: IRIs under its
  own IRI, or blank nodes), the reified relationships it takes part in, and the labels of
  every neighbour.
- ``entity_view(store, iri, base)``: the data of an entity page: names by language, kinds,
  description, sectors/services/audiences, address and coordinates, identifiers, relations
  grouped by property in both directions (counted, paged), reified relationship details,
  figures, and for every statement the named graph(s) it is in and what each graph cites.
- ``concept_view``, ``ontology_view``, ``overview``, ``type_members``, ``kind_counts``,
  ``municipality_counts``, ``home_view``, ``sitemap_iris``, ``suggestions``: the other
  pages' data.

An entity page costs a handful of queries (about seven) that all start from the entity's
IRI, bound by substitution, so each is an index lookup: what it states (with graphs), what
points to it counted per property, the incoming statements themselves, the labels and kinds
of the neighbours shown (one CONSTRUCT), the reified relationships with those neighbours
and the figures (only when the counts say there are some), and what the graphs met cite.
A large incoming group is ordered by IRI and only its shown page is labelled; a small one
(up to ``BY_NAME``) is ordered by name. No query scans the graph: the cost follows the
entity's neighbourhood, not the size of the store. What a page needs of the vocabulary
(labels of classes, properties, concepts) is read once per store from the ontology graphs
and kept (``vocabulary``); so are the counts of the listing and home pages.

Where a query must name several nodes at once (the labels of the 20 neighbours on a page)
it is a CONSTRUCT whose ``VALUES`` block is written with pyoxigraph's own term
serialisation (``str(NamedNode(…))``), which escapes; values from a request only ever enter
a query as substitutions.
"""

from __future__ import annotations

import contextlib
import re
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Triple

from kg.errors import NotFound
from kg.labels import chain, pick, pick_with_language
from kg.namespaces import DEFAULT_BASE, REUSED_PREFIXES, all_prefixes
from kg.store import GraphStore

RDF = REUSED_PREFIXES["rdf"]
RDFS = REUSED_PREFIXES["rdfs"]
OWL = REUSED_PREFIXES["owl"]
SKOS = REUSED_PREFIXES["skos"]
DCT = REUSED_PREFIXES["dct"]
FOAF = REUSED_PREFIXES["foaf"]
ORG = REUSED_PREFIXES["org"]
LEGAL = REUSED_PREFIXES["legal"]
LOCN = REUSED_PREFIXES["locn"]
ADMS = REUSED_PREFIXES["adms"]
SCHEMA = REUSED_PREFIXES["schema"]
PROV = REUSED_PREFIXES["prov"]
QB = REUSED_PREFIXES["qb"]
GEO = REUSED_PREFIXES["geo"]

RDF_TYPE = RDF + "type"
#: Predicates that name a node, best first.
LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label", FOAF + "name", DCT + "title")
#: Relations shown per page of a group; more are paged (``?rel=…&page=N``).
GROUP_PAGE = 20
#: A group of up to this many members is ordered by name; a larger one by IRI (slugs follow
#: names), so that only the page shown needs labels.
BY_NAME = 200
#: Entities per page on listing pages (kinds, concepts, municipalities).
LIST_PAGE = 50
KBO_SEARCH = "https://kbopub.economie.fgov.be/kbopub/zoeknummerform.html?nummer="
WIKIDATA = "http://www.wikidata.org/entity/"


def cci(base: str) -> str:
    return base + "ontology#"


# ---- queries ---------------------------------------------------------------------------

#: The entity exists when it is the subject or the object of a statement.
EXISTS = "SELECT ?e WHERE { { ?e ?p ?o } UNION { ?s ?p ?e } } LIMIT 1"

#: describe(): ``{e}`` is ``str(NamedNode(iri))``, pyoxigraph's escaping serialisation.
DESCRIBE = """
CONSTRUCT {{
  {e} ?p ?o . ?s ?q {e} . ?n ?lp ?l . ?x ?xp ?xo . ?r ?rp ?ro .
}}
WHERE {{
  {{ {e} ?p ?o }}
  UNION {{ ?s ?q {e} }}
  UNION {{
    {e} ?p1 ?n . ?n ?lp ?l .
    FILTER(?lp IN (skos:prefLabel, rdfs:label, foaf:name, dct:title))
  }}
  UNION {{
    ?n ?p2 {e} . ?n ?lp ?l .
    FILTER(?lp IN (skos:prefLabel, rdfs:label, foaf:name, dct:title))
  }}
  UNION {{
    {e} ?p3 ?x . ?x ?xp ?xo .
    FILTER(isBlank(?x) || STRSTARTS(STR(?x), CONCAT(STR({e}), "/")))
  }}
  UNION {{ ?r cci:relSubject {e} ; ?rp ?ro . }}
  UNION {{ ?r cci:relObject {e} ; ?rp ?ro . }}
}}
"""

#: Every statement the entity makes, with the graph it is in.
OUTGOING = "SELECT ?e ?p ?o ?g WHERE { GRAPH ?g { ?e ?p ?o } }"

#: Incoming statements counted per property.
INCOMING_COUNTS = "SELECT ?e ?p (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?e } GROUP BY ?e ?p"

#: Every incoming statement that the page shows as a relation, with its graph.
INCOMING = """
SELECT ?e ?s ?p ?g WHERE {
  GRAPH ?g { ?s ?p ?e }
  FILTER(?p NOT IN (cci:relSubject, cci:relObject, cci:subject, rdf:type))
}
"""

#: The subjects of ``?s ?p ?e`` (a kind's members: ``?s a <class>``), with their graphs.
SUBJECTS = "SELECT ?e ?p ?s ?g WHERE { GRAPH ?g { ?s ?p ?e } }"

#: Labels and kinds of a set of nodes; ``{nodes}`` is a list of pyoxigraph-serialised IRIs.
#: (A FILTER, not a second VALUES: with two VALUES blocks the planner may start from the
#: predicates and scan every label in the store.)
NODES = """
CONSTRUCT {{ ?n ?p ?o }}
WHERE {{
  VALUES ?n {{ {nodes} }}
  ?n ?p ?o .
  FILTER(?p IN (skos:prefLabel, rdfs:label, foaf:name, dct:title, rdf:type))
}}
"""

#: The full description of nodes an entity owns (address, geometry, identifier).
OWNED = """
CONSTRUCT {{ ?n ?p ?o }}
WHERE {{ VALUES ?n {{ {nodes} }} ?n ?p ?o . }}
"""

#: The source of each graph: what it cites (dct:source), that document's title, date and
#: publisher; ``{graphs}`` as in NODES.
SOURCES = """
CONSTRUCT {{ ?g dct:source ?d . ?d ?p ?o }}
WHERE {{
  VALUES ?g {{ {graphs} }}
  ?g dct:source ?d .
  OPTIONAL {{
    ?d ?p ?o .
    FILTER(?p IN (dct:title, rdfs:label, skos:prefLabel, dct:issued, dct:date, dct:created,
                  dct:modified, prov:endedAtTime, dct:publisher, rdf:type))
  }}
}}
"""

#: The reified relationships between the entity ``{e}`` and the neighbours ``{others}``
#: a page shows (both serialised by pyoxigraph), with the graph stating each (as the
#: pseudo-statement ``?r <urn:x-kg:graph> ?g``: a CONSTRUCT gives triples, not quads).
#: The VALUES block sits inside each branch: the planner then starts from the neighbours.
RELATIONSHIPS = """
CONSTRUCT {{ ?r ?p ?o . ?r <urn:x-kg:graph> ?g }}
WHERE {{
  {{ VALUES ?other {{ {others} }} ?r cci:relObject ?other . GRAPH ?g {{ ?r cci:relSubject {e} }} }}
  UNION
  {{ VALUES ?other {{ {others} }} ?r cci:relSubject ?other . GRAPH ?g {{ ?r cci:relObject {e} }} }}
  ?r ?p ?o .
}}
"""
GRAPH_OF = "urn:x-kg:graph"

#: Figures about the entity (W3C Data Cube observations with cci:subject = entity).
OBSERVATIONS = """
SELECT ?e ?obs ?measure ?via ?value ?unit ?lower ?period ?periodLabel ?area ?desc ?g WHERE {
  GRAPH ?g { ?obs cci:subject ?e }
  OPTIONAL { ?obs qb:measureType ?measure }
  OPTIONAL { ?obs cci:viaRelationType ?via }
  OPTIONAL { ?obs cci:obsValue ?value }
  OPTIONAL { ?obs cci:unit ?unit }
  OPTIONAL { ?obs cci:isLowerBound ?lower }
  OPTIONAL { ?obs cci:refPeriod ?period }
  OPTIONAL { ?obs cci:refPeriodLabel ?periodLabel }
  OPTIONAL { ?obs cci:refArea ?area }
  OPTIONAL { ?obs dct:description ?desc }
}
"""

#: Everything in one graph (the ontology and concept-scheme graphs, read once per store).
GRAPH_CONTENT = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"

#: The graph(s) holding the ontology header.
ONTOLOGY_GRAPHS = "SELECT ?ont ?g WHERE { GRAPH ?g { ?ont a owl:Ontology } }"

#: Entities whose name holds a word (404 suggestions); up to three words, bound.
SUGGEST = """
SELECT ?w1 ?w2 ?w3 ?s (SAMPLE(?l) AS ?label) WHERE {
  VALUES ?lp { skos:prefLabel rdfs:label foaf:name }
  ?s ?lp ?l .
  FILTER(isIRI(?s))
  BIND(LCASE(STR(?l)) AS ?low)
  FILTER(CONTAINS(?low, ?w1) || CONTAINS(?low, ?w2) || CONTAINS(?low, ?w3))
}
GROUP BY ?w1 ?w2 ?w3 ?s
LIMIT 200
"""

#: Headline figures for the home page.
COUNT_ORGANISATIONS = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a org:Organization }"
COUNT_RELATIONS = """
SELECT (COUNT(*) AS ?n) WHERE {
  { SELECT DISTINCT ?s ?p ?o WHERE {
      ?type cci:directProperty ?p .
      ?s ?p ?o .
  } }
}
"""
COUNT_SECTORS_USED = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?o cci:sector ?c }"
COUNT_MUNICIPALITIES_COVERED = """
SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?x cci:municipality ?m . ?m a cci:Municipality }
"""
COUNT_SOURCES = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH ?g { ?g dct:source ?d } }"

#: Figures about sectors (observations whose subject is a concept), for the home page.
SECTOR_FIGURES = """
SELECT ?obs ?subject ?measure ?value ?unit ?lower ?period ?periodLabel ?area ?desc ?g WHERE {
  GRAPH ?g { ?obs a qb:Observation ; cci:subject ?subject }
  ?subject a skos:Concept .
  # published figures only: not the project's own indicators and network metrics
  FILTER NOT EXISTS { ?obs qb:dataSet ?own FILTER(?own IN (ds:kpi, ds:network-metrics)) }
  OPTIONAL { ?obs qb:measureType ?measure }
  OPTIONAL { ?obs cci:obsValue ?value }
  OPTIONAL { ?obs cci:unit ?unit }
  OPTIONAL { ?obs cci:isLowerBound ?lower }
  OPTIONAL { ?obs cci:refPeriod ?period }
  OPTIONAL { ?obs cci:refPeriodLabel ?periodLabel }
  OPTIONAL { ?obs cci:refArea ?area }
  OPTIONAL { ?obs dct:description ?desc }
}
"""

#: Entities of one graph (the home page's newest entries), main classes only. No ORDER
#: BY: a large graph (an import) is not sorted whole for eight names.
GRAPH_ENTRIES = """
SELECT ?g ?s WHERE {
  VALUES ?t { org:Organization foaf:Person cci:Project cci:Programme cci:Event
              cci:Publication cci:CulturalPlace }
  GRAPH ?g { ?s a ?t }
}
LIMIT 40
"""
#: Entries shown per graph on the home page.
NEWEST_ENTRIES = 8

#: How many entities each class has (the kinds overview).
TYPE_COUNTS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"
#: Municipalities and what lies in each, by kind.
MUNICIPALITY_COUNTS = """
SELECT ?m (COUNT(DISTINCT ?o) AS ?orgs) (COUNT(DISTINCT ?x) AS ?all) WHERE {
  ?m a cci:Municipality .
  OPTIONAL { ?x cci:municipality ?m OPTIONAL { ?x a org:Organization BIND(?x AS ?o) } }
} GROUP BY ?m
"""

#: Everything that has a page in the sitemap, by class (``?prefix``: ``{base}id/``).
SITEMAP = """
SELECT DISTINCT ?prefix ?s WHERE {
  VALUES ?t { org:Organization foaf:Person cci:Project cci:Programme cci:Event
              cci:Publication cci:CulturalPlace cci:Municipality skos:Concept
              skos:ConceptScheme cci:SourceDocument cci:SourceDataset }
  ?s a ?t .
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?prefix))
}
"""


# ---- small helpers ---------------------------------------------------------------------


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


def _rows(store: GraphStore, sparql: str, subs: Mapping[str, Any] | None, base: str) -> list[Any]:
    result = store.query(sparql, subs, prefixes=prefixes(base))
    assert isinstance(result, QuerySolutions)
    return list(result)


def _triples(store: GraphStore, sparql: str, base: str) -> list[Triple]:
    result = store.query(sparql, prefixes=prefixes(base))
    assert not isinstance(result, QuerySolutions)
    return [t for t in result if isinstance(t, Triple)]  # type: ignore[union-attr]


def _one_int(store: GraphStore, sparql: str, base: str) -> int:
    rows = _rows(store, sparql, None, base)
    return int(rows[0]["n"].value) if rows and rows[0]["n"] is not None else 0


def _values(nodes: Iterable[str]) -> str:
    """A VALUES list written by pyoxigraph (NamedNode rejects what is not an IRI and
    serialises the rest escaped)."""
    return " ".join(str(NamedNode(n)) for n in sorted(set(nodes)))


def _lang(term: Literal) -> str:
    return (term.language or "").lower()


def _node_key(term: Any) -> str:
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return "_:" + term.value
    return str(term)


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
        return _lang(self.term) if isinstance(self.term, Literal) else ""

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
    area: str | None = None
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


# ---- the vocabulary, read once per store -----------------------------------------------


@dataclass
class Vocabulary:
    """Labels and definitions of the ontology's terms and the concept schemes' concepts."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    definitions: dict[str, dict[str, str]] = field(default_factory=dict)
    types: dict[str, set[str]] = field(default_factory=dict)
    superclasses: dict[str, set[str]] = field(default_factory=dict)
    direct_property: dict[str, str] = field(default_factory=dict)  # relation type -> property
    in_scheme: dict[str, list[str]] = field(default_factory=dict)
    broader: dict[str, list[str]] = field(default_factory=dict)
    #: IRI-valued statements about the ontology's own terms (sub-class, domain, range…)
    facts: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    graphs: list[str] = field(default_factory=list)

    def ref(self, iri: str) -> Ref:
        return Ref(iri, dict(self.labels.get(iri, {})), sorted(self.types.get(iri, ())))

    def organisation_kinds(self, base: str) -> list[str]:
        """The ontology's organisation kinds (direct subclasses of org:Organization)."""
        return sorted(
            c
            for c, supers in self.superclasses.items()
            if ORG + "Organization" in supers and c.startswith(cci(base))
        )


_cache: weakref.WeakKeyDictionary[object, dict[str, Any]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _cached(store: GraphStore, key: str) -> Any:
    with _cache_lock:
        return _cache.get(store, {}).get(key)


def _remember(store: GraphStore, key: str, value: Any) -> Any:
    # a store that cannot be weakly referenced is simply not cached
    with _cache_lock, contextlib.suppress(TypeError):
        _cache.setdefault(store, {})[key] = value
    return value


def vocabulary(store: GraphStore, base: str) -> Vocabulary:
    """The ontology and concept schemes (graphs under ``{base}graph/ontology/``), kept
    per store: a new build is a new store, so the cache follows it."""
    found = _cached(store, "vocabulary")
    if found is not None:
        return found
    vocab = Vocabulary()
    prefix = base + "graph/ontology/"
    vocab.graphs = [g for g in store.named_graphs() if g.startswith(prefix)]
    ranks: dict[str, Labels] = {}
    for graph in vocab.graphs:
        for row in _rows(store, GRAPH_CONTENT, {"g": NamedNode(graph)}, base):
            s, p, o = row["s"], row["p"], row["o"]
            if not isinstance(s, NamedNode):
                continue
            if p.value in (SKOS + "prefLabel", RDFS + "label") and isinstance(o, Literal):
                rank = 0 if p.value == SKOS + "prefLabel" else 1
                ranks.setdefault(s.value, Labels()).add(o.value, _lang(o), rank)
            elif p.value == SKOS + "definition" and isinstance(o, Literal):
                vocab.definitions.setdefault(s.value, {})[_lang(o)] = o.value
            elif p.value == RDF_TYPE and isinstance(o, NamedNode):
                vocab.types.setdefault(s.value, set()).add(o.value)
            elif p.value == RDFS + "subClassOf" and isinstance(o, NamedNode):
                vocab.superclasses.setdefault(s.value, set()).add(o.value)
            elif p.value == cci(base) + "directProperty" and isinstance(o, NamedNode):
                vocab.direct_property[s.value] = o.value
            elif p.value == SKOS + "inScheme" and isinstance(o, NamedNode):
                vocab.in_scheme.setdefault(s.value, []).append(o.value)
            elif p.value == SKOS + "broader" and isinstance(o, NamedNode):
                vocab.broader.setdefault(s.value, []).append(o.value)
            elif p.value == SKOS + "narrower" and isinstance(o, NamedNode):
                vocab.broader.setdefault(o.value, []).append(s.value)
            if isinstance(o, NamedNode) and s.value.startswith(cci(base)):
                vocab.facts.setdefault(s.value, {}).setdefault(p.value, []).append(o.value)
    vocab.labels = {iri: labels.by_lang for iri, labels in ranks.items()}
    return _remember(store, "vocabulary", vocab)


# ---- describe ----------------------------------------------------------------------------


def _check_iri(iri: str) -> NamedNode:
    try:
        return NamedNode(iri)
    except ValueError:
        raise NotFound(f"{iri!r} is not an IRI") from None


def exists(store: GraphStore, iri: str, base: str) -> bool:
    try:
        node = NamedNode(iri)
    except ValueError:
        return False
    return bool(_rows(store, EXISTS, {"e": node}, base))


def describe(store: GraphStore, iri: str, base: str = DEFAULT_BASE) -> list[Triple]:
    """The triples of the entity's RDF twins (each triple once, sorted): what it says,
    what points to it, the labels of every neighbour, the nodes it owns, its reified
    relationships. ``base``: the deployment's base (for the ontology's namespace)."""
    node = _check_iri(iri)
    triples = _triples(store, DESCRIBE.format(e=str(node)), base)
    unique = {str(t): t for t in triples}
    return [unique[k] for k in sorted(unique)]


# ---- the entity page ---------------------------------------------------------------------


@dataclass
class _Collector:
    """Gathers the nodes whose labels a page needs, then fetches them in one query."""

    store: GraphStore
    base: str
    vocab: Vocabulary
    refs: dict[str, Ref] = field(default_factory=dict)
    fetched: set[str] = field(default_factory=set)

    def ref(self, iri: str) -> Ref:
        found = self.refs.get(iri)
        if found is None:
            found = self.refs[iri] = self.vocab.ref(iri)
        return found

    def fetch(self) -> None:
        """Labels and kinds of the nodes met since the last fetch (one query)."""
        wanted = [
            iri
            for iri in self.refs
            if iri not in self.fetched and iri not in self.vocab.labels and iri.startswith("http")
        ]
        self.fetched.update(wanted)
        if not wanted:
            return
        ranks: dict[str, Labels] = {}
        for chunk in _chunks(wanted, 400):
            try:
                triples = _triples(self.store, NODES.format(nodes=_values(chunk)), self.base)
            except ValueError:  # an IRI pyoxigraph refuses: leave it unlabelled
                continue
            for t in triples:
                s, p, o = _node_key(t.subject), t.predicate.value, t.object
                if p == RDF_TYPE and isinstance(o, NamedNode):
                    ref = self.refs[s]
                    if o.value not in ref.types:
                        ref.types.append(o.value)
                elif isinstance(o, Literal) and p in LABEL_PREDICATES:
                    ranks.setdefault(s, Labels()).add(o.value, _lang(o), LABEL_PREDICATES.index(p))
        for iri, labels in ranks.items():
            self.refs[iri].labels = labels.by_lang
        for ref in self.refs.values():
            ref.types.sort()


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _prop_sets(base: str) -> dict[str, set[str]]:
    sets = _base_prop_sets(base)
    sets["shown_elsewhere"] = set().union(
        *(sets[k] for k in ("names", "description", "sector", "service", "audience", "owned"))
    )
    return sets


def _base_prop_sets(base: str) -> dict[str, set[str]]:
    c = cci(base)
    return {
        "names": {
            SKOS + "prefLabel",
            SKOS + "altLabel",
            RDFS + "label",
            FOAF + "name",
            LEGAL + "legalName",
            DCT + "title",
        },
        "description": {DCT + "description", SKOS + "definition"},
        "sector": {c + "sector"},
        "service": {c + "offersService"},
        "audience": {c + "catersFor"},
        "owned": {
            LOCN + "address",
            LOCN + "geometry",
            LEGAL + "legalIdentifier",
            ADMS + "identifier",
        },
        # shown elsewhere on the page, or not a relation between entities
        "not_relations": {
            RDF_TYPE,
            c + "municipality",
            OWL + "sameAs",
            FOAF + "homepage",
            DCT + "source",
            c + "relSubject",
            c + "relObject",
            c + "subject",
        },
        # incoming statements that are not relations to show (reified, figures, kinds)
        "not_incoming": {c + "relSubject", c + "relObject", c + "subject", RDF_TYPE},
        # what a person's page may show besides names and relations (public roles)
        "person_public": {SCHEMA + "jobTitle", ORG + "role", c + "role"},
    }


#: The names of an entity, in the order a page shows them.
NAME_ORDER = (
    SKOS + "prefLabel",
    RDFS + "label",
    FOAF + "name",
    DCT + "title",
    SKOS + "altLabel",
    LEGAL + "legalName",
)


#: Kinds whose pages list where an entity takes part ("working groups, projects, events").
def _activity_kinds(base: str) -> set[str]:
    c = cci(base)
    return {
        c + "WorkingGroup",
        c + "SteeringCommittee",
        c + "Project",
        c + "Programme",
        c + "Event",
        c + "Mission",
    }


POINT = re.compile(
    r"^\s*(?:<[^>]*>\s*)?POINT\s*(?:Z\s*)?\(\s*([-+\d.eE]+)\s+([-+\d.eE]+)(?:\s+[-+\d.eE]+)?\s*\)\s*$",
    re.IGNORECASE,
)
RING = re.compile(r"\(([^()]+)\)")


def parse_wkt(wkt: str) -> Geometry:
    """A WKT literal (CRS84: longitude first) -> point (lat, lon) or polygon rings."""
    geometry = Geometry(wkt)
    point = POINT.match(wkt)
    if point:
        lon, lat = float(point.group(1)), float(point.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            geometry.lat, geometry.lon = lat, lon
        return geometry
    if re.match(r"^\s*(?:<[^>]*>\s*)?(MULTI)?POLYGON", wkt, re.IGNORECASE):
        for ring in RING.findall(wkt):
            points = []
            for pair in ring.split(","):
                parts = pair.split()
                if len(parts) >= 2:
                    try:
                        points.append((float(parts[1]), float(parts[0])))
                    except ValueError:
                        continue
            if points:
                geometry.rings.append(points)
        bounds = geometry.bounds
        if bounds:
            geometry.lat = (bounds[0] + bounds[2]) / 2
            geometry.lon = (bounds[1] + bounds[3]) / 2
    return geometry


def _graphs(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


def entity_view(
    store: GraphStore,
    iri: str,
    base: str = DEFAULT_BASE,
    *,
    lang: str = "fr",
    rel: str | None = None,
    page: int = 1,
    page_size: int = GROUP_PAGE,
) -> EntityView:
    """The data of one entity page. ``rel`` (a group key: the property IRI, ``^`` before
    it for incoming) and ``page`` choose the page of that group; other groups show their
    first page. Raises NotFound when nothing is said of or to the IRI."""
    node = _check_iri(iri)
    vocab = vocabulary(store, base)
    sets = _prop_sets(base)
    c = cci(base)
    collect = _Collector(store, base, vocab)
    view = EntityView(iri)
    subs = {"e": node}

    def page_of(key: str, count: int) -> int:
        return min(max(1, page) if rel == key else 1, pages(count, page_size))

    # --- what the entity says, by property and object, with the graphs saying it
    out_rows = _rows(store, OUTGOING, subs, base)
    counts = {
        row["p"].value: int(row["n"].value)
        for row in _rows(store, INCOMING_COUNTS, subs, base)
        if row["p"] is not None
    }
    if not out_rows and not counts:
        raise NotFound(f"nothing is known about <{iri}>")
    view.incoming_counts = counts
    stated: dict[str, dict[str, Value]] = {}
    for row in out_rows:
        o = row["o"]
        values = stated.setdefault(row["p"].value, {})
        value = values.get(_node_key(o))
        if value is None:
            value = values[_node_key(o)] = Value(o)
            if isinstance(o, NamedNode):
                value.ref = collect.ref(o.value)
        value.graphs = _graphs([*value.graphs, row["g"].value])
    view.own_graphs = _graphs(row["g"].value for row in out_rows)
    types = sorted(v.term.value for v in stated.get(RDF_TYPE, {}).values())
    view.types = [collect.ref(t) for t in types]
    view.is_person = FOAF + "Person" in types

    # the nodes it owns (address, geometry, identifier), described in full
    owned = [
        v.term.value
        for p in sets["owned"]
        for v in stated.get(p, {}).values()
        if isinstance(v.term, NamedNode)
    ]
    owned_triples: dict[str, list[Triple]] = {}
    if owned and not view.is_person:
        for t in _triples(store, OWNED.format(nodes=_values(owned)), base):
            owned_triples.setdefault(_node_key(t.subject), []).append(t)

    # --- what others say of it, by property: a group of up to BY_NAME members is ordered
    # by name (all labels fetched), a larger one by IRI (only the page shown is labelled)
    incoming: dict[str, dict[str, tuple[Any, list[str]]]] = {}
    if any(p not in sets["not_incoming"] for p in counts):
        for row in _rows(store, INCOMING, subs, base):
            s = row["s"]
            if isinstance(s, NamedNode | BlankNode):
                members = incoming.setdefault(row["p"].value, {})
                term, graphs = members.get(_node_key(s), (s, []))
                members[_node_key(s)] = (term, [*graphs, row["g"].value])
    pending: list[tuple[RelationGroup, list[RelationItem] | None]] = []
    for p, values in stated.items():
        if p in sets["shown_elsewhere"] or p in sets["not_relations"]:
            continue
        objects = [v for v in values.values() if not isinstance(v.term, Literal)]
        if objects:
            items = [RelationItem(v.ref or Ref(_node_key(v.term)), v.graphs) for v in objects]
            group = RelationGroup(collect.ref(p), "out", len(items), size=page_size)
            group.page = page_of(p, len(items))
            pending.append((group, items))
    for p, members in incoming.items():
        group = RelationGroup(collect.ref(p), "in", len(members), size=page_size)
        group.page = page_of("^" + p, len(members))
        keys = sorted(members)
        if len(keys) > BY_NAME:
            keys = keys[(group.page - 1) * page_size : group.page * page_size]
        items = []
        for key in keys:
            term, graphs = members[key]
            ref = collect.ref(term.value) if isinstance(term, NamedNode) else Ref(key)
            items.append(RelationItem(ref, _graphs(graphs)))
        if len(members) > BY_NAME:
            group.items = items  # already the page, in IRI order
            pending.append((group, None))
        else:
            pending.append((group, items))

    # --- labels and kinds of every node met so far, in one query
    collect.fetch()
    for group, all_items in pending:
        if all_items is not None:
            group.items = _page_items(all_items, lang, group.page, page_size)
    groups = [group for group, _ in pending]
    groups.sort(key=lambda g: (g.direction != "out", g.prop.text(lang).casefold(), g.prop.iri))
    view.relations = groups

    # --- reified relationships with the neighbours shown, and figures, when there are some
    if counts.get(c + "relSubject") or counts.get(c + "relObject"):
        _attach_details(store, view, node, base, vocab, collect)
    if counts.get(c + "subject"):
        view.observations = _observations(store, node, base, collect)
    collect.fetch()  # whatever those two met (roles, measures outside the vocabulary)

    # --- names, description, what it does
    for p in LABEL_PREDICATES:
        ranked = Labels()
        for value in stated.get(p, {}).values():
            if isinstance(value.term, Literal):
                ranked.add(value.text, value.lang, 0)
        if ranked:
            view.labels = ranked.by_lang
            break
    shown_names: set[str] = set()
    for p in NAME_ORDER:  # a name another property already gave is not repeated
        given = stated.get(p, {}).values()
        names = [v for v in given if isinstance(v.term, Literal) and v.text not in shown_names]
        if names:
            view.names.append(Statement(collect.ref(p), _sorted_texts(names, lang)))
            shown_names.update(v.text for v in names)
    view.description = _sorted_texts(stated.get(DCT + "description", {}).values(), lang) or (
        _sorted_texts(stated.get(SKOS + "definition", {}).values(), lang)
    )
    view.sectors = _sorted_refs(stated.get(c + "sector", {}).values(), lang)
    view.services = _sorted_refs(stated.get(c + "offersService", {}).values(), lang)
    view.audiences = _sorted_refs(stated.get(c + "catersFor", {}).values(), lang)
    municipality = _sorted_refs(stated.get(c + "municipality", {}).values(), lang)
    view.municipality = municipality[0] if municipality else None

    # --- address, coordinates, identifiers
    for value in stated.get(LOCN + "address", {}).values():
        view.address = _address(owned_triples.get(_node_key(value.term), []), value.graphs)
    for value in stated.get(LOCN + "geometry", {}).values():
        for t in owned_triples.get(_node_key(value.term), []):
            if t.predicate.value == GEO + "asWKT" and isinstance(t.object, Literal):
                view.geometry = parse_wkt(t.object.value)
                view.geometry.graphs = value.graphs
    for p in (LEGAL + "legalIdentifier", ADMS + "identifier"):
        for value in stated.get(p, {}).values():
            found = _identifier(owned_triples.get(_node_key(value.term), []), value.graphs, base)
            view.identifiers.extend(found)
    for value in stated.get(OWL + "sameAs", {}).values():
        if isinstance(value.term, NamedNode):
            target = value.term.value
            if target.startswith(WIKIDATA):
                shown = Identifier("wikidata", local_name(target), target, value.graphs)
            else:
                shown = Identifier("sameas", target, target, value.graphs)
            view.identifiers.append(shown)
    for value in stated.get(FOAF + "homepage", {}).values():
        if isinstance(value.term, NamedNode):
            target = value.term.value
            view.identifiers.append(Identifier("homepage", target, target, value.graphs))

    # working groups, projects, events it takes part in: the objects of its relations
    activity = _activity_kinds(base)
    seen: set[str] = set()
    for group in groups:
        if group.direction == "out":
            for item in group.items:
                if item.ref.iri not in seen and activity & set(item.ref.types):
                    seen.add(item.ref.iri)
                    view.takes_part_in.append(item)

    # --- any other literal statement (for a person: public roles only)
    for p, values in sorted(stated.items()):
        if p in sets["shown_elsewhere"]:
            continue
        literals = [v for v in values.values() if isinstance(v.term, Literal)]
        if not literals or (view.is_person and p not in sets["person_public"]):
            continue
        view.statements.append(Statement(collect.ref(p), _sorted_texts(literals, lang)))

    if view.is_person:  # a person's page: names and public roles only
        view.description, view.sectors, view.services, view.audiences = [], [], [], []
        view.address, view.geometry, view.municipality = None, None, None
        view.identifiers, view.observations = [], []

    # --- the source of every statement on the page
    view.sources = _sources(store, view, stated, base)
    return view


def _page_items(items: list[RelationItem], lang: str, number: int, size: int) -> list[RelationItem]:
    items = sorted(items, key=lambda item: (item.ref.text(lang).casefold(), item.ref.iri))
    return items[(number - 1) * size : number * size]


def _attach_details(
    store: GraphStore,
    view: EntityView,
    node: NamedNode,
    base: str,
    vocab: Vocabulary,
    collect: _Collector,
) -> None:
    """The reified relationships between the entity and the neighbours shown, each put on
    the relation item it qualifies (found through its type's direct property)."""
    by_key: dict[tuple[str, str, str], RelationItem] = {}
    by_other: dict[str, RelationItem] = {}
    for group in view.relations:
        for item in group.items:
            by_key[(group.direction, group.prop.iri, item.ref.iri)] = item
            by_other.setdefault(item.ref.iri, item)
    others = [iri for iri in by_other if iri.startswith(("http://", "https://", "urn:"))]
    if not others:
        return
    c = cci(base)
    described: dict[str, dict[str, list[Any]]] = {}
    for chunk in _chunks(others, 200):
        sparql = RELATIONSHIPS.format(others=_values(chunk), e=str(node))
        for t in _triples(store, sparql, base):
            entry = described.setdefault(_node_key(t.subject), {})
            entry.setdefault(t.predicate.value, []).append(t.object)
    details = []
    for r, facts in described.items():

        def first(p: str, facts: dict[str, list[Any]] = facts) -> Any:
            return facts.get(p, [None])[0]

        subject, obj = first(c + "relSubject"), first(c + "relObject")
        if subject == node and isinstance(obj, NamedNode):
            side, other = "out", obj.value
        elif obj == node and isinstance(subject, NamedNode):
            side, other = "in", subject.value
        else:
            continue
        detail = RelationDetail(r)
        kind = first(c + "relationType")
        if isinstance(kind, NamedNode):
            detail.type = collect.ref(kind.value)
        role = first(ORG + "role")
        if isinstance(role, NamedNode):
            detail.role = collect.ref(role.value)
        for text in facts.get(c + "role", []):
            if isinstance(text, Literal):
                detail.role_text[_lang(text)] = text.value
        for text in facts.get(DCT + "description", []):
            if isinstance(text, Literal):
                detail.description[_lang(text)] = text.value
        start, end = first(SCHEMA + "startDate"), first(SCHEMA + "endDate")
        detail.start = start.value if isinstance(start, Literal) else None
        detail.end = end.value if isinstance(end, Literal) else None
        detail.graphs = _graphs(
            g.value for g in facts.get(GRAPH_OF, []) if isinstance(g, NamedNode)
        )
        prop = vocab.direct_property.get(detail.type.iri, "") if detail.type else ""
        there = "in" if side == "out" else "out"
        found = by_key.get((side, prop, other)) or by_key.get((there, prop, other))
        details.append((found if found is not None else by_other[other], detail))
    for item, detail in sorted(details, key=lambda x: (x[1].start or "", x[1].iri)):
        item.details.append(detail)


def _sorted_texts(values: Iterable[Value], lang: str | None = None) -> list[Value]:
    """Language versions of a text: the reader's language first, then along the chain."""
    order = chain(lang)
    return sorted(
        values,
        key=lambda v: (order.index(v.lang) if v.lang in order else len(order), v.lang, v.text),
    )


def _sorted_refs(values: Iterable[Value], lang: str) -> list[Value]:
    return sorted(values, key=lambda v: (v.ref.text(lang) if v.ref else v.text).casefold())


def _address(triples: list[Triple], graphs: list[str]) -> Address:
    address = Address(graphs=graphs)
    for t in triples:
        p, o = t.predicate.value, t.object
        if not isinstance(o, Literal):
            continue
        if p == LOCN + "fullAddress":
            address.full[_lang(o)] = o.value
        elif p == LOCN + "thoroughfare":
            address.street[_lang(o)] = o.value
        elif p == LOCN + "locatorDesignator":
            address.number = o.value
        elif p == LOCN + "postCode":
            address.post_code = o.value
        elif p == LOCN + "postName":
            address.post_name[_lang(o)] = o.value
    return address


def _identifier(triples: list[Triple], graphs: list[str], base: str) -> list[Identifier]:
    kinds = {_node_key(t.object) for t in triples if t.predicate.value == RDF_TYPE}
    found = []
    for t in triples:
        if t.predicate.value == SKOS + "notation" and isinstance(t.object, Literal):
            number = t.object.value
            if cci(base) + "EnterpriseNumber" in kinds:
                digits = re.sub(r"\D", "", number)
                found.append(Identifier("kbo", number, KBO_SEARCH + digits, graphs))
            else:
                found.append(Identifier("other", number, None, graphs))
    return found


def _observation_rows(rows: list[Any], collect: _Collector) -> list[Observation]:
    found: dict[str, Observation] = {}
    for row in rows:
        obs = row["obs"]
        if not isinstance(obs, NamedNode):
            continue
        item = found.get(obs.value)
        if item is None:
            item = found[obs.value] = Observation(obs.value)
        subject = row["subject"]  # None when the query does not project it
        if isinstance(subject, NamedNode):
            item.subject = collect.ref(subject.value)
        if isinstance(row["measure"], NamedNode):
            item.measure = collect.ref(row["measure"].value)
        via = row["via"]  # None when the query does not project it
        if isinstance(via, NamedNode):
            item.via = collect.ref(via.value)
        if isinstance(row["value"], Literal):
            item.value = row["value"].value
        if isinstance(row["unit"], NamedNode):
            item.unit = local_name(row["unit"].value)
        if isinstance(row["lower"], Literal):
            item.lower_bound = row["lower"].value in ("true", "1")
        if isinstance(row["period"], Literal):
            item.period = row["period"].value
        if isinstance(row["periodLabel"], Literal):
            item.period_label[_lang(row["periodLabel"])] = row["periodLabel"].value
        if isinstance(row["area"], NamedNode):
            item.area = local_name(row["area"].value)
        if isinstance(row["desc"], Literal):
            item.description[_lang(row["desc"])] = row["desc"].value
        if row["g"] is not None:
            item.graphs = _graphs([*item.graphs, row["g"].value])
    return sorted(found.values(), key=lambda o: o.iri)


def _observations(
    store: GraphStore, node: NamedNode, base: str, collect: _Collector
) -> list[Observation]:
    return _observation_rows(_rows(store, OBSERVATIONS, {"e": node}, base), collect)


def _page_graphs(view: EntityView, stated: Mapping[str, Mapping[str, Value]]) -> list[str]:
    graphs: set[str] = set()
    for values in stated.values():
        for value in values.values():
            graphs.update(value.graphs)
    for group in view.relations:
        for item in group.items:
            graphs.update(item.graphs)
            for detail in item.details:
                graphs.update(detail.graphs)
    for obs in view.observations:
        graphs.update(obs.graphs)
    return sorted(graphs)


def _sources(
    store: GraphStore, view: EntityView, stated: Mapping[str, Mapping[str, Value]], base: str
) -> dict[str, Source]:
    found = graph_sources(store, _page_graphs(view, stated), base)
    # a graph citing several datasets (an import) narrowed to what the entity itself cites
    own = {v.term.value for v in stated.get(DCT + "source", {}).values()}
    for source in found.values():
        mine = [d for d in source.documents if d.iri in own]
        if mine:
            source.documents = mine
    return found


def graph_sources(store: GraphStore, graphs: Sequence[str], base: str) -> dict[str, Source]:
    """For each graph, what it cites (dct:source), with title, date and publisher."""
    found = {g: Source(g) for g in graphs}
    docs: dict[str, Document] = {}
    cites: dict[str, list[str]] = {}
    titles: dict[str, Labels] = {}
    dates: dict[str, tuple[int, str]] = {}
    title_rank = (DCT + "title", SKOS + "prefLabel", RDFS + "label")
    date_rank = (
        DCT + "issued",
        DCT + "date",
        DCT + "created",
        DCT + "modified",
        PROV + "endedAtTime",
    )
    for chunk in _chunks(list(graphs), 200):
        for t in _triples(store, SOURCES.format(graphs=_values(chunk)), base):
            s, p, o = _node_key(t.subject), t.predicate.value, t.object
            if p == DCT + "source" and s in found and isinstance(o, NamedNode):
                if o.value not in cites.setdefault(s, []):
                    cites[s].append(o.value)
                docs.setdefault(o.value, Document(o.value))
                continue
            doc = docs.setdefault(s, Document(s))
            if p in title_rank and isinstance(o, Literal):
                titles.setdefault(s, Labels()).add(o.value, _lang(o), title_rank.index(p))
            elif p in date_rank and isinstance(o, Literal):
                rank = date_rank.index(p)
                if s not in dates or rank < dates[s][0]:
                    dates[s] = (rank, o.value)
            elif p == DCT + "publisher":
                doc.publisher = o.value if isinstance(o, Literal) else local_name(_node_key(o))
            elif p == RDF_TYPE and isinstance(o, NamedNode) and o.value not in doc.types:
                doc.types.append(o.value)
    for iri, doc in docs.items():
        doc.titles = titles[iri].by_lang if iri in titles else {}
        doc.date = dates[iri][1][:10] if iri in dates else None
    for g, cited in cites.items():
        found[g].documents = [docs[d] for d in sorted(cited)]
    return found


# ---- concepts and schemes ----------------------------------------------------------------

SKOS_MAPPINGS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
#: A mapping is stated once, from one side; seen from the other side it reads inverted.
INVERSE_MAPPING = {
    "exactMatch": "exactMatch",
    "closeMatch": "closeMatch",
    "broadMatch": "narrowMatch",
    "narrowMatch": "broadMatch",
    "relatedMatch": "relatedMatch",
    "related": "related",
}


@dataclass
class ConceptView:
    entity: EntityView
    pref: dict[str, str] = field(default_factory=dict)
    alt: dict[str, list[str]] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    notation: str | None = None
    schemes: list[Ref] = field(default_factory=list)
    top_of: list[Ref] = field(default_factory=list)
    broader: list[Ref] = field(default_factory=list)
    narrower: list[Ref] = field(default_factory=list)
    mappings: list[tuple[str, Ref]] = field(default_factory=list)  # (skos local name, target)
    direct_property: Ref | None = None
    used_by: list[RelationGroup] = field(default_factory=list)
    is_scheme: bool = False
    tree: list[SchemeEntry] = field(default_factory=list)


@dataclass
class SchemeEntry:
    concept: Ref
    depth: int
    count: int


def _literal_values(view: EntityView, p: str) -> list[Value]:
    for st in view.statements:
        if st.prop.iri == p:
            return st.values
    return []


def concept_view(
    store: GraphStore,
    iri: str,
    base: str,
    *,
    lang: str = "fr",
    rel: str | None = None,
    page: int = 1,
    entity: EntityView | None = None,
) -> ConceptView:
    """A SKOS concept or scheme: labels and definitions in every language, its place in
    the hierarchy, mappings (stated once, shown from both sides), and what uses it.
    ``entity``: the concept's entity view when the caller has it already."""
    if entity is None:
        entity = entity_view(store, iri, base, lang=lang, rel=rel, page=page, page_size=LIST_PAGE)
    view = ConceptView(entity, is_scheme=entity.has_type(SKOS + "ConceptScheme"))
    out = {g.prop.iri: g for g in entity.relations if g.direction == "out"}
    inc = {g.prop.iri: g for g in entity.relations if g.direction == "in"}

    def refs(groups: Mapping[str, RelationGroup], p: str) -> list[Ref]:
        group = groups.get(SKOS + p)
        return [item.ref for item in group.items] if group else []

    names = {st.prop.iri: st.values for st in entity.names}
    view.pref = {v.lang: v.text for v in names.get(SKOS + "prefLabel", [])}
    if not view.pref:
        view.pref = dict(entity.labels)
    for value in names.get(SKOS + "altLabel", []):
        view.alt.setdefault(value.lang, []).append(value.text)
    vocab = vocabulary(store, base)
    view.definitions = dict(vocab.definitions.get(iri, {}))
    notation = _literal_values(entity, SKOS + "notation")
    view.notation = notation[0].text if notation else None
    view.schemes = refs(out, "inScheme")
    view.top_of = refs(out, "topConceptOf")
    broader = {r.iri: r for r in refs(out, "broader") + refs(inc, "narrower")}
    narrower = {r.iri: r for r in refs(inc, "broader") + refs(out, "narrower")}
    view.broader = sorted(broader.values(), key=lambda r: r.text(lang).casefold())
    view.narrower = sorted(narrower.values(), key=lambda r: r.text(lang).casefold())
    for name in (*SKOS_MAPPINGS, "related"):
        view.mappings += [(name, r) for r in refs(out, name)]
        view.mappings += [(INVERSE_MAPPING[name], r) for r in refs(inc, name)]
    direct = out.get(cci(base) + "directProperty")
    if direct and direct.items:
        view.direct_property = direct.items[0].ref
    structural = {
        SKOS + n
        for n in (
            "inScheme",
            "topConceptOf",
            "hasTopConcept",
            "broader",
            "narrower",
            "related",
            *SKOS_MAPPINGS,
        )
    }
    structural.add(cci(base) + "directProperty")
    view.used_by = [g for g in entity.relations if g.prop.iri not in structural]
    if view.is_scheme:
        view.tree = scheme_tree(store, iri, base, lang)
    return view


def scheme_tree(store: GraphStore, scheme: str, base: str, lang: str) -> list[SchemeEntry]:
    """The concepts of a scheme as an indented list (broader first), each with how many
    entities use it as sector, service or audience."""
    vocab = vocabulary(store, base)
    concepts = {c for c, schemes in vocab.in_scheme.items() if scheme in schemes}
    usage = concept_usage(store, base)
    parents = vocab.broader
    children: dict[str, list[str]] = {}
    roots = []
    for concept in concepts:
        inside = [b for b in parents.get(concept, []) if b in concepts]
        for b in inside:
            children.setdefault(b, []).append(concept)
        if not inside:
            roots.append(concept)

    def name(concept: str) -> str:
        return vocab.ref(concept).text(lang).casefold()

    entries: list[SchemeEntry] = []

    def walk(concept: str, depth: int, path: tuple[str, ...]) -> None:
        count = sum(usage.get(concept, {}).values())
        entries.append(SchemeEntry(vocab.ref(concept), depth, count))
        for child in sorted(children.get(concept, []), key=name):
            if child not in path:
                walk(child, depth + 1, (*path, child))

    for root in sorted(roots, key=name):
        walk(root, 0, (root,))
    return entries


#: How many entities use each concept as sector, service or audience.
CONCEPT_USAGE = """
SELECT ?p ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {
  VALUES ?p { cci:sector cci:offersService cci:catersFor }
  ?s ?p ?c .
} GROUP BY ?p ?c
"""


def concept_usage(store: GraphStore, base: str) -> dict[str, dict[str, int]]:
    """concept -> {property: how many entities use it}, kept per store."""
    found = _cached(store, "usage")
    if found is not None:
        return found
    usage: dict[str, dict[str, int]] = {}
    for row in _rows(store, CONCEPT_USAGE, None, base):
        if row["c"] is not None and row["p"] is not None:
            usage.setdefault(row["c"].value, {})[row["p"].value] = int(row["n"].value)
    return _remember(store, "usage", usage)


# ---- organisation kinds, overviews ------------------------------------------------------


@dataclass
class Listing:
    """The entities of one kind, or using one concept, one page of them."""

    subject: Ref
    count: int
    page: int
    items: list[RelationItem]
    size: int = LIST_PAGE
    definitions: dict[str, str] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return pages(self.count, self.size)


def type_members(
    store: GraphStore, class_iri: str, base: str, *, lang: str = "fr", page: int = 1
) -> Listing:
    """The entities of one class (``?s a <class>``), a page of them: by name when there
    are up to BY_NAME of them, else by IRI."""
    node = _check_iri(class_iri)
    vocab = vocabulary(store, base)
    members: dict[str, list[str]] = {}
    for row in _rows(store, SUBJECTS, {"e": node, "p": NamedNode(RDF_TYPE)}, base):
        if isinstance(row["s"], NamedNode):
            members.setdefault(row["s"].value, []).append(row["g"].value)
    count = len(members)
    number = min(max(1, page), pages(count, LIST_PAGE))
    keys = sorted(members)
    if count > BY_NAME:
        keys = keys[(number - 1) * LIST_PAGE : number * LIST_PAGE]
    collect = _Collector(store, base, vocab)
    items = [RelationItem(collect.ref(k), _graphs(members[k])) for k in keys]
    collect.fetch()
    if count <= BY_NAME:
        items = _page_items(items, lang, number, LIST_PAGE)
    listing = Listing(vocab.ref(class_iri), count, number, items)
    listing.definitions = dict(vocab.definitions.get(class_iri, {}))
    return listing


@dataclass
class Count:
    ref: Ref
    count: int
    extra: int = 0


def kind_counts(store: GraphStore, base: str) -> list[Count]:
    """The ontology's organisation kinds, each with how many organisations it has."""
    found = _cached(store, "kinds")
    if found is None:
        found = {
            row["c"].value: int(row["n"].value)
            for row in _rows(store, TYPE_COUNTS, None, base)
            if isinstance(row["c"], NamedNode)
        }
        _remember(store, "kinds", found)
    vocab = vocabulary(store, base)
    return [Count(vocab.ref(k), found.get(k, 0)) for k in vocab.organisation_kinds(base)]


def municipality_counts(store: GraphStore, base: str) -> list[Count]:
    """The municipalities, each with its organisations (``count``) and everything located
    in it (``extra``: organisations, places…)."""
    found = _cached(store, "municipalities")
    if found is None:
        vocab = vocabulary(store, base)
        collect = _Collector(store, base, vocab)
        found = []
        for row in _rows(store, MUNICIPALITY_COUNTS, None, base):
            if isinstance(row["m"], NamedNode):
                ref = collect.ref(row["m"].value)
                found.append(Count(ref, int(row["orgs"].value), int(row["all"].value)))
        collect.fetch()
        _remember(store, "municipalities", found)
    return list(found)


#: The schemes each overview page shows.
def overview_schemes(base: str) -> dict[str, list[str]]:
    scheme = base + "id/scheme/"
    return {
        "sectors": [scheme + "sectors", scheme + "essnet-domains", scheme + "media-subsectors"],
        "services": [scheme + "services"],
        "audiences": [scheme + "audiences"],
    }


def overview(
    store: GraphStore, name: str, base: str, lang: str
) -> list[tuple[Ref, list[SchemeEntry]]]:
    """The /sectors, /services, /audiences pages: each scheme and its concepts, counted."""
    vocab = vocabulary(store, base)
    return [
        (vocab.ref(scheme), scheme_tree(store, scheme, base, lang))
        for scheme in overview_schemes(base)[name]
        if any(scheme in schemes for schemes in vocab.in_scheme.values())
    ]


# ---- the ontology ------------------------------------------------------------------------


@dataclass
class Term:
    iri: str
    name: str  # the local name, the page anchor
    labels: dict[str, str]
    definitions: dict[str, str]
    facts: dict[str, list[Ref]]  # sub-class/property of, domain, range, type…


@dataclass
class OntologyView:
    iri: str
    labels: dict[str, str]
    definitions: dict[str, str]
    version: str | None
    classes: list[Term]
    properties: list[Term]
    individuals: list[Term]


TERM_FACTS = (
    RDFS + "subClassOf",
    RDFS + "subPropertyOf",
    RDFS + "domain",
    RDFS + "range",
    OWL + "inverseOf",
)


def ontology_graph(store: GraphStore, base: str) -> str | None:
    rows = _rows(store, ONTOLOGY_GRAPHS, {"ont": NamedNode(base + "ontology")}, base)
    return rows[0]["g"].value if rows else None


def ontology_triples(store: GraphStore, base: str) -> list[Triple]:
    """The ontology graph (ontology/cci.ttl) as triples."""
    graph = ontology_graph(store, base)
    if graph is None:
        raise NotFound("the store holds no ontology")
    rows = _rows(store, GRAPH_CONTENT, {"g": NamedNode(graph)}, base)
    return [Triple(r["s"], r["p"], r["o"]) for r in rows]


def ontology_view(store: GraphStore, base: str) -> OntologyView:
    vocab = vocabulary(store, base)
    ns = cci(base)
    graph = ontology_graph(store, base)
    if graph is None:
        raise NotFound("the store holds no ontology")
    version = None
    for row in _rows(store, GRAPH_CONTENT, {"g": NamedNode(graph)}, base):
        if row["s"].value == base + "ontology" and row["p"].value == OWL + "versionInfo":
            version = row["o"].value
    classes, properties, individuals = [], [], []
    for iri, kinds in sorted(vocab.types.items()):
        if not iri.startswith(ns) or iri == ns:
            continue
        facts = {
            p: [vocab.ref(o) for o in vocab.facts.get(iri, {}).get(p, [])]
            for p in (*TERM_FACTS, RDF_TYPE)
        }
        term = Term(
            iri,
            iri[len(ns) :],
            dict(vocab.labels.get(iri, {})),
            dict(vocab.definitions.get(iri, {})),
            {p: refs for p, refs in facts.items() if refs},
        )
        if OWL + "Class" in kinds or RDFS + "Class" in kinds:
            term.facts.pop(RDF_TYPE, None)  # the section says it
            classes.append(term)
        elif kinds & {OWL + "ObjectProperty", OWL + "DatatypeProperty", RDF + "Property"}:
            term.facts.pop(RDF_TYPE, None)
            properties.append(term)
        else:
            individuals.append(term)
    ontology = base + "ontology"
    return OntologyView(
        ontology,
        dict(vocab.labels.get(ontology, {})),
        dict(vocab.definitions.get(ontology, {})),
        version,
        classes,
        properties,
        individuals,
    )


# ---- the home page -----------------------------------------------------------------------


@dataclass
class NewGraph:
    graph: str
    when: str | None
    source: Source
    entries: list[Ref]


@dataclass
class HomeView:
    figures: dict[str, int]
    sector_figures: list[Observation]
    newest: list[NewGraph]
    sources: dict[str, Source]


def headline_figures(store: GraphStore, base: str) -> dict[str, int]:
    found = _cached(store, "figures")
    if found is None:
        found = {
            "organisations": _one_int(store, COUNT_ORGANISATIONS, base),
            "relations": _one_int(store, COUNT_RELATIONS, base),
            "sectors": _one_int(store, COUNT_SECTORS_USED, base),
            "municipalities": _one_int(store, COUNT_MUNICIPALITIES_COVERED, base),
            "sources": _one_int(store, COUNT_SOURCES, base),
        }
        _remember(store, "figures", found)
    return dict(found)


def home_view(
    store: GraphStore, base: str, newest_graphs: Sequence[tuple[str, str | None]], limit: int = 3
) -> HomeView:
    """Headline figures, the sector figures, and the entries of the newest graphs
    (``newest_graphs``: (graph, when), newest first; see ``newest_graphs``)."""
    key = ("home", tuple(newest_graphs[: limit * 3]), limit)
    found = _cached(store, repr(key))
    if found is not None:
        return found
    figures = headline_figures(store, base)
    vocab = vocabulary(store, base)
    collect = _Collector(store, base, vocab)
    sector_figures = _observation_rows(_rows(store, SECTOR_FIGURES, None, base), collect)
    newest: list[NewGraph] = []
    for graph, when in newest_graphs:
        if len(newest) >= limit:
            break
        try:
            rows = _rows(store, GRAPH_ENTRIES, {"g": NamedNode(graph)}, base)
        except ValueError:
            continue
        subjects = dict.fromkeys(r["s"].value for r in rows if isinstance(r["s"], NamedNode))
        entries = [collect.ref(iri) for iri in list(subjects)[:NEWEST_ENTRIES]]
        if entries:
            newest.append(NewGraph(graph, when, Source(graph), entries))
    collect.fetch()
    graphs = [n.graph for n in newest] + [g for o in sector_figures for g in o.graphs]
    sources = graph_sources(store, sorted(set(graphs)), base)
    for item in newest:
        item.source = sources[item.graph]
    return _remember(store, repr(key), HomeView(figures, sector_figures, newest, sources))


def newest_graphs(settings: Any) -> list[tuple[str, str | None]]:
    """The data graphs, most recently changed first: web edits (the change log, by time),
    then curated and imported sources by the modification time of their files (the
    manifest of the serving build says which file each graph comes from)."""
    import json
    from datetime import UTC, datetime

    from kg.changes import list_changes

    found: list[tuple[float, str, str | None]] = []
    for change in list_changes(settings):
        when = change.when
        stamp = datetime.fromisoformat(when).timestamp()
        found.append((stamp, change.graph(settings.base), when))
    manifest = settings.store_path.resolve().parent / "manifest.json"
    try:
        graphs = json.loads(manifest.read_text(encoding="utf-8")).get("graphs", {})
    except (OSError, ValueError):
        graphs = {}
    for graph, info in graphs.items():
        if info.get("kind") not in ("curated", "import", "extra"):
            continue
        path = settings.root / str(info.get("file", "")).split(" (importer ")[0]
        try:
            stamp = path.stat().st_mtime
        except OSError:
            continue
        when = datetime.fromtimestamp(stamp, UTC).date().isoformat()
        found.append((stamp, graph, when))
    found.sort(key=lambda x: (x[0], x[1]), reverse=True)  # same time: later file name first
    return [(graph, when) for _, graph, when in found]


# ---- sitemap, suggestions ----------------------------------------------------------------


def sitemap_iris(store: GraphStore, base: str) -> list[str]:
    """Every IRI under ``{base}id/`` that has a page: organisations, people, projects,
    events, publications, places, municipalities, concepts, schemes, sources."""
    found = _cached(store, "sitemap")
    if found is None:
        rows = _rows(store, SITEMAP, {"prefix": Literal(base + "id/")}, base)
        found = sorted({r["s"].value for r in rows})
        _remember(store, "sitemap", found)
    return list(found)


def suggestions(store: GraphStore, text: str, base: str, limit: int = 10) -> list[Ref]:
    """Entities whose name holds words of ``text`` (the last segment of an unknown IRI),
    those holding the most words first."""
    words = sorted(
        {w for w in re.split(r"[^\w]+", text.casefold()) if len(w) >= 3},
        key=lambda w: (-len(w), w),
    )[:3]
    if not words:
        return []
    while len(words) < 3:
        words.append(words[0])
    subs = {f"w{i + 1}": Literal(w) for i, w in enumerate(words)}
    scored: list[tuple[int, int, str, str]] = []
    for row in _rows(store, SUGGEST, subs, base):
        label = row["label"].value.casefold() if row["label"] is not None else ""
        hits = sum(1 for w in set(words) if w in label)
        scored.append((-hits, len(label), label, row["s"].value))
    scored.sort()
    vocab = vocabulary(store, base)
    collect = _Collector(store, base, vocab)
    refs = [collect.ref(iri) for *_, iri in scored[:limit]]
    collect.fetch()
    return refs
