"""Full-text search: the side index built from the real data, ranking and facets on a small
hand-made graph, autocomplete latency measured for real, hostile input over HTTP."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import NamedNode, RdfFormat

from endpoint.app import create_app
from kg.namespaces import DEFAULT_BASE, all_prefixes
from kg.publish import search as kgsearch
from kg.publish import searchtext
from kg.publish.autocomplete import autocomplete
from kg.publish.search import search, snippet
from kg.publish.searchindex import INDEX_FILE, build_index, index_path_for
from kg.publish.searchtext import fts_query, normalise, tokens
from kg.settings import Settings
from kg.store import EmbeddedStore
from kg.store.cache import StoreCache
from tests.asgi import app_client

NS = all_prefixes(DEFAULT_BASE)
MUN = NS["mun"]
ORGS = NS["o"]
SECTOR = NS["sector"]
CCI = NS["cci"]
ORG = NS["org"]

HOSTILE = [
    '"',
    '""',
    "'",
    "\"'; DROP TABLE entity; --",
    "NEAR(",
    "NEAR(a b, 2)",
    '"atelier" NEAR "mode"',
    "*",
    "-",
    "-atelier",
    "atelier*",
    "^atelier",
    "names: atelier",
    "{names alt}: x",
    "a AND OR NOT b",
    "(((",
    "}{",
    "{{ 7*7 }}",
    "<script>alert('x')</script>",
    "<b>",
    "SELECT * WHERE { ?s ?p ?o }",
    "} . ?s ?p ?o . FILTER(",
    "\\",
    "\x00",
    "%00",
    "a" * 10_000,
    "été " * 2_500,
    "🎭🎨",
    "\u0301\u0301",
]


# ---------------------------------------------------------------------------------------
# The real data
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_index(built: Settings) -> Path:
    """The index the build made beside the store."""
    path = index_path_for(built.store_path)
    assert path.exists(), "kg build writes the search index beside the store"
    return path


@pytest.fixture(scope="module")
def client(built: Settings, real_index: Path) -> Iterator[httpx.Client]:
    """The real app, reached in-process."""
    with app_client(create_app(built)) as http:
        yield http


def iris(result: kgsearch.SearchResult) -> list[str]:
    return [h.iri for h in result.hits]


def test_index_holds_every_kind_of_entity(real_index: Path) -> None:
    with sqlite3.connect(real_index.as_uri() + "?mode=ro", uri=True) as conn:
        kinds = {row[0] for row in conn.execute("SELECT DISTINCT kind FROM entity")}
        total = conn.execute("SELECT COUNT(*) FROM entity").fetchone()[0]
        facets = {row[0] for row in conn.execute("SELECT DISTINCT facet FROM term")}
    for kind in ("Municipality", "CulturalPlace", "Project", "Publication", "Event"):
        assert CCI + kind in kinds
    assert NS["foaf"] + "Person" in kinds
    assert any(k.startswith(CCI) and k.endswith("Network") for k in kinds)
    assert total > 500
    assert facets == {"kind", "sector", "service", "audience", "municipality"}


def test_bruxelles_finds_the_entities_named_bruxelles(real_index: Path) -> None:
    result = search(real_index, "bruxelles", "fr", {})
    assert result.hits[0].iri == MUN + "21004"
    assert result.hits[0].label == "Bruxelles" and result.hits[0].tier == 0
    assert result.total > 5
    assert all("bruxelles" in normalise(h.label) for h in result.hits if h.tier < 2)
    # the same in capitals, and the Dutch reader sees the Dutch name
    assert iris(search(real_index, "BRUXELLES", "fr", {})) == iris(result)
    assert search(real_index, "bruxelles", "nl", {}).hits[0].label == "Brussel"


def test_schaerbeek_and_schaarbeek_find_the_municipality(real_index: Path) -> None:
    for q in ("schaerbeek", "Schaerbeek", "schaarbeek", "SCHAARBEEK"):
        result = search(real_index, q, "fr", {})
        assert result.hits[0].iri == MUN + "21015", q
        assert result.hits[0].tier == 0 and result.hits[0].label == "Schaerbeek"
    assert search(real_index, "schaarbeek", "nl", {}).hits[0].label == "Schaarbeek"


def test_accents_are_ignored(real_index: Path) -> None:
    plain = search(real_index, "theatre", "fr", {}, per_page=100)
    assert plain.total >= 10
    labels = [h.label for h in plain.hits]
    assert any("Théâtre" in label for label in labels)
    assert any("THEATRE" in label for label in labels)
    for variant in ("théâtre", "THÉÂTRE", "Theatre"):
        assert iris(search(real_index, variant, "fr", {}, per_page=100)) == iris(plain)


def test_words_in_any_order(real_index: Path) -> None:
    project = NS["prj"] + "media-clusters-brussels"
    assert iris(search(real_index, "media clusters", "en", {}))[0] == project
    assert project in iris(search(real_index, "clusters media", "en", {}))


def test_facets_narrow_results_and_count_them(real_index: Path) -> None:
    everything = search(real_index, "bruxelles", "fr", {}, per_page=100)
    kinds = {v.value: v.count for v in everything.facets["kind"]}
    place = CCI + "CulturalPlace"
    assert kinds[place] == sum(1 for h in everything.hits if h.kind == place)
    narrowed = search(real_index, "bruxelles", "fr", {"kind": [place]}, per_page=100)
    assert narrowed.total == kinds[place] < everything.total
    assert {h.kind for h in narrowed.hits} == {place}
    selected = [v for v in narrowed.facets["kind"] if v.selected]
    assert [(v.value, v.count) for v in selected] == [(place, narrowed.total)]


def test_a_filter_nobody_has_finds_nothing_and_stays_shown(client: httpx.Client) -> None:
    # what the KPI dashboard links its 0 cells to: a kind no entity has
    nobody = CCI + "KindNobodyHas"
    body = client.get("/search", params={"kind": nobody, "format": "json"}).json()
    assert body["total"] == 0 and body["results"] == []
    assert [(v["value"], v["selected"]) for v in body["facets"]["kind"]] == [(nobody, True)]
    page = client.get("/search", params={"kind": nobody, "lang": "en"})
    assert page.status_code == 200
    assert re.search(rf'name="kind" value="{re.escape(nobody)}" checked', page.text)
    assert 'class="search-hits"' not in page.text
    assert "/search?lang=en" in page.text  # the link that clears the filters


def test_autocomplete_answers_prefixes(real_index: Path) -> None:
    first = autocomplete(real_index, "schaer", "fr")
    assert first[0].iri == MUN + "21015" and first[0].label == "Schaerbeek"
    dutch = autocomplete(real_index, "schaar", "fr")
    assert dutch[0].iri == MUN + "21015" and dutch[0].matched == "Schaarbeek"
    prefixes = [
        p[:n]
        for p in (
            "bruxelles",
            "schaerbeek",
            "théâtre",
            "hub",
            "media",
            "ixelles",
            "flanders",
            "creative",
            "musée",
            "anderlecht",
            "brussels creative",
            "atelier",
            "zz",
            "x",
        )
        for n in range(1, len(p) + 1)
    ]
    # its speed is a benchmark figure (bench/search.py, autocomplete p99), not asserted here
    cache = StoreCache()  # the index stays open across calls, as in the server
    for i, q in enumerate(prefixes):
        found = autocomplete(real_index, q, ("fr", "nl", "en")[i % 3], cache=cache)
        assert len(found) <= 10 and len({s.iri for s in found}) == len(found), q
    assert autocomplete(real_index, "zz", "fr", cache=cache) == []


def test_hostile_input_never_raises(real_index: Path) -> None:
    for q in HOSTILE:
        result = search(real_index, q, "fr", {"sector": [q], "bogus": [q]}, page=-3, per_page=0)
        # no sector is named so: nothing found; page and size clamped into range
        assert (result.total, result.hits, result.page) == (0, [], 1), q
        assert result.per_page >= 1 and len(result.query) <= searchtext.MAX_QUERY_CHARS
        autocomplete(real_index, q, "xx", limit=-1)


def test_hostile_input_gets_a_normal_page(client: httpx.Client) -> None:
    for q in HOSTILE:
        for params in (
            {"q": q},
            {"q": q, "format": "json", "page": q[:50], "per_page": q[:50]},
            {"q": q, "sector": q[:3000], "kind": q[:3000], "lang": q[:50], "page": "9" * 30},
        ):
            response = client.get("/search", params=params)
            assert response.status_code == 200, (q[:40], response.text[:300])
            if response.headers["content-type"].startswith("text/html"):
                assert "<script>alert" not in response.text
        auto = client.get("/api/autocomplete", params={"q": q, "lang": q[:20], "limit": q[:20]})
        assert auto.status_code == 200 and isinstance(auto.json(), list)
    long = client.get("/search", params={"q": "bruxelles " + "x" * 10_000, "format": "json"})
    assert long.status_code == 200 and len(long.json()["query"]) == searchtext.MAX_QUERY_CHARS


def test_json_twin(client: httpx.Client) -> None:
    by_param = client.get("/search", params={"q": "schaerbeek", "format": "json"})
    by_accept = client.get(
        "/search", params={"q": "schaerbeek"}, headers={"Accept": "application/json"}
    )
    html = client.get("/search", params={"q": "schaerbeek"}, headers={"Accept": "text/html"})
    assert by_param.headers["content-type"].startswith("application/json")
    assert by_param.json() == by_accept.json()
    body = by_param.json()
    first = body["results"][0]
    assert first["iri"] == MUN + "21015" and first["match"] == "exact"
    assert first["href"] == "/id/municipality/21015?lang=fr"
    assert body["total"] == len(body["results"]) and "kind" in body["facets"]
    assert html.headers["content-type"].startswith("text/html")
    assert 'rel="alternate"' in html.headers["link"]


def vary(response: object) -> set[str]:
    header: str = response.headers.get("vary", "")  # type: ignore[attr-defined]
    return {v.strip().lower() for v in header.split(",") if v.strip()}


def test_answers_in_the_readers_language_vary_with_accept_language(client: httpx.Client) -> None:
    html = client.get("/search", params={"q": "schaerbeek"}, headers={"Accept": "text/html"})
    as_json = client.get("/search", params={"q": "schaerbeek", "format": "json"})
    auto = client.get("/api/autocomplete", params={"q": "schaer"})
    for response in (html, as_json):
        assert vary(response) >= {"accept", "accept-language"}
    assert "accept-language" in vary(auto)


def test_search_refuses_formats_it_cannot_give(client: httpx.Client) -> None:
    for accept in ("text/turtle", "image/png, application/xml;q=0.5"):
        refused = client.get("/search", params={"q": "schaerbeek"}, headers={"Accept": accept})
        assert refused.status_code == 406, accept
        error = refused.json()["error"]
        assert error["type"] == "NotAcceptable" and "text/html" in error["message"]
        assert "accept" in vary(refused)
    assert client.get("/search", params={"format": "turtle"}).status_code == 406
    # ?format= overrides Accept, as on entity pages; anything also gets HTML
    named = client.get("/search", params={"format": "json"}, headers={"Accept": "text/turtle"})
    assert named.status_code == 200 and named.json()["total"] > 0
    anything = client.get("/search", headers={"Accept": "*/*"})
    assert anything.headers["content-type"].startswith("text/html")


def test_search_page_in_the_readers_language(client: httpx.Client) -> None:
    page = client.get("/search", params={"q": "schaarbeek", "lang": "nl"})
    assert page.status_code == 200
    assert "Schaarbeek</a>" in page.text and 'href="/id/municipality/21015?lang=nl"' in page.text
    assert 'name="municipality"' in page.text and "/static/app/search.js" in page.text
    english = client.get("/search", params={"q": "schaarbeek"}, headers={"Accept-Language": "en"})
    assert "Municipality" in english.text and "results" in english.text


def test_autocomplete_api(client: httpx.Client) -> None:
    response = client.get("/api/autocomplete", params={"q": "schaar", "lang": "nl"})
    assert response.status_code == 200
    first = response.json()[0]
    assert first["iri"] == MUN + "21015" and first["label"] == "Schaarbeek"
    assert first["href"] == "/id/municipality/21015?lang=nl" and first["kind"]
    assert client.get("/api/autocomplete", params={"q": ""}).json() == []


def test_static_script(client: httpx.Client) -> None:
    script = client.get("/static/app/search.js")
    assert script.status_code == 200 and "/api/autocomplete" in script.text
    assert "innerHTML" not in script.text  # suggestions are inserted as text
    assert client.get("/static/app/search.css").status_code == 200


# ---------------------------------------------------------------------------------------
# A small hand-made graph: ranking, facets, paging, escaping
# ---------------------------------------------------------------------------------------

TINY = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix legal: <http://www.w3.org/ns/legal#> .
@prefix cci: <https://data.creative.brussels/ontology#> .
@prefix o: <https://data.creative.brussels/id/organisation/> .
@prefix p: <https://data.creative.brussels/id/person/> .
@prefix mun: <https://data.creative.brussels/id/municipality/> .
@prefix sector: <https://data.creative.brussels/id/concept/sector/> .
@prefix service: <https://data.creative.brussels/id/concept/service/> .
@prefix scheme: <https://data.creative.brussels/id/scheme/> .

cci:Fablab rdfs:subClassOf org:Organization ; rdfs:label "fablab"@fr , "fablab"@en .
cci:Company rdfs:subClassOf org:Organization ; rdfs:label "entreprise"@fr , "company"@en .
cci:Municipality rdfs:label "commune"@fr , "municipality"@en .
scheme:sectors skos:prefLabel "secteurs"@fr , "sectors"@en .

mun:21004 a cci:Municipality ; skos:prefLabel "Bruxelles"@fr , "Brussel"@nl .
mun:21015 a cci:Municipality ; skos:prefLabel "Schaerbeek"@fr , "Schaarbeek"@nl .
sector:design a skos:Concept ; skos:inScheme scheme:sectors ; skos:prefLabel "design"@fr .
sector:fashion a skos:Concept ; skos:inScheme scheme:sectors ;
    skos:prefLabel "mode"@fr , "fashion"@en .

o:atelier a org:Organization , foaf:Agent , cci:Fablab ;
    skos:prefLabel "Atelier"@fr ;
    dct:description "Un fablab à Bruxelles."@fr ;
    cci:sector sector:design ; cci:municipality mun:21004 .
o:atelier-mode a org:Organization , foaf:Agent , cci:Company ;
    skos:prefLabel "Atelier Mode"@fr , "Fashion Workshop"@en ;
    skos:altLabel "AM"@fr ; legal:legalName "Atelier Mode SRL" ;
    cci:sector sector:fashion , sector:design ; cci:municipality mun:21015 .
o:grand-atelier a org:Organization , foaf:Agent ;
    skos:prefLabel "Le Grand Atelier"@fr ;
    cci:sector sector:fashion ; cci:municipality mun:21015 .
o:studio a org:Organization , foaf:Agent ;
    skos:prefLabel "Studio Nord"@fr ;
    dct:description "Un atelier partagé au nord de la ville, avec des machines et des ateliers du soir."@fr .
o:ateliers a org:Organization , foaf:Agent ;
    skos:prefLabel "Ateliers réunis"@fr .
o:html a org:Organization , foaf:Agent ;
    skos:prefLabel "<b>Bold</b> & \\"Co\\" <script>alert(1)</script>"@fr ;
    dct:description "Atelier <i>sans</i> balises & co."@fr .
p:ana a foaf:Person ; foaf:name "Ana Atelier" .
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose serving store (an empty directory) has the tiny graph's index."""
    var = tmp_path_factory.mktemp("tiny-var")
    build_dir = var / "stores" / "tiny"
    (build_dir / "store").mkdir(parents=True)
    (var / "store").symlink_to(Path("stores") / "tiny" / "store")
    settings = Settings(var_dir=var)
    store = EmbeddedStore.open(None)
    graph = NamedNode(DEFAULT_BASE + "graph/test/tiny")
    store.raw.load(TINY.encode(), RdfFormat.TURTLE, to_graph=graph)
    build_index(settings, store, build_dir)
    return settings


@pytest.fixture(scope="module")
def tiny_index(tiny: Settings) -> Path:
    return index_path_for(tiny.store_path)


def test_ranking_exact_then_prefix_then_words(tiny_index: Path) -> None:
    result = search(tiny_index, "atelier", "fr", {})
    assert iris(result)[0] == ORGS + "atelier"
    assert set(iris(result)[1:3]) == {ORGS + "atelier-mode", ORGS + "ateliers"}
    assert [h.tier for h in result.hits] == [0, 1, 1, 2, 2, 2, 2]
    rest = iris(result)[3:]
    # names weigh more than descriptions
    assert rest.index(ORGS + "grand-atelier") < rest.index(ORGS + "studio")
    assert set(rest) == {
        ORGS + "grand-atelier",
        ORGS + "studio",
        ORGS + "html",
        NS["p"] + "ana",
    }
    # an alternative name or a legal name is a name too
    assert iris(search(tiny_index, "AM", "fr", {}))[0] == ORGS + "atelier-mode"
    assert search(tiny_index, "atelier mode srl", "fr", {}).hits[0].tier == 0
    # a name in another language is an exact match too, shown in the reader's language
    workshop = search(tiny_index, "fashion workshop", "fr", {}).hits[0]
    assert (workshop.iri, workshop.tier, workshop.label) == (
        ORGS + "atelier-mode",
        0,
        "Atelier Mode",
    )


def test_every_word_must_match(tiny_index: Path) -> None:
    assert iris(search(tiny_index, "grand atelier", "fr", {})) == [ORGS + "grand-atelier"]
    assert iris(search(tiny_index, "atelier grand", "fr", {})) == [ORGS + "grand-atelier"]
    assert search(tiny_index, "atelier introuvable", "fr", {}).total == 0


def test_facets_and_counts(tiny_index: Path) -> None:
    result = search(tiny_index, "atelier", "fr", {})
    counts = {name: {v.value: v.count for v in values} for name, values in result.facets.items()}
    assert counts["sector"] == {SECTOR + "design": 2, SECTOR + "fashion": 2}
    assert counts["municipality"] == {MUN + "21004": 1, MUN + "21015": 2}
    assert counts["kind"][ORG + "Organization"] == 6
    assert counts["kind"][CCI + "Fablab"] == 1
    labels = {v.value: v.label for v in result.facets["sector"]}
    assert labels[SECTOR + "fashion"] == "mode"
    assert {v.value: v.label for v in search(tiny_index, "atelier", "en", {}).facets["sector"]}[
        SECTOR + "fashion"
    ] == "fashion"

    fashion = search(tiny_index, "atelier", "fr", {"sector": [SECTOR + "fashion"]})
    assert set(iris(fashion)) == {ORGS + "atelier-mode", ORGS + "grand-atelier"}
    assert {v.value: v.count for v in fashion.facets["sector"]} == {
        SECTOR + "fashion": 2,
        SECTOR + "design": 1,
    }
    assert [v.value for v in fashion.facets["sector"] if v.selected] == [SECTOR + "fashion"]
    # values of one facet and of several facets must all hold
    both = search(tiny_index, "atelier", "fr", {"sector": [SECTOR + "fashion", SECTOR + "design"]})
    assert iris(both) == [ORGS + "atelier-mode"]
    bruxelles = search(
        tiny_index, "", "fr", {"sector": [SECTOR + "design"], "municipality": [MUN + "21004"]}
    )
    assert iris(bruxelles) == [ORGS + "atelier"]
    # a value the index does not know is one nobody has: no result, not an error, and
    # still listed as selected (count 0) so that it can be unticked
    unknown = search(tiny_index, "atelier", "fr", {"sector": ["urn:nothing"]})
    assert unknown.total == 0 and unknown.hits == []
    assert unknown.selected == {"sector": ["urn:nothing"]}
    assert [(v.value, v.count, v.selected) for v in unknown.facets["sector"]] == [
        ("urn:nothing", 0, True)
    ]
    assert search(tiny_index, "", "fr", {"kind": [CCI + "Nobody"]}).total == 0


def test_concepts_have_their_scheme_as_kind(tiny_index: Path) -> None:
    hit = search(tiny_index, "mode", "fr", {}).hits[0]
    assert hit.iri == SECTOR + "fashion" and hit.kind_label == "secteurs"
    kinds = {v.value for v in search(tiny_index, "mode", "fr", {}).facets["kind"]}
    assert NS["scheme"] + "sectors" in kinds


def test_paging(tiny_index: Path) -> None:
    everything = search(tiny_index, "", "fr", {}, per_page=100)
    assert everything.total == 11  # 7 organisations and people, 2 municipalities, 2 sectors
    seen: list[str] = []
    for page in range(1, 5):
        result = search(tiny_index, "", "fr", {}, page=page, per_page=3)
        assert result.pages == 4 and result.page == page and result.total == 11
        seen += iris(result)
    assert seen == iris(everything) and len(set(seen)) == 11
    assert search(tiny_index, "", "fr", {}, page=99, per_page=3).page == 4  # the last page
    assert search(tiny_index, "", "fr", {}, page=-1, per_page=3).page == 1


def test_autocomplete_order(tiny_index: Path) -> None:
    found = autocomplete(tiny_index, "atel", "fr")
    assert [s.iri for s in found][:3] == [
        ORGS + "atelier",
        ORGS + "atelier-mode",
        ORGS + "ateliers",
    ]
    # then entities with a name word starting with it
    assert {s.iri for s in found[3:]} == {ORGS + "grand-atelier", NS["p"] + "ana"}
    assert ORGS + "studio" not in [s.iri for s in found]  # a description is not a name
    assert [s.iri for s in autocomplete(tiny_index, "atel", "fr", limit=2)] == [
        ORGS + "atelier",
        ORGS + "atelier-mode",
    ]
    fashion = autocomplete(tiny_index, "fashion w", "fr")
    assert fashion[0].label == "Atelier Mode" and fashion[0].matched == "Fashion Workshop"
    assert autocomplete(tiny_index, "", "fr") == [] and autocomplete(tiny_index, "!!", "fr") == []


def test_html_escapes_labels(tiny: Settings) -> None:
    with app_client(create_app(tiny)) as client:
        page = client.get("/search", params={"q": "bold"})
        described = client.get("/search", params={"q": "balises"})
        auto = client.get("/api/autocomplete", params={"q": "<b>bold"}).json()
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "<b>Bold" not in page.text
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &#34;Co&#34;" in page.text
    assert "<i>sans</i>" not in described.text and "&lt;i&gt;sans&lt;/i&gt;" in described.text
    assert "<mark>balises</mark>" in described.text
    assert auto[0]["label"].startswith("<b>Bold</b>")  # JSON carries the text as it is


def test_index_follows_the_serving_store(tmp_path: Path) -> None:
    for build in ("a", "b"):
        (tmp_path / "stores" / build / "store").mkdir(parents=True)
    link = tmp_path / "store"
    link.symlink_to("stores/a/store")
    assert index_path_for(link).resolve() == (tmp_path / "stores" / "a" / INDEX_FILE).resolve()
    link.unlink()
    link.symlink_to("stores/b/store")
    assert index_path_for(link).resolve() == (tmp_path / "stores" / "b" / INDEX_FILE).resolve()


def test_missing_index_is_a_503(tmp_path: Path) -> None:
    (tmp_path / "stores" / "x" / "store").mkdir(parents=True)
    (tmp_path / "store").symlink_to("stores/x/store")
    with app_client(create_app(Settings(var_dir=tmp_path))) as client:
        response = client.get("/search", params={"q": "x"})
    assert response.status_code == 503 and "kg build" in response.json()["error"]["message"]


# ---------------------------------------------------------------------------------------
# Text folding and FTS quoting
# ---------------------------------------------------------------------------------------


def test_tokens_fold_case_and_accents() -> None:
    assert tokens("Théâtre-Poème, Schaerbeek!") == ["theatre", "poeme", "schaerbeek"]
    assert normalise("  ÉCOLE   nationale ") == "ecole nationale"
    assert tokens('NEAR("x" * -y)') == ["near", "x", "y"]


def test_fts_query_quotes_every_word() -> None:
    assert fts_query(["near", "x"]) == '"near"* "x"*'
    assert fts_query(['a"b']) == '"a""b"*'
    assert fts_query(["x"], ("names", "alt")) == '{names alt} : ("x"*)'


def test_snippet_marks_matches_and_cuts_long_text() -> None:
    assert snippet("Un atelier partagé", ["atel"]) == (
        ("Un ", False),
        ("atelier", True),
        (" partagé", False),
    )
    text = "mot " * 200 + "Théâtre final " + "fin " * 100
    parts = snippet(text, ["theatre"], width=120)
    joined = "".join(t for t, _ in parts)
    assert ("Théâtre", True) in parts and joined.startswith("…") and joined.endswith("…")
    assert len(joined) < 140
