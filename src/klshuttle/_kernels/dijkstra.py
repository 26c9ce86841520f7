"""Single-source Dijkstra on a CSR graph with non-negative edge weights.

Two priority queues, chosen per graph by :func:`bucket_width` in the Python layer:

* **Buckets** (Dial's algorithm with bucket width ``delta`` at most the
  smallest edge weight), used when every weight is positive and the ratio of
  the largest to the smallest weight is moderate, as on road graphs. All nodes
  in the lowest non-empty bucket are final (an edge of weight ``> delta``
  cannot lead back into the same bucket), so a bucket is settled in one sweep
  with O(1) pushes and pops; the relaxation is written without data-dependent
  branches. ``delta`` is taken a thousandth below the smallest weight so that
  the rounding of ``d`` and of ``floor(d / delta)`` cannot put two nodes that
  improve one another into one bucket; ``routing.bucket_width`` also bounds
  the bucket indices so that this margin stays far above the rounding error.
* **Binary heap** with lazy deletion for every other graph (zero-weight edges,
  extreme weight ratios).

Both give exact shortest distances. Among paths of equal cost the first one
found is kept. ``pred_edge[v]`` is the CSR index of the last edge of the chosen
path to ``v``. The second per-edge quantity (the length of the fastest path,
say) is summed along the chosen paths afterwards by :func:`tree_sums`, in
settle order, which adds the same numbers in the same order as walking each
path from the source.

Conventions: ``dist`` is ``inf`` and ``pred_edge`` is ``-1`` where a node is not
reached or lies beyond the cutoff; ``pred_edge[source] == -1``.

Workspace: the search needs scratch arrays, bundled in the tuple returned by
:func:`make_workspace` and passed around as one argument. A workspace belongs
to one search at a time (one thread); the search leaves it clean.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from . import njit
from .heap import heap_pop, heap_push

__all__ = [
    "clear_settled",
    "dijkstra_into",
    "make_workspace",
    "reset_tree",
    "single_source",
    "tree_sums",
]

# Workspace layout (a tuple, so that numba passes it as one argument):
#   0 settled  uint8[n]         1 while settled, else 0
#   1 order    int32[n]         nodes in settle order
#   2 qkeys    float64[m + 2]   heap keys
#   3 qnodes   int32[m + 2]     heap nodes / bucket entry nodes
#   4 qnext    int32[m + 2]     bucket entry links
#   5 qedge    int64[m + 2]     bucket entry edges (the predecessor if the entry wins)
#   6 head     int32[n_buckets] first entry of each bucket, -1 if empty
# Room for m + 2 entries: a search pushes at most m + 1 (the source, then one
# per improving relaxation) and the branch-free bucket push writes one slot
# past the last entry.


@njit
def make_workspace(
    n_nodes: int, n_edges: int, n_buckets: int
) -> tuple[
    NDArray[np.uint8],
    NDArray[np.int32],
    NDArray[np.float64],
    NDArray[np.int32],
    NDArray[np.int32],
    NDArray[np.int64],
    NDArray[np.int32],
]:
    """Allocate a clean search workspace.

    Parameters
    ----------
    n_nodes, n_edges
        Size of the graph.
    n_buckets
        Number of buckets (a power of two, from ``bucket_width``); 1 for the heap.
    """
    return (
        np.zeros(n_nodes, dtype=np.uint8),
        np.empty(n_nodes, dtype=np.int32),
        np.empty(n_edges + 2, dtype=np.float64),
        np.empty(n_edges + 2, dtype=np.int32),
        np.empty(n_edges + 2, dtype=np.int32),
        np.empty(n_edges + 2, dtype=np.int64),
        np.full(max(n_buckets, 1), -1, dtype=np.int32),
    )


@njit
def _buckets_into(
    indptr, indices, weight, inv_width, source, cutoff, is_target, n_targets, dist, pred_edge, ws
):
    settled, order, _, enode, enext, eedge, head = ws
    mask = head.shape[0] - 1
    dist[source] = 0.0
    enode[0] = source
    enext[0] = -1
    eedge[0] = -1
    head[0] = 0
    n_entries = 1
    live = 1
    n_settled = 0
    slot = 0
    bucket = 0  # absolute index of the bucket in `slot`
    # buckets after `last_bucket` hold only nodes farther than the cutoff
    last = cutoff * inv_width + 1.0
    last_bucket = np.int64(last) if last < 4.0e18 else np.int64(4.0e18)
    remaining = n_targets
    stopped_early = False
    while live > 0:
        e = head[slot]
        while e < 0:  # live > 0: some bucket ahead is not empty
            slot = (slot + 1) & mask
            bucket += 1
            e = head[slot]
        if bucket > last_bucket:
            stopped_early = True
            break
        # Pop one entry. Pushes never go to the current bucket (nd >= d + width),
        # so the bucket empties and the lists stay whole for the cleanup below.
        head[slot] = enext[e]
        live -= 1
        u = enode[e]
        if settled[u]:
            continue
        d = dist[u]
        if d > cutoff:
            dist[u] = np.inf
            stopped_early = True
            continue
        settled[u] = 1
        pred_edge[u] = eedge[e]
        order[n_settled] = u
        n_settled += 1
        if remaining > 0 and is_target[u]:
            remaining -= 1
            if remaining == 0:
                stopped_early = True
                break
        for k in range(indptr[u], indptr[u + 1]):
            # weight[k] > width: a settled v has dist[v] < nd, so no check.
            v = indices[k]
            nd = d + weight[k]
            dv = dist[v]
            better = nd < dv
            dist[v] = nd if better else dv
            b = np.int64(nd * inv_width) & mask
            hb = head[b]
            enode[n_entries] = v
            enext[n_entries] = hb
            eedge[n_entries] = k
            head[b] = n_entries if better else hb
            n_entries += better
            live += better
    if stopped_early:
        # Nodes reached but not settled still have an entry: forget them.
        for b in range(mask + 1):
            e = head[b]
            while e >= 0:
                v = enode[e]
                if not settled[v]:
                    dist[v] = np.inf
                e = enext[e]
            head[b] = -1
    return n_settled


@njit
def _heap_into(indptr, indices, weight, source, cutoff, is_target, n_targets, dist, pred_edge, ws):
    settled, order, heap_keys, heap_nodes, _, _, _ = ws
    dist[source] = 0.0
    pred_edge[source] = -1
    n_settled = 0
    size = heap_push(heap_keys, heap_nodes, 0, 0.0, source)
    remaining = n_targets
    stopped_early = False
    while size > 0:
        d, u, size = heap_pop(heap_keys, heap_nodes, size)
        if settled[u]:
            continue
        if d > cutoff:
            dist[u] = np.inf
            pred_edge[u] = -1
            stopped_early = True
            break
        settled[u] = 1
        order[n_settled] = u
        n_settled += 1
        if remaining > 0 and is_target[u]:
            remaining -= 1
            if remaining == 0:
                stopped_early = True
                break
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            if settled[v]:
                continue
            nd = d + weight[k]
            if nd < dist[v]:
                dist[v] = nd
                pred_edge[v] = k
                size = heap_push(heap_keys, heap_nodes, size, nd, v)
    if stopped_early:
        # Nodes reached but not settled still have a heap entry: forget them.
        for i in range(size):
            v = heap_nodes[i]
            if not settled[v]:
                dist[v] = np.inf
                pred_edge[v] = -1
    return n_settled


@njit
def dijkstra_into(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weight: NDArray[np.float64],
    bucket_width: float,
    source: int,
    cutoff: float,
    is_target: NDArray[np.uint8],
    n_targets: int,
    dist: NDArray[np.float64],
    pred_edge: NDArray[np.integer],
    ws: tuple,
) -> int:
    """Run Dijkstra from ``source`` into caller-provided arrays.

    Parameters
    ----------
    indptr, indices
        The graph in CSR form (edges leaving ``u`` are ``indptr[u]:indptr[u + 1]``).
    weight
        Non-negative, finite cost of each edge (CSR order).
    bucket_width
        ``> 0``: use buckets of this width, which must be below the smallest
        weight, with ``ws`` holding a power of two ``> max(weight) / bucket_width + 2``
        buckets; ``0``: use the binary heap. ``routing.bucket_width`` computes both.
    source
        Start node, ``0 <= source < n``.
    cutoff
        Nodes whose distance exceeds ``cutoff`` are left unreached; ``inf`` for none.
    is_target, n_targets
        Early exit: stop once ``n_targets`` distinct nodes with ``is_target[v] != 0``
        are settled. ``n_targets == 0`` disables it (``is_target`` is then not read).
    dist, pred_edge
        Outputs of length n, all ``inf`` / ``-1`` on entry. On return settled
        nodes hold final values and every other node is ``inf`` / ``-1``.
    ws
        A clean workspace from :func:`make_workspace`. On return
        ``ws[1][:n_settled]`` lists the settled nodes in settle order (the
        source first); :func:`reset_tree` cleans ``ws``, ``dist`` and
        ``pred_edge`` for the next search.

    Returns
    -------
    int
        The number of settled nodes.
    """
    if bucket_width > 0.0:
        return _buckets_into(
            indptr,
            indices,
            weight,
            1.0 / bucket_width,
            source,
            cutoff,
            is_target,
            n_targets,
            dist,
            pred_edge,
            ws,
        )
    return _heap_into(
        indptr, indices, weight, source, cutoff, is_target, n_targets, dist, pred_edge, ws
    )


@njit
def reset_tree(
    ws: tuple, n_settled: int, dist: NDArray[np.float64], pred_edge: NDArray[np.integer]
) -> None:
    """Restore the entry state of :func:`dijkstra_into` after a search, in O(settled)."""
    settled = ws[0]
    order = ws[1]
    for i in range(n_settled):
        v = order[i]
        dist[v] = np.inf
        pred_edge[v] = -1
        settled[v] = 0


@njit
def clear_settled(ws: tuple, n_settled: int) -> None:
    """Clean ``ws`` after a search whose ``dist`` / ``pred_edge`` the caller keeps."""
    settled = ws[0]
    order = ws[1]
    for i in range(n_settled):
        settled[order[i]] = 0


@njit
def tree_sums(
    order: NDArray[np.int32],
    n_settled: int,
    pred_edge: NDArray[np.integer],
    edge_source: NDArray[np.int32],
    aux_weight: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """Sum ``aux_weight`` along the shortest-path tree into ``out``.

    ``order[:n_settled]`` are the settled nodes in settle order, the source
    first; each node's predecessor is settled before it, so one pass gives
    every node the sum along its path from the source. Other entries of
    ``out`` are left untouched (``inf`` if the caller filled it so).
    """
    if n_settled == 0:
        return
    out[order[0]] = 0.0
    for i in range(1, n_settled):
        v = order[i]
        k = pred_edge[v]
        out[v] = out[edge_source[k]] + aux_weight[k]


@njit
def single_source(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    weight: NDArray[np.float64],
    aux_weight: NDArray[np.float64],
    edge_source: NDArray[np.int32],
    bucket_width: float,
    source: int,
    cutoff: float,
    ws: tuple,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Shortest paths from ``source`` to every node, in new arrays.

    ``ws`` is a clean workspace from :func:`make_workspace` (with the bucket
    count that goes with ``bucket_width``); it is clean again on return, so
    one workspace serves any number of calls.

    Returns
    -------
    dist : ndarray of float64, shape (n,)
        Sum of ``weight`` along the shortest path; ``inf`` if unreached or beyond cutoff.
    aux : ndarray of float64, shape (n,)
        Sum of ``aux_weight`` along the same path; ``inf`` where ``dist`` is.
    pred_edge : ndarray of int64, shape (n,)
        Last edge (CSR index) of the path to each node; ``-1`` for the source
        and unreached nodes.
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    aux = np.full(n, np.inf)
    pred_edge = np.full(n, -1, dtype=np.int64)
    no_targets = np.zeros(0, dtype=np.uint8)
    n_settled = dijkstra_into(
        indptr, indices, weight, bucket_width, source, cutoff, no_targets, 0, dist, pred_edge, ws
    )
    tree_sums(ws[1], n_settled, pred_edge, edge_source, aux_weight, aux)
    clear_settled(ws, n_settled)
    return dist, aux, pred_edge
