"""Search pages: ``/search`` (HTML, with a JSON twin) and ``/api/autocomplete`` (JSON).

Both read the side index of the store being served (kg.publish.search), re-resolved on every
request so that a build swapped in meanwhile is used by the next request. Whatever the
query string holds, the answer is a normal page: the text is trimmed, cut into words and
passed to SQLite as parameters; unknown facets are ignored, unknown values match nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from endpoint.http.conneg import wanted
from endpoint.http.i18n import context, page_language, vary
from endpoint.pages.peers import ask_peers
from kg.errors import NotAcceptable
from kg.federation.client import Outcome
from kg.federation.merge import MergedHit, merge, name_tier
from kg.labels import pick
from kg.publish.autocomplete import autocomplete
from kg.publish.search import FACETS, SearchResult, search
from kg.publish.searchindex import index_path_for
from kg.publish.searchtext import MAX_QUERY_CHARS
from kg.settings import Settings
from kg.views.vocabcache import vocabulary

router = APIRouter()

JSON = "application/json"
HTML = "text/html"
OFFERS = [HTML, JSON]
FORMATS = {"html": HTML, "json": JSON}
VARY = vary("Accept")
PER_PAGE = 20


def index_path(request: Request) -> Path:
    """The index beside the store ``var/store`` points at now."""
    settings: Settings = request.app.state.settings
    return index_path_for(settings.store_path)


def href(iri: str, base: str, lang: str) -> str:
    """Where the page of an entity is: its IRI's path on this server (IRIs dereference
    here on any host), in the reader's language; an IRI outside the base as it is."""
    if iri.startswith(base):
        return "/" + iri[len(base) :] + "?" + urlencode({"lang": lang})
    return iri


def _number(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None and len(value) < 10 else default
    except ValueError:
        return default


def _media(request: Request) -> str | None:
    """HTML or JSON (``?format=html|json``, else Accept); None when neither is accepted."""
    return wanted(
        request.query_params.get("format"), request.headers.get("accept"), OFFERS, FORMATS
    )


def _not_acceptable() -> NotAcceptable:
    message = "search results are available as " + ", ".join(OFFERS)
    return NotAcceptable(message, headers={"Vary": VARY})


def _with_peers(request: Request) -> bool:
    """``peers=1`` (the form's "also search other regional maps")."""
    return (request.query_params.get("peers") or "").lower() in ("1", "on", "true", "yes")


def _federated(
    request: Request, result: SearchResult
) -> tuple[list[MergedHit], list[Outcome]] | None:
    """This page's hits merged with the peers' when ``peers=1`` and words were given;
    the peers are asked on the first page only (their answers are not paged)."""
    if not _with_peers(request) or not result.query or result.page != 1:
        return None
    outcomes = ask_peers(request, result.query)
    return merge(result.hits, outcomes, result.query, result.lang), outcomes


def _kind_labels(request: Request, lang: str) -> Callable[[str], str]:
    """Kinds of the peers' results (classes of this map's ontology) in words."""
    settings: Settings = request.app.state.settings
    vocab = vocabulary(request.app.state.holder.get(), settings.base)

    def label(iri: str) -> str:
        return pick(vocab.labels.get(iri, {}), lang) or ""

    return label


def _peers_json(federated: tuple[list[MergedHit], list[Outcome]], lang: str) -> dict[str, Any]:
    merged, outcomes = federated
    return {
        "results": [hit.to_json(lang) for hit in merged],
        "asked": [o.to_json() for o in outcomes],
        "missing": [o.peer.iri for o in outcomes if o.missing],
    }


def _url(q: str, lang: str, selected: dict[str, list[str]], **extra: object) -> str:
    params: list[tuple[str, object]] = [("q", q)] if q else []
    params += [(name, value) for name, values in selected.items() for value in values]
    params += [(k, v) for k, v in extra.items() if v is not None]
    params.append(("lang", lang))
    return "/search?" + urlencode(params)


@router.get("/search", response_model=None, summary="Full-text search with facets")
def search_page(request: Request) -> Response:
    """Entities whose names, alternative names or descriptions hold every word of ``q``
    (any language, case and accents ignored), narrowed by facet values (``kind``,
    ``sector``, ``service``, ``audience``, ``municipality``: IRIs, repeatable, all must
    hold), ``page`` by ``page``. When the words find nothing because one is mistyped, the
    results of the corrected query, which ``suggestion`` links to ("did you mean").
    HTML for browsers; JSON with ``?format=json`` or ``Accept: application/json``; 406
    when the client accepts neither."""
    media = _media(request)
    if media is None:
        raise _not_acceptable()
    settings: Settings = request.app.state.settings
    params = request.query_params
    lang = page_language(request)
    raw = params.get("q") or ""
    q = raw[:MAX_QUERY_CHARS]
    facets = {name: params.getlist(name) for name in FACETS}
    per_page = _number(params.get("per_page"), PER_PAGE)
    result = search(
        index_path(request),
        q,
        lang,
        facets,
        page=_number(params.get("page"), 1),
        per_page=per_page,
        cache=request.app.state.holder.cache(),
    )
    extra = {
        "per_page": result.per_page if result.per_page != PER_PAGE else None,
        "peers": "1" if _with_peers(request) else None,
    }
    federated = _federated(request, result)
    json_url = _url(result.query, lang, result.selected, format="json", page=result.page, **extra)
    links = {
        "self": _url(result.query, lang, result.selected, page=result.page, **extra),
        "json": json_url,
        "previous": _url(result.query, lang, result.selected, page=result.page - 1, **extra)
        if result.page > 1
        else None,
        "next": _url(result.query, lang, result.selected, page=result.page + 1, **extra)
        if result.page < result.pages
        else None,
    }
    suggestion_url = _url(result.suggestion, lang, result.selected) if result.suggestion else None
    if media == JSON:
        body = _json(result, settings.base, links, suggestion_url)
        if federated is not None:
            body["peers"] = _peers_json(federated, lang)
        return JSONResponse(body, headers={"Vary": VARY})
    return request.app.state.templates.TemplateResponse(
        request,
        "search.html",
        context(
            request,
            result=result,
            trimmed=len(raw) > MAX_QUERY_CHARS,
            href=lambda iri: href(iri, settings.base, lang),
            links=links,
            pages=_pages(result),
            page_url=lambda n: _url(result.query, lang, result.selected, page=n, **extra),
            clear_url=_url(result.query, lang, {}),
            suggestion_url=suggestion_url,
            facet_names=FACETS,
            with_peers=_with_peers(request),
            federated=federated,
            # the store is opened only when peers' kinds need words (the index suffices else)
            kind_label=_kind_labels(request, lang) if federated else None,
        ),
        headers={"Link": f'<{json_url}>; rel="alternate"; type="{JSON}"', "Vary": VARY},
    )


def _pages(result: SearchResult) -> list[int | None]:
    """Page numbers to link: the first, the last, and two around the current one (None
    where numbers are skipped)."""
    shown = {1, result.pages} | set(range(result.page - 2, result.page + 3))
    out: list[int | None] = []
    for n in sorted(p for p in shown if 1 <= p <= result.pages):
        if out and out[-1] is not None and n > out[-1] + 1:
            out.append(None)
        out.append(n)
    return out


def _json(
    result: SearchResult, base: str, links: dict[str, str | None], suggestion_url: str | None
) -> dict[str, Any]:
    body = result.to_json()
    for item in body["results"]:
        item["href"] = href(item["iri"], base, result.lang)
    body["links"] = {k: v for k, v in links.items() if v}
    if body["suggestion"]:
        body["suggestion"]["href"] = suggestion_url
    return body


@router.get("/api/autocomplete", summary="Names starting with what has been typed")
def autocomplete_api(request: Request) -> JSONResponse:
    """Up to ``limit`` (10) entities whose name, in any language, or alternative name
    starts with ``q``; then names holding words starting with each word of ``q``; when
    none does because a word is mistyped, the same for the corrected words.
    ``[{iri, label, label_lang, kind, kind_iri, matched, corrected, href}]``: ``label``
    in the reader's language (``lang``), ``matched`` the name that matched when it
    differs, ``corrected`` what was typed, corrected, when a correction was used."""
    settings: Settings = request.app.state.settings
    params = request.query_params
    lang = page_language(request)
    found = autocomplete(
        index_path(request),
        (params.get("q") or "")[:MAX_QUERY_CHARS],
        lang,
        limit=_number(params.get("limit"), 10),
        cache=request.app.state.holder.cache(),
    )
    items: list[dict[str, Any]] = [
        {
            "iri": s.iri,
            "label": s.label,
            "label_lang": s.label_lang,
            "kind": s.kind_label,
            "kind_iri": s.kind,
            "matched": s.matched,
            "corrected": s.corrected,
            "href": href(s.iri, settings.base, lang),
        }
        for s in found
    ]
    headers = {"Cache-Control": "public, max-age=60", "Vary": vary()}
    q = (params.get("q") or "").strip()[:MAX_QUERY_CHARS]
    if _with_peers(request) and q:
        items, missing = _peer_suggestions(
            request, items, q, lang, _number(params.get("limit"), 10)
        )
        # the list keeps its shape; which maps did not answer goes in a header
        headers = {
            "Cache-Control": "no-store",
            "Vary": vary(),
            "X-Peers-Missing": " ".join(missing),
        }
    return JSONResponse(items, headers=headers)


def _peer_suggestions(
    request: Request, items: list[dict[str, Any]], q: str, lang: str, limit: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """This map's suggestions, then the peers' whose name starts with a word of ``q``
    (best match first), each saying which map it is from, up to ``limit`` in all."""
    outcomes = ask_peers(request, q)
    known = {item["iri"] for item in items}
    extra = []
    for hit in merge([], outcomes, q, lang, limit=limit * 4):
        if hit.iri not in known and hit.peer is not None and name_tier(hit.label, q) < 3:
            extra.append(hit.to_json(lang) | {"href": hit.iri})
    missing = [o.peer.iri for o in outcomes if o.missing]
    shown = min(len(extra), max(limit // 2, limit - len(items)))  # room for both
    return items[: limit - shown] + extra[:shown], missing
