"""``sitemap_iris``: every IRI that has a page, for the sitemap."""

from __future__ import annotations

from pyoxigraph import Literal

from kg.store import GraphStore
from kg.views.model import select_rows
from kg.views.vocabcache import cached, remember

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


def sitemap_iris(store: GraphStore, base: str) -> list[str]:
    """Every IRI under ``{base}id/`` that has a page: organisations, people, projects,
    events, publications, places, municipalities, concepts, schemes, sources."""
    found = cached(store, "sitemap")
    if found is None:
        rows = select_rows(store, SITEMAP, {"prefix": Literal(base + "id/")}, base)
        found = sorted({r["s"].value for r in rows})
        remember(store, "sitemap", found)
    return list(found)
