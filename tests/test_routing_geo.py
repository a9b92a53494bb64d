"""Coordinate conversion and the community placement rule, without a database."""

import json
import math

import pytest

from api.geo.communities import BoundaryInvalid, CommunityArea, CommunityIndex, parse_boundary
from api.geo.coordinates import LatLon, distance_m, from_wgs84, is_valid_point, to_wgs84
from api.models.reports import CoordinateSystem
from api.seed import DEFAULT_CATALOGUE
from tests.report_factories import NEAR_SANHE, OUTSIDE, SANHE, SANHE_DAFENG_EDGE


def square(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def dafeng_index() -> CommunityIndex:
    data = json.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    communities = data["jurisdictions"][0]["communities"]
    return CommunityIndex([CommunityArea(i, c["code"], c["boundary"]) for i, c in enumerate(communities)])


def code_at(index: CommunityIndex, point: tuple[float, float]) -> str | None:
    placement = index.locate(LatLon(*point))
    if placement.community_id is None:
        return None
    return index._areas[[a.community_id for a in index._areas].index(placement.community_id)].code


@pytest.mark.parametrize("system", [CoordinateSystem.GCJ02, CoordinateSystem.BD09])
def test_conversion_round_trip_below_a_metre(system):
    wgs = LatLon(30.776, 104.1005)

    shifted = from_wgs84(*wgs, system)
    back = to_wgs84(*shifted, system)

    assert distance_m(wgs, shifted) > 200
    assert distance_m(wgs, back) < 1.0


def test_gcj02_offset_in_chengdu_is_hundreds_of_metres():
    shifted = from_wgs84(30.776, 104.1005, CoordinateSystem.GCJ02)

    assert shifted.longitude - 104.1005 == pytest.approx(0.00255, abs=0.0003)
    assert shifted.latitude - 30.776 == pytest.approx(-0.0023, abs=0.0003)


def test_wgs84_and_points_abroad_unchanged():
    assert to_wgs84(30.776, 104.1005, CoordinateSystem.WGS84) == (30.776, 104.1005)
    assert to_wgs84(51.5, -0.12, CoordinateSystem.GCJ02) == (51.5, -0.12)
    assert to_wgs84(51.5, -0.12, CoordinateSystem.BD09) == (51.5, -0.12)


@pytest.mark.parametrize(
    "latitude, longitude",
    [(math.nan, 104.0), (30.0, math.inf), (91.0, 104.0), (-90.5, 104.0), (30.0, 180.1), (30.0, -181.0)],
)
def test_invalid_points_rejected(latitude, longitude):
    assert not is_valid_point(latitude, longitude)


def test_inside_one_community(dafeng_index):
    placement = dafeng_index.locate(LatLon(*SANHE))

    assert placement.rule == "inside"
    assert code_at(dafeng_index, SANHE) == "sanhe"


def test_shared_edge_goes_to_first_code(dafeng_index):
    # Sanhe and Dafeng share the meridian 104.102; "dafeng" sorts before "sanhe".
    assert dafeng_index.locate(LatLon(*SANHE_DAFENG_EDGE)).rule == "border"
    assert code_at(dafeng_index, SANHE_DAFENG_EDGE) == "dafeng"


def test_corner_of_four_goes_to_first_code(dafeng_index):
    # Sanhe, Dafeng, Chengxiang and Gaoqiao meet at (30.782, 104.102).
    assert code_at(dafeng_index, (30.782, 104.102)) == "chengxiang"


def test_point_near_outer_edge_snaps(dafeng_index):
    placement = dafeng_index.locate(LatLon(*NEAR_SANHE))

    assert placement.rule == "snapped"
    assert 5 < placement.distance_m < 25
    assert code_at(dafeng_index, NEAR_SANHE) == "sanhe"


def test_point_beyond_tolerance_outside(dafeng_index):
    placement = dafeng_index.locate(LatLon(*OUTSIDE))

    assert placement.community_id is None
    assert placement.rule == "outside"


def test_rule_ignores_input_order():
    west = CommunityArea(1, "b-west", square(104.0, 30.0, 104.01, 30.01))
    east = CommunityArea(2, "a-east", square(104.01, 30.0, 104.02, 30.01))
    on_edge = LatLon(30.005, 104.01)

    first = CommunityIndex([west, east]).locate(on_edge)
    second = CommunityIndex([east, west]).locate(on_edge)

    assert first.community_id == 2
    assert second.community_id == 2


def test_overlap_interior_goes_to_first_code():
    big = CommunityArea(1, "zeta", square(104.0, 30.0, 104.02, 30.02))
    small = CommunityArea(2, "alpha", square(104.005, 30.005, 104.015, 30.015))

    placement = CommunityIndex([big, small]).locate(LatLon(30.01, 104.01))

    assert placement.community_id == 2
    assert placement.rule == "border"


def test_snap_prefers_nearest():
    near = CommunityArea(1, "zz-near", square(104.0, 30.0, 104.01, 30.01))
    far = CommunityArea(2, "aa-far", square(104.0104, 30.0, 104.02, 30.01))
    # 10 m east of "zz-near", about 28 m west of "aa-far"; a 40 m tolerance reaches both.
    point = LatLon(30.005, 104.0101)

    placement = CommunityIndex([near, far], snap_tolerance_m=40).locate(point)

    assert placement.community_id == 1
    assert placement.rule == "snapped"


@pytest.mark.parametrize(
    "boundary",
    [
        None,
        {"type": "Point", "coordinates": [104.0, 30.0]},
        {"type": "Polygon", "coordinates": "nonsense"},
        {"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.1, 30.1], [104.1, 30.0], [104.0, 30.1], [104.0, 30.0]]]},
        square(300.0, 30.0, 301.0, 31.0),
    ],
)
def test_invalid_boundaries_rejected(boundary):
    with pytest.raises(BoundaryInvalid):
        parse_boundary(boundary)
