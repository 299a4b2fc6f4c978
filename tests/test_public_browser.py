"""Every public page as a visitor's Chromium shows it, in French, Dutch and English (issue
19): the text after the page's scripts ran (the map's, network's and dashboard's own
strings included) holds no developer text or raw codes (the patterns of
tests/test_public_text.py), no sentence of the site's strings in another language than the
page's, and every link to an entry is labelled in the page's language, or in another one
only when the entry has no label in it (the fallback chain of kg/labels.py). The same
visits check that no request leaves the machine (the map's tiles are failed on purpose),
and that no page has a console or page error or a failed request (tests/browser.py Watch)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from pyoxigraph import QuerySolutions

from endpoint.http.i18n import strings, translate
from kg.labels import SUPPORTED, chain
from kg.namespaces import all_prefixes
from kg.settings import Settings
from kg.store import GraphStore, open_store
from tests.browser import Chromium, Watch
from tests.test_public_text import ALLOWED, DEVELOPER_TEXT, PAGES

#: entries of every kind a visitor reaches, and the pages the issue names besides PAGES
MORE_PAGES = [
    "/id/organisation/creative-district",
    "/id/person/jan-verheyen",
    "/id/event/numix-lab-2024",
    "/id/project/pole-reyers",
    "/id/place/urbis-culture-2014-945627",
    "/id/place/city-of-brussels-comic-book-route-2014-blake-mortimer-jacobs",
    "/id/document/seed-001",
    "/id/dataset/urbis-culture-2014",
    "/id/concept/sector/architecture",
    "/queries/kpi-network-brokers",
    "/queries/organisations-by-in-degree",
]
#: site strings shorter than this are words two languages share (Type, Service, Sector)
SHORTEST = 14
#: text that the pages show in another language on purpose: the language switch names each
#: language in its own, and a source's own words are quoted as they are
OWN_NAMES = {"Français", "Nederlands", "English"}


@pytest.fixture(scope="module")
def store(built: Settings) -> Iterator[GraphStore]:
    opened = open_store(built, read_only=True)
    try:
        yield opened
    finally:
        opened.close()


def foreign_strings(lang: str) -> list[str]:
    """The site's sentences in the other languages that differ from this language's, cut
    at their placeholders ({date}), the pieces long enough to tell the language."""
    found: set[str] = set()
    for texts in strings().values():
        mine = texts.get(lang)
        if mine is None:
            continue
        for other, text in texts.items():
            if other == lang or text == mine or other not in SUPPORTED:
                continue
            for piece in re.split(r"\{[^}]*\}|<[^>]*>", text):
                piece = piece.strip(" .,:;()«»")
                if len(piece) >= SHORTEST and piece not in mine and piece not in OWN_NAMES:
                    found.add(piece)
    return sorted(found)


def labels_by_language(store: GraphStore, base: str, iris: list[str]) -> dict[str, set[str]]:
    """IRI -> the languages it has a label in ("" for a label without one)."""
    out: dict[str, set[str]] = {iri: set() for iri in iris}
    values = " ".join(f"<{iri}>" for iri in iris if ">" not in iri)
    rows = store.query(
        f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} "
        "?s skos:prefLabel|rdfs:label|foaf:name|dct:title ?l FILTER(isLiteral(?l)) }",
        prefixes=all_prefixes(base),
    )
    assert isinstance(rows, QuerySolutions)
    for row in rows:
        out[row["s"].value].add(row["l"].language or "")
    return out


LINKS = """() => Array.from(document.querySelectorAll('main a[href^="/id/"][lang]'))
  .map(a => [a.getAttribute('href'), a.getAttribute('lang'), a.textContent.trim()])"""


#: the page's text as it reads (innerText), without code samples (SPARQL texts, the
#: editor), a space before each footnote mark; and the same without the parts marked as
#: being in another language (names and titles that only have a label in it)
TEXTS = """(lang) => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('pre, code, script, style, template, textarea, .CodeMirror, .yasqe')
    .forEach(e => e.remove());
  body.querySelectorAll('sup').forEach(e => e.before(' '));
  const holder = document.createElement('div');
  holder.style.position = 'absolute'; holder.style.left = '-99999px';
  holder.appendChild(body);
  document.documentElement.appendChild(holder);
  const all = body.innerText;
  body.querySelectorAll('[lang]').forEach(e => {
    if (e.getAttribute('lang').split('-')[0] !== lang) e.remove();
  });
  const own = body.innerText;
  holder.remove();
  return [all, own];
}"""


#: pages whose scripts draw what they fetched after the load (the map's points, the
#: network, the editor, a saved query's boundaries, the dashboard's charts)
DRAWING = ("/map", "/network", "/query", "/kpi", "/queries/")


def visit(page: Any, watch: Watch, url: str, lang: str) -> tuple[str, str] | None:
    path = urlsplit(url).path
    response = page.goto(url, wait_until="load")
    watch.settle(page)  # the scripts' fetches
    if response is not None and response.status == 404 and "/id/" in url:
        return None
    assert response is not None and response.status == 200, url
    if path in DRAWING or path.startswith(DRAWING[-1]):
        page.wait_for_timeout(150)  # the scripts' last drawing (network labels, charts)
    every, own = page.evaluate(TEXTS, lang)
    return " ".join(every.split()), " ".join(own.split())


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_every_public_page_reads_in_its_language_in_chromium(
    live_url: str, chromium: Chromium, built: Settings, store: GraphStore, lang: str
) -> None:
    foreign = foreign_strings(lang)
    identifier = translate("term.dct:identifier", lang)
    problems: list[str] = []
    with chromium as browser:
        page = browser.new_page()
        watch = Watch()
        watch.attach(page)
        for path in PAGES + MORE_PAGES:
            join = "&" if "?" in path else "?"
            texts = visit(page, watch, f"{live_url}{path}{join}lang={lang}", lang)
            if texts is None:
                continue
            assert page.evaluate("document.documentElement.lang") == lang, path
            shown, own = texts
            # an identifier is written as its source writes it (UrbIS 945627), not grouped
            shown = re.sub(rf"\b{re.escape(identifier)} [\w.-]+", "", shown)
            where = urlsplit(path).path
            for what, pattern in DEVELOPER_TEXT.items():
                if what not in ALLOWED.get(where, set()) and pattern.search(shown):
                    found = pattern.search(shown)
                    assert found
                    context = shown[max(0, found.start() - 40) : found.end() + 20]
                    problems.append(f"{path}: {what}: {context!r}")
            untranslated = [s for s in foreign if re.search(rf"\b{re.escape(s)}\b", own)]
            if untranslated:
                problems.append(f"{path}: strings of another language: {untranslated[:3]}")
            links = page.evaluate(LINKS)
            other = [(h, lg, t) for h, lg, t in links if lg and lg != lang]
            if other:
                iris = sorted({built.base + urlsplit(h).path.lstrip("/") for h, _, _ in other})
                known = labels_by_language(store, built.base, iris)
                for href, label_lang, label in other:
                    iri = built.base + urlsplit(href).path.lstrip("/")
                    has = known.get(iri, set())
                    # the first language of the chain that the entry has a label in
                    first = next((code for code in chain(lang) if code in has), None)
                    if first is not None and first != label_lang:
                        problems.append(
                            f"{path}: {label!r} shown in {label_lang} though {iri} has a "
                            f"label in {first}"
                        )
        watch.check()
    assert not problems, "\n".join(problems)
