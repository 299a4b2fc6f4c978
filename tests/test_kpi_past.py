"""The KPIs of past years (kg.saved.kpipast, `kg snapshot --past`): a year counts only the
organisations and relations that dated facts of the sources place in it; what is undated is
never counted in the past; the dashboard, its JSON and CSV twins carry the series with how
many organisations have a date.

What each year should hold is computed here again from the Turtle of the project (the real
curated data, plus one synthetic file: an organisation founded in 2015 and one without any
date), by reading its triples in Python, not through the code under test."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from endpoint.app import create_app
from kg.build import pipeline as build
from kg.build.sources import PAST_KPIS_GRAPH, graph_iri, past_kpis_path
from kg.namespaces import DEFAULT_BASE, all_prefixes
from kg.saved import kpihistory, kpipast
from kg.settings import Settings
from kg.store import EmbeddedStore, open_store
from tests.asgi import app_client
from tests.browser import Chromium, serve
from tests.conftest import BIN, ROOT, copy_sources
from tests.test_kpi import violations

BASE = DEFAULT_BASE
NS = all_prefixes(BASE)
CCI, SCHEMA = NS["cci"], NS["schema"]
ORG = "http://www.w3.org/ns/org#Organization"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
THIS_YEAR = datetime.now(UTC).year
FOUNDED = f"{BASE}id/organisation/past-test-founded-2015"
UNDATED = f"{BASE}id/organisation/past-test-undated"
DESIGN = f"{BASE}id/concept/sector/design"

SYNTHETIC = """@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <http://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix cci: <https://data.creative.brussels/ontology#> .
@prefix sector: <https://data.creative.brussels/id/concept/sector/> .
@prefix o: <https://data.creative.brussels/id/organisation/> .
@prefix doc: <https://data.creative.brussels/id/document/> .
<> dct:source doc:kpi-past-test .
doc:kpi-past-test a cci:SourceDocument , foaf:Document ;
    dct:title "Synthetic test document for the KPIs of past years"@en .
o:past-test-founded-2015 a org:Organization , foaf:Agent , cci:Company ;
    skos:prefLabel "Synthetic design studio founded in 2015"@en ;
    schema:foundingDate "2015-03"^^xsd:gYearMonth ;
    cci:sector sector:design .
o:past-test-undated a org:Organization , foaf:Agent , cci:Company ;
    skos:prefLabel "Synthetic design studio without a date"@en ;
    cci:sector sector:design .
"""


# --- what the sources say, read again from the Turtle ----------------------------------------


def _year(term: object) -> int:
    assert isinstance(term, Literal)
    return int(term.value[:4])


@dataclass
class Sources:
    """The triples of the ontology and the curated data, indexed."""

    triples: list[tuple[str, str, Any]]
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    values: dict[tuple[str, str], list[Any]] = field(default_factory=lambda: defaultdict(list))

    def one(self, s: str, p: str) -> Any:
        found = self.values.get((s, p), [])
        return found[0] if found else None

    @property
    def organisations(self) -> set[str]:
        return {s for s, t in self.types.items() if ORG in t}


def read_sources(root: Path) -> Sources:
    triples = []
    for path in [
        *sorted((root / "ontology").rglob("*.ttl")),
        *sorted((root / "data").rglob("*.ttl")),
    ]:
        if "snapshots" in path.parts:
            continue
        for t in parse(path=str(path), format=RdfFormat.TURTLE, base_iri=path.as_uri()):
            triples.append((t.subject.value, t.predicate.value, t.object))
    found = Sources(triples)
    for s, p, o in triples:
        found.values[(s, p)].append(o)
        if p == RDF_TYPE:
            found.types[s].add(o.value)
    return found


def expected_years(src: Sources) -> tuple[dict[int, set[str]], set[tuple[int, str, str, str]]]:
    """year -> the organisations dated facts place in it; and (year, a, property, b) for
    every relation between two organisations a dated relationship places in a year."""
    orgs = src.organisations
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for o in orgs:
        founded = src.one(o, SCHEMA + "foundingDate")
        if founded is not None:
            end = src.one(o, SCHEMA + "dissolutionDate") or src.one(o, CCI + "retiredFromRegister")
            spans[o].append((_year(founded), _year(end) if end is not None else THIS_YEAR))

    def dated_activity(x: str) -> tuple[int, int] | None:
        kinds = src.types.get(x, set())
        start = src.one(x, SCHEMA + "startDate")
        if start is None or not kinds & {CCI + "Event", CCI + "Project"}:
            return None
        end = src.one(x, SCHEMA + "endDate")
        return (_year(start), _year(end) if end is not None else _year(start))

    direct = {
        src.one(t, CCI + "directProperty").value
        for t in list(src.types)
        if src.one(t, CCI + "directProperty") is not None
    }
    relations: dict[tuple[str, str, str], list[tuple[int, int]]] = defaultdict(list)
    for r, kinds in src.types.items():
        if CCI + "Relationship" not in kinds:
            continue
        a, b = src.one(r, CCI + "relSubject").value, src.one(r, CCI + "relObject").value
        start, end = src.one(r, SCHEMA + "startDate"), src.one(r, SCHEMA + "endDate")
        if start is not None:
            span = (_year(start), _year(end) if end is not None else THIS_YEAR)
            prop = src.one(src.one(r, CCI + "relationType").value, CCI + "directProperty")
            relations[(a, prop.value, b)].append(span)
        for end_, other in ((a, b), (b, a)):
            if end_ not in orgs:
                continue
            if start is not None:
                spans[end_].append(span)
            elif (event := dated_activity(other)) and CCI + "Event" in src.types[other]:
                spans[end_].append(event)
    for s, p, o in src.triples:
        if p in direct and isinstance(o, NamedNode):
            for org, other in ((s, o.value), (o.value, s)):
                if org in orgs and (activity := dated_activity(other)):
                    spans[org].append(activity)
    first = max(min(a for found in spans.values() for a, _ in found), THIS_YEAR - 29)
    by_year = {
        y: {o for o, found in spans.items() if any(a <= y <= b for a, b in found)}
        for y in range(first, THIS_YEAR + 1)
    }
    held = {
        (y, a, p, b)
        for (a, p, b), found in relations.items()
        for y in by_year
        if a in by_year[y] and b in by_year[y] and a != b and any(s <= y <= e for s, e in found)
    }
    return by_year, held


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def past_project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real project plus the synthetic file, built, its past years computed by
    `kg snapshot --past`, and built again to load them."""
    root = copy_sources(tmp_path_factory.mktemp("kpi-past") / "project")
    (root / "data" / "curated" / "kpi-past-test.ttl").write_text(SYNTHETIC, encoding="utf-8")
    (root / "node_modules").symlink_to(ROOT / "node_modules")  # Chart.js, for the browser
    settings = Settings(root=root, var_dir=root.parent / "var")
    build.run(settings)
    # the command itself, with KG_VAR beside the project (not inside it): it says where
    env = {**os.environ, "KG_ROOT": str(root), "KG_VAR": str(settings.var)}
    done = subprocess.run([str(BIN / "kg"), "snapshot", "--past"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"wrote {settings.var / 'kpi' / 'past.ttl'};" in done.stdout
    build.run(settings)
    return settings


@pytest.fixture(scope="module")
def sources(past_project: Settings) -> Sources:
    return read_sources(past_project.root)


@pytest.fixture(scope="module")
def expected(sources: Sources) -> tuple[dict[int, set[str]], set[tuple[int, str, str, str]]]:
    return expected_years(sources)


@pytest.fixture(scope="module")
def store(past_project: Settings) -> Iterator[EmbeddedStore]:
    opened = open_store(past_project)
    assert isinstance(opened, EmbeddedStore)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def client(past_project: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(past_project)) as http:
        yield http


def recorded(store: EmbeddedStore, settings: Settings) -> dict[str, dict[tuple, float]]:
    """year -> (query, measure local name, subjects) -> value, as the store holds them."""
    out: dict[str, dict[tuple, float]] = defaultdict(dict)
    for obs in kpihistory.observations(settings, store, past=True):
        out[obs.day][(obs.query, obs.measure.rsplit("#", 1)[-1], obs.subjects)] = obs.value
    return out


ALL = (f"{BASE}id/concept/sector/all-cci",)


# --- the years -------------------------------------------------------------------------------


def test_a_year_holds_only_the_organisations_dated_facts_place_in_it(
    store: EmbeddedStore, past_project: Settings, sources: Sources, expected: Any
) -> None:
    by_year, _ = expected
    facts = kpipast.dated_facts(store, past_project.base)
    assert facts.years() == sorted(by_year)
    for year, organisations in by_year.items():
        assert facts.existing(year) == organisations, year
    # founded in 2015: counted from 2015 on, not before
    assert FOUNDED in facts.existing(2015) and FOUNDED in facts.existing(THIS_YEAR)
    assert FOUNDED not in facts.existing(2014)
    # an organisation no source dates is in no year, though it is in the graph today
    assert UNDATED in facts.organisations and UNDATED not in facts.dated
    # a membership dated 2010-01-01 – 2011-05-31, the member's only dated fact: 2010 and 2011
    members = [
        r
        for r, kinds in sources.types.items()
        if CCI + "Relationship" in kinds
        and sources.one(r, CCI + "relationType").value.endswith("/member-of")
        and sources.one(r, SCHEMA + "endDate") is not None
    ]
    assert members, "the curated data has dated memberships"
    only_member = [
        m
        for r in members
        if (m := sources.one(r, CCI + "relSubject").value)
        and all(
            m not in by_year[y] for y in by_year if y > _year(sources.one(r, SCHEMA + "endDate"))
        )
    ]
    assert only_member
    end = max(_year(sources.one(r, SCHEMA + "endDate")) for r in members)
    for member in only_member:
        assert member in facts.existing(end) and member not in facts.existing(end + 1)


def test_the_kpis_of_a_past_year_count_what_existed_then(
    store: EmbeddedStore, past_project: Settings, sources: Sources, expected: Any
) -> None:
    by_year, held = expected
    found = recorded(store, past_project)
    for year, organisations in by_year.items():
        if not organisations:
            # nothing is known of that year: no value at all, rather than zeros
            assert str(year) not in found, year
            continue
        values = found[str(year)]
        q = "kpi-network-structure"
        assert values[(q, "numberOfOrganisations", ALL)] == len(organisations), year
        relations = {(a, b) for y, a, _, b in held if y == year}
        assert values[(q, "numberOfRelations", ALL)] == len(
            {(a, p, b) for y, a, p, b in held if y == year}
        ), year
        assert relations or values[(q, "numberOfIsolates", ALL)] == len(organisations)
        designers = {
            o
            for o in organisations
            if any(v.value == DESIGN for v in sources.values[(o, CCI + "sector")])
        }
        key = ("kpi-organisations-by-sector", "numberOfOrganisations", (DESIGN,))
        assert values.get(key, 0) == len(designers), year
    # the synthetic studio, a designer founded in 2015, is among the counted from 2015 only
    assert FOUNDED in by_year[2015] and FOUNDED not in by_year[2014]
    # the record's quality is not a fact about the past
    assert not any(k[0] == "kpi-data-quality" for values in found.values() for k in values)
    assert not any(
        k[0] == "kpi-published-sector-figures" for values in found.values() for k in values
    )


def test_the_past_years_are_a_well_formed_data_cube_that_states_its_method(
    past_project: Settings, store: EmbeddedStore
) -> None:
    path = past_kpis_path(past_project)
    loaded = EmbeddedStore.open(None)
    for source in sorted((past_project.root / "ontology").rglob("*.ttl")):
        graph = graph_iri(BASE, source.relative_to(past_project.root).as_posix())
        loaded.raw.load(path=str(source), format=RdfFormat.TURTLE, to_graph=NamedNode(graph))
    graph = graph_iri(BASE, PAST_KPIS_GRAPH)
    loaded.raw.load(
        path=str(path), format=RdfFormat.TURTLE, base_iri=graph, to_graph=NamedNode(graph)
    )
    # the integrity checks compare observations pairwise: on two years only (which still
    # tells two years' observations apart) and without the big sector × service matrix
    # (its two-subject cells are checked on a snapshot, tests/test_kpi.py)
    years = sorted(str(y) for y in kpipast.dated_facts(store, BASE).years())
    loaded.update(
        f"DELETE {{ GRAPH <{graph}> {{ ?o ?p ?v }} }} WHERE {{ GRAPH <{graph}> {{ "
        "?o qb:dataSet ds:kpi-past ; cci:refPeriod ?y ; cci:indicator ?q ; ?p ?v "
        'FILTER(STR(?y) NOT IN ("2010", "2011") || STRENDS(STR(?q), "sector-service-matrix")) '
        "} }",
        prefixes=NS,
    )
    assert "2010" in years
    assert violations(loaded, graph) == []
    assert loaded.query(
        f"ASK {{ GRAPH <{graph}> {{ ds:kpi-past qb:structure cci:kpiStructure . "
        "?o qb:dataSet ds:kpi-past ; cci:refPeriod ?y ; prov:wasGeneratedBy ?a . "
        "?a dct:description ?fr , ?nl , ?en . "
        'FILTER(DATATYPE(?y) = xsd:gYear && LANG(?fr) = "fr" && LANG(?nl) = "nl" && LANG(?en) = "en") } }',
        prefixes=NS,
    )
    # a value of a past year is never in the snapshots' dataset
    assert not loaded.query(f"ASK {{ GRAPH <{graph}> {{ ?o qb:dataSet ds:kpi }} }}", prefixes=NS)


# --- the dashboard ---------------------------------------------------------------------------


def test_the_json_twin_carries_the_series_and_what_they_rest_on(
    client: httpx.Client, past_project: Settings, store: EmbeddedStore, expected: Any
) -> None:
    by_year, _ = expected
    data = client.get("/kpi.json?lang=en").json()
    kpis = {k["kpi"]: k for k in data["kpis"]}
    past = kpis["network-structure"]["past"]
    known = [y for y, organisations in by_year.items() if organisations]
    assert past["labels"] == [str(y) for y in range(min(known), max(known) + 1)]
    assert past["label_texts"][-1] == f"{THIS_YEAR} (so far)"
    series = {s["measure"]: s["data"] for s in past["series"]}
    for i, label in enumerate(past["labels"]):
        n = len(by_year[int(label)])
        # a year nothing is dated in is a gap (null), never a 0
        assert series["numberOfOrganisations"][i] == (n or None), label
        assert past["known"][i] == n
    dated = {o for organisations in by_year.values() for o in organisations}
    total = len(kpipast.dated_facts(store, past_project.base).organisations)
    assert past["coverage"]["dated"] == len(dated) and past["coverage"]["total"] == total
    assert f"{len(dated)} of the {total} organisations" in past["coverage"]["text"]
    assert len(dated) < total  # some are undated: the statement is not "all"
    assert data["past_years"][0] == str(min(known))
    # not computed in the past: the record's quality, the published figures
    assert kpis["data-quality"]["past"]["series"] == []
    assert kpis["published-sector-figures"]["past"]["series"] == []
    french = client.get("/kpi.json?lang=fr").json()
    assert (
        next(k for k in french["kpis"] if k["kpi"] == "network-structure")["past"]["label_texts"][
            -1
        ]
        == f"{THIS_YEAR} (jusqu'ici)"
    )


def test_the_csv_twin_lists_the_past_years(client: httpx.Client, expected: Any) -> None:
    by_year, _ = expected
    rows = list(csv.DictReader(io.StringIO(client.get("/kpi/observations.csv").text)))
    past = [r for r in rows if r["dataset"] == f"{BASE}id/dataset/kpi-past"]
    assert {r["date"] for r in past} == {str(y) for y, o in by_year.items() if o}
    assert any(r["kpi"] == "network-structure" for r in past)


def test_the_page_shows_the_series_in_plain_words(client: httpx.Client, expected: Any) -> None:
    by_year, _ = expected
    page = client.get("/kpi?lang=en").text
    section = re.search(r'<section class="kpi" id="kpi-network-structure".*?</section>', page, re.S)
    assert section
    text = section.group(0)
    assert "Over the years, from the dates the sources give" in text
    assert 'data-kpi-past="network-structure"' in text
    first = min(y for y, organisations in by_year.items() if organisations)
    assert f"{THIS_YEAR} (so far)" in text and f">{first}<" in text
    assert "Past years count only the organisations for which a source gives a date" in text
    # plain words: no dataset IRI, no command, no file
    visible = re.sub(r"<[^>]+>", " ", text)
    for raw in ("kpi-past", "snapshot --past", "past.ttl", "http://", "https://"):
        assert raw not in visible, raw
    charts = re.search(r'<script type="application/json" id="kpi-data">(.*?)</script>', page, re.S)
    assert charts
    drawn = {k["kpi"]: k for k in json.loads(charts.group(1))["kpis"]}
    assert drawn["network-structure"]["past"]["series"]
    assert "Door de jaren heen, volgens de data in de bronnen" in client.get("/kpi?lang=nl").text
    # a concept's page lists published figures, not each KPI once a year
    everything = client.get("/id/concept/sector/all-cci?lang=en")
    assert everything.status_code == 200
    assert "indicators of past years" not in everything.text


def test_the_past_years_are_drawn_in_chromium(
    past_project: Settings, chromium: Chromium, expected: Any
) -> None:
    from playwright.sync_api import ConsoleMessage

    by_year, _ = expected
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    with serve(create_app(past_project), "/kpi.json") as url, chromium as browser:
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.on("console", on_console)
            page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
            page.goto(url + "/kpi?lang=fr")
            page.wait_for_function(
                "window.kpiPastCharts && window.kpiPastCharts['network-structure']"
            )
            chart = page.evaluate(
                """() => { const c = window.kpiPastCharts['network-structure'];
                   const n = c.data.datasets.find(d => d.label === "nombre d'organisations");
                   return [c.data.labels, n.data, n.spanGaps,
                           c.canvas.closest('figure').hidden]; }"""
            )
            labels, points, span_gaps, hidden = chart
            assert labels[-1] == f"{THIS_YEAR} (jusqu'ici)" and not hidden
            # a year nothing is dated in is drawn as a gap, not as a fall to zero
            assert not span_gaps
            for label, point in zip(labels[:-1], points, strict=False):
                assert point == (len(by_year[int(label)]) or None), label
        finally:
            browser.close()
    assert not problems, problems
