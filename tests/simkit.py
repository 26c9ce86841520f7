"""Small hand-made road graphs and simulation inputs for tests."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import networkx as nx
import numpy as np

from klshuttle import RoadGraph
from klshuttle._kernels.simstate import Net
from klshuttle.sim import FleetInput, TripInput


def make_graph(
    n: int, edges: Sequence[tuple[int, int, float, float]], *, spacing_deg: float = 0.001
) -> RoadGraph:
    """A RoadGraph from (u, v, travel_time_s, length_m) edges; nodes on a lon line."""
    edges = sorted(edges, key=lambda e: (e[0], e[1]))
    src = np.array([e[0] for e in edges], dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    lon = 7.75 + spacing_deg * np.arange(n)
    lat = np.full(n, 49.44)
    m = len(edges)
    geom_lon = np.ravel([[lon[e[0]], lon[e[1]]] for e in edges]) if m else np.zeros(0)
    geom_lat = np.full(2 * m, 49.44)
    tt = np.array([e[2] for e in edges], dtype=float)
    ln = np.array([e[3] for e in edges], dtype=float)
    return RoadGraph(
        indptr=np.cumsum(indptr),
        indices=np.array([e[1] for e in edges], dtype=np.int32),
        travel_time_s=tt,
        length_m=ln,
        speed_kmh=np.where(tt > 0, ln / np.where(tt > 0, tt, 1) * 3.6, 0.0),
        road_class=np.zeros(m, dtype=np.int8),
        name_code=np.full(m, -1, dtype=np.int32),
        edge_osmid=np.arange(m),
        geom_indptr=np.arange(0, 2 * m + 1, 2),
        geom_lon=geom_lon,
        geom_lat=geom_lat,
        lon=lon,
        lat=lat,
        osmid=np.arange(n) + 1000,
        road_class_names=("residential",),
        street_names=(),
    )


def line_graph(n: int, tt_s: float = 100.0, length_m: float = 1000.0) -> RoadGraph:
    """Nodes 0..n-1 on a two-way street, every edge ``tt_s`` seconds and ``length_m`` metres."""
    edges = []
    for i in range(n - 1):
        edges += [(i, i + 1, tt_s, length_m), (i + 1, i, tt_s, length_m)]
    return make_graph(n, edges)


def random_graph(n: int, rng: np.random.Generator, extra: int = 0) -> RoadGraph:
    """A strongly connected random graph: a two-way ring plus random one-way chords."""
    edges = []
    for i in range(n):
        j = (i + 1) % n
        for a, b in ((i, j), (j, i)):
            t = float(rng.uniform(20, 120))
            edges.append((a, b, t, t * 5.0))
    for _ in range(extra):
        a, b = (int(x) for x in rng.integers(0, n, 2))
        if a != b:
            t = float(rng.uniform(20, 200))
            edges.append((a, b, t, t * 5.0))
    return make_graph(n, edges)


def reference_net(graph: RoadGraph) -> Net:
    """Routing tables from networkx shortest paths (slow, obviously right)."""
    n = graph.n_nodes
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    best: dict[tuple[int, int], int] = {}
    for k in range(graph.n_edges):
        u, v = int(graph.edge_source[k]), int(graph.indices[k])
        if u != v and (
            (u, v) not in best or graph.travel_time_s[k] < graph.travel_time_s[best[(u, v)]]
        ):
            best[(u, v)] = k
    for (u, v), k in best.items():
        G.add_edge(u, v, weight=float(graph.travel_time_s[k]), k=k)
    time_s = np.full((n, n), np.inf)
    length_m = np.full((n, n), np.inf)
    pred = np.full((n, n), -1, dtype=np.int32)
    for s in range(n):
        _, paths = nx.single_source_dijkstra(G, s, weight="weight")
        for v, path in paths.items():
            t = ln = 0.0
            for a, b in itertools.pairwise(path):
                k = G.edges[a, b]["k"]
                t += graph.travel_time_s[k]
                ln += graph.length_m[k]
            time_s[s, v], length_m[s, v] = t, ln
            if len(path) > 1:
                pred[s, v] = G.edges[path[-2], path[-1]]["k"]
    return Net(
        time_s=time_s,
        time_s_t=np.ascontiguousarray(time_s.T),
        length_m=length_m,
        pred_edge=pred,
        edge_source=graph.edge_source,
        edge_time_s=graph.travel_time_s,
        edge_length_m=graph.length_m,
    )


def trips(
    t_submit: Sequence[float],
    pickup: Sequence[int],
    dropoff: Sequence[int],
    *,
    max_wait_s: float | Sequence[float] = 1200.0,
    max_ride_s: float | Sequence[float] = 3600.0,
    pax: int | Sequence[int] = 1,
    latest_dropoff_s: float | Sequence[float] | None = None,
    deadline: int | Sequence[int] | None = None,
    release_s: Sequence[float] | None = None,
) -> TripInput:
    """TripInput from plain lists (scalars broadcast)."""
    n = len(t_submit)
    return TripInput(
        t_submit_s=np.asarray(t_submit, dtype=float),
        pickup_node=np.asarray(pickup, dtype=np.int32),
        dropoff_node=np.asarray(dropoff, dtype=np.int32),
        pax=np.broadcast_to(np.asarray(pax, dtype=np.int32), (n,)).copy(),
        max_wait_s=np.broadcast_to(np.asarray(max_wait_s, dtype=float), (n,)).copy(),
        max_ride_s=np.broadcast_to(np.asarray(max_ride_s, dtype=float), (n,)).copy(),
        pre_reason=np.zeros(n, dtype=np.int8),
        latest_dropoff_s=None
        if latest_dropoff_s is None
        else np.broadcast_to(np.asarray(latest_dropoff_s, dtype=float), (n,)).copy(),
        deadline=None
        if deadline is None
        else np.broadcast_to(np.asarray(deadline, dtype=np.uint8), (n,)).copy(),
        release_s=None if release_s is None else np.asarray(release_s, dtype=float),
    )


def fleet(
    depots: Sequence[int], capacity: int = 4, dwell_s: float = 10.0, per_pax_s: float = 2.0
) -> FleetInput:
    """FleetInput with one vehicle per depot entry."""
    return FleetInput(
        depot_node=np.asarray(depots, dtype=np.int32),
        capacity=capacity,
        dwell_s=dwell_s,
        per_pax_s=per_pax_s,
    )
