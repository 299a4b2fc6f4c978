"""What a deployment's data says of itself, where code would otherwise name a region:
the area its catalogue covers (``<catalog> dct:spatial`` in ``data/catalog.ttl``, a NUTS
code such as BE100 for the Brussels-Capital Region), which is the area of every figure
that names none (KPIs, network metrics); and the knowledge graph's own title and
description (``<id/dataset/kg>`` there), which VoID and the catalogue give. Another
region's deployment edits its data, not this (docs/region.md)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse

from kg.namespaces import DCAT, DCT, RDF_TYPE

CATALOG_FILE = Path("data/catalog.ttl")
#: what relative IRIs of the file resolve against here (the file's `<id/dataset/kg>`)
_BASE = "https://deployment.invalid/"
GRAPH_PATH = "id/dataset/kg"


class DeploymentError(ValueError):
    """The deployment's data does not say what it must."""


@dataclass(frozen=True)
class GraphTexts:
    """The knowledge graph's title and description, by language."""

    titles: dict[str, str]
    descriptions: dict[str, str]


def region_area(root: Path) -> str:
    """The IRI of the area the catalogue of the deployment under ``root`` covers."""
    triples = _triples(root)
    catalogues = {
        t.subject
        for t in triples
        if t.predicate.value == RDF_TYPE and t.object == NamedNode(DCAT + "Catalog")
    }
    areas = sorted(
        t.object.value
        for t in triples
        if t.subject in catalogues
        and t.predicate.value == DCT + "spatial"
        and isinstance(t.object, NamedNode)
    )
    if len(areas) != 1:
        raise DeploymentError(
            f"{CATALOG_FILE}: the dcat:Catalog names the area it covers with one dct:spatial"
            f" (found {', '.join(areas) or 'none'})"
        )
    return areas[0]


def graph_texts(root: Path) -> GraphTexts:
    """The title and description ``data/catalog.ttl`` gives ``<id/dataset/kg>``."""
    kg = NamedNode(_BASE + GRAPH_PATH)
    found: dict[str, dict[str, str]] = {DCT + "title": {}, DCT + "description": {}}
    for t in _triples(root):
        texts = found.get(t.predicate.value)
        if t.subject == kg and texts is not None and isinstance(t.object, Literal):
            texts[t.object.language or ""] = t.object.value
    titles, descriptions = found.values()
    if not titles:
        raise DeploymentError(f"{CATALOG_FILE}: <{GRAPH_PATH}> has no dct:title")
    return GraphTexts(titles, descriptions)


def _triples(root: Path) -> list[Triple]:
    path = root / CATALOG_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as err:
        raise DeploymentError(f"cannot read {CATALOG_FILE}: {err.strerror}") from None
    return _read(path, stamp)


@functools.cache
def _read(path: Path, stamp: int) -> list[Triple]:
    del stamp  # the cache key: a changed file is read again
    try:
        return [q.triple for q in parse(path=path, format=RdfFormat.TURTLE, base_iri=_BASE)]
    except (OSError, SyntaxError) as err:
        raise DeploymentError(f"{CATALOG_FILE}: {err}") from None
