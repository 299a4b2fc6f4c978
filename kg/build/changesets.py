"""Each change of the change log is a change set: who, when, why, and which statements it
added and removed, described in the change's own named graph (``{base}graph/changes/…``)
with PROV-O and the Changeset vocabulary (``cs:``, http://purl.org/vocab/changeset/schema#).

The build makes it while it replays the log (kg.build.changes.apply): the statements of
the whole graph (the union of the named graphs, as pages and queries see it) before the
change and after it are compared, and the difference is written down as reified
statements (``rdf:Statement`` with ``rdf:subject``, ``rdf:predicate``, ``rdf:object``)
named from a hash of their text. Nothing in it depends on the clock or on chance: the same
sources and the same log give the same description, so a rebuild reproduces it.

    <{base}id/change/000007-…> a prov:Activity , cs:ChangeSet ;
        cs:createdDate "…"^^xsd:dateTime ; cs:creatorName "account 3" ;
        cs:changeReason "…" ;                      # when the author said why
        prov:wasInformedBy <…/000005-…> ;          # a revert: the change set it undoes
        cs:subjectOfChange <entity> ;              # each entry a statement is about
        cs:addition <…#added-…> ; cs:removal <…#removed-…> .

Statements with a blank node are left out of the description (a blank node is named
anew by each build): web edits and proposals make none."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

from kg.namespaces import PROV, RDF, RDF_TYPE_NODE, REUSED_PREFIXES, XSD_DATETIME_NODE
from kg.store import EmbeddedStore

CS = REUSED_PREFIXES["cs"]
CHANGE_SET = NamedNode(CS + "ChangeSet")
ADDITION = NamedNode(CS + "addition")
REMOVAL = NamedNode(CS + "removal")
SUBJECT_OF_CHANGE = NamedNode(CS + "subjectOfChange")
CREATED = NamedNode(CS + "createdDate")
CREATOR = NamedNode(CS + "creatorName")
REASON = NamedNode(CS + "changeReason")
INFORMED_BY = NamedNode(PROV + "wasInformedBy")
STATEMENT = NamedNode(RDF + "Statement")
RDF_SUBJECT = NamedNode(RDF + "subject")
RDF_PREDICATE = NamedNode(RDF + "predicate")
RDF_OBJECT = NamedNode(RDF + "object")


def snapshot(store: EmbeddedStore, base: str) -> set[Triple]:
    """Every statement of the store (any graph), but the change sets' own descriptions."""
    own = base + "id/change/"
    return {
        q.triple
        for q in store.raw
        if not (isinstance(q.subject, NamedNode) and q.subject.value.startswith(own))
    }


def recordable(triples: Iterable[Triple]) -> list[Triple]:
    """The statements without a blank node, in a fixed order."""
    kept = [
        t
        for t in triples
        if not isinstance(t.subject, BlankNode) and not isinstance(t.object, BlankNode)
    ]
    return sorted(kept, key=str)


def statement_iri(change_iri: str, kind: str, triple: Triple) -> NamedNode:
    digest = hashlib.sha256(str(triple).encode()).hexdigest()[:16]
    return NamedNode(f"{change_iri}#{kind}-{digest}")


def describe(
    change_iri: str,
    graph: str,
    when: str,
    author: str,
    why: str,
    reverts: str | None,
    added: Iterable[Triple],
    removed: Iterable[Triple],
) -> list[Quad]:
    """The quads that describe a change set (see the module's text)."""
    c, g = NamedNode(change_iri), NamedNode(graph)
    quads = [
        Quad(c, RDF_TYPE_NODE, CHANGE_SET, g),
        Quad(c, CREATED, Literal(when, datatype=XSD_DATETIME_NODE), g),
        Quad(c, CREATOR, Literal(author), g),
    ]
    if why:
        quads.append(Quad(c, REASON, Literal(why), g))
    if reverts:
        quads.append(Quad(c, INFORMED_BY, NamedNode(reverts), g))
    subjects: set[str] = set()
    for kind, link, triples in (("added", ADDITION, added), ("removed", REMOVAL, removed)):
        for t in recordable(triples):
            st = statement_iri(change_iri, kind, t)
            quads += [
                Quad(c, link, st, g),
                Quad(st, RDF_TYPE_NODE, STATEMENT, g),
                Quad(st, RDF_SUBJECT, t.subject, g),
                Quad(st, RDF_PREDICATE, t.predicate, g),
                Quad(st, RDF_OBJECT, t.object, g),
            ]
            if isinstance(t.subject, NamedNode):
                subjects.add(t.subject.value)
    quads += [Quad(c, SUBJECT_OF_CHANGE, NamedNode(s), g) for s in sorted(subjects)]
    return quads
