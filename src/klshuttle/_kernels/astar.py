"""Point-to-point A* search with a straight-line lower bound, usable inside kernels.

The bound for a node ``v`` is ``h_per_m * |v - target|`` (straight-line metres
in a projected CRS). It is admissible and consistent whenever every edge
satisfies ``weight[k] >= h_per_m * |tail - head|``; ``routing.py`` computes the
largest such factor from the graph itself (the fastest edge speed measured
along straight lines, less a margin for rounding), so the search returns exact
shortest paths and stops as soon as the target is settled.

The search works in a caller-owned workspace (:func:`make_workspace`) that it
leaves clean on return: it resets only the nodes it touched, so one query costs
time proportional to the part of the graph it explores, not to the graph size.
A workspace must not be used by two threads at once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from . import njit
from .heap import heap_pop, heap_push
from .paths import path_cost, path_edges

__all__ = ["astar_path", "make_workspace"]

# Workspace layout: (g float64[n], pred_edge int64[n], closed uint8[n],
# heap_keys float64[m + 2], heap_nodes int32[m + 2], touched int32[n]).


@njit
def make_workspace(
    n_nodes: int, n_edges: int
) -> tuple[
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.uint8],
    NDArray[np.float64],
    NDArray[np.int32],
    NDArray[np.int32],
]:
    """Allocate a clean A* workspace for a graph of this size."""
    return (
        np.full(n_nodes, np.inf),
        np.full(n_nodes, -1, dtype=np.int64),
        np.zeros(n_nodes, dtype=np.uint8),
        np.empty(n_edges + 2, dtype=np.float64),
        np.empty(n_edges + 2, dtype=np.int32),
        np.empty(n_nodes, dtype=np.int32),
    )


@njit
def astar_path(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weight: NDArray[np.float64],
    aux_weight: NDArray[np.float64],
    edge_source: NDArray[np.int32],
    x_m: NDArray[np.float64],
    y_m: NDArray[np.float64],
    h_per_m: float,
    source: int,
    target: int,
    ws: tuple,
) -> tuple[float, float, NDArray[np.int64]]:
    """Shortest path from ``source`` to ``target`` by A*.

    Parameters
    ----------
    indptr, indices, weight, aux_weight, edge_source
        CSR graph, the non-negative weight to minimise, the per-edge quantity
        to sum along the path, and the tail node of each edge.
    x_m, y_m
        Projected node coordinates in metres.
    h_per_m
        Lower bound of ``weight`` per straight-line metre (0 turns A* into
        Dijkstra with early exit).
    source, target
        End points.
    ws
        A clean workspace from :func:`make_workspace`; clean again on return.

    Returns
    -------
    cost : float
        Sum of ``weight`` along the path; ``inf`` if ``target`` is unreachable.
    aux_cost : float
        Sum of ``aux_weight`` along the same path (travel order); ``inf`` if unreachable.
    edges : ndarray of int64
        CSR edge indices in travel order; empty if unreachable or ``source == target``.
        Among paths of equal cost the first one found is kept.
    """
    g, pred_edge, closed, heap_keys, heap_nodes, touched = ws
    xt = x_m[target]
    yt = y_m[target]
    g[source] = 0.0
    touched[0] = source
    n_touched = 1
    dx = x_m[source] - xt
    dy = y_m[source] - yt
    size = heap_push(heap_keys, heap_nodes, 0, h_per_m * np.sqrt(dx * dx + dy * dy), source)
    found = False
    while size > 0:
        _, u, size = heap_pop(heap_keys, heap_nodes, size)
        if closed[u]:
            continue
        closed[u] = 1
        if u == target:
            found = True
            break
        g_u = g[u]
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            if closed[v]:
                continue
            ng = g_u + weight[k]
            gv = g[v]
            if ng < gv:
                if gv == np.inf:
                    touched[n_touched] = v
                    n_touched += 1
                g[v] = ng
                pred_edge[v] = k
                dx = x_m[v] - xt
                dy = y_m[v] - yt
                size = heap_push(
                    heap_keys, heap_nodes, size, ng + h_per_m * np.sqrt(dx * dx + dy * dy), v
                )
    if found:
        cost = g[target]
        edges = path_edges(pred_edge, edge_source, source, target)
        aux_cost = path_cost(edges, aux_weight)
    else:
        cost = np.inf
        aux_cost = np.inf
        edges = np.empty(0, dtype=np.int64)
    for i in range(n_touched):
        v = touched[i]
        g[v] = np.inf
        pred_edge[v] = -1
        closed[v] = 0
    return cost, aux_cost, edges
