"""An entity's history: the change sets that touched it (kg.build.changesets), newest
first, each with who, when, why and the statements it added and removed, their
properties and values as ``Ref``s whose labels the page picks in the reader's language.
Also what a revert needs: a change set's every statement, and whether the graph still
holds what it added and lacks what it removed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.errors import NotFound
from kg.store import GraphStore
from kg.views.model import Ref, check_iri, select_rows
from kg.views.nodelabels import Collector
from kg.views.vocabcache import vocabulary

Term = NamedNode | Literal

#: the change sets that name the entity as a subject of change
CHANGE_SETS = """
SELECT ?e ?c ?when ?who ?why ?reverts WHERE {
  ?c cs:subjectOfChange ?e ; a cs:ChangeSet ; cs:createdDate ?when ; cs:creatorName ?who .
  OPTIONAL { ?c cs:changeReason ?why }
  OPTIONAL { ?c prov:wasInformedBy ?reverts }
}
"""

#: the statements those change sets added and removed
STATEMENTS = """
SELECT ?e ?c ?kind ?s ?p ?o WHERE {
  ?c cs:subjectOfChange ?e ; ?kind ?st .
  FILTER(?kind IN (cs:addition, cs:removal))
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
}
"""

#: one change set, by its IRI
ONE = """
SELECT ?c ?when ?who ?why ?reverts WHERE {
  ?c a cs:ChangeSet ; cs:createdDate ?when ; cs:creatorName ?who .
  OPTIONAL { ?c cs:changeReason ?why }
  OPTIONAL { ?c prov:wasInformedBy ?reverts }
}
"""
ONE_STATEMENTS = """
SELECT ?c ?kind ?s ?p ?o WHERE {
  ?c ?kind ?st .
  FILTER(?kind IN (cs:addition, cs:removal))
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
}
"""
SUBJECTS = "SELECT ?c ?s WHERE { ?c cs:subjectOfChange ?s }"
HOLDS = "ASK { ?s ?p ?o }"


@dataclass
class Statement:
    subject: Ref
    predicate: Ref
    value: Term
    ref: Ref | None  # the value's, when it is an IRI

    @property
    def triple(self) -> Triple:
        return Triple(NamedNode(self.subject.iri), NamedNode(self.predicate.iri), self.value)


@dataclass
class ChangeSet:
    iri: str
    when: str  # xsd:dateTime, UTC
    who: str  # "account 3", "administrator": never an address
    why: str
    reverts: str | None  # the IRI of the change set it undoes
    added: list[Statement] = field(default_factory=list)
    removed: list[Statement] = field(default_factory=list)
    others: int = 0  # statements about other entries, not listed on this entity's page

    @property
    def number(self) -> int:
        return number_of(self.iri)


def number_of(iri: str) -> int:
    """``…/id/change/000007-20261207T…`` -> 7."""
    stem = iri.rsplit("/", 1)[-1]
    head = stem.split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def change_iri(base: str, number: int, stems: list[str]) -> str:
    """The IRI of change ``number`` among the log's file stems; NotFound without it."""
    for stem in stems:
        if stem.split("-", 1)[0].isdigit() and int(stem.split("-", 1)[0]) == number:
            return f"{base}id/change/{stem}"
    raise NotFound(f"there is no change {number}")


def _header(row: Any, iri: str) -> ChangeSet:
    def value(name: str) -> str:
        term = row[name]
        return "" if term is None else str(term.value)

    return ChangeSet(iri, value("when"), value("who"), value("why"), value("reverts") or None)


def _statement(collect: Collector, s: object, p: object, o: object) -> Statement | None:
    if not isinstance(s, NamedNode) or not isinstance(p, NamedNode):
        return None
    if isinstance(o, BlankNode) or not isinstance(o, NamedNode | Literal):
        return None
    ref = collect.ref(o.value) if isinstance(o, NamedNode) else None
    return Statement(collect.ref(s.value), collect.ref(p.value), o, ref)


def _sort(found: ChangeSet) -> None:
    def key(st: Statement) -> tuple[str, str, str]:
        return (st.subject.iri, st.predicate.iri, str(st.value))

    found.added.sort(key=key)
    found.removed.sort(key=key)


def history(store: GraphStore, base: str, entity: str) -> list[ChangeSet]:
    """The change sets that touched ``entity``, newest first."""
    subs = {"e": check_iri(entity)}
    sets: dict[str, ChangeSet] = {}
    for row in select_rows(store, CHANGE_SETS, subs, base):
        sets.setdefault(row["c"].value, _header(row, row["c"].value))
    collect = Collector(store, base, vocabulary(store, base))
    for row in select_rows(store, STATEMENTS, subs, base):
        found = sets.get(row["c"].value)
        st = _statement(collect, row["s"], row["p"], row["o"])
        if found is None or st is None:
            continue
        if st.subject.iri != entity:
            found.others += 1
        elif row["kind"].value.endswith("addition"):
            found.added.append(st)
        else:
            found.removed.append(st)
    collect.fetch()
    for found in sets.values():
        _sort(found)
    return sorted(sets.values(), key=lambda c: (c.number, c.iri), reverse=True)


def change_set(store: GraphStore, base: str, iri: str) -> ChangeSet:
    """One change set with every statement it added and removed; NotFound without it."""
    subs = {"c": check_iri(iri)}
    rows = select_rows(store, ONE, subs, base)
    if not rows:
        raise NotFound(f"there is no change set <{iri}>")
    found = _header(rows[0], iri)
    collect = Collector(store, base, vocabulary(store, base))
    for row in select_rows(store, ONE_STATEMENTS, subs, base):
        st = _statement(collect, row["s"], row["p"], row["o"])
        if st is not None:
            (found.added if row["kind"].value.endswith("addition") else found.removed).append(st)
    collect.fetch()
    _sort(found)
    return found


def subjects(store: GraphStore, base: str, iri: str) -> list[str]:
    """The entries a change set touched."""
    rows = select_rows(store, SUBJECTS, {"c": check_iri(iri)}, base)
    return sorted(r["s"].value for r in rows)


def holds(store: GraphStore, base: str, st: Statement) -> bool:
    """Whether the graph (any named graph) states ``st`` now."""
    t = st.triple
    result = store.query(HOLDS, {"s": t.subject, "p": t.predicate, "o": t.object})
    return bool(result)
