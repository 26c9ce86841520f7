"""Slow, obviously correct references that the routing kernels are checked against.

Used by the tests and the benchmarks; also handy for interop. Parallel edges
and self-loops need care when a RoadGraph is handed to other libraries:

* scipy's csgraph adds up duplicate entries (``sum_duplicates``) and its
  strongly-connected-components routine hangs on a CSR with duplicates, so
  :func:`to_scipy_csgraph` keeps one entry per ``(u, v)`` with the minimum
  weight and drops self-loops (they never lie on a shortest path when weights
  are non-negative);
* :func:`to_simple_digraph` does the same for networkx.
"""

from __future__ import annotations

import heapq
import math

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .graph import RoadGraph

__all__ = ["dijkstra_reference", "min_weight_edges", "to_scipy_csgraph", "to_simple_digraph"]


def min_weight_edges(
    graph: RoadGraph, weight: str = "travel_time_s"
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """One edge per ``(u, v)`` pair with ``u != v``, keeping the minimum weight.

    Returns
    -------
    u, v, w : ndarrays
        Tails, heads and weights, sorted by ``(u, v)``.
    """
    w_all = np.asarray(getattr(graph, weight), dtype=np.float64)
    src = graph.edge_source.astype(np.int64)
    dst = graph.indices.astype(np.int64)
    keep = src != dst
    u, v, w = src[keep], dst[keep], w_all[keep]
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(u.shape[0], dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    return u[first], v[first], w[first]


def to_scipy_csgraph(graph: RoadGraph, weight: str = "travel_time_s") -> sp.csr_matrix:
    """The graph as a scipy CSR matrix for ``scipy.sparse.csgraph`` (min weights, no loops).

    Weights must be positive: a zero would read as "no edge" to scipy.
    """
    u, v, w = min_weight_edges(graph, weight)
    n = graph.n_nodes
    return sp.csr_matrix((w, (u, v)), shape=(n, n))


def to_simple_digraph(graph: RoadGraph, weight: str = "travel_time_s") -> nx.DiGraph:
    """The graph as a networkx DiGraph: min weight per ``(u, v)``, no self-loops.

    The weight is stored under its own name (``"travel_time_s"`` or ``"length_m"``).
    """
    u, v, w = min_weight_edges(graph, weight)
    G = nx.DiGraph()
    G.add_nodes_from(range(graph.n_nodes))
    G.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True), weight=weight)
    return G


def dijkstra_reference(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weight: NDArray[np.float64],
    source: int,
    cutoff: float = math.inf,
) -> list[float]:
    """Textbook Dijkstra in plain Python (heapq) over CSR arrays, multi-edges and all.

    Returns the distance of every node (``inf`` if unreached or beyond ``cutoff``).
    """
    n = len(indptr) - 1
    dist = [math.inf] * n
    done = [False] * n
    dist[source] = 0.0
    heap = [(0.0, source)]
    while heap:
        d, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        for k in range(int(indptr[u]), int(indptr[u + 1])):
            v = int(indices[k])
            nd = d + float(weight[k])
            if nd < dist[v]:
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return [d if d <= cutoff else math.inf for d in dist]
