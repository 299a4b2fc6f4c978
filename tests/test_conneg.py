"""Accept headers as clients send them (endpoint/http/conneg.py, read by python-mimeparse)."""

from __future__ import annotations

import pytest

from endpoint.http.conneg import choose, wanted

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PAGE = ["text/html", "application/json"]
SOLUTIONS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]


@pytest.mark.parametrize(
    ("accept", "offered", "chosen"),
    [
        (None, SOLUTIONS, SOLUTIONS[0]),  # no Accept: the first offered
        ("", SOLUTIONS, SOLUTIONS[0]),
        ("*/*", SOLUTIONS, SOLUTIONS[0]),
        ("*", SOLUTIONS, SOLUTIONS[0]),  # what Java's URLConnection sends
        (BROWSER, ["application/json", "text/html"], "text/html"),
        (BROWSER, SOLUTIONS, "application/sparql-results+xml"),  # application/xml;q=0.9
        ("application/json", SOLUTIONS, "application/sparql-results+json"),  # an alias
        ("text/csv;q=0.5, application/sparql-results+xml", SOLUTIONS, SOLUTIONS[1]),
        ("text/csv;q=0, */*", ["text/csv", "application/json"], "application/json"),
        ("text/*", SOLUTIONS, "text/csv"),
        ("image/png", SOLUTIONS, None),  # 406
        ("application/sparql-results+json", PAGE, None),
        ("nonsense, text/csv", SOLUTIONS, "text/csv"),  # a malformed part is ignored
        ("TEXT/CSV", SOLUTIONS, "text/csv"),
    ],
)
def test_choose(accept: str | None, offered: list[str], chosen: str | None) -> None:
    assert choose(accept, offered) == chosen


def test_format_parameter_wins_over_accept() -> None:
    assert wanted("json", BROWSER, PAGE, {"json": "application/json"}) == "application/json"
    assert wanted("xml", BROWSER, PAGE, {"json": "application/json"}) is None
    assert wanted(None, BROWSER, PAGE) == "text/html"
