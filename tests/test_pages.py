"""The linked-data pages (endpoint/entitypage.py and the other page routes,
kg/entityview.py and the other page views): dereferencing with content negotiation,
the entity, concept, ontology and listing pages, the home page and the sitemap; over
HTTP on a loopback port over the real build, then in a real headless Chromium."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from pyoxigraph import RdfFormat, parse

from endpoint.app import create_app
from kg.build import pipeline as build
from kg.jsonld import context_document
from kg.settings import Settings
from kg.store import GraphStore
from kg.views.describe import describe
from kg.views.entity import entity_view
from kg.views.model import LIST_PAGE
from kg.views.vocabcache import remember, vocabulary
from tests.asgi import app_client
from tests.browser import (
    ARTIFACTS,
    LOOPBACK,
    Chromium,
)
from tests.conftest import ROOT
from tests.jsonld import inlined

BASE = Settings().base
HUB = BASE + "id/organisation/hub-brussels"
LUSTRERIE = BASE + "id/organisation/la-lustrerie"
ALL_CCI = BASE + "id/concept/sector/all-cci"
BRUSSELS = BASE + "id/municipality/21004"
PLACE = BASE + "id/place/urbis-culture-2014-942261"  # a culture point, with coordinates
RDF_MEDIA = {
    "text/turtle": RdfFormat.TURTLE,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
}
SUFFIX = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples"}
SUFFIX |= {"rdf": "application/rdf+xml", "html": "text/html", "json": "application/json"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def app(built: Settings) -> FastAPI:
    """The app ``client`` serves, for the tests that read its store directly."""
    return create_app(built)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[httpx.Client]:
    with app_client(app) as http:
        yield http


def store_of(app: FastAPI) -> GraphStore:
    return app.state.holder.get()


def path_of(iri: str) -> str:
    return "/" + iri[len(BASE) :]


def triples(body: bytes, fmt: RdfFormat) -> set[str]:
    """The statements of an answer; a JSON-LD one with the project's context inlined (the
    context as served is checked in tests/test_catalog.py)."""
    if fmt == RdfFormat.JSON_LD:
        body = inlined(body, context_document(BASE))
    return {str(q.triple) for q in parse(body, fmt)}


def links(response: Any) -> dict[str, str]:
    """``Link`` header -> {type: URL} of the rel="alternate" links."""
    found = {}
    for part in response.headers.get("link", "").split(","):
        match = re.match(r'\s*<([^>]+)>;\s*rel="alternate";\s*type="([^"]+)"', part)
        if match:
            found[match.group(2)] = match.group(1)
    return found


def json_ld(page: str) -> Any:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found, "the page embeds no JSON-LD"
    return json.loads(found.group(1))


# ---- content negotiation -------------------------------------------------------------


@pytest.mark.parametrize("iri", [HUB, ALL_CCI])
def test_every_rdf_format_gives_back_what_describe_says(
    app: FastAPI, client: httpx.Client, iri: str
) -> None:
    expected = {str(t) for t in describe(store_of(app), iri, BASE)}
    assert len(expected) > 10
    for media, fmt in RDF_MEDIA.items():
        response = client.get(path_of(iri), headers={"Accept": media})
        assert response.status_code == 200, (media, response.text[:300])
        assert response.headers["content-type"].split(";")[0] == media
        assert "Accept" in response.headers["vary"]
        assert triples(response.content, fmt) == expected, media
        ext = next(e for e, m in SUFFIX.items() if m == media)
        assert response.headers["content-location"] == f"{path_of(iri)}.{ext}"


def test_describe_holds_the_entity_its_neighbours_and_their_labels(app: FastAPI) -> None:
    found = describe(store_of(app), HUB, BASE)
    text = "\n".join(str(t) for t in found)
    cci = BASE + "ontology#"
    # what it says, what points to it, the neighbours' labels, its reified relationships
    assert (
        f"<{HUB}> <{cci}coLeads> <{BASE}id/organisation/cci-platform-internationalisation-wg>"
        in text
    )
    assert f"<{BASE}id/organisation/cci-platform> <{cci}foundedBy> <{HUB}>" in text
    assert '"Internationalisation Working Group"@en' in text
    assert f"<{BASE}id/relationship/hub-brussels-co-leads-internationalisation-wg>" in text


def test_negotiation_follows_q_values_and_aliases(client: httpx.Client) -> None:
    path = path_of(HUB)
    cases = {
        BROWSER_ACCEPT: "text/html",
        "text/turtle;q=0.5, application/n-triples;q=0.9": "application/n-triples",
        "application/json": "application/json",
        "application/ld+json": "application/ld+json",
        "text/*;q=0.3, text/turtle": "text/turtle",
        "*/*": "text/html",
    }
    for accept, media in cases.items():
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 200, accept
        assert response.headers["content-type"].split(";")[0] == media, accept
    refused = client.get(path, headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert refused.json()["error"]["type"] == "NotAcceptable"
    assert set(links(refused)) >= set(RDF_MEDIA)
    named = {"ttl": "text/turtle", "json": "application/json", "nt": "application/n-triples"}
    for name, media in named.items():
        response = client.get(path, params={"format": name}, headers={"Accept": "text/html"})
        assert response.headers["content-type"].split(";")[0] == media


def test_suffix_urls_name_one_format(app: FastAPI, client: httpx.Client) -> None:
    expected = {str(t) for t in describe(store_of(app), HUB, BASE)}
    for ext, media in SUFFIX.items():
        response = client.get(f"{path_of(HUB)}.{ext}", headers={"Accept": "text/html"})
        assert response.status_code == 200, ext
        assert response.headers["content-type"].split(";")[0] == media, ext
        assert "content-location" not in response.headers
        if media in RDF_MEDIA:
            assert triples(response.content, RDF_MEDIA[media]) == expected, ext
    assert client.get(f"{path_of(HUB)}.nope").status_code == 404


def test_vary_and_link_headers_name_every_twin(client: httpx.Client) -> None:
    for accept in (BROWSER_ACCEPT, "text/turtle", "application/json"):
        response = client.get(path_of(HUB), headers={"Accept": accept})
        assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")]
        alternates = links(response)
        for media in (*RDF_MEDIA, "text/html", "application/json"):
            assert media in alternates, (accept, media)
        assert alternates["text/turtle"].endswith(path_of(HUB) + ".ttl")
        # each advertised twin answers with its type
        twin = client.get(urlsplit(alternates["application/n-triples"]).path)
        assert twin.headers["content-type"].startswith("application/n-triples")


def test_iris_dereference_on_any_host(client: httpx.Client) -> None:
    for host in ("127.0.0.1:8000", "data.creative.brussels", "example.org"):
        response = client.get(path_of(HUB), headers={"Host": host, "Accept": "text/turtle"})
        assert response.status_code == 200
        assert f"<{HUB}>" in response.text or "o:hub-brussels" in response.text
        assert f"//{host}/id/organisation/hub-brussels.ttl" in response.headers["link"]


# ---- unknown IRIs --------------------------------------------------------------------


def test_unknown_iri_is_a_404_page_with_suggestions(client: httpx.Client) -> None:
    path = "/id/organisation/hub-bruxelles"
    page = client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="/id/organisation/hub-brussels?lang=' in page.text
    assert "hub.brussels" in page.text

    for accept in ("application/json", "text/turtle"):
        answer = client.get(path, headers={"Accept": accept})
        assert answer.status_code == 404
        error = answer.json()["error"]
        assert error["type"] == "NotFound"
        assert HUB in [s["iri"] for s in error["suggestions"]]

    # nothing to suggest, and IRIs that are not IRIs, are 404s too
    assert (
        client.get("/id/organisation/zzqx", headers={"Accept": BROWSER_ACCEPT}).status_code == 404
    )
    assert client.get("/id/organisation/a%20b%3Cc%3E").status_code == 404
    assert client.get("/id/organisation/zzqx.ttl").status_code == 404


# ---- the entity page -----------------------------------------------------------------


def test_language_fallback_keeps_the_label_language(client: httpx.Client) -> None:
    # La Lustrerie has a French name only: asked in Dutch, the page shows it, marked fr
    page = client.get(path_of(LUSTRERIE), params={"lang": "nl"}).text
    assert '<html lang="nl">' in page
    assert re.search(r'<h1 lang="fr">La Lustrerie</h1>', page)
    assert "coworkingruimte" in page  # its kind, in Dutch
    # Accept-Language is honoured, ?lang beats it
    page = client.get(path_of(LUSTRERIE), headers={"Accept-Language": "nl-BE,nl;q=0.9"}).text
    assert '<html lang="nl">' in page and "coworkingruimte" in page
    page = client.get(
        path_of(LUSTRERIE), params={"lang": "en"}, headers={"Accept-Language": "nl"}
    ).text
    assert '<html lang="en">' in page and "coworking space" in page
    # the switcher keeps the page and changes the language
    assert 'href="/id/organisation/la-lustrerie?lang=nl"' in page
    body = client.get(path_of(LUSTRERIE), params={"lang": "nl", "format": "json"}).json()
    assert body["label"] == "La Lustrerie" and body["label_lang"] == "fr"


def test_relations_in_both_directions_with_counts_and_details(client: httpx.Client) -> None:
    body = client.get(path_of(HUB), params={"lang": "en", "format": "json"}).json()
    groups = {(g["direction"], g["curie"]): g for g in body["relations"]}
    co_leads = groups[("out", "cci:coLeads")]
    assert co_leads["count"] == 1 and co_leads["label"] == "co-leads"
    detail = co_leads["items"][0]["details"][0]
    assert detail["role"]["label"] == "co-leader"
    assert detail["role_text"] == "co-leader: institutional coordination"
    founded = groups[("in", "cci:foundedBy")]
    assert founded["count"] == 2 and founded["label"] == "founded by"
    assert {i["iri"] for i in founded["items"]} == {
        BASE + "id/organisation/cci-platform",
        BASE + "id/organisation/cci-platform-internationalisation-wg",
    }
    assert {d["start"] for i in founded["items"] for d in i["details"]} == {"2022-06", "2023-03"}
    # in Dutch, the property labels are Dutch
    nl = client.get(path_of(HUB), params={"lang": "nl", "format": "json"}).json()
    assert {g["label"] for g in nl["relations"]} >= {"leidt mee", "opgericht door"}
    page = client.get(path_of(HUB), params={"lang": "en"}).text
    assert re.search(r'<span lang="en">founded by</span> <span class="count">\(2\)</span>', page)
    assert "Internationalisation Working Group" in page
    # working groups, projects, events it takes part in
    assert "cci-platform-internationalisation-wg" in json.dumps(body["takes_part_in"])


def test_every_statement_cites_its_source(client: httpx.Client) -> None:
    body = client.get(path_of(HUB), params={"lang": "en", "format": "json"}).json()
    # the curated document, the project's French and Dutch translation of its summary, and
    # the network metrics the build computed about it
    source, translation, metrics = body["sources"]
    assert source["graph"] == BASE + "graph/curated/seed-001-cci-platform-internationalisation"
    assert translation["graph"] == (
        BASE + "graph/curated/translations/seed-001-cci-platform-internationalisation-fr-nl"
    )
    assert translation["documents"][0]["iri"] == BASE + "id/document/translation-seed-001"
    assert metrics["graph"] == BASE + "graph/derived/network-metrics"
    # the graph cites the three datasets the build computes into it
    assert {d["iri"] for d in metrics["documents"]} == {
        BASE + "id/dataset/" + name
        for name in ("network-metrics", "organisation-network-metrics", "network-in-degree")
    }
    assert {o["sources"][0] for o in body["observations"]} == {3}
    assert source["documents"][0]["iri"] == BASE + "id/document/seed-001"
    assert source["according_to"].startswith("according to « hub.brussels CCI platform")
    for key in ("services", "audiences"):
        assert all(v["sources"] == [1] for v in body[key]), key
    # the English description is the document's, the French and Dutch the translation's
    described = {tuple(v["sources"]) for v in body["description"]}
    assert (1,) in described and described <= {(1,), (2,)}, described
    for group in body["relations"]:
        assert all(item["sources"] for item in group["items"]), group["curie"]
    page = client.get(path_of(HUB), params={"lang": "en"}).text
    assert 'id="source-1"' in page and 'href="#source-1"' in page
    assert (
        "according to" in page and "hub.brussels CCI platform and its Internationalisation" in page
    )
    # an imported place cites its own dataset, with its date
    place = client.get(path_of(PLACE), params={"lang": "fr", "format": "json"}).json()
    [doc] = place["sources"][0]["documents"]
    assert doc["iri"] == BASE + "id/dataset/urbis-culture-2014" and doc["date"] == "2014"


def test_page_shows_place_coordinates_and_map(client: httpx.Client) -> None:
    page = client.get(path_of(PLACE), params={"lang": "fr"}).text
    assert 'id="entity-map"' in page and "/static/lib/leaflet/leaflet.js" in page
    assert re.search(r"50\.8\d+° N, 4\.3\d+° E", page)  # printed, for pages without JS
    data = json_ld(page)
    assert data["@type"] == "Place" and 50 < data["geo"]["latitude"] < 51
    body = client.get(path_of(PLACE), params={"format": "json"}).json()
    assert body["municipality"]["iri"] == BRUSSELS
    # a page without coordinates loads no map
    assert "leaflet" not in client.get(path_of(HUB)).text


def test_entity_page_offers_its_network_neighbourhood(client: httpx.Client) -> None:
    page = client.get(path_of(HUB), params={"lang": "en"}).text
    iri = quote(HUB, safe="")
    # the drawing (hidden until network.js draws it) and its data
    assert re.search(
        rf'<div id="neighbourhood" class="network-graph" hidden\s+data-src="/network/'
        rf'neighbourhood.json\?iri={re.escape(iri)}&amp;hops=1&amp;lang=en"',
        page,
    )
    # without JavaScript: a plain link to the network view, and the form goes there too
    assert f'<a href="/network?iri={iri}&amp;lang=en" data-network-link="neighbourhood">' in page
    form = re.search(r'<form[^>]*data-network-form="neighbourhood".*?</form>', page, re.S)
    assert form and 'action="/network" method="get"' in form.group()
    assert f'name="iri" value="{HUB}"' in form.group()
    assert (
        'name="hops" value="1" checked' in form.group() and 'name="hops" value="2"' in form.group()
    )
    # every relation type can be chosen, its own first with their counts
    rel = re.findall(r'name="rel" value="([^"]+)"', form.group())
    assert {"co-leads", "founded-by", "member-of"} <= set(rel)
    assert rel.index("founded-by") < rel.index("member-of")
    assert re.search(r'value="founded-by">\s*<span>founded by</span> <span class="count">2', page)
    # scripts from this server only
    assert '<script src="/static/lib/cytoscape/cytoscape.min.js" defer></script>' in page
    assert '<script src="/static/app/network.js" defer></script>' in page
    assert not re.search(r'<script[^>]+src="(?!/static/)', page)
    target = client.get("/network", params={"iri": HUB, "hops": "2", "rel": rel[0], "lang": "en"})
    assert target.status_code == 200 and "network-edges" in target.text
    # an entity without relations has nothing to draw
    place = client.get(path_of(PLACE), params={"lang": "en"}).text
    assert 'id="neighbourhood"' not in place and "cytoscape" not in place
    # in the three languages
    for lang, title in (("fr", "Voisinage dans le réseau"), ("nl", "Omgeving in het netwerk")):
        assert title in client.get(path_of(HUB), params={"lang": lang}).text


def test_schema_org_json_ld_is_json(client: httpx.Client) -> None:
    data = json_ld(client.get(path_of(HUB), params={"lang": "en"}).text)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Organization" and data["@id"] == HUB
    assert data["name"] == "hub.brussels" and data["description"].startswith("Brussels support")
    person = json_ld(client.get("/id/person/carlo-vuijlsteke").text)
    assert person["@type"] == "Person" and person["name"] == "Carlo Vuijlsteke"
    assert person["affiliation"][0]["@id"] == BASE + "id/organisation/flanders-dc"
    assert "description" not in person and "address" not in person


def test_a_person_page_shows_names_and_public_roles_only(client: httpx.Client) -> None:
    body = client.get("/id/person/carlo-vuijlsteke", params={"format": "json"}).json()
    assert body["person"] is True
    assert [g["curie"] for g in body["relations"]] == ["cci:affiliatedWith"]
    assert body["relations"][0]["items"][0]["details"][0]["role"]["label"]
    assert not body["description"] and not body["identifiers"] and body["address"] is None


def test_large_groups_are_paged(client: httpx.Client) -> None:
    path = path_of(BRUSSELS)
    first = client.get(path, params={"format": "json", "lang": "fr"}).json()
    group = next(g for g in first["relations"] if g["curie"] == "cci:municipality")
    assert group["direction"] == "in" and group["count"] > 100 and group["pages"] > 2
    assert len(group["items"]) == LIST_PAGE and group["page"] == 1
    assert "rel=%5Ecci%3Amunicipality&page=2" in group["next"]
    second = client.get(group["next"] + "&format=json").json()
    group2 = next(g for g in second["relations"] if g["curie"] == "cci:municipality")
    assert group2["page"] == 2
    assert not {i["iri"] for i in group["items"]} & {i["iri"] for i in group2["items"]}
    page = client.get(group["next"]).text
    assert 'rel="prev"' in page and 'rel="next"' in page
    # a page past the end shows the last one
    last = client.get(path, params={"rel": "^cci:municipality", "page": 999, "format": "json"})
    assert (
        next(g for g in last.json()["relations"] if g["curie"] == "cci:municipality")["page"]
        == group["pages"]
    )


def test_an_entity_page_costs_a_handful_of_queries(app: FastAPI) -> None:
    store = store_of(app)
    vocabulary(store, BASE)  # read once per store, not per page
    calls: list[str] = []

    class Counting:
        def query(self, sparql: str, *args: Any, **kwargs: Any) -> Any:
            calls.append(sparql)
            return store.query(sparql, *args, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

    counting: Any = Counting()
    remember(counting, "vocabulary", vocabulary(store, BASE))
    for iri in (HUB, LUSTRERIE, PLACE, BRUSSELS):
        calls.clear()
        entity_view(counting, iri, BASE, lang="nl")
        assert len(calls) <= 8, (iri, len(calls))


# ---- concepts, ontology, listings -----------------------------------------------------


def test_concept_page(client: httpx.Client) -> None:
    page = client.get(path_of(ALL_CCI), params={"lang": "nl"}).text
    assert '<h1 lang="nl">culturele en creatieve industrieën</h1>' in page
    for text in ("industries culturelles et créatives", "cultural and creative industries"):
        assert text in page  # every language's label
    assert "Het geheel van culturele en creatieve activiteiten" in page  # definition
    body = client.get(path_of(ALL_CCI), params={"lang": "en", "format": "json"}).json()
    concept = body["concept"]
    assert set(concept["pref_labels"]) == {"fr", "nl", "en"}
    assert set(concept["definitions"]) == {"fr", "nl", "en"}
    assert BASE + "id/concept/sector/arts-heritage" in {r["iri"] for r in concept["narrower"]}
    used = next(g for g in body["relations"] if g["curie"] == "cci:sector")
    assert used["direction"] == "in" and HUB not in {i["iri"] for i in used["items"]}
    assert BASE + "id/organisation/creative-district" in {i["iri"] for i in used["items"]}
    assert body["observations"], "the sector's figures"
    mapped = client.get("/id/concept/media/advertising", params={"format": "json"}).json()
    assert mapped["concept"]["mappings"], "mappings stated from this concept"
    scheme = client.get("/id/scheme/sectors", params={"format": "json", "lang": "en"}).json()
    assert scheme["concept"]["scheme"] and len(scheme["concept"]["concepts"]) > 10


def test_ontology_page_and_rdf(client: httpx.Client) -> None:
    page = client.get("/ontology", params={"lang": "nl"}, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200
    assert 'id="CreativeHub"' in page.text and "creatieve hub" in page.text
    assert 'id="memberOf"' in page.text and "lid van" in page.text
    assert 'href="/kind/CreativeHub?lang=nl"' in page.text
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert "Accept" in turtle.headers["vary"]
    found = triples(turtle.content, RdfFormat.TURTLE)
    assert any(f"<{BASE}ontology#CreativeHub>" in t and '"creative hub"@en' in t for t in found)
    for ext, media in SUFFIX.items():
        response = client.get(f"/ontology.{ext}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    # ontology terms link to their anchor
    hub = client.get(path_of(HUB), params={"lang": "en"}).text
    # hub.brussels is a support organisation: seed 001 says so, not that it is a public body
    assert 'href="/kind/SupportOrganisation?lang=en"' in hub


@pytest.mark.parametrize(
    "path", ["/sectors", "/services", "/audiences", "/kinds", "/municipalities"]
)
def test_listing_pages_with_counts(client: httpx.Client, path: str) -> None:
    page = client.get(path, params={"lang": "fr"}, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert links(page)["application/json"].endswith(path + "?lang=fr&format=json")
    body = client.get(path, headers={"Accept": "application/json"}).json()
    rows = [r for s in body["sections"] for r in s["rows"]]
    assert rows and sum(r["count"] + r.get("all", 0) for r in rows) > 0
    assert all(r["href"] for r in rows)


def test_kind_page_lists_its_organisations(client: httpx.Client) -> None:
    body = client.get("/kind/SupportOrganisation", params={"format": "json", "lang": "en"}).json()
    assert body["kind"]["label"] == "support organisation"
    assert HUB in {i["iri"] for i in body["items"]} and body["count"] == len(body["items"])
    municipalities = client.get("/municipalities", params={"format": "json"}).json()
    brussels = next(r for r in municipalities["sections"][0]["rows"] if r["iri"] == BRUSSELS)
    assert brussels["all"] > 100
    assert client.get("/kind/NoSuchKind").status_code == 404


def test_home_page(client: httpx.Client) -> None:
    page = client.get("/", params={"lang": "en"}, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200
    # its search box suggests entities as /search's does (search.js, served locally)
    box = re.search(r'<input id="home-q"[^>]*>', page.text)
    assert box and "data-autocomplete" in box.group() and 'autocomplete="off"' in box.group()
    assert '<script src="/static/app/search.js" defer></script>' in page.text
    for href in ("/search", "/map", "/network", "/queries", "/kpi", "/query", "/ontology"):
        assert f'href="{href}' in page.text, href
    body = client.get("/", headers={"Accept": "application/json"}).json()
    figures = body["figures"]
    assert figures["organisations"] > 50 and figures["relations"] > 50
    assert figures["municipalities"] == 19 and figures["sources"] >= 5
    assert figures["sectors"] > 5
    measures = {o["measure"]["iri"] for o in body["sector_figures"]}
    assert BASE + "ontology#numberOfJobs" in measures
    # the published figures, each from a source document; not the build's network metrics
    assert BASE + "ontology#averageDegree" not in measures
    numbers = {n for o in body["sector_figures"] for n in o["sources"]}
    cited = {d["iri"] for s in body["sources"] if s["number"] in numbers for d in s["documents"]}
    assert cited and all(iri.startswith(BASE + "id/document/") for iri in cited)
    assert body["newest"] and all(n["entries"] for n in body["newest"])


def test_sitemap_and_robots(client: httpx.Client) -> None:
    response = client.get("/sitemap.xml")
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = {urlsplit(e.text or "").path for e in root.iter(ns + "loc")}
    for iri in (
        HUB,
        ALL_CCI,
        BRUSSELS,
        PLACE,
        BASE + "id/person/carlo-vuijlsteke",
        BASE + "id/project/media-clusters-brussels",
        BASE + "id/event/numix-lab-2024",
        BASE + "id/publication/cci-sector-overview-belgium-abroad",
        BASE + "id/scheme/sectors",
    ):
        assert path_of(iri) in urls, iri
    assert {"/", "/ontology", "/kinds", "/kind/CreativeHub"} <= urls
    assert not any("/relationship/" in u or "/observation/" in u for u in urls)
    robots = client.get("/robots.txt").text
    # the sitemap's address on the host the reader asked (here the loopback server's)
    assert f"Sitemap: {client.base_url.join('/sitemap.xml')}" in robots


# ---- escaping --------------------------------------------------------------------------

HOSTILE = """
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix legal: <http://www.w3.org/ns/legal#> .
@prefix locn: <http://www.w3.org/ns/locn#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix cci: <https://data.creative.brussels/ontology#> .
@prefix o: <https://data.creative.brussels/id/organisation/> .
@prefix doc: <https://data.creative.brussels/id/document/> .
@prefix mun: <https://data.creative.brussels/id/municipality/> .

<> dct:source doc:test-escaping ; dct:title "Test: hostile names"@en .
doc:test-escaping a cci:SourceDocument , foaf:Document ;
    dct:title "A <b>bold</b> document & co"@en ; cci:sourceFile "test.txt" ;
    dct:issued "2026-12-01"^^xsd:date .

o:script-test a org:Organization , foaf:Agent , cci:Company ;
    skos:prefLabel "<script>alert(1)</script>"@en ;
    dct:description "</script><script>alert(2)</script> \\" ' & <img src=x onerror=alert(3)>"@en ;
    cci:partnerOf o:hub-brussels ;
    owl:sameAs <http://www.wikidata.org/entity/Q239> ;
    legal:legalIdentifier <https://data.creative.brussels/id/organisation/script-test/kbo> ;
    locn:address <https://data.creative.brussels/id/organisation/script-test/address> ;
    locn:geometry <https://data.creative.brussels/id/organisation/script-test/geometry> ;
    cci:municipality mun:21004 .
<https://data.creative.brussels/id/organisation/script-test/kbo> a cci:EnterpriseNumber , adms:Identifier ; skos:notation "0227997708" .
<https://data.creative.brussels/id/organisation/script-test/address> a locn:Address ;
    locn:fullAddress "Rue <Haute> 1, 1000 Bruxelles"@fr ; locn:postCode "1000" .
<https://data.creative.brussels/id/organisation/script-test/geometry> a locn:Geometry , geo:Geometry ;
    geo:asWKT "POINT(4.35 50.84)"^^geo:wktLiteral .
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A copy of the project with an organisation named ``<script>alert(1)</script>``."""
    import shutil

    root = tmp_path_factory.mktemp("hostile") / "project"
    for folder in ("ontology", "shapes", "data", "queries"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, root / folder)
    (root / "data" / "curated" / "test-escaping.ttl").write_text(HOSTILE, encoding="utf-8")
    settings = Settings(root=root, var_dir=root.parent / "var")
    build.run(settings)
    with app_client(create_app(settings)) as http:
        yield http


def test_names_are_escaped_everywhere(hostile: httpx.Client) -> None:
    iri = BASE + "id/organisation/script-test"
    visits: list[tuple[str, dict[str, str | int]]] = [
        (path_of(iri), {"lang": "en"}),
        (path_of(iri), {"lang": "nl"}),
        (path_of(HUB), {"lang": "en"}),  # as a neighbour
        (path_of(BRUSSELS), {"lang": "en", "rel": "^cci:municipality", "page": 1}),
        ("/id/organisation/script", {}),  # as a suggestion
    ]
    for path, params in visits:
        page = hostile.get(path, params=params, headers={"Accept": BROWSER_ACCEPT}).text
        assert "<script>alert" not in page, path
        assert "<img src=x" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "\\u003cscript" in page, path
    page = hostile.get(path_of(iri), params={"lang": "en"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "A &lt;b&gt;bold&lt;/b&gt; document &amp; co" in page
    # the embedded JSON-LD holds the name, escaped so that it cannot close the script
    data = json_ld(page)
    assert data["name"] == "<script>alert(1)</script>"
    assert data["identifier"]["value"] == "0227997708"
    assert "http://www.wikidata.org/entity/Q239" in data["sameAs"]
    # identifiers are links
    assert (
        'href="https://kbopub.economie.fgov.be/kbopub/zoeknummerform.html?nummer=0227997708"'
        in page
    )
    assert 'href="http://www.wikidata.org/entity/Q239"' in page
    assert "Rue &lt;Haute&gt; 1, 1000 Bruxelles" in page
    # the data attribute the map script reads is escaped too
    assert re.search(r'data-label="&lt;script&gt;alert\(1\)&lt;/script&gt;"', page)
    # the JSON twin is JSON, the RDF twins parse
    assert hostile.get(path_of(iri), params={"format": "json"}).json()["label"] == (
        "<script>alert(1)</script>"
    )
    for media, fmt in RDF_MEDIA.items():
        body = hostile.get(path_of(iri), headers={"Accept": media}).content
        assert any("<script>alert(1)</script>" in t for t in triples(body, fmt)), media


def test_the_home_page_shows_the_newest_entries(hostile: httpx.Client) -> None:
    """Newest by the date of the source each graph cites (the test document's, 2026-12-01,
    is the latest), the same order at every request."""
    body = hostile.get("/", params={"format": "json"}).json()
    assert body["newest"][0]["graph"].endswith("graph/curated/test-escaping")
    assert body["newest"][0]["changed"] == "2026-12-01"
    again = hostile.get("/", params={"format": "json"}).json()
    assert [n["graph"] for n in again["newest"]] == [n["graph"] for n in body["newest"]]
    page = hostile.get("/", params={"lang": "en"}).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# ---- in a real browser -----------------------------------------------------------------

#: Map tiles may be requested (they are allowed to fail); the test answers them itself.
TILE_HOSTS = {"tile.openstreetmap.org"}


def grey_tile() -> bytes:
    """A 256×256 light grey PNG, standing in for map tiles."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xe4\xe6\xe8" * 256 for _ in range(256))
    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


TILE = grey_tile()


def test_browsing_to_an_organisation_and_a_place_in_chromium(
    live_url: str, chromium: Chromium
) -> None:
    from playwright.sync_api import ConsoleMessage, Request, Route

    problems: list[str] = []
    foreign: list[str] = []
    tiles: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    def on_request(request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK:
            (tiles if parts.hostname in TILE_HOSTS else foreign).append(request.url)

    def tile(route: Route) -> None:
        route.fulfill(status=200, content_type="image/png", body=TILE)

    ARTIFACTS.mkdir(exist_ok=True)
    with chromium as browser:
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", on_console)
            page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
            page.on("request", on_request)
            page.on(
                "response",
                lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
            )
            for host in TILE_HOSTS:
                page.route(f"https://{host}/**", tile)

            # home -> kinds -> support organisations -> hub.brussels, following links
            page.goto(live_url + "/?lang=en")
            assert page.locator("ul.headline li").count() == 5
            page.screenshot(path=str(ARTIFACTS / "entity-home.png"), full_page=True)
            page.locator("ul.entry-points a", has_text="Kinds of organisation").click()
            page.locator("table.counts a", has_text="support organisation").click()
            page.locator("ol.listing a", has_text="hub.brussels").click()
            page.wait_for_url("**/id/organisation/hub-brussels*")
            assert page.locator("h1").inner_text() == "hub.brussels"
            assert page.locator("#relations .rel-group").count() >= 4
            assert (
                page.locator("#sources li").count() == 3
            )  # document, its translation, network metrics

            # switch to Dutch with the language switcher
            page.locator("nav.languages a[hreflang=nl]").click()
            page.wait_for_url("**lang=nl*")
            assert page.locator("html").get_attribute("lang") == "nl"
            assert "ondersteuningsorganisatie" in page.locator("p.kinds").inner_text()
            assert "opgericht door" in page.locator("#relations").inner_text()
            page.screenshot(path=str(ARTIFACTS / "entity-organisation-nl.png"), full_page=True)

            # a culture place has coordinates: the mini-map renders, with its marker
            page.goto(live_url + path_of(PLACE) + "?lang=nl")
            page.wait_for_selector("#entity-map.leaflet-container .leaflet-marker-icon")
            assert page.locator("#entity-map").is_visible()
            box = page.locator("#entity-map").bounding_box()
            assert box and box["height"] > 150 and box["width"] > 200
            assert "N," in page.locator(".coordinates").inner_text()
            page.wait_for_timeout(300)  # let the tiles settle for the screenshot
            page.screenshot(path=str(ARTIFACTS / "entity-place.png"), full_page=True)

            # a municipality: its outline
            page.goto(live_url + path_of(BRUSSELS) + "?lang=fr")
            page.wait_for_selector("#entity-map.leaflet-container path.leaflet-interactive")
            page.screenshot(path=str(ARTIFACTS / "entity-municipality.png"), full_page=True)
        finally:
            browser.close()

    assert not foreign, f"requests left this machine: {foreign}"
    assert tiles, "the mini-map asked for no tiles"
    assert not problems, "\n".join(problems)


def watch(page: Any) -> list[str]:
    """Console errors, page errors, HTTP errors and requests leaving this machine, as they
    happen on ``page``; map tiles are answered by the test (a grey tile)."""
    problems: list[str] = []
    for host in TILE_HOSTS:
        page.route(
            f"https://{host}/**",
            lambda route: route.fulfill(status=200, content_type="image/png", body=TILE),
        )

    def on_console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    def on_request(request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https", "ws", "wss"):
            return
        if parts.hostname not in LOOPBACK | TILE_HOSTS:
            problems.append(f"request left this machine: {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on("request", on_request)
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    return problems


def test_search_boxes_suggest_and_open_an_entity_in_chromium(
    live_url: str, chromium: Chromium
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium as browser:
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            problems = watch(page)

            # the home page's box: type, see the suggestions, ArrowDown + Enter
            page.goto(live_url + "/?lang=en")
            box = page.locator("#home-q")
            box.press_sequentially("schaer", delay=40)
            suggestions = page.locator("ul.autocomplete[role=listbox] li a")
            suggestions.first.wait_for(timeout=10_000)
            assert "Schaerbeek" in suggestions.first.inner_text()
            assert box.get_attribute("aria-expanded") == "true"
            page.screenshot(path=str(ARTIFACTS / "search-autocomplete-home.png"))
            box.press("ArrowDown")
            assert page.evaluate("() => document.activeElement.textContent").startswith(
                "Schaerbeek"
            )
            page.keyboard.press("Enter")
            page.wait_for_url("**/id/municipality/21015?lang=en")
            assert page.locator("h1").inner_text() == "Schaerbeek"

            # the search page's box: type, click a suggestion
            page.goto(live_url + "/search?lang=en")
            page.locator("#search-q").press_sequentially("hub.bru", delay=40)
            hub = page.locator("ul.autocomplete li a", has_text="hub.brussels").first
            hub.wait_for(timeout=10_000)
            page.screenshot(path=str(ARTIFACTS / "search-autocomplete.png"))
            hub.click()
            page.wait_for_url("**/id/organisation/hub-brussels?lang=en")
            assert page.locator("h1").inner_text() == "hub.brussels"
            page.screenshot(path=str(ARTIFACTS / "search-autocomplete-entity.png"))
        finally:
            browser.close()
    assert not problems, "\n".join(problems)


def test_entity_page_without_javascript(live_url: str, chromium: Chromium) -> None:
    with chromium as browser:
        try:
            page = browser.new_context(java_script_enabled=False).new_page()
            page.goto(live_url + path_of(PLACE) + "?lang=fr")
            assert page.locator("#entity-map").is_hidden()  # no empty box without JS
            assert "° N" in page.locator(".coordinates").inner_text()
            page.goto(live_url + path_of(BRUSSELS) + "?lang=fr")
            page.locator(".pager a[rel=next]").first.click()
            assert "page=2" in page.url
            assert "2 sur" in page.locator(".pager").first.inner_text()
            # the neighbourhood: no drawing, a link and a form to the network view instead
            page.goto(live_url + path_of(HUB) + "?lang=en")
            assert page.locator("#neighbourhood").is_hidden()
            page.locator("a[data-network-link=neighbourhood]").click()
            page.wait_for_url("**/network?iri=*")
            assert page.locator("table.network-edges tbody tr").count() > 3
            page.go_back()
            section = page.locator("#network-neighbourhood")
            section.locator("input[name=hops][value='2']").check()
            section.locator("button[type=submit]").click()
            page.wait_for_url("**/network?*hops=2*")
            assert "hub.brussels" in page.locator("h1").inner_text()
        finally:
            browser.close()


def test_per_relation_type_figures_name_their_relation_type(client: httpx.Client) -> None:
    """The build's in-degree per relation type (network metrics) says which relation it
    counts: the platform's 26 members, not a bare "in-degree" twice."""
    platform = BASE + "id/organisation/flanders-creative-industries-platform"
    body = client.get(path_of(platform), params={"lang": "en", "format": "json"}).json()
    per_type = {
        o["via"]["iri"].rsplit("/", 1)[-1]: o["value"]
        for o in body["observations"]
        if o["measure"]["iri"] == BASE + "ontology#inDegree" and o["via"]
    }
    members = client.get(
        "/sparql",
        params={
            "query": f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ reltype:member-of cci:directProperty ?p . ?m ?p <{platform}> }}"
        },
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert per_type["member-of"] == members and int(members) > 10
    page = client.get(path_of(platform), params={"lang": "en"}).text
    assert re.search(r"in-degree by relation type</a> \(<a [^>]*>member of</a>\)", page)


def test_an_organisation_page_shows_its_three_network_measures(client: httpx.Client) -> None:
    """The build gives each organisation one observation with three measures (no
    qb:measureType): the page shows a figure for each, with the value the store holds."""
    body = client.get(path_of(HUB), params={"lang": "en", "format": "json"}).json()
    shown = {
        o["measure"]["iri"].rsplit("#", 1)[-1]: o["value"]
        for o in body["observations"]
        if "/network-metrics/organisation/" in o["iri"]
    }
    stored = client.get(
        "/sparql",
        params={
            "query": "SELECT ?m ?v WHERE { ?o qb:dataSet ds:organisation-network-metrics ; "
            f"cci:subject <{HUB}> ; ?m ?v . ?m a qb:MeasureProperty }}"
        },
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    assert shown == {b["m"]["value"].rsplit("#", 1)[-1]: b["v"]["value"] for b in stored}
    assert set(shown) == {"degree", "betweenness", "componentSize"}
    assert int(shown["degree"]) > 0
    page = client.get(path_of(HUB), params={"lang": "en"}).text
    for label in ("degree", "betweenness centrality", "component size"):
        assert f">{label}</a>" in page, label
