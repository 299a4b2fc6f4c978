"""What a saved query's page draws from its rows, by the header's ``chart``:

- ``bar``, ``line``, ``pie``: labels and numeric series for Chart.js (the numeric columns,
  parameters aside, are the series; the first text column gives the labels);
- ``map``: a GeoJSON FeatureCollection for Leaflet from the WKT column (``?wkt``,
  ``?geometry`` or any column of ``geo:wktLiteral``): points become markers, polygons
  boundaries; each feature labelled by the first text column and linked to the row's first
  entity;
- ``network``: Cytoscape.js elements from the first two IRI columns (an edge from the first
  to the second per row), nodes labelled by a ``?<column>Label`` column, edges by the first
  other text column;
- ``table``: nothing.

Only the rows of the page shown are drawn, as the table below lists them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.build.report import shorten
from kg.namespaces import GEO_WKT_LITERAL, XSD
from kg.saved.queries import SavedQuery
from kg.store import Term
from kg.wkt import parse_point, parse_polygons

WKT_COLUMNS = ("wkt", "geometry")
NUMERIC = {
    XSD + t
    for t in (
        "integer", "decimal", "double", "float", "int", "long", "short", "byte",
        "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
        "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
    )
}  # fmt: skip
#: nodes a network chart draws at most (the rest of the page's rows are left out)
MAX_NODES = 500
#: Brussels, where a map without any geometry opens
CENTRE = (50.8466, 4.3528)

Row = Mapping[str, Term | None]


def number(term: Term | None) -> float | None:
    if isinstance(term, Literal) and term.datatype.value in NUMERIC:
        try:
            return float(term.value)
        except ValueError:
            return None
    return None


def text_of(term: Term | None, prefixes: Mapping[str, str]) -> str:
    if isinstance(term, NamedNode):
        return shorten(term.value, prefixes) or term.value
    if isinstance(term, Literal):
        return term.value
    return ""


def local_path(iri: str, base: str) -> str:
    """The page of an entity of this graph on this server (``/id/…``), or ""."""
    return "/" + iri[len(base) :] if iri.startswith(base) else ""


def _columns(query: SavedQuery, variables: Sequence[str]) -> list[str]:
    own = {p.name for p in query.params}
    return [v for v in variables if v not in own]


def _all(rows: Sequence[Row], column: str, kind: type) -> bool:
    """Some row binds the column, and every bound value is of ``kind``."""
    values = [r.get(column) for r in rows]
    return any(v is not None for v in values) and all(
        v is None or isinstance(v, kind) for v in values
    )


def series(
    query: SavedQuery, variables: Sequence[str], rows: Sequence[Row], prefixes: Mapping[str, str]
) -> dict[str, Any] | None:
    """bar, line, pie."""
    columns = _columns(query, variables)
    numeric = [
        v
        for v in columns
        if any(r[v] is not None for r in rows)
        and all(r[v] is None or number(r[v]) is not None for r in rows)
    ]
    if not numeric:
        return None
    others = [v for v in columns if v not in numeric]
    texts = [v for v in others if any(isinstance(r[v], Literal) for r in rows)]
    label = texts[0] if texts else others[0] if others else None
    chosen = numeric[:1] if query.chart == "pie" else numeric
    return {
        "type": query.chart,
        "labels": [text_of(r[label], prefixes) if label else "" for r in rows],
        "datasets": [{"label": v, "data": [number(r[v]) for r in rows]} for v in chosen],
    }


def wkt_column(columns: Sequence[str], rows: Sequence[Row]) -> str | None:
    for column in columns:
        values = [r[column] for r in rows if isinstance(r[column], Literal)]
        if values and (
            column in WKT_COLUMNS or all(v.datatype.value == GEO_WKT_LITERAL for v in values)  # type: ignore[union-attr]
        ):
            return column
    return None


def geometry(wkt: str) -> dict[str, Any] | None:
    point = parse_point(wkt)
    if point is not None:
        return {"type": "Point", "coordinates": list(point)}
    return parse_polygons(wkt)


def geo(
    query: SavedQuery,
    variables: Sequence[str],
    rows: Sequence[Row],
    prefixes: Mapping[str, str],
    base: str,
) -> dict[str, Any] | None:
    """map: the rows with a geometry as GeoJSON features."""
    columns = _columns(query, variables)
    where = wkt_column(columns, rows)
    if where is None:
        return None
    labels = [c for c in columns if c != where and _all(rows, c, Literal)]
    entities = [c for c in columns if _all(rows, c, NamedNode)]
    features = []
    for index, row in enumerate(rows):
        wkt = row[where]
        shape = geometry(wkt.value) if isinstance(wkt, Literal) else None
        if shape is None:
            continue
        entity = next((row[c] for c in entities if isinstance(row[c], NamedNode)), None)
        label = next((text_of(row[c], prefixes) for c in labels if row[c] is not None), "")
        lang = next((t.language or "" for c in labels if isinstance(t := row[c], Literal)), "")
        features.append(
            {
                "type": "Feature",
                "id": entity.value if isinstance(entity, NamedNode) else f"row-{index + 1}",
                "geometry": shape,
                "properties": {
                    "label": label or (text_of(entity, prefixes) if entity else ""),
                    "lang": lang,
                    "href": local_path(entity.value, base) if isinstance(entity, NamedNode) else "",
                },
            }
        )
    if not features:
        return None
    return {
        "type": "map",
        "geojson": {"type": "FeatureCollection", "features": features},
        "centre": list(CENTRE),
    }


def network(
    query: SavedQuery,
    variables: Sequence[str],
    rows: Sequence[Row],
    prefixes: Mapping[str, str],
    base: str,
) -> dict[str, Any] | None:
    """network: one edge per row, from the first IRI column to the second."""
    columns = _columns(query, variables)
    entities = [c for c in columns if _all(rows, c, NamedNode)]
    if len(entities) < 2:
        return None
    source, target = entities[:2]
    node_labels = {c: f"{c}Label" for c in (source, target) if f"{c}Label" in columns}
    used = {source, target, *node_labels.values()}
    edge_label = next(
        (c for c in columns if c not in used and _all(rows, c, Literal)),
        next((c for c in entities[2:]), None),
    )
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []
    for row in rows:
        ends = []
        for column in (source, target):
            term = row[column]
            if not isinstance(term, NamedNode):
                break
            if term.value not in nodes:
                if len(nodes) >= MAX_NODES:
                    break
                named = row.get(node_labels.get(column, ""))
                nodes[term.value] = {
                    "data": {
                        "id": term.value,
                        "label": text_of(named, prefixes) or text_of(term, prefixes),
                        "href": local_path(term.value, base),
                    }
                }
            ends.append(term.value)
        if len(ends) < 2:
            continue
        edges.append(
            {
                "data": {
                    "id": f"e{len(edges) + 1}",
                    "source": ends[0],
                    "target": ends[1],
                    "label": text_of(row[edge_label], prefixes) if edge_label else "",
                }
            }
        )
    if not edges:
        return None
    return {"type": "network", "elements": {"nodes": list(nodes.values()), "edges": edges}}


def chart_data(
    query: SavedQuery,
    variables: Sequence[str],
    rows: Sequence[Row],
    prefixes: Mapping[str, str],
    base: str = "",
) -> dict[str, Any] | None:
    """What the page draws for the query's ``chart``, or None (nothing to draw)."""
    if not rows:
        return None
    if query.chart in ("bar", "line", "pie"):
        return series(query, variables, rows, prefixes)
    if query.chart == "map":
        return geo(query, variables, rows, prefixes, base)
    if query.chart == "network":
        return network(query, variables, rows, prefixes, base)
    return None
