"""The RDF twins of a page (Turtle, JSON-LD, N-Triples, RDF/XML) and the ``Link:
rel="alternate"`` header and footer list that announce every twin."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pyoxigraph import RdfFormat, serialize

from endpoint.pages.pagerequest import HTML, JSON, RDF_FORMATS, absolute
from kg.jsonld import CONTEXT_PATH, jsonld_bytes
from kg.namespaces import all_prefixes


def rdf_response(
    triples: list[Any],
    media: str,
    base: str,
    headers: dict[str, str],
    request: Request | None = None,
) -> Response:
    """The twin in ``media``; JSON-LD compacted with the project's context (kg.jsonld),
    which the request's own site serves (the base's when no request is given)."""
    fmt = RDF_FORMATS[media][0]
    if fmt == RdfFormat.JSON_LD:
        root = str(request.base_url).rstrip("/") if request is not None else base.rstrip("/")
        return Response(
            jsonld_bytes(triples, base, root + CONTEXT_PATH), media_type=media, headers=headers
        )
    body = serialize(triples, format=fmt, prefixes=all_prefixes(base)) or b""
    return Response(body, media_type=media, headers=headers)


def alternates(request: Request, path: str, include_html: bool = True) -> str:
    """``Link`` header: the twins of ``/path`` (their suffix URLs)."""
    links = []
    if include_html:
        links.append(f'<{absolute(request, path + ".html")}>; rel="alternate"; type="{HTML}"')
        links.append(f'<{absolute(request, path + ".json")}>; rel="alternate"; type="{JSON}"')
    for media, (_, ext) in RDF_FORMATS.items():
        links.append(f'<{absolute(request, path + "." + ext)}>; rel="alternate"; type="{media}"')
    return ", ".join(links)


def alternate_list(path: str) -> list[tuple[str, str, str]]:
    """(label, media type, URL) of the page's twins, for the page footer."""
    names = {
        JSON: "JSON",
        "text/turtle": "Turtle",
        "application/ld+json": "JSON-LD",
        "application/n-triples": "N-Triples",
        "application/rdf+xml": "RDF/XML",
    }
    out = [(names[JSON], JSON, f"{path}.json")]
    out += [(names[m], m, f"{path}.{ext}") for m, (_, ext) in RDF_FORMATS.items()]
    return out
