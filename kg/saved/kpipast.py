"""The KPIs of past years, from the dates the sources give (``kg snapshot --past``).

An organisation is counted in a year only where a dated fact says it existed then:

* its founding date (``schema:foundingDate``): from that year on, up to the year of its
  dissolution (``schema:dissolutionDate``) or of its leaving the register
  (``cci:retiredFromRegister``), else up to this year;
* a dated relationship it is one end of (a ``cci:Relationship`` with ``schema:startDate``,
  and ``schema:endDate`` or, without one, up to this year): a membership dated
  2010-01-01 – 2011-05-31 counts in 2010 and 2011 only;
* an undated relationship to a dated event (presented at a conference of 2016), or a
  relation to a dated project or event (took part in a project of 2014–2018, funded it,
  organised the event): the years of that project or event (only its first year when it
  gives no end).

A relation between two organisations (``cci:memberOf``…) is counted in a year only where a
dated relationship of its type between the two covers it. Everything else about an
organisation (its kind, sectors, services, municipality) is taken as recorded today: the
sources date none of it. An organisation, or a relation, without any date is never
counted in the past (it is not pretended to have existed, nor counted as absent: the
dashboard says how many organisations have a date).

For each year from the earliest dated fact to this one (at most ``MAX_YEARS``), a copy of
the graph is made that keeps only what existed that year, the network metrics are computed
on it as a build does, and every KPI query that is recorded (``# snapshot``) and not
``# past: no`` runs on it unchanged. A year in which no organisation is known to exist
gets no value at all. Years whose copies would be the same are computed once.
"""

from __future__ import annotations

import io
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pyoxigraph import NamedNode, Quad, QuerySolutions, RdfFormat, parse

from kg.build.sources import past_kpis_path
from kg.deployment import region_area
from kg.errors import KpiError
from kg.namespaces import all_prefixes
from kg.saved import network
from kg.saved.kpi import KpiValue, compute_all, recorded_queries
from kg.saved.kpicube import past_text
from kg.saved.kpisnapshot import current_build, query_files
from kg.saved.queries import SavedQuery
from kg.settings import Settings
from kg.store import EmbeddedStore, GraphStore

#: years a computation goes back at most (a register's enterprises go back a century)
MAX_YEARS = 30
#: the file it writes, made again as a whole at each run (the KPIs of past years follow
#: the data: a date added to a source changes them)

#: (organisation, start, end) for every dated fact that says an organisation existed
ATTESTATIONS = """
SELECT ?o ?start ?end ?point WHERE {
  ?o a org:Organization .
  {
    ?o schema:foundingDate ?start .
    OPTIONAL { ?o schema:dissolutionDate|cci:retiredFromRegister ?end }
    BIND(false AS ?point)
  } UNION {
    ?r a cci:Relationship ; cci:relSubject|cci:relObject ?o ; schema:startDate ?start .
    OPTIONAL { ?r schema:endDate ?end }
    BIND(false AS ?point)
  } UNION {
    ?r a cci:Relationship ; cci:relSubject|cci:relObject ?o ; cci:relSubject|cci:relObject ?x .
    FILTER NOT EXISTS { ?r schema:startDate ?any }
    ?x a cci:Event ; schema:startDate ?start .
    OPTIONAL { ?x schema:endDate ?end }
    BIND(true AS ?point)
  } UNION {
    { ?o ?p ?x } UNION { ?x ?p ?o }
    ?type cci:directProperty ?p .
    VALUES ?activity { cci:Project cci:Event }
    ?x a ?activity ; schema:startDate ?start .
    OPTIONAL { ?x schema:endDate ?end }
    BIND(true AS ?point)
  }
}"""
#: (subject, direct property, object, start, end) of every dated relationship
DATED_RELATIONS = """
SELECT ?r ?a ?p ?b ?start ?end WHERE {
  ?r a cci:Relationship ; cci:relSubject ?a ; cci:relObject ?b ;
     cci:relationType/cci:directProperty ?p ; schema:startDate ?start .
  OPTIONAL { ?r schema:endDate ?end }
}"""
ORGANISATIONS = "SELECT DISTINCT ?o WHERE { ?o a org:Organization }"
RELATIONSHIPS = "SELECT DISTINCT ?r WHERE { ?r a cci:Relationship }"
DIRECT_PROPERTIES = "SELECT DISTINCT ?p WHERE { ?t cci:directProperty ?p }"
_YEAR = re.compile(r"-?\d{4,}")

Span = tuple[int, int]  # first and last year, both included


def year_of(lexical: str) -> int | None:
    """The year of an xsd:date, gYearMonth, gYear or dateTime lexical value."""
    found = _YEAR.match(lexical)
    return int(found.group()) if found else None


def _covers(spans: Iterable[Span], year: int) -> bool:
    return any(first <= year <= last for first, last in spans)


@dataclass
class DatedFacts:
    """What the sources date: when each organisation is known to exist, when each
    relation between two of them held."""

    organisations: set[str]
    #: organisation -> the years dated facts say it existed
    existed: dict[str, list[Span]] = field(default_factory=dict)
    #: (subject, direct property, object) -> the years a dated relationship covers
    relations: dict[tuple[str, str, str], list[Span]] = field(default_factory=dict)
    #: relationship node -> its years
    relationships: dict[str, list[Span]] = field(default_factory=dict)
    #: every relationship node, dated or not; the direct properties of relation types
    all_relationships: set[str] = field(default_factory=set)
    direct_properties: set[str] = field(default_factory=set)
    this_year: int = field(default_factory=lambda: datetime.now(UTC).year)

    @property
    def dated(self) -> set[str]:
        """The organisations some dated fact places in some year."""
        return set(self.existed)

    def first_year(self) -> int | None:
        starts = [first for spans in self.existed.values() for first, _ in spans]
        return max(min(starts), self.this_year - MAX_YEARS + 1) if starts else None

    def years(self) -> list[int]:
        first = self.first_year()
        return [] if first is None else list(range(first, self.this_year + 1))

    def existing(self, year: int) -> frozenset[str]:
        """The organisations known to exist in ``year``."""
        return frozenset(o for o, spans in self.existed.items() if _covers(spans, year))

    def by_year(self) -> dict[int, int]:
        """year -> how many organisations are known to exist then."""
        return {year: len(self.existing(year)) for year in self.years()}


def _rows(store: GraphStore, sparql: str, base: str) -> QuerySolutions:
    rows = store.query(sparql, prefixes=all_prefixes(base))
    assert isinstance(rows, QuerySolutions)
    return rows


def _span(start: object, end: object, this_year: int, point: bool) -> Span | None:
    first = year_of(getattr(start, "value", ""))
    if first is None:
        return None
    last = year_of(getattr(end, "value", "")) if end is not None else None
    if last is None:
        last = first if point else this_year
    return (first, max(first, last))


def dated_facts(store: GraphStore, base: str, this_year: int | None = None) -> DatedFacts:
    """Read the dated facts of ``store``."""
    facts = DatedFacts({row["o"].value for row in _rows(store, ORGANISATIONS, base)})
    if this_year is not None:
        facts.this_year = this_year
    existed: dict[str, list[Span]] = defaultdict(list)
    for row in _rows(store, ATTESTATIONS, base):
        point = row["point"] is not None and row["point"].value == "true"
        span = _span(row["start"], row["end"], facts.this_year, point)
        if span is not None and span[0] <= facts.this_year:
            existed[row["o"].value].append(span)
    facts.existed = dict(existed)
    relations: dict[tuple[str, str, str], list[Span]] = defaultdict(list)
    relationships: dict[str, list[Span]] = defaultdict(list)
    for row in _rows(store, DATED_RELATIONS, base):
        span = _span(row["start"], row["end"], facts.this_year, False)
        if span is not None:
            relations[(row["a"].value, row["p"].value, row["b"].value)].append(span)
            relationships[row["r"].value].append(span)
    facts.relations = dict(relations)
    facts.relationships = dict(relationships)
    facts.all_relationships = {row["r"].value for row in _rows(store, RELATIONSHIPS, base)}
    facts.direct_properties = {row["p"].value for row in _rows(store, DIRECT_PROPERTIES, base)}
    return facts


def all_quads(store: GraphStore, base: str) -> list[Quad]:
    """Every statement of the store but the network metrics (computed again per year)."""
    buffer = io.BytesIO()
    store.dump(buffer, RdfFormat.N_QUADS)
    skip = network.graph_iri(base)
    return [
        q
        for q in parse(buffer.getvalue(), format=RdfFormat.N_QUADS)
        if not (isinstance(q.graph_name, NamedNode) and q.graph_name.value == skip)
    ]


@dataclass(frozen=True)
class YearState:
    """What a year's copy of the graph keeps: equal states give equal KPIs."""

    organisations: frozenset[str]
    relations: frozenset[tuple[str, str, str]]
    relationships: frozenset[str]


def state(facts: DatedFacts, year: int) -> YearState:
    existing = facts.existing(year)
    return YearState(
        existing,
        frozenset(
            key
            for key, spans in facts.relations.items()
            if _covers(spans, year) and key[0] in existing and key[2] in existing
        ),
        frozenset(r for r, spans in facts.relationships.items() if _covers(spans, year)),
    )


def past_quads(quads: Iterable[Quad], facts: DatedFacts, kept: YearState) -> list[Quad]:
    """The statements that hold in a year whose state is ``kept``."""
    gone = facts.organisations - kept.organisations
    undated = facts.all_relationships - kept.relationships
    out = []
    for q in quads:
        if not isinstance(q.subject, NamedNode):
            out.append(q)  # blank nodes and quoted triples: no organisation is one
            continue
        s = q.subject.value
        o = q.object.value if isinstance(q.object, NamedNode) else ""
        if s in gone or s in undated or o in gone or o in undated:
            continue
        if (
            q.predicate.value in facts.direct_properties
            and s in facts.organisations
            and o in facts.organisations
            and (s, q.predicate.value, o) not in kept.relations
        ):
            continue  # a relation between two organisations no dated fact places here
        out.append(q)
    return out


def past_kpis(
    settings: Settings, quads: list[Quad], kept: YearState, facts: DatedFacts, year: int
) -> list[KpiValue]:
    """The KPIs on the copy of the graph for a year (with its own network metrics)."""
    copy = EmbeddedStore.open(None)
    try:
        copy.extend(past_quads(quads, facts, kept))
        base = settings.base
        metrics = network.compute(network.read_graph(copy, base))
        area = region_area(settings.root)
        network.write(copy, base, network.quads(metrics, base, date(year, 12, 31), area))
        return compute_all(settings, copy, past_queries(settings))
    finally:
        copy.close()


def past_queries(settings: Settings) -> list[SavedQuery]:
    """The KPIs computed at past dates: those snapshots record, but not ``# past: no``."""
    return [q for q in recorded_queries(settings) if q.past]


def compute_past(
    settings: Settings, store: GraphStore, this_year: int | None = None
) -> tuple[dict[int, list[KpiValue]], DatedFacts]:
    """year -> the KPIs of that year, for every year some organisation is known to exist
    in, from the earliest dated fact to this year."""
    facts = dated_facts(store, settings.base, this_year)
    quads = all_quads(store, settings.base)
    done: dict[YearState, list[KpiValue]] = {}
    out: dict[int, list[KpiValue]] = {}
    for year in facts.years():
        kept = state(facts, year)
        if not kept.organisations:
            continue  # nothing known that year: no value, rather than zeros
        if kept not in done:
            done[kept] = past_kpis(settings, quads, kept, facts, year)
        out[year] = done[kept]
    return out, facts


#: how the values were computed, said with them (fr, nl, en)
METHOD = (
    "Calculés pour chaque année à partir des seules dates que donnent les sources : une "
    "organisation compte à partir de sa date de fondation, ou pendant la période d'une "
    "relation datée ; une relation entre organisations compte pendant sa période. Ce qui "
    "n'est pas daté n'est pas compté dans le passé. {dated} des {total} organisations ont "
    "une date.",
    "Voor elk jaar berekend uit alleen de data die de bronnen geven: een organisatie telt "
    "vanaf haar oprichtingsdatum, of tijdens de periode van een gedateerde relatie; een "
    "relatie tussen organisaties telt tijdens haar periode. Wat niet gedateerd is, telt "
    "niet mee in het verleden. {dated} van de {total} organisaties hebben een datum.",
    "Computed for each year from only the dates the sources give: an organisation counts "
    "from its founding date, or during the period of a dated relationship; a relation "
    "between organisations counts during its period. What is undated is not counted in "
    "the past. {dated} of the {total} organisations have a date.",
)


def write_past(settings: Settings, store: GraphStore, *, build_id: str | None = None) -> Path:
    """Compute the KPIs of past years and write them to ``var/kpi/past.ttl`` (replacing
    the previous file: they follow the data), which the next build loads. Its path."""
    by_year, facts = compute_past(settings, store)
    if not by_year:
        raise KpiError(
            "no organisation has a date in the sources (a founding date or a dated "
            "relationship): there is no past year to compute"
        )
    names = {v.query for values in by_year.values() for v in values}
    method = [
        text.format(dated=len(facts.dated), total=len(facts.organisations)) for text in METHOD
    ]
    text = past_text(
        settings,
        by_year,
        build_id or current_build(settings, store),
        query_files(settings, names),
        method,
    )
    path = past_kpis_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
