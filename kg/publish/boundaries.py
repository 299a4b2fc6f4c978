"""The municipalities' boundaries for the map, from the reference geo data in the store."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pyoxigraph import Literal

from kg.labels import pick_with_language
from kg.publish.maplabels import href, local_name, solutions
from kg.store import GraphStore
from kg.wkt import parse_polygons

#: The municipalities with their boundary, name and NIS code.
BOUNDARIES = """
SELECT ?m ?wkt ?label ?nis WHERE {
  ?m a cci:Municipality ; locn:geometry ?g .
  ?g geo:asWKT ?wkt .
  OPTIONAL { ?m skos:prefLabel ?label }
  OPTIONAL { ?m skos:notation ?nis }
}
"""


def boundaries(store: GraphStore, base: str, lang: str) -> dict[str, Any]:
    """The municipalities' boundaries from the store (the reference geo data imported by
    kg.build.importers.municipalities), as a GeoJSON FeatureCollection, named in the reader's
    language; properties ``iri``, ``label``, ``lang``, ``nis``, ``href``."""
    rows = solutions(store, BOUNDARIES, base=base)
    shapes: dict[str, dict[str, Any]] = {}
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    codes: dict[str, str] = {}
    for row in rows:
        iri = row["m"].value
        if iri not in shapes:
            geometry = parse_polygons(row["wkt"].value)
            if geometry is None:
                continue
            shapes[iri] = geometry
        if isinstance(row["label"], Literal):
            labels[iri].setdefault(row["label"].language or "", row["label"].value)
        if isinstance(row["nis"], Literal):
            codes.setdefault(iri, row["nis"].value)
    out: list[dict[str, Any]] = []
    for iri, geometry in shapes.items():
        picked = pick_with_language(labels.get(iri, {}), lang)
        text, text_lang = picked if picked else (local_name(iri), "")
        out.append(
            {
                "type": "Feature",
                "id": iri,
                "geometry": geometry,
                "properties": {
                    "iri": iri,
                    "label": text,
                    "lang": text_lang,
                    "nis": codes.get(iri),
                    "href": href(iri, base),
                },
            }
        )
    out.sort(key=lambda f: (f["properties"]["nis"] or "", f["id"]))
    return {"type": "FeatureCollection", "features": out}
