"""Counts of the kept enterprises by sector and municipality, as Data Cube observations
dated by the extract (``cci:numberOfCompanies``, ``cci:refPeriod`` the snapshot date).

An enterprise counts in every municipality where it has its seat or an establishment
(once per municipality), and once in the region (NUTS BE100) whatever its number of
addresses. It counts in every sector of scheme:sectors that the sector scheme maps to one
of its main activities (skos:closeMatch / skos:relatedMatch, ontology/schemes/sectors.ttl),
and always in sector:all-cci. Zero counts are stated: "none" is a figure too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date

from pyoxigraph import Literal, NamedNode

from kg.build.importers.kbordf import Lines
from kg.build.importers.kboread import Enterprise
from kg.namespaces import NUTS_CODE

REGION = "BE100"


def tally(
    kept: Iterable[Enterprise], sectors: dict[str, set[str]], all_cci: str
) -> Counter[tuple[str, str]]:
    """(sector IRI, NIS code or BE100) -> number of enterprises."""
    counts: Counter[tuple[str, str]] = Counter()
    for e in kept:
        mine = {all_cci}
        for cls in e.main:
            mine |= sectors.get(cls, set())
        places = {a.nis for a in e.addresses if a.nis} | {REGION}
        for sector in mine:
            for place in places:
                counts[(sector, place)] += 1
    return counts


def count_lines(
    base: str,
    day: date,
    counts: Counter[tuple[str, str]],
    sectors: Iterable[str],
    municipalities: Iterable[str],
    source: str,
) -> Iterator[str]:
    w = Lines(base)
    stamp = day.isoformat()
    dataset = w.iri("ds:kbo-enterprise-counts")
    yield w.line(dataset, "rdf:type", w.iri("qb:DataSet"))
    yield w.line(dataset, "qb:structure", w.iri("cci:registerCountStructure"))
    titles = {
        "fr": "Entreprises culturelles et créatives par secteur et par commune (BCE)",
        "nl": "Culturele en creatieve ondernemingen per sector en gemeente (KBO)",
        "en": "Cultural and creative enterprises by sector and municipality (KBO/BCE)",
    }
    for lang, title in titles.items():
        yield w.line(dataset, "skos:prefLabel", w.text(title, lang))
    for sector in sorted(sectors):
        notation = sector.rstrip("/").rsplit("/", 1)[-1]
        for place in [*sorted(municipalities), REGION]:
            obs = w.iri(f"obs:kbo-{stamp}-{notation}-{place}")
            area = NamedNode(NUTS_CODE + REGION) if place == REGION else w.iri(f"mun:{place}")
            value = Literal(str(counts.get((sector, place), 0)), datatype=w.iri("xsd:integer"))
            yield w.line(obs, "rdf:type", w.iri("qb:Observation"))
            yield w.line(obs, "qb:dataSet", dataset)
            yield w.line(obs, "qb:measureType", w.iri("cci:numberOfCompanies"))
            yield w.line(obs, "cci:numberOfCompanies", value)
            yield w.line(obs, "cci:obsValue", value)
            yield w.line(obs, "cci:subject", NamedNode(sector))
            yield w.line(obs, "cci:refArea", area)
            yield w.line(obs, "cci:refPeriod", w.typed(stamp, "date"))
            yield w.line(obs, "dct:source", NamedNode(source))
