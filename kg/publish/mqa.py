"""The data.europa.eu metadata-quality assessment (MQA) of a DCAT-AP catalogue, computed
the way its methodology scores a harvested catalogue: 405 points over five dimensions, each
indicator worth its points times the share of datasets (or distributions) that meet it.

The indicators and their points are those of the methodology (see docs/catalog.md); the
reference lists (licences, file types, machine-readable and non-proprietary formats, access
rights) are the MQA's own, in ``data/reference/mqa/``. What cannot be read from the
catalogue is given by the caller: whether a URL answers (``reachable``) and whether the
catalogue passes the DCAT-AP shapes (``compliant``), which the test measures.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat, Triple, parse

from kg.namespaces import DCAT, DCT, RDF

TABLES = Path("data/reference/mqa")
IANA_PREFIXES = ("https://www.iana.org/assignments/media-types/", "http://www.iana.org/")
TOTAL = 405
#: rating -> lowest score that earns it
RATINGS = (("Excellent", 351), ("Good", 221), ("Sufficient", 121), ("Bad", 0))

DATASET, DISTRIBUTION = "dataset", "distribution"


@dataclass(frozen=True)
class Indicator:
    dimension: str
    name: str
    points: float
    #: what it is counted on: each dataset or each distribution
    level: str
    met: int
    population: int

    @property
    def earned(self) -> float:
        return round(self.points * self.met / self.population, 2) if self.population else 0.0


@dataclass(frozen=True)
class Score:
    indicators: list[Indicator]

    @property
    def total(self) -> float:
        return round(sum(i.earned for i in self.indicators), 2)

    @property
    def rating(self) -> str:
        return next(name for name, floor in RATINGS if self.total >= floor)


def _column(path: Path, index: int) -> set[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return {row[index] for row in csv.reader(f) if len(row) > index and row[index]}


@dataclass(frozen=True)
class Tables:
    file_types: set[str]
    machine_readable: set[str]
    non_proprietary: set[str]
    licences: set[str]
    access_rights: set[str]

    @classmethod
    def read(cls, root: Path) -> Tables:
        d = root / TABLES
        return cls(
            file_types=_column(d / "file-types.csv", 0),
            machine_readable=_column(d / "machine-readable.csv", 0),
            non_proprietary=_column(d / "non-proprietary.csv", 0),
            # a licence is known by its page or by its IRI in the EU table
            licences=_column(d / "licenses.csv", 0) | _column(d / "licenses.csv", 2),
            access_rights=_column(d / "access-right.csv", 0),
        )


class _Graph:
    """The catalogue as subject -> predicate -> values."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.values: dict[str, dict[str, list[str]]] = {}
        for t in triples:
            if isinstance(t.subject, Triple) or isinstance(t.object, Triple):
                continue  # RDF-star: no catalogue states any
            by_p = self.values.setdefault(t.subject.value, {})
            by_p.setdefault(t.predicate.value, []).append(t.object.value)

    def of_type(self, cls: str) -> list[str]:
        return sorted(s for s, by_p in self.values.items() if cls in by_p.get(RDF + "type", []))

    def get(self, s: str, p: str) -> list[str]:
        return self.values.get(s, {}).get(p, [])


def score(
    triples: Iterable[Triple],
    tables: Tables,
    reachable: Callable[[str], bool],
    compliant: bool,
) -> Score:
    g = _Graph(triples)
    datasets = g.of_type(DCAT + "Dataset")
    distributions = g.of_type(DCAT + "Distribution")
    out: list[Indicator] = []

    def count(
        dimension: str, name: str, points: float, level: str, test: Callable[[str], bool]
    ) -> None:
        items = datasets if level == DATASET else distributions
        met = sum(1 for item in items if test(item))
        out.append(Indicator(dimension, name, points, level, met, len(items)))

    def has(p: str) -> Callable[[str], bool]:
        return lambda s: bool(g.get(s, p))

    def any_in(p: str, known: set[str]) -> Callable[[str], bool]:
        return lambda s: any(v in known for v in g.get(s, p))

    def answers(p: str) -> Callable[[str], bool]:
        return lambda s: bool(g.get(s, p)) and all(reachable(url) for url in g.get(s, p))

    def vocabulary(s: str) -> bool:
        formats = g.get(s, DCT + "format")
        media = g.get(s, DCAT + "mediaType")
        return (
            bool(formats or media)
            and all(f in tables.file_types for f in formats)
            and all(m.startswith(IANA_PREFIXES) for m in media)
        )

    f, a, i, r, c = (
        "Findability",
        "Accessibility",
        "Interoperability",
        "Reusability",
        "Contextuality",
    )
    count(f, "dcat:keyword", 30, DATASET, has(DCAT + "keyword"))
    count(f, "dcat:theme", 30, DATASET, has(DCAT + "theme"))
    count(f, "dct:spatial", 20, DATASET, has(DCT + "spatial"))
    count(f, "dct:temporal", 20, DATASET, has(DCT + "temporal"))
    count(a, "dcat:accessURL answers", 50, DISTRIBUTION, answers(DCAT + "accessURL"))
    count(a, "dcat:downloadURL", 20, DISTRIBUTION, has(DCAT + "downloadURL"))
    count(a, "dcat:downloadURL answers", 30, DISTRIBUTION, answers(DCAT + "downloadURL"))
    count(i, "dct:format", 20, DISTRIBUTION, has(DCT + "format"))
    count(i, "dcat:mediaType", 10, DISTRIBUTION, has(DCAT + "mediaType"))
    count(i, "format and media type from vocabularies", 10, DISTRIBUTION, vocabulary)
    count(
        i,
        "non-proprietary format",
        20,
        DISTRIBUTION,
        any_in(DCT + "format", tables.non_proprietary),
    )
    count(
        i,
        "machine-readable format",
        20,
        DISTRIBUTION,
        any_in(DCT + "format", tables.machine_readable),
    )
    count(i, "DCAT-AP compliance", 30, DATASET, lambda _: compliant)
    count(r, "dct:license", 20, DISTRIBUTION, has(DCT + "license"))
    count(r, "licence from vocabulary", 10, DISTRIBUTION, any_in(DCT + "license", tables.licences))
    count(r, "dct:accessRights", 10, DATASET, has(DCT + "accessRights"))
    count(
        r,
        "access rights from vocabulary",
        5,
        DATASET,
        any_in(DCT + "accessRights", tables.access_rights),
    )
    count(r, "dcat:contactPoint", 20, DATASET, has(DCAT + "contactPoint"))
    count(r, "dct:publisher", 10, DATASET, has(DCT + "publisher"))
    count(c, "dct:rights", 5, DISTRIBUTION, has(DCT + "rights"))
    count(c, "dcat:byteSize", 5, DISTRIBUTION, has(DCAT + "byteSize"))
    count(c, "dct:issued", 5, DATASET, has(DCT + "issued"))
    count(c, "dct:modified", 5, DATASET, has(DCT + "modified"))
    return Score(out)


def catalogue_triples(path: Path) -> list[Triple]:
    """The triples of a catalogue written by the build (``catalog.ttl``)."""
    return [q.triple for q in parse(path.read_bytes(), RdfFormat.TURTLE)]
