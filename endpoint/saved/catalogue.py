"""The catalogue of saved queries: as JSON (``/api/queries``, with links to run and document
each) and as a page grouped by tag (``/queries``)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse

from endpoint.http.i18n import context, page_language, translate
from endpoint.saved.openapi import DATA_FORMATS, operation_id
from kg.saved import queries as saved
from kg.saved.queries import SavedQuery


def links(query: SavedQuery) -> dict[str, str]:
    api = f"/api/queries/{query.name}"
    out = {"self": api, "page": f"/queries/{query.name}"}
    out.update({key: f"{api}?format={key}" for key in DATA_FORMATS})
    out["docs"] = f"/docs#/{query.tags[0]}/{operation_id(query.name)}"
    return out


def catalogue(request: Request) -> JSONResponse:
    queries_, _ = saved.load_valid(request.app.state.settings)
    return JSONResponse(
        {"queries": [{**q.to_dict(), "links": links(q)} for q in queries_]},
        headers={"Link": '</openapi.json>; rel="service-desc"'},
    )


def tag_id(tag: str) -> str:
    """The tag as an HTML id (tags may hold spaces)."""
    return "tag-" + tag.replace(" ", "-")


def tag_name(tag: str, lang: str) -> str:
    key = f"queries.tag.{tag}"
    text = translate(key, lang)
    return tag if text == key else text


def catalogue_page(request: Request) -> HTMLResponse:
    lang = page_language(request)
    found, _ = saved.load_valid(request.app.state.settings)
    # each query listed once, under its first tag; its other tags are named beside it
    groups: dict[str, list[SavedQuery]] = {}
    for query in found:
        groups.setdefault(query.tags[0], []).append(query)
    tags = sorted(groups, key=lambda t: tag_name(t, lang).lower())
    values = {
        "groups": [
            {
                "id": tag_id(tag),
                "name": tag_name(tag, lang),
                "queries": [
                    {
                        "name": q.name,
                        "title": q.title(lang),
                        "description": q.description(lang),
                        "chart": q.chart,
                        "params": [p.name for p in q.params],
                        "also": [
                            {"id": tag_id(t), "name": tag_name(t, lang), "group": t in groups}
                            for t in q.tags[1:]
                        ],
                    }
                    for q in sorted(groups[tag], key=lambda q: q.title(lang).lower())
                ],
            }
            for tag in tags
        ],
        "count": len(found),
    }
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "saved-queries.html", context(request, **values)
    )
    response.headers["Vary"] = "Accept-Language"
    return response
