""" "Download organisations" from the home, search, kind, sector and municipality pages:
the links each page shows are followed, the CSV read back with the csv module and the
workbook with openpyxl, and their rows compared with what the store says (queried here
directly), over the project's sources plus synthetic organisations with every column
filled (tests/fixtures/orglists/organisations.ttl)."""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import httpx
import openpyxl
import pytest
from pyoxigraph import QuerySolutions

from endpoint.app import create_app
from kg.build import pipeline as build
from kg.namespaces import all_prefixes
from kg.settings import Settings
from kg.store import open_store
from tests.asgi import BASE_URL, app_client
from tests.browser import Chromium, Watch
from tests.conftest import copy_sources

FIXTURE = Path(__file__).parent / "fixtures" / "orglists" / "organisations.ttl"
BASE = "https://data.creative.brussels/"
STUDIO = BASE + "id/organisation/synthetic-download-studio"
FORMULA = BASE + "id/organisation/synthetic-formula"
DESIGN = BASE + "id/concept/sector/design"
IXELLES = BASE + "id/municipality/21009"
HEADERS = {
    "fr": [
        "Nom",
        "Type",
        "Secteurs",
        "Commune",
        "Adresse",
        "Site web",
        "Numéro BCE",
        "Source",
        "Adresse de la fiche",
    ],
    "nl": [
        "Naam",
        "Soort",
        "Sectoren",
        "Gemeente",
        "Adres",
        "Website",
        "KBO-nummer",
        "Bron",
        "Adres van de fiche",
    ],
    "en": [
        "Name",
        "Kind",
        "Sectors",
        "Municipality",
        "Address",
        "Website",
        "KBO/BCE number",
        "Source",
        "Page address",
    ],
}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = copy_sources(tmp_path_factory.mktemp("orglists") / "project")
    shutil.copy(FIXTURE, root / "data/curated/synthetic-orglist-test.ttl")
    settings = Settings(root=root, var_dir=root.parent / "var")
    build.run(settings)
    return settings


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(settings)) as c:
        yield c


def store_iris(settings: Settings, pattern: str) -> set[str]:
    """The organisations matching ``pattern``, asked of the store itself."""
    sparql = f"SELECT DISTINCT ?o WHERE {{ ?o a org:Organization . {pattern} }}"
    rows = open_store(settings).query(sparql, prefixes=all_prefixes(settings.base))
    assert isinstance(rows, QuerySolutions)
    return {r["o"].value for r in rows}


def download_links(client: httpx.Client, url: str) -> tuple[str, str]:
    """The CSV and Excel links of the page's "Download" line."""
    page = client.get(url, headers={"Accept": "text/html"})
    assert page.status_code == 200, page.text[:300]
    found = re.search(r'<span class="downloads">(.*?)</span>', page.text, re.S)
    assert found, f"{url} has no download links"
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', found.group(1))]
    csv_url = next(h for h in hrefs if ".csv?" in h)
    xlsx_url = next(h for h in hrefs if ".xlsx?" in h)
    return csv_url, xlsx_url


def read_csv(client: httpx.Client, url: str) -> list[list[str]]:
    r = client.get(url)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith(
        "attachment; filename*=UTF-8''organisations-"
    )
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets read UTF-8 by
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))


def read_xlsx(client: httpx.Client, url: str) -> tuple[list[list[str]], list[list[object]]]:
    r = client.get(url)
    assert r.status_code == 200, r.text[:300]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    first, about = book.worksheets
    for row in first.iter_rows():
        assert all(cell.data_type == "s" for cell in row if cell.value is not None)
    table = [
        ["" if c is None else str(c) for c in row] for row in first.iter_rows(values_only=True)
    ]
    return table, [list(row) for row in about.iter_rows(values_only=True)]


def page_iris(rows: list[list[str]]) -> set[str]:
    return {r[-1] for r in rows[1:]}


def unformula(cell: str) -> str:
    """The CSV's cell as the data says it (a leading ' guards formula-like text)."""
    return cell[1:] if cell.startswith("'=") else cell


@pytest.mark.parametrize(
    ("page", "pattern"),
    [
        ("/?lang=fr", ""),
        ("/kind/CreativeHub?lang=nl", "?o a cci:CreativeHub ."),
        ("/id/concept/sector/design?lang=en", f"?o cci:sector <{DESIGN}> ."),
        (
            "/id/municipality/21009?lang=fr",
            f"{{ ?o cci:municipality <{IXELLES}> }} UNION {{ ?o locn:address/cci:municipality <{IXELLES}> }}",
        ),
    ],
)
def test_each_page_offers_its_list_as_csv_and_excel(
    settings: Settings, client: httpx.Client, page: str, pattern: str
) -> None:
    lang = page.rsplit("lang=", 1)[1]
    csv_url, xlsx_url = download_links(client, page)
    rows = read_csv(client, csv_url)
    sheet, about = read_xlsx(client, xlsx_url)
    assert rows[0] == sheet[0] == HEADERS[lang]
    expected = store_iris(settings, pattern)
    assert expected and page_iris(rows) == expected == page_iris(sheet)
    assert len(rows) - 1 == len(expected)  # one row per organisation
    assert [[unformula(c) for c in r] for r in rows] == sheet
    names = [r[0].casefold() for r in sheet[1:]]
    assert names == sorted(names)
    assert about[2][1] == str(len(expected))
    assert about[1][1] == BASE_URL + page


def test_a_row_holds_every_column_in_the_page_language(client: httpx.Client) -> None:
    for lang, expected in {
        "fr": [
            "Studio de téléchargement synthétique",
            "entreprise; hub créatif",
            "design; mode",
            "Ixelles",
            "Rue Synthétique 12, 1050 Ixelles",
        ],
        "nl": [
            "Synthetische downloadstudio",
            "creatieve hub; onderneming",
            "design; mode",
            "Elsene",
            "Synthetischestraat 12, 1050 Elsene",
        ],
    }.items():
        rows = read_csv(client, f"/organisations.csv?sector={DESIGN}&lang={lang}")
        studio = next(r for r in rows if r[-1] == STUDIO)
        assert studio[:5] == expected, studio
        assert studio[5:8] == [
            "https://download-studio.example/",
            "0999990321",
            {"fr": "Document de test synthétique", "nl": "Synthetisch testdocument"}[lang],
        ]


def test_formula_like_text_stays_text(client: httpx.Client) -> None:
    rows = read_csv(client, "/organisations.csv?kind=InformalCollective&lang=en")
    row = next(r for r in rows if r[-1] == FORMULA)
    assert row[0] == '\'=HYPERLINK("https://attacker.example","synthetic")'
    sheet, _ = read_xlsx(client, "/organisations.xlsx?kind=InformalCollective&lang=en")
    row = next(r for r in sheet if r[-1] == FORMULA)
    assert row[0] == '=HYPERLINK("https://attacker.example","synthetic")'


def test_the_search_page_offers_its_hits(settings: Settings, client: httpx.Client) -> None:
    page = f"/search?q=synthetique&sector={DESIGN}&lang=fr"
    csv_url, xlsx_url = download_links(client, page)
    assert csv_url.startswith("/search/organisations.csv?") and "sector=" in csv_url
    hits = client.get(page + "&format=json&per_page=100").json()
    organisations = store_iris(settings, "")
    expected = [h["iri"] for h in hits["results"] if h["iri"] in organisations]
    rows = read_csv(client, csv_url)
    assert [r[-1] for r in rows[1:]] == expected  # the search's order
    assert STUDIO in expected and FORMULA not in expected  # its name has no such word
    sheet, _ = read_xlsx(client, xlsx_url)
    assert [r[-1] for r in sheet[1:]] == expected


@pytest.mark.parametrize(
    "url",
    [
        "/organisations.csv?kind=NoSuchKind",
        "/organisations.csv?sector=https://example.org/not-a-sector",
        "/organisations.xlsx?municipality=https://data.creative.brussels/id/municipality/99999",
        "/organisations.pdf",
    ],
)
def test_a_bad_filter_is_a_404_with_the_error_body(client: httpx.Client, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "NotFound"


def test_a_browser_downloads_the_kind_pages_list(
    built: Settings, live_url: str, chromium: Chromium
) -> None:
    """A visitor clicks "CSV" then "Excel" on a kind's page in Chromium: each is saved as
    a file (not shown as a page) and holds that kind's organisations."""
    expected = store_iris(built, "?o a cci:Network .")
    with chromium as browser:
        page = browser.new_page(accept_downloads=True)
        watch = Watch()
        watch.attach(page)
        page.goto(f"{live_url}/kind/Network?lang=en", wait_until="load")
        saved = {}
        for name in ("CSV (spreadsheet)", "Excel"):
            with page.expect_download() as info:
                page.get_by_role("link", name=name, exact=True).click()
            download = info.value
            saved[name] = (download.suggested_filename, Path(download.path()).read_bytes())
        watch.check()
    csv_name, csv_bytes = saved["CSV (spreadsheet)"]
    assert csv_name == "organisations-Network-en.csv"
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADERS["en"] and page_iris(rows) == expected
    xlsx_name, xlsx_bytes = saved["Excel"]
    assert xlsx_name == "organisations-Network-en.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes)).worksheets[0]
    assert {row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)} == expected
