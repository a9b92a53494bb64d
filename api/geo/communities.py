"""Locating a WGS-84 point in one community, with a fixed rule for borders and gaps.

The rule, applied in order:

1. A point inside exactly one community's interior belongs to it.
2. A point inside several interiors (overlapping boundaries, a data error) or
   on the edge shared by several communities belongs to the one whose code
   sorts first, so every replica and every reload decides the same way.
3. A point outside every community but within ``snap_tolerance_m`` of one
   (a road between two boundaries, GPS error) belongs to the nearest. Equal
   distances again go to the code that sorts first.
4. Anything else is outside every community.

Lookups query an STRtree of the boundaries, so a point is tested only against
the few polygons whose bounding boxes it touches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.ops import nearest_points

from api.geo.coordinates import EARTH_RADIUS_M, LatLon, distance_m

DEFAULT_SNAP_TOLERANCE_M = 25.0


class BoundaryInvalid(ValueError):
    """A community boundary that is not a valid WGS-84 GeoJSON Polygon or MultiPolygon."""


def parse_boundary(geojson: Any) -> Polygon | MultiPolygon:
    """Parse and check a GeoJSON boundary: a valid Polygon or MultiPolygon in lon/lat degrees."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise BoundaryInvalid("boundary must be a GeoJSON Polygon or MultiPolygon")
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise BoundaryInvalid(f"boundary is not valid GeoJSON: {error}") from error
    if geometry.is_empty or not geometry.is_valid:
        raise BoundaryInvalid("boundary polygon is empty or self-intersecting")
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not all(math.isfinite(v) for v in geometry.bounds):
        raise BoundaryInvalid("boundary coordinates must be finite numbers")
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        raise BoundaryInvalid("boundary coordinates must be longitude, latitude in degrees")
    return geometry


@dataclass(frozen=True)
class CommunityArea:
    community_id: int
    code: str
    boundary: dict


@dataclass(frozen=True)
class Placement:
    """Where a point landed: the community (or None), and how the rule decided."""

    community_id: int | None
    # "inside", "border" (several candidates, the first code won), "snapped" or "outside".
    rule: str
    distance_m: float = 0.0


class CommunityIndex:
    def __init__(self, areas: list[CommunityArea], *, snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M) -> None:
        # Sorting by code makes "the first candidate" mean "the smallest code" everywhere below.
        usable = sorted((a for a in areas if a.boundary), key=lambda a: a.code)
        self._areas = usable
        self._geometries = [parse_boundary(a.boundary) for a in usable]
        for geometry in self._geometries:
            shapely.prepare(geometry)
        self._tree = shapely.STRtree(self._geometries)
        self.snap_tolerance_m = snap_tolerance_m

    def __len__(self) -> int:
        return len(self._areas)

    def locate(self, point: LatLon) -> Placement:
        geometry = Point(point.longitude, point.latitude)

        inside = sorted(self._tree.query(geometry, predicate="within").tolist())
        if len(inside) == 1:
            return Placement(self._areas[inside[0]].community_id, "inside")
        if inside:
            return Placement(self._areas[inside[0]].community_id, "border")

        on_edge = sorted(self._tree.query(geometry, predicate="covered_by").tolist())
        if on_edge:
            return Placement(self._areas[on_edge[0]].community_id, "border")

        return self._snap(point, geometry)

    def _snap(self, point: LatLon, geometry: Point) -> Placement:
        # A box of the tolerance in degrees selects candidates, then distances are measured in metres.
        cos_lat = max(math.cos(math.radians(point.latitude)), 1e-6)
        reach_deg = math.degrees(self.snap_tolerance_m / (EARTH_RADIUS_M * cos_lat))
        nearby = sorted(self._tree.query(geometry.buffer(reach_deg), predicate="intersects").tolist())
        best: tuple[float, int] | None = None
        for index in nearby:
            _, nearest = nearest_points(geometry, self._geometries[index])
            metres = distance_m(point, LatLon(nearest.y, nearest.x))
            if metres <= self.snap_tolerance_m and (best is None or metres < best[0]):
                best = (metres, index)
        if best is None:
            return Placement(None, "outside")
        return Placement(self._areas[best[1]].community_id, "snapped", best[0])
