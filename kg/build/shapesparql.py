"""SHACL-SPARQL constraints run in Oxigraph, once for all focus nodes.

The compiled validator (kg/validation.py) evaluates an ``sh:sparql`` constraint once per
focus node with its own small engine: on the M dataset one constraint over 40,000
relationships took 49 of the validator's 58 seconds, growing faster than the data. The same
``SELECT`` joined with the shape's targets is one query for Oxigraph, which the build has
loaded anyway: seconds at M.

``split`` takes the node shapes' ``sh:sparql`` constraints out of the shapes (the compiled
validator checks the rest) and ``check`` runs them on a store. A constraint is moved only
when its shape's targets are ones handled here (``sh:targetClass``, ``sh:targetNode``,
``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, a shape that is a class); any other stays
with the compiled validator. Joining the constraint's solutions with the focus nodes gives
what SHACL's pre-binding of ``$this`` gives for the queries a shape may hold here (no
``$this`` inside sub-queries, ``MINUS`` or ``SERVICE``: the shapes tests check every shape
against pyshacl, the reference)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    parse,
    serialize,
)

from kg.build.report import Issue
from kg.namespaces import OWL_CLASS, RDF_TYPE, RDFS, SH
from kg.store import EmbeddedStore

CONSTRAINTS = f"""
SELECT ?shape ?constraint ?select WHERE {{
  ?shape <{SH}sparql> ?constraint .
  ?constraint <{SH}select> ?select .
  FILTER NOT EXISTS {{ ?shape <{SH}deactivated> true }}
  FILTER NOT EXISTS {{ ?constraint <{SH}deactivated> true }}
  FILTER NOT EXISTS {{ ?parent <{SH}property> ?shape }}
}}"""
TARGETS = f"""
SELECT ?shape ?kind ?value WHERE {{
  {{ ?shape ?kind ?value
     VALUES ?kind {{ <{SH}targetClass> <{SH}targetNode> <{SH}targetSubjectsOf>
                    <{SH}targetObjectsOf> }} }}
  UNION {{ ?shape a ?class VALUES ?class {{ <{RDFS}Class> <{OWL_CLASS}> }}
           BIND(<{SH}targetClass> AS ?kind) BIND(?shape AS ?value) }}
  UNION {{ ?shape ?other ?any FILTER(STRSTARTS(STR(?other), "{SH}target"))
           FILTER(?other NOT IN (<{SH}targetClass>, <{SH}targetNode>,
                                 <{SH}targetSubjectsOf>, <{SH}targetObjectsOf>))
           BIND(<urn:x-kg:unhandled> AS ?kind) BIND(?other AS ?value) }}
}}"""
MESSAGES = f"SELECT ?constraint ?m WHERE {{ ?constraint <{SH}message> ?m }}"
SEVERITY = f"SELECT ?shape ?s WHERE {{ ?shape <{SH}severity> ?s }}"
PREFIXES = f"""
SELECT ?constraint ?prefix ?namespace WHERE {{
  ?constraint <{SH}prefixes> ?declarer .
  ?declarer <{SH}declare> [ <{SH}prefix> ?prefix ; <{SH}namespace> ?namespace ]
}}"""


@dataclass(frozen=True)
class SparqlConstraint:
    shape: str  # the node shape's IRI (or blank node id)
    query: str  # the constraint joined with the shape's focus nodes
    message: str
    severity: str  # Violation | Warning | Info


def _rows(store: Store, query: str, **bound: NamedNode | BlankNode) -> QuerySolutions:
    from pyoxigraph import Variable

    rows = store.query(query, substitutions={Variable(k): v for k, v in bound.items()})
    assert isinstance(rows, QuerySolutions)
    return rows


def _target_pattern(kind: str, value: NamedNode) -> str:
    term = str(value)  # an IRI from the shapes, written as N-Triples
    if kind == SH + "targetClass":
        return f"{{ ?this <{RDF_TYPE}>/<{RDFS}subClassOf>* {term} }}"
    if kind == SH + "targetNode":
        return f"{{ VALUES ?this {{ {term} }} }}"
    if kind == SH + "targetSubjectsOf":
        return f"{{ ?this {term} ?kg_any }}"
    return f"{{ ?kg_any {term} ?this }}"  # targetObjectsOf


def _message(store: Store, constraint: NamedNode | BlankNode) -> str:
    found = {
        (m.language or ""): m.value
        for row in _rows(store, MESSAGES, constraint=constraint)
        if isinstance(m := row["m"], Literal)
    }
    for lang in ("en", ""):
        if lang in found:
            return found[lang]
    return next(iter(found.values()), "SPARQLConstraint constraint failed")


def _severity(store: Store, shape: NamedNode | BlankNode) -> str:
    for row in _rows(store, SEVERITY, shape=shape):
        term = row["s"]
        if isinstance(term, NamedNode) and term.value.startswith(SH):
            return term.value.removeprefix(SH)
    return "Violation"


def split(shapes_nt: bytes) -> tuple[bytes, list[SparqlConstraint]]:
    """The shapes without the constraints moved here, and those constraints."""
    quads = list(parse(shapes_nt, RdfFormat.N_TRIPLES))
    graph = Store()
    graph.extend(quads)
    moved: list[SparqlConstraint] = []
    drop: set[tuple[str, str]] = set()  # (shape, constraint) links taken out
    for row in _rows(graph, CONSTRAINTS):
        shape, constraint, select = row["shape"], row["constraint"], row["select"]
        assert isinstance(shape, (NamedNode, BlankNode))
        assert isinstance(constraint, (NamedNode, BlankNode)) and isinstance(select, Literal)
        targets = [(r["kind"], r["value"]) for r in _rows(graph, TARGETS, shape=shape)]
        kinds = {k.value for k, _ in targets if isinstance(k, NamedNode)}
        if not targets or "urn:x-kg:unhandled" in kinds:
            continue  # left to the compiled validator
        if not all(isinstance(v, NamedNode) for _, v in targets):
            continue
        focus = " UNION ".join(_target_pattern(k.value, v) for k, v in targets)
        prologue = "".join(
            f"PREFIX {r['prefix'].value}: <{r['namespace'].value}>\n"
            for r in _rows(graph, PREFIXES, constraint=constraint)
        )
        query = (
            f"{prologue}SELECT ?this ?value WHERE {{\n"
            f"  {{ SELECT DISTINCT ?this WHERE {{ {focus} }} }}\n"
            f"  {{ {select.value} }}\n}}"
        )
        moved.append(
            SparqlConstraint(
                shape=str(shape),
                query=query,
                message=_message(graph, constraint),
                severity=_severity(graph, shape),
            )
        )
        drop.add((str(shape), str(constraint)))
    removed = {c for _, c in drop}
    kept: list[Triple] = []
    for quad in quads:
        triple = quad.triple
        link = (str(triple.subject), str(triple.object))
        if link in drop and triple.predicate.value == SH + "sparql":
            continue
        if str(triple.subject) in removed:
            continue  # the constraint node itself (its select, message, prefixes)
        kept.append(triple)
    return serialize(kept, format=RdfFormat.N_TRIPLES) or b"", moved


def _plain(term: object) -> str | None:
    if isinstance(term, (NamedNode, Literal)):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return None


def check(
    store: EmbeddedStore,
    constraints: Sequence[SparqlConstraint],
    max_results: int,
    pool: Executor | None = None,
) -> list[Issue]:
    """Run each constraint on the store's union graph, which must hold the data graphs
    and nothing else (naming the graphs instead makes Oxigraph look in each one: five
    times slower on M); one Issue per solution, in the order of the constraints, at most
    ``max_results``. With ``pool``, the constraints run side by side in its threads
    (pyoxigraph evaluates without the GIL)."""
    if pool is None:
        found = [_solutions(store, c, max_results) for c in constraints]
    else:
        futures = [pool.submit(_solutions, store, c, max_results) for c in constraints]
        found = [future.result() for future in futures]
    return [issue for issues in found for issue in issues][:max_results]


def _solutions(store: EmbeddedStore, constraint: SparqlConstraint, limit: int) -> list[Issue]:
    """One constraint's issues, at most ``limit``."""
    issues: list[Issue] = []
    rows = store.query(constraint.query)
    assert isinstance(rows, QuerySolutions)
    for row in rows:
        this = row["this"]
        issues.append(
            Issue(
                file="",
                entity=str(this),
                property=None,
                message=constraint.message,
                severity=constraint.severity,
                check="SPARQL",
                # SHACL: without a ?value binding the value is the focus node (an empty
                # literal is a value: "" is what an empty-name check reports)
                value=_plain(this) if (found := _plain(row["value"])) is None else found,
                shape=constraint.shape,
            )
        )
        if len(issues) >= limit:
            break
    return issues
