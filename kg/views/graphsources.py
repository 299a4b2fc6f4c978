"""What each named graph cites (``dct:source``), with the title, date and publisher of
each document: the sources pages cite for their statements."""

from __future__ import annotations

from collections.abc import Sequence

from pyoxigraph import Literal, NamedNode

from kg.labels import pick
from kg.namespaces import DCT, PROV, RDF_TYPE, RDFS, SKOS
from kg.store import GraphStore
from kg.views.model import (
    Document,
    Labels,
    Source,
    chunks,
    construct_triples,
    iri_values,
    lang_of,
    local_name,
    node_key,
)

#: The source of each graph: what it cites (dct:source), that document's title, date and
#: publisher; ``{graphs}`` as in kg.nodelabels.NODES.
SOURCES = """
CONSTRUCT {{ ?g dct:source ?d . ?d ?p ?o . ?o skos:prefLabel ?name }}
WHERE {{
  VALUES ?g {{ {graphs} }}
  ?g dct:source ?d .
  OPTIONAL {{
    ?d ?p ?o .
    FILTER(?p IN (dct:title, rdfs:label, skos:prefLabel, dct:issued, dct:date, dct:created,
                  dct:modified, prov:endedAtTime, dct:publisher, rdf:type))
    # a publisher that is an entry: its name, not its code
    OPTIONAL {{ FILTER(?p = dct:publisher) ?o skos:prefLabel|foaf:name ?name }}
  }}
}}
"""


def graph_sources(store: GraphStore, graphs: Sequence[str], base: str) -> dict[str, Source]:
    """For each graph, what it cites (dct:source), with title, date and publisher."""
    found = {g: Source(g) for g in graphs}
    docs: dict[str, Document] = {}
    cites: dict[str, list[str]] = {}
    titles: dict[str, Labels] = {}
    dates: dict[str, tuple[int, str]] = {}
    publishers: dict[str, list[Document]] = {}
    title_rank = (DCT + "title", SKOS + "prefLabel", RDFS + "label")
    date_rank = (
        DCT + "issued",
        DCT + "date",
        DCT + "created",
        DCT + "modified",
        PROV + "endedAtTime",
    )
    for chunk in chunks(list(graphs), 200):
        for t in construct_triples(store, SOURCES.format(graphs=iri_values(chunk)), base):
            s, p, o = node_key(t.subject), t.predicate.value, t.object
            if p == DCT + "source" and s in found and isinstance(o, NamedNode):
                if o.value not in cites.setdefault(s, []):
                    cites[s].append(o.value)
                docs.setdefault(o.value, Document(o.value))
                continue
            doc = docs.setdefault(s, Document(s))
            if p in title_rank and isinstance(o, Literal):
                titles.setdefault(s, Labels()).add(o.value, lang_of(o), title_rank.index(p))
            elif p in date_rank and isinstance(o, Literal):
                rank = date_rank.index(p)
                if s not in dates or rank < dates[s][0]:
                    dates[s] = (rank, o.value)
            elif p == DCT + "publisher":
                doc.publisher = o.value if isinstance(o, Literal) else local_name(node_key(o))
                if not isinstance(o, Literal):
                    publishers.setdefault(node_key(o), []).append(doc)
            elif p == RDF_TYPE and isinstance(o, NamedNode) and o.value not in doc.types:
                doc.types.append(o.value)
    for iri, named in publishers.items():
        if iri in titles:  # its name (read as a title above), first along the fallback chain
            for doc in named:
                doc.publisher = pick(titles[iri].by_lang, None) or doc.publisher
    for iri, doc in docs.items():
        doc.titles = titles[iri].by_lang if iri in titles else {}
        doc.date = dates[iri][1][:10] if iri in dates else None
    for g, cited in cites.items():
        found[g].documents = [docs[d] for d in sorted(cited)]
    return found
