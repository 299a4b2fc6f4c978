"""What the about and licence pages say of the graph, read from the graph itself: how much
it holds, the documents and datasets it comes from, and the licence of each dataset. Kept
per store (a new build is a new store)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode

from kg.store import GraphStore
from kg.views.home import headline_figures
from kg.views.model import Document, lang_of, one_int, select_rows
from kg.views.vocabcache import cached, remember

COUNT_PLACES = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a cci:CulturalPlace }"
COUNT_PEOPLE = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a foaf:Person }"
COUNT_STATEMENTS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

#: every document or dataset a graph cites, with what it says of itself
SOURCES = """
SELECT ?d ?title ?date ?publisher ?licence ?rights WHERE {
  { SELECT DISTINCT ?d WHERE { GRAPH ?g { ?g dct:source ?d } } }
  OPTIONAL { ?d dct:title|skos:prefLabel ?title }
  OPTIONAL { ?d dct:issued|dct:date ?date }
  OPTIONAL { ?d dct:publisher ?publisher }
  OPTIONAL { ?d dct:license ?licence }
  OPTIONAL { ?d dct:rights ?rights }
}"""


@dataclass
class SourceEntry(Document):
    """A document or dataset statements cite, with the licences a dataset states."""

    licences: list[str] = field(default_factory=list)
    rights: dict[str, str] = field(default_factory=dict)


@dataclass
class AboutView:
    figures: dict[str, int]
    #: the documents the curated data comes from
    documents: list[SourceEntry]
    #: the open datasets imported, each with its licences
    datasets: list[SourceEntry]


def about_view(store: GraphStore, base: str) -> AboutView:
    found = cached(store, "about")
    if isinstance(found, AboutView):
        return found
    figures = headline_figures(store, base)
    figures["places"] = one_int(store, COUNT_PLACES, base)
    figures["people"] = one_int(store, COUNT_PEOPLE, base)
    figures["statements"] = one_int(store, COUNT_STATEMENTS, base)
    entries: dict[str, SourceEntry] = {}
    for row in select_rows(store, SOURCES, None, base):
        if not isinstance(row["d"], NamedNode):
            continue
        entry = entries.setdefault(row["d"].value, SourceEntry(row["d"].value))
        if isinstance(row["title"], Literal):
            entry.titles.setdefault(lang_of(row["title"]), row["title"].value)
        if isinstance(row["date"], Literal):
            entry.date = row["date"].value
        if isinstance(row["publisher"], Literal):
            entry.publisher = row["publisher"].value
        if isinstance(row["licence"], NamedNode) and row["licence"].value not in entry.licences:
            entry.licences.append(row["licence"].value)
        if isinstance(row["rights"], Literal):
            entry.rights.setdefault(lang_of(row["rights"]), row["rights"].value)
    documents = sorted(
        (e for e in entries.values() if e.iri.startswith(base + "id/document/")),
        key=lambda e: e.iri,
    )
    # imported datasets state their licence; the build's own figures are the project's
    datasets = sorted(
        (e for e in entries.values() if e.iri.startswith(base + "id/dataset/") and e.licences),
        key=lambda e: e.iri,
    )
    view = AboutView(figures, documents, datasets)
    remember(store, "about", view)
    return view
