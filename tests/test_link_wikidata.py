"""`kg link wikidata` against a real `oxigraph serve` loaded with a synthetic fixture in
Wikidata's own data model (tests/fixtures/link/wikidata-synthetic.ttl, made-up Q-ids), over
a copy of the project's sources with synthetic organisations added
(tests/fixtures/link/organisations.ttl): proposals and their evidence, the review file,
the links graph the build loads, and the pages that show it."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, QuerySolutions
from typer.testing import CliRunner

from endpoint.app import create_app
from kg.build import pipeline as build
from kg.cli import app as cli
from kg.errors import ReviewFileError
from kg.link import run
from kg.link.endpoint import SparqlEndpoint
from kg.link.wikidata import ORGANISATIONS_BY_NAME
from kg.settings import Settings
from kg.store import open_store
from tests.asgi import app_client
from tests.conftest import copy_sources

FIXTURES = Path(__file__).parent / "fixtures" / "link"
WD = "http://www.wikidata.org/entity/"
BASE = "https://data.creative.brussels/"
ORG, MUN, P = BASE + "id/organisation/", BASE + "id/municipality/", BASE + "id/person/"
DAY = date(2026, 12, 7)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The project's sources and the synthetic organisations, built once."""
    root = copy_sources(tmp_path_factory.mktemp("link") / "project")
    shutil.copy(FIXTURES / "organisations.ttl", root / "data/curated/synthetic-link-test.ttl")
    settings = Settings(root=root, var_dir=root.parent / "var")
    build.run(settings)
    return settings


@pytest.fixture
def settings(project: Settings) -> Iterator[Settings]:
    """The module's project with no review file or links yet (each test starts clean)."""
    shutil.rmtree(project.root / "data/links", ignore_errors=True)
    yield project
    shutil.rmtree(project.root / "data/links", ignore_errors=True)


@pytest.fixture
def wikidata(oxigraph_server: str) -> str:
    """The fixture loaded into the server's default graph; its SPARQL query URL."""
    body = (FIXTURES / "wikidata-synthetic.ttl").read_bytes()
    r = httpx.post(
        oxigraph_server + "/store?default", content=body, headers={"Content-Type": "text/turtle"}
    )
    assert r.status_code in (200, 201, 204), r.text
    return oxigraph_server + "/query"


def review_rows(settings: Settings) -> list[dict[str, str]]:
    with open(settings.root / run.REVIEW, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def by_pair(rows: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, str]]:
    return {(r["entity"], r["wikidata"].removeprefix(WD)): r for r in rows}


def write_rows(settings: Settings, rows: list[dict[str, str]]) -> None:
    with open(settings.root / run.REVIEW, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_every_proposal_carries_its_evidence_and_waits(settings: Settings, wikidata: str) -> None:
    summary = run.propose_links(settings, open_store(settings), wikidata, day=DAY)
    rows = review_rows(settings)
    pairs = by_pair(rows)
    assert all(r["decision"] == "" and r["reviewer"] == "" for r in rows)
    assert not (settings.root / run.LINKS).exists()  # nothing enters the data unreviewed
    assert summary.accepted == 0 and summary.waiting == len(rows) == summary.proposed

    ixelles = pairs[(MUN + "21009", "Q99999900009")]
    assert ixelles["matched_by"] == "P1567" and ixelles["ambiguous"] == "no"
    assert "P1567 (NIS code) = 21009" in ixelles["evidence"]
    assert ixelles["statement"] == "http://www.wikidata.org/entity/statement/Q99999900009-nis"
    assert ixelles["wikidata_label"] == "fr: Ixelles; nl: Elsene; en: Ixelles"
    assert ixelles["label"] == "Ixelles" and ixelles["kind"] == "municipality"
    assert ixelles["endpoint"] == wikidata and ixelles["retrieved"] == "2026-12-07"
    # a deprecated statement proposes nothing
    assert (MUN + "21001", "Q99999900091") not in pairs
    assert pairs[(MUN + "21001", "Q99999900001")]["ambiguous"] == "no"
    # two items with one NIS code: both proposed, both ambiguous
    for q in ("Q99999900015", "Q99999900095"):
        assert pairs[(MUN + "21015", q)]["ambiguous"] == "yes"

    kbo = pairs[(ORG + "synthetic-atelier-nord", "Q99999910001")]
    assert kbo["matched_by"] == "P3376" and "= 0999.990.123" in kbo["evidence"]
    site = pairs[(ORG + "synthetic-studio-sud", "Q99999910002")]
    assert site["matched_by"] == "P856" and "http://www.studio-sud.example/" in site["evidence"]
    # matched by enterprise number or website: not looked up by name as well
    assert [k for k in pairs if k[0] == ORG + "synthetic-studio-sud"] == [
        (ORG + "synthetic-studio-sud", "Q99999910002")
    ]

    # an ambiguous name: the item in our municipality scores higher, neither is decided
    here = pairs[(ORG + "synthetic-maison-des-arts", "Q99999910003")]
    there = pairs[(ORG + "synthetic-maison-des-arts", "Q99999910004")]
    assert here["ambiguous"] == there["ambiguous"] == "yes"
    assert here["matched_by"] == "name+place" and there["matched_by"] == "name"
    assert float(here["score"]) > float(there["score"])
    assert "P131 (located in) = wd:Q99999900009" in here["evidence"]
    alias = pairs[(ORG + "synthetic-collectief", "Q99999910005")]
    assert alias["matched_by"] == "name" and alias["ambiguous"] == "no"
    assert '"Synthetisch Collectief"@nl' in alias["evidence"]
    assert not [k for k in pairs if k[0] == ORG + "synthetic-nowhere"]

    # a person: human items only; the one employed by Atelier Nord's item ranks first
    jeanne = {q: r for (e, q), r in pairs.items() if e == P + "synthetic-jeanne"}
    assert set(jeanne) == {"Q99999920001", "Q99999920002"}
    assert jeanne["Q99999920001"]["matched_by"] == "name+affiliation"
    assert float(jeanne["Q99999920001"]["score"]) > float(jeanne["Q99999920002"]["score"])
    assert all(r["ambiguous"] == "yes" for r in jeanne.values())


def test_accept_identifiers_takes_only_unique_identifier_matches(
    settings: Settings, wikidata: str
) -> None:
    run.propose_links(settings, open_store(settings), wikidata, accept_identifiers=True, day=DAY)
    accepted = {
        (r["entity"], r["wikidata"].removeprefix(WD))
        for r in review_rows(settings)
        if r["decision"] == "accept"
    }
    assert accepted == {
        (MUN + "21009", "Q99999900009"),
        (MUN + "21001", "Q99999900001"),
        (ORG + "synthetic-atelier-nord", "Q99999910001"),
    }
    text = (settings.root / run.LINKS).read_text(encoding="utf-8")
    assert text.count("owl:sameAs <") == 3
    assert "Q99999900015" not in text and "Q99999910003" not in text


def _quads(settings: Settings, sparql: str) -> list[dict[str, str]]:
    rows = open_store(settings).query(sparql)
    assert isinstance(rows, QuerySolutions)
    return [{v.value: r[v].value for v in rows.variables if r[v] is not None} for r in rows]


LINKS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g ?s ?item ?source ?by ?from ?day ?decided ?why WHERE {
  GRAPH ?g {
    ?s owl:sameAs ?item .
    ?st rdf:subject ?s ; rdf:predicate owl:sameAs ; rdf:object ?item ;
        dct:source ?source ; dct:contributor ?by ; dct:date ?day ; dct:description ?why ;
        dct:dateAccepted ?decided .
    OPTIONAL { ?st prov:wasDerivedFrom ?from }
  }
} ORDER BY ?s"""


def test_reviewed_links_are_built_with_their_provenance_and_shown(
    settings: Settings, wikidata: str
) -> None:
    run.propose_links(settings, open_store(settings), wikidata, day=DAY)
    rows = review_rows(settings)
    for r in rows:
        pair = (r["entity"], r["wikidata"].removeprefix(WD))
        if pair in {
            (MUN + "21009", "Q99999900009"),
            (ORG + "synthetic-maison-des-arts", "Q99999910003"),
        }:
            r["decision"], r["reviewer"] = "accept", "A. Reviewer"
        elif pair == (ORG + "synthetic-maison-des-arts", "Q99999910004"):
            r["decision"], r["reviewer"], r["note"] = "reject", "A. Reviewer", "another city"
    write_rows(settings, rows)
    summary = run.apply_links(settings, DAY)
    assert summary.accepted == 2
    decided = {r["wikidata"]: r["decided"] for r in review_rows(settings) if r["decision"]}
    assert set(decided.values()) == {"2026-12-07"} and len(decided) == 3
    build.run(settings)
    try:
        _check_built_links(settings, wikidata, len(rows))
    finally:  # the module's store without the links again, for the other tests
        shutil.rmtree(settings.root / "data/links")
        build.run(settings)


def _check_built_links(settings: Settings, wikidata: str, proposed: int) -> None:

    found = _quads(settings, LINKS)
    assert [(f["s"], f["item"].removeprefix(WD)) for f in found] == [
        (MUN + "21009", "Q99999900009"),
        (ORG + "synthetic-maison-des-arts", "Q99999910003"),
    ]
    assert {f["g"] for f in found} == {BASE + "graph/links/wikidata"}
    assert all(f["source"] == wikidata and f["by"] == "A. Reviewer" for f in found)
    assert all(f["day"] == f["decided"] == "2026-12-07" for f in found)
    assert found[0]["from"] == WD + "statement/Q99999900009-nis"
    assert "P1567" in found[0]["why"] and "P131" in found[1]["why"]

    with app_client(create_app(settings)) as client:
        page = client.get("/id/municipality/21009", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert f'href="{WD}Q99999900009"' in page.text
        ttl = client.get("/id/municipality/21009.ttl")
        assert f"{WD}Q99999900009" in ttl.text

    # proposing again keeps the decisions and leaves linked entities alone
    again = run.propose_links(settings, open_store(settings), wikidata, day=DAY)
    after = by_pair(review_rows(settings))
    assert after[(ORG + "synthetic-maison-des-arts", "Q99999910004")]["decision"] == "reject"
    assert after[(ORG + "synthetic-maison-des-arts", "Q99999910004")]["note"] == "another city"
    assert again.added == 0 and again.accepted == 2
    assert len(after) == proposed
    # a rejected link takes its statement out of the links graph
    rows = review_rows(settings)
    for r in rows:
        if r["wikidata"] == WD + "Q99999910003":
            r["decision"] = "reject"
    write_rows(settings, rows)
    assert run.apply_links(settings).accepted == 1
    assert "Q99999910003" not in (settings.root / run.LINKS).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"decision": "maybe"}, "decision 'maybe'"),
        ({"decision": "accept"}, "names its reviewer"),
        ({"wikidata": "https://www.wikidata.org/wiki/Q1"}, "not a Wikidata item IRI"),
    ],
)
def test_a_bad_review_row_is_named_by_file_and_line(
    settings: Settings, wikidata: str, change: dict[str, str], message: str
) -> None:
    run.propose_links(settings, open_store(settings), wikidata, day=DAY)
    rows = review_rows(settings)
    rows[1].update(change)
    write_rows(settings, rows)
    with pytest.raises(ReviewFileError) as err:
        run.apply_links(settings)
    assert str(err.value).startswith("data/links/wikidata-review.csv:3: ")
    assert message in str(err.value)


def test_two_accepted_items_for_one_entity_are_refused(settings: Settings, wikidata: str) -> None:
    run.propose_links(settings, open_store(settings), wikidata, day=DAY)
    rows = review_rows(settings)
    for r in rows:
        if r["entity"] == MUN + "21015":
            r["decision"], r["reviewer"] = "accept", "A. Reviewer"
    write_rows(settings, rows)
    with pytest.raises(ReviewFileError, match="also accepted on line"):
        run.apply_links(settings)


def test_an_ambiguous_row_is_never_accepted_automatically(
    settings: Settings, wikidata: str
) -> None:
    run.propose_links(settings, open_store(settings), wikidata, day=DAY)
    rows = review_rows(settings)
    line = next(i for i, r in enumerate(rows) if r["ambiguous"] == "yes")
    rows[line].update(decision="accept", reviewer="auto (unique identifier match)")
    write_rows(settings, rows)
    with pytest.raises(ReviewFileError, match=f":{line + 2}: an ambiguous proposal"):
        run.apply_links(settings)


def test_the_command(settings: Settings, wikidata: str) -> None:
    env = {
        "KG_ROOT": str(settings.root),
        "KG_VAR": str(settings.var),
        "KG_WIKIDATA_ENDPOINT": wikidata,
    }
    result = CliRunner().invoke(cli, ["link", "wikidata", "--accept-identifiers"], env=env)
    assert result.exit_code == 0, result.output
    assert "accepted as unique identifier matches" in result.output
    assert "3 accepted links in data/links/wikidata.ttl" in result.output
    rows = review_rows(settings)
    rows[0]["decision"] = "later"
    write_rows(settings, rows)
    result = CliRunner().invoke(cli, ["link", "wikidata", "--apply"], env=env)
    assert result.exit_code == 1
    assert "data/links/wikidata-review.csv:2: decision 'later'" in result.output
    result = CliRunner().invoke(cli, ["link", "wikidata", "--only", "places"], env=env)
    assert result.exit_code == 2 and "--only takes municipality" in result.output


def test_only_some_kinds(settings: Settings, wikidata: str) -> None:
    run.propose_links(settings, open_store(settings), wikidata, day=DAY, only=["municipality"])
    assert {r["kind"] for r in review_rows(settings)} == {"municipality"}


def test_values_are_bound_as_terms_not_pasted(wikidata: str) -> None:
    """A name that would close the pattern and match every item if it were pasted."""
    hostile = Literal('x"@fr } UNION { ?item ?any ?key } #', language="fr")
    with SparqlEndpoint(wikidata) as wd:
        assert list(wd.select(ORGANISATIONS_BY_NAME, ["key"], [[hostile]])) == []
        found = list(
            wd.select(ORGANISATIONS_BY_NAME, ["key"], [[Literal("Studio Sud", language="fr")]])
        )
    assert [r["item"] for r in found] == [NamedNode(WD + "Q99999910002")]


def test_an_endpoint_that_cannot_be_reached_is_a_clear_error(settings: Settings) -> None:
    from kg.errors import ExternalEndpointError

    with pytest.raises(ExternalEndpointError, match="cannot be reached"):
        run.propose_links(settings, open_store(settings), "http://127.0.0.1:9/sparql", day=DAY)
    assert not (settings.root / run.REVIEW).exists()
