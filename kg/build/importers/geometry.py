"""Small plane geometry on WGS84 coordinates: enough for Brussels-sized areas."""

from __future__ import annotations

import math
from collections.abc import Sequence

Ring = Sequence[Sequence[float]]  # [(lon, lat), ...]
Polygon = Sequence[Ring]  # outer ring, then holes

EARTH_RADIUS_M = 6_371_008.8


def polygons_of(geometry: dict) -> list[Polygon]:
    """GeoJSON Polygon or MultiPolygon -> list of polygons."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"expected a Polygon or MultiPolygon, got {geometry['type']}")


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(polygons: list[Polygon], lon: float, lat: float) -> bool:
    for outer, *holes in polygons:
        if _in_ring(lon, lat, outer) and not any(_in_ring(lon, lat, h) for h in holes):
            return True
    return False


def _ring_area_m2(ring: Ring, lat0: float) -> float:
    kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    ky = math.radians(1) * EARTH_RADIUS_M
    pts = [(p[0] * kx, p[1] * ky) for p in ring]
    return (
        abs(
            sum(
                x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True)
            )
        )
        / 2
    )


def area_km2(polygons: list[Polygon]) -> float:
    """Area on a local equirectangular projection (error well under 0.1 % at this size)."""
    lat0 = polygons[0][0][0][1]
    total = 0.0
    for outer, *holes in polygons:
        total += _ring_area_m2(outer, lat0) - sum(_ring_area_m2(h, lat0) for h in holes)
    return total / 1e6


def _ring_wkt(ring: Ring) -> str:
    return "(" + ", ".join(f"{p[0]:.6f} {p[1]:.6f}" for p in ring) + ")"


def wkt(polygons: list[Polygon]) -> str:
    if len(polygons) == 1:
        return "POLYGON(" + ", ".join(_ring_wkt(r) for r in polygons[0]) + ")"
    parts = ["(" + ", ".join(_ring_wkt(r) for r in poly) + ")" for poly in polygons]
    return "MULTIPOLYGON(" + ", ".join(parts) + ")"


def point_wkt(lon: float, lat: float) -> str:
    return f"POINT({lon:.7f} {lat:.7f})"
