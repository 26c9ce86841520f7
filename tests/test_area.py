"""The service area on small hand-made graphs: polygon, bbox, streets, stops, network.

Nodes and shapes are laid out in metres (ETRS89 / UTM 32N) around a point of
central Kaiserslautern, so areas and inside/outside answers can be worked out
by hand. Shapely draws a buffer's circle as a polygon a little smaller than
the circle (within 0.2 % of π r² at the default 8 segments per quarter), so
areas with round parts are compared with ``rel=CIRCLE_REL``.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from graph_factory import make_graph
from klshuttle.area import ServiceArea, resolve_area
from klshuttle.errors import ScenarioError
from klshuttle.graph import RoadGraph, to_lonlat, to_metric
from klshuttle.scenario import (
    BboxArea,
    NetworkArea,
    PointSpec,
    PolygonArea,
    StopsAroundArea,
    StreetsArea,
)

X0, Y0 = (float(v) for v in to_metric(7.7600, 49.4400))

#: Relative tolerance for areas with buffered (polygonal) circles.
CIRCLE_REL = 2e-3


def _ll(east_m: float, north_m: float) -> tuple[float, float]:
    lon, lat = to_lonlat(X0 + east_m, Y0 + north_m)
    return float(lon), float(lat)


def _graph(
    nodes_m: list[tuple[float, float]],
    edges: list[tuple[int, int]],
    names: dict[int, str] | None = None,
) -> RoadGraph:
    """A graph with nodes at metric offsets; ``names`` maps an edge index to its street."""
    g = make_graph(len(nodes_m), [(u, v, 10.0) for u, v in edges], [_ll(*p) for p in nodes_m])
    if not names:
        return g
    streets = tuple(sorted(set(names.values())))
    code = np.full(g.n_edges, -1, dtype=np.int32)
    for k, name in names.items():
        code[k] = streets.index(name)
    return replace(g, name_code=code, street_names=streets)


def _square_m(side_m: float) -> list[tuple[float, float]]:
    return [_ll(0, 0), _ll(side_m, 0), _ll(side_m, side_m), _ll(0, side_m)]


# ----------------------------------------------------------------- polygon
def test_polygon_area_contains_and_km2() -> None:
    g = _graph([(100, 100), (500, 500), (900, 900), (1500, 500)], [(0, 1), (1, 2), (2, 3)])
    area = resolve_area(PolygonArea(type="polygon", polygon=_square_m(1000.0)), g)
    assert isinstance(area, ServiceArea)
    # a 1 km x 1 km square
    assert area.area_km2 == pytest.approx(1.0, abs=1e-6)
    assert area.node_inside.tolist() == [True, True, True, False]
    assert area.n_nodes == 3
    assert area.description == "polygon of 4 points"
    lon, lat = zip(*[_ll(999, 500), _ll(1001, 500), _ll(500, -1), _ll(1, 1)], strict=True)
    assert area.contains(np.array(lon), np.array(lat)).tolist() == [True, False, False, True]
    assert area.contains_xy_m([X0 + 500.0, X0 + 1200.0], [Y0 + 500.0, Y0]).tolist() == [
        True,
        False,
    ]
    # a single point works too (scalars become arrays of one)
    assert area.contains(*_ll(500, 500)).tolist() == [True]
    feature = area.to_geojson()
    assert feature["properties"] == {"area_km2": 1.0, "description": "polygon of 4 points"}
    assert feature["geometry"]["type"] == "Polygon"


def test_polygon_off_the_map_is_an_error() -> None:
    g = _graph([(0, 0), (100, 0), (200, 0)], [(0, 1), (1, 2)])
    far = [_ll(5000 + e, n) for e, n in [(0, 0), (100, 0), (100, 100), (0, 100)]]
    with pytest.raises(
        ScenarioError, match=r"map\.area: the service area lies off the road network"
    ):
        resolve_area(PolygonArea(type="polygon", polygon=far), g)


def test_area_with_too_few_nodes_is_an_error() -> None:
    g = _graph([(0, 0), (100, 0), (5000, 0)], [(0, 1), (1, 2)])
    # a 150 m square holds nodes 0 and 1 only
    with pytest.raises(ScenarioError, match=r"holds only 2 road node\(s\); at least 3"):
        resolve_area(PolygonArea(type="polygon", polygon=_square_m(150.0)), g, where="x.area")


# -------------------------------------------------------------------- bbox
def test_bbox_area_matches_degrees_to_metres() -> None:
    # 0.01° x 0.01° at 49.44° N: 0.01 * 111 320 m * cos(49.44°) = 723.9 m wide and
    # 0.01 * 111 210 m = 1 112 m high (1 ° of latitude at 49.4° N), 0.805 km²
    w, s = 7.755, 49.435
    bbox = (w, s, w + 0.01, s + 0.01)
    inside_ll = [(w + 0.002, s + 0.002), (w + 0.005, s + 0.005), (w + 0.008, s + 0.008)]
    nodes = [
        tuple(float(v) - o for v, o in zip(to_metric(*p), (X0, Y0), strict=True)) for p in inside_ll
    ]
    g = _graph([*nodes, (5000.0, 5000.0)], [(0, 1), (1, 2), (2, 3)])
    area = resolve_area(BboxArea(type="bbox", bbox=bbox), g)
    width_m = 0.01 * 111_320 * math.cos(math.radians(49.44))
    assert area.area_km2 == pytest.approx(width_m * 1112.0 / 1e6, rel=5e-3)
    assert area.node_inside.tolist() == [True, True, True, False]
    assert area.description == "bbox W 7.7550, S 49.4350, E 7.7650, N 49.4450"


# ----------------------------------------------------------------- streets
def _street_graph() -> RoadGraph:
    # the street runs 0 -> 1 -> 2 along 1 km; side nodes at 90 m, 150 m and beyond the end
    nodes = [(0, 0), (500, 0), (1000, 0), (500, 90), (500, 150), (1050, 0), (1150, 0)]
    edges = [(0, 1), (1, 2), (1, 3), (3, 4), (2, 5), (5, 6)]
    return _graph(nodes, edges, {0: "Trippstadter Straße", 1: "Trippstadter Straße"})


def test_streets_area_is_a_buffer_around_the_street() -> None:
    g = _street_graph()
    spec = StreetsArea(type="streets", streets=["Trippstadter Str."], buffer_m=100.0)
    area = resolve_area(spec, g)
    # 1 000 m x 200 m band + two half circles of 100 m
    assert area.area_km2 == pytest.approx((1000 * 200 + math.pi * 100**2) / 1e6, rel=CIRCLE_REL)
    assert area.node_inside.tolist() == [True, True, True, True, False, True, False]
    assert area.description == "100 m around Trippstadter Str."


def test_unknown_street_is_an_error_with_a_suggestion() -> None:
    spec = StreetsArea(type="streets", streets=["Tripstadter Strasse"], buffer_m=100.0)
    with pytest.raises(
        ScenarioError,
        match=r"map\.area\.streets\[0\]: no street named 'Tripstadter Strasse' .*"
        r"did you mean 'Trippstadter Straße'",
    ):
        resolve_area(spec, _street_graph())


# ------------------------------------------------------------------- stops
def test_stops_area_is_a_buffer_around_located_places() -> None:
    g = _graph(
        [(0, 0), (150, 0), (1000, 0), (1000, 250), (500, 0)], [(0, 1), (1, 2), (2, 3), (3, 4)]
    )
    werk = _ll(1000, 0)
    calls: list[tuple[object, str]] = []

    def locate(loc: object, where: str) -> tuple[float, float, str]:
        """The lookup of the resolver: "Post" is at the origin, points are where they say."""
        calls.append((loc, where))
        if isinstance(loc, PointSpec):
            return loc.lon, loc.lat, "label of the lookup"
        return (*_ll(0, 0), "Post")

    spec = StopsAroundArea(
        type="stops",
        stops=["Post", PointSpec(name="Werk", lon=werk[0], lat=werk[1])],
        buffer_m=200.0,
    )
    area = resolve_area(spec, g, locate=locate)
    # two circles of 200 m, 1 000 m apart: no overlap
    assert area.area_km2 == pytest.approx(2 * math.pi * 200**2 / 1e6, rel=CIRCLE_REL)
    assert area.node_inside.tolist() == [True, True, True, False, False]
    assert area.description == "200 m around Post, Werk"
    # a point keeps its own name; the key path of each location is passed on
    assert [w for _, w in calls] == ["map.area.stops[0]", "map.area.stops[1]"]


def test_stops_area_needs_a_lookup() -> None:
    spec = StopsAroundArea(type="stops", stops=["Post"], buffer_m=200.0)
    with pytest.raises(ScenarioError, match=r"map\.area: stops need a stop lookup"):
        resolve_area(spec, _street_graph())


# ----------------------------------------------------------------- network
def test_network_area_is_the_hull_plus_100_m() -> None:
    g = _graph([(0, 0), (1000, 0), (1000, 1000), (0, 1000), (500, 500)], [(0, 1), (1, 2), (2, 3)])
    area = resolve_area(NetworkArea(), g)
    # 1 km² square + four 1 000 m x 100 m strips + four quarter circles of 100 m
    hand = 1000**2 + 4 * 1000 * 100 + math.pi * 100**2
    assert area.area_km2 == pytest.approx(hand / 1e6, rel=CIRCLE_REL)
    assert area.n_nodes == 5
    assert area.contains(*_ll(-99, 500)).tolist() == [True]
    assert area.contains(*_ll(-101, 500)).tolist() == [False]
