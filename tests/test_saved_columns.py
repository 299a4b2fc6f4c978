"""A saved query's results table as people read it: column headings from the header in
the page's language (``# columns@fr: …``), and no column for a parameter, whose value
the form shows once (the downloads keep every column). The real app in-process."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from endpoint.app import create_app
from kg.saved import queries as saved
from kg.settings import Settings
from tests.asgi import app_client


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(built)) as http:
        yield http


def headings(page: str) -> list[str]:
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", page, re.S)
    assert head, "no results table"
    return re.findall(r'<th scope="col">(.*?)</th>', head.group(1))


def test_headings_come_from_the_header_in_the_pages_language(
    client: httpx.Client, built: Settings
) -> None:
    query = saved.get(built, "organisations-by-kind")
    assert query.column("kind", "nl") == "Soort" and query.column("nothing", "fr") == "nothing"
    for lang, first in (("fr", "Type d&#39;organisation"), ("nl", "Soort"), ("en", "Kind")):
        page = client.get("/queries/organisations-by-kind", params={"lang": lang}).text
        assert headings(page)[0] == first, lang


def test_a_parameters_column_is_not_repeated_on_every_row(client: httpx.Client) -> None:
    page = client.get("/queries/organisations-in-sector", params={"lang": "en"}).text
    # not sector, lang; nor ?label, which repeats the organisation's name row by row
    assert headings(page) == ["Organisation", "Recorded under"]
    csv = client.get("/api/queries/organisations-in-sector", params={"format": "csv"}).text
    assert csv.splitlines()[0].split(",")[:2] == ["sector", "lang"]  # the download keeps them
