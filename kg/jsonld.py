"""The project's JSON-LD ``@context`` and the documents compacted with it.

pyoxigraph writes JSON-LD expanded (every key a full IRI). Every JSON-LD document the site
publishes (entity and page twins, VoID, the service description, the catalogue) is written
that way and then compacted here against one context, published at ``/context.jsonld``:
the project's prefixes (``skos:prefLabel``, ``cci:offersService``, ``o:hub-brussels``) and
``id`` / ``type`` for ``@id`` / ``@type``. Only prefixes and the two aliases: no term
coerces a type or a container, so compacting is a renaming any JSON-LD processor undoes
exactly (tests/test_catalog.py expands an entity's document and compares it with its
Turtle).

SPARQL answers in JSON-LD (CONSTRUCT, the Graph Store) stay expanded: they stream under
the row and byte caps, and an expanded document needs no context.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pyoxigraph import RdfFormat, Triple, serialize

from kg.namespaces import RDF_TYPE, all_prefixes

#: where the context is served, relative to the site root
CONTEXT_PATH = "/context.jsonld"
#: vocabularies the published descriptions use besides the project's own prefixes
EXTRA_PREFIXES = {
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "formats": "http://www.w3.org/ns/formats/",
    "dcatap": "http://data.europa.eu/r5r/",
    "iana": "https://www.iana.org/assignments/media-types/",
    "eu": "http://publications.europa.eu/resource/authority/",
    "nuts": "http://data.europa.eu/nuts/code/",
    "nace": "http://data.europa.eu/ux2/nace2/",
    "wd": "http://www.wikidata.org/entity/",
}
ALIASES = {"id": "@id", "type": "@type"}


def context_prefixes(base: str) -> dict[str, str]:
    return {**all_prefixes(base), **EXTRA_PREFIXES}


def context_document(base: str) -> dict[str, Any]:
    """What ``/context.jsonld`` answers."""
    return {"@context": {**ALIASES, **context_prefixes(base)}}


class _Compactor:
    """IRIs to compact IRIs with the longest namespace that leaves a local part."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def iri(self, iri: str) -> str:
        for name, namespace in self.prefixes:
            local = iri[len(namespace) :]
            # "p:" alone, or "p://…", would read as something else
            if iri.startswith(namespace) and local and not local.startswith("//"):
                return f"{name}:{local}"
        return iri

    def value(self, value: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "@id":
                out["id"] = item if item.startswith("_:") else self.iri(item)
            elif key == "@type":
                out["type"] = self.iri(item)
            else:
                out[key] = item  # @value, @language, @direction
        return out

    def node(self, node: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        types: list[str] = []
        for key, items in node.items():
            if key == "@id":
                out["id"] = items if items.startswith("_:") else self.iri(items)
            elif key == "@type":
                types += [self.iri(t) for t in items]
            elif key == "@graph":
                out["@graph"] = [self.node(n) for n in items]
            elif key == RDF_TYPE and all(set(v) == {"@id"} for v in items):
                types += [self.iri(v["@id"]) for v in items]  # `type`, not `rdf:type`
            else:
                values = [self.value(v) for v in items]
                out[self.iri(key)] = values[0] if len(values) == 1 else values
        first = {"id": out.pop("id")} if "id" in out else {}
        if types:
            first["type"] = types[0] if len(types) == 1 else types
        return {**first, **out}


def compact(expanded: list[dict[str, Any]], base: str, context_url: str) -> dict[str, Any]:
    """An expanded JSON-LD document as one with ``context_url`` as its context."""
    compactor = _Compactor(context_prefixes(base))
    return {"@context": context_url, "@graph": [compactor.node(n) for n in expanded]}


def jsonld_bytes(triples: Iterable[Triple], base: str, context_url: str) -> bytes:
    """``triples`` as a JSON-LD document compacted with the project's context."""
    expanded = json.loads(serialize(triples, format=RdfFormat.JSON_LD) or b"[]")
    if isinstance(expanded, dict):  # one node, or already a @graph
        expanded = expanded.get("@graph", [expanded])
    document = compact(expanded, base, context_url)
    return json.dumps(document, ensure_ascii=False, indent=1).encode()
