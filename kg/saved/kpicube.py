"""A KPI snapshot as Turtle: W3C Data Cube observations with their provenance.

The observations form the dataset ``{base}id/dataset/kpi``, whose structure is
``cci:kpiStructure`` (ontology/measures.ttl): each carries the dimensions ``cci:indicator``
(the saved query's IRI, ``{base}queries/NAME``: two KPIs may measure the same thing),
``cci:refPeriod`` (the snapshot date), ``cci:refArea``, ``cci:subject`` and
``qb:measureType``; the value under its measure (``cci:shannonIndex 1.08``, IC-15) and under
``cci:obsValue``; ``dct:source`` the saved query; ``prov:wasGeneratedBy`` the snapshot
(``{base}id/snapshot/DATE``, a ``prov:Activity`` that used the build ``{base}id/build/BUILD``
and the text of each query) and ``prov:wasDerivedFrom`` the text of its query:
``{base}id/query-text/NAME/SHA256``, a ``prov:Entity`` with ``cci:sha256`` (of the .rq
file's bytes), ``prov:value`` (the text) and ``prov:specializationOf`` the saved query.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from pyoxigraph import Literal, NamedNode

from kg.namespaces import PROV, QB, XSD, XSD_DATETIME_NODE, all_prefixes
from kg.saved.kpi import (
    KpiValue,
    dataset_iri,
    past_activity_iri,
    past_dataset_iri,
    query_iri,
    query_text_iri,
    snapshot_iri,
    structure_iri,
)
from kg.saved.network import decimal
from kg.settings import Settings

_SAFE_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")


class _Turtle:
    """A small Turtle writer: prefixed names where they are safe, ``<>`` for the graph."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        # longest namespace first, so that obs: wins over a shorter enclosing one
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.lines: list[str] = []

    def term(self, term: NamedNode | Literal) -> str:
        if isinstance(term, Literal):
            return str(term)
        for name, namespace in self.prefixes:
            if term.value.startswith(namespace):
                local = term.value[len(namespace) :]
                if _SAFE_LOCAL.fullmatch(local):
                    return f"{name}:{local}"
        return f"<{term.value}>"

    def block(self, subject: str, pairs: Sequence[tuple[str, Sequence[NamedNode | Literal]]]):
        parts = [
            f"{predicate} {' , '.join(self.term(o) for o in objects)}"
            for predicate, objects in pairs
            if objects
        ]
        self.lines.append(subject + " " + " ;\n    ".join(parts) + " .\n")


def _observation_id(value: KpiValue, stamp: str) -> str:
    digest = hashlib.sha1(
        "|".join([value.measure, " ".join(value.subjects), value.area]).encode()
    ).hexdigest()[:12]
    return f"kpi-{stamp}-{value.kpi}-{digest}"


Objects = Sequence[NamedNode | Literal]
Pairs = list[tuple[str, Objects]]


#: the activity that computes the KPIs of past years, and its dataset (fr, nl, en)
PAST_LABELS = (
    "indicateurs des années passées, d'après les dates que donnent les sources",
    "indicatoren van voorbije jaren, volgens de data die de bronnen geven",
    "indicators of past years, from the dates the sources give",
)
PAST_DATASET_LABELS = (
    "Indicateurs de l'écosystème créatif bruxellois au fil des années",
    "Indicatoren van het Brusselse creatieve ecosysteem door de jaren heen",
    "Indicators of the Brussels creative ecosystem over the years",
)


def _in_three_languages(fr: str, nl: str, en: str) -> list[NamedNode | Literal]:
    return [Literal(fr, language="fr"), Literal(nl, language="nl"), Literal(en, language="en")]


@dataclass(frozen=True)
class _Snapshot:
    """What every block of a snapshot file refers to."""

    base: str
    day: date
    #: the observations' cci:refPeriod, and how their IRIs name it
    period: Literal
    stamp: str
    build_id: str
    activity: NamedNode
    build: NamedNode
    dataset: NamedNode
    #: query name -> sha256 of its .rq file, and the IRI of that text
    digests: dict[str, str]
    texts: dict[str, NamedNode]


def _describe_file(t: _Turtle, s: _Snapshot) -> None:
    stamp = s.day.isoformat()
    title = _in_three_languages(
        f"Instantané des indicateurs du {stamp}",
        f"Momentopname van de indicatoren van {stamp}",
        f"KPI snapshot of {stamp}",
    )
    t.block("<>", [("dct:source", [s.activity]), ("dct:title", title)])


def _describe_provenance(
    t: _Turtle, s: _Snapshot, files: Mapping[str, bytes], method: Objects = ()
) -> None:
    stamp = s.day.isoformat()
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    label = _in_three_languages(
        f"instantané des indicateurs du {stamp}",
        f"momentopname van de indicatoren van {stamp}",
        f"KPI snapshot of {stamp}",
    )
    if method:
        label = _in_three_languages(*PAST_LABELS)
    t.block(
        t.term(s.activity),
        [
            ("a", [NamedNode(PROV + "Activity")]),
            ("rdfs:label", label),
            ("dct:description", method),
            ("prov:endedAtTime", [Literal(now, datatype=XSD_DATETIME_NODE)]),
            ("prov:used", [s.build, *s.texts.values()]),
        ],
    )
    t.block(
        t.term(s.build),
        [
            ("a", [NamedNode(PROV + "Entity")]),
            ("rdfs:label", [Literal(f"build {s.build_id}", language="en")]),
        ],
    )
    for name, text_iri in s.texts.items():
        digest = s.digests[name]
        t.block(
            t.term(text_iri),
            [
                ("a", [NamedNode(PROV + "Entity")]),
                ("rdfs:label", [Literal(f"queries/{name}.rq, sha256 {digest}", language="en")]),
                ("prov:specializationOf", [NamedNode(query_iri(s.base, name))]),
                ("cci:sha256", [Literal(digest)]),
                ("prov:value", [Literal(files[name].decode("utf-8"))]),
            ],
        )


def _describe_dataset(t: _Turtle, s: _Snapshot, method: Objects = ()) -> None:
    description = Literal(
        "The value of every KPI (the saved queries with a `kpi:` header) at "
        "each snapshot date, appended by `kg snapshot`.",
        language="en",
    )
    labels = _in_three_languages(
        "Indicateurs de l'écosystème créatif bruxellois",
        "Indicatoren van het Brusselse creatieve ecosysteem",
        "Indicators of the Brussels creative ecosystem",
    )
    if method:
        labels = _in_three_languages(*PAST_DATASET_LABELS)
    t.block(
        t.term(s.dataset),
        [
            ("a", [NamedNode(QB + "DataSet")]),
            ("qb:structure", [NamedNode(structure_iri(s.base))]),
            ("skos:prefLabel", labels),
            ("dct:description", method or [description]),
        ],
    )


def _observation(t: _Turtle, s: _Snapshot, value: KpiValue) -> Pairs:
    iri = NamedNode
    number = decimal(value.value)
    query = iri(query_iri(s.base, value.query))
    pairs: Pairs = [
        ("a", [iri(QB + "Observation")]),
        ("qb:dataSet", [s.dataset]),
        ("cci:indicator", [query]),
        ("qb:measureType", [iri(value.measure)]),
        ("cci:subject", [iri(subject) for subject in value.subjects]),
        ("cci:refArea", [iri(value.area)]),
        ("cci:refPeriod", [s.period]),
        (t.term(iri(value.measure)), [number]),  # the value under its measure (IC-15)
        ("cci:obsValue", [number]),
    ]
    if value.is_lower_bound is not None:
        flag = "true" if value.is_lower_bound else "false"
        pairs.append(("cci:isLowerBound", [Literal(flag, datatype=iri(XSD + "boolean"))]))
    pairs += [("prov:wasGeneratedBy", [s.activity]), ("dct:source", [query])]
    if value.query in s.texts:
        pairs.append(("prov:wasDerivedFrom", [s.texts[value.query]]))
    return pairs


def _describe_observations(t: _Turtle, s: _Snapshot, values: Sequence[KpiValue]) -> None:
    seen: dict[str, int] = {}
    for value in values:
        local = _observation_id(value, s.stamp)
        seen[local] = seen.get(local, 0) + 1
        if seen[local] > 1:
            local += f"-{seen[local]}"
        t.block(t.term(NamedNode(f"{s.base}id/observation/{local}")), _observation(t, s, value))


def snapshot_text(
    settings: Settings,
    values: Sequence[KpiValue],
    day: date,
    build_id: str,
    files: Mapping[str, bytes],
) -> str:
    """The snapshot file: ``values`` at ``day``, computed from build ``build_id`` by the
    saved queries whose .rq files are ``files`` (name -> bytes)."""
    base = settings.base
    prefixes = {k: v for k, v in all_prefixes(base).items() if k != "sh"}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    s = _Snapshot(
        base=base,
        day=day,
        period=Literal(day.isoformat(), datatype=NamedNode(XSD + "date")),
        stamp=day.isoformat(),
        build_id=build_id,
        activity=NamedNode(snapshot_iri(base, day)),
        build=NamedNode(f"{base}id/build/{build_id}"),
        dataset=NamedNode(dataset_iri(base)),
        digests=digests,
        texts={name: NamedNode(query_text_iri(base, name, d)) for name, d in digests.items()},
    )
    t = _Turtle(prefixes)
    _describe_file(t, s)
    _describe_provenance(t, s, files)
    _describe_dataset(t, s)
    _describe_observations(t, s, values)
    stamp = day.isoformat()
    head = [
        f"# KPI snapshot of {stamp}: the value of every KPI (queries/kpi-*.rq), computed by",
        f"# `kg snapshot` from build {build_id}. Append-only: never edited; the next snapshot",
        "# goes into its own file.",
        *(f"@prefix {name}: <{namespace}> ." for name, namespace in prefixes.items()),
        "",
    ]
    return "\n".join(head) + "\n" + "\n".join(t.lines)


def past_text(
    settings: Settings,
    by_year: Mapping[int, Sequence[KpiValue]],
    build_id: str,
    files: Mapping[str, bytes],
    method: Sequence[str],
) -> str:
    """The file of the KPIs of past years (kg.saved.kpipast): for each year, ``values``
    as observations of ``ds:kpi-past`` (the same structure as the snapshots) with
    ``cci:refPeriod`` the year (xsd:gYear); ``method`` (fr, nl, en) says how they were
    computed, on the activity and on the dataset."""
    base = settings.base
    prefixes = {k: v for k, v in all_prefixes(base).items() if k != "sh"}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    today = datetime.now(UTC).date()
    s = _Snapshot(
        base=base,
        day=today,
        period=Literal(str(today.year), datatype=NamedNode(XSD + "gYear")),
        stamp=str(today.year),
        build_id=build_id,
        activity=NamedNode(past_activity_iri(base)),
        build=NamedNode(f"{base}id/build/{build_id}"),
        dataset=NamedNode(past_dataset_iri(base)),
        digests=digests,
        texts={name: NamedNode(query_text_iri(base, name, d)) for name, d in digests.items()},
    )
    described = _in_three_languages(*method)
    t = _Turtle(prefixes)
    t.block(
        "<>",
        [("dct:source", [s.activity]), ("dct:title", _in_three_languages(*PAST_DATASET_LABELS))],
    )
    _describe_provenance(t, s, files, described)
    _describe_dataset(t, s, described)
    for year in sorted(by_year):
        at = replace(
            s,
            period=Literal(f"{year:04d}", datatype=NamedNode(XSD + "gYear")),
            stamp=f"past-{year:04d}",
        )
        _describe_observations(t, at, by_year[year])
    head = [
        "# The KPIs of past years, computed by `kg snapshot --past` from the dates the",
        f"# sources give (build {build_id}). Made again as a whole at each run: never edited.",
        *(f"@prefix {name}: <{namespace}> ." for name, namespace in prefixes.items()),
        "",
    ]
    return "\n".join(head) + "\n" + "\n".join(t.lines)
