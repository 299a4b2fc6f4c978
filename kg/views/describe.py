"""``describe(store, iri)``: the triples of an entity's RDF twins: what it says, what
points to it (of the change sets, only that they touched it), the description of the
nodes it owns (address, geometry, identifier: IRIs under its own IRI, or blank nodes),
the reified relationships it takes part in, and the labels of every neighbour.
``exists``: whether anything is said of or to an IRI."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Triple

from kg.namespaces import DEFAULT_BASE
from kg.store import GraphStore
from kg.views.model import check_iri, construct_triples, select_rows

#: The entity exists when it is the subject or the object of a statement.
EXISTS = "SELECT ?e WHERE { { ?e ?p ?o } UNION { ?s ?p ?e } } LIMIT 1"

#: describe(): ``{e}`` is ``str(NamedNode(iri))``, pyoxigraph's escaping serialisation.
DESCRIBE = """
CONSTRUCT {{
  {e} ?p ?o . ?s ?q {e} . ?n ?lp ?l . ?x ?xp ?xo . ?r ?rp ?ro .
}}
WHERE {{
  {{ {e} ?p ?o }}
  UNION {{
    ?s ?q {e} .
    # the statements a change set added or removed are its own, not the entity's
    FILTER(?q = cs:subjectOfChange || !STRSTARTS(STR(?s), {changes}))
  }}
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


def exists(store: GraphStore, iri: str, base: str) -> bool:
    try:
        node = NamedNode(iri)
    except ValueError:
        return False
    return bool(select_rows(store, EXISTS, {"e": node}, base))


def describe(store: GraphStore, iri: str, base: str = DEFAULT_BASE) -> list[Triple]:
    """The triples of the entity's RDF twins (each triple once, sorted): what it says,
    what points to it, the labels of every neighbour, the nodes it owns, its reified
    relationships. ``base``: the deployment's base (for the ontology's namespace)."""
    node = check_iri(iri)
    changes = str(Literal(base + "id/change/"))
    triples = construct_triples(store, DESCRIBE.format(e=str(node), changes=changes), base)
    unique = {str(t): t for t in triples}
    return [unique[k] for k in sorted(unique)]
