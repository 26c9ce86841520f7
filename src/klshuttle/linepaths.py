"""A line direction laid on the road graph along its OSM route relation.

:func:`route_direction` follows the ways of a route relation
(:class:`~klshuttle.osmroutes.OsmRoute`) on the road graph, halts each stop on
the carriageway the relation drives in that direction (direction-aware
snapping), and picks *waypoints*: graph nodes such that the fastest path from
one to the next is exactly the relation's path. The simulator, which drives
fastest paths between consecutive points, then follows the relation.

Where the relation leaves the graph (a way the road filter dropped, a gap in
the mapping, a oneway driven against its direction) the line takes the fastest
path between the two ends instead; :attr:`RoutedDirection.off_route_m` says how
far it runs off the relation.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .graph import RoadGraph, to_metric
from .osmroutes import OsmRoute
from .shortest_paths import shortest_path, single_source

__all__ = ["RoutedDirection", "route_direction", "waypoints_for_path"]


@dataclass(frozen=True, eq=False)
class RoutedDirection:
    """One direction of a line on the road graph.

    Attributes
    ----------
    stop_nodes : int32
        Graph node where the vehicle halts at each stop, in travel order.
    waypoints
        Per segment (stop k to stop k+1), the intermediate graph nodes the
        vehicle passes so that fastest paths between them follow the path.
    segment_edges
        Per segment, the edges (CSR indices) a vehicle drives through the
        waypoints along fastest paths, in order.
    segment_time_s : float64
        Driving time of each segment along its edges.
    halt_offset_m : float64
        Distance along the relation from each mapped stop position to the node
        where the vehicle halts.
    off_route_m
        Length of the driven path on edges that are not ways of the relation
        (an edge counts by the first OSM way it was built from).
    not_forced
        Number of places where the relation's path is not a fastest path even
        edge by edge (the simulator then takes the fastest path).
    """

    stop_nodes: NDArray[np.int32]
    waypoints: tuple[NDArray[np.int32], ...]
    segment_edges: tuple[NDArray[np.int64], ...]
    segment_time_s: NDArray[np.float64]
    halt_offset_m: NDArray[np.float64]
    off_route_m: float
    not_forced: int

    @property
    def path_edges(self) -> NDArray[np.int64]:
        """All edges from the first to the last stop."""
        parts = [e for e in self.segment_edges if len(e)]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _graph_index(graph: RoadGraph, osm_ids: NDArray[np.int64]) -> NDArray[np.int64]:
    order = np.argsort(graph.osmid, kind="stable")
    sorted_ids = graph.osmid[order]
    pos = np.searchsorted(sorted_ids, osm_ids)
    pos = np.minimum(pos, len(sorted_ids) - 1)
    found = sorted_ids[pos] == osm_ids
    return np.where(found, order[pos], -1).astype(np.int64)


def _edge(graph: RoadGraph, a: int, b: int, ways: frozenset[int]) -> int:
    lo, hi = int(graph.indptr[a]), int(graph.indptr[a + 1])
    cand = [k for k in range(lo, hi) if int(graph.indices[k]) == b]
    if not cand:
        return -1
    on = [k for k in cand if int(graph.edge_osmid[k]) in ways]
    pool = on or cand
    return min(pool, key=lambda k: (float(graph.travel_time_s[k]), k))


def _unforced(graph: RoadGraph, nodes: NDArray[np.int64], edges: NDArray[np.int64]) -> list[int]:
    """Positions of the path's edges that are not a fastest path between their ends."""
    out = []
    for t, e in enumerate(edges):
        tree = single_source(graph, int(nodes[t]))
        if int(tree.pred_edge[int(nodes[t + 1])]) != int(e):
            out.append(t)
    return out


def waypoints_for_path(
    graph: RoadGraph, nodes: NDArray[np.int64], edges: NDArray[np.int64]
) -> tuple[NDArray[np.int32], float, int, NDArray[np.int64]]:
    """Waypoints that make fastest paths reproduce a given path.

    Parameters
    ----------
    graph
        The road graph.
    nodes
        The path's nodes (``len(edges) + 1``).
    edges
        The path's edges, ``edges[t]`` from ``nodes[t]`` to ``nodes[t + 1]``.

    Returns
    -------
    waypoints : int32
        Intermediate nodes (neither end): from each to the next (and from the
        start to the first, the last to the end) the fastest path is the given
        path, except where a single edge is itself not a fastest path.
    time_s
        Driving time from start to end through the waypoints, along fastest
        paths (the path's own time where it is reproduced).
    not_forced
        Number of edges that are not a fastest path on their own (a faster
        parallel edge or a shortcut between their ends); the vehicle takes the
        fastest path there.
    driven : int64
        The edges a vehicle drives through the waypoints along fastest paths.
    """
    n_edges = len(edges)
    anchors: list[int] = []
    driven: list[NDArray[np.int64]] = []
    time_s = 0.0
    not_forced = 0
    a = 0
    while a < n_edges:
        tree = single_source(graph, int(nodes[a]))
        j = a
        while j < n_edges and int(tree.pred_edge[int(nodes[j + 1])]) == int(edges[j]):
            j += 1
        if j == a:
            not_forced += 1
            j = a + 1
        time_s += float(tree.travel_time_s[int(nodes[j])])
        if int(nodes[j]) != int(nodes[a]):
            driven.append(np.asarray(tree.path_edges(int(nodes[j])), dtype=np.int64))
        if j < n_edges:
            anchors.append(int(nodes[j]))
        a = j
    path = np.concatenate(driven) if driven else np.empty(0, dtype=np.int64)
    return np.array(anchors, dtype=np.int32), time_s, not_forced, path


def route_direction(graph: RoadGraph, route: OsmRoute, stops: list[int]) -> RoutedDirection:
    """Lay one direction of a line on the graph along its route relation.

    Parameters
    ----------
    graph
        The road graph.
    route
        The direction's route relation.
    stops
        Indices into ``route.stops`` of the stops the line serves, in order
        (at least two).

    Returns
    -------
    RoutedDirection
        The line runs from the first to the last of ``stops``.
    """
    ids = route.node_ids
    x, y = to_metric(route.lon, route.lat)
    step = np.hypot(np.diff(x), np.diff(y))
    along = np.concatenate(([0.0], np.cumsum(step)))
    gidx = _graph_index(graph, ids)
    # dense positions that are graph nodes, without immediate repeats
    gpos = [int(p) for p in np.flatnonzero(gidx >= 0)]
    gpos = [p for i, p in enumerate(gpos) if i == 0 or gidx[p] != gidx[gpos[i - 1]]]
    if len(gpos) < 2:
        raise ValueError(f"route relation {route.relation_id} does not run on the road graph")
    g_along = along[gpos]
    # each stop: its position along the relation (its own node, else the nearest)
    stop_dense: list[int] = []
    prev = 0
    for s in stops:
        st = route.stops[s]
        hits = np.flatnonzero(ids[prev:] == st.osm_node)
        if len(hits):
            p = prev + int(hits[0])
        else:
            sx, sy = to_metric(np.array([st.lon]), np.array([st.lat]))
            d = np.hypot(x[prev:] - sx[0], y[prev:] - sy[0])
            p = prev + int(np.argmin(d))
        stop_dense.append(p)
        prev = p
    # halt at the graph node on the path nearest along the path (monotone)
    stop_g: list[int] = []
    lo = 0
    for p in stop_dense:
        k = lo + int(np.argmin(np.abs(g_along[lo:] - along[p])))
        stop_g.append(k)
        lo = k
    ways = frozenset(route.way_ids)
    seg_edges: list[NDArray[np.int64]] = []
    seg_nodes: list[NDArray[np.int64]] = []
    seg_g: list[list[int]] = []  # position in gpos of each path node (-1: bridged)
    for k0, k1 in itertools.pairwise(stop_g):
        nodes = [int(gidx[gpos[k0]])]
        where = [k0]
        edges: list[int] = []
        for k in range(k0, k1):
            a, b = int(gidx[gpos[k]]), int(gidx[gpos[k + 1]])
            e = _edge(graph, a, b, ways)
            if e >= 0:
                edges.append(e)
                nodes.append(b)
                where.append(k + 1)
                continue
            fe = np.asarray(shortest_path(graph, a, b).edges, dtype=np.int64)
            edges.extend(int(v) for v in fe)
            nodes.extend(int(graph.indices[v]) for v in fe)
            where.extend([-1] * (len(fe) - 1) + [k + 1])
        seg_edges.append(np.array(edges, dtype=np.int64))
        seg_nodes.append(np.array(nodes, dtype=np.int64))
        seg_g.append(where)
    # terminals: where the relation drives an edge that is not a fastest path
    # on its own (a loop through a bus station whose lanes are mapped two-way),
    # the simulator would turn back on itself; the line ends before it (and
    # starts after it) and halts there
    last_nodes, last_edges, last_g = seg_nodes[-1], seg_edges[-1], seg_g[-1]
    bad = _unforced(graph, last_nodes, last_edges)
    if bad and bad[0] > 0 and last_g[bad[0]] >= 0:
        t = bad[0]
        seg_nodes[-1], seg_edges[-1] = last_nodes[: t + 1], last_edges[:t]
        stop_g[-1] = last_g[t]
    first_nodes, first_edges, first_g = seg_nodes[0], seg_edges[0], seg_g[0]
    bad = _unforced(graph, first_nodes, first_edges)
    if bad and bad[-1] < len(first_edges) - 1 and first_g[bad[-1] + 1] >= 0:
        t = bad[-1] + 1
        seg_nodes[0], seg_edges[0] = first_nodes[t:], first_edges[t:]
        stop_g[0] = first_g[t]
    waypoints = []
    times = []
    driven = []
    not_forced = 0
    for nodes_a, edges_a in zip(seg_nodes, seg_edges, strict=True):
        w, time_s, nf, dr = waypoints_for_path(graph, nodes_a, edges_a)
        waypoints.append(w)
        times.append(time_s)
        driven.append(dr)
        not_forced += nf
    every = np.concatenate(driven)
    off = ~np.isin(graph.edge_osmid[every], list(ways))
    off_m = float(graph.length_m[every][off].sum())
    halt = np.abs(g_along[stop_g] - along[stop_dense])
    return RoutedDirection(
        stop_nodes=np.array([gidx[gpos[k]] for k in stop_g], dtype=np.int32),
        waypoints=tuple(waypoints),
        segment_edges=tuple(driven),
        segment_time_s=np.array(times, dtype=np.float64),
        halt_offset_m=halt.astype(np.float64),
        off_route_m=off_m,
        not_forced=not_forced,
    )
