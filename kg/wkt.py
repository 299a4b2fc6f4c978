"""WKT literals (GeoSPARQL ``geo:wktLiteral``) read with shapely, for the map, the entity
pages and the query charts alike.

A literal may start with the IRI of its CRS (``<…/EPSG/0/4326> POINT(50.8 4.3)``), which
shapely does not read: it is taken off here. CRS84 (longitude first) is GeoSPARQL's default;
EPSG:4326 puts latitude first, so its coordinates are swapped. What shapely refuses (a
polygon ring that is not closed, unbalanced parentheses) is no geometry: the entity shows
none, the map leaves it out.
"""

from __future__ import annotations

import re
from typing import Any

import shapely
import shapely.wkt
from shapely.geometry import MultiPolygon, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

_CRS = re.compile(r"\s*<([^>]*)>")
#: CRSs whose axis order is latitude first
LAT_FIRST = ("http://www.opengis.net/def/crs/EPSG/0/4326",)


def read(wkt: str) -> BaseGeometry | None:
    """The geometry of a WKT literal, 2D, longitude first; None when shapely cannot read it
    or it is empty."""
    crs = _CRS.match(wkt)
    text = wkt[crs.end() :] if crs else wkt
    try:
        geometry = shapely.force_2d(shapely.wkt.loads(text))
    except (shapely.errors.ShapelyError, ValueError):
        return None
    if geometry.is_empty:
        return None
    if crs and crs.group(1) in LAT_FIRST:
        geometry = shapely.transform(geometry, lambda xy: xy[:, ::-1])
    return geometry


def parse_point(wkt: str) -> tuple[float, float] | None:
    """``"POINT(4.35 50.85)"`` -> (lon, lat); None when the WKT is not a valid point."""
    geometry = read(wkt)
    if not isinstance(geometry, Point):
        return None
    lon, lat = geometry.x, geometry.y
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


def _lists(value: Any) -> Any:
    # GeoJSON as the index files and pages have always held it: lists, not tuples
    return [_lists(v) for v in value] if isinstance(value, tuple | list) else value


def parse_polygons(wkt: str) -> dict[str, Any] | None:
    """WKT POLYGON or MULTIPOLYGON -> a GeoJSON geometry; None when it is neither."""
    geometry = read(wkt)
    if not isinstance(geometry, Polygon | MultiPolygon):
        return None
    found = mapping(geometry)
    return {"type": found["type"], "coordinates": _lists(found["coordinates"])}


def polygon_rings(geometry: BaseGeometry) -> list[list[tuple[float, float]]]:
    """Every ring (outer, then holes, polygon by polygon) as (lat, lon) points."""
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    rings = []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            rings.append([(y, x) for x, y in ring.coords])
    return rings
