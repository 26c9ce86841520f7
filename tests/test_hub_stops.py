"""Stops at the hubs, virtual stops on OSM bus-stop positions, spacing between neighbours.

Hand-made inputs: a 9 x 9 street grid 100 m apart, stops and requests at metric
offsets; the expected stops and distances are worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from graph_factory import make_graph
from klshuttle.area import ServiceArea
from klshuttle.graph import to_metric
from klshuttle.stops import FixedStop, assign_stops, virtual_stops
from test_stops import X0, Y0, _ll, _requests

N = 9
BLOCK_M = 100.0


def _grid() -> tuple[object, ServiceArea]:
    coords = [_ll(j * BLOCK_M, i * BLOCK_M) for i in range(N) for j in range(N)]
    edges = []
    for i in range(N):
        for j in range(N):
            a = i * N + j
            if j + 1 < N:
                edges += [(a, a + 1, 20.0, BLOCK_M), (a + 1, a, 20.0, BLOCK_M)]
            if i + 1 < N:
                edges += [(a, a + N, 20.0, BLOCK_M), (a + N, a, 20.0, BLOCK_M)]
    g = make_graph(N * N, edges, coords)
    poly_m = shapely.box(X0 - 1, Y0 - 1, X0 + (N - 1) * BLOCK_M + 1, Y0 + (N - 1) * BLOCK_M + 1)
    area = ServiceArea(poly_m, poly_m, 0.64, "grid", np.ones(N * N, dtype=bool))
    return g, area


def _xy(stops: object) -> np.ndarray:
    x, y = to_metric(stops.lon, stops.lat)  # type: ignore[attr-defined]
    return np.column_stack([x - X0, y - Y0])


def test_spacing_is_the_distance_between_neighbouring_stops() -> None:
    g, area = _grid()
    stops = virtual_stops(g, area, 200.0)
    xy = _xy(stops)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    # more than half the spacing apart, every stop's nearest neighbour at most
    # the spacing away (on a 100 m grid: 141.4 m diagonally or 200 m along a street)
    assert d.min() > 100.0
    assert d.min(axis=1).max() <= 200.0 + 1e-6
    # every node within half the spacing of a stop
    nodes = np.column_stack([g.x - X0, g.y - Y0])
    to_stop = np.hypot(*(nodes[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    assert to_stop.max() <= 100.0 + 1e-6


def test_hub_stop_first_and_osm_positions_preferred() -> None:
    g, area = _grid()
    hub = FixedStop("Bahnhof", *_ll(400.0, 430.0), 0, "hub")  # 30 m off the street at y=400
    bus = FixedStop("Post", *_ll(250.0, 800.0), 3, "osm")  # mid-block on the top street
    near_hub = FixedStop("Nah", *_ll(450.0, 400.0), 1, "osm")  # 58 m from the hub: left out
    stops = virtual_stops(g, area, 200.0, fixed=[hub], preferred=[bus, near_hub])
    names = [str(n) for n in stops.name]
    assert names[:2] == ["Bahnhof", "Post"] and "Nah" not in names
    assert list(stops.source[:2]) == ["hub", "osm"] and stops.n_objects[1] == 3
    xy = _xy(stops)
    assert xy[0] == pytest.approx([400.0, 430.0], abs=0.01)
    assert xy[1] == pytest.approx([250.0, 800.0], abs=0.01)
    # no virtual stop within half the spacing of the hub or the bus stop
    assert np.hypot(*(xy[2:] - xy[0]).T).min() > 100.0
    assert np.hypot(*(xy[2:] - xy[1]).T).min() > 100.0


def test_rail_riders_use_the_station_stop() -> None:
    g, area = _grid()
    hub = FixedStop("Bahnhof", *_ll(400.0, 400.0), 0, "hub")
    stops = virtual_stops(g, area, 200.0, fixed=[hub])
    # a stop nearer to the station's door than the hub stop itself
    door = (400.0, 300.0)
    other = int(np.argmin(np.hypot(*(_xy(stops) - np.array(door)).T)))
    assert other != 0
    req = _requests(
        [((0.0, 0.0), door), (door, (800.0, 800.0)), ((0.0, 0.0), door)],
        ["dep 07:15", "arr 07:48", ""],
    )
    plain = assign_stops(req, stops, max_walk_m=500.0)
    pinned = assign_stops(req, stops, max_walk_m=500.0, hub_stops=[0])
    assert plain.dropoff_stop[0] == other and plain.pickup_stop[1] == other
    # the rider to a train alights at the station stop, the one from a train boards there
    assert pinned.dropoff_stop[0] == 0 and pinned.pickup_stop[1] == 0
    assert pinned.dropoff_walk_m[0] == pytest.approx(1.3 * 100.0, abs=0.01)
    # the other ends and the rider without a train keep their nearest stops
    assert pinned.pickup_stop[0] == plain.pickup_stop[0]
    assert pinned.dropoff_stop[1] == plain.dropoff_stop[1]
    assert pinned.dropoff_stop[2] == other
    # a station stop out of walking reach is not forced on anyone
    far = assign_stops(req, stops, max_walk_m=120.0, hub_stops=[0])
    near = assign_stops(req, stops, max_walk_m=120.0)
    assert far.dropoff_stop[0] != 0
    assert far.dropoff_stop.tolist() == near.dropoff_stop.tolist()
