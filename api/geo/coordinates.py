"""Coordinate systems used by phones and maps in China, converted to WGS-84 for storage.

GCJ-02 is the obfuscated datum that every map sold in mainland China must use,
and BD-09 is Baidu's further offset of it. The conversions come from prcoords
(public domain), whose iterative inverse is accurate to well under a metre.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import prcoords

from api.models.reports import CoordinateSystem

EARTH_RADIUS_M = 6_371_000.0


class LatLon(NamedTuple):
    latitude: float
    longitude: float


def is_valid_point(latitude: float, longitude: float) -> bool:
    """True for finite numbers in the ranges [-90, 90] and [-180, 180]."""
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return False
    return -90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0


def to_wgs84(latitude: float, longitude: float, system: CoordinateSystem) -> LatLon:
    """Convert a point from ``system`` to WGS-84.

    Outside mainland China GCJ-02 and BD-09 apply no offset, so such points
    are returned unchanged (prcoords' own bounding box decides).
    """
    point = prcoords.Coords(latitude, longitude)
    if system is CoordinateSystem.WGS84 or not prcoords.sanity_in_china_p(point):
        return LatLon(latitude, longitude)
    if system is CoordinateSystem.GCJ02:
        converted = prcoords.gcj_wgs_bored(point)
    else:
        converted = prcoords.bd_wgs_bored(point)
    return LatLon(converted.lat, converted.lon)


def from_wgs84(latitude: float, longitude: float, system: CoordinateSystem) -> LatLon:
    """Convert a WGS-84 point to ``system``, the inverse of ``to_wgs84``."""
    point = prcoords.Coords(latitude, longitude)
    if system is CoordinateSystem.WGS84 or not prcoords.sanity_in_china_p(point):
        return LatLon(latitude, longitude)
    if system is CoordinateSystem.GCJ02:
        converted = prcoords.wgs_gcj(point, False)
    else:
        converted = prcoords.wgs_bd(point, False)
    return LatLon(converted.lat, converted.lon)


def distance_m(a: LatLon, b: LatLon) -> float:
    """Great-circle (haversine) distance in metres on a spherical Earth."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def degrees_box(center: LatLon, radius_m: float) -> tuple[float, float, float, float]:
    """A latitude/longitude box (min_lat, max_lat, min_lon, max_lon) that contains the circle."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(center.latitude)), 1e-6)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * cos_lat))
    return (center.latitude - dlat, center.latitude + dlat, center.longitude - dlon, center.longitude + dlon)
