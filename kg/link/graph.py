"""The links graph: the accepted rows of a review file as ``owl:sameAs`` statements in a
Turtle file of their own under data/links/, which the build loads as its own named graph.
Each link is described by an ``rdf:Statement`` saying which endpoint was asked and when,
the Wikidata statement it rests on, the evidence, and who accepted it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from kg.link.review import Row
from kg.namespaces import DEFAULT_BASE, EU_AUTHORITY, XSD

HEADER = """# Reviewed links to Wikidata: written by `kg link wikidata` from the accepted rows of
# {review}; edit that file, not this one (see docs/linking.md).
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix cci: <https://data.creative.brussels/ontology#> .
@prefix ds: <https://data.creative.brussels/id/dataset/> .

<> dct:source ds:wikidata ;
    dct:title "Liens vérifiés vers Wikidata"@fr , "Nagekeken koppelingen met Wikidata"@nl ,
        "Reviewed links to Wikidata"@en .

ds:wikidata a cci:SourceDataset ;
    dct:title "Wikidata"@en ;
    dct:description "The Wikidata items our entities were reconciled with, asked at the SPARQL \
endpoint each link names; dct:issued is the date of the latest answer used."@en ;
    dct:issued {issued} ;
    foaf:homepage <https://www.wikidata.org/> ;
    dct:license <{licence}> .
"""


def _own(iri: str, base: str) -> NamedNode:
    """Our IRIs under the default base, as every file under data/ writes them (the build
    rewrites them to the deployment's base)."""
    return NamedNode(DEFAULT_BASE + iri[len(base) :] if iri.startswith(base) else iri)


def _text(value: str) -> str:
    return str(Literal(value, language="en"))


def turtle(rows: list[Row], base: str, review_label: str) -> str:
    """The file's text; rows in the review file's order."""
    days = sorted(r.retrieved for r in rows if r.retrieved) or [date.today().isoformat()]
    issued = str(Literal(days[-1], datatype=NamedNode(XSD + "date")))
    out = [HEADER.format(review=review_label, issued=issued, licence=EU_AUTHORITY + "licence/CC0")]
    for r in rows:
        entity, item = _own(r.entity, base), NamedNode(r.wikidata)
        out.append(f"\n{entity} owl:sameAs {item} .\n")
        said = f"{r.evidence} (matched by {r.matched_by}; score {r.score}"
        said += f"; Wikidata labels: {r.wikidata_label})" if r.wikidata_label else ")"
        parts = [
            "a rdf:Statement",
            f"rdf:subject {entity}",
            "rdf:predicate owl:sameAs",
            f"rdf:object {item}",
            f"dct:description {_text(said)}",
            f"dct:contributor {Literal(r.reviewer)}",
        ]
        if r.endpoint:
            parts.append(f"dct:source {NamedNode(r.endpoint)}")
        if r.statement:
            parts.append(f"prov:wasDerivedFrom {NamedNode(r.statement)}")
        if r.retrieved:
            parts.append(f"dct:date {Literal(r.retrieved, datatype=NamedNode(XSD + 'date'))}")
        if r.decided:
            parts.append(f"dct:dateAccepted {Literal(r.decided, datatype=NamedNode(XSD + 'date'))}")
        if r.note:
            parts.append(f"rdfs:comment {_text(r.note)}")
        out.append("[] " + " ;\n    ".join(parts) + " .\n")
    return "".join(out)


def write(path: Path, rows: list[Row], base: str, review_label: str) -> Path | None:
    """Write the links graph; with no accepted row, remove it (a row rejected after it
    was accepted takes its link out)."""
    if not rows:
        path.unlink(missing_ok=True)
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(turtle(rows, base, review_label), encoding="utf-8")
    tmp.replace(path)
    return path
