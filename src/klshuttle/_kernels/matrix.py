"""One-to-many, many-to-many and all-pairs shortest-path tables.

The parallel kernels split the sources into contiguous chunks, one ``prange``
iteration per chunk, and allocate the search workspace once per chunk. Each
source's row depends only on the graph and the source, so the results do not
depend on the number of threads or on scheduling. ``routing.py`` calls them
with ``numba.set_parallel_chunksize(1)``, so that idle threads pick up the
remaining chunks (numba's default hands each thread one fixed block).

``bucket_width`` / ``n_buckets`` select the priority queue of
:func:`~klshuttle._kernels.dijkstra.dijkstra_into` (``routing.bucket_width``
computes them for a weight array).
"""

from __future__ import annotations

import numpy as np
from numba import prange
from numpy.typing import NDArray

from . import njit, njit_parallel
from .dijkstra import clear_settled, dijkstra_into, make_workspace, reset_tree, tree_sums

__all__ = ["MAX_CHUNKS", "all_pairs", "all_pairs_tree", "many_to_many", "one_to_many"]

#: Sources are split into at most this many chunks (prange iterations). Fixed,
#: so that the kernels do not read the thread count (which would stop numba
#: from caching them); enough chunks to balance the load on any common machine.
MAX_CHUNKS = 256


@njit
def _n_chunks(n_sources: int) -> int:
    """Number of chunks for a parallel loop over ``n_sources`` sources."""
    return min(n_sources, MAX_CHUNKS)


@njit
def _target_mask(n: int, targets: NDArray[np.integer]) -> tuple[NDArray[np.uint8], int]:
    mask = np.zeros(n, dtype=np.uint8)
    n_distinct = 0
    for j in range(targets.shape[0]):
        t = targets[j]
        if mask[t] == 0:
            mask[t] = 1
            n_distinct += 1
    return mask, n_distinct


@njit
def one_to_many(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weight: NDArray[np.float64],
    aux_weight: NDArray[np.float64],
    edge_source: NDArray[np.int32],
    bucket_width: float,
    source: int,
    targets: NDArray[np.integer],
    ws: tuple,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Costs from ``source`` to each target, stopping once all targets are settled.

    ``ws`` is a clean workspace (see ``dijkstra.make_workspace``), clean again
    on return.

    Returns
    -------
    cost, aux_cost : ndarray of float64, shape (len(targets),)
        Sum of ``weight`` and of ``aux_weight`` along each shortest path; ``inf``
        where unreachable.
    """
    n = indptr.shape[0] - 1
    mask, n_distinct = _target_mask(n, targets)
    dist = np.full(n, np.inf)
    aux = np.full(n, np.inf)
    pred_edge = np.full(n, -1, dtype=np.int64)
    n_settled = dijkstra_into(
        indptr, indices, weight, bucket_width, source, np.inf, mask, n_distinct, dist, pred_edge, ws
    )
    tree_sums(ws[1], n_settled, pred_edge, edge_source, aux_weight, aux)
    clear_settled(ws, n_settled)
    cost = np.empty(targets.shape[0], dtype=np.float64)
    aux_cost = np.empty(targets.shape[0], dtype=np.float64)
    for j in range(targets.shape[0]):
        cost[j] = dist[targets[j]]
        aux_cost[j] = aux[targets[j]]
    return cost, aux_cost


@njit_parallel
def many_to_many(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weight: NDArray[np.float64],
    bucket_width: float,
    n_buckets: int,
    origins: NDArray[np.integer],
    destinations: NDArray[np.integer],
    out: NDArray[np.floating],
) -> None:
    """Fill ``out[i, j]`` with the shortest cost ``origins[i] -> destinations[j]``.

    Parallel over origins; each search stops once every destination is settled.
    ``out`` (float64 or float32, shape ``(len(origins), len(destinations))``)
    gets ``inf`` for unreachable pairs.
    """
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    n_orig = origins.shape[0]
    n_dest = destinations.shape[0]
    mask, n_distinct = _target_mask(n, destinations)
    n_chunks = _n_chunks(n_orig)
    for c in prange(n_chunks):
        lo = c * n_orig // n_chunks
        hi = (c + 1) * n_orig // n_chunks
        dist = np.full(n, np.inf)
        pred_edge = np.full(n, -1, dtype=np.int64)
        ws = make_workspace(n, m, n_buckets)
        for i in range(lo, hi):
            n_settled = dijkstra_into(
                indptr,
                indices,
                weight,
                bucket_width,
                origins[i],
                np.inf,
                mask,
                n_distinct,
                dist,
                pred_edge,
                ws,
            )
            for j in range(n_dest):
                out[i, j] = dist[destinations[j]]
            reset_tree(ws, n_settled, dist, pred_edge)


@njit_parallel
def all_pairs(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weight: NDArray[np.float64],
    bucket_width: float,
    n_buckets: int,
    out: NDArray[np.floating],
) -> None:
    """Fill the n x n matrix ``out`` (float64 or float32) with all shortest costs.

    Distances are accumulated in float64 and rounded to ``out``'s dtype when
    stored. Unreachable pairs get ``inf``. Parallel over sources.
    """
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    n_chunks = _n_chunks(n)
    no_targets = np.zeros(0, dtype=np.uint8)
    for c in prange(n_chunks):
        lo = c * n // n_chunks
        hi = (c + 1) * n // n_chunks
        dist = np.full(n, np.inf)
        pred_edge = np.full(n, -1, dtype=np.int64)
        ws = make_workspace(n, m, n_buckets)
        for s in range(lo, hi):
            n_settled = dijkstra_into(
                indptr, indices, weight, bucket_width, s, np.inf, no_targets, 0, dist, pred_edge, ws
            )
            row = out[s]
            for v in range(n):
                row[v] = dist[v]
            reset_tree(ws, n_settled, dist, pred_edge)


@njit_parallel
def all_pairs_tree(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weight: NDArray[np.float64],
    aux_weight: NDArray[np.float64],
    edge_source: NDArray[np.int32],
    bucket_width: float,
    n_buckets: int,
    cost_out: NDArray[np.float64],
    aux_out: NDArray[np.float64],
    pred_out: NDArray[np.int32],
) -> None:
    """All shortest-path trees: costs, aux sums along the paths, predecessor edges.

    ``cost_out`` and ``aux_out`` (float64) and ``pred_out`` (int32), all n x n,
    must be ``inf`` / ``inf`` / ``-1`` on entry. Row ``s`` becomes the output
    of a single-source search from ``s``: ``pred_out[s, v]`` is the last edge
    of the chosen path ``s -> v`` (``-1`` for ``v == s`` and unreachable ``v``)
    and ``aux_out[s, v]`` the sum of ``aux_weight`` along it. Parallel over
    sources.
    """
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    n_chunks = _n_chunks(n)
    no_targets = np.zeros(0, dtype=np.uint8)
    for c in prange(n_chunks):
        lo = c * n // n_chunks
        hi = (c + 1) * n // n_chunks
        ws = make_workspace(n, m, n_buckets)
        settled = ws[0]
        order = ws[1]
        for s in range(lo, hi):
            n_settled = dijkstra_into(
                indptr,
                indices,
                weight,
                bucket_width,
                s,
                np.inf,
                no_targets,
                0,
                cost_out[s],
                pred_out[s],
                ws,
            )
            tree_sums(ws[1], n_settled, pred_out[s], edge_source, aux_weight, aux_out[s])
            for i in range(n_settled):
                settled[order[i]] = 0
