"""/query: the SPARQL query editor page (YASGUI), and YASGUI's own files served locally.

YASGUI comes from the npm registry, pinned in package-lock.json and installed by
``make setup`` (``npm ci``) into node_modules/; nothing is loaded from a CDN. Without
JavaScript, or before ``npm ci`` has run, the page is a plain form that GETs /sparql."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from endpoint.http.i18n import context, page_language, translate
from kg.errors import FrontendMissing, NotFound
from kg.labels import languages, pick
from kg.namespaces import sparql_prologue
from kg.saved import queries as saved
from kg.settings import Settings

#: The one npm package the page needs, and the only files of it that are served.
PACKAGE = Path("node_modules") / "@zazuko" / "yasgui"
VENDOR_FILES: dict[str, str] = {
    "yasgui.min.js": "text/javascript; charset=utf-8",
    "yasgui.min.css": "text/css; charset=utf-8",
    "yasgui.min.js.map": "application/json",
}

EXAMPLE = """\
# Which classes the graph holds, and how many instances of each.
# Ctrl+Enter runs the query; the tabs above hold the saved queries.
SELECT ?class (COUNT(DISTINCT ?instance) AS ?instances) WHERE {
  ?instance a ?class .
}
GROUP BY ?class
ORDER BY DESC(?instances) ?class
LIMIT 50
"""

router = APIRouter()


@dataclass(frozen=True)
class SavedQuery:
    name: str  # file name without .rq
    title: str  # the `# title:` header line, else the file name
    description: str
    query: str
    href: str  # /sparql?query=…, for the no-JS link list


def _in_language(values: dict[str, str], key: str, lang: str) -> str | None:
    """``# key@lang:`` along the languages' fallback chain (``# key:`` is English), from
    the header lines ``kg.saved.queries.read_header`` gives, unchecked: a file with a
    broken header still gets a tab."""
    texts = {code: values.get(key if code == "en" else f"{key}@{code}", "") for code in languages()}
    return pick({code: text for code, text in texts.items() if text}, lang)


def saved_queries(settings: Settings, lang: str = "en") -> list[SavedQuery]:
    found = []
    for name in saved.names(settings):
        text = saved.load(settings, name)
        values = {key: value for _, key, value in reversed(saved.read_header(text)) if value}
        found.append(
            SavedQuery(
                name=name,
                title=_in_language(values, "title", lang) or f"{name}.rq",
                description=_in_language(values, "description", lang) or "",
                query=text,
                href="/sparql?" + urlencode({"query": text}),
            )
        )
    return found


def default_query(settings: Settings) -> str:
    return sparql_prologue(settings.base) + "\n" + EXAMPLE


def package_dir(settings: Settings) -> Path:
    return settings.root / PACKAGE


def package_version(settings: Settings) -> str | None:
    try:
        meta = json.loads((package_dir(settings) / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = meta.get("version") if isinstance(meta, dict) else None
    return str(version) if version else None


def editor_page(request: Request) -> HTMLResponse:
    """The editor page; also what /sparql may answer a browser that sends no query."""
    settings: Settings = request.app.state.settings
    lang = page_language(request)
    queries = saved_queries(settings, lang)
    default = default_query(settings)
    config = {
        "endpoint": "/sparql",
        "defaultQuery": default,
        "savedQueries": [{"name": q.title, "query": q.query} for q in queries],
        "tabName": translate("editor.tab", lang),
    }
    # Keys the browser's stored tabs: when the saved queries or the prefixes change, the
    # page starts from the server's tabs again instead of a stale copy.
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]
    config["storageKey"] = f"kg-query-editor-{digest}"
    return request.app.state.templates.TemplateResponse(
        request,
        "query.html",
        context(
            request,
            config=config,
            default_query=default,
            saved_queries=[asdict(q) for q in queries],
            yasgui_version=package_version(settings),
        ),
        headers={"Vary": "Accept-Language"},
    )


@router.get("/query", response_class=HTMLResponse)
def query_editor(request: Request) -> HTMLResponse:
    return editor_page(request)


@router.get("/static/vendor/yasgui/{path:path}")
def yasgui_file(path: str, request: Request) -> Response:
    """Only the built files of the pinned package, by exact name; anything else is a 404."""
    media_type = VENDOR_FILES.get(path)
    if media_type is None:
        raise NotFound(f"no such file: /static/vendor/yasgui/{path}")
    settings: Settings = request.app.state.settings
    file = package_dir(settings) / "build" / path
    if not file.is_file():
        raise FrontendMissing(
            f"the query editor's front-end files are not installed ({file} is missing): "
            "run make setup (npm ci) in the project folder"
        )
    return FileResponse(file, media_type=media_type, headers={"Cache-Control": "no-cache"})
