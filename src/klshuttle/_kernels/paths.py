"""Path reconstruction from predecessor edges, callable from other kernels.

A path is an ``int64`` array of CSR edge indices in travel order; its node
sequence is the source followed by the head node of every edge.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from . import njit

__all__ = ["path_cost", "path_edges", "path_nodes"]


@njit
def path_edges(
    pred_edge: NDArray[np.integer],
    edge_source: NDArray[np.int32],
    source: int,
    target: int,
) -> NDArray[np.int64]:
    """Edges of the path ``source -> target`` recorded in a predecessor row.

    Parameters
    ----------
    pred_edge
        ``pred_edge[v]``: CSR index of the last edge on the path from ``source``
        to ``v``, ``-1`` where there is none (a row of ``Router.pred_edge`` or
        the predecessors of a single-source search from ``source``).
    edge_source
        Tail node of every edge (``RoadGraph.edge_source``).
    source, target
        End points of the path.

    Returns
    -------
    ndarray of int64
        The edges in travel order. Empty when ``target == source`` and also
        when the row records no path to ``target`` (unreachable, or a row that
        does not belong to ``source``); callers tell the two apart by the
        distance, which is ``inf`` for an unreachable target.
    """
    n = pred_edge.shape[0]
    count = 0
    v = target
    while v != source:
        k = pred_edge[v]
        if k < 0 or count >= n:
            return np.empty(0, dtype=np.int64)
        count += 1
        v = edge_source[k]
    out = np.empty(count, dtype=np.int64)
    v = target
    for i in range(count - 1, -1, -1):
        k = pred_edge[v]
        out[i] = k
        v = edge_source[k]
    return out


@njit
def path_nodes(
    edges: NDArray[np.int64], indices: NDArray[np.int32], source: int
) -> NDArray[np.int32]:
    """Node sequence of a path: ``source`` then the head node of each edge."""
    out = np.empty(edges.shape[0] + 1, dtype=np.int32)
    out[0] = source
    for i in range(edges.shape[0]):
        out[i + 1] = indices[edges[i]]
    return out


@njit
def path_cost(edges: NDArray[np.int64], weight: NDArray[np.float64]) -> float:
    """Sum of ``weight`` over the edges, added in travel order (as the searches do)."""
    total = 0.0
    for i in range(edges.shape[0]):
        total += weight[edges[i]]
    return total
