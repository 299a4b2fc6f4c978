"""Content negotiation: Accept headers with q-values, and the `format` parameter.

The header is read by python-mimeparse; which offered type wins is decided here, because
the project's rules are not the library's: aliases (``application/json`` means SPARQL
JSON or JSON-LD), the first offered type for ``*/*``, and the client's order on ties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import mimeparse

#: Media types people and tools send that mean one we serve.
ALIASES = {
    "application/json": ("application/sparql-results+json", "application/ld+json"),
    "application/xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "text/xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "text/plain": ("application/n-triples", "text/tab-separated-values"),
    "application/x-turtle": ("text/turtle",),
    "application/turtle": ("text/turtle",),
    "text/n3": ("text/turtle",),
}


def parse_accept(header: str) -> list[tuple[str, float, int]]:
    """[(media type, q, position)] in the header's order; malformed parts are ignored (and
    a q outside 0..1 or unreadable counts as 1, as mimeparse reads it)."""
    ranges = []
    for position, part in enumerate(header.split(",")):
        try:
            kind, subtype, params = mimeparse.parse_media_range(part)
        except ValueError:  # mimeparse.MimeTypeParseException
            continue
        if kind and subtype:
            ranges.append((f"{kind}/{subtype}".lower(), float(params["q"]), position))
    return ranges


def _specificity(media: str) -> int:
    return 0 if media == "*/*" else 1 if media.endswith("/*") else 2


def choose(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers; the first offered one when the client
    accepts anything (or sent no Accept); None when nothing offered is acceptable (406)."""
    if not accept or not accept.strip():
        return offered[0]
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, media in enumerate(offered):
        # the most specific range that matches decides this type's q
        match: tuple[int, float, int] | None = None
        for rng, q, position in parse_accept(accept):
            candidates = (rng, *ALIASES.get(rng, ()))
            hit = (
                rng == "*/*"
                or media in candidates
                or (rng.endswith("/*") and media.startswith(rng[:-1]))
            )
            if hit:
                spec = _specificity(rng) + (1 if rng == media else 0)
                if match is None or spec > match[0]:
                    match = (spec, q, position)
        if match is None or match[1] <= 0:
            continue
        score = (match[1], match[0], -index)
        if best is None or score > best:
            best, chosen = score, media
    return chosen


def wanted(
    format_param: str | None,
    accept: str | None,
    offered: Sequence[str],
    names: Mapping[str, str] | None = None,
) -> str | None:
    """The media type to answer with: ``?format=`` (a name in ``names``, such as ``json``,
    or a media type) when given, else the Accept header's choice; None when what was asked
    for is not offered (406)."""
    name = (format_param or "").strip().lower()
    if name:
        media = (names or {}).get(name, name)
        return media if media in offered else None
    return choose(accept, offered)
