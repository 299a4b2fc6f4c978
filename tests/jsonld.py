"""The site's JSON-LD documents refer to their context by URL (``/context.jsonld``,
kg.jsonld); pyoxigraph's parser loads no remote context, so the tests put the context the
site serves in its place before parsing."""

from __future__ import annotations

import json
from typing import Any

import httpx
from pyoxigraph import Quad, RdfFormat, parse


def served_context(client: httpx.Client) -> dict[str, Any]:
    """What ``/context.jsonld`` answers, through the app."""
    response = client.get("/context.jsonld")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/ld+json")
    context: dict[str, Any] = response.json()
    return context


def inlined(body: bytes, context: dict[str, Any]) -> bytes:
    """A compacted document with the context written into it (any other JSON-LD as it is)."""
    document = json.loads(body)
    if isinstance(document, dict) and isinstance(document.get("@context"), str):
        assert document["@context"].endswith("/context.jsonld"), document["@context"]
        document["@context"] = context["@context"]
    return json.dumps(document).encode()


def parsed(body: bytes, fmt: RdfFormat, client: httpx.Client) -> list[Quad]:
    """``body`` parsed, a JSON-LD one with the site's context inlined first."""
    if fmt == RdfFormat.JSON_LD:
        body = inlined(body, served_context(client))
    return list(parse(body, fmt))
