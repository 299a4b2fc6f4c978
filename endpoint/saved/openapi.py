"""The OpenAPI description of the saved-query API: each query's parameters, the common
ones (format, paging), and the responses with the one error body."""

from __future__ import annotations

from typing import Any

from kg.saved.queries import SavedQuery
from kg.settings import Settings

#: rows per page unless ``per_page`` says otherwise
PER_PAGE = 100
DATA_FORMATS = ("json", "xml", "csv", "tsv")
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "message": {"type": "string"},
                "parameter": {"type": "string", "description": "the parameter at fault"},
            },
            "required": ["type", "message"],
        }
    },
}


def operation_id(name: str) -> str:
    return "saved_query_" + name.replace("-", "_")


def openapi_parameters(query: SavedQuery, settings: Settings) -> list[dict[str, Any]]:
    own = [
        {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": p.explain(),
            "schema": p.schema(),
        }
        for p in query.params
    ]
    common = [
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "The answer's format; without it, the Accept header decides "
            "(SPARQL JSON by default).",
            "schema": {"type": "string", "enum": [*DATA_FORMATS, "html"]},
        },
        {
            "name": "page",
            "in": "query",
            "required": False,
            "description": "Page number, from 1.",
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
        {
            "name": "per_page",
            "in": "query",
            "required": False,
            "description": f"Rows per page (at most {settings.max_rows}).",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": settings.max_rows,
                "default": min(PER_PAGE, settings.max_rows),
            },
        },
    ]
    return own + common


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The result: one page of rows. `Link` (RFC 8288) gives first, prev, "
        "next and last pages; `X-Total-Count` the number of rows when known.",
        "headers": {
            "Link": {"schema": {"type": "string"}, "description": "RFC 8288 paging links"},
            "X-Total-Count": {"schema": {"type": "integer"}, "description": "rows in all"},
            "X-SPARQL-Truncated": {
                "schema": {"type": "string", "enum": ["true", "false"]},
                "description": "whether the result has more rows than the server returns",
            },
        },
        "content": {
            "application/sparql-results+json": {"schema": {"type": "object"}},
            "application/sparql-results+xml": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
            "text/tab-separated-values": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    },
    400: {
        "description": "A parameter is missing, malformed or not allowed (`parameter` names "
        "it), or paging is out of range.",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    },
    404: {
        "description": "No such saved query.",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    },
    406: {
        "description": "No acceptable format.",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    },
    503: {
        "description": "The query ran past the time limit, or the store is unavailable.",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    },
}
