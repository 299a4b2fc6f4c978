"""Public pages speak to the public (issue 19): in French, Dutch and English, the text a
visitor reads holds no build ids, command names, file paths or settings names, and dates
are written as people write them. The real app in-process; the text is what the page
shows (markup, scripts and styles taken out; code samples in ``<pre>``/``<code>`` are
for developers and kept out too)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest

from endpoint.app import create_app
from endpoint.http.i18n import long_date
from kg.settings import Settings
from tests.asgi import app_client

#: what a visitor must never read, with why
DEVELOPER_TEXT = {
    "a build id": re.compile(r"\b20\d{6}T\d{4,6}"),
    "a command": re.compile(r"\bkg (?:build|snapshot|serve|validate|query|stats|changes)\b"),
    "a file path": re.compile(
        r"\b(?:data|shapes|ontology|queries|var|bench)/[\w./-]+\.(?:ttl|rq|csv|json|geojson|nt)\b"
    ),
    "a setting's name": re.compile(r"\bKG_[A-Z_]{3,}"),
    "a Python module": re.compile(r"\b(?:kg|endpoint)\.[a-z_]+\.[a-z_]+"),
    "a raw NUTS code": re.compile(r"\bBE[0-9]{3}\b"),
    "a prefixed name": re.compile(
        r"\b(?:cci|org|skos|dct|foaf|schema|rov|cv|locn|prov|qb|mun):[A-Za-z]"
    ),
    "an unformatted large number": re.compile(r"(?<![\d.,/:#-])\d{6,}(?![\d.,/:-])"),
}
#: the ontology's reference page names its terms by their prefixed names (org:Organization),
#: as the documentation of every vocabulary does: its readers write queries with them
ALLOWED = {"/ontology": {"a prefixed name"}}
PAGES = [
    "/",
    "/search?q=hub",
    "/map",
    "/network",
    "/kpi",
    "/queries",
    "/queries/organisations-by-kind",
    "/sectors",
    "/kinds",
    "/municipalities",
    "/id/municipality/21015",
    "/id/organisation/hub-brussels",
    "/ontology",
    "/dumps",
    "/query",
    "/about",
    "/licence",
    "/privacy",
    "/contact",
]


class VisibleText(HTMLParser):
    """The text of a page as it reads, without scripts, styles and code samples."""

    HIDDEN = frozenset({"script", "style", "pre", "code", "template"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(built)) as http:
        yield http


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_developer_text_on_a_public_page(client: httpx.Client, path: str, lang: str) -> None:
    response = client.get(path, params={"lang": lang}, headers={"Accept": "text/html"})
    if response.status_code == 404 and path.startswith("/id/"):
        pytest.skip(f"{path} is not in the data")
    assert response.status_code == 200, response.text[:300]
    text = visible_text(response.text)
    found = {
        what: pattern.findall(text)[:3]
        for what, pattern in DEVELOPER_TEXT.items()
        if what not in ALLOWED.get(path, set()) and pattern.search(text)
    }
    assert not found, f"{path}?lang={lang} shows {found}"


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [
        ("2026-12-07", "fr", "7 décembre 2026"),
        ("2026-12-07T01:20:00+00:00", "nl", "7 december 2026"),
        ("2026-03-01", "en", "1 March 2026"),
        ("2022-08", "fr", "août 2022"),
        ("2014", "en", "2014"),
        ("2022-13", "en", "2022-13"),  # not a date: given back as it is
        ("soon", "fr", "soon"),
    ],
)
def test_dates_are_written_as_people_write_them(value: str, lang: str, shown: str) -> None:
    assert long_date(value, lang) == shown


def test_the_dashboard_says_when_it_was_computed_in_words(client: httpx.Client) -> None:
    text = visible_text(client.get("/kpi", params={"lang": "fr"}).text)
    assert re.search(r"Calculé le \d{1,2} [a-zéû]+ 20\d\d", text), text[:500]


def test_every_page_links_about_licence_privacy_and_contact(client: httpx.Client) -> None:
    for path in ("/", "/search", "/kpi", "/query", "/dumps", "/about"):
        page = client.get(path, params={"lang": "nl"}, headers={"Accept": "text/html"}).text
        for target in ("/about", "/licence", "/privacy", "/contact"):
            assert f'href="{target}?lang=nl"' in page, (path, target)


def test_the_about_page_counts_what_the_home_page_counts(client: httpx.Client) -> None:
    about = client.get("/about", params={"format": "json"}).json()
    home = client.get("/", params={"format": "json"}).json()
    for name, value in home["figures"].items():
        assert about["figures"][name] == value, name
    assert about["figures"]["places"] > 300 and about["figures"]["statements"] > 10_000
    # every source document the graphs cite, with its title
    assert len(about["documents"]) >= 5 and all(d["title"] for d in about["documents"])
    text = visible_text(client.get("/about", params={"lang": "en"}).text)
    assert f"{about['figures']['organisations']} organisations" in text


def test_the_licence_page_names_each_datasets_own_licence(client: httpx.Client) -> None:
    body = client.get("/licence", params={"format": "json"}).json()
    assert body["project"]["name"] == "CC BY 4.0"
    names = {
        d["iri"].rsplit("/", 1)[-1]: [lic["name"] for lic in d["licences"]]
        for d in body["datasets"]
    }
    assert names["urbis-culture-2014"] == ["Apache 2.0"]
    assert sorted(names["brussels-municipalities"]) == ["CC0 1.0", "MIT"]
    page = client.get("/licence", params={"lang": "fr"}).text
    assert 'rel="license">Apache 2.0</a>' in page


def test_privacy_and_contact_say_what_this_deployment_does(built: Settings) -> None:
    settings = built.with_(
        tile_url="https://tiles.example.org/{z}/{x}/{y}.png",
        contact_email="data@example.org",
        access_log=False,
    )
    with app_client(create_app(settings)) as http:
        privacy = visible_text(http.get("/privacy", params={"lang": "en"}).text)
        assert "from tiles.example.org" in privacy and "keeps no log" in privacy
        contact = http.get("/contact", params={"lang": "fr"}).text
        assert 'href="mailto:data@example.org"' in contact
    with app_client(create_app(built)) as http:
        assert "pas encore donné d'adresse" in visible_text(http.get("/contact?lang=fr").text)
        assert "tile.openstreetmap.org" in visible_text(http.get("/privacy?lang=en").text)


def test_the_home_pages_relations_agree_with_the_network(client: httpx.Client) -> None:
    """The home page counts every relation (organisations, places, people, events) and
    says how many are between organisations: the network draws exactly those."""
    figures = client.get("/", params={"format": "json"}).json()["figures"]
    network = client.get("/network.json").json()
    assert figures["organisation_relations"] == network["total_edges"] > 0
    assert figures["relations"] > figures["organisation_relations"]
    text = visible_text(client.get("/", params={"lang": "en"}).text)
    assert f"{network['total_edges']} of them between organisations (the network)" in text


def test_a_documents_publisher_is_shown_by_its_name(client: httpx.Client) -> None:
    """Seed 003's publisher is an entry of the graph (o:policy-learning-platform): the
    sources name it, not its IRI's last segment."""
    for lang in ("fr", "nl", "en"):
        text = visible_text(client.get("/", params={"lang": lang}).text)
        assert "Policy Learning Platform" in text and "policy-learning-platform" not in text
