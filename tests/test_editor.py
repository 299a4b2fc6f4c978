"""The query editor page (/query): YASGUI served from node_modules, prefilled with the
project's prefixes and saved queries; over HTTP, then in a real headless Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import markupsafe
import pytest

from endpoint.app import create_app
from endpoint.sparql import editor
from kg.namespaces import all_prefixes
from kg.saved import queries as saved
from kg.settings import Settings
from tests.asgi import app_client
from tests.browser import ARTIFACTS, LOOPBACK, Chromium
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    # /query and the vendor files never touch the store: no build needed here
    settings = Settings(root=ROOT, var_dir=tmp_path_factory.mktemp("var"))
    with app_client(create_app(settings)) as http:
        yield http


def page_config(page: str) -> dict[str, object]:
    found = re.search(
        r'<script type="application/json" id="editor-config">(.*?)</script>', page, re.S
    )
    assert found, "the page carries no editor-config JSON"
    config = json.loads(found.group(1))
    assert isinstance(config, dict)
    return config


def saved_files() -> list[Path]:
    return sorted((ROOT / "queries").glob("*.rq"), key=lambda p: p.stem)  # by name, as listed


# ---- over HTTP -----------------------------------------------------------------------


def test_query_page_has_prefixes_saved_queries_and_a_no_js_form(client: httpx.Client) -> None:
    response = client.get("/query?lang=en")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    config = page_config(page)
    assert config["endpoint"] == "/sparql"

    # the default query: every project prefix, then an example
    default = config["defaultQuery"]
    assert isinstance(default, str)
    for name, iri in all_prefixes(Settings().base).items():
        assert f"PREFIX {name}: <{iri}>" in default
    assert "SELECT" in default.split("PREFIX")[-1]

    # the no-JS fallback: a form that GETs /sparql, its textarea holding the same query
    form = re.search(r'<form action="/sparql" method="get">(.*?)</form>', page, re.S)
    assert form, "no plain form for browsers without JavaScript"
    textarea = re.search(r'<textarea[^>]*name="query"[^>]*>(.*?)</textarea>', form.group(1), re.S)
    assert textarea and html.unescape(textarea.group(1)) == default
    assert "<https://" not in textarea.group(1), "the textarea must be escaped"

    # one tab and one link per saved query, the tab named by the `# title:` line
    files = saved_files()
    assert files, "queries/ holds no saved query to check"
    tabs = config["savedQueries"]
    assert isinstance(tabs, list) and len(tabs) == len(files)
    hrefs = [html.unescape(h) for h in re.findall(r'<a href="(/sparql\?query=[^"]*)"', page)]
    for path, tab in zip(files, tabs, strict=True):
        text = path.read_text(encoding="utf-8")
        title = re.search(r"^# title:\s*(.+)$", text, re.M)
        assert tab == {"name": title.group(1).strip() if title else path.name, "query": text}
        assert str(markupsafe.escape(tab["name"])) in page  # escaped as Jinja escapes
        assert any(parse_qs(urlsplit(h).query)["query"] == [text] for h in hrefs), path.name


def test_saved_query_without_title_is_named_by_its_file(tmp_path: Path) -> None:
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "plain.rq").write_text("SELECT * WHERE { ?s ?p ?o } LIMIT 1\n")
    (tmp_path / "queries" / "titled.rq").write_text(
        "# title: Things </script><b>\n# description: x & y\nASK {}\n"
    )
    settings = Settings(root=tmp_path, var_dir=tmp_path / "var")
    assert saved.names(settings) == ["plain", "titled"]
    with app_client(create_app(settings)) as client:
        page = client.get("/query?lang=en").text
    tabs = page_config(page)["savedQueries"]
    assert isinstance(tabs, list)
    assert [t["name"] for t in tabs] == ["plain.rq", "Things </script><b>"]
    assert "</script><b>" not in page  # escaped in the JSON and in the HTML alike
    assert "x &amp; y" in page


def test_vendor_files_are_served_with_their_types(client: httpx.Client) -> None:
    build = ROOT / editor.PACKAGE / "build"
    for name, kind in (
        ("yasgui.min.js", "text/javascript"),
        ("yasgui.min.css", "text/css"),
        ("yasgui.min.js.map", "application/json"),
    ):
        response = client.get(f"/static/vendor/yasgui/{name}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == kind
        assert response.content == (build / name).read_bytes()
    # the page links the served files, not a CDN
    page = client.get("/query?lang=en").text
    assert re.search(r'<script src="/static/vendor/yasgui/yasgui\.min\.js(\?v=[\w.]+)?">', page)
    assert re.search(r'href="/static/vendor/yasgui/yasgui\.min\.css(\?v=[\w.]+)?"', page)
    assert not re.search(r'(src|href)="(https?:)?//', page)


@pytest.mark.parametrize(
    "path",
    [
        "..%2F..%2Fpyproject.toml",
        "..%2F..%2F..%2F..%2Fpyproject.toml",
        "../../../../pyproject.toml",
        "%2e%2e/%2e%2e/package.json",
        "build/yasgui.min.js",
        "yasgui.esm.js",
        "package.json",
        "ts/src/index.d.ts",
        "",
        "YASGUI.MIN.JS",
    ],
)
def test_vendor_route_serves_nothing_else(client: httpx.Client, path: str) -> None:
    response = client.get(f"/static/vendor/yasgui/{path}")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "NotFound"


def test_missing_node_modules_is_a_clear_503_and_the_form_still_works(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "queries", tmp_path / "queries")
    with app_client(create_app(Settings(root=tmp_path, var_dir=tmp_path / "var"))) as client:
        response = client.get("/static/vendor/yasgui/yasgui.min.js")
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["type"] == "FrontendMissing"
        assert "make setup" in error["message"] and "npm ci" in error["message"]
        assert client.get("/static/vendor/yasgui/nope.js").status_code == 404
        page = client.get("/query?lang=en")
        assert page.status_code == 200 and '<form action="/sparql" method="get">' in page.text


def test_the_lock_file_pins_yasgui_exactly() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert package["private"] is True
    pinned = package["dependencies"]["@zazuko/yasgui"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), "pin an exact version"
    locked = lock["packages"]["node_modules/@zazuko/yasgui"]
    assert locked["version"] == pinned and locked["integrity"].startswith("sha512-")
    installed = json.loads((ROOT / editor.PACKAGE / "package.json").read_text())
    assert installed["version"] == pinned, "node_modules is stale: run make setup"


# ---- in a real browser ---------------------------------------------------------------


def test_editor_runs_the_default_query_in_chromium(live_url: str, chromium: Chromium) -> None:
    from playwright.sync_api import ConsoleMessage, Request

    problems: list[str] = []
    foreign: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    def on_request(request: Request) -> None:
        host = urlsplit(request.url).hostname
        if urlsplit(request.url).scheme in ("http", "https", "ws", "wss") and host not in LOOPBACK:
            foreign.append(request.url)

    def on_failed(request: Request) -> None:
        problems.append(f"request failed: {request.url} ({request.failure})")

    with chromium as browser:
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.on("console", on_console)
            page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
            page.on("request", on_request)
            page.on("requestfailed", on_failed)
            page.on(
                "response",
                lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
            )

            page.goto(live_url + "/query?lang=en")
            page.wait_for_selector(".yasgui .yasqe .CodeMirror", timeout=20_000)
            assert page.locator("#fallback").is_hidden(), "YASGUI should replace the plain form"

            # one tab for the example, then one per saved query, named by its title
            tab_names = page.locator(".yasgui .tabsList .tab [role=tab] > span").all_inner_texts()
            tabs = page_config(page.content())["savedQueries"]
            assert isinstance(tabs, list)
            titles = [t["name"] for t in tabs]
            assert titles and [n.strip() for n in tab_names] == ["Query", *titles]

            # the default query holds the project's prefixes (folded) and runs on /sparql
            query = page.evaluate(
                "() => document.querySelector('.yasqe .CodeMirror').CodeMirror.getValue()"
            )
            assert "PREFIX cci: <https://data.creative.brussels/ontology#>" in query
            page.locator(".yasqe .CodeMirror").click()
            with page.expect_response(lambda r: urlsplit(r.url).path == "/sparql") as answer:
                page.keyboard.press("Control+Enter")
            assert answer.value.status == 200
            rows = page.locator(".yasr .yasr_results table tbody tr")
            rows.first.wait_for(timeout=20_000)
            assert rows.count() > 1
            assert "cci:Municipality" in page.locator(".yasr_results").inner_text()  # prefixed

            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "query-editor.png"), full_page=True)

            # a reload keeps the tabs the user has, without adding the saved ones again
            page.reload()
            page.wait_for_selector(".yasgui .yasqe .CodeMirror", timeout=20_000)
            again = page.locator(".yasgui .tabsList .tab [role=tab] > span").all_inner_texts()
            assert [n.strip() for n in again] == ["Query", *titles]
        finally:
            browser.close()

    assert not foreign, f"requests left this machine: {foreign}"
    assert not problems, "\n".join(problems)


def test_editor_page_without_javascript_is_a_form(live_url: str, chromium: Chromium) -> None:
    with chromium as browser:
        try:
            page = browser.new_context(java_script_enabled=False).new_page()
            page.goto(live_url + "/query?lang=en")
            assert page.locator("form textarea[name=query]").is_visible()
            links = page.locator("#saved-queries a")
            assert links.count() == len(saved_files())
            href = links.first.get_attribute("href") or ""
            assert href.startswith("/sparql?query=")
            page.locator("form button[type=submit]").click()
            page.wait_for_load_state()
            assert urlsplit(page.url).path == "/sparql"
        finally:
            browser.close()
