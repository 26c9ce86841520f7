"""A line laid along its route relation: carriageway per direction, waypoints, times."""

from __future__ import annotations

import itertools

import numpy as np

from graph_factory import make_graph
from klshuttle.linepaths import route_direction, waypoints_for_path
from klshuttle.linesim import LineRoute, LineSimulation, RoutePassengers
from klshuttle.osmroutes import OsmRoute, OsmRouteStop
from osm_xml import lonlat
from simkit import fleet, reference_net, trips

# A dual carriageway from node 0 (west) to node 7 (east): the north one runs
# east 0-1-2-3-7, the south one west 7-4-5-6-0; 10 s per edge. A fast link
# 0->7 (5 s) makes the north carriageway not the fastest way east.
XY = [(0, 0), (100, 10), (200, 10), (300, 10), (300, -10), (200, -10), (100, -10), (400, 0)]
EDGES = [
    (0, 1, 10.0),
    (1, 2, 10.0),
    (2, 3, 10.0),
    (3, 7, 10.0),
    (7, 4, 10.0),
    (4, 5, 10.0),
    (5, 6, 10.0),
    (6, 0, 10.0),
    (0, 7, 5.0),
    (2, 5, 30.0),
    (5, 2, 30.0),
]
G = make_graph(8, EDGES, coords=[lonlat(x, y) for x, y in XY])


def _edge(u: int, v: int) -> int:
    k = [i for i in range(G.n_edges) if G.edge_source[i] == u and G.indices[i] == v]
    return k[0]


def _pairs(edges: np.ndarray) -> list[tuple[int, int]]:
    return [(int(G.edge_source[k]), int(G.indices[k])) for k in edges]


def _route(rid: int, nodes: list[int], stops: list[tuple[str, float, float]]) -> OsmRoute:
    ids = np.array([1000 + n for n in nodes], dtype=np.int64)
    lon = np.array([lonlat(*XY[n])[0] for n in nodes])
    lat = np.array([lonlat(*XY[n])[1] for n in nodes])
    st = tuple(OsmRouteStop(name, *lonlat(x, y), osm_node=-1) for name, x, y in stops)
    # make_graph gives edge k the OSM way id k: the relation's ways are its edges
    ways = tuple(
        int(G.edge_osmid[_edge(a, b)])
        for a, b in itertools.pairwise(nodes)
        if any(G.indices[k] == b for k in range(G.indptr[a], G.indptr[a + 1]))
    )
    return OsmRoute(rid, "1", "", "", "", st, ways, ids, lon, lat, 0)


def test_each_direction_halts_on_its_own_carriageway() -> None:
    # the stop "mid" is mapped between the carriageways, a little south in the
    # forward relation and a little north in the backward one: each halts on
    # the carriageway its direction drives, not at the nearest node
    fwd = _route(1, [0, 1, 2, 3, 7], [("W", 0, 0), ("mid", 200, -8), ("E", 400, 0)])
    back = _route(2, [7, 4, 5, 6, 0], [("E", 400, 0), ("mid", 200, 8), ("W", 0, 0)])
    f = route_direction(G, fwd, [0, 1, 2])
    b = route_direction(G, back, [0, 1, 2])
    assert f.stop_nodes.tolist() == [0, 2, 7]
    assert b.stop_nodes.tolist() == [7, 5, 0]
    assert G.nearest_nodes(*lonlat(200, -8))[0] == 5  # the naive snap for forward
    # paths: the relation's edges in order, no crossing between carriageways
    assert _pairs(f.path_edges) == [(0, 1), (1, 2), (2, 3), (3, 7)]
    assert _pairs(b.path_edges) == [(7, 4), (4, 5), (5, 6), (6, 0)]
    assert f.off_route_m == 0.0 and f.not_forced == 0
    assert f.segment_time_s.tolist() == [20.0, 20.0]


def test_waypoints_make_fastest_paths_follow_the_relation() -> None:
    fwd = _route(1, [0, 1, 2, 3, 7], [("W", 0, 0), ("E", 400, 0)])
    f = route_direction(G, fwd, [0, 1])
    # the fast link 0->7 would cut the line short: a waypoint at 3 prevents it
    assert [w.tolist() for w in f.waypoints] == [[3]]
    assert f.segment_time_s.tolist() == [40.0]


def test_waypoints_for_path_by_hand() -> None:
    # path 0-1-2-3-7 edge by edge; the fastest path from 0 reaches 1, 2, 3 along it
    nodes = np.array([0, 1, 2, 3, 7])
    edges = np.array([_edge(0, 1), _edge(1, 2), _edge(2, 3), _edge(3, 7)])
    w, t, nf, driven = waypoints_for_path(G, nodes, edges)
    assert w.tolist() == [3] and t == 40.0 and nf == 0
    assert driven.tolist() == edges.tolist()


def test_parallel_faster_edge_cannot_be_forced_and_is_counted() -> None:
    # two edges 0->1: the relation's (10 s) and a faster one (4 s) it does not use
    g = make_graph(3, [(0, 1, 10.0), (0, 1, 4.0), (1, 2, 10.0)])
    _w, t, nf, driven = waypoints_for_path(g, np.array([0, 1, 2]), np.array([0, 2]))
    assert nf == 1 and t == 14.0 and driven.tolist() == [1, 2]


def test_missing_way_is_bridged_and_counted_off_route() -> None:
    # the relation jumps 0 -> 2 where the graph has no edge: bridged by 0-1-2
    fwd = _route(1, [0, 2, 3, 7], [("W", 0, 0), ("E", 400, 0)])
    f = route_direction(G, fwd, [0, 1])
    assert _pairs(f.path_edges) == [(0, 1), (1, 2), (2, 3), (3, 7)]
    assert f.off_route_m == float(G.length_m[[_edge(0, 1), _edge(1, 2)]].sum()) == 200.0
    assert f.segment_time_s.tolist() == [40.0]


def test_simulated_trip_follows_the_waypoints_and_takes_the_planned_time() -> None:
    fwd = _route(1, [0, 1, 2, 3, 7], [("W", 0, 0), ("E", 400, 0)])
    f = route_direction(G, fwd, [0, 1])
    net = reference_net(G)
    route = LineRoute("L", "forward", f.stop_nodes, np.array([100.0]), 0.0, f.waypoints)
    tr = trips([50], [0], [7], max_wait_s=600)
    log = LineSimulation(
        net,
        [route],
        ["L"],
        fleet([0], capacity=4, dwell_s=10.0, per_pax_s=0.0),
        tr,
        RoutePassengers(np.array([0]), np.array([0]), np.array([1])),
        start_s=0.0,
        end_s=1000.0,
    ).run()
    r = log.requests
    # boards at 100 (10 s dwell), drives 40 s along the north carriageway
    assert r["pickup_s"][0] == 100.0 and r["dropoff_s"][0] == 150.0
    assert r["ride_m"][0] == float(G.length_m[f.path_edges].sum())
    service = log.legs["kind"] == log.legs["kind"][0]
    assert log.legs["from_node"][service].tolist()[:2] == [0, 3]
