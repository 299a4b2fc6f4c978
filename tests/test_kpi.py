"""KPIs (queries/kpi-*.rq, kg/kpi.py), network metrics (kg/network.py) and the dashboard
(endpoint/kpi.py).

Every KPI query runs on a small hand-built graph whose right answers are worked out here
by hand: five organisations (a hub, a fablab, two companies, an isolated network), three
sectors, three municipalities, five relations. The network metrics are checked against
networkx run on the same five nodes. Snapshots are written, refused twice, validated by a
real build and read back; the dashboard is checked over HTTP and in headless Chromium."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import networkx as nx
import pytest
from pyoxigraph import NamedNode, QuerySolutions, RdfFormat, parse

from endpoint.app import create_app
from kg.build import pipeline as build
from kg.build.provenance import check_sources_cited
from kg.build.sources import graph_iri
from kg.namespaces import DEFAULT_BASE, all_prefixes
from kg.saved import kpi, kpihistory, kpisnapshot, network
from kg.saved.kpi import KpiResult
from kg.settings import Settings
from kg.store import EmbeddedStore, open_store
from tests.asgi import app_client
from tests.browser import ARTIFACTS, Chromium, serve
from tests.conftest import ROOT

BASE = DEFAULT_BASE
NS = all_prefixes(BASE)
CCI = NS["cci"]
QB, XSD = NS["qb"], NS["xsd"]
NUTS_BE100 = "http://data.europa.eu/nuts/code/BE100"

# ---- the hand-built graph ------------------------------------------------------------------

PREFIXES = "".join(f"@prefix {k}: <{v}> .\n" for k, v in NS.items())

#: cites its source document
CURATED = (
    PREFIXES
    + """
<> dct:source doc:kpi-fixture .
doc:kpi-fixture a cci:SourceDocument , foaf:Document ; dct:title "KPI fixture"@en .

mun:21004 a cci:Municipality ; skos:prefLabel "Bruxelles"@fr , "Brussel"@nl ;
    cci:population 200000 ; cci:areaKm2 40.0 .
mun:21009 a cci:Municipality ; skos:prefLabel "Ixelles"@fr , "Elsene"@nl ;
    cci:population 80000 ; cci:areaKm2 6.4 .
mun:21001 a cci:Municipality ; skos:prefLabel "Anderlecht"@fr , "Anderlecht"@nl ;
    cci:population 100000 ; cci:areaKm2 17.74 .

o:a a org:Organization , foaf:Agent , cci:CreativeHub ;
    skos:prefLabel "Hub A"@fr , "Hub A in English"@en ;
    dct:description "Un hub."@fr ;
    cci:sector sector:design , sector:music ;
    cci:offersService service:coaching , service:coworking-space ;
    cci:catersFor audience:artists ;
    cci:municipality mun:21004 ;
    locn:geometry o:a-geometry ;
    legal:legalIdentifier o:a-kbo ;
    owl:sameAs <http://www.wikidata.org/entity/Q1> ;
    cci:participatesIn prj:x .
o:a-geometry a locn:Geometry , geo:Geometry ; geo:asWKT "POINT(4.35 50.85)"^^geo:wktLiteral .
o:a-kbo a cci:EnterpriseNumber , adms:Identifier ; skos:notation "0123456749" .

o:b a org:Organization , foaf:Agent , cci:Fablab ;
    skos:prefLabel "Fablab B"@fr ;
    dct:description "Un fablab."@fr ;
    cci:sector sector:design ;
    cci:offersService service:fablab ;
    cci:catersFor audience:makers ;
    cci:municipality mun:21004 ;
    locn:geometry o:b-geometry ;
    cci:memberOf o:a .
o:b-geometry a locn:Geometry , geo:Geometry ; geo:asWKT "POINT(4.36 50.84)"^^geo:wktLiteral .

o:c a org:Organization , foaf:Agent , cci:Company , cci:MediaOrganisation ;
    skos:prefLabel "Studio C"@nl ;
    dct:description "Een studio."@nl ;
    cci:sector sector:music ;
    cci:offersService service:coaching ;
    cci:catersFor audience:artists ;
    cci:municipality mun:21009 ;
    legal:legalIdentifier o:c-kbo ;
    cci:partnerOf o:a ;
    cci:hostedBy o:b .
o:c-kbo a cci:EnterpriseNumber , adms:Identifier ; skos:notation "0200065765" .

o:d a org:Organization , foaf:Agent , cci:Company ;
    skos:prefLabel "Maison D"@fr ;
    cci:sector sector:heritage ;
    locn:address o:d-address ;
    cci:fundedBy o:c ;
    cci:memberOf o:a .
o:d-address a locn:Address ; cci:municipality mun:21009 .

o:e a org:Organization , cci:Network ;
    skos:prefLabel "Network E"@en ;
    owl:sameAs <https://example.org/not-wikidata> ;
    cci:partnerOf o:e .

p:x a foaf:Person ; foaf:name "X" ; cci:affiliatedWith o:a .
prj:x a cci:Project ; skos:prefLabel "Project X"@en ; cci:sector sector:games .

ds:cci-sector-figures a qb:DataSet .
obs:fixture-jobs a qb:Observation ;
    qb:dataSet ds:cci-sector-figures ;
    cci:refArea <http://data.europa.eu/nuts/code/BE100> ;
    cci:subject sector:all-cci ;
    qb:measureType cci:numberOfJobs ;
    cci:obsValue "100000"^^xsd:decimal ;
    cci:isLowerBound true ;
    cci:refPeriodLabel "post-COVID data"@en .
"""
)
#: cites nothing; restates two statements of the curated graph (counted once)
UNCITED = (
    PREFIXES
    + """
o:a a org:Organization ; cci:sector sector:design .
o:b cci:memberOf o:a .
o:e skos:altLabel "E"@en .
"""
)
#: an earlier snapshot: not a published figure, not data for the share of sourced statements
OLD_SNAPSHOT = (
    PREFIXES
    + """
<> dct:source <https://data.creative.brussels/id/snapshot/2020-01-01> .
ds:kpi a qb:DataSet .
obs:kpi-old a qb:Observation ; qb:dataSet ds:kpi ;
    cci:subject sector:design ; qb:measureType cci:numberOfOrganisations ;
    cci:refArea <http://data.europa.eu/nuts/code/BE100> ;
    cci:obsValue "7"^^xsd:decimal ; cci:refPeriod "2020-01-01"^^xsd:date ;
    dct:source <https://data.creative.brussels/queries/kpi-organisations-by-sector> .
"""
)
#: a web edit (as kg.changes writes it): the graph cites the edit, no source document
WEB_EDIT = (
    PREFIXES
    + """
<> dct:source <https://data.creative.brussels/id/change/000001-20260101T000000Z> .
<https://data.creative.brussels/id/change/000001-20260101T000000Z> a prov:Activity .
o:c foaf:homepage <https://studio-c.example/> .
"""
)
GRAPHS = {
    f"{BASE}graph/curated/kpi-fixture": CURATED,
    f"{BASE}graph/extra/uncited": UNCITED,
    f"{BASE}graph/changes/000001-20260101T000000Z": WEB_EDIT,
    f"{BASE}graph/snapshots/2020-01-01": OLD_SNAPSHOT,
}
ORGS = {name: NS["o"] + name for name in "abcde"}
#: the relations between two distinct organisations, by hand from the Turtle above
#: (b memberOf a twice: once; e partnerOf e: not between two organisations; p:x and
#: prj:x are no organisations)
RELATIONS = [
    ("b", "member-of", "a"),
    ("c", "partner-of", "a"),
    ("c", "hosted-by", "b"),
    ("d", "funded-by", "c"),
    ("d", "member-of", "a"),
]


def load_fixture(store: EmbeddedStore) -> None:
    for path in sorted((ROOT / "ontology").glob("*.ttl")) + sorted(
        (ROOT / "ontology" / "schemes").glob("*.ttl")
    ):
        graph = graph_iri(BASE, path.relative_to(ROOT).as_posix())
        store.raw.load(path=str(path), format=RdfFormat.TURTLE, to_graph=NamedNode(graph))
    for graph, text in GRAPHS.items():
        store.raw.load(
            input=text.encode(), format=RdfFormat.TURTLE, base_iri=graph, to_graph=NamedNode(graph)
        )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    """The fixture graph with the ontology, and the network metrics a build derives."""
    made = EmbeddedStore.open(None)
    load_fixture(made)
    build_dir = tmp_path_factory.mktemp("build") / "20261122T080000.000000Z.partial"
    build_dir.mkdir()
    network.network_metrics(Settings(root=ROOT), made, build_dir)
    return made


SETTINGS = Settings(root=ROOT)


def run(store: EmbeddedStore, kpi_id: str) -> KpiResult:
    query = next(q for q in kpi.kpi_queries(SETTINGS) if q.kpi == kpi_id)
    result = kpi.run_kpi(SETTINGS, store, query)
    assert result.error is None, result.error
    return result


def local(iri: str) -> str:
    return re.split(r"[/#]", iri)[-1]


def by_subject(result: KpiResult) -> dict[Any, dict[str, float]]:
    """subject local name (or a tuple for two dimensions, or the area) -> measure -> value."""
    out: dict[Any, dict[str, float]] = {}
    for row in result.rows:
        if len(row.subjects) > 1:
            key: Any = tuple(local(s) for s in row.subjects)
        elif row.subjects:
            key = local(row.subjects[0])
        else:
            key = local(row.area or "")
        assert key not in out, f"{key} is listed twice"
        out[key] = {local(m): v for m, v in row.values.items()}
    return out


def concepts(store: EmbeddedStore, scheme: str) -> set[str]:
    rows = store.query(
        f"SELECT DISTINCT ?c WHERE {{ ?c skos:inScheme scheme:{scheme} }}", prefixes=NS
    )
    assert isinstance(rows, QuerySolutions)
    return {local(r["c"].value) for r in rows}


# ---- each KPI query against hand-worked answers -------------------------------------------


def test_every_kpi_query_is_found_and_runs(store: EmbeddedStore) -> None:
    queries = kpi.kpi_queries(SETTINGS)
    names = {q.name for q in queries}
    assert names == {p.stem for p in (ROOT / "queries").glob("kpi-*.rq")}
    assert all(q.name == f"kpi-{q.kpi}" for q in queries)
    assert all("kpi" in q.tags for q in queries)
    for result in kpi.compute(SETTINGS, store):
        assert result.error is None, f"{result.kpi}: {result.error}"
        assert result.rows, f"{result.kpi} gave no row on the fixture"


def test_every_value_column_names_a_declared_measure(store: EmbeddedStore) -> None:
    declared = kpisnapshot.declared_measures(store, BASE)
    values = kpi.compute_all(SETTINGS, store, kpi.kpi_queries(SETTINGS))
    assert {v.kpi for v in values} == {q.kpi for q in kpi.kpi_queries(SETTINGS)}
    assert {v.measure for v in values} <= declared
    # what a snapshot records: every KPI but the published figures, each measure a
    # component of the dataset's structure (ontology/measures.ttl)
    recorded = kpi.compute_all(SETTINGS, store)
    assert {v.kpi for v in recorded} == {q.kpi for q in kpi.kpi_queries(SETTINGS)} - {
        "published-sector-figures"
    }
    assert {v.measure for v in recorded} <= kpisnapshot.structure_measures(store, BASE)
    # ontology/measures.ttl: each measure labelled and defined in fr, nl and en
    for measure in {v.measure for v in values}:
        rows = store.query(
            f"SELECT ?p (LANG(?t) AS ?l) WHERE {{ <{measure}> ?p ?t FILTER(?p IN (rdfs:label, skos:prefLabel, skos:definition)) }}",
            prefixes=NS,
        )
        assert isinstance(rows, QuerySolutions)
        found = {(local(r["p"].value), r["l"].value) for r in rows}
        for p in ("label", "prefLabel", "definition"):
            assert {(p, lang) for lang in ("fr", "nl", "en")} <= found, (measure, p)


def test_organisations_by_kind(store: EmbeddedStore) -> None:
    counts = by_subject(run(store, "organisations-by-kind"))
    # every kind of docs/data-model.md, with or without organisation (18, and the support
    # organisation and the organisation of unstated kind that keep kinds to what sources say)
    assert len(counts) == 20
    expected = {"CreativeHub": 1, "Fablab": 1, "Company": 2, "MediaOrganisation": 1, "Network": 1}
    for kind, values in counts.items():
        assert values == {"numberOfOrganisations": expected.get(kind, 0)}, kind


def test_organisations_by_sector_plain_and_fractional(store: EmbeddedStore) -> None:
    counts = by_subject(run(store, "organisations-by-sector"))
    # a (design, music) weighs 1/2 in each; b (design), c (music), d (heritage) 1;
    # e has no sector; prj:x is a project, not an organisation (games stays at 0)
    assert counts["design"] == {"numberOfOrganisations": 2, "fractionalNumberOfOrganisations": 1.5}
    assert counts["music"] == {"numberOfOrganisations": 2, "fractionalNumberOfOrganisations": 1.5}
    assert counts["heritage"] == {"numberOfOrganisations": 1, "fractionalNumberOfOrganisations": 1}
    assert counts["games"] == {"numberOfOrganisations": 0, "fractionalNumberOfOrganisations": 0}
    # every sector of the project's scheme is listed; fractional counts add up to the 4
    # organisations with a sector
    assert concepts(store, "sectors") <= set(counts)
    total = sum(v["fractionalNumberOfOrganisations"] for v in counts.values())
    assert math.isclose(total, 4.0, abs_tol=1e-12)


def test_organisations_by_municipality_and_densities(store: EmbeddedStore) -> None:
    result = run(store, "organisations-by-municipality")
    assert result.area_column == "municipality" and not result.subject_columns
    counts = by_subject(result)
    # a, b in Brussels (200,000 inhabitants, 40 km²); c directly and d through its address
    # in Ixelles (80,000, 6.4 km²); nobody in Anderlecht (17.74 km²: 0 / 17.74 is 0, not
    # pyoxigraph's error); e has no municipality
    expect = {
        "21004": (2, 2 / 200_000 * 10_000, 2 / 40.0),
        "21009": (2, 2 / 80_000 * 10_000, 2 / 6.4),
        "21001": (0, 0.0, 0.0),
    }
    assert set(counts) == set(expect)
    for nis, (n, per_inhabitants, per_km2) in expect.items():
        got = counts[nis]
        assert got["numberOfOrganisations"] == n
        assert math.isclose(got["organisationsPer10000Inhabitants"], per_inhabitants)
        assert math.isclose(got["organisationsPerKm2"], per_km2)
    assert math.isclose(counts["21009"]["organisationsPer10000Inhabitants"], 0.25)
    assert math.isclose(counts["21009"]["organisationsPerKm2"], 0.3125)


def test_sector_service_matrix_lists_every_cell_and_its_gaps(store: EmbeddedStore) -> None:
    result = run(store, "sector-service-matrix")
    assert result.subject_columns == ["sector", "service"]
    cells = by_subject(result)
    sectors, services = concepts(store, "sectors"), concepts(store, "services")
    assert set(cells) == {(s, v) for s in sectors for v in services}
    filled = {k: v["numberOfOrganisations"] for k, v in cells.items() if v["numberOfOrganisations"]}
    # a: design+music × coaching+coworking; b: design × fablab; c: music × coaching
    assert filled == {
        ("design", "coaching"): 1,
        ("design", "coworking-space"): 1,
        ("music", "coaching"): 2,
        ("music", "coworking-space"): 1,
        ("design", "fablab"): 1,
    }
    gaps = [k for k, v in cells.items() if v["numberOfOrganisations"] == 0]
    assert len(gaps) == len(sectors) * len(services) - 5


def test_audience_coverage(store: EmbeddedStore) -> None:
    counts = by_subject(run(store, "audience-coverage"))
    assert set(counts) == concepts(store, "audiences")
    # artists: a (coaching, coworking space) and c (coaching): 2 organisations, 3 offers;
    # makers: b (fablab)
    assert counts["artists"] == {"numberOfOrganisations": 2, "numberOfServiceOffers": 3}
    assert counts["makers"] == {"numberOfOrganisations": 1, "numberOfServiceOffers": 1}
    assert sum(v["numberOfOrganisations"] for v in counts.values()) == 3
    assert sum(v["numberOfServiceOffers"] for v in counts.values()) == 4


def test_degree_by_relation_type(store: EmbeddedStore) -> None:
    counts = by_subject(run(store, "degree-by-relation-type"))
    assert set(counts) == concepts(store, "relation-types")
    # member-of: b -> a and d -> a (b -> a stated in two graphs counts once); a receives 2;
    # average degree = 2 × linked pairs / 5 organisations
    assert counts["member-of"] == {
        "numberOfRelations": 2,
        "averageDegree": 0.8,
        "maximumInDegree": 2,
    }
    for kind in ("partner-of", "hosted-by", "funded-by"):
        assert counts[kind] == {"numberOfRelations": 1, "averageDegree": 0.4, "maximumInDegree": 1}
    # p:x affiliatedWith a (a person) and a participatesIn prj:x (a project) are no
    # relations between organisations; e partnerOf e links no two organisations
    for kind in ("affiliated-with", "participates-in", "leads", "sits-on"):
        assert counts[kind] == {"numberOfRelations": 0, "averageDegree": 0, "maximumInDegree": 0}


def test_most_connected_organisations(store: EmbeddedStore) -> None:
    result = run(store, "most-connected-organisations")
    # neighbours: a {b, c, d}, c {a, b, d}, b {a, c}, d {a, c}; e none (not listed)
    assert [(local(r.subjects[0]), r.values[CCI + "degree"]) for r in result.rows] == [
        ("a", 3),
        ("c", 3),
        ("b", 2),
        ("d", 2),
    ]
    assert result.rows[0].label == "Hub A"  # the query's default language, French


def test_most_connected_organisations_past_twenty_with_ties_at_the_cutoff() -> None:
    # 30 organisations (synthetic, for this test): degrees 5 (x10), 3 (x15), 1 (x5). The top
    # 20 are the ten 5s and the first ten 3s by IRI; the query finds the 20th degree first
    degrees = [5] * 10 + [3] * 15 + [1] * 5
    order = list(range(30))
    random.Random(7).shuffle(order)  # IRIs in no order of degree
    lines = []
    for i, degree in zip(order, degrees, strict=True):
        org, obs = f"<{BASE}id/organisation/t{i:02d}>", f"<urn:x:obs{i}>"
        lines.append(
            f"{obs} <{QB}dataSet> <{BASE}id/dataset/organisation-network-metrics> ; "
            f'<{CCI}subject> {org} ; <{CCI}degree> "{degree}"^^<{XSD}decimal> .'
        )
    made = EmbeddedStore.open(None)
    made.raw.load("\n".join(lines).encode(), format=RdfFormat.TURTLE, to_graph=NamedNode("urn:x:g"))
    got = [
        (local(r.subjects[0]), r.values[CCI + "degree"])
        for r in run(made, "most-connected-organisations").rows
    ]
    expected = sorted(
        ((f"t{i:02d}", d) for i, d in zip(order, degrees, strict=True)),
        key=lambda pair: (-pair[1], pair[0]),
    )[:20]
    assert got == expected
    assert [d for _, d in got].count(3) == 10


def test_cross_sector_links_and_ei_index(store: EmbeddedStore) -> None:
    (row,) = run(store, "cross-sector-links").rows
    # b{design}–a{design,music} and c{music}–a share a sector (I = 2); d{heritage}–c,
    # d–a and c{music}–b{design} do not (E = 3)
    assert row.values == {CCI + "crossSectorShare": 3 / 5, CCI + "eiIndex": (3 - 2) / 5}


def test_network_structure(store: EmbeddedStore) -> None:
    result = run(store, "network-structure")
    assert result.long
    values = {local(m): v for row in result.rows for m, v in row.values.items()}
    assert values == {
        "numberOfOrganisations": 5,
        "numberOfRelations": 5,
        "averageDegree": 2.0,  # 2 × 5 linked pairs / 5
        # directed: the ordered pairs (b,a) (c,a) (c,b) (d,c) (d,a) of the 5 × 4 possible
        "density": 0.25,
        "numberOfComponents": 2,  # {a, b, c, d} and {e}
        "numberOfIsolates": 1,
        "shareOfIsolates": 0.2,
        "largestComponentShare": 0.8,
    }


def test_network_brokers(store: EmbeddedStore) -> None:
    result = run(store, "network-brokers")
    # only the pair (b, d) is not adjacent; its two shortest paths go through a and
    # through c: each gets 1/2, normalised by (n−1)(n−2)/2 = 6 pairs
    assert [local(r.subjects[0]) for r in result.rows] == ["a", "c"]
    for row in result.rows:
        assert math.isclose(row.values[CCI + "betweenness"], 1 / 12)
        assert row.values[CCI + "degree"] == 3
        assert row.values[CCI + "componentSize"] == 4


def test_data_quality(store: EmbeddedStore) -> None:
    (row,) = run(store, "data-quality").rows
    values = {local(m): v for m, v in row.values.items()}
    # completeness = mean over the 5 organisations of filled / fields.
    # Required (4: org:Organization, foaf:Agent, a kind, a name): all filled but e's
    # foaf:Agent, so (5 + 4 + 5 + 5) / 20.
    # Recommended (10), organisations filling each: description a b c (3), sector a b c d
    # (4), service a b c (3), audience a b c (3), municipality a b c (3; d's is on its
    # address), address d (1), geometry a b (2), website c (1, by a web edit), founding
    # date (0), legal identifier a c (2): 22 of 5 × 10.
    # Fully documented: a, b and e have statements in the uncited graph, c in the web edit
    # (which cites the edit, not a document): only d.
    assert values == {
        "numberOfOrganisations": 5,
        "shareWithDescription": 3 / 5,  # a, b, c
        "shareWithSector": 4 / 5,  # not e
        "shareWithCoordinates": 2 / 5,  # a, b
        "shareWithEnterpriseNumber": 2 / 5,  # a, c
        "shareWithWikidata": 1 / 5,  # a (e's owl:sameAs is no Wikidata entity)
        "shareWithMunicipality": 4 / 5,  # d through its address
        "requiredFieldCompleteness": 19 / 20,
        "recommendedFieldCompleteness": 22 / 50,
        "shareFullyDocumented": 1 / 5,
    }
    # per organisation, then averaged, as domain-model B2 words it: the same number
    # (a: all but address, website, founding date; b: a's but identifier; c: all but
    # address, geometry, founding date; d: sector, address)
    recommended = {"a": 7, "b": 6, "c": 7, "d": 2, "e": 0}
    assert math.isclose(sum(n / 10 for n in recommended.values()) / 5, 22 / 50)


def test_shannon_and_hhi_over_sectors(store: EmbeddedStore) -> None:
    (row,) = run(store, "sector-diversity").rows
    values = {local(m): v for m, v in row.values.items()}
    # fractional shares of the 4 organisations with a sector: design 1.5/4, music 1.5/4,
    # heritage 1/4, so H = −(2 × 0.375 ln 0.375 + 0.25 ln 0.25) and HHI = Σ p²
    p = [0.375, 0.375, 0.25]
    assert math.isclose(values["shannonIndex"], -sum(x * math.log(x) for x in p), abs_tol=1e-9)
    assert math.isclose(values["shannonIndex"], 1.0821955300387673, abs_tol=1e-9)
    assert math.isclose(values["herfindahlIndex"], 0.34375, abs_tol=1e-12)
    assert values["numberOfSectors"] == 3


def test_shannon_and_hhi_over_municipalities(store: EmbeddedStore) -> None:
    (row,) = run(store, "municipality-diversity").rows
    values = {local(m): v for m, v in row.values.items()}
    # two municipalities with two organisations each: H = ln 2, HHI = 0.5
    assert math.isclose(values["shannonIndex"], math.log(2), abs_tol=1e-9)
    assert math.isclose(values["herfindahlIndex"], 0.5, abs_tol=1e-12)
    assert values["numberOfMunicipalities"] == 2


@pytest.mark.parametrize("counts", [[1, 3, 7, 200], [1] * 19, [5, 500], [1, 1000]])
def test_the_sparql_logarithm_is_accurate(counts: list[int]) -> None:
    """SPARQL has no LN: the diversity queries compute it by range reduction and a series."""
    made = EmbeddedStore.open(None)
    load_fixture(made)
    made.raw.remove_graph(NamedNode(f"{BASE}graph/curated/kpi-fixture"))
    made.raw.remove_graph(NamedNode(f"{BASE}graph/extra/uncited"))
    sectors = sorted(concepts(made, "sectors"))
    lines = [PREFIXES]
    for i, n in enumerate(counts):
        for j in range(n):
            lines.append(
                f"o:s{i}-{j} a org:Organization ; cci:sector <{NS['sector']}{sectors[i]}> ."
            )
    made.raw.load(
        input="\n".join(lines).encode(),
        format=RdfFormat.TURTLE,
        to_graph=NamedNode(f"{BASE}graph/extra/many"),
    )
    (row,) = run(made, "sector-diversity").rows
    total = sum(counts)
    expected = -sum(n / total * math.log(n / total) for n in counts)
    assert math.isclose(row.values[CCI + "shannonIndex"], expected, abs_tol=1e-9)
    hhi = sum((n / total) ** 2 for n in counts)
    assert math.isclose(row.values[CCI + "herfindahlIndex"], hhi, abs_tol=1e-12)


def test_published_sector_figures(store: EmbeddedStore) -> None:
    result = run(store, "published-sector-figures")
    assert result.long
    # the KPI snapshot's observation and the network metrics are the project's own
    (row,) = result.rows
    assert row.subjects == (NS["sector"] + "all-cci",)
    assert row.area == NUTS_BE100
    assert row.values == {CCI + "numberOfJobs": 100_000}
    assert row.is_lower_bound is True
    assert row.extra["period"] == "post-COVID data"
    assert row.extra["document"] == NS["doc"] + "kpi-fixture"


# ---- network metrics against networkx ------------------------------------------------------


def stored_metrics(store: EmbeddedStore) -> dict[str, dict[str, float]]:
    """Subject -> measure -> value, from both datasets: the one with the measure dimension
    (value under cci:obsValue and under the measure) and the per-organisation one (a value
    under each measure)."""
    rows = store.query(
        f"""SELECT ?s ?m ?v WHERE {{ GRAPH <{network.graph_iri(BASE)}> {{
             {{ ?o qb:dataSet ds:network-metrics ; cci:subject ?s ; qb:measureType ?m ;
                   cci:obsValue ?v ; ?m ?v }}
             UNION
             {{ VALUES ?m {{ cci:degree cci:betweenness cci:componentSize }}
                ?o qb:dataSet ds:organisation-network-metrics ; cci:subject ?s ; ?m ?v }}
           }} }}""",
        prefixes=NS,
    )
    assert isinstance(rows, QuerySolutions)
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        out.setdefault(r["s"].value, {})[local(r["m"].value)] = float(r["v"].value)
    return out


def test_network_metrics_match_networkx(store: EmbeddedStore) -> None:
    graph = nx.Graph()
    graph.add_nodes_from(ORGS.values())
    graph.add_edges_from((ORGS[a], ORGS[b]) for a, _, b in RELATIONS)
    betweenness = nx.betweenness_centrality(graph, normalized=True)
    components = {n: len(c) for c in nx.connected_components(graph) for n in c}
    stored = stored_metrics(store)
    for node in graph.nodes:
        assert stored[node]["degree"] == graph.degree[node]
        assert math.isclose(stored[node]["betweenness"], betweenness[node], abs_tol=1e-15)
        assert stored[node]["componentSize"] == components[node]
    whole = stored[NS["sector"] + "all-cci"]
    directed = nx.DiGraph()
    directed.add_nodes_from(ORGS.values())
    directed.add_edges_from((ORGS[a], ORGS[b]) for a, _, b in RELATIONS)
    assert whole["density"] == nx.density(directed) == 5 / 20
    assert whole["numberOfComponents"] == nx.number_connected_components(graph)
    assert whole["numberOfIsolates"] == nx.number_of_isolates(graph)
    # only organisations are nodes; the graph says how betweenness was computed
    assert set(stored) - {NS["sector"] + "all-cci"} - {
        NS["reltype"] + r for r in concepts(store, "relation-types")
    } == set(ORGS.values())
    rows = store.query(
        "ASK { ds:organisation-network-metrics a qb:DataSet ; dct:description ?d "
        "FILTER(CONTAINS(?d, 'betweenness exact')) }",
        prefixes=NS,
    )
    assert rows


def test_network_metrics_replace_the_previous_ones(store: EmbeddedStore, tmp_path: Path) -> None:
    before = store.triple_count(network.graph_iri(BASE))
    build_dir = tmp_path / "20261123T080000.000000Z.partial"
    build_dir.mkdir()
    network.network_metrics(SETTINGS, store, build_dir)
    assert store.triple_count(network.graph_iri(BASE)) == before  # same, the day aside
    rows = store.query(
        f"SELECT DISTINCT ?d WHERE {{ GRAPH <{network.graph_iri(BASE)}> {{ ?o cci:refPeriod ?d }} }}",
        prefixes=NS,
    )
    assert isinstance(rows, QuerySolutions)
    assert [r["d"].value for r in rows] == ["2026-11-23"]


def test_per_organisation_observations_state_nothing_twice(store: EmbeddedStore) -> None:
    # the two datasets that grow with the organisations (a million statements at M when
    # each measure was an observation of its own, with its value twice)
    rows = store.query(
        f"""SELECT ?dataset ?o (COUNT(*) AS ?n) WHERE {{ GRAPH <{network.graph_iri(BASE)}> {{
             ?o qb:dataSet ?dataset ; ?p ?v
             FILTER(?dataset IN (ds:organisation-network-metrics, ds:network-in-degree)) }} }}
           GROUP BY ?dataset ?o""",
        prefixes=NS,
    )
    assert isinstance(rows, QuerySolutions)
    sizes: dict[str, set[int]] = {}
    for r in rows:
        sizes.setdefault(local(r["dataset"].value), set()).add(int(r["n"].value))
    # type, data set, subject, period, area and the three measures; the in-degree, its
    # relation type instead of two of the measures
    assert sizes == {"organisation-network-metrics": {8}, "network-in-degree": {7}}
    assert not store.query(
        f"ASK {{ GRAPH <{network.graph_iri(BASE)}> {{ ?o qb:dataSet ?d ; qb:measureType ?m "
        "FILTER(?d IN (ds:organisation-network-metrics, ds:network-in-degree)) } }",
        prefixes=NS,
    )


def test_large_networks_sample_betweenness_with_a_fixed_seed() -> None:
    assert network.pivots_for(100, 300) is None  # exact
    assert network.pivots_for(22_000, 120_000) == network.BETWEENNESS_WORK // 142_000
    assert network.pivots_for(10**6, 10**7) == network.MIN_PIVOTS
    g = network.OrganisationGraph(
        [f"urn:x:{i}" for i in range(60)],
        {(f"urn:x:{i}", "urn:t", f"urn:x:{(i * 7 + 1) % 60}") for i in range(60)},
        ["urn:t"],
    )
    first = network.compute(g, work=1)
    assert first.pivots == network.MIN_PIVOTS
    assert network.compute(g, work=1).betweenness == first.betweenness  # reproducible
    quads = network.quads(first, BASE, date(2026, 1, 1), NUTS_BE100)
    text = " ".join(str(q.object) for q in quads)
    assert f"estimated from {network.MIN_PIVOTS} of 60 organisations" in text


def test_in_degree_by_relation_type_per_organisation(store: EmbeddedStore) -> None:
    rows = store.query(
        f"""SELECT ?s ?t ?v WHERE {{ GRAPH <{network.graph_iri(BASE)}> {{
             ?o qb:dataSet ds:network-in-degree ; cci:subject ?s ; cci:viaRelationType ?t ;
                 cci:inDegree ?v }} }}""",
        prefixes=NS,
    )
    assert isinstance(rows, QuerySolutions)
    found = {(local(r["s"].value), local(r["t"].value)): float(r["v"].value) for r in rows}
    # from RELATIONS, by hand: a has two members (b, d) and a partner pointing to it (c);
    # b hosts c; c funds d. Only these: a 0 in-degree is not written
    assert found == {
        ("a", "member-of"): 2,
        ("a", "partner-of"): 1,
        ("b", "hosted-by"): 1,
        ("c", "funded-by"): 1,
    }


@pytest.mark.parametrize(
    ("relation_type", "expected"),
    [("member-of", [("a", 2)]), ("funded-by", [("c", 1)]), ("coordinates", [])],
)
def test_top_organisations_by_in_degree_on_a_relation_type(
    store: EmbeddedStore, relation_type: str, expected: list[tuple[str, int]]
) -> None:
    from kg.saved import queries as saved

    query = saved.get(SETTINGS, "organisations-by-in-degree")
    rows = saved.run(
        SETTINGS, store, query, {"relationType": f"reltype:{relation_type}", "lang": "en"}
    )
    assert isinstance(rows, QuerySolutions)
    got = [(local(r["organisation"].value), int(float(r["inDegree"].value))) for r in rows]
    assert got == expected


# ---- computed in worker processes ------------------------------------------------------


def on_disk(store: EmbeddedStore, path: Path) -> EmbeddedStore:
    copy = EmbeddedStore.open(path)
    copy.raw.bulk_extend(store.raw.quads_for_pattern(None, None, None, None))
    copy.flush()
    return copy


def comparable(results: list[KpiResult]) -> list[tuple[Any, ...]]:
    return [(r.kpi, r.error, r.columns, r.measures, r.rows) for r in results]


def test_kpis_in_worker_processes_are_those_of_one_process(
    store: EmbeddedStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    disk = on_disk(store, tmp_path / "store")
    alone = kpi.compute(replace(SETTINGS, kpi_workers=1), store)
    with caplog.at_level("WARNING", logger="kg.saved.kpi"):
        shared = kpi.compute(replace(SETTINGS, kpi_workers=2), disk)
    assert "KPI worker processes failed" not in caplog.text  # the workers did it
    assert [r.kpi for r in shared] == [q.kpi for q in kpi.kpi_queries(SETTINGS)]  # in order
    assert all(r.error is None for r in shared)
    assert comparable(shared) == comparable(alone)
    assert any(r.rows for r in shared)


def test_kpis_are_computed_here_when_the_workers_cannot_open_the_store(
    store: EmbeddedStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # the store's data, but a directory no worker can open a store from
    (tmp_path / "not-a-store").write_text("not a RocksDB directory")
    odd = EmbeddedStore(store.raw, tmp_path / "not-a-store")
    with caplog.at_level("WARNING", logger="kg.saved.kpi"):
        results = kpi.compute(replace(SETTINGS, kpi_workers=2), odd)
    assert "KPI worker processes failed" in caplog.text
    assert comparable(results) == comparable(kpi.compute(replace(SETTINGS, kpi_workers=1), store))


# ---- snapshots -----------------------------------------------------------------------------


def project_with_queries(tmp_path: Path) -> Settings:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "queries", root / "queries")
    # the catalogue names the region: the area of a figure that names none
    (root / "data").mkdir()
    shutil.copy(ROOT / "data" / "catalog.ttl", root / "data")
    return Settings(root=root, var_dir=tmp_path / "var")


def test_snapshot_appends_refuses_a_second_and_reads_back(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    settings = project_with_queries(tmp_path)
    day = date(2026, 1, 15)
    values = kpi.compute_all(settings, store)
    path = kpisnapshot.snapshot(settings, store, day, build_id="20260115T000000.000000Z")
    assert path == settings.root / "data" / "snapshots" / "2026-01-15.ttl"
    text = path.read_text(encoding="utf-8")
    with pytest.raises(kpisnapshot.SnapshotExists, match="append-only"):
        kpisnapshot.snapshot(settings, store, day)
    assert path.read_text(encoding="utf-8") == text  # untouched
    kpisnapshot.snapshot(settings, store, date(2026, 1, 16))  # another day: another file
    assert len(list(path.parent.glob("*.ttl"))) == 2
    again = kpisnapshot.snapshot(settings, store, day, replace=True, build_id="other")
    assert again == path and "build other" in again.read_text(encoding="utf-8")

    # loaded as the build loads it: `<>` is the graph, which cites the snapshot activity
    loaded = EmbeddedStore.open(None)
    load_fixture(loaded)  # the ontology: measures are cci:Measure
    graph = graph_iri(BASE, "data/snapshots/2026-01-15.ttl")
    loaded.raw.load(
        path=str(path), format=RdfFormat.TURTLE, base_iri=graph, to_graph=NamedNode(graph)
    )
    assert check_sources_cited(loaded, {graph: "data/snapshots/2026-01-15.ttl"}) == []
    activity = kpi.snapshot_iri(BASE, day)
    assert loaded.query(
        f"ASK {{ GRAPH <{graph}> {{ <{graph}> dct:source <{activity}> }} <{activity}> a prov:Activity ; prov:used ?b . ?b a prov:Entity }}",
        prefixes=NS,
    )
    found = [o for o in kpihistory.observations(settings, loaded) if o.day == "2026-01-15"]
    assert len(found) == len(values)
    recorded = {o.key: o.value for o in found}
    for value in values:
        key = (value.query, value.measure, tuple(sorted(value.subjects)), value.area)
        assert math.isclose(recorded[key], value.value, rel_tol=1e-12, abs_tol=1e-15), key
    # every observation cites its query and the snapshot
    rows = loaded.query(
        f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o qb:dataSet ds:kpi ; prov:wasGeneratedBy <{activity}> ; dct:source ?q ; cci:refPeriod ?d ; cci:refArea ?area ; cci:subject ?s ; qb:measureType ?m ; cci:obsValue ?v }}",
        prefixes=NS,
    )
    assert isinstance(rows, QuerySolutions)
    assert int(next(iter(rows))["n"].value) == len(values)


def test_snapshot_refuses_a_column_that_names_no_measure(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    settings = project_with_queries(tmp_path)
    (settings.root / "queries" / "kpi-typo.rq").write_text(
        "# title: T\n# title@fr: T\n# title@nl: T\n# description: D.\n# description@fr: D.\n"
        "# description@nl: D.\n# tags: kpi\n# chart: table\n# kpi: typo\n"
        "SELECT (COUNT(*) AS ?numberOfOrganisatons) WHERE { ?o a org:Organization }\n"
    )
    with pytest.raises(kpi.KpiError, match="numberOfOrganisatons"):
        kpisnapshot.snapshot(settings, store, date(2026, 1, 15))
    assert not (settings.root / "data" / "snapshots" / "2026-01-15.ttl").exists()


def test_dates_are_checked() -> None:
    assert kpisnapshot.parse_date("2026-11-22") == date(2026, 11, 22)
    assert kpisnapshot.parse_date(None) == datetime.now(UTC).date()
    with pytest.raises(kpi.KgError, match="YYYY-MM-DD"):
        kpisnapshot.parse_date("22/11/2026")


def test_a_snapshot_validates_and_loads_in_a_build(project_copy: Settings) -> None:
    build.run(project_copy)
    store = open_store(project_copy)
    values = kpi.compute_all(project_copy, store)
    assert {v.kpi for v in values} == {q.kpi for q in kpi.recorded_queries(project_copy)}
    path = kpisnapshot.snapshot(project_copy, store, date(2026, 3, 1))
    del store
    # `kg validate`: no violation, no unknown term, the graph cites its source
    result = build.run(project_copy, keep=False)
    assert result.report.conforms and not result.report.issues
    built = build.run(project_copy)
    manifest = json.loads((built.store_dir / "manifest.json").read_text())  # type: ignore[operator]
    graph = next(g for g, info in manifest["graphs"].items() if info["file"].endswith(path.name))
    store = open_store(project_copy)
    assert check_sources_cited(store, {graph: path.name}) == []
    found = [o for o in kpihistory.observations(project_copy, store) if o.day == "2026-03-01"]
    assert len(found) == len(values)
    assert {o.query for o in found} == {q.name for q in kpi.recorded_queries(project_copy)}


# ---- W3C Data Cube integrity constraints --------------------------------------------------

#: The well-formedness checks of https://www.w3.org/TR/vocab-data-cube/#wf-rules that apply
#: (IC-1, IC-2, IC-11, IC-14, IC-15, IC-16), each an ASK that is true on a violation;
#: IC-12 (duplicates) is ``duplicated`` below.
#: Adapted: the observations and datasets checked are those of one named graph (GRAPH
#: <TARGET>); structures, components and properties are looked up in the union (the data
#: structure definitions live in ontology/measures.ttl). No inference runs: the structures
#: state qb:componentProperty beside qb:dimension / qb:measure, as normalisation would.
INTEGRITY = {
    "IC-1 unique data set": """ASK {
      { GRAPH <TARGET> { ?obs a qb:Observation } FILTER NOT EXISTS { ?obs qb:dataSet ?dataset1 } }
      UNION
      { GRAPH <TARGET> { ?obs a qb:Observation } ?obs qb:dataSet ?dataset1 , ?dataset2 .
        FILTER(?dataset1 != ?dataset2) }
    }""",
    "IC-2 unique DSD": """ASK {
      { { GRAPH <TARGET> { ?dataset a qb:DataSet } } UNION { GRAPH <TARGET> { ?o qb:dataSet ?dataset } }
        FILTER NOT EXISTS { ?dataset qb:structure ?dsd } }
      UNION
      { GRAPH <TARGET> { ?dataset a qb:DataSet } ?dataset qb:structure ?dsd1 , ?dsd2 .
        FILTER(?dsd1 != ?dsd2) }
    }""",
    "IC-11 all dimensions required": """ASK {
      GRAPH <TARGET> { ?obs a qb:Observation }
      ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
      ?dim a qb:DimensionProperty .
      FILTER NOT EXISTS { ?obs ?dim [] }
    }""",
    "IC-14 all measures present": """ASK {
      GRAPH <TARGET> { ?obs a qb:Observation }
      ?obs qb:dataSet/qb:structure ?dsd .
      FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty qb:measureType }
      ?dsd qb:component/qb:componentProperty ?measure .
      ?measure a qb:MeasureProperty .
      FILTER NOT EXISTS { ?obs ?measure [] }
    }""",
    "IC-15 measure dimension consistent": """ASK {
      GRAPH <TARGET> { ?obs a qb:Observation }
      ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure .
      ?dsd qb:component/qb:componentProperty qb:measureType .
      FILTER NOT EXISTS { ?obs ?measure [] }
    }""",
    "IC-16 single measure on measure dimension observation": """ASK {
      GRAPH <TARGET> { ?obs a qb:Observation }
      ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure ; ?omeasure [] .
      ?dsd qb:component/qb:componentProperty qb:measureType ;
           qb:component/qb:componentProperty ?omeasure .
      ?omeasure a qb:MeasureProperty .
      FILTER(?omeasure != ?measure)
    }""",
    # not a numbered constraint: the measure an observation names is one of its structure's
    "measure declared by the structure": """ASK {
      GRAPH <TARGET> { ?obs qb:measureType ?measure }
      ?obs qb:dataSet/qb:structure ?dsd .
      FILTER NOT EXISTS { ?dsd qb:component/qb:measure ?measure . ?measure a qb:MeasureProperty }
    }""",
}


#: every observation of a graph with its data set, and each dimension of its structure with
#: the values it has for it (none: unbound)
DIMENSION_VALUES = """SELECT ?obs ?dataset ?dim ?value WHERE {
  GRAPH <TARGET> { ?obs qb:dataSet ?dataset }
  ?dataset qb:structure/qb:component/qb:componentProperty ?dim .
  ?dim a qb:DimensionProperty .
  OPTIONAL { ?obs ?dim ?value }
}"""


def duplicated(store: EmbeddedStore, graph: str, as_sets: bool) -> bool:
    """IC-12, no two observations of a data set with the same value for every dimension,
    by grouping each observation under its dimensions' values (linear, where the spec's
    pairwise query takes seconds on a snapshot). Value by value (the spec's comparison):
    an observation with two values for a dimension equals no other, and a dimension it
    lacks is passed over (the spec's join has no row for it). As sets: a cross-tabulated
    observation has two
    cci:subject values (sector × service), which only a comparison of the sets can find
    duplicated."""
    rows = store.query(DIMENSION_VALUES.replace("TARGET", graph), prefixes=NS)
    assert isinstance(rows, QuerySolutions)
    values: dict[tuple[str, str], dict[str, set[str]]] = {}
    for row in rows:
        dims = values.setdefault((row["obs"].value, row["dataset"].value), {})
        found = dims.setdefault(row["dim"].value, set())
        if row["value"] is not None:
            found.add(str(row["value"]))
    seen: set[tuple[object, ...]] = set()
    for (_, dataset), dims in values.items():
        if not as_sets and any(len(found) > 1 for found in dims.values()):
            continue
        key = (dataset, *sorted((dim, *sorted(found)) for dim, found in dims.items() if found))
        if key in seen:
            return True
        seen.add(key)
    return False


def breaks(store: EmbeddedStore, graph: str, name: str) -> bool:
    """Whether the observations of ``graph`` break the constraint ``name``."""
    if name == "IC-12 no duplicate observations":
        return duplicated(store, graph, as_sets=False)
    if name == "IC-12 no duplicate observations (value sets)":
        return duplicated(store, graph, as_sets=True)
    return bool(store.query(INTEGRITY[name].replace("TARGET", graph), prefixes=NS))


#: every constraint checked: the ASKs above and IC-12's two comparisons
CONSTRAINTS = [
    *INTEGRITY,
    "IC-12 no duplicate observations",
    "IC-12 no duplicate observations (value sets)",
]


def violations(store: EmbeddedStore, graph: str) -> list[str]:
    """The integrity constraints the observations of ``graph`` break."""
    return [name for name in CONSTRAINTS if breaks(store, graph, name)]


def observation_count(store: EmbeddedStore, graph: str) -> int:
    rows = store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?o a qb:Observation }} }}",
        prefixes=NS,
    )
    assert isinstance(rows, QuerySolutions)
    return int(next(iter(rows))["n"].value)


@pytest.fixture
def written_snapshot(store: EmbeddedStore, tmp_path: Path) -> tuple[EmbeddedStore, str, Path]:
    """A snapshot of the fixture graph, loaded (with the ontology) as the build loads it."""
    settings = project_with_queries(tmp_path)
    path = kpisnapshot.snapshot(
        settings, store, date(2026, 2, 1), build_id="20260201T000000.000000Z"
    )
    loaded = EmbeddedStore.open(None)
    for source in sorted((ROOT / "ontology").rglob("*.ttl")):
        graph = graph_iri(BASE, source.relative_to(ROOT).as_posix())
        loaded.raw.load(path=str(source), format=RdfFormat.TURTLE, to_graph=NamedNode(graph))
    graph = graph_iri(BASE, "data/snapshots/2026-02-01.ttl")
    loaded.raw.load(
        path=str(path), format=RdfFormat.TURTLE, base_iri=graph, to_graph=NamedNode(graph)
    )
    return loaded, graph, path


def test_a_snapshot_is_a_well_formed_data_cube(
    written_snapshot: tuple[EmbeddedStore, str, Path],
) -> None:
    loaded, graph, _ = written_snapshot
    assert observation_count(loaded, graph) > 400  # the sector × service matrix and the rest
    assert violations(loaded, graph) == []
    assert loaded.query(
        f"ASK {{ GRAPH <{graph}> {{ ds:kpi qb:structure cci:kpiStructure }} "
        "cci:kpiStructure a qb:DataStructureDefinition }",
        prefixes=NS,
    )


def test_the_network_metrics_are_a_well_formed_data_cube(store: EmbeddedStore) -> None:
    graph = network.graph_iri(BASE)
    assert observation_count(store, graph) > 50
    assert violations(store, graph) == []
    for dataset, structure in network.STRUCTURES.items():
        assert store.query(
            f"ASK {{ GRAPH <{graph}> {{ ds:{dataset} a qb:DataSet ; qb:structure cci:{structure} }} }}",
            prefixes=NS,
        )


@pytest.mark.parametrize(
    ("broken", "constraint"),
    [
        # what the fix added, taken away again: each constraint sees it
        (
            "DELETE { GRAPH ?g { ds:kpi qb:structure ?s } } WHERE { GRAPH ?g { ds:kpi qb:structure ?s } }",
            "IC-2 unique DSD",
        ),
        (
            "DELETE { GRAPH ?g { ?o cci:shannonIndex ?v } } WHERE { GRAPH ?g { ?o cci:shannonIndex ?v } }",
            "IC-15 measure dimension consistent",
        ),
        (
            "DELETE { GRAPH ?g { ?o cci:indicator ?i } } WHERE { GRAPH ?g { ?o cci:indicator ?i } }",
            "IC-11 all dimensions required",
        ),
        (
            "DELETE { GRAPH ?g { ?o cci:indicator ?i } } WHERE { GRAPH ?g { ?o cci:indicator ?i } }",
            "IC-12 no duplicate observations",
        ),
        (
            "DELETE { GRAPH ?g { ?o cci:indicator ?i } } WHERE { GRAPH ?g { ?o cci:indicator ?i } }",
            "IC-12 no duplicate observations (value sets)",
        ),
        (
            # a second sector × service cell for design × coaching: only value sets see it
            "INSERT { GRAPH ?g { <urn:x:copy> ?p ?v } } WHERE { GRAPH ?g { "
            "?o cci:subject sector:design , service:coaching ; ?p ?v } }",
            "IC-12 no duplicate observations (value sets)",
        ),
        (
            "INSERT { GRAPH ?g { ?o qb:dataSet ds:other } } WHERE { GRAPH ?g { ?o qb:measureType cci:density } }",
            "IC-1 unique data set",
        ),
    ],
)
def test_the_integrity_checks_find_what_they_look_for(
    written_snapshot: tuple[EmbeddedStore, str, Path], broken: str, constraint: str
) -> None:
    loaded, graph, _ = written_snapshot
    assert not breaks(loaded, graph, constraint)
    loaded.update(broken, prefixes=NS)
    assert breaks(loaded, graph, constraint)


def test_a_snapshot_records_which_query_text_made_each_value(
    written_snapshot: tuple[EmbeddedStore, str, Path],
) -> None:
    import hashlib

    loaded, graph, _ = written_snapshot
    rows = loaded.query(
        f"""SELECT ?obs ?query ?text ?digest ?value WHERE {{ GRAPH <{graph}> {{
             ?obs qb:dataSet ds:kpi ; dct:source ?query ; cci:indicator ?query ;
                 prov:wasDerivedFrom ?text ; prov:wasGeneratedBy ?activity .
             ?activity prov:used ?text .
             ?text a prov:Entity ; prov:specializationOf ?query ; cci:sha256 ?digest ;
                 prov:value ?value }} }}""",
        prefixes=NS,
    )
    assert isinstance(rows, QuerySolutions)
    found = {r["obs"].value: (r["query"].value, r["digest"].value, r["value"].value) for r in rows}
    assert len(found) == observation_count(loaded, graph)
    recorded = {q.name for q in kpi.kpi_queries(SETTINGS) if q.snapshot}
    assert {kpi.query_iri(BASE, name) for name in recorded} == {q for q, _, _ in found.values()}
    for query, digest, text in found.values():
        name = query.rsplit("/", 1)[-1]
        data = (ROOT / "queries" / f"{name}.rq").read_bytes()
        assert digest == hashlib.sha256(data).hexdigest()
        assert text == data.decode("utf-8")
    # the build the snapshot was computed from
    assert loaded.query(
        f"ASK {{ GRAPH <{graph}> {{ ?a a prov:Activity ; prov:used <{BASE}id/build/20260201T000000.000000Z> }} }}",
        prefixes=NS,
    )


def test_published_figures_are_not_copied_into_snapshots(
    written_snapshot: tuple[EmbeddedStore, str, Path],
) -> None:
    """They are observations with their own period: a snapshot dated today would restate
    them with the wrong period (`# snapshot: no` in their query's header)."""
    loaded, graph, _ = written_snapshot
    published = next(q for q in kpi.kpi_queries(SETTINGS) if q.kpi == "published-sector-figures")
    assert published.snapshot is False
    assert all(q.snapshot for q in kpi.kpi_queries(SETTINGS) if q.name != published.name)
    assert not loaded.query(
        f"ASK {{ GRAPH <{graph}> {{ {{ ?o qb:measureType cci:numberOfJobs }} UNION "
        f"{{ ?o dct:source <{kpi.query_iri(BASE, published.name)}> }} }} }}",
        prefixes=NS,
    )


# ---- the dashboard -------------------------------------------------------------------------

NEW_ORGANISATION = """
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix cci: <https://data.creative.brussels/ontology#> .
@prefix sector: <https://data.creative.brussels/id/concept/sector/> .
@prefix mun: <https://data.creative.brussels/id/municipality/> .
@prefix o: <https://data.creative.brussels/id/organisation/> .
@prefix doc: <https://data.creative.brussels/id/document/> .
<> dct:source doc:kpi-test-{n} .
doc:kpi-test-{n} a cci:SourceDocument , foaf:Document ; dct:title "KPI test document {n}"@en .
o:kpi-test-studio-{n} a org:Organization , foaf:Agent , cci:Company ;
    skos:prefLabel "Studio de test {n}"@fr ;
    cci:sector sector:design ;
    cci:municipality mun:21009 .
"""
FIRST, SECOND = "2020-01-01", "2020-02-01"


@pytest.fixture(scope="module")
def history_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The real project, snapshot on 2020-01-01, one organisation more, snapshot on
    2020-02-01, one more again: the dashboard has two snapshots and a change of +1."""
    root = tmp_path_factory.mktemp("kpi-history") / "project"
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    settings = Settings(root=root, var_dir=root.parent / "var")
    build.run(settings)
    for n, day in enumerate((FIRST, SECOND), start=1):
        kpisnapshot.snapshot(settings, open_store(settings), date.fromisoformat(day))
        (root / "data" / "curated" / f"kpi-test-{n}.ttl").write_text(
            NEW_ORGANISATION.replace("{n}", str(n))
        )
        build.run(settings)
    yield settings


@pytest.fixture(scope="module")
def client(history_project: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(history_project)) as http:
        yield http


def embedded_json(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="kpi-data">(.*?)</script>', page, re.S)
    assert found, "the page carries no kpi-data JSON"
    data = json.loads(found.group(1))
    assert isinstance(data, dict)
    return data


def test_dashboard_page_shows_every_kpi_with_links_and_changes(
    client: httpx.Client, history_project: Settings
) -> None:
    response = client.get("/kpi?lang=fr")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    # its data twins, and a cache must tell readers of different languages apart
    assert "Accept-Language" in response.headers["vary"]
    assert 'type="text/csv"' in response.headers["link"]
    assert "Accept-Language" in client.get("/kpi.json").headers["vary"]
    page = response.text
    queries = kpi.kpi_queries(history_project)
    for query in queries:
        assert f'id="kpi-{query.kpi}"' in page
        assert f'href="/queries/{query.name}?lang=fr"' in page  # every number's query
        assert query.title("fr") in page
    # without JavaScript: tables of values and of the trends; the charts' place is hidden
    assert page.count('<table class="kpi-table">') >= len(queries)
    assert '<figure class="trend" hidden>' in page
    assert '<details class="trend-table">' in page
    assert '<table class="kpi-matrix">' in page and 'class="gap"' in page
    # the change since the previous snapshot, and the snapshots listed
    assert re.search(
        r'<span class="change up" title="depuis l&#39;instantané du 2020-02-01">\+1</span>', page
    )
    assert f"{FIRST}, {SECOND}" in page
    # organisations behind a number: the search page, the organisation's page
    assert (
        "/search?kind=http%3A%2F%2Fwww.w3.org%2Fns%2Forg%23Organization"
        "&amp;kind=https%3A%2F%2Fdata.creative.brussels%2Fontology%23Company&amp;lang=fr" in page
    )
    assert 'href="/id/organisation/' in page
    # the chart data, and the local Chart.js
    charts = embedded_json(page)
    assert [k["kpi"] for k in charts["kpis"]] == [q.kpi for q in queries]
    assert '<script src="/static/lib/chartjs/chart.umd.min.js" defer></script>' in page
    assert '<script src="/static/app/kpi.js" defer></script>' in page
    english = client.get("/kpi?lang=en").text
    assert "Ecosystem indicators" in english and "Organisations by sector" in english
    assert "Indicatoren van het ecosysteem" in client.get("/kpi?lang=nl").text


def test_dashboard_on_the_project_build(built: Settings) -> None:
    """The project as `kg build` makes it, snapshots or not, network step or not."""
    with app_client(create_app(built)) as client:
        response = client.get("/kpi", headers={"Accept-Language": "nl-BE,nl;q=0.9"})
        assert response.status_code == 200
        assert "Indicatoren van het ecosysteem" in response.text
        data = client.get("/kpi.json?lang=en").json()
    assert [k["kpi"] for k in data["kpis"]] == [q.kpi for q in kpi.kpi_queries(built)]
    today = datetime.now(UTC).date().isoformat()
    recorded = {q.kpi for q in kpi.recorded_queries(built)}
    for k in data["kpis"]:
        assert k["error"] is None, (k["kpi"], k["error"])
        if k["coverage"] is not None and not k["coverage"]["recorded"]:
            # a field nobody has: not recorded, no zeros, no trend of them
            assert k["trend"]["series"] == [], k["kpi"]
            values = [v for r in k["rows"] for v in r["values"].values()]
            assert values and all(v["not_recorded"] for v in values), k["kpi"]
            assert all(v["text"] == "not recorded" for v in values)
        elif k["kpi"] in recorded:
            assert k["trend"]["labels"][-1] == today
        else:  # published figures have their own periods: no trend up to today
            assert k["trend"]["series"] == [], k["kpi"]
    kinds = next(k for k in data["kpis"] if k["kpi"] == "organisations-by-kind")
    assert sum(r["values"][CCI + "numberOfOrganisations"]["value"] for r in kinds["rows"]) > 0


def test_dashboard_json_has_values_previous_values_and_trends(client: httpx.Client) -> None:
    data = client.get("/kpi.json?lang=en").json()
    assert data["snapshots"] == [FIRST, SECOND]
    kpis = {k["kpi"]: k for k in data["kpis"]}
    quality = kpis["data-quality"]
    count = quality["rows"][0]["values"][CCI + "numberOfOrganisations"]
    assert count["previous_date"] == SECOND
    assert count["change"] == 1 and count["previous"] == count["value"] - 1
    series = next(s for s in quality["trend"]["series"] if s["measure"] == "numberOfOrganisations")
    today = datetime.now(UTC).date().isoformat()
    assert quality["trend"]["labels"] == [FIRST, SECOND, today]
    n = count["value"]
    assert series["data"] == [n - 2, n - 1, n]
    # a share on the right-hand axis beside a count on the left
    shares = [s for s in quality["trend"]["series"] if s["percent"]]
    assert shares and all(s["axis"] == "y1" for s in shares)
    kinds = {r["subjects"][0]["iri"]: r for r in kpis["organisations-by-kind"]["rows"]}
    company = kinds[CCI + "Company"]["values"][CCI + "numberOfOrganisations"]
    assert company["change"] == 1
    assert kinds[CCI + "Company"]["organisations"].startswith("/search?kind=")
    matrix = kpis["sector-service-matrix"]["matrix"]
    assert matrix["size"] == len(kpis["sector-service-matrix"]["rows"]) and matrix["gaps"] > 0
    for k in data["kpis"]:
        assert k["error"] is None, (k["kpi"], k["error"])
        assert k["links"]["query"] == f"/queries/{k['query']}?lang=en"


def test_dashboard_links_a_number_to_the_organisations_behind_it_only_if_any(
    client: httpx.Client,
) -> None:
    from urllib.parse import urlencode

    data = client.get("/kpi.json?lang=en").json()
    kpis = {k["kpi"]: k for k in data["kpis"]}
    count = CCI + "numberOfOrganisations"
    zero = 0
    for name in ("organisations-by-kind", "organisations-by-sector", "audience-coverage"):
        for row in kpis[name]["rows"]:
            if row["values"][count]["value"] == 0:
                zero += 1
                # a search for a kind nobody has would list everybody: no link at all
                assert row["organisations"] is None, (name, row["label"])
            else:
                assert row["organisations"].startswith("/search?kind="), (name, row["label"])
    assert zero > 0  # the project has kinds, sectors and audiences nobody is in
    page = client.get("/kpi?lang=en").text
    for row in kpis["organisations-by-kind"]["rows"]:
        if row["values"][count]["value"] == 0:
            kind = row["subjects"][0]["iri"]
            assert urlencode({"kind": kind}) not in page, kind
    # a relation type: the organisations it points to most; none when no relation has it
    linked = 0
    for row in kpis["degree-by-relation-type"]["rows"]:
        relations = row["values"][CCI + "numberOfRelations"]["value"]
        iri = row["subjects"][0]["iri"]
        if relations == 0:
            assert row["organisations"] is None, iri
            continue
        linked += 1
        assert row["organisations"] == "/queries/organisations-by-in-degree?" + urlencode(
            {"relationType": iri, "lang": "en"}
        )
        listed = client.get(row["organisations"])
        assert listed.status_code == 200 and "/id/organisation/" in listed.text
    assert linked > 0
    # a single figure: the count of organisations lists them all, a share lists nothing
    figures = {f["measure"]: f for f in kpis["data-quality"]["figures"]}
    everybody = "/search?" + urlencode(
        {"kind": "http://www.w3.org/ns/org#Organization", "lang": "en"}
    )
    assert figures["numberOfOrganisations"]["organisations"] == everybody
    assert figures["shareWithDescription"]["organisations"] is None
    structure = {f["measure"]: f for f in kpis["network-structure"]["figures"]}
    assert structure["numberOfOrganisations"]["organisations"] == everybody
    assert structure["density"]["organisations"] is None
    assert f'<a href="{everybody.replace("&", "&amp;")}"' in page


def test_observations_download_as_csv_and_turtle(
    client: httpx.Client, history_project: Settings
) -> None:
    response = client.get("/kpi/observations.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and list(rows[0]) == list(kpihistory.CSV_COLUMNS)
    assert {r["date"] for r in rows} == {FIRST, SECOND}
    assert len({r["observation"] for r in rows}) == len(rows)
    assert {r["kpi"] for r in rows} == {q.kpi for q in kpi.recorded_queries(history_project)}
    response = client.get("/kpi/observations.ttl")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    triples = list(parse(response.content, RdfFormat.TURTLE))
    qb = NS["qb"]
    observations = {
        t.subject.value
        for t in triples
        if t.predicate.value == qb + "dataSet" and t.object.value == kpi.dataset_iri(BASE)
    }
    assert observations == {r["observation"] for r in rows}
    activities = {
        t.subject.value
        for t in triples
        if t.predicate.value == NS["rdf"] + "type" and t.object.value == NS["prov"] + "Activity"
    }
    assert activities == {kpi.snapshot_iri(BASE, date.fromisoformat(d)) for d in (FIRST, SECOND)}
    # self-contained: the structure with its components, and the queries' texts
    structure = kpi.structure_iri(BASE)
    assert any(
        t.subject.value == structure and t.object.value == qb + "DataStructureDefinition"
        for t in triples
    )
    components = {
        t.object
        for t in triples
        if t.subject.value == structure and t.predicate.value == qb + "component"
    }
    dimensions = {
        t.object.value
        for t in triples
        if t.subject in components and t.predicate.value == qb + "dimension"
    }
    assert dimensions == {
        CCI + "indicator",
        CCI + "refPeriod",
        CCI + "refArea",
        CCI + "subject",
        qb + "measureType",
    }
    digests = {t.object.value for t in triples if t.predicate.value == CCI + "sha256"}
    assert len(digests) == len(kpi.recorded_queries(history_project))


# ---- in headless Chromium ------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_url(history_project: Settings) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port, in a thread of this process."""
    with serve(create_app(history_project), "/kpi.json") as url:
        yield url


def test_dashboard_draws_its_charts_in_chromium(live_url: str, chromium: Chromium) -> None:
    from playwright.sync_api import ConsoleMessage

    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    with chromium as browser:
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.on("console", on_console)
            page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
            page.on(
                "response",
                lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
            )
            page.goto(live_url + "/kpi?lang=en")
            page.wait_for_function("window.kpiCharts && Object.keys(window.kpiCharts).length > 0")
            canvases = page.locator("figure.trend canvas").count()
            assert canvases >= 10
            drawn = page.evaluate(
                """() => Array.from(document.querySelectorAll('figure.trend canvas')).map(c =>
                     [c.dataset.kpi, !!Chart.getChart(c), c.closest('figure').hidden,
                      c.width > 0 && c.height > 0])"""
            )
            assert all(chart and not hidden and sized for _, chart, hidden, sized in drawn), drawn
            assert len(drawn) == page.evaluate("Object.keys(window.kpiCharts).length")
            # the data-quality chart: a count and shares, on two axes, three points each
            axes = page.evaluate(
                "() => { const c = window.kpiCharts['data-quality']; return [Object.keys(c.scales).sort(), c.data.labels.length, c.data.datasets.length]; }"
            )
            assert axes[0] == ["x", "y", "y1"] and axes[1] == 3 and axes[2] == 10
            page.locator("#kpi-organisations-by-kind").scroll_into_view_if_needed()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "kpi.png"), full_page=False)
        finally:
            browser.close()
    assert not problems, problems


def test_betweenness_from_igraph_is_networkx_betweenness() -> None:
    # a random graph with several components and isolates: igraph's exact values are
    # networkx's normalised ones, node for node
    graph = nx.gnm_random_graph(80, 160, seed=7)
    graph.add_nodes_from(range(80, 84))
    exact = network.betweenness_centrality(graph, None, network.SEED)
    reference = nx.betweenness_centrality(graph, normalized=True)
    assert exact.keys() == reference.keys()
    for node, value in reference.items():
        assert math.isclose(exact[node], value, abs_tol=1e-12), node
    # every node as a source is the exact computation; half of them estimate the total
    assert network.betweenness_centrality(graph, 84, network.SEED) == exact
    half = network.betweenness_centrality(graph, 42, network.SEED)
    assert half != exact
    assert math.isclose(sum(half.values()), sum(exact.values()), rel_tol=0.25)
    tiny = nx.path_graph(2)
    assert network.betweenness_centrality(tiny, None, network.SEED) == {0: 0.0, 1: 0.0}
