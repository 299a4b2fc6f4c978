"""What the map and the network show of an entity: its kinds (the project's classes) and
its labels, read with single-pattern queries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyoxigraph import Literal, NamedNode, QuerySolution, QuerySolutions

from kg.labels import pick_with_language
from kg.namespaces import (
    DCT,
    FOAF,
    ORG_ORGANIZATION,
    RDF_TYPE,
    RDFS_LABEL,
    SKOS,
    all_prefixes,
)
from kg.publish.mapfilters import MATCHING
from kg.store import GraphStore

#: Every value of one property (?p bound, hence projected).
PROPERTY_VALUES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
#: The project's classes an entity can be an instance of ("kinds"): those under
#: organisation, place, activity, event and creative work (not relationships, identifiers,
#: measures or source documents), with their labels.
KIND_CLASSES = """
SELECT ?c ?label WHERE {
  { SELECT DISTINCT ?c WHERE {
      VALUES ?root { org:Organization schema:Place dct:Location prov:Activity schema:Event
                     schema:CreativeWork }
      ?c a owl:Class ; rdfs:subClassOf+ ?root .
      FILTER(STRSTARTS(STR(?c), STR(cci:)))
  } }
  OPTIONAL { ?c rdfs:label ?label }
}
"""

#: label properties; the first that an entity has any label with wins
LABEL_PROPERTIES = (
    SKOS + "prefLabel",
    FOAF + "name",
    DCT + "title",
    RDFS_LABEL,
)


def solutions(
    store: GraphStore,
    sparql: str,
    substitutions: Mapping[str, NamedNode] | None = None,
    base: str | None = None,
) -> list[QuerySolution]:
    """A SELECT query's rows, read to the end here: pyoxigraph's result iterator must be
    dropped on the thread that made it, and an exception's traceback (which keeps the
    frames it passes through) may be dropped on another one."""
    rows = store.query(sparql, substitutions, prefixes=all_prefixes(base) if base else None)
    try:
        assert isinstance(rows, QuerySolutions)
        return list(rows)
    finally:
        del rows


def values_of(store: GraphStore, prop: str) -> list[QuerySolution]:
    return solutions(store, PROPERTY_VALUES, {"p": NamedNode(prop)})


def instances_of(store: GraphStore, cls: str) -> set[str]:
    rows = solutions(store, MATCHING, {"p": NamedNode(RDF_TYPE), "v": NamedNode(cls)})
    return {row["s"].value for row in rows if isinstance(row["s"], NamedNode)}


#: org:Organization is a kind too (the one every organisation has, as in search); the
#: ontology reuses it without labelling it
ORGANIZATION_LABELS = {"fr": "organisation", "nl": "organisatie", "en": "organisation"}


def kind_labels(store: GraphStore, base: str) -> dict[str, dict[str, str]]:
    """The kinds (the project's classes, and org:Organization) -> {language: label}."""
    rows = solutions(store, KIND_CLASSES, base=base)
    labels: dict[str, dict[str, str]] = {ORG_ORGANIZATION: dict(ORGANIZATION_LABELS)}
    for row in rows:
        entry = labels.setdefault(row["c"].value, {})
        if isinstance(row["label"], Literal):
            entry.setdefault(row["label"].language or "", row["label"].value)
    return labels


def specific(kinds: set[str]) -> list[str]:
    """The kinds to show: org:Organization only when no more specific kind is known."""
    return sorted(kinds - {ORG_ORGANIZATION}) or sorted(kinds)


def local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def href(iri: str, base: str) -> str | None:
    """The path of an IRI minted under the base (``/id/…``), which this server answers."""
    return "/" + iri[len(base) :] if iri.startswith(base) else None


def best_label(by_property: Mapping[str, Mapping[str, str]], lang: str) -> tuple[str, str] | None:
    """The label in the reader's language from the first label property that has any."""
    for prop in LABEL_PROPERTIES:
        if by_property.get(prop):
            return pick_with_language(by_property[prop], lang)
    return None


#: The other labels of one entity (?s bound, hence projected).
OTHER_LABELS = """
SELECT ?s ?p ?o WHERE { VALUES ?p { foaf:name dct:title rdfs:label } ?s ?p ?o }
"""
#: entities without a skos:prefLabel up to which their other labels are read one by one
ONE_BY_ONE = 500


def read_labels(
    store: GraphStore,
    base: str,
    entities: Mapping[str, dict[str, dict[str, str]]],
    names: Mapping[str, dict[str, str]] | None = None,
) -> None:
    """Fill ``entities`` (IRI -> label property -> language -> text) and ``names`` (IRI ->
    language -> text, from skos:prefLabel). Every skos:prefLabel is read in one query; the
    other label properties (many people's foaf:name at M scale) only for the entities that
    have no prefLabel, one query each when they are few."""
    pref = SKOS + "prefLabel"
    for row in values_of(store, pref):
        subject, label = row["s"].value, row["o"]
        if not isinstance(label, Literal):
            continue
        target = entities[subject].setdefault(pref, {}) if subject in entities else None
        if target is None and names is not None:
            target = names.get(subject)
        if target is not None:
            target.setdefault(label.language or "", label.value)
    missing = [iri for iri, labels in entities.items() if not labels.get(pref)]
    if len(missing) > ONE_BY_ONE:
        rows = [row for prop in LABEL_PROPERTIES[1:] for row in values_of(store, prop)]
    else:
        rows = [
            row
            for iri in missing
            for row in solutions(store, OTHER_LABELS, {"s": NamedNode(iri)}, base)
        ]
    for row in rows:
        subject, label = row["s"].value, row["o"]
        if subject in entities and isinstance(label, Literal):
            by_lang = entities[subject].setdefault(row["p"].value, {})
            by_lang.setdefault(label.language or "", label.value)


def label_of(labels: Mapping[str, str], iri: str, lang: str) -> tuple[str, str]:
    """(text, language) from {language: text}, or the IRI's local name."""
    return pick_with_language(labels, lang) or (local_name(iri), "")
