"""Accessibility on hand-made walking networks: times worked by hand and by networkx."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from klshuttle.accessibility import (
    DoorService,
    ServiceLevel,
    StopService,
    accessibility,
    service_levels,
    travel_times,
)
from klshuttle.graph import to_lonlat, to_metric
from klshuttle.walknet import WALK_FILTER, WalkGraph, walkable

X0, Y0 = to_metric(7.75, 49.44)
X0, Y0 = float(X0), float(Y0)


def lonlat(x_m: float, y_m: float = 0.0) -> tuple[float, float]:
    lon, lat = to_lonlat(X0 + x_m, Y0 + y_m)
    return float(lon), float(lat)


def line_graph(xs: list[float]) -> WalkGraph:
    """Nodes on a straight east-west line at the given offsets (m), joined in order."""
    pts = [lonlat(x) for x in xs]
    order = np.argsort(xs)
    edges = [(int(a), int(b), abs(xs[b] - xs[a])) for a, b in itertools.pairwise(order)]
    return WalkGraph.from_edges([p[0] for p in pts], [p[1] for p in pts], edges)


# nodes at -500, 0, 1000, 2000, 3000, 5000 m; destination at 3000 m;
# stop A at 1000 m, stop B at 3000 m; walking 1 m/s; walks to stops <= 1200 m
XS = [-500.0, 0.0, 1000.0, 2000.0, 3000.0, 5000.0]
DEST = lonlat(3000.0)
STOPS = StopService(
    lon=np.array([lonlat(1000.0)[0], lonlat(3000.0)[0]]),
    lat=np.array([lonlat(1000.0)[1], lonlat(3000.0)[1]]),
    ride_direct_s=np.array([[np.inf, 300.0], [300.0, np.inf]]),
    max_walk_m=1200.0,
)
LEVEL = ServiceLevel(wait_s=120.0, detour=1.5)


def _times(service: StopService | DoorService | None, level: ServiceLevel | None):
    res = [lonlat(x) for x in XS]
    return travel_times(
        line_graph(XS),
        res_lon=[p[0] for p in res],
        res_lat=[p[1] for p in res],
        dest_lon=[DEST[0]],
        dest_lat=[DEST[1]],
        service=service,
        level=level,
        walk_speed_mps=1.0,
    )


def test_walk_and_shuttle_times_by_hand() -> None:
    walk, best = _times(STOPS, LEVEL)
    assert walk[:, 0] == pytest.approx([3500, 3000, 2000, 1000, 0, 2000], abs=0.5)
    # at 0 m: walk 1000 m to A, wait 120 s, ride 1.5 x 300 s to B, which is the destination
    # at -500 m: A is 1500 m away, beyond the 1200 m walk limit: walking only
    # at 1000 m: 0 + 120 + 450 = 570 s; at 2000 m walking (1000 s) beats 1000 + 570
    # at 5000 m: B is 2000 m away: walking only
    assert best[:, 0] == pytest.approx([3500, 1570, 570, 1000, 0, 2000], abs=0.5)


def test_no_service_level_means_walking() -> None:
    walk, best = _times(STOPS, None)
    np.testing.assert_allclose(best, walk)
    walk2, best2 = _times(None, LEVEL)
    np.testing.assert_allclose(best2, walk2)


def test_door_to_door_by_hand() -> None:
    door = DoorService(
        board_walk_m=np.array([np.inf, 10.0, 10.0, 10.0, 10.0, 10.0]),
        alight_walk_m=np.array([20.0]),
        ride_direct_s=np.array([[0.0], [400.0], [300.0], [200.0], [0.0], [200.0]]),
    )
    walk, best = _times(door, LEVEL)
    # 10 + 20 m walking, 120 s wait, 1.5 x ride
    shuttle = np.array([np.inf, 30 + 120 + 600, 30 + 120 + 450, 30 + 120 + 300, 150, 450])
    np.testing.assert_allclose(best[:, 0], np.minimum(walk[:, 0], shuttle), atol=0.5)


def test_counts_thresholds_and_hours() -> None:
    res = [lonlat(x) for x in XS]
    persons = np.array([1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0])
    hours = [
        {"hour": 6, "requests": 3, "served_share": 1.0, "level": LEVEL},
        {"hour": 7, "requests": 2, "served_share": 0.0, "level": None},
    ]
    acc = accessibility(
        walk=line_graph(XS),
        res_lon=[p[0] for p in res],
        res_lat=[p[1] for p in res],
        persons=persons,
        destinations=[("Dest", *DEST)],
        service=STOPS,
        day=LEVEL,
        hours=hours,
        walk_speed_mps=1.0,
        thresholds_min=[10.0, 30.0],
        grid_m=250.0,
    )
    d = acc.summary["destinations"][0]
    # walking within 10 min (600 s): only the one at the destination; within 30 min
    # (1800 s): also 1000 s. With the shuttle: 570 s within 10, 1570 s within 30
    assert d["residents_within"]["10"] == {"walk": 10000, "walk_and_shuttle": 10100, "gain": 100}
    assert d["residents_within"]["30"] == {"walk": 11000, "walk_and_shuttle": 11110, "gain": 110}
    assert d["residents_faster_with_shuttle"] == 110
    # hour 7 has no shuttle: as walking
    assert d["by_hour"] == [
        {"hour": 6, "shuttle": True, "10": 10100, "30": 11110},
        {"hour": 7, "shuttle": False, "10": 10000, "30": 11000},
    ]
    assert acc.grid["residents"].sum() == pytest.approx(persons.sum())


def test_stop_service_against_networkx_on_a_random_graph() -> None:
    rng = np.random.default_rng(7)
    n = 40
    xy = rng.uniform(0, 2000, size=(n, 2))
    G = nx.Graph()
    for i in range(n):  # a connected graph: a chain plus random chords
        if i:
            G.add_edge(i - 1, i)
        for j in rng.choice(n, 2, replace=False):
            if j != i:
                G.add_edge(i, int(j))
    edges = [(u, v, float(np.hypot(*(xy[u] - xy[v])) * 1.2)) for u, v in G.edges]
    for u, v, w in edges:
        G[u][v]["w"] = w
    pts = [lonlat(x, y) for x, y in xy]
    walk = WalkGraph.from_edges([p[0] for p in pts], [p[1] for p in pts], edges)
    stops = [3, 11, 25, 33]
    dests = [5, 30]
    ride = rng.uniform(60, 600, size=(4, 4))
    ride[rng.random((4, 4)) < 0.3] = np.inf
    np.fill_diagonal(ride, np.inf)
    service = StopService(
        lon=np.array([pts[s][0] for s in stops]),
        lat=np.array([pts[s][1] for s in stops]),
        ride_direct_s=ride,
        max_walk_m=900.0,
    )
    level = ServiceLevel(90.0, 1.3)
    speed = 1.2
    walk_s, best_s = travel_times(
        walk,
        res_lon=[p[0] for p in pts],
        res_lat=[p[1] for p in pts],
        dest_lon=[pts[d][0] for d in dests],
        dest_lat=[pts[d][1] for d in dests],
        service=service,
        level=level,
        walk_speed_mps=speed,
    )
    dist = dict(nx.all_pairs_dijkstra_path_length(G, weight="w"))
    for r in range(n):
        for k, d in enumerate(dests):
            expect = dist[r][d] / speed
            for a, s in enumerate(stops):
                for b, t in enumerate(stops):
                    if dist[r][s] <= 900 and dist[t][d] <= 900 and np.isfinite(ride[a, b]):
                        shuttle = (
                            dist[r][s] / speed
                            + level.wait_s
                            + level.detour * ride[a, b]
                            + dist[t][d] / speed
                        )
                        expect = min(expect, shuttle)
            assert walk_s[r, k] == pytest.approx(dist[r][d] / speed, abs=1e-6)
            assert best_s[r, k] == pytest.approx(expect, abs=1e-6)


def test_service_levels_by_hand() -> None:
    trips = pd.DataFrame(
        {
            "request_s": [6.1, 6.2, 6.3, 6.4, 7.5, 7.6] * np.array(3600.0),
            "status": ["served", "served", "served", "rejected", "rejected", "rejected"],
            "wait_s": [60.0, 300.0, 120.0, np.nan, np.nan, np.nan],
            "detour_factor": [1.0, 2.0, 1.5, np.nan, np.nan, np.nan],
        }
    )
    day, hours = service_levels(trips, percentile=50, start_s=6 * 3600, end_s=8 * 3600)
    # day: waits 60, 120, 300, never x 3: the 3rd of 6 is 300 s
    assert day == ServiceLevel(300.0, 1.5)
    assert [h["hour"] for h in hours] == [6, 7]
    # hour 6: 60, 120, 300, never: the 2nd of 4 is 120 s
    assert hours[0]["level"] == ServiceLevel(120.0, 1.5) and hours[0]["served_share"] == 0.75
    assert hours[1]["level"] is None and hours[1]["requests"] == 2
    high, _ = service_levels(trips, percentile=90, start_s=6 * 3600, end_s=8 * 3600)
    assert high is None  # more than 10 % never served


def test_walk_filter_is_osmnx_walk_network_type() -> None:
    from osmnx import _overpass

    assert _overpass._get_network_filter("walk") == WALK_FILTER
    assert walkable({"highway": "footway"})
    assert walkable({"highway": "residential", "sidewalk": "both"})
    assert not walkable({"highway": "motorway"})
    assert not walkable({"highway": "residential", "sidewalk": "separate"})
    assert not walkable({"highway": "footway", "access": "private"})
    assert not walkable({"building": "yes"})


def test_walk_graph_round_trip(tmp_path) -> None:
    g = line_graph(XS)
    g.save(tmp_path / "w.npz")
    h = WalkGraph.load(tmp_path / "w.npz")
    np.testing.assert_array_equal(g.indptr, h.indptr)
    np.testing.assert_array_equal(g.indices, h.indices)
    np.testing.assert_allclose(g.length_m, h.length_m)
    assert math.isclose(float(g.lon[3]), float(h.lon[3]))
