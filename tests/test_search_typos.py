"""Typo tolerance and "did you mean" (kg.publish.searchfuzzy) on the index of the real
data, in French, Dutch and English: the functions, the page, its JSON twin, autocomplete."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from endpoint.app import create_app
from kg.namespaces import DEFAULT_BASE
from kg.publish.autocomplete import autocomplete
from kg.publish.search import search
from kg.publish.searchfuzzy import correct, distance, max_edits
from kg.publish.searchindex import index_path_for
from kg.publish.searchtext import tokens
from kg.settings import Settings
from tests.asgi import app_client

ID = DEFAULT_BASE + "id/"
HUB = ID + "organisation/hub-brussels"
PLACE = ID + "place/"
HORTA = PLACE + "urbis-culture-2014-944518"  # MUSEE HORTA / HORTA MUSEUM
COPEAU = PLACE + "city-of-brussels-theatres-2014-theatre-du-copeau"
COSTUME = PLACE + "city-of-brussels-cultural-places-2014-costume-and-lace-museum"
PRDD = ID + "publication/projet-prdd-2013"  # "Ontwerp van Gewestelijk Plan voor …"
DESIGN = ID + "concept/sector/design"  # design / vormgeving
KUNSTENLOKET = ID + "organisation/kunstenloket"
CC_SCHAERBEEK = PLACE + "urbis-culture-2014-938303"  # CENTRE CULTUREL DE SCHAERBEEK

#: (query with a typo, reader's language, the entity meant, the suggestion): real names
#: of the built data, in the three languages
TYPOS = [
    ("hub brusels", "fr", HUB, "hub brussels"),
    ("hub.brusels", "en", HUB, "hub.brussels"),
    ("mussee horta", "fr", HORTA, "musee horta"),
    ("muzeum horta", "nl", HORTA, "museum horta"),
    ("Théâtre du Copaeu", "fr", COPEAU, "Théâtre du Copeau"),
    ("ontwrp gewestelijk plan", "nl", PRDD, "ontwerp gewestelijk plan"),
    ("vormgevnig", "nl", DESIGN, "vormgeving"),
    ("kunstenlokt", "nl", KUNSTENLOKET, "kunstenloket"),
    ("Musuem of Costume", "en", COSTUME, "Museum of Costume"),
    ("desing", "en", DESIGN, "design"),
    # every word known, but not together: the English spelling of a French name
    ("centre cultural schaerbeek", "en", CC_SCHAERBEEK, "centre culturel schaerbeek"),
]

#: no crash, whatever is typed
ODD = [
    "a",
    "é",
    "x",
    "b" * 10_000,
    "brusels" * 40,
    "!!!",
    "…·—",
    '"',
    '""',
    "*",
    "brusels*",
    '"hub brusels"',
    "NEAR",
    "NEAR(hub brusels, 2)",
    "hub AND brusels",
    "hub OR NOT brusels",
    "{names}: brusels",
    "-brusels",
    "^brusels",
    "\x00brusels",
    "🎭 brusels",
    "b\u0301rusels",
    "ḃrüşëłś",
    "ab " * 100,
    "brusels " * 30,
]


@pytest.fixture(scope="module")
def index(built: Settings) -> Path:
    return index_path_for(built.store_path)


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(built)) as http:
        yield http


@pytest.mark.parametrize(("query", "lang", "meant", "suggestion"), TYPOS, ids=[t[0] for t in TYPOS])
def test_a_typo_finds_what_was_meant(
    index: Path, query: str, lang: str, meant: str, suggestion: str
) -> None:
    result = search(index, query, lang, {})
    assert meant in [h.iri for h in result.hits], (query, [h.label for h in result.hits])
    assert result.suggestion == suggestion
    assert all(h.tier >= 3 for h in result.hits)  # below anything the query itself finds
    # the suggestion, run, finds the same entity with no further suggestion
    corrected = search(index, suggestion, lang, {})
    assert corrected.suggestion is None and meant in [h.iri for h in corrected.hits]
    assert all(h.tier < 3 for h in corrected.hits)


def test_the_closest_correction_is_ranked_first(index: Path) -> None:
    result = search(index, "hub brusels", "fr", {})
    assert result.hits[0].iri == HUB and result.hits[0].tier == 3  # the name, exactly
    assert result.facets["kind"]  # facets count the corrected results
    # the snippets mark the corrected words, not the typed ones
    marked = {t.lower() for h in result.hits for t, m in h.snippet if m}
    assert marked and all("brusels" not in t for t in marked)


def test_no_suggestion_when_the_query_finds_something(index: Path) -> None:
    for q in ("hub brussels", "musee", "muséum", "ontwerp", "design", "brus", "hub"):
        result = search(index, q, "fr", {})
        assert result.total > 0 and result.suggestion is None, q
        assert all(h.tier < 3 for h in result.hits), q
    # known words that no entity holds together: nothing, and no invented correction
    nothing = search(index, "schaerbeek ontwerp", "fr", {})
    assert (nothing.total, nothing.suggestion) == (0, None)
    # nothing close enough: no suggestion
    for q in ("qwrtzpsdfg", "zzzz", "xyz"):
        assert search(index, q, "en", {}).suggestion is None, q


def test_edit_distance_thresholds() -> None:
    assert distance("brusels", "brussels", 2) == 1
    assert distance("musuem", "museum", 2) == 1  # two neighbours swapped: one edit
    assert distance("ontwrp", "ontwerp", 2) == 1
    assert distance("kitten", "sitting", 1) == 2  # over the limit: limit + 1
    assert distance("brus", "brussels", 1, prefix=True) == 0
    assert distance("brsu", "brussels", 1, prefix=True) == 1
    assert [max_edits(w) for w in ("hub", "muse", "musuem", "brussels", "2024x")] == [0, 1, 1, 2, 0]


def test_short_words_and_numbers_are_never_corrected(index: Path) -> None:
    with sqlite3.connect(index.as_uri() + "?mode=ro", uri=True) as conn:
        assert correct(conn, "hbu", ["hbu"]) is None  # "hub" is one edit away, but 3 letters
        assert correct(conn, "21999", ["21999"]) is None


def test_the_page_suggests_in_the_readers_language(client: httpx.Client) -> None:
    texts = {"fr": "Vouliez-vous dire", "nl": "Bedoelde u", "en": "Did you mean"}
    for lang, asked in texts.items():
        page = client.get("/search", params={"q": "hub brusels", "lang": lang})
        assert page.status_code == 200
        found = re.search(r'class="search-suggestion">(.*?)</p>', page.text, re.S)
        assert found and asked in found.group(1), lang
        link = re.search(r'<a href="([^"]+)">hub brussels</a>', found.group(1))
        assert link, found.group(1)
        href = link.group(1).replace("&amp;", "&")
        assert parse_qs(urlsplit(href).query) == {"q": ["hub brussels"], "lang": [lang]}
        assert 'href="/id/organisation/hub-brussels' in page.text  # the corrected results
        followed = client.get(href)
        assert "search-suggestion" not in followed.text
        assert 'href="/id/organisation/hub-brussels' in followed.text


def test_the_suggestion_keeps_the_facets(client: httpx.Client) -> None:
    kind = DEFAULT_BASE + "ontology#SupportOrganisation"
    body = client.get(
        "/search", params={"q": "hub brusels", "kind": kind, "format": "json", "lang": "en"}
    ).json()
    assert body["suggestion"]["query"] == "hub brussels"
    assert parse_qs(urlsplit(body["suggestion"]["href"]).query)["kind"] == [kind]
    assert HUB in [r["iri"] for r in body["results"]]


def test_the_json_twin_carries_the_suggestion(client: httpx.Client) -> None:
    body = client.get("/search", params={"q": "ontwrp", "format": "json", "lang": "nl"}).json()
    assert body["suggestion"] == {
        "query": "ontwerp",
        "href": "/search?q=ontwerp&lang=nl",
    }
    assert body["total"] > 0 and {r["match"] for r in body["results"]} == {"fuzzy"}
    assert PRDD in [r["iri"] for r in body["results"]]
    plain = client.get("/search", params={"q": "ontwerp", "format": "json"}).json()
    assert plain["suggestion"] is None and "fuzzy" not in {r["match"] for r in plain["results"]}


def test_the_page_without_a_suggestion(client: httpx.Client) -> None:
    page = client.get("/search", params={"q": "hub brussels", "lang": "fr"})
    assert "search-suggestion" not in page.text and "Vouliez-vous dire" not in page.text
    missing = client.get("/search", params={"q": "qwrtzpsdfg", "lang": "en"})
    assert "search-suggestion" not in missing.text and "No results for" in missing.text


def test_autocomplete_forgives_typos(index: Path, client: httpx.Client) -> None:
    # a whole word mistyped, and the last word mistyped while it is being typed
    for typed in ("hub brusels", "hub brusl"):
        found = autocomplete(index, typed, "fr")
        assert found and found[0].iri == HUB and found[0].corrected == "hub brussels", typed
    assert autocomplete(index, "bioscop", "nl")[0].label.startswith("BIOSCOOP")
    assert all(s.corrected is None for s in autocomplete(index, "schaer", "fr"))
    body = client.get("/api/autocomplete", params={"q": "kunstenlokt", "lang": "nl"}).json()
    assert body[0]["iri"] == KUNSTENLOKET and body[0]["corrected"] == "kunstenloket"
    plain = client.get("/api/autocomplete", params={"q": "kunsten", "lang": "nl"}).json()
    assert plain and all(item["corrected"] is None for item in plain)


def test_odd_input_never_fails(index: Path, client: httpx.Client) -> None:
    for q in ODD:
        result = search(index, q, "fr", {})
        if result.suggestion is not None:
            assert result.total > 0 and tokens(result.suggestion), q[:40]
        autocomplete(index, q, "nl")
        for params in ({"q": q}, {"q": q, "format": "json"}):
            assert client.get("/search", params=params).status_code == 200, q[:40]
        assert client.get("/api/autocomplete", params={"q": q}).status_code == 200, q[:40]
    # FTS5 syntax around a typo is inert: the word is still corrected, nothing else
    for q in ('"hub brusels"', "hub brusels*", "(hub) {brusels}"):
        result = search(index, q, "en", {})
        assert result.hits[0].iri == HUB and "brussels" in (result.suggestion or ""), q
