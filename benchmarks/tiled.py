"""A city-scale benchmark graph: the real central graph tiled into a grid of copies.

``tiled_graph(graph, 5, 5)`` lays 25 copies of the Kaiserslautern graph side
by side (shifted by the graph's own extent in longitude and latitude) and joins
neighbouring copies at their boundary nodes: the ``JOINS_PER_SIDE`` nodes
nearest to a copy's east (north) edge, each joined in both directions to the
nearest node near the facing west (south) edge of the next copy, with the
straight-line length and ``JOIN_SPEED_KMH``. The result is about 48,000
nodes, deterministic and built from the map alone (no extra map data).
``city_day`` draws a door-to-door day of requests on such a graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from klshuttle import RoadGraph

#: Boundary nodes joined to the next copy, per shared side.
JOINS_PER_SIDE = 12
#: Speed on the joining edges.
JOIN_SPEED_KMH = 30.0
_M_PER_DEG_LAT = 111_320.0


def _joins(
    lon: NDArray[np.float64], lat: NDArray[np.float64], axis: int, shift: float
) -> list[tuple[int, int, float]]:
    """Pairs ``(a, b, metres)``: nodes near the high side of ``axis`` to the shifted copy's low side."""
    c = lon if axis == 0 else lat
    high = np.argsort(-c, kind="stable")[:JOINS_PER_SIDE]
    low = np.argsort(c, kind="stable")[: 4 * JOINS_PER_SIDE]
    m_per_deg_lon = _M_PER_DEG_LAT * np.cos(np.radians(float(lat.mean())))
    out = []
    for a in high.tolist():
        dx_deg = lon[low] + (shift if axis == 0 else 0.0) - lon[a]
        dy_deg = lat[low] + (shift if axis == 1 else 0.0) - lat[a]
        dist_m = np.hypot(dx_deg * m_per_deg_lon, dy_deg * _M_PER_DEG_LAT)
        k = int(np.argmin(dist_m))
        out.append((a, int(low[k]), max(float(dist_m[k]), 1.0)))
    return out


def tiled_graph(graph: RoadGraph, nx_tiles: int, ny_tiles: int) -> RoadGraph:
    """``nx_tiles`` x ``ny_tiles`` copies of ``graph`` joined at their boundary nodes."""
    n, m = graph.n_nodes, graph.n_edges
    span_lon = float(graph.lon.max() - graph.lon.min()) * 1.0005
    span_lat = float(graph.lat.max() - graph.lat.min()) * 1.0005
    east = _joins(graph.lon, graph.lat, 0, span_lon)
    north = _joins(graph.lon, graph.lat, 1, span_lat)
    tiles = [(i, j) for j in range(ny_tiles) for i in range(nx_tiles)]
    src = np.repeat(np.arange(n), np.diff(graph.indptr))
    src_list, dst_list, len_list = [], [], []
    for t in range(len(tiles)):
        off = t * n
        src_list.append(src + off)
        dst_list.append(graph.indices.astype(np.int64) + off)
        len_list.append(graph.length_m)
    n_graph_edges = len(tiles) * m
    joins: list[tuple[int, int, float]] = []
    for t, (i, j) in enumerate(tiles):
        if i + 1 < nx_tiles:
            joins += [(t * n + a, (t + 1) * n + b, d) for a, b, d in east]
        if j + 1 < ny_tiles:
            joins += [(t * n + a, (t + nx_tiles) * n + b, d) for a, b, d in north]
    j_a = np.array([a for a, _, _ in joins] + [b for _, b, _ in joins], dtype=np.int64)
    j_b = np.array([b for _, b, _ in joins] + [a for a, _, _ in joins], dtype=np.int64)
    j_len = np.array([d for _, _, d in joins] * 2, dtype=np.float64)
    edge_src = np.concatenate([*src_list, j_a])
    edge_dst = np.concatenate([*dst_list, j_b])
    length_m = np.concatenate([*len_list, j_len])
    speed_kmh = np.concatenate(
        [np.tile(graph.speed_kmh, len(tiles)), np.full(j_len.size, JOIN_SPEED_KMH)]
    )
    travel_time_s = np.concatenate(
        [np.tile(graph.travel_time_s, len(tiles)), j_len / (JOIN_SPEED_KMH / 3.6)]
    )
    road_class = np.concatenate(
        [np.tile(graph.road_class, len(tiles)), np.zeros(j_len.size, dtype=np.int8)]
    )
    name_code = np.concatenate(
        [np.tile(graph.name_code, len(tiles)), np.full(j_len.size, -1, dtype=np.int32)]
    )
    # Node coordinates of each copy, and straight geometries for every edge.
    lon = np.concatenate([graph.lon + i * span_lon for i, _ in tiles])
    lat = np.concatenate([graph.lat + j * span_lat for _, j in tiles])
    order = np.argsort(edge_src, kind="stable")
    indptr = np.zeros(len(tiles) * n + 1, dtype=np.int64)
    np.cumsum(np.bincount(edge_src, minlength=len(tiles) * n), out=indptr[1:])
    s, d = edge_src[order], edge_dst[order]
    m_all = s.size
    geom_lon = np.empty(2 * m_all)
    geom_lat = np.empty(2 * m_all)
    geom_lon[0::2], geom_lon[1::2] = lon[s], lon[d]
    geom_lat[0::2], geom_lat[1::2] = lat[s], lat[d]
    assert n_graph_edges + j_len.size == m_all
    return RoadGraph(
        indptr=indptr,
        indices=d.astype(np.int32),
        travel_time_s=travel_time_s[order],
        length_m=length_m[order],
        speed_kmh=speed_kmh[order],
        road_class=road_class[order],
        name_code=name_code[order],
        edge_osmid=np.arange(m_all, dtype=np.int64),
        geom_indptr=2 * np.arange(m_all + 1, dtype=np.int64),
        geom_lon=geom_lon,
        geom_lat=geom_lat,
        lon=lon,
        lat=lat,
        osmid=np.arange(len(tiles) * n, dtype=np.int64),
        road_class_names=graph.road_class_names,
        street_names=graph.street_names,
    )


def city_day(graph: RoadGraph, n_requests: int, n_vehicles: int, seed: int) -> tuple[Any, Any]:
    """A door-to-door day on ``graph``: :class:`~klshuttle.sim.TripInput` and
    :class:`~klshuttle.sim.FleetInput`.

    Origins uniform over the nodes, each destination a node 1-5 km in a
    straight line from its origin, request times uniform over 06:00-22:00; at
    most 15 min wait and a ride of at most 1.5 x the direct time + 5 min
    (direct times from the graph's contraction hierarchy); vehicles of
    capacity 8 at random depot nodes.
    """
    from klshuttle.ch import contraction_hierarchy
    from klshuttle.graph import to_metric
    from klshuttle.sim import FleetInput, TripInput

    rng = np.random.default_rng(seed)
    x, y = to_metric(graph.lon, graph.lat)
    orig = rng.integers(0, graph.n_nodes, size=n_requests)
    dest = np.empty(n_requests, dtype=np.int64)
    for i, o in enumerate(orig.tolist()):
        while True:
            cand = rng.integers(0, graph.n_nodes, size=256)
            d = np.hypot(x[cand] - x[o], y[cand] - y[o])
            ok = np.flatnonzero((d >= 1000.0) & (d <= 5000.0))
            if ok.size:
                dest[i] = cand[ok[0]]
                break
    t_s = np.sort(rng.uniform(6 * 3600.0, 22 * 3600.0, size=n_requests))
    direct_s = contraction_hierarchy(graph).distances(orig, dest)
    trips = TripInput(
        t_submit_s=t_s,
        pickup_node=orig.astype(np.int32),
        dropoff_node=dest.astype(np.int32),
        pax=np.ones(n_requests, dtype=np.int32),
        max_wait_s=np.full(n_requests, 900.0),
        max_ride_s=1.5 * direct_s + 300.0,
        pre_reason=np.zeros(n_requests, dtype=np.int8),
    )
    depots = rng.integers(0, graph.n_nodes, size=n_vehicles).astype(np.int32)
    fleet = FleetInput(depot_node=depots, capacity=8, dwell_s=30.0, per_pax_s=5.0)
    return trips, fleet


def day_tables(log: Any, net: Any, graph: RoadGraph) -> tuple[Any, Any, Any]:
    """The served requests, the vehicle table and the link loads of a simulated
    :func:`city_day` (every request one passenger)."""
    import pandas as pd

    from klshuttle.metrics import link_loads, vehicles_table

    served = log.requests["status"] == 4
    trips = pd.DataFrame(
        {
            "status": np.where(served, "served", "other"),
            "vehicle": log.requests["vehicle"],
            "passengers": 1,
        }
    )
    return served, vehicles_table(log, net, trips), link_loads(log, net, graph)
