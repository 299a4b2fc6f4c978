"""``suggestions``: entities whose name holds words of an unknown IRI (the 404 page)."""

from __future__ import annotations

import re

from pyoxigraph import Literal

from kg.store import GraphStore
from kg.views.model import Ref, select_rows
from kg.views.nodelabels import Collector
from kg.views.vocabcache import vocabulary

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
    for row in select_rows(store, SUGGEST, subs, base):
        label = row["label"].value.casefold() if row["label"] is not None else ""
        hits = sum(1 for w in set(words) if w in label)
        scored.append((-hits, len(label), label, row["s"].value))
    scored.sort()
    vocab = vocabulary(store, base)
    collect = Collector(store, base, vocab)
    refs = [collect.ref(iri) for *_, iri in scored[:limit]]
    collect.fetch()
    return refs
