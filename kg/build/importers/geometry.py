"""Polygons of the importers on WGS84 coordinates, through shapely: point in polygon and
area (on a local projection: enough for Brussels-sized areas), and their WKT."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, shape
from shapely.prepared import PreparedGeometry, prep

Ring = Sequence[Sequence[float]]  # [(lon, lat), ...]
Polygon = Sequence[Ring]  # outer ring, then holes

EARTH_RADIUS_M = 6_371_008.8


def polygons_of(geometry: Mapping[str, Any]) -> list[Polygon]:
    """GeoJSON Polygon or MultiPolygon -> list of polygons."""
    if geometry["type"] not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"expected a Polygon or MultiPolygon, got {geometry['type']}")
    found = shape(geometry)
    parts = found.geoms if isinstance(found, MultiPolygon) else [found]
    return [
        [[list(p) for p in ring.coords] for ring in [part.exterior, *part.interiors]]
        for part in parts
    ]


def area_shape(polygons: Sequence[Polygon]) -> MultiPolygon:
    return MultiPolygon([(outer, holes) for outer, *holes in polygons])


def prepared(polygons: Sequence[Polygon]) -> PreparedGeometry:
    """The polygons ready for many point-in-polygon tests."""
    return prep(area_shape(polygons))


def contains(area: Sequence[Polygon] | PreparedGeometry, lon: float, lat: float) -> bool:
    """Whether the point lies inside the polygons (not in a hole, not on the boundary)."""
    ready = area if isinstance(area, PreparedGeometry) else prepared(area)
    return bool(ready.contains(Point(lon, lat)))


def area_km2(polygons: Sequence[Polygon]) -> float:
    """Area on a local equirectangular projection (error well under 0.1 % at this size)."""
    lat0 = polygons[0][0][0][1]
    kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    ky = math.radians(1) * EARTH_RADIUS_M
    metres = shapely.transform(area_shape(polygons), lambda xy: xy * (kx, ky))
    return float(metres.area) / 1e6


# The WKT written keeps its fixed precision and the compact ``POINT(`` form of the files
# already published (shapely writes ``POINT (``), so an import gives the same bytes.
def _ring_wkt(ring: Ring) -> str:
    return "(" + ", ".join(f"{p[0]:.6f} {p[1]:.6f}" for p in ring) + ")"


def wkt(polygons: Sequence[Polygon]) -> str:
    if len(polygons) == 1:
        return "POLYGON(" + ", ".join(_ring_wkt(r) for r in polygons[0]) + ")"
    parts = ["(" + ", ".join(_ring_wkt(r) for r in poly) + ")" for poly in polygons]
    return "MULTIPOLYGON(" + ", ".join(parts) + ")"


def point_wkt(lon: float, lat: float) -> str:
    return f"POINT({lon:.7f} {lat:.7f})"
