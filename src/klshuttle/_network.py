"""Small shortest-path helpers on a RoadGraph for planning checks (scipy).

Validation and demand summaries need a few hundred one-to-many searches:
line run times between consecutive stops, direct travel time and distance of
requests. scipy's Dijkstra over the CSR arrays is exact and fast enough for
that (the Kaiserslautern graph has about 2,000 nodes). The simulator uses the
numba routing kernels of :mod:`klshuttle.routing` instead.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .graph import RoadGraph

__all__ = ["pair_costs", "shortest_costs"]

Weight = Literal["time", "length"]


def _matrix(graph: RoadGraph, weight: Weight) -> csr_matrix:
    """The graph as a sparse matrix, keeping the cheapest of parallel edges."""
    w = graph.travel_time_s if weight == "time" else graph.length_m
    src = graph.edge_source.astype(np.int64)
    dst = graph.indices.astype(np.int64)
    order = np.lexsort((w, dst, src))
    src, dst, w = src[order], dst[order], w[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    # scipy treats explicit zeros as missing edges: keep a tiny positive cost
    cost = np.maximum(w[first], 1e-9)
    n = graph.n_nodes
    return csr_matrix((cost, (src[first], dst[first])), shape=(n, n))


def shortest_costs(
    graph: RoadGraph, sources: ArrayLike, *, weight: Weight = "time"
) -> NDArray[np.float64]:
    """Shortest-path cost from each source node to every node.

    Parameters
    ----------
    graph
        The road graph.
    sources
        Node indices (int).
    weight
        ``"time"`` (seconds, ``travel_time_s``) or ``"length"`` (metres).

    Returns
    -------
    ndarray of float64, shape (len(sources), n_nodes)
        ``inf`` where a node cannot be reached.
    """
    src = np.atleast_1d(np.asarray(sources, dtype=np.int64))
    if len(src) == 0:
        return np.empty((0, graph.n_nodes))
    return np.asarray(
        dijkstra(_matrix(graph, weight), directed=True, indices=src), dtype=np.float64
    ).reshape(len(src), graph.n_nodes)


def pair_costs(
    graph: RoadGraph, origins: ArrayLike, destinations: ArrayLike, *, weight: Weight = "time"
) -> NDArray[np.float64]:
    """Shortest-path cost of each (origin, destination) node pair.

    Runs one search per distinct origin, in chunks to bound memory.
    """
    o = np.asarray(origins, dtype=np.int64)
    d = np.asarray(destinations, dtype=np.int64)
    out = np.empty(len(o), dtype=np.float64)
    if len(o) == 0:
        return out
    uniq, inverse = np.unique(o, return_inverse=True)
    matrix = _matrix(graph, weight)
    chunk = max(1, 20_000_000 // max(graph.n_nodes, 1))
    for start in range(0, len(uniq), chunk):
        part = uniq[start : start + chunk]
        costs = dijkstra(matrix, directed=True, indices=part)
        sel = (inverse >= start) & (inverse < start + len(part))
        out[sel] = costs[inverse[sel] - start, d[sel]]
    return out
